package ausf

import (
	"sync"
	"testing"
	"time"

	"go5g/internal/problem"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestTableTakeOnce(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	tb := newTable(time.Minute, 10, clk.Now)
	if err := tb.put(&authCtx{id: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := tb.take("a", true); ok {
		t.Fatal("a 5G-AKA context was taken as an EAP one")
	}
	c, expired, ok := tb.take("a", false)
	if !ok || expired || c.id != "a" {
		t.Fatalf("take = %+v, expired %v, ok %v", c, expired, ok)
	}
	if _, _, ok := tb.take("a", false); ok {
		t.Fatal("a context was taken twice")
	}
	if n := tb.len(); n != 0 {
		t.Fatalf("%d contexts left", n)
	}
}

func TestTableExpiry(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	tb := newTable(time.Minute, 10, clk.Now)
	for _, id := range []string{"a", "b"} {
		if err := tb.put(&authCtx{id: id}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(30 * time.Second)
	if err := tb.put(&authCtx{id: "c"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Second) // a and b are now exactly TTL old
	if _, expired, ok := tb.take("a", false); !ok || !expired {
		t.Fatalf("a: ok %v, expired %v; want an expired context", ok, expired)
	}
	// The next put drops b (expired) but keeps c.
	if err := tb.put(&authCtx{id: "d"}); err != nil {
		t.Fatal(err)
	}
	if n := tb.len(); n != 2 {
		t.Fatalf("%d contexts after the sweep, want 2 (c, d)", n)
	}
	if _, _, ok := tb.take("b", false); ok {
		t.Fatal("the expired context b survived the sweep")
	}
	if _, expired, ok := tb.take("c", false); !ok || expired {
		t.Fatalf("c: ok %v, expired %v", ok, expired)
	}
}

func TestTableBound(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	tb := newTable(time.Minute, 2, clk.Now)
	for _, id := range []string{"a", "b"} {
		if err := tb.put(&authCtx{id: id}); err != nil {
			t.Fatal(err)
		}
	}
	err := tb.put(&authCtx{id: "c"})
	if p := problem.As(err); p == nil || p.Cause != problem.NFCongestion || p.Status != 503 {
		t.Fatalf("put into a full table: %v, want 503 NF_CONGESTION", err)
	}
	// Room again once the oldest expire.
	clk.Advance(time.Minute)
	if err := tb.put(&authCtx{id: "c"}); err != nil {
		t.Fatalf("put after expiry: %v", err)
	}
	if n := tb.len(); n != 1 {
		t.Fatalf("%d contexts, want 1", n)
	}
}

func TestTablePutAgainRefreshes(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	tb := newTable(time.Minute, 10, clk.Now)
	c := &authCtx{id: "a"}
	if err := tb.put(c); err != nil {
		t.Fatal(err)
	}
	clk.Advance(50 * time.Second)
	c, _, _ = tb.take("a", false)
	if err := tb.put(c); err != nil { // a new EAP round
		t.Fatal(err)
	}
	clk.Advance(50 * time.Second)
	if _, expired, ok := tb.take("a", false); !ok || expired {
		t.Fatalf("re-put context: ok %v, expired %v; want a live one", ok, expired)
	}
}
