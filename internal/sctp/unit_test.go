package sctp

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"go5g/internal/sctp/wire"
)

func TestTSNMap(t *testing.T) {
	var r recvState
	r.init(0xfffffffe, 1, 1<<16) // wraps through zero
	for _, tsn := range []uint32{1, 3, 0xffffffff, 4, 0xfffffffe, 7} {
		r.mark(tsn)
	}
	// cum: 0xfffffffe, 0xffffffff received; 0 missing; 1 | 3-4 | 7.
	if r.cumTSN != 0xffffffff {
		t.Fatalf("cum %#x", r.cumTSN)
	}
	want := []tsnRange{{1, 1}, {3, 4}, {7, 7}}
	if len(r.ranges) != len(want) {
		t.Fatalf("ranges %v, want %v", r.ranges, want)
	}
	for i := range want {
		if r.ranges[i] != want[i] {
			t.Fatalf("ranges %v, want %v", r.ranges, want)
		}
	}
	for tsn, want := range map[uint32]bool{0xfffffffe: true, 0: false, 1: true, 2: false, 4: true, 5: false, 7: true, 8: false} {
		if r.received(tsn) != want {
			t.Errorf("received(%#x) = %v", tsn, !want)
		}
	}
	r.mark(2) // joins 1 and 3-4
	r.mark(0) // fills the hole: cum jumps to 4
	if r.cumTSN != 4 || len(r.ranges) != 1 || r.ranges[0] != (tsnRange{7, 7}) {
		t.Fatalf("cum %d ranges %v", r.cumTSN, r.ranges)
	}
	r.mark(6)
	r.mark(5)
	if r.cumTSN != 7 || len(r.ranges) != 0 {
		t.Fatalf("cum %d ranges %v", r.cumTSN, r.ranges)
	}
}

func TestTSNMapRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var r recvState
	var base uint32 = 0xfffff000
	r.init(base, 1, 1<<16)
	perm := rng.Perm(5000)
	got := make(map[uint32]bool)
	for len(got) < 5000 { // passes: mark refuses TSNs past maxGapRanges
		for _, i := range perm {
			tsn := base + uint32(i)
			if r.received(tsn) != got[tsn] {
				t.Fatalf("received(%#x) = %v", tsn, !got[tsn])
			}
			if got[tsn] || !r.mark(tsn) {
				continue
			}
			got[tsn] = true
			for range 3 {
				probe := base + uint32(rng.IntN(5000))
				if r.received(probe) != got[probe] {
					t.Fatalf("received(%#x) = %v", probe, !got[probe])
				}
			}
			if len(r.ranges) > maxGapRanges {
				t.Fatalf("%d ranges", len(r.ranges))
			}
		}
	}
	if r.cumTSN != base+4999 || len(r.ranges) != 0 {
		t.Fatalf("cum %#x ranges %d", r.cumTSN, len(r.ranges))
	}
}

func TestCookie(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Now()
	c := stateCookie{
		created: now, life: 3 * time.Second,
		myTag: 1, peerTag: 2, myTSN: 3, peerTSN: 4, peerRwnd: 5,
		outStreams: 6, inStreams: 7, localPort: 8, peerPort: 9, tieLocal: 10, tiePeer: 11,
		peer:      netip.MustParseAddrPort("192.0.2.1:9899"),
		peerAddrs: []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")},
	}
	b := c.marshal(key)
	got, err := parseCookie(b, key)
	if err != nil {
		t.Fatal(err)
	}
	if !got.created.Equal(now.Truncate(0)) && got.created.UnixNano() != now.UnixNano() {
		t.Errorf("created %v, want %v", got.created, now)
	}
	got.created = c.created
	if got.life != c.life || got.myTag != 1 || got.peerTag != 2 || got.myTSN != 3 || got.peerTSN != 4 || got.peerRwnd != 5 ||
		got.outStreams != 6 || got.inStreams != 7 || got.localPort != 8 || got.peerPort != 9 || got.tieLocal != 10 ||
		got.tiePeer != 11 || got.peer != c.peer || len(got.peerAddrs) != 2 || got.peerAddrs[1] != c.peerAddrs[1] {
		t.Errorf("round trip: %+v", got)
	}
	for i := range b {
		bad := append([]byte(nil), b...)
		bad[i] ^= 0x10
		if _, err := parseCookie(bad, key); err == nil {
			t.Fatalf("byte %d flipped: accepted", i)
		}
	}
	if _, err := parseCookie(b, []byte("another key")); !errors.Is(err, errCookieMAC) {
		t.Errorf("other key: %v", err)
	}
	if _, err := parseCookie(b[:20], key); err == nil {
		t.Error("truncated cookie accepted")
	}
	if s := got.stale(now.Add(2 * time.Second)); s != 0 {
		t.Errorf("stale after 2 s of 3: %v", s)
	}
	if s := got.stale(now.Add(5 * time.Second)); s != 2*time.Second {
		t.Errorf("staleness %v, want 2s", s)
	}
}

// TestRTO follows RFC 9260 §6.3.1: first measurement, smoothing, clamps.
func TestRTO(t *testing.T) {
	a := &assoc{cfg: &Config{RTOMin: 100 * time.Millisecond, RTOMax: 2 * time.Second}}
	a.updateRTT(200 * time.Millisecond)
	if a.srtt != 200*time.Millisecond || a.rttvar != 100*time.Millisecond || a.rto != 600*time.Millisecond {
		t.Errorf("first: srtt %v rttvar %v rto %v", a.srtt, a.rttvar, a.rto)
	}
	a.updateRTT(100 * time.Millisecond)
	// rttvar = 3/4*100 + 1/4*|200-100| = 100; srtt = 7/8*200 + 1/8*100 = 187.5
	if a.rttvar != 100*time.Millisecond || a.srtt != 187500*time.Microsecond || a.rto != 587500*time.Microsecond {
		t.Errorf("second: srtt %v rttvar %v rto %v", a.srtt, a.rttvar, a.rto)
	}
	for range 50 {
		a.updateRTT(time.Millisecond)
	}
	if a.rto != 100*time.Millisecond {
		t.Errorf("RTO %v below RTO.Min", a.rto)
	}
	a.updateRTT(10 * time.Second)
	if a.rto != 2*time.Second {
		t.Errorf("RTO %v above RTO.Max", a.rto)
	}
}

// blackhole is a PacketConn that sends nowhere, for driving one
// association by hand.
type blackhole struct{ closed chan struct{} }

func (b *blackhole) ReadFrom([]byte) (int, netip.AddrPort, error) {
	<-b.closed
	return 0, netip.AddrPort{}, errors.New("closed")
}
func (*blackhole) WriteTo([]byte, netip.AddrPort) error { return nil }
func (*blackhole) LocalAddr() netip.AddrPort            { return netip.MustParseAddrPort("192.0.2.1:9899") }
func (b *blackhole) Close() error                       { close(b.closed); return nil }

// handAssoc is an established association whose packets go nowhere.
func handAssoc(t *testing.T) *assoc {
	e := NewEndpoint(&blackhole{closed: make(chan struct{})}, Config{RTOInitial: time.Hour, RTOMin: time.Hour, RTOMax: time.Hour, HeartbeatInterval: time.Hour})
	t.Cleanup(func() { e.Close() })
	a := newAssoc(e, assocKey{peer: netip.MustParseAddrPort("192.0.2.2:9899"), peerPort: 1, localPort: 2})
	a.myTag, a.peerTag = 1, 2
	a.initTCB(1000, 5000, 1<<20, 4, 4)
	a.mu.Lock()
	a.setEstablished()
	a.mu.Unlock()
	return a
}

// TestCongestionControl drives cwnd through slow start, fast retransmit
// and a T3-rtx expiry. Spec: RFC 9260 §7.2.1-§7.2.4.
func TestCongestionControl(t *testing.T) {
	a := handAssoc(t)
	a.mu.Lock()
	defer a.mu.Unlock()
	s := &a.snd
	mtu := a.cfg.MTU
	if s.cwnd != 4380 || s.ssthresh != 1<<20 {
		t.Fatalf("initial cwnd %d ssthresh %d, want 4380 and the peer's rwnd", s.cwnd, s.ssthresh)
	}
	a.enqueue(Message{Data: make([]byte, 100*a.maxPayload())})
	a.flush()
	// New data while flight < cwnd: 4 full chunks (4 × 1172 ≥ 4380).
	if len(s.inflight) != 4 || s.flight != 4*a.maxPayload() {
		t.Fatalf("inflight %d chunks, flight %d", len(s.inflight), s.flight)
	}
	// Slow start: a SACK for 2 chunks grows cwnd by min(acked, MTU).
	a.onSack(&wire.Sack{CumTSNAck: 1001, ARwnd: 1 << 20})
	if s.cwnd != 4380+mtu {
		t.Errorf("slow start: cwnd %d, want %d", s.cwnd, 4380+mtu)
	}
	a.flush()
	first := s.inflight[0].data.TSN
	// Three SACKs reporting `first` missing (HTNA above it) mark it for
	// fast retransmit and halve the window.
	cwnd := s.cwnd
	for i := range 3 {
		a.onSack(&wire.Sack{CumTSNAck: first - 1, ARwnd: 1 << 20, Gaps: []wire.GapBlock{{Start: 2, End: uint16(2 + i)}}})
	}
	if !s.fastRecovery || s.ssthresh != max(cwnd/2, 4*mtu) || s.cwnd != s.ssthresh {
		t.Errorf("after 3 miss indications: fast recovery %v, cwnd %d, ssthresh %d (cwnd was %d)", s.fastRecovery, s.cwnd, s.ssthresh, cwnd)
	}
	if !s.inflight[0].rtx || !s.fastPending {
		t.Fatal("first outstanding TSN not marked for fast retransmit")
	}
	sends := s.inflight[0].sends
	a.flush()
	if s.inflight[0].sends != sends+1 {
		t.Error("fast retransmit did not resend the chunk")
	}
	// T3-rtx expiry: cwnd to one MTU, RTO doubled, all outstanding marked.
	a.rto = time.Second
	ssthreshWant := max(s.cwnd/2, 4*mtu)
	a.onT3()
	if s.cwnd != mtu || s.ssthresh != ssthreshWant || a.rto != min(2*time.Second, a.cfg.RTOMax) {
		t.Errorf("after T3: cwnd %d ssthresh %d rto %v", s.cwnd, s.ssthresh, a.rto)
	}
	if s.flight != 0 || s.rtxCount == 0 {
		t.Errorf("after T3: flight %d, %d marked", s.flight, s.rtxCount)
	}
	a.flush()
	// E3: one packet's worth retransmitted.
	if s.flight > mtu {
		t.Errorf("after T3 retransmission flight %d > one MTU", s.flight)
	}
	if a.errCount != 1 {
		t.Errorf("error count %d after one T3 expiry", a.errCount)
	}
}

// TestSackValidation: stale and impossible SACKs. Spec: RFC 9260 §6.2.1.
func TestSackValidation(t *testing.T) {
	a := handAssoc(t)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.enqueue(Message{Data: make([]byte, 10)})
	a.flush()
	a.onSack(&wire.Sack{CumTSNAck: 1000, ARwnd: 5000})
	if a.snd.cumAck != 1000 || len(a.snd.inflight) != 0 {
		t.Fatalf("cum %d, %d in flight", a.snd.cumAck, len(a.snd.inflight))
	}
	a.onSack(&wire.Sack{CumTSNAck: 999, ARwnd: 7})
	if a.snd.rwnd == 7 {
		t.Error("an out-of-order SACK updated the window")
	}
	a.onSack(&wire.Sack{CumTSNAck: 1005, ARwnd: 7})
	if a.state != stateClosed || !errors.Is(a.err, ErrClosed) {
		t.Errorf("SACK for an unsent TSN: state %v", a.state)
	}
}

// TestReassemblyAndOrder feeds fragments out of order across streams.
// Spec: RFC 9260 §6.5, §6.9.
func TestReassemblyAndOrder(t *testing.T) {
	a := handAssoc(t)
	a.mu.Lock()
	defer a.mu.Unlock()
	d := func(tsn uint32, flags uint8, stream, ssn uint16, data string) *wire.Data {
		return &wire.Data{Flags: flags, TSN: tsn, StreamID: stream, SSN: ssn, PPID: 9, UserData: []byte(data)}
	}
	const B, E, U = wire.FlagBegin, wire.FlagEnd, wire.FlagUnordered
	for _, c := range []*wire.Data{
		d(5003, E, 1, 1, "ld"),     // stream 1 SSN 1, last part
		d(5001, B|E, 1, 1, "late"), // a whole message also claiming SSN 1 of stream 1
		d(5000, B|E, 1, 0, "s1m0"), // stream 1 SSN 0
		d(5002, B, 1, 1, "wor"),    // stream 1 SSN 1, first part
		d(5005, B|U, 2, 0, "un"),   // unordered, first part
		d(5006, E|U, 2, 0, "ord"),  // unordered, last part
		d(5004, B|E, 2, 0, "s2m0"),
	} {
		a.onData(c)
	}
	var got []string
	for {
		m, ok := a.rcv.pop()
		if !ok {
			break
		}
		got = append(got, string(m.Data))
	}
	want := []string{"s1m0", "late", "unord", "s2m0"}
	// "late" took SSN 1 of stream 1 first, so "world" (also SSN 1) is a
	// duplicate SSN and is dropped.
	if len(got) != len(want) {
		t.Fatalf("delivered %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delivered %q, want %q", got, want)
		}
	}
	if a.rcv.held != 0 {
		t.Errorf("held %d bytes after delivering everything", a.rcv.held)
	}
}

// TestPeerInputNeverPanics throws random chunks with the right tag at an
// association: it may abort, never crash.
func TestPeerInputNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 43))
	rb := func(n int) []byte {
		b := make([]byte, rng.IntN(n+1))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	for round := range 20 {
		a := handAssoc(t)
		a.mu.Lock()
		a.enqueue(Message{Data: make([]byte, 5000)})
		a.flush()
		a.mu.Unlock()
		for range 300 {
			var c wire.Chunk
			switch rng.IntN(12) {
			case 0:
				c = &wire.Data{Flags: uint8(rng.IntN(16)), TSN: 5000 + uint32(rng.IntN(40)) - 5, StreamID: uint16(rng.IntN(6)), SSN: uint16(rng.IntN(4)), UserData: rb(30)}
			case 1:
				var gaps []wire.GapBlock
				for range rng.IntN(4) {
					gaps = append(gaps, wire.GapBlock{Start: uint16(rng.IntN(10)), End: uint16(rng.IntN(10))})
				}
				c = &wire.Sack{CumTSNAck: 995 + uint32(rng.IntN(10)), ARwnd: rng.Uint32(), Gaps: gaps, DupTSNs: []uint32{rng.Uint32()}}
			case 2:
				c = &wire.Heartbeat{Info: rb(20)}
			case 3:
				c = &wire.HeartbeatAck{Info: rb(20)}
			case 4:
				c = &wire.Shutdown{CumTSNAck: 995 + uint32(rng.IntN(10))}
			case 5:
				c = &wire.Error{Causes: []wire.Cause{{Code: wire.CauseCode(rng.IntN(14)), Info: rb(8)}}}
			case 6:
				c = &wire.CookieEcho{Cookie: rb(120)}
			case 7:
				c = &wire.Unknown{ChunkType: wire.ChunkType(rng.IntN(256)), Value: rb(10)}
			case 8:
				c = &wire.InitAck{InitiateTag: rng.Uint32(), OutStreams: uint16(rng.IntN(3)), InStreams: uint16(rng.IntN(3)), Params: []wire.Param{{Type: wire.ParamType(rng.Uint32()), Value: rb(8)}}}
			case 9:
				c = &wire.CookieAck{}
			case 10:
				c = &wire.ShutdownAck{}
			default:
				c = &wire.Init{InitiateTag: rng.Uint32(), OutStreams: uint16(rng.IntN(3)), InStreams: uint16(rng.IntN(3)), Params: []wire.Param{{Type: wire.ParamType(rng.Uint32()), Value: rb(8)}}}
			}
			vtag := uint32(1)
			if _, ok := c.(*wire.Init); ok {
				vtag = 0
			}
			b := (&wire.Packet{SrcPort: 1, DstPort: 2, VerificationTag: vtag, Chunks: []wire.Chunk{c}}).Marshal()
			p, err := wire.Parse(b)
			if err != nil {
				continue
			}
			if !a.handlePacket(&p, a.key.peer) {
				break // aborted: fine
			}
		}
		_ = round
	}
}

// TestZeroWindowProbe: with the peer's window closed one chunk still goes
// out as a probe, probe timeouts are not errors, and a window update
// resends an unacknowledged probe at once. Spec: RFC 9260 §6.1 A.
func TestZeroWindowProbe(t *testing.T) {
	a := handAssoc(t)
	a.mu.Lock()
	defer a.mu.Unlock()
	s := &a.snd
	a.onSack(&wire.Sack{CumTSNAck: 999, ARwnd: 0})
	a.enqueue(Message{Data: make([]byte, 3*a.maxPayload())})
	a.flush()
	if len(s.inflight) != 1 {
		t.Fatalf("%d chunks sent into a zero window, want one probe", len(s.inflight))
	}
	a.onSack(&wire.Sack{CumTSNAck: 999, ARwnd: 0}) // probe dropped by the peer
	a.onT3()
	if a.errCount != 0 {
		t.Errorf("probe timeout counted as an error (%d)", a.errCount)
	}
	a.flush()
	sends := s.inflight[0].sends
	a.onSack(&wire.Sack{CumTSNAck: 999, ARwnd: 1 << 16}) // window update
	a.flush()
	if s.inflight[0].sends != sends+1 {
		t.Error("window update did not resend the probe")
	}
}

// TestDataErrors: DATA for a stream that does not exist is acknowledged,
// not delivered, and reported; DATA without user data aborts.
// Spec: RFC 9260 §6.5, §6.2.
func TestDataErrors(t *testing.T) {
	a := handAssoc(t)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onData(&wire.Data{Flags: 3, TSN: 5000, StreamID: 9, UserData: []byte("x")})
	if a.rcv.cumTSN != 5000 {
		t.Errorf("cum TSN %d: the chunk was not acknowledged", a.rcv.cumTSN)
	}
	if _, ok := a.rcv.pop(); ok {
		t.Error("message on a nonexistent stream delivered")
	}
	if len(a.ctrl) != 1 {
		t.Fatalf("queued %v, want one ERROR", a.ctrl)
	}
	if e, ok := a.ctrl[0].(*wire.Error); !ok || e.Causes[0].Code != wire.CauseInvalidStream || e.Causes[0].Info[1] != 9 {
		t.Errorf("queued %+v, want Invalid Stream Identifier 9", a.ctrl[0])
	}
	a.onData(&wire.Data{Flags: 3, TSN: 5001})
	if a.state != stateClosed {
		t.Errorf("state %v after DATA without user data, want CLOSED (aborted)", a.state)
	}
}

// TestTSNMapBounded: a peer that sends every other TSN cannot make the map
// grow without bound.
func TestTSNMapBounded(t *testing.T) {
	var r recvState
	r.init(1, 1, 1<<20)
	for i := range 5000 {
		tsn := uint32(2 + 2*i)
		if ok := r.mark(tsn); ok != (i < maxGapRanges) {
			t.Fatalf("mark(%d) = %v with %d ranges", tsn, ok, len(r.ranges))
		}
	}
	if !r.mark(3) || !r.mark(1) {
		t.Fatal("TSNs joining ranges refused")
	}
	if r.cumTSN != 4 || len(r.ranges) != maxGapRanges-2 {
		t.Errorf("cum %d, %d ranges", r.cumTSN, len(r.ranges))
	}
}
