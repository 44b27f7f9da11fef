package n4

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// SessionHandler answers the session requests (Modification, Deletion,
// Report) that arrive with the session's local SEID. Like HandlerFunc, it
// returns a response without sequence number (a zero header SEID is set to
// the peer's SEID), or an error (*CauseError for a cause).
type SessionHandler interface {
	HandleSession(s *Session, req message.Message) (message.Message, error)
}

// SessionCloser is a SessionHandler that wants to know when its session is
// closed because the association ended (release, or a restarted peer), so
// a UP function can remove the session's rules.
//
// Spec: TS 29.244 §6.2.8.2 ("the UP function shall delete all the PFCP
// sessions related to that PFCP association locally")
type SessionCloser interface {
	SessionClosed(s *Session)
}

// SessionHandlerFunc adapts a function to SessionHandler.
type SessionHandlerFunc func(s *Session, req message.Message) (message.Message, error)

// HandleSession calls f.
func (f SessionHandlerFunc) HandleSession(s *Session, req message.Message) (message.Message, error) {
	return f(s, req)
}

// Session is one PFCP session: the local SEID this node allocated, the
// peer's SEID, and the handler of the peer's requests for it.
//
// Spec: TS 29.244 §5.1 (PFCP session), §8.2.37 (F-SEID)
type Session struct {
	peer    *Peer
	local   uint64
	remote  atomic.Uint64
	handler SessionHandler
	closed  atomic.Bool
}

// NewSession allocates a local SEID (random, unique on this node, never
// 0) for a session with the peer. remote is the peer's SEID, 0 while
// unknown (the CP function learns it from the Session Establishment
// Response, which Session.Request records). h may be nil for a session
// that expects no requests from the peer.
//
// Spec: TS 29.244 §7.2.2.4.2 (an SEID of 0 means "not yet known")
func (p *Peer) NewSession(remote uint64, h SessionHandler) (*Session, error) {
	if !p.Associated() {
		return nil, ErrNotAssociated
	}
	n := p.n
	s := &Session{peer: p, handler: h}
	s.remote.Store(remote)
	n.mu.Lock()
	defer n.mu.Unlock()
	for {
		seid := n.rng.Uint64()
		if seid == 0 {
			continue
		}
		if _, used := n.sessions[seid]; used {
			continue
		}
		s.local = seid
		n.sessions[seid] = s
		return s, nil
	}
}

// LocalSEID is the SEID this node allocated: the one the peer puts in
// the header of its requests for the session.
func (s *Session) LocalSEID() uint64 { return s.local }

// RemoteSEID is the peer's SEID, 0 while unknown.
func (s *Session) RemoteSEID() uint64 { return s.remote.Load() }

// SetRemoteSEID records the peer's SEID.
func (s *Session) SetRemoteSEID(seid uint64) { s.remote.Store(seid) }

// Peer is the node the session is with.
func (s *Session) Peer() *Peer { return s.peer }

// FSEID is this side's F-SEID IE with the given addresses (the SMF's CP
// F-SEID or the UPF's UP F-SEID).
func (s *Session) FSEID(v4, v6 net.IP) *ie.IE { return ie.NewFSEID(s.local, v4, v6) }

// Close frees the local SEID; later requests for it are answered "Session
// context not found".
func (s *Session) Close() {
	if s.closed.Swap(true) {
		return
	}
	n := s.peer.n
	n.mu.Lock()
	if n.sessions[s.local] == s {
		delete(n.sessions, s.local)
	}
	n.mu.Unlock()
}

// Closed reports whether the session was closed, by Close or because the
// association with its peer ended.
func (s *Session) Closed() bool { return s.closed.Load() }

// Request sends a session request to the peer with the peer's SEID in the
// header (0 before it is known, as for Session Establishment). From an
// accepted Session Establishment Response it records the UP F-SEID.
//
// Spec: TS 29.244 §6.3 (session procedures), §7.2.2.4
func (s *Session) Request(ctx context.Context, req message.Message) (message.Message, error) {
	if s.Closed() {
		return nil, fmt.Errorf("n4: session %#x closed", s.local)
	}
	if !isSessionType(req.MessageType()) {
		return nil, fmt.Errorf("n4: %s is not a session message", typeName(req.MessageType()))
	}
	if !s.peer.Associated() {
		return nil, ErrNotAssociated
	}
	if h, ok := req.(interface{ SetSEID(uint64) }); ok {
		h.SetSEID(s.RemoteSEID())
	}
	m, err := s.peer.Request(ctx, req)
	if err != nil {
		return nil, err
	}
	if r, ok := m.(*message.SessionEstablishmentResponse); ok && Cause(r) == causeAccepted && r.UPFSEID != nil {
		if f, err := safeFSEID(r.UPFSEID); err == nil && f.SEID != 0 {
			s.SetRemoteSEID(f.SEID)
		}
	}
	return m, nil
}

// session returns the session with local SEID seid, or nil.
func (n *Node) session(seid uint64) *Session {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sessions[seid]
}

// dropSessions closes every session with p: its association is gone.
//
// Spec: TS 29.244 §6.2.8.2 (release deletes the sessions), §19.2
func (n *Node) dropSessions(p *Peer) {
	var dropped []*Session
	n.mu.Lock()
	for seid, s := range n.sessions {
		if s.peer == p {
			s.closed.Store(true)
			delete(n.sessions, seid)
			dropped = append(dropped, s)
		}
	}
	n.mu.Unlock()
	for _, s := range dropped {
		if c, ok := s.handler.(SessionCloser); ok {
			c.SessionClosed(s)
		}
	}
}

// toSession routes a session request by its header SEID.
//
// Spec: TS 29.244 §7.2.2.4.2; §7.2.3.2 (cause #65 "Session context not
// found" for an unknown SEID)
func (p *Peer) toSession(in inbound) message.Message {
	n := p.n
	h := in.h
	var s *Session
	if h.hasSEID && h.seid != 0 {
		s = n.session(h.seid)
	}
	if s == nil || s.peer != p || s.handler == nil {
		n.stats.noSession.Add(1)
		return reject(h.typ, 0, h.seq, n.nodeID, ie.CauseSessionContextNotFound, 0)
	}
	resp, err := s.handler.HandleSession(s, in.msg)
	return n.handlerResult(h, resp, err, s.RemoteSEID())
}
