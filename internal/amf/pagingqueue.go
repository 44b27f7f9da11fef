package amf

import (
	"context"
	"sync"
)

// Paging goes to every gNB of the UE's registration area, and a gNB whose
// association is stalled (full send buffer) holds a send for up to
// sendTimeout. The UE's worker must not wait on that: it serves thousands
// of other UEs. So each gNB has a small queue of Paging messages and one
// goroutine that drains it while it is not empty (no goroutine per idle
// gNB). A full queue drops the Paging and counts it: T3513 pages again,
// and a gNB that cannot take pagingQueueLen messages is not reaching its
// UEs anyway.
//
// Spec: TS 38.413 §8.5.1.2 (Paging is non-UE-associated, stream 0,
// TS 38.412 §7); TS 24.501 §10.2 (T3513)

// pagingQueueLen bounds the Paging messages waiting for one gNB.
const pagingQueueLen = 1024

// pagingQueue is one gNB's Paging messages waiting to be sent.
type pagingQueue struct {
	mu       sync.Mutex
	q        [][]byte
	draining bool
}

// queuePaging hands one Paging message to r's queue without blocking. It
// reports false, counting a drop, when the queue is full.
func (a *AMF) queuePaging(r *ranNode, b []byte) bool {
	p := &r.pq
	p.mu.Lock()
	if len(p.q) >= pagingQueueLen {
		p.mu.Unlock()
		a.stats.pagingDrops.Add(1)
		return false
	}
	p.q = append(p.q, b)
	start := !p.draining
	p.draining = true
	p.mu.Unlock()
	if start {
		go a.drainPaging(a.runCtx, r)
	}
	return true
}

// drainPaging sends r's queued Paging messages in order and returns when
// the queue is empty. A failed send (association gone, stalled past
// sendTimeout, or the AMF stopping) is logged and counted as a drop.
func (a *AMF) drainPaging(run context.Context, r *ranNode) {
	p := &r.pq
	for {
		p.mu.Lock()
		if len(p.q) == 0 {
			p.q = nil // let a burst's backing array go
			p.draining = false
			p.mu.Unlock()
			return
		}
		b := p.q[0]
		p.q[0] = nil
		p.q = p.q[1:]
		p.mu.Unlock()
		ctx, cancel := context.WithTimeout(run, sendTimeout)
		err := r.send(ctx, 0, b)
		cancel()
		if err != nil {
			a.stats.pagingDrops.Add(1)
			r.log.Debug("send PAGING", "err", err)
			continue
		}
		a.stats.pagingSent.Add(1)
	}
}
