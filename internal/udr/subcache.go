package udr

import (
	"context"
	"sync"
	"time"

	"go5g/internal/store"
)

// DefaultSubscriberCacheTTL is how long a subscriber row read for an
// authentication serves the rest of that registration
// (Config.SubscriberCacheTTL).
const DefaultSubscriberCacheTTL = 5 * time.Second

// subCache keeps the subscriber rows the authentication step read, for the
// access and mobility and SMF selection data the AMF asks for a few
// milliseconds (one UE round trip) later. A registration used to read the
// same row three times; the reads were about a third of the core's CPU.
//
// Only QueryAuthSubsData fills it, always from the store, so every
// registration starts from the stored row; a change to a subscriber
// reaches a registration already past its authentication at most ttl
// later. SQN is never served from here (IncrementSQN is a store
// operation). Entries older than ttl are swept on insertion, so the cache
// holds about ttl's worth of registrations.
type subCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	rows    map[string]cachedSub
	sweepAt time.Time
}

type cachedSub struct {
	s  store.Subscriber
	at time.Time
}

func newSubCache(ttl time.Duration, now func() time.Time) *subCache {
	return &subCache{ttl: ttl, now: now, rows: make(map[string]cachedSub)}
}

// put records s as read from the store now, without its keys: the
// queries it serves do not need them.
func (c *subCache) put(s store.Subscriber) {
	if c.ttl < 0 {
		return
	}
	s.K, s.OPc = nil, nil
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.After(c.sweepAt) {
		for k, e := range c.rows {
			if now.Sub(e.at) >= c.ttl {
				delete(c.rows, k)
			}
		}
		c.sweepAt = now.Add(c.ttl)
	}
	c.rows[s.SUPI] = cachedSub{s, now}
}

// get returns supi's row if one younger than ttl is held.
func (c *subCache) get(supi string) (store.Subscriber, bool) {
	if c.ttl < 0 {
		return store.Subscriber{}, false
	}
	c.mu.Lock()
	e, ok := c.rows[supi]
	c.mu.Unlock()
	if !ok || c.now().Sub(e.at) >= c.ttl {
		return store.Subscriber{}, false
	}
	return e.s, true
}

// forget drops supi's row, so its next query reads the store.
func (c *subCache) forget(supi string) {
	c.mu.Lock()
	delete(c.rows, supi)
	c.mu.Unlock()
}

// ForgetSubscriber makes the UDR read supi from the store again on its next
// query: call it after changing or deleting the subscriber.
func (u *UDR) ForgetSubscriber(supi string) { u.subs.forget(supi) }

// recentSubscriber is subscriber, served from the rows authentication read
// when one is fresh.
func (u *UDR) recentSubscriber(ctx context.Context, supi string) (store.Subscriber, error) {
	if s, ok := u.subs.get(supi); ok {
		return s, nil
	}
	return u.subscriber(ctx, supi)
}
