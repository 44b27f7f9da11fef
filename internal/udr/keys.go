package udr

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go5g/internal/problem"
	"go5g/internal/suci"
)

// DefaultKeyCacheTTL is how long the UDR serves home network keys from
// memory before reading them from the store again (Config.KeyCacheTTL).
const DefaultKeyCacheTTL = 5 * time.Second

// keyCache holds the home network keys as one immutable snapshot read from
// the store. Reading every key on every SUCI cost about 15% of a
// registration's CPU; the keys change only when an operator runs
// `go5g keys`, so a snapshot serves them lock-free.
//
// Freshness, as seen by HomeNetworkKey:
//   - a key added to the store is used at once: a miss reloads the snapshot
//     (so an unknown key id costs one store read, as every SUCI did before);
//   - a deleted key stops being used at most ttl after its deletion, when
//     the snapshot expires and is reloaded;
//   - a ttl below zero turns the cache off: every call reads the store.
type keyCache struct {
	ttl time.Duration
	now func() time.Time

	snap atomic.Pointer[keySnapshot]
	// mu serialises reloads; started counts the reloads begun, so callers
	// that missed while another reload ran take its result instead of
	// queueing one store read each.
	mu      sync.Mutex
	started atomic.Uint64
}

type keySnapshot struct {
	keys   map[keyID]suci.HomeNetworkKey
	loaded time.Time
}

type keyID struct {
	scheme suci.Scheme
	id     uint8
}

// get returns the key for k from a fresh enough snapshot, reloading it
// from st when it is stale or k is missing.
func (c *keyCache) get(ctx context.Context, st Store, k keyID) (suci.HomeNetworkKey, bool, error) {
	ticket := c.started.Load()
	if s := c.snap.Load(); s != nil && c.ttl >= 0 && c.now().Sub(s.loaded) < c.ttl {
		if key, ok := s.keys[k]; ok {
			return key, true, nil
		}
	}
	s, err := c.reload(ctx, st, ticket)
	if err != nil {
		return suci.HomeNetworkKey{}, false, err
	}
	key, ok := s.keys[k]
	return key, ok, nil
}

// reload reads every key from the store, unless a reload that began after
// the caller's ticket has already finished: its snapshot is as fresh.
func (c *keyCache) reload(ctx context.Context, st Store, ticket uint64) (*keySnapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started.Load() > ticket {
		if s := c.snap.Load(); s != nil {
			return s, nil
		}
	}
	c.started.Add(1)
	keys, err := st.HomeNetworkKeys(ctx)
	if err != nil {
		return nil, err
	}
	s := &keySnapshot{keys: make(map[keyID]suci.HomeNetworkKey, len(keys)), loaded: c.now()}
	for _, k := range keys {
		s.keys[keyID{k.Scheme, k.ID}] = k
	}
	c.snap.Store(s)
	return s, nil
}

// HomeNetworkKey returns the SUCI home network private key for scheme
// (Profile A or B) and key identifier id, or a 403
// INVALID_HN_PUBLIC_KEY_IDENTIFIER if there is none. Keys come from a cache
// (see keyCache): a key added with `go5g keys` while the core runs is used
// at once, a deleted one stops being used within Config.KeyCacheTTL.
//
// Spec: TS 33.501 §6.12.2, §C.3.3; TS 29.503 §6.3.7.3
func (u *UDR) HomeNetworkKey(ctx context.Context, scheme suci.Scheme, id uint8) (suci.HomeNetworkKey, error) {
	key, ok, err := u.keys.get(ctx, u.store, keyID{scheme, id})
	if err != nil {
		return suci.HomeNetworkKey{}, problem.Wrap(problem.SystemFailure, err)
	}
	if !ok {
		return suci.HomeNetworkKey{}, problem.Newf(problem.InvalidHNPublicKeyIdentifier,
			"no home network key %d for protection scheme %v", id, scheme)
	}
	return key, nil
}
