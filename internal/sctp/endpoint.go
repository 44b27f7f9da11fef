package sctp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"go5g/internal/sctp/wire"
)

// Endpoint is the userspace SCTP endpoint on one PacketConn: many
// associations share it, demultiplexed by peer address and both SCTP ports
// and checked by verification tag. One reader goroutine parses each packet
// once and hands it to its association, so order is kept per association.
// Spec: RFC 9260 §1.4 (endpoint), §8.4, §8.5.
type Endpoint struct {
	pc        PacketConn
	cfg       Config
	log       *slog.Logger
	cookieKey []byte

	mu        sync.Mutex
	assocs    map[assocKey]*assoc
	ports     map[uint16]int // local SCTP ports in use by associations
	listeners map[uint16]*listener
	closed    bool

	readerDone chan struct{}
}

// NewEndpoint starts an endpoint on pc, with one reader goroutine. Close
// ends it and closes pc.
func NewEndpoint(pc PacketConn, cfg Config) *Endpoint {
	cfg = cfg.withDefaults()
	key := cfg.CookieSecret
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key)
	}
	e := &Endpoint{
		pc:         pc,
		cfg:        cfg,
		log:        cfg.Logger,
		cookieKey:  key,
		assocs:     make(map[assocKey]*assoc),
		ports:      make(map[uint16]int),
		listeners:  make(map[uint16]*listener),
		readerDone: make(chan struct{}),
	}
	go e.read()
	return e
}

// LocalAddr is the address of the endpoint's PacketConn.
func (e *Endpoint) LocalAddr() netip.AddrPort { return e.pc.LocalAddr() }

func (e *Endpoint) read() {
	defer close(e.readerDone)
	buf := make([]byte, 1<<16)
	for {
		n, from, err := e.pc.ReadFrom(buf)
		if err != nil {
			e.mu.Lock()
			closed := e.closed
			e.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				if !closed {
					go e.Close() // the socket was closed under us: end the associations
				}
				return
			}
			e.log.Debug("sctp: read", "err", err)
			time.Sleep(time.Millisecond)
			continue
		}
		e.handle(buf[:n], from)
	}
}

// handle demultiplexes one packet. b is reused for the next packet, so
// whatever outlives the call is copied.
func (e *Endpoint) handle(b []byte, from netip.AddrPort) {
	p, err := wire.Parse(b)
	if err != nil {
		// §6.8: a packet with a bad checksum is silently discarded; so is
		// one we cannot parse.
		e.log.Debug("sctp: packet discarded", "from", from, "err", err)
		return
	}
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	key := assocKey{peer: from, peerPort: p.SrcPort, localPort: p.DstPort}
	e.mu.Lock()
	a := e.assocs[key]
	l := e.listeners[p.DstPort]
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return
	}
	if a != nil && !a.handlePacket(&p, from) {
		// It ended meanwhile; a new association may have taken its place.
		e.mu.Lock()
		a = e.assocs[key]
		e.mu.Unlock()
		if a != nil && !a.handlePacket(&p, from) {
			a = nil
		}
	}
	if a == nil {
		e.outOfTheBlue(&p, key, l)
	}
}

// outOfTheBlue handles a packet no association takes.
// Spec: RFC 9260 §8.4, §8.5.1 A, §5.1.
func (e *Endpoint) outOfTheBlue(p *wire.Packet, key assocKey, l *listener) {
	if l == nil && e.cfg.IgnoreForeignPorts {
		return // a port this stack does not own: not ours to answer
	}
	ip := key.peer.Addr()
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return // rule 1: not from a unicast address
	}
	for _, c := range p.Chunks {
		if _, ok := c.(*wire.Abort); ok {
			return // rule 2
		}
	}
	switch c := p.Chunks[0].(type) {
	case *wire.Init: // rule 3
		if p.VerificationTag != 0 || len(p.Chunks) != 1 {
			return // §8.5.1 A
		}
		if l != nil {
			e.answerInit(key, c, nil)
		} else if c.InitiateTag != 0 {
			e.sendOOTB(key, c.InitiateTag, &wire.Abort{})
		}
		return
	case *wire.CookieEcho: // rule 4
		if l != nil {
			e.acceptCookie(p, key, l)
			return
		}
	}
	for _, c := range p.Chunks {
		switch c := c.(type) {
		case *wire.ShutdownAck: // rule 5
			e.sendOOTB(key, p.VerificationTag, &wire.ShutdownComplete{T: true})
			return
		case *wire.ShutdownComplete, *wire.CookieAck: // rules 6, 7
			return
		case *wire.Error: // rule 7
			for _, cause := range c.Causes {
				if cause.Code == wire.CauseStaleCookie {
					return
				}
			}
		}
	}
	e.sendOOTB(key, p.VerificationTag, &wire.Abort{T: true}) // rule 8
}

// sendOOTB sends one chunk outside any association, with the given tag.
func (e *Endpoint) sendOOTB(key assocKey, vtag uint32, c wire.Chunk) {
	p := wire.Packet{SrcPort: key.localPort, DstPort: key.peerPort, VerificationTag: vtag, Chunks: []wire.Chunk{c}}
	e.write(p.Marshal(), key.peer)
}

func (e *Endpoint) write(b []byte, to netip.AddrPort) {
	if err := e.pc.WriteTo(b, to); err != nil {
		e.log.Debug("sctp: write", "to", to, "err", err)
	}
}

func (e *Endpoint) addLocked(a *assoc) {
	e.assocs[a.key] = a
	e.ports[a.key.localPort]++
}

// remove forgets a ended association. Called with a.mu held: the lock
// order is association, then endpoint.
func (e *Endpoint) remove(a *assoc) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.assocs[a.key] != a {
		return
	}
	delete(e.assocs, a.key)
	if e.ports[a.key.localPort]--; e.ports[a.key.localPort] <= 0 {
		delete(e.ports, a.key.localPort)
	}
}

// Listen accepts associations to local SCTP port port.
func (e *Endpoint) Listen(port uint16) (Listener, error) {
	if port == 0 {
		return nil, errors.New("sctp: listen: port 0")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, fmt.Errorf("sctp: listen: endpoint %w", ErrClosed)
	}
	if e.listeners[port] != nil {
		return nil, fmt.Errorf("sctp: port %d already has a listener", port)
	}
	l := &listener{e: e, port: port, queue: make(chan *assoc, e.cfg.AcceptBacklog), done: make(chan struct{})}
	e.listeners[port] = l
	return l, nil
}

// Dial opens an association to SCTP port rport at raddr (its IP and UDP
// port, or port 0 over raw IP) from local SCTP port lport, ephemeral when
// 0, and waits until it is established. Spec: RFC 9260 §5.1.
func (e *Endpoint) Dial(ctx context.Context, raddr netip.AddrPort, rport, lport uint16) (Conn, error) {
	if rport == 0 {
		return nil, errors.New("sctp: dial: remote port 0")
	}
	raddr = netip.AddrPortFrom(raddr.Addr().Unmap(), raddr.Port())
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, fmt.Errorf("sctp: dial: endpoint %w", ErrClosed)
	}
	if lport == 0 {
		lport = freeDynamicPort(func(p uint16) bool { return e.listeners[p] != nil || e.ports[p] > 0 })
		if lport == 0 {
			e.mu.Unlock()
			return nil, errors.New("sctp: dial: no free ephemeral port")
		}
	}
	key := assocKey{peer: raddr, peerPort: rport, localPort: lport}
	if e.assocs[key] != nil {
		e.mu.Unlock()
		return nil, fmt.Errorf("sctp: dial %s port %d: an association from port %d exists", raddr, rport, lport)
	}
	a := newAssoc(e, key)
	a.myTag, a.myInitTSN = randUint32(), randUint32()
	a.state = stateCookieWait
	e.addLocked(a)
	e.mu.Unlock()

	a.mu.Lock()
	a.log.Debug("sctp: dialing")
	a.sendInit()
	a.mu.Unlock()
	select {
	case <-a.established:
		return a, nil
	case <-a.done:
		return nil, fmt.Errorf("sctp: dial %s port %d: %w", raddr, rport, a.err)
	case <-ctx.Done():
		a.Abort("dial cancelled")
		return nil, fmt.Errorf("sctp: dial %s port %d: %w", raddr, rport, ctx.Err())
	}
}

// freeDynamicPort picks a random dynamic port (49152-65535) that inUse does
// not report taken, or 0 if all are. Random, so that stacks sharing an
// address over raw IP rarely pick the same. Spec: RFC 6335 §6.
func freeDynamicPort(inUse func(uint16) bool) uint16 {
	const first, n = 49152, 65536 - 49152
	start := mrand.IntN(n)
	for i := range n {
		if p := uint16(first + (start+i)%n); !inUse(p) {
			return p
		}
	}
	return 0
}

// Close aborts every association, stops listening and closes the PacketConn.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		<-e.readerDone
		return nil
	}
	e.closed = true
	as := make([]*assoc, 0, len(e.assocs))
	for _, a := range e.assocs {
		as = append(as, a)
	}
	ls := make([]*listener, 0, len(e.listeners))
	for _, l := range e.listeners {
		ls = append(ls, l)
	}
	e.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
	for _, a := range as {
		a.Abort("endpoint closed")
	}
	err := e.pc.Close()
	<-e.readerDone
	return err
}

// listener queues associations established on its port until accepted.
type listener struct {
	e      *Endpoint
	port   uint16
	queue  chan *assoc
	done   chan struct{}
	closed bool // guarded by e.mu
}

// Accept implements Listener.
func (l *listener) Accept(ctx context.Context) (Conn, error) {
	select {
	case a := <-l.queue:
		return a, nil
	case <-l.done:
		return nil, fmt.Errorf("sctp: listener on port %d: %w", l.port, ErrClosed)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close implements Listener: no new associations; those established but
// not accepted are aborted, accepted ones go on.
func (l *listener) Close() error {
	e := l.e
	e.mu.Lock()
	if l.closed {
		e.mu.Unlock()
		return nil
	}
	l.closed = true
	if e.listeners[l.port] == l {
		delete(e.listeners, l.port)
	}
	close(l.done)
	e.mu.Unlock()
	for {
		select {
		case a := <-l.queue:
			a.Abort("listener closed")
		default:
			return nil
		}
	}
}

// Addr implements Listener.
func (l *listener) Addr() net.Addr {
	la := l.e.pc.LocalAddr()
	return Addr{IP: la.Addr(), Port: l.port, UDPPort: la.Port()}
}
