package amf

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go5g/internal/sctp"
)

// stalledConn is a gNB association whose send buffer is full: Send blocks
// until release is closed, whatever its context says.
type stalledConn struct {
	sctp.Conn
	entered chan struct{} // one value per Send that started
	release chan struct{}
	mu      sync.Mutex
	sent    [][]byte
}

func (c *stalledConn) Send(_ context.Context, m sctp.Message) error {
	c.entered <- struct{}{}
	<-c.release
	c.mu.Lock()
	c.sent = append(c.sent, m.Data)
	c.mu.Unlock()
	return nil
}

func (c *stalledConn) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sent)
}

// TestPagingQueueStalledGNB: handing Paging to a gNB whose association is
// stalled never blocks the caller (the UE's worker); the gNB's queue takes
// pagingQueueLen messages beyond the one being sent, drops and counts the
// next, and once the association moves everything queued goes out in
// order. If queuePaging sent in place, the test would hang at the first
// call.
func TestPagingQueueStalledGNB(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := &AMF{runCtx: ctx, log: slog.New(slog.DiscardHandler)}
	c := &stalledConn{entered: make(chan struct{}, pagingQueueLen+2), release: make(chan struct{})}
	r := &ranNode{conn: c, log: a.log}

	if !a.queuePaging(r, []byte{0, 0}) {
		t.Fatal("first Paging refused")
	}
	<-c.entered // the drainer is stuck in Send with message 0
	for i := 1; i <= pagingQueueLen; i++ {
		if !a.queuePaging(r, []byte{byte(i >> 8), byte(i)}) {
			t.Fatalf("Paging %d refused with %d queued", i, i-1)
		}
	}
	if a.queuePaging(r, []byte{0xff, 0xff}) {
		t.Error("Paging accepted beyond the queue's bound")
	}
	if s := a.PagingStats(); s.Dropped != 1 || s.Sent != 0 {
		t.Errorf("stats %+v, want 1 dropped, 0 sent", s)
	}

	close(c.release)
	deadline := time.Now().Add(10 * time.Second)
	for c.count() < pagingQueueLen+1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	c.mu.Lock()
	sent := c.sent
	c.mu.Unlock()
	if len(sent) != pagingQueueLen+1 {
		t.Fatalf("%d Paging messages sent, want %d", len(sent), pagingQueueLen+1)
	}
	for i, b := range sent {
		if got := int(b[0])<<8 | int(b[1]); got != i {
			t.Fatalf("message %d sent as number %d: out of order", i, got)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); a.PagingStats().Sent != pagingQueueLen+1 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if s := a.PagingStats(); s.Sent != pagingQueueLen+1 || s.Dropped != 1 {
		t.Errorf("stats %+v, want %d sent, 1 dropped", s, pagingQueueLen+1)
	}
	// The drainer is gone once the queue is empty; the next Paging starts
	// another.
	r.pq.mu.Lock()
	draining := r.pq.draining
	r.pq.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); draining && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		r.pq.mu.Lock()
		draining = r.pq.draining
		r.pq.mu.Unlock()
	}
	if draining {
		t.Error("drainer still running with an empty queue")
	}
	if !a.queuePaging(r, []byte{0x12, 0x34}) {
		t.Fatal("Paging refused after the queue drained")
	}
	<-c.entered
	for deadline := time.Now().Add(10 * time.Second); c.count() != pagingQueueLen+2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if c.count() != pagingQueueLen+2 {
		t.Errorf("the Paging after the drain was not sent")
	}
}
