package ausf

import (
	"container/list"
	"sync"
	"time"

	"go5g/internal/aka"
	"go5g/internal/problem"
)

// authCtx is the state of one authentication between Authenticate and its
// confirmation.
type authCtx struct {
	id       string
	supi     string
	snn      string
	eap      bool // EAP-AKA' rather than 5G-AKA
	expires  time.Time
	elem     *list.Element
	xresStar []byte // 5G-AKA
	kseaf    []byte // 5G-AKA
	eapState        // EAP-AKA'
}

// eapState is what the AUSF keeps of an EAP-AKA' exchange.
type eapState struct {
	identifier uint8 // of the outstanding EAP-Request
	rand       []byte
	xres       []byte
	keys       aka.EAPKeys
	resyncs    int
}

// table holds the authentication contexts, oldest first. With a single TTL
// creation order is expiry order, so expired contexts are always at the
// front and dropping them costs only as much as there are.
type table struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu    sync.Mutex
	byID  map[string]*authCtx
	order list.List // of *authCtx, by expiry
}

func newTable(ttl time.Duration, max int, now func() time.Time) *table {
	return &table{ttl: ttl, max: max, now: now, byID: make(map[string]*authCtx)}
}

// put stores c, expiring TTL from now, after dropping the expired
// contexts. A full table answers 503 NF_CONGESTION.
func (t *table) put(c *authCtx) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for e := t.order.Front(); e != nil && !now.Before(e.Value.(*authCtx).expires); e = t.order.Front() {
		t.remove(e.Value.(*authCtx))
	}
	if len(t.byID) >= t.max {
		return problem.Newf(problem.NFCongestion, "%d authentications pending", len(t.byID))
	}
	if old, ok := t.byID[c.id]; ok {
		t.remove(old)
	}
	c.expires = now.Add(t.ttl)
	c.elem = t.order.PushBack(c)
	t.byID[c.id] = c
	return nil
}

// take removes and returns the context id if it holds the method wanted
// (eap), so that no two confirmations can use one context. expired tells
// whether its TTL has passed.
func (t *table) take(id string, eap bool) (c *authCtx, expired, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok = t.byID[id]
	if !ok || c.eap != eap {
		return nil, false, false
	}
	t.remove(c)
	return c, !t.now().Before(c.expires), true
}

// len is the number of contexts held, expired ones included.
func (t *table) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byID)
}

func (t *table) remove(c *authCtx) {
	delete(t.byID, c.id)
	t.order.Remove(c.elem)
	c.elem = nil
}
