package sctp

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"go5g/internal/sctp/wire"
)

func TestHandshakeAndData(t *testing.T) {
	p := newPair(t, testConfig(), testConfig())
	p.connect(t)
	if got := p.ca.Streams(); got != 16 {
		t.Errorf("streams = %d, want 16", got)
	}
	exchange(t, p.ca, p.cb, 500, 5, 100)
	// Small messages sent back to back are bundled: fewer packets than chunks.
	if pk, dc := len(p.net.sent(addrA, addrB)), p.net.count(addrA, addrB, wire.TypeData); pk >= dc+10 {
		t.Logf("packets %d, DATA chunks %d", pk, dc)
	}
}

// TestStreamNegotiation: each side uses min(its OS, the peer's MIS). Spec: RFC 9260 §5.1.1.
func TestStreamNegotiation(t *testing.T) {
	ca, cb := testConfig(), testConfig()
	ca.OutStreams, ca.MaxInStreams = 10, 3
	cb.OutStreams, cb.MaxInStreams = 5, 7
	p := newPair(t, ca, cb)
	p.connect(t)
	if got := p.ca.Streams(); got != 7 {
		t.Errorf("A out streams = %d, want min(10, 7) = 7", got)
	}
	if got := p.cb.Streams(); got != 3 {
		t.Errorf("B out streams = %d, want min(5, 3) = 3", got)
	}
	ctx := context.Background()
	if err := p.cb.Send(ctx, Message{Stream: 3, Data: []byte("x")}); err == nil {
		t.Error("Send on stream 3 of 3 succeeded")
	}
	exchange(t, p.ca, p.cb, 50, 3, 10)
}

// TestLossRecovery drops the first (or chosen) occurrences of each chunk
// type on its way and checks the association still comes up, carries data
// and shuts down, by retransmission.
func TestLossRecovery(t *testing.T) {
	cases := []struct {
		name string
		from bool // true: from A (the dialer)
		ct   wire.ChunkType
		nth  []int
	}{
		{"INIT", true, wire.TypeInit, []int{1, 2}},
		{"INIT ACK", false, wire.TypeInitAck, []int{1}},
		{"COOKIE ECHO", true, wire.TypeCookieEcho, []int{1, 2}},
		{"COOKIE ACK", false, wire.TypeCookieAck, []int{1}},
		{"DATA", true, wire.TypeData, []int{1, 5, 6, 20}},
		{"SACK", false, wire.TypeSack, []int{1, 2, 3, 4}},
		{"SHUTDOWN", true, wire.TypeShutdown, []int{1}},
		{"SHUTDOWN ACK", false, wire.TypeShutdownAck, []int{1}},
		{"SHUTDOWN COMPLETE", true, wire.TypeShutdownComplete, []int{1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPair(t, testConfig(), testConfig())
			from := addrB
			if tc.from {
				from = addrA
			}
			p.net.setFilter(chunkFilter(from, tc.ct, verdict{drop: true}, tc.nth...))
			p.connect(t)
			exchange(t, p.ca, p.cb, 60, 3, 300)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := p.ca.Close(ctx); err != nil {
				t.Fatalf("close: %v", err)
			}
			if err := recvErr(t, p.cb, 5*time.Second); !errors.Is(err, ErrClosed) || errors.Is(err, ErrAborted) {
				t.Fatalf("peer Recv after close = %v, want ErrClosed (graceful)", err)
			}
			sent := p.net.count(from, netip.AddrPort{}, tc.ct)
			if tc.ct == wire.TypeShutdownComplete {
				// Recovery: B retransmits SHUTDOWN ACK, A answers it out of the blue.
				if n := p.net.count(addrB, addrA, wire.TypeShutdownAck); n < 2 {
					t.Errorf("SHUTDOWN ACK sent %d times, want a retransmission", n)
				}
			} else if tc.ct != wire.TypeSack && sent <= len(tc.nth) {
				t.Errorf("%s sent %d times with %d dropped: no retransmission", tc.ct, sent, len(tc.nth))
			}
		})
	}
}

// TestRandomLossAndReordering: 10% loss, 10% delayed up to 30 ms and 5%
// duplicated in both directions, handshake included.
func TestRandomLossAndReordering(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		p := newPair(t, testConfig(), testConfig())
		p.net.setFilter(randomFilter(seed, 0.10, 0.10, 0.05, 30*time.Millisecond))
		p.connect(t)
		exchange(t, p.ca, p.cb, 1500, 4, 400)
		a := p.ca.(*assoc)
		a.mu.Lock()
		st := a.stats
		a.mu.Unlock()
		if st.retransmitted == 0 || st.fastRetransmits == 0 || st.duplicates == 0 {
			t.Errorf("seed %d: the loss did not bite: %+v", seed, st)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := p.ca.Close(ctx); err != nil {
			t.Errorf("seed %d: close: %v", seed, err)
		}
		cancel()
	}
}

// TestDuplicateEverything: every packet arrives twice, handshake and
// shutdown included. Spec: RFC 9260 §6.2 (duplicate TSNs), §5.2.4 D, §5.2.5.
func TestDuplicateEverything(t *testing.T) {
	p := newPair(t, testConfig(), testConfig())
	p.net.setFilter(func(f, to netip.AddrPort, pk *wire.Packet) verdict { return verdict{dup: true} })
	p.connect(t)
	exchange(t, p.ca, p.cb, 200, 3, 700)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.ca.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	dupReported := false
	for _, pk := range p.net.sent(addrB, addrA) {
		for _, c := range pk.Chunks {
			if s, ok := c.(*wire.Sack); ok && len(s.DupTSNs) > 0 {
				dupReported = true
			}
		}
	}
	if !dupReported {
		t.Error("no SACK reported a duplicate TSN")
	}
}

func TestLargeMessages(t *testing.T) {
	for _, loss := range []float64{0, 0.03} {
		p := newPair(t, testConfig(), testConfig())
		p.connect(t)
		p.net.setFilter(randomFilter(7, loss, 0, 0, 0))
		exchange(t, p.ca, p.cb, 3, 2, 64<<10)
		exchange(t, p.ca, p.cb, 2, 2, 256<<10)
	}
}

// TestUnordered: a delayed packet holds back later ordered messages of its
// stream but not unordered ones. Three messages: too few miss indications
// for a fast retransmit, so the first arrives last (delayed or by T3).
// Spec: RFC 9260 §6.6.
func TestUnordered(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		p := newPair(t, testConfig(), testConfig())
		p.connect(t)
		p.net.setFilter(chunkFilter(addrA, wire.TypeData, verdict{delay: 80 * time.Millisecond}, 1))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for i := range 3 {
			if err := p.ca.Send(ctx, Message{Stream: 1, Unordered: unordered, Data: []byte{byte(i)}}); err != nil {
				t.Fatal(err)
			}
		}
		var got []byte
		for range 3 {
			m, err := p.cb.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if m.Unordered != unordered {
				t.Errorf("Unordered = %v, want %v", m.Unordered, unordered)
			}
			got = append(got, m.Data[0])
		}
		cancel()
		switch {
		case !unordered && string(got) != "\x00\x01\x02":
			t.Errorf("ordered delivery %v", got)
		case unordered && string(got) != "\x01\x02\x00":
			t.Errorf("unordered delivery %v: want message 0 last (its packet was delayed)", got)
		}
	}
}

// TestGracefulCloseDeliversQueued: Close right after queueing delivers
// everything before SHUTDOWN. Spec: RFC 9260 §9.2.
func TestGracefulCloseDeliversQueued(t *testing.T) {
	p := newPair(t, testConfig(), testConfig())
	p.connect(t)
	p.net.setFilter(randomFilter(3, 0.05, 0, 0, 0))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const n = 300
	if err := sendSeq(ctx, p.ca, n, 4, 1000); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- p.ca.Close(ctx) }()
	if err := recvSeq(ctx, p.cb, n, 4, 1000); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := recvErr(t, p.cb, 5*time.Second); !errors.Is(err, ErrClosed) {
		t.Fatalf("Recv after close = %v", err)
	}
	if err := p.ca.Send(ctx, Message{Data: []byte("late")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after close = %v, want ErrClosed", err)
	}
	if err := p.cb.Send(ctx, Message{Data: []byte("late")}); !errors.Is(err, ErrClosed) {
		t.Errorf("peer Send after close = %v, want ErrClosed", err)
	}
}

// TestShutdownBothSides: both ends close at once. Spec: RFC 9260 §9.2.
func TestShutdownBothSides(t *testing.T) {
	p := newPair(t, testConfig(), testConfig())
	p.connect(t)
	exchange(t, p.ca, p.cb, 20, 2, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range []Conn{p.ca, p.cb} {
		wg.Go(func() {
			if err := c.Close(ctx); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
	wg.Wait()
}

func TestAbort(t *testing.T) {
	for _, fromDialer := range []bool{true, false} {
		p := newPair(t, testConfig(), testConfig())
		p.connect(t)
		exchange(t, p.ca, p.cb, 10, 2, 100)
		by, peer := p.ca, p.cb
		if !fromDialer {
			by, peer = p.cb, p.ca
		}
		if err := by.Abort("maintenance"); err != nil {
			t.Fatal(err)
		}
		err := recvErr(t, peer, 2*time.Second)
		if !errors.Is(err, ErrAborted) || !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "maintenance") {
			t.Errorf("peer Recv = %v, want ErrAborted with the reason", err)
		}
		if err := by.Send(context.Background(), Message{Data: []byte("x")}); !errors.Is(err, ErrClosed) {
			t.Errorf("Send after Abort = %v", err)
		}
	}
}

// TestDialRefused: an INIT to a port without listener is answered by an
// ABORT carrying the INIT's tag. Spec: RFC 9260 §8.4 rule 3.
func TestDialRefused(t *testing.T) {
	p := newPair(t, testConfig(), testConfig())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := p.ea.Dial(ctx, addrB, 4000, 0)
	if !errors.Is(err, ErrAborted) {
		t.Fatalf("dial = %v, want ErrAborted", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusal took %v", d)
	}
}

// TestDialUnreachable: INIT is retransmitted Max.Init.Retransmits times.
// Spec: RFC 9260 §5.1 A.
func TestDialUnreachable(t *testing.T) {
	cfg := testConfig()
	cfg.MaxInitRetransmits = 3
	p := newPair(t, cfg, testConfig())
	p.net.setFilter(func(from, to netip.AddrPort, pk *wire.Packet) verdict { return verdict{drop: true} })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := p.ea.Dial(ctx, addrB, portB, 0)
	if !errors.Is(err, ErrPeerUnreachable) {
		t.Fatalf("dial = %v, want ErrPeerUnreachable", err)
	}
	if n := p.net.count(addrA, addrB, wire.TypeInit); n != 4 {
		t.Errorf("INIT sent %d times, want 1 + 3 retransmissions", n)
	}
}

// TestDeadPeer: once everything is dropped, heartbeats (idle) or T3-rtx
// (data outstanding) find the peer unreachable after
// Association.Max.Retrans, within the bound the timers give.
// Spec: RFC 9260 §8.1, §8.3.
func TestDeadPeer(t *testing.T) {
	for _, withData := range []bool{false, true} {
		cfg := testConfig()
		cfg.AssociationMaxRetrans = 4
		cfg.PathMaxRetrans = 2
		p := newPair(t, cfg, cfg)
		p.connect(t)
		exchange(t, p.ca, p.cb, 10, 1, 100)
		p.net.setFilter(func(from, to netip.AddrPort, pk *wire.Packet) verdict { return verdict{drop: true} })
		start := time.Now()
		if withData {
			if err := p.ca.Send(context.Background(), Message{Data: []byte("into the void")}); err != nil {
				t.Fatal(err)
			}
		}
		err := recvErr(t, p.ca, 10*time.Second)
		d := time.Since(start)
		if !errors.Is(err, ErrPeerUnreachable) || !errors.Is(err, ErrClosed) {
			t.Fatalf("withData=%v: Recv = %v, want ErrPeerUnreachable", withData, err)
		}
		// Five timeouts: heartbeats at most RTO.Max*1.5 + HB.interval apart,
		// T3 backing off from RTO.Min to RTO.Max.
		lo := 2 * cfg.RTOMin
		hi := time.Duration(cfg.AssociationMaxRetrans+2) * (cfg.RTOMax*3/2 + cfg.HeartbeatInterval)
		if d < lo || d > hi {
			t.Errorf("withData=%v: unreachable after %v, want within [%v, %v]", withData, d, lo, hi)
		}
		if err := p.ca.Send(context.Background(), Message{Data: []byte("x")}); !errors.Is(err, ErrPeerUnreachable) {
			t.Errorf("Send after failure = %v, want ErrPeerUnreachable", err)
		}
	}
}

// TestHeartbeatKeepsIdleAssociation: with no data, heartbeats are
// exchanged and answered and nothing fails.
func TestHeartbeatKeepsIdleAssociation(t *testing.T) {
	cfg := testConfig()
	cfg.AssociationMaxRetrans = 2
	p := newPair(t, cfg, cfg)
	p.connect(t)
	time.Sleep(8 * cfg.HeartbeatInterval)
	if n := p.net.count(addrA, addrB, wire.TypeHeartbeat); n < 3 {
		t.Errorf("A sent %d heartbeats in %v", n, 8*cfg.HeartbeatInterval)
	}
	if n := p.net.count(addrB, addrA, wire.TypeHeartbeatAck); n < 3 {
		t.Errorf("B answered %d heartbeats", n)
	}
	exchange(t, p.ca, p.cb, 5, 1, 10)
}
