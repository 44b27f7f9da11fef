package tun_test

import (
	"errors"
	"os"
	"testing"
	"time"
)

// ReadBatch returns a burst of packets in one call, each whole and in
// order, allocates nothing, times out by the read deadline and reports
// os.ErrClosed after Close.
func TestReadBatch(t *testing.T) {
	_, d := openIn(t, testConfig())
	q := d.Queues()[0]
	const burst = 16
	out := make([]byte, 1500)
	for i := range burst {
		n := echoRequest(out, peer4, local4, 3, uint16(i), 100+i)
		if _, err := q.Write(out[:n]); err != nil {
			t.Fatal(err)
		}
	}
	bufs := make([][]byte, 8)
	for i := range bufs {
		bufs[i] = make([]byte, 1500)
	}
	sizes := make([]int, len(bufs))
	next, calls := 0, 0
	q.SetReadDeadline(time.Now().Add(5 * time.Second))
	for next < burst {
		n, err := q.ReadBatch(bufs, sizes)
		if err != nil {
			t.Fatalf("after %d replies: %v", next, err)
		}
		calls++
		for i := range n {
			p := bufs[i][:sizes[i]]
			if !isEchoReply(p, local4, peer4, 3, uint16(next)) {
				continue // the kernel's own packets, if any
			}
			if len(p) != 100+next {
				t.Errorf("reply %d: %d octets, want %d", next, len(p), 100+next)
			}
			next++
		}
	}
	t.Logf("%d replies in %d ReadBatch calls", burst, calls)

	allocs := testing.AllocsPerRun(20, func() {
		n := echoRequest(out, peer4, local4, 4, 1, 64)
		q.Write(out[:n])
		if _, err := q.ReadBatch(bufs, sizes); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ReadBatch: %.1f allocations per call, want 0", allocs)
	}

	q.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	for {
		_, err := q.ReadBatch(bufs, sizes)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatalf("idle queue: %v, want os.ErrDeadlineExceeded", err)
		}
	}
	q.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := q.ReadBatch(bufs, sizes); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	d.Close()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("ReadBatch on a closed device: %v, want os.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadBatch still blocked 5 s after Close")
	}
	if _, err := q.ReadBatch(bufs[:1], nil); err == nil {
		t.Error("ReadBatch with too few sizes: no error")
	}
}
