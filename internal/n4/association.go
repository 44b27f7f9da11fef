package n4

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

const (
	causeAccepted            = ie.CauseRequestAccepted
	causeMandatoryMissing    = ie.CauseMandatoryIEMissing
	causeMandatoryIncorrect  = ie.CauseMandatoryIEIncorrect
	causeServiceNotSupported = ie.CauseServiceNotSupported
	causeSystemFailure       = ie.CauseSystemFailure
)

func causeIE(c uint8) *ie.IE { return ie.NewCause(c) }

// rtsOf reads a Recovery Time Stamp IE as NTP seconds.
//
// Spec: TS 29.244 §8.2.65
func rtsOf(i *ie.IE) (uint32, bool) {
	if i == nil || i.Type != ie.RecoveryTimeStamp || len(i.Payload) < 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(i.Payload[:4]), true
}

// nodeIDOf reads a Node ID IE, checking the length its type needs (go-pfcp
// returns "<nil>" for a short address rather than an error).
//
// Spec: TS 29.244 §8.2.38
func nodeIDOf(i *ie.IE) (string, error) {
	if i == nil || i.Type != ie.NodeID || len(i.Payload) < 2 {
		return "", errors.New("node ID missing or short")
	}
	switch i.Payload[0] & 0x0f {
	case ie.NodeIDIPv4Address:
		if len(i.Payload) != 5 {
			return "", errors.New("IPv4 node ID of wrong length")
		}
	case ie.NodeIDIPv6Address:
		if len(i.Payload) != 17 {
			return "", errors.New("IPv6 node ID of wrong length")
		}
	case ie.NodeIDFQDN:
	default:
		return "", fmt.Errorf("node ID type %d", i.Payload[0]&0x0f)
	}
	return i.NodeID()
}

// Associate sets up a PFCP association with the node at addr (either side
// may initiate) and starts heartbeats to it.
//
// Spec: TS 29.244 §6.2.6.2 (CP function initiated), §6.2.6.3 (UP function
// initiated)
func (n *Node) Associate(ctx context.Context, addr netip.AddrPort) (*Peer, error) {
	p, err := n.Peer(addr)
	if err != nil {
		return nil, err
	}
	ies := append([]*ie.IE{n.nodeID, n.rtsIE()}, n.cfg.SetupIEs...)
	m, err := p.Request(ctx, message.NewAssociationSetupRequest(0, ies...))
	if err != nil {
		return p, fmt.Errorf("n4: association setup with %s: %w", addr, err)
	}
	r := m.(*message.AssociationSetupResponse)
	cause, ok := causeOf(r)
	if !ok {
		return p, &ResponseError{Peer: addr, Err: errors.New("association setup response without Cause")}
	}
	if cause != causeAccepted {
		return p, &RejectedError{MessageType: message.MsgTypeAssociationSetupRequest, Cause: cause}
	}
	id, err := nodeIDOf(r.NodeID)
	if err != nil {
		return p, &ResponseError{Peer: addr, Err: err}
	}
	rts, ok := rtsOf(r.RecoveryTimeStamp)
	if !ok {
		return p, &ResponseError{Peer: addr, Err: errors.New("association setup response without Recovery Time Stamp")}
	}
	old, restarted := p.up(id, rts, r)
	if restarted {
		p.onRestart(old, rts, false)
	}
	p.startHeartbeat()
	if cb := n.cfg.Events.AssociationUp; cb != nil {
		cb(p)
	}
	return p, nil
}

// up records an association; restarted reports a Recovery Time Stamp
// different from the last one seen.
func (p *Peer) up(nodeID string, rts uint32, setup message.Message) (old uint32, restarted bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old = p.rts
	p.rts, p.nodeID, p.setupMsg, p.associated = rts, nodeID, setup, true
	return old, old != 0 && old != rts
}

// down ends the association locally and stops heartbeats.
func (p *Peer) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.associated = false
	if p.hbStop != nil {
		close(p.hbStop)
		p.hbStop = nil
	}
}

// onRestart handles a peer whose Recovery Time Stamp changed: it lost its
// PFCP state, so the association (unless a new setup is replacing it) and
// the sessions with it are gone.
//
// Spec: TS 29.244 §19.2 (restoration: peer restart detected by a changed
// Recovery Time Stamp), §6.2.6.2.2
func (p *Peer) onRestart(old, rts uint32, associationLost bool) {
	if associationLost {
		p.down()
	}
	p.n.dropSessions(p)
	p.n.log.Info("PFCP peer restarted", "peer", p.addr, "old_rts", old, "new_rts", rts)
	if cb := p.n.cfg.Events.PeerRestarted; cb != nil {
		cb(p, old, rts)
	}
}

// onSetupRequest answers an Association Setup Request.
//
// Spec: TS 29.244 §6.2.6.2.2, §6.2.6.3.2, §7.4.4.1 (Node ID and Recovery
// Time Stamp mandatory)
func (p *Peer) onSetupRequest(req *message.AssociationSetupRequest) (message.Message, func()) {
	n := p.n
	rej := func(c uint8, _ uint16) (message.Message, func()) {
		return message.NewAssociationSetupResponse(0, n.nodeID, causeIE(c), n.rtsIE()), p.removeIfIdle
	}
	if req.NodeID == nil {
		return rej(causeMandatoryMissing, ie.NodeID)
	}
	if req.RecoveryTimeStamp == nil {
		return rej(causeMandatoryMissing, ie.RecoveryTimeStamp)
	}
	id, err := nodeIDOf(req.NodeID)
	if err != nil {
		return rej(causeMandatoryIncorrect, ie.NodeID)
	}
	rts, ok := rtsOf(req.RecoveryTimeStamp)
	if !ok {
		return rej(causeMandatoryIncorrect, ie.RecoveryTimeStamp)
	}
	if accept := n.cfg.AcceptAssociation; accept != nil {
		if ce := accept(p, req); ce != nil {
			return rej(ce.Cause, ce.Offending)
		}
	}
	old, restarted := p.up(id, rts, req)
	ies := append([]*ie.IE{n.nodeID, causeIE(causeAccepted), n.rtsIE()}, n.cfg.SetupIEs...)
	return message.NewAssociationSetupResponse(0, ies...), func() {
		if restarted {
			p.onRestart(old, rts, false)
		}
		p.startHeartbeat()
		if cb := n.cfg.Events.AssociationUp; cb != nil {
			cb(p)
		}
	}
}

// onReleaseRequest answers an Association Release Request: the sessions
// with the peer are deleted and the association ends.
//
// Spec: TS 29.244 §6.2.8.2, §7.4.4.5
func (p *Peer) onReleaseRequest() (message.Message, func()) {
	n := p.n
	return message.NewAssociationReleaseResponse(0, n.nodeID, causeIE(causeAccepted)), func() {
		p.released()
	}
}

func (p *Peer) released() {
	p.down()
	p.n.dropSessions(p)
	if cb := p.n.cfg.Events.AssociationReleased; cb != nil {
		cb(p)
	}
}

// Release releases the association with the peer. The association and
// its sessions end locally whatever the peer answers.
//
// Spec: TS 29.244 §6.2.8
func (p *Peer) Release(ctx context.Context) error {
	if !p.Associated() {
		return ErrNotAssociated
	}
	m, err := p.Request(ctx, message.NewAssociationReleaseRequest(0, p.n.nodeID))
	p.released()
	if err != nil {
		return fmt.Errorf("n4: association release with %s: %w", p.addr, err)
	}
	if c := Cause(m); c != causeAccepted {
		return &RejectedError{MessageType: message.MsgTypeAssociationReleaseRequest, Cause: c}
	}
	return nil
}

// Update sends an Association Update Request with the node's Node ID and
// ies, and returns the response once accepted.
//
// Spec: TS 29.244 §6.2.7, §7.4.4.3
func (p *Peer) Update(ctx context.Context, ies ...*ie.IE) (message.Message, error) {
	if !p.Associated() {
		return nil, ErrNotAssociated
	}
	m, err := p.Request(ctx, message.NewAssociationUpdateRequest(0, append([]*ie.IE{p.n.nodeID}, ies...)...))
	if err != nil {
		return nil, fmt.Errorf("n4: association update with %s: %w", p.addr, err)
	}
	if c := Cause(m); c != causeAccepted {
		return m, &RejectedError{MessageType: message.MsgTypeAssociationUpdateRequest, Cause: c}
	}
	return m, nil
}

// removeIfIdle forgets a peer whose association setup was rejected, so
// that refused setups do not fill the peer table.
func (p *Peer) removeIfIdle() {
	n := p.n
	n.mu.Lock()
	defer n.mu.Unlock()
	p.mu.Lock()
	idle := !p.associated && len(p.pending) == 0 && len(p.queue) == 0
	p.mu.Unlock()
	if idle && n.peers[p.addr] == p {
		delete(n.peers, p.addr)
		close(p.gone)
	}
}

// onHeartbeatRequest answers a heartbeat and checks the peer's Recovery
// Time Stamp.
//
// Spec: TS 29.244 §6.2.2, §7.4.2.1, §19.2
func (p *Peer) onHeartbeatRequest(req *message.HeartbeatRequest) (message.Message, func()) {
	resp := message.NewHeartbeatResponse(0, p.n.rtsIE())
	rts, ok := rtsOf(req.RecoveryTimeStamp)
	if !ok || !p.Associated() {
		return resp, nil
	}
	p.mu.Lock()
	old := p.rts
	p.rts = rts
	p.mu.Unlock()
	if old != 0 && old != rts {
		return resp, func() { p.onRestart(old, rts, true) }
	}
	return resp, nil
}

func (p *Peer) startHeartbeat() {
	if p.n.cfg.HeartbeatInterval < 0 {
		return
	}
	p.mu.Lock()
	if p.hbStop != nil {
		p.mu.Unlock()
		return
	}
	stop := make(chan struct{})
	p.hbStop = stop
	p.mu.Unlock()
	p.n.wg.Add(1)
	go p.heartbeatLoop(stop)
}

// heartbeatLoop sends a Heartbeat Request each interval in which nothing
// else came from the peer; HeartbeatMisses failed heartbeat transactions
// in a row (each already retransmitted N1 times) make the peer dead.
//
// Spec: TS 29.244 §6.2.2 (heartbeat procedure), §19.2
func (p *Peer) heartbeatLoop(stop chan struct{}) {
	n := p.n
	defer n.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
		case <-n.closed:
		case <-ctx.Done():
		}
		cancel()
	}()
	every := n.cfg.HeartbeatInterval
	t := time.NewTicker(every)
	defer t.Stop()
	misses := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, p.lastRx.Load())) < every {
			misses = 0 // the peer spoke: it is alive
			continue
		}
		m, err := p.Request(ctx, message.NewHeartbeatRequest(0, n.rtsIE(), nil))
		if err != nil {
			var te *TimeoutError
			if !errors.As(err, &te) {
				if ctx.Err() != nil {
					return
				}
				continue
			}
			misses++
			if misses < n.cfg.HeartbeatMisses {
				continue
			}
			p.mu.Lock()
			if p.hbStop == stop {
				p.hbStop = nil
				p.associated = false
			}
			p.mu.Unlock()
			n.log.Warn("PFCP peer dead", "peer", p.addr, "missed_heartbeats", misses)
			if cb := n.cfg.Events.PeerDead; cb != nil {
				cb(p)
			}
			return
		}
		misses = 0
		rts, ok := rtsOf(m.(*message.HeartbeatResponse).RecoveryTimeStamp)
		if !ok {
			continue
		}
		p.mu.Lock()
		old := p.rts
		p.rts = rts
		p.mu.Unlock()
		if old != 0 && old != rts {
			p.onRestart(old, rts, true)
			return
		}
	}
}
