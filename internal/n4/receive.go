package n4

import (
	"errors"
	"net/netip"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// receive handles one datagram: one PFCP message, or several bundled with
// the FO flag.
//
// Spec: TS 29.244 §6.5, §7.2.1A (bundling), §7.6 (error handling)
func (n *Node) receive(b []byte, from netip.AddrPort) {
	for len(b) > 0 {
		h, err := parseHeader(b)
		if err != nil {
			// Spec: TS 29.244 §7.6.3: too short for its header: discarded.
			n.stats.malformed.Add(1)
			return
		}
		if h.version != Version {
			// Spec: TS 29.244 §7.6.2: "it shall return a PFCP Version Not
			// Supported Response message and silently discard the received
			// message". Never in answer to one, so two nodes cannot loop.
			n.stats.version.Add(1)
			if h.typ != message.MsgTypeVersionNotSupportedResponse {
				n.sendMsg(message.NewVersionNotSupportedResponse(h.seq), from)
			}
			return
		}
		if err := h.checkLength(len(b)); err != nil {
			n.stats.malformed.Add(1)
			return
		}
		n.receiveOne(h, b[:h.total()], from)
		if !h.fo {
			return // octets after an unbundled message are not a message
		}
		b = b[h.total():]
	}
}

func (n *Node) receiveOne(h header, b []byte, from netip.AddrPort) {
	switch msgKind(h.typ) {
	case kindRequest:
		n.onRequest(h, b, from)
	case kindResponse:
		n.onResponse(h, b, from)
	default:
		// Spec: TS 29.244 §7.6.4: a message of unknown type is silently
		// discarded.
		n.stats.unknown.Add(1)
	}
}

func (n *Node) countDecodeError(err error) {
	n.stats.malformed.Add(1)
	var pe *PanicError
	if errors.As(err, &pe) {
		n.stats.panics.Add(1)
	}
}

// onResponse matches a response to the outstanding request with the same
// sequence number sent to the same peer.
//
// Spec: TS 29.244 §6.4, §7.6.1
func (n *Node) onResponse(h header, b []byte, from netip.AddrPort) {
	n.stats.responses.Add(1)
	p := n.peerAt(from)
	var t *txn
	if p != nil {
		t = p.takePending(h.seq)
	}
	if t == nil {
		n.stats.unsolicited.Add(1)
		return
	}
	m, err := decode(b)
	switch {
	case err != nil:
		n.countDecodeError(err)
		t.done <- result{err: &ResponseError{Peer: from, Err: err}}
	case h.typ == message.MsgTypeVersionNotSupportedResponse:
		t.done <- result{err: &VersionNotSupportedError{Peer: from}}
	case h.typ != t.reqType+1:
		t.done <- result{err: &ResponseError{Peer: from, Err: errors.New("response of type " + typeName(h.typ) + " to " + typeName(t.reqType))}}
	default:
		if h.typ != message.MsgTypeHeartbeatResponse {
			p.touch()
		}
		t.done <- result{msg: m}
	}
}

// onRequest checks a request against the duplicate cache and the
// association, then queues it for the peer's worker.
func (n *Node) onRequest(h header, b []byte, from netip.AddrPort) {
	n.stats.requests.Add(1)
	p := n.peerAt(from)
	if p != nil && !p.begin(h.seq) {
		return // a duplicate, answered from the cache
	}
	// From here each path answers (or forgets) h.seq in p's cache.
	m, err := decode(b)
	if err != nil {
		n.countDecodeError(err)
		// Spec: TS 29.244 §7.6.1, §8.2.1: go-pfcp fails a message only
		// when an IE overruns it, so the request is rejected with cause
		// #68 "Invalid length" (a Heartbeat Request, which has no Cause,
		// is dropped).
		n.answer(p, from, h, reject(h.typ, 0, h.seq, n.nodeID, ie.CauseInvalidLength, 0))
		return
	}
	if needsAssociation(h.typ) && (p == nil || !p.Associated()) {
		// Spec: TS 29.244 §6.2.6.1: PFCP session related and node
		// procedures other than heartbeat and association setup need an
		// established association; the request is rejected with cause
		// #72 "No established PFCP Association".
		n.stats.noAssoc.Add(1)
		n.answer(p, from, h, reject(h.typ, remoteSEIDOf(m), h.seq, n.nodeID, ie.CauseNoEstablishedPFCPAssociation, 0))
		return
	}
	if p == nil {
		switch h.typ {
		case message.MsgTypeHeartbeatRequest:
			// A heartbeat from a node we do not know: answered without
			// keeping state for it (§6.2.2).
			n.answer(nil, from, h, message.NewHeartbeatResponse(h.seq, n.rtsIE()))
			return
		case message.MsgTypeAssociationSetupRequest:
			var ok bool
			if p, ok = n.addPeer(from); !ok {
				n.answer(nil, from, h, reject(h.typ, 0, h.seq, n.nodeID, ie.CauseNoResourcesAvailable, 0))
				return
			}
			if !p.begin(h.seq) {
				return
			}
		}
	}
	// Queued under the node's lock, which removeIfIdle holds to check the
	// queue is empty: a request is never queued to a forgotten peer.
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.peers[from] != p {
		return // forgotten meanwhile: the peer retransmits and meets a new one
	}
	select {
	case p.queue <- inbound{h: h, msg: m}:
	default:
		// The worker is behind: drop; the peer retransmits after T1.
		n.stats.overload.Add(1)
		p.forget(h.seq)
	}
}

// answer sends the response to a request (with its sequence number) and
// caches it for duplicates; a nil response only clears the cache entry.
func (n *Node) answer(p *Peer, to netip.AddrPort, h header, resp message.Message) {
	if resp == nil {
		if p != nil {
			p.forget(h.seq)
		}
		return
	}
	resp.SetSequenceNumber(h.seq)
	b, err := marshal(resp)
	if err != nil {
		n.log.Error("encode PFCP response", "type", typeName(resp.MessageType()), "err", err)
		if p != nil {
			p.forget(h.seq)
		}
		return
	}
	// Cached before it is sent: a retransmission that crosses the
	// response on the wire finds it.
	if p != nil {
		p.finish(h.seq, b)
	}
	if err := n.send(b, to); err != nil {
		n.log.Debug("send PFCP response", "peer", to, "err", err)
	}
}

// remoteSEIDOf is the SEID a rejection of m carries in its header: the CP
// F-SEID of a Session Establishment Request, else 0 (the sender's SEID is
// unknown).
//
// Spec: TS 29.244 §7.2.2.4.2 (SEID set to 0 when the peer's SEID is unknown)
func remoteSEIDOf(m message.Message) uint64 {
	if r, ok := m.(*message.SessionEstablishmentRequest); ok && r.CPFSEID != nil {
		if f, err := safeFSEID(r.CPFSEID); err == nil {
			return f.SEID
		}
	}
	return 0
}

// safeFSEID decodes an F-SEID IE, recovering from a library panic.
func safeFSEID(i *ie.IE) (f *ie.FSEIDFields, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, &PanicError{Value: r}
		}
	}()
	return i.FSEID()
}
