package sctp

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"go5g/internal/sctp/wire"
)

// rawPeer is a hand-driven SCTP peer on the vnet: it sends crafted
// packets and collects what comes back.
type rawPeer struct {
	n    *vnode
	addr netip.AddrPort
}

func newRawPeer(n *vnet, addr string) *rawPeer {
	v := n.node(addr)
	return &rawPeer{n: v, addr: v.addr}
}

func (r *rawPeer) send(to netip.AddrPort, p wire.Packet) { r.n.WriteTo(p.Marshal(), to) }

// collect returns the packets received within d.
func (r *rawPeer) collect(t *testing.T, d time.Duration) []wire.Packet {
	t.Helper()
	var ps []wire.Packet
	deadline := time.After(d)
	for {
		select {
		case raw := <-r.n.in:
			l := int(raw[len(raw)-1])
			p, err := wire.Parse(raw[:len(raw)-1-l])
			if err != nil {
				t.Fatalf("peer sent an unparsable packet: %v", err)
			}
			ps = append(ps, p)
		case <-deadline:
			return ps
		}
	}
}

func chunksOf(ps []wire.Packet) []wire.Chunk {
	var cs []wire.Chunk
	for _, p := range ps {
		cs = append(cs, p.Chunks...)
	}
	return cs
}

func sentSince(n *vnet, from, to netip.AddrPort, i int) []wire.Chunk {
	ps := n.sent(from, to)
	return chunksOf(ps[min(i, len(ps)):])
}

// TestInitCollision: both ends dial each other at once and end up with one
// association. Spec: RFC 9260 §5.2.1, §5.2.4 (B, D).
func TestInitCollision(t *testing.T) {
	cases := []struct {
		name   string
		filter func(dialB chan<- struct{}) func(f, to netip.AddrPort, p *wire.Packet) verdict
	}{
		{"both INITs in flight", func(chan<- struct{}) func(f, to netip.AddrPort, p *wire.Packet) verdict {
			// Both TCBs exist before either INIT arrives.
			return func(f, to netip.AddrPort, p *wire.Packet) verdict {
				if p.Chunks[0].Type() == wire.TypeInit {
					return verdict{delay: 30 * time.Millisecond}
				}
				return verdict{}
			}
		}},
		{"listener answered first", func(dialB chan<- struct{}) func(f, to netip.AddrPort, p *wire.Packet) verdict {
			// B's listener answers A's INIT; B dials before the INIT ACK arrives.
			fired := false
			return func(f, to netip.AddrPort, p *wire.Packet) verdict {
				if f == addrB && p.Chunks[0].Type() == wire.TypeInitAck && !fired {
					fired = true
					close(dialB)
					return verdict{delay: 40 * time.Millisecond}
				}
				return verdict{}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := newVnet()
			ea := NewEndpoint(n.node(addrA.String()), testConfig())
			eb := NewEndpoint(n.node(addrB.String()), testConfig())
			defer ea.Close()
			defer eb.Close()
			la, _ := ea.Listen(7000)
			lb, _ := eb.Listen(8000)
			dialB := make(chan struct{})
			if tc.name == "both INITs in flight" {
				close(dialB)
			}
			n.setFilter(tc.filter(dialB))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			type res struct {
				c   Conn
				err error
			}
			ra, rb := make(chan res, 1), make(chan res, 1)
			go func() { c, err := ea.Dial(ctx, addrB, 8000, 7000); ra <- res{c, err} }()
			go func() { <-dialB; c, err := eb.Dial(ctx, addrA, 7000, 8000); rb <- res{c, err} }()
			a, b := <-ra, <-rb
			if a.err != nil || b.err != nil {
				t.Fatalf("dials: %v, %v", a.err, b.err)
			}
			exchange(t, a.c, b.c, 50, 4, 200)
			short, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel2()
			for _, l := range []Listener{la, lb} {
				if c, err := l.Accept(short); err == nil {
					t.Errorf("listener %v accepted a second association %v", l.Addr(), c.RemoteAddr())
				}
			}
			if err := a.c.Close(ctx); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
}

// TestPeerRestart: the dialer crashes (no ABORT gets out) and dials again
// from the same address and port. The listener's association restarts in
// place: new tags and TSNs, the same Conn. Spec: RFC 9260 §5.2.2, §5.2.4 A.
func TestPeerRestart(t *testing.T) {
	p := newPair(t, testConfig(), testConfig())
	p.connect(t)
	exchange(t, p.ca, p.cb, 20, 2, 100)
	oldTag := p.cb.(*assoc).myTag

	p.net.setFilter(func(f, to netip.AddrPort, pk *wire.Packet) verdict { return verdict{drop: f == addrA} })
	p.ea.Close() // the crash: its ABORT is lost
	p.net.setFilter(nil)
	ea2 := NewEndpoint(p.net.node(addrA.String()), testConfig())
	defer ea2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ca2, err := ea2.Dial(ctx, addrB, portB, 5000)
	if err != nil {
		t.Fatalf("redial: %v", err)
	}
	b := p.cb.(*assoc)
	b.mu.Lock()
	newTag, st := b.myTag, b.state
	b.mu.Unlock()
	if newTag == oldTag || st != stateEstablished {
		t.Errorf("after restart: tag %x (was %x), state %v", newTag, oldTag, st)
	}
	exchange(t, ca2, p.cb, 30, 2, 100)
	short, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	if _, err := p.lb.Accept(short); err == nil {
		t.Error("the restart was accepted as a new association")
	}
}

// TestRestartWithNewAddress: an INIT for an existing association that
// lists an address the association does not have is refused with an ABORT
// carrying "Restart of an Association with New Addresses". Spec: RFC 9260 §5.2.2.
func TestRestartWithNewAddress(t *testing.T) {
	n := newVnet()
	eb := NewEndpoint(n.node(addrB.String()), testConfig())
	defer eb.Close()
	lb, _ := eb.Listen(portB)
	peer := newRawPeer(n, "10.0.0.7:9899")
	ea := NewEndpoint(peer.n, testConfig())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := ea.Dial(ctx, addrB, portB, 6000); err != nil {
		t.Fatal(err)
	}
	if _, err := lb.Accept(ctx); err != nil {
		t.Fatal(err)
	}
	// Take the vnode back from the endpoint without closing it.
	raw := newRawPeer(n, "10.0.0.7:9899")
	init := &wire.Init{InitiateTag: 0xabcdef01, ARwnd: 65536, OutStreams: 2, InStreams: 2, InitialTSN: 1,
		Params: []wire.Param{wire.AddrParam(netip.MustParseAddr("10.9.9.9"))}}
	raw.send(addrB, wire.Packet{SrcPort: 6000, DstPort: portB, Chunks: []wire.Chunk{init}})
	got := chunksOf(raw.collect(t, 100*time.Millisecond))
	if len(got) != 1 {
		t.Fatalf("answer %v, want one ABORT", got)
	}
	ab, ok := got[0].(*wire.Abort)
	if !ok || len(ab.Causes) != 1 || ab.Causes[0].Code != wire.CauseRestartNewAddresses || ab.T {
		t.Fatalf("answer %+v, want ABORT (T clear) with cause 11", got[0])
	}
	ea.Close()
}

// TestUnknownChunkTypes: the two high bits of an unknown chunk type decide
// whether the rest of the packet is processed and whether an ERROR reports
// it. Spec: RFC 9260 §3.2.
func TestUnknownChunkTypes(t *testing.T) {
	cases := []struct {
		ct             wire.ChunkType
		report, goesOn bool
	}{
		{0x3e, false, false}, // 00: stop, discard
		{0x7e, true, false},  // 01: stop, discard, report
		{0xbe, false, true},  // 10: skip, continue
		{0xfe, true, true},   // 11: skip, continue, report
	}
	for _, tc := range cases {
		p := newPair(t, testConfig(), testConfig())
		p.connect(t)
		a := p.ca.(*assoc)
		a.mu.Lock()
		tag := a.myTag
		a.mu.Unlock()
		before := len(p.net.sent(addrA, addrB))
		info := []byte("0123456789abcdef")
		pk := wire.Packet{SrcPort: portB, DstPort: 5000, VerificationTag: tag, Chunks: []wire.Chunk{
			&wire.Unknown{ChunkType: tc.ct, Flags: 0x5a, Value: []byte{1, 2, 3, 4, 5}},
			&wire.Heartbeat{Info: info},
		}}
		p.net.inject(addrB, addrA, pk.Marshal())
		time.Sleep(50 * time.Millisecond)
		var reported, answered bool
		for _, c := range sentSince(p.net, addrA, addrB, before) {
			switch c := c.(type) {
			case *wire.Error:
				for _, cause := range c.Causes {
					// The cause carries the whole chunk: type, flags, length, value.
					want := []byte{byte(tc.ct), 0x5a, 0, 9, 1, 2, 3, 4, 5}
					if cause.Code == wire.CauseUnrecognizedChunk && string(cause.Info) == string(want) {
						reported = true
					}
				}
			case *wire.HeartbeatAck:
				answered = answered || string(c.Info) == string(info)
			}
		}
		if reported != tc.report || answered != tc.goesOn {
			t.Errorf("type %#x: reported %v (want %v), HEARTBEAT after it answered %v (want %v)",
				uint8(tc.ct), reported, tc.report, answered, tc.goesOn)
		}
		exchange(t, p.ca, p.cb, 5, 1, 10) // the association is unharmed
	}
}

// TestUnknownInitParams: unknown INIT parameters are skipped or end the
// parameter walk by their high bits; those asking for it are reported in
// the INIT ACK as Unrecognized Parameter. Spec: RFC 9260 §3.2.1, §3.3.3.
func TestUnknownInitParams(t *testing.T) {
	cases := []struct {
		params []wire.ParamType
		want   []wire.ParamType
	}{
		{[]wire.ParamType{0x8123, 0xc123, 0x4123, 0xc124}, []wire.ParamType{0xc123, 0x4123}},
		{[]wire.ParamType{0x0123, 0xc125}, nil},
		{[]wire.ParamType{wire.ParamForwardTSNSupported, wire.ParamECNCapable}, []wire.ParamType{wire.ParamForwardTSNSupported}},
	}
	for _, tc := range cases {
		n := newVnet()
		eb := NewEndpoint(n.node(addrB.String()), testConfig())
		eb.Listen(portB)
		raw := newRawPeer(n, "10.0.0.8:9899")
		init := &wire.Init{InitiateTag: 77, ARwnd: 65536, OutStreams: 2, InStreams: 2, InitialTSN: 1}
		for _, pt := range tc.params {
			init.Params = append(init.Params, wire.Param{Type: pt, Value: []byte{0xee}})
		}
		raw.send(addrB, wire.Packet{SrcPort: 1234, DstPort: portB, Chunks: []wire.Chunk{init}})
		got := chunksOf(raw.collect(t, 50*time.Millisecond))
		if len(got) != 1 {
			t.Fatalf("answer %v", got)
		}
		ack, ok := got[0].(*wire.InitAck)
		if !ok {
			t.Fatalf("answer %T, want INIT ACK", got[0])
		}
		var reported []wire.ParamType
		for _, prm := range ack.Params {
			if prm.Type == wire.ParamUnrecognized {
				inner, err := wire.ParseParams(prm.Value)
				if err != nil || len(inner) != 1 || string(inner[0].Value) != "\xee" {
					t.Errorf("Unrecognized Parameter %x: %v", prm.Value, err)
					continue
				}
				reported = append(reported, inner[0].Type)
			}
		}
		if len(reported) != len(tc.want) || (len(reported) > 0 && (reported[0] != tc.want[0] || reported[len(reported)-1] != tc.want[len(tc.want)-1])) {
			t.Errorf("params %x: reported %x, want %x", tc.params, reported, tc.want)
		}
		if _, ok := wire.FindParam(ack.Params, wire.ParamStateCookie); !ok || ack.InitiateTag == 0 {
			t.Error("INIT ACK without a cookie or tag")
		}
		eb.Close()
	}
}

// TestListenerKeepsNoState: INITs create no association; only a valid
// COOKIE ECHO does. Spec: RFC 9260 §5.1.3.
func TestListenerKeepsNoState(t *testing.T) {
	n := newVnet()
	eb := NewEndpoint(n.node(addrB.String()), testConfig())
	defer eb.Close()
	eb.Listen(portB)
	raw := newRawPeer(n, "10.0.0.8:9899")
	for i := range 50 {
		init := &wire.Init{InitiateTag: uint32(100 + i), ARwnd: 65536, OutStreams: 2, InStreams: 2, InitialTSN: 1}
		raw.send(addrB, wire.Packet{SrcPort: uint16(2000 + i), DstPort: portB, Chunks: []wire.Chunk{init}})
	}
	acks := chunksOf(raw.collect(t, 100*time.Millisecond))
	eb.mu.Lock()
	nAssoc := len(eb.assocs)
	eb.mu.Unlock()
	if len(acks) != 50 || nAssoc != 0 {
		t.Fatalf("%d INIT ACKs, %d associations; want 50 and 0", len(acks), nAssoc)
	}
	// A forged cookie is ignored; the genuine one establishes.
	ack := acks[0].(*wire.InitAck)
	ck, _ := wire.FindParam(ack.Params, wire.ParamStateCookie)
	forged := append([]byte(nil), ck.Value...)
	forged[20] ^= 1
	raw.send(addrB, wire.Packet{SrcPort: 2000, DstPort: portB, VerificationTag: ack.InitiateTag, Chunks: []wire.Chunk{&wire.CookieEcho{Cookie: forged}}})
	if got := chunksOf(raw.collect(t, 50*time.Millisecond)); len(got) != 0 {
		t.Errorf("forged cookie answered with %v", got)
	}
	raw.send(addrB, wire.Packet{SrcPort: 2000, DstPort: portB, VerificationTag: ack.InitiateTag, Chunks: []wire.Chunk{&wire.CookieEcho{Cookie: ck.Value}}})
	got := chunksOf(raw.collect(t, 50*time.Millisecond))
	if len(got) != 1 || got[0].Type() != wire.TypeCookieAck {
		t.Fatalf("cookie answered with %v, want COOKIE ACK", got)
	}
}

// TestOutOfTheBlue: what a packet without association gets back.
// Spec: RFC 9260 §8.4; with IgnoreForeignPorts nothing for ports not ours.
func TestOutOfTheBlue(t *testing.T) {
	const vtag = 0x11223344
	cases := []struct {
		name  string
		port  uint16
		chunk wire.Chunk
		vtag  uint32
		want  wire.Chunk // nil: no answer
		wtag  uint32
	}{
		{"DATA to listener port", portB, &wire.Data{Flags: 3, TSN: 9, UserData: []byte("x")}, vtag, &wire.Abort{T: true}, vtag},
		{"DATA to foreign port", 4000, &wire.Data{Flags: 3, TSN: 9, UserData: []byte("x")}, vtag, &wire.Abort{T: true}, vtag},
		{"SACK", portB, &wire.Sack{CumTSNAck: 5}, vtag, &wire.Abort{T: true}, vtag},
		{"HEARTBEAT", portB, &wire.Heartbeat{Info: []byte("hb")}, vtag, &wire.Abort{T: true}, vtag},
		{"SHUTDOWN ACK", portB, &wire.ShutdownAck{}, vtag, &wire.ShutdownComplete{T: true}, vtag},
		{"INIT to foreign port", 4000, &wire.Init{InitiateTag: 0xfeed, ARwnd: 1500, OutStreams: 1, InStreams: 1, InitialTSN: 1}, 0, &wire.Abort{}, 0xfeed},
		{"ABORT", portB, &wire.Abort{}, vtag, nil, 0},
		{"SHUTDOWN COMPLETE", portB, &wire.ShutdownComplete{}, vtag, nil, 0},
		{"COOKIE ACK", portB, &wire.CookieAck{}, vtag, nil, 0},
		{"stale cookie ERROR", portB, &wire.Error{Causes: []wire.Cause{wire.StaleCookieCause(5)}}, vtag, nil, 0},
		{"INIT with nonzero tag", portB, &wire.Init{InitiateTag: 0xfeed, ARwnd: 1500, OutStreams: 1, InStreams: 1, InitialTSN: 1}, vtag, nil, 0},
	}
	for _, ignore := range []bool{false, true} {
		cfg := testConfig()
		cfg.IgnoreForeignPorts = ignore
		n := newVnet()
		eb := NewEndpoint(n.node(addrB.String()), cfg)
		eb.Listen(portB)
		raw := newRawPeer(n, "10.0.0.9:9899")
		for _, tc := range cases {
			raw.send(addrB, wire.Packet{SrcPort: 3333, DstPort: tc.port, VerificationTag: tc.vtag, Chunks: []wire.Chunk{tc.chunk}})
			ps := raw.collect(t, 30*time.Millisecond)
			want := tc.want
			if ignore && tc.port != portB {
				want = nil
			}
			switch {
			case want == nil && len(ps) != 0:
				t.Errorf("ignore=%v %s: answered %v", ignore, tc.name, chunksOf(ps))
			case want != nil && (len(ps) != 1 || len(ps[0].Chunks) != 1):
				t.Errorf("ignore=%v %s: answered %d packets, want %T", ignore, tc.name, len(ps), want)
			case want != nil:
				got := ps[0]
				if got.VerificationTag != tc.wtag || got.SrcPort != tc.port || got.DstPort != 3333 || !sameChunk(got.Chunks[0], want) {
					t.Errorf("ignore=%v %s: answered %+v tag %#x, want %+v tag %#x", ignore, tc.name, got.Chunks[0], got.VerificationTag, want, tc.wtag)
				}
			}
		}
		eb.Close()
	}
}

func sameChunk(a, b wire.Chunk) bool {
	switch a := a.(type) {
	case *wire.Abort:
		b, ok := b.(*wire.Abort)
		return ok && a.T == b.T
	case *wire.ShutdownComplete:
		b, ok := b.(*wire.ShutdownComplete)
		return ok && a.T == b.T
	}
	return a.Type() == b.Type()
}

// TestStaleCookie: a COOKIE ECHO that arrives after the cookie's life gets a
// Stale Cookie ERROR; the dialer retries INIT with a Cookie Preservative
// and succeeds. Spec: RFC 9260 §5.1.5, §5.2.6.
func TestStaleCookie(t *testing.T) {
	cb := testConfig()
	cb.ValidCookieLife = 30 * time.Millisecond
	p := newPair(t, testConfig(), cb)
	p.net.setFilter(chunkFilter(addrA, wire.TypeCookieEcho, verdict{delay: 100 * time.Millisecond}, 1))
	p.connect(t)
	stale := false
	for _, c := range sentSince(p.net, addrB, addrA, 0) {
		if e, ok := c.(*wire.Error); ok && len(e.Causes) == 1 && e.Causes[0].Code == wire.CauseStaleCookie {
			stale = binary.BigEndian.Uint32(e.Causes[0].Info) > 0
		}
	}
	preserved := false
	for _, c := range sentSince(p.net, addrA, addrB, 0) {
		if in, ok := c.(*wire.Init); ok {
			_, preserved = wire.FindParam(in.Params, wire.ParamCookiePreservative)
		}
	}
	if !stale || !preserved {
		t.Errorf("stale cookie error sent %v, INIT retried with Cookie Preservative %v", stale, preserved)
	}
	exchange(t, p.ca, p.cb, 10, 1, 10)
}

// TestVerificationTag: packets with a wrong tag are discarded; an ABORT is
// accepted with our tag and T clear, or the peer's tag and T set.
// Spec: RFC 9260 §8.5, §8.5.1 B.
func TestVerificationTag(t *testing.T) {
	p := newPair(t, testConfig(), testConfig())
	p.connect(t)
	b := p.cb.(*assoc)
	b.mu.Lock()
	tag, peerTag, tsn := b.myTag, b.peerTag, b.rcv.cumTSN+1
	b.mu.Unlock()
	send := func(vtag uint32, c wire.Chunk) {
		pk := wire.Packet{SrcPort: 5000, DstPort: portB, VerificationTag: vtag, Chunks: []wire.Chunk{c}}
		p.net.inject(addrA, addrB, pk.Marshal())
	}
	send(tag+1, &wire.Data{Flags: 3, TSN: tsn, UserData: []byte("forged")})
	before := len(p.net.sent(addrB, addrA))
	send(tag+1, &wire.Heartbeat{Info: []byte("forged")})
	send(tag, &wire.Heartbeat{Info: []byte("genuine")})
	time.Sleep(30 * time.Millisecond)
	var acks []string
	for _, c := range sentSince(p.net, addrB, addrA, before) {
		if h, ok := c.(*wire.HeartbeatAck); ok {
			acks = append(acks, string(h.Info))
		}
	}
	if len(acks) != 1 || acks[0] != "genuine" {
		t.Errorf("HEARTBEAT ACKs %q, want only the genuine one answered", acks)
	}
	// ABORTs with the wrong tag for their T bit do not end the association.
	send(tag^0xff, &wire.Abort{})
	send(tag, &wire.Abort{T: true})
	send(peerTag, &wire.Abort{})
	time.Sleep(20 * time.Millisecond)
	exchange(t, p.ca, p.cb, 5, 1, 10) // the forged DATA was not delivered either
	send(peerTag, &wire.Abort{T: true})
	if err := recvErr(t, p.cb, time.Second); !errors.Is(err, ErrAborted) {
		t.Errorf("after a reflected ABORT: %v", err)
	}
}

// TestFlowControl: a receiver that does not read closes its window; the
// sender stops, Send blocks on the full send buffer, and everything flows
// once the receiver reads. Spec: RFC 9260 §6.1 A, §6.2.
func TestFlowControl(t *testing.T) {
	ca, cb := testConfig(), testConfig()
	ca.SendBuffer = 16 << 10
	cb.ReceiveWindow = 8 << 10
	// Long RTOs: once the reader reads, window updates (not T3-rtx) must
	// restart the flow.
	for _, c := range []*Config{&ca, &cb} {
		c.RTOInitial, c.RTOMin, c.RTOMax = time.Second, time.Second, 10*time.Second
	}
	p := newPair(t, ca, cb)
	p.connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const n = 100
	sent := make(chan error, 1)
	go func() { sent <- sendSeq(ctx, p.ca, n, 2, 1000) }()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-sent:
		t.Fatalf("all of %d KB sent into a 8 KB window and 16 KB buffer: %v", n, err)
	default:
	}
	b := p.cb.(*assoc)
	b.mu.Lock()
	held := b.rcv.held
	b.mu.Unlock()
	if held > cb.ReceiveWindow+1000 {
		t.Errorf("receiver holds %d bytes, window %d (one chunk may exceed it)", held, cb.ReceiveWindow)
	}
	start := time.Now()
	if err := recvSeq(ctx, p.cb, n, 2, 1000); err != nil {
		t.Fatal(err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("draining %d KB through a 8 KB window took %v: stalled on retransmission timers", n, d)
	}
}

// TestFastRetransmit: a lost DATA chunk followed by enough others is
// retransmitted on three miss indications, long before T3-rtx (1 s here).
// Spec: RFC 9260 §7.2.4.
func TestFastRetransmit(t *testing.T) {
	cfg := testConfig()
	cfg.RTOInitial, cfg.RTOMin, cfg.RTOMax = time.Second, time.Second, 2*time.Second
	p := newPair(t, cfg, cfg)
	p.connect(t)
	p.net.setFilter(chunkFilter(addrA, wire.TypeData, verdict{drop: true}, 3))
	start := time.Now()
	exchange(t, p.ca, p.cb, 40, 1, 500)
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("recovery took %v: not a fast retransmit", d)
	}
	if n := p.net.count(addrA, addrB, wire.TypeData); n < 41 {
		t.Errorf("%d DATA chunks sent for 40 messages with one lost", n)
	}
}

// TestSendErrors: sends that cannot be.
func TestSendErrors(t *testing.T) {
	p := newPair(t, testConfig(), testConfig())
	p.connect(t)
	ctx := context.Background()
	if err := p.ca.Send(ctx, Message{}); err == nil {
		t.Error("empty message accepted")
	}
	if err := p.ca.Send(ctx, Message{Stream: 16, Data: []byte("x")}); err == nil {
		t.Error("stream 16 of 16 accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.ca.Recv(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Recv with a cancelled context = %v", err)
	}
}

// TestInitAckHandling: our dialer against a hand-driven listener. Unknown
// INIT ACK parameters asking for a report come back in an ERROR bundled
// after the COOKIE ECHO; a SHUTDOWN ACK in COOKIE-ECHOED is answered as out
// of the blue. Spec: RFC 9260 §3.2.1, §3.2.2, §8.5.1 E.
func TestInitAckHandling(t *testing.T) {
	n := newVnet()
	ea := NewEndpoint(n.node(addrA.String()), testConfig())
	defer ea.Close()
	raw := newRawPeer(n, addrB.String())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	go ea.Dial(ctx, addrB, portB, 5000)
	ps := raw.collect(t, 30*time.Millisecond)
	if len(ps) == 0 {
		t.Fatal("no INIT")
	}
	init, ok := ps[0].Chunks[0].(*wire.Init)
	if !ok || ps[0].VerificationTag != 0 {
		t.Fatalf("first packet %+v", ps[0])
	}
	ack := &wire.InitAck{InitiateTag: 0x5151, ARwnd: 65536, OutStreams: 4, InStreams: 4, InitialTSN: 9, Params: []wire.Param{
		{Type: wire.ParamStateCookie, Value: []byte("opaque cookie")},
		{Type: 0xc123, Value: []byte{1}}, // skip, report
		{Type: 0x8123, Value: []byte{2}}, // skip
	}}
	raw.send(addrA, wire.Packet{SrcPort: portB, DstPort: 5000, VerificationTag: init.InitiateTag, Chunks: []wire.Chunk{ack}})
	ps = raw.collect(t, 30*time.Millisecond)
	if len(ps) == 0 || len(ps[0].Chunks) != 2 {
		t.Fatalf("answer to INIT ACK: %v", chunksOf(ps))
	}
	ce, ok1 := ps[0].Chunks[0].(*wire.CookieEcho)
	er, ok2 := ps[0].Chunks[1].(*wire.Error)
	if !ok1 || !ok2 || string(ce.Cookie) != "opaque cookie" || ps[0].VerificationTag != 0x5151 {
		t.Fatalf("answer %+v", ps[0])
	}
	if len(er.Causes) != 1 || er.Causes[0].Code != wire.CauseUnrecognizedParams {
		t.Fatalf("ERROR %+v", er)
	}
	if got, err := wire.ParseParams(er.Causes[0].Info); err != nil || len(got) != 1 || got[0].Type != 0xc123 {
		t.Errorf("reported %+v, %v", got, err)
	}
	raw.send(addrA, wire.Packet{SrcPort: portB, DstPort: 5000, VerificationTag: 0x7777, Chunks: []wire.Chunk{&wire.ShutdownAck{}}})
	var sc *wire.ShutdownComplete
	for _, p := range raw.collect(t, 30*time.Millisecond) {
		if c, ok := p.Chunks[0].(*wire.ShutdownComplete); ok && p.VerificationTag == 0x7777 {
			sc = c
		}
	}
	if sc == nil || !sc.T {
		t.Errorf("SHUTDOWN ACK in COOKIE-ECHOED: answered %v, want SHUTDOWN COMPLETE with T and the packet's tag", sc)
	}
}
