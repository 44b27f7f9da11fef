package sctp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"go5g/internal/sctp/wire"
)

// vnet is an in-memory network of PacketConns. A filter sees every packet
// and decides its fate: deliver, drop, duplicate or delay (which reorders).
type vnet struct {
	mu     sync.Mutex
	nodes  map[netip.AddrPort]*vnode
	filter func(from, to netip.AddrPort, p *wire.Packet) verdict
	log    []logged // every packet sent, for assertions
}

type logged struct {
	from, to netip.AddrPort
	p        wire.Packet
}

type verdict struct {
	drop  bool
	dup   bool
	delay time.Duration
}

type vnode struct {
	net    *vnet
	addr   netip.AddrPort
	in     chan []byte // packet bytes followed by the packed sender address
	closed chan struct{}
	once   sync.Once
}

func newVnet() *vnet { return &vnet{nodes: make(map[netip.AddrPort]*vnode)} }

func (n *vnet) node(addr string) *vnode {
	ap := netip.MustParseAddrPort(addr)
	v := &vnode{net: n, addr: ap, in: make(chan []byte, 8192), closed: make(chan struct{})}
	n.mu.Lock()
	n.nodes[ap] = v
	n.mu.Unlock()
	return v
}

func (n *vnet) setFilter(f func(from, to netip.AddrPort, p *wire.Packet) verdict) {
	n.mu.Lock()
	n.filter = f
	n.mu.Unlock()
}

// sent returns the packets sent from one address to another so far
// (either zero value matches any).
func (n *vnet) sent(from, to netip.AddrPort) []wire.Packet {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ps []wire.Packet
	for _, l := range n.log {
		if (!from.IsValid() || l.from == from) && (!to.IsValid() || l.to == to) {
			ps = append(ps, l.p)
		}
	}
	return ps
}

// count returns how many chunks of type t went from one address to another.
func (n *vnet) count(from, to netip.AddrPort, t wire.ChunkType) int {
	c := 0
	for _, p := range n.sent(from, to) {
		for _, ch := range p.Chunks {
			if ch.Type() == t {
				c++
			}
		}
	}
	return c
}

// inject delivers raw bytes to a node as if sent by from, bypassing the filter.
func (n *vnet) inject(from, to netip.AddrPort, b []byte) {
	n.mu.Lock()
	dst := n.nodes[to]
	n.mu.Unlock()
	dst.deliver(append([]byte(nil), b...), from)
}

func (n *vnet) send(from, to netip.AddrPort, b []byte) {
	b = append([]byte(nil), b...)
	p, err := wire.Parse(b)
	n.mu.Lock()
	dst := n.nodes[to]
	f := n.filter
	var v verdict
	if err == nil {
		n.log = append(n.log, logged{from, to, p})
		if f != nil {
			v = f(from, to, &p)
		}
	}
	n.mu.Unlock()
	if dst == nil || v.drop {
		return
	}
	deliver := func() { dst.deliver(b, from) }
	if v.delay > 0 {
		time.AfterFunc(v.delay, deliver)
	} else {
		deliver()
	}
	if v.dup {
		dst.deliver(append([]byte(nil), b...), from)
	}
}

func (v *vnode) deliver(b []byte, from netip.AddrPort) {
	select {
	case <-v.closed:
		return
	default:
	}
	select {
	case v.in <- append(b, pack(from)...):
	default: // queue full: dropped, as a network would
	}
}

// pack appends the sender address to the packet bytes (unpacked in ReadFrom).
func pack(a netip.AddrPort) []byte {
	b, _ := a.MarshalBinary()
	return append(b, byte(len(b)))
}

func (v *vnode) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	select {
	case raw := <-v.in:
		l := int(raw[len(raw)-1])
		var from netip.AddrPort
		from.UnmarshalBinary(raw[len(raw)-1-l : len(raw)-1])
		n := copy(b, raw[:len(raw)-1-l])
		return n, from, nil
	case <-v.closed:
		return 0, netip.AddrPort{}, net.ErrClosed
	}
}

func (v *vnode) WriteTo(b []byte, addr netip.AddrPort) error {
	select {
	case <-v.closed:
		return net.ErrClosed
	default:
	}
	v.net.send(v.addr, addr, b)
	return nil
}

func (v *vnode) LocalAddr() netip.AddrPort { return v.addr }

func (v *vnode) Close() error {
	v.once.Do(func() { close(v.closed) })
	return nil
}

// testConfig has short timers so loss recovery is quick.
func testConfig() Config {
	c := Config{
		RTOInitial:        40 * time.Millisecond,
		RTOMin:            20 * time.Millisecond,
		RTOMax:            200 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond,
		DelayedAckTime:    20 * time.Millisecond,
	}
	if os.Getenv("SCTP_DEBUG") != "" {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return c
}

var (
	addrA = netip.MustParseAddrPort("10.0.0.1:9899")
	addrB = netip.MustParseAddrPort("10.0.0.2:9899")
)

// pair is a listening endpoint B and a dialing endpoint A on one vnet.
type pair struct {
	net        *vnet
	ea, eb     *Endpoint
	lb         Listener
	ca, cb     Conn // A's (dialer) and B's (accepted) end
	cfgA, cfgB Config
}

const portB = 38412

func newPair(t *testing.T, cfgA, cfgB Config) *pair {
	t.Helper()
	p := &pair{net: newVnet(), cfgA: cfgA, cfgB: cfgB}
	p.ea = NewEndpoint(p.net.node(addrA.String()), cfgA)
	p.eb = NewEndpoint(p.net.node(addrB.String()), cfgB)
	var err error
	if p.lb, err = p.eb.Listen(portB); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.ea.Close()
		p.eb.Close()
	})
	return p
}

// connect dials from A and accepts at B.
func (p *pair) connect(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	if p.ca, err = p.ea.Dial(ctx, addrB, portB, 5000); err != nil {
		t.Fatalf("dial: %v", err)
	}
	if p.cb, err = p.lb.Accept(ctx); err != nil {
		t.Fatalf("accept: %v", err)
	}
}

// chunkFilter returns a filter that applies v to the packets from one
// address that carry a chunk of type ct, for the occurrences (1-based)
// listed, or every one when occurrences is empty.
func chunkFilter(from netip.AddrPort, ct wire.ChunkType, v verdict, occurrences ...int) func(f, to netip.AddrPort, p *wire.Packet) verdict {
	n := 0
	return func(f, to netip.AddrPort, p *wire.Packet) verdict {
		if f != from {
			return verdict{}
		}
		for _, c := range p.Chunks {
			if c.Type() == ct {
				n++
				if len(occurrences) == 0 {
					return v
				}
				for _, o := range occurrences {
					if o == n {
						return v
					}
				}
				return verdict{}
			}
		}
		return verdict{}
	}
}

// randomFilter drops a fraction loss of the packets, delays a fraction
// reorder by up to maxDelay and duplicates a fraction dup, from a seeded
// source so a failure can be replayed.
func randomFilter(seed uint64, loss, reorder, dup float64, maxDelay time.Duration) func(f, to netip.AddrPort, p *wire.Packet) verdict {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func(f, to netip.AddrPort, p *wire.Packet) verdict {
		switch x := r.Float64(); {
		case x < loss:
			return verdict{drop: true}
		case x < loss+reorder:
			return verdict{delay: time.Duration(r.Int64N(int64(maxDelay)))}
		case x < loss+reorder+dup:
			return verdict{dup: true}
		}
		return verdict{}
	}
}

// exchange sends n messages each way over the given streams (every 7th
// unordered) and checks each arrives once, whole, ordered per stream.
func exchange(t *testing.T, a, b Conn, n int, streams uint16, size int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errc := make(chan error, 4)
	for _, dir := range []struct{ s, r Conn }{{a, b}, {b, a}} {
		go func() { errc <- sendSeq(ctx, dir.s, n, streams, size) }()
		go func() { errc <- recvSeq(ctx, dir.r, n, streams, size) }()
	}
	for range 4 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

func seqMessage(i, size int, streams uint16) Message {
	m := Message{Stream: uint16(i) % streams, PPID: PPIDNGAP, Unordered: i%7 == 3, Data: make([]byte, size)}
	for j := range m.Data {
		m.Data[j] = byte(i + j)
	}
	copy(m.Data, fmt.Sprintf("%08d", i))
	return m
}

func sendSeq(ctx context.Context, c Conn, n int, streams uint16, size int) error {
	for i := range n {
		if err := c.Send(ctx, seqMessage(i, size, streams)); err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
	}
	return nil
}

func recvSeq(ctx context.Context, c Conn, n int, streams uint16, size int) error {
	seen := make(map[int]bool)
	last := make(map[uint16]int)
	for range n {
		m, err := c.Recv(ctx)
		if err != nil {
			return fmt.Errorf("recv after %d messages: %w", len(seen), err)
		}
		var i int
		if _, err := fmt.Sscanf(string(m.Data[:8]), "%08d", &i); err != nil {
			return fmt.Errorf("bad message %q", m.Data[:8])
		}
		want := seqMessage(i, size, streams)
		if string(m.Data) != string(want.Data) || m.Stream != want.Stream || m.PPID != PPIDNGAP || m.Unordered != want.Unordered {
			return fmt.Errorf("message %d corrupted (len %d, stream %d, unordered %v)", i, len(m.Data), m.Stream, m.Unordered)
		}
		if seen[i] {
			return fmt.Errorf("message %d delivered twice", i)
		}
		seen[i] = true
		if !m.Unordered {
			if l, ok := last[m.Stream]; ok && i < l {
				return fmt.Errorf("stream %d: message %d after %d", m.Stream, i, l)
			}
			last[m.Stream] = i
		}
	}
	return nil
}

// recvErr waits for a Recv error on c and checks it wraps want.
func recvErr(t *testing.T, c Conn, within time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		_, err := c.Recv(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("no error within %v", within)
			}
			return err
		}
	}
}
