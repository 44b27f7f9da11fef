package n4

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmnsk/go-pfcp/message"
)

// Peer is a remote PFCP entity, known by its UDP address. It holds the
// outstanding requests sent to it, the responses cached for its
// retransmissions, its association state and its request worker.
type Peer struct {
	n      *Node
	addr   netip.AddrPort
	queue  chan inbound
	gone   chan struct{} // closed when the node forgets the peer
	lastRx atomic.Int64  // unix nanoseconds of the last message from it

	mu         sync.Mutex
	pending    map[uint32]*txn    // our outstanding requests, by sequence number
	cache      map[uint32]*cached // its requests we answered or are answering
	associated bool
	nodeID     string
	rts        uint32 // its Recovery Time Stamp; 0 until first seen
	setupMsg   message.Message
	hbStop     chan struct{} // closes the running heartbeat loop, if any
}

type inbound struct {
	h   header
	msg message.Message
}

type txn struct {
	reqType uint8
	done    chan result // buffered 1: the reader never blocks on it
}

type result struct {
	msg message.Message
	err error
}

// cached is a peer's request: pending (resp nil) while its handler runs,
// then the response sent, kept until expires for duplicates.
type cached struct {
	resp    []byte
	expires time.Time
}

// Addr is the peer's UDP address.
func (p *Peer) Addr() netip.AddrPort { return p.addr }

// Node is the local node.
func (p *Peer) Node() *Node { return p.n }

// Associated reports whether a PFCP association with the peer is up.
func (p *Peer) Associated() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.associated
}

// NodeID is the peer's Node ID as text, known once associated.
func (p *Peer) NodeID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nodeID
}

// RecoveryTimeStamp is the peer's last seen Recovery Time Stamp (NTP
// seconds), 0 if none seen yet.
func (p *Peer) RecoveryTimeStamp() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rts
}

// SetupMessage is the peer's last Association Setup Request or Response,
// for the IEs the application reads (function features, IP resources).
func (p *Peer) SetupMessage() message.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.setupMsg
}

func (p *Peer) touch() { p.lastRx.Store(time.Now().UnixNano()) }

// peerAt returns the peer at addr, or nil.
func (n *Node) peerAt(addr netip.AddrPort) *Peer {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.peers[addr]
}

// addPeer returns the peer at addr, creating it (and its worker) if the
// node has room.
func (n *Node) addPeer(addr netip.AddrPort) (*Peer, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p, ok := n.peers[addr]; ok {
		return p, true
	}
	select {
	case <-n.closed:
		return nil, false
	default:
	}
	if len(n.peers) >= n.cfg.MaxPeers {
		return nil, false
	}
	p := &Peer{
		n:       n,
		addr:    addr,
		queue:   make(chan inbound, n.cfg.QueueLen),
		gone:    make(chan struct{}),
		pending: make(map[uint32]*txn),
		cache:   make(map[uint32]*cached),
	}
	n.peers[addr] = p
	n.wg.Add(1)
	go p.work()
	return p, true
}

// Peer returns the peer at addr, creating it if needed, without
// associating: Node.Associate does that.
func (n *Node) Peer(addr netip.AddrPort) (*Peer, error) {
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	p, ok := n.addPeer(addr)
	if !ok {
		select {
		case <-n.closed:
			return nil, ErrClosed
		default:
			return nil, fmt.Errorf("n4: more than %d peers", n.cfg.MaxPeers)
		}
	}
	return p, nil
}

// begin records the peer's request seq as being answered. It returns false
// for a duplicate: one already answered is answered again from the cache,
// one still being handled is dropped (the answer will come).
func (p *Peer) begin(seq uint32) bool {
	p.mu.Lock()
	c, dup := p.cache[seq]
	if !dup {
		p.cache[seq] = &cached{}
	}
	var resp []byte
	if dup {
		resp = c.resp
	}
	p.mu.Unlock()
	if dup {
		// Spec: TS 29.244 §6.4: a retransmitted request is answered with
		// the response already sent, not processed again. Counted before
		// the answer leaves, so a peer that sees it sees the count.
		p.n.stats.dups.Add(1)
	}
	if dup && resp != nil {
		p.touch()
		_ = p.n.send(resp, p.addr)
	}
	return !dup
}

func (p *Peer) finish(seq uint32, resp []byte) {
	p.mu.Lock()
	if c, ok := p.cache[seq]; ok {
		c.resp = resp
		c.expires = time.Now().Add(p.n.cacheTTL())
	}
	p.mu.Unlock()
}

func (p *Peer) forget(seq uint32) {
	p.mu.Lock()
	delete(p.cache, seq)
	p.mu.Unlock()
}

func (p *Peer) sweep(now time.Time) {
	p.mu.Lock()
	for seq, c := range p.cache {
		if c.resp != nil && now.After(c.expires) {
			delete(p.cache, seq)
		}
	}
	p.mu.Unlock()
}

func (p *Peer) takePending(seq uint32) *txn {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.pending[seq]
	delete(p.pending, seq)
	return t
}

// Request sends a request to the peer and waits for its response,
// retransmitting every T1 up to N1 times. It sets the message's sequence
// number. The response is returned whatever its Cause (see Cause); errors
// are a *TimeoutError, *ResponseError, *VersionNotSupportedError, the
// context's error or ErrClosed.
//
// Spec: TS 29.244 §6.4 (reliable delivery), §7.6.1
func (p *Peer) Request(ctx context.Context, req message.Message) (message.Message, error) {
	n := p.n
	if msgKind(req.MessageType()) != kindRequest {
		return nil, fmt.Errorf("n4: %s is not a request", typeName(req.MessageType()))
	}
	t := &txn{reqType: req.MessageType(), done: make(chan result, 1)}
	var seq uint32
	p.mu.Lock()
	for {
		seq = n.nextSeq()
		if _, busy := p.pending[seq]; !busy {
			break
		}
	}
	p.pending[seq] = t
	p.mu.Unlock()
	defer p.takePending(seq)

	req.SetSequenceNumber(seq)
	b, err := marshal(req)
	if err != nil {
		return nil, fmt.Errorf("n4: encode %s: %w", typeName(req.MessageType()), err)
	}
	timer := time.NewTimer(n.cfg.T1)
	defer timer.Stop()
	for sent := 1; ; sent++ {
		if err := n.send(b, p.addr); err != nil {
			select {
			case <-n.closed:
				return nil, ErrClosed
			default:
			}
			// A send error (no route, buffer full) is a lost packet:
			// the timer retransmits.
		}
		select {
		case r := <-t.done:
			return r.msg, r.err
		case <-timer.C:
			if sent > n.cfg.N1 {
				n.stats.timeouts.Add(1)
				return nil, &TimeoutError{Peer: p.addr, MessageType: req.MessageType(), Sequence: seq, Sent: sent}
			}
			n.stats.retrans.Add(1)
			timer.Reset(n.cfg.T1)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-n.closed:
			return nil, ErrClosed
		}
	}
}

// work handles the peer's requests one at a time, in arrival order.
func (p *Peer) work() {
	defer p.n.wg.Done()
	for {
		select {
		case <-p.n.closed:
			return
		case <-p.gone:
			return
		case in := <-p.queue:
			if in.h.typ != message.MsgTypeHeartbeatRequest {
				p.touch() // heartbeats are what idle peers exchange
			}
			resp, after := p.dispatch(in)
			p.n.answer(p, p.addr, in.h, resp)
			if after != nil {
				after()
			}
		}
	}
}

// dispatch answers one request: the node's own procedures, a registered
// handler or a session's handler. after, if set, runs once the response is
// sent (callbacks that should see the peer after the procedure).
func (p *Peer) dispatch(in inbound) (resp message.Message, after func()) {
	n := p.n
	h := in.h
	defer func() {
		// A handler's panic is a bug of ours, but one triggered by a
		// peer's message: the node answers "System failure" and goes on.
		if r := recover(); r != nil {
			n.stats.handlerErrs.Add(1)
			n.log.Error("PFCP handler panicked", "type", typeName(h.typ), "peer", p.addr, "panic", r)
			resp, after = reject(h.typ, remoteSEIDOf(in.msg), h.seq, n.nodeID, causeSystemFailure, 0), nil
		}
	}()
	switch h.typ {
	case message.MsgTypeHeartbeatRequest:
		return p.onHeartbeatRequest(in.msg.(*message.HeartbeatRequest))
	case message.MsgTypeAssociationSetupRequest:
		return p.onSetupRequest(in.msg.(*message.AssociationSetupRequest))
	case message.MsgTypeAssociationReleaseRequest:
		return p.onReleaseRequest()
	}
	if isSessionType(h.typ) && h.typ != message.MsgTypeSessionEstablishmentRequest {
		return p.toSession(in), nil
	}
	hf := n.cfg.Handlers[h.typ]
	if hf == nil {
		if h.typ == message.MsgTypeAssociationUpdateRequest {
			// Spec: TS 29.244 §6.2.7: accepted; what it changes is the
			// application's (a Handlers entry) to act on.
			return message.NewAssociationUpdateResponse(0, n.nodeID, causeIE(causeAccepted)), nil
		}
		return reject(h.typ, remoteSEIDOf(in.msg), h.seq, n.nodeID, causeServiceNotSupported, 0), nil
	}
	r, err := hf(p, in.msg)
	return p.n.handlerResult(h, r, err, remoteSEIDOf(in.msg)), nil
}

// handlerResult turns a handler's answer into the response to send: a
// rejection for an error, and the peer's SEID in a session response's
// header when the handler left it 0.
func (n *Node) handlerResult(h header, resp message.Message, err error, seid uint64) message.Message {
	if err != nil {
		var ce *CauseError
		if errors.As(err, &ce) {
			return reject(h.typ, seid, h.seq, n.nodeID, ce.Cause, ce.Offending)
		}
		n.stats.handlerErrs.Add(1)
		n.log.Warn("PFCP handler failed", "type", typeName(h.typ), "err", err)
		return reject(h.typ, seid, h.seq, n.nodeID, causeSystemFailure, 0)
	}
	if resp != nil && resp.MessageType() != h.typ+1 {
		n.stats.handlerErrs.Add(1)
		n.log.Error("PFCP handler answered with the wrong message", "type", typeName(h.typ), "answer", typeName(resp.MessageType()))
		return reject(h.typ, seid, h.seq, n.nodeID, causeSystemFailure, 0)
	}
	if resp != nil && isSessionType(resp.MessageType()) && resp.SEID() == 0 && seid != 0 {
		if s, ok := resp.(interface{ SetSEID(uint64) }); ok {
			s.SetSEID(seid)
		}
	}
	return resp
}
