package sctp

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"go5g/internal/sctp/wire"
)

// maxCookiePreserve caps the lifetime extension a peer's Cookie
// Preservative may obtain. Spec: RFC 9260 §5.2.6 (long lifetimes invite replay).
const maxCookiePreserve = 10 * time.Second

// randUint32 returns a random 32-bit value that is not zero, for
// verification tags and initial TSNs. Spec: RFC 9260 §5.3.1.
func randUint32() uint32 {
	var b [4]byte
	for {
		rand.Read(b[:])
		if v := binary.BigEndian.Uint32(b[:]); v != 0 {
			return v
		}
	}
}

// sendInit sends our INIT, alone and with tag 0, and (re)starts T1-init.
// Spec: RFC 9260 §5.1 A, §8.5.1 A.
func (a *assoc) sendInit() {
	init := &wire.Init{
		InitiateTag: a.myTag,
		ARwnd:       uint32(a.cfg.ReceiveWindow),
		OutStreams:  a.cfg.OutStreams,
		InStreams:   a.cfg.MaxInStreams,
		InitialTSN:  a.myInitTSN,
	}
	if a.cookiePreserve > 0 {
		init.Params = append(init.Params, wire.CookiePreservativeParam(a.cookiePreserve))
	}
	a.sendSingle(0, init)
	a.t1.start(a.rto)
}

// sendCookieEcho sends the COOKIE ECHO, first in its packet, with an ERROR
// reporting INIT ACK parameters we did not recognize when there are any.
// Spec: RFC 9260 §5.1 C, §3.2.2.
func (a *assoc) sendCookieEcho(unrecognized []wire.Param) {
	a.sendPacket()
	a.add(&wire.CookieEcho{Cookie: a.cookie})
	if len(unrecognized) > 0 {
		a.add(&wire.Error{Causes: []wire.Cause{wire.UnrecognizedParamsCause(unrecognized...)}})
	}
	a.sendPacket()
	a.t1.start(a.rto)
}

// onT1 handles T1-init and T1-cookie: retransmit with the RTO backed off,
// up to Max.Init.Retransmits. Spec: RFC 9260 §5.1 A, C; §6.3.3.
func (a *assoc) onT1() {
	a.initRetries++
	if a.initRetries > a.cfg.MaxInitRetransmits {
		a.terminate(closedErr(fmt.Errorf("%w: no answer in %s after %d retransmissions", ErrPeerUnreachable, a.state, a.cfg.MaxInitRetransmits)))
		return
	}
	a.rto = min(2*a.rto, a.cfg.RTOMax)
	switch a.state {
	case stateCookieWait:
		a.sendInit()
	case stateCookieEchoed:
		a.sendCookieEcho(nil)
	}
}

// onInitAck moves a dialer from COOKIE-WAIT to COOKIE-ECHOED. An INIT ACK
// in any other state is discarded. Spec: RFC 9260 §5.1 C, §5.2.3, §3.3.3,
// §3.2.1 (unknown parameters).
func (a *assoc) onInitAck(c *wire.InitAck) {
	if a.state != stateCookieWait {
		return
	}
	if c.InitiateTag == 0 || c.OutStreams == 0 || c.InStreams == 0 {
		// §3.3.3: the receiver destroys the association.
		a.terminate(closedErr(errors.New("INIT ACK with a zero Initiate Tag or stream count")))
		return
	}
	var cookie []byte
	var unrecognized []wire.Param
	var addrs []netip.Addr
params:
	for _, p := range c.Params {
		switch p.Type {
		case wire.ParamStateCookie:
			cookie = p.Value
		case wire.ParamIPv4Address, wire.ParamIPv6Address:
			if ip, ok := p.Addr(); ok {
				addrs = append(addrs, ip.Unmap())
			}
		case wire.ParamHostNameAddress:
			a.peerTag = c.InitiateTag
			a.abortWith(wire.Cause{Code: wire.CauseUnresolvableAddress, Info: wire.MarshalParams([]wire.Param{p})}, "INIT ACK with a Host Name Address")
			return
		case wire.ParamUnrecognized:
			a.log.Debug("sctp: peer did not recognize an INIT parameter")
		case wire.ParamSupportedAddrTypes, wire.ParamCookiePreservative, wire.ParamHeartbeatInfo:
		default:
			act := p.Type.Action()
			if act == wire.ActionStopReport || act == wire.ActionSkipReport {
				unrecognized = append(unrecognized, p)
			}
			if act == wire.ActionStop || act == wire.ActionStopReport {
				break params
			}
		}
	}
	a.peerTag = c.InitiateTag
	if cookie == nil {
		a.abortWith(wire.MissingParamCause(wire.ParamStateCookie), "INIT ACK without a State Cookie")
		return
	}
	a.peerAddrs = addrs
	a.initTCB(a.myInitTSN, c.InitialTSN, c.ARwnd, min(a.cfg.OutStreams, c.InStreams), min(a.cfg.MaxInStreams, c.OutStreams))
	a.cookie = slices.Clone(cookie)
	a.initRetries = 0
	a.state = stateCookieEchoed
	a.sendCookieEcho(unrecognized)
}

// onCookieAck completes the dialer's handshake; elsewhere it is a
// duplicate and discarded. Spec: RFC 9260 §5.1 E, §5.2.5.
func (a *assoc) onCookieAck() {
	if a.state == stateCookieEchoed {
		a.cookie = nil
		a.setEstablished()
	}
}

// onStaleCookie restarts the handshake with a Cookie Preservative asking
// for the lifetime the cookie lacked. Spec: RFC 9260 §5.2.6.
func (a *assoc) onStaleCookie(c wire.Cause) {
	if a.state != stateCookieEchoed || len(c.Info) < 4 {
		return
	}
	a.initRetries++
	if a.initRetries > a.cfg.MaxInitRetransmits {
		a.terminate(closedErr(fmt.Errorf("%w: state cookie stale after %d attempts", ErrPeerUnreachable, a.initRetries)))
		return
	}
	staleMS := binary.BigEndian.Uint32(c.Info) / 1000
	// Twice the staleness, and no more than a second beyond it.
	a.cookiePreserve = min(2*staleMS+1, staleMS+1000)
	a.log.Debug("sctp: stale cookie, restarting the handshake", "staleness_ms", staleMS)
	a.state = stateCookieWait
	a.peerTag = 0
	a.cookie = nil
	a.sendInit()
}

// onInit handles an INIT for an existing association: during our own
// handshake it is an INIT collision (§5.2.1), later a possible peer restart
// (§5.2.2). The association's state does not change.
// Spec: RFC 9260 §5.2.1, §5.2.2, §9.2.
func (a *assoc) onInit(c *wire.Init, p *wire.Packet) {
	if a.state == stateShutdownAckSent {
		// §9.2: discard the INIT and retransmit the SHUTDOWN ACK.
		a.sendShutdownAck()
		return
	}
	a.ep.answerInit(a.key, c, a)
}

// answerInit answers an INIT with an INIT ACK carrying a signed state
// cookie and keeps no state (§5.1.3). tcb is the existing association, if
// any, whose tags go into the cookie as Tie-Tags. Called with tcb.mu held.
// Spec: RFC 9260 §5.1 B, §5.2.1, §5.2.2, §3.3.2, §3.2.1.
func (e *Endpoint) answerInit(key assocKey, init *wire.Init, tcb *assoc) {
	if init.InitiateTag == 0 {
		return // §3.3.2: silently discarded
	}
	abort := func(c wire.Cause) {
		e.sendOOTB(key, init.InitiateTag, &wire.Abort{Causes: []wire.Cause{c}})
	}
	if init.OutStreams == 0 || init.InStreams == 0 {
		abort(wire.Cause{Code: wire.CauseInvalidMandatoryParam})
		return
	}
	ck := stateCookie{
		created:   time.Now(),
		life:      e.cfg.ValidCookieLife,
		peerTag:   init.InitiateTag,
		peerTSN:   init.InitialTSN,
		peerRwnd:  init.ARwnd,
		localPort: key.localPort,
		peerPort:  key.peerPort,
		peer:      key.peer,
	}
	var unrecognized []wire.Param
params:
	for _, p := range init.Params {
		switch p.Type {
		case wire.ParamIPv4Address, wire.ParamIPv6Address:
			if ip, ok := p.Addr(); ok {
				ck.peerAddrs = append(ck.peerAddrs, ip.Unmap())
			}
		case wire.ParamCookiePreservative:
			if len(p.Value) == 4 {
				ck.life += min(time.Duration(binary.BigEndian.Uint32(p.Value))*time.Millisecond, maxCookiePreserve)
			}
		case wire.ParamHostNameAddress:
			// §5.1.2: host names are no longer supported.
			abort(wire.Cause{Code: wire.CauseUnresolvableAddress, Info: wire.MarshalParams([]wire.Param{p})})
			return
		case wire.ParamSupportedAddrTypes:
			if !supportsFamily(p.Value, key.peer.Addr()) {
				abort(wire.Cause{Code: wire.CauseUnresolvableAddress})
				return
			}
		case wire.ParamStateCookie, wire.ParamUnrecognized, wire.ParamHeartbeatInfo:
		default:
			act := p.Type.Action()
			if act == wire.ActionStopReport || act == wire.ActionSkipReport {
				unrecognized = append(unrecognized, wire.UnrecognizedParam(p))
			}
			if act == wire.ActionStop || act == wire.ActionStopReport {
				break params
			}
		}
	}
	switch {
	case tcb == nil:
		ck.myTag, ck.myTSN = randUint32(), randUint32()
	case tcb.state == stateCookieWait || tcb.state == stateCookieEchoed:
		// §5.2.1: answer with the parameters of our own INIT.
		ck.myTag, ck.myTSN = tcb.myTag, tcb.myInitTSN
		ck.tieLocal, ck.tiePeer = tcb.myTag, tcb.peerTag
	default:
		// §5.2.2: a new tag, the current ones as Tie-Tags, and no new
		// addresses for a restart.
		for _, ip := range ck.peerAddrs {
			if ip != key.peer.Addr() && !slices.Contains(tcb.peerAddrs, ip) {
				abort(wire.Cause{Code: wire.CauseRestartNewAddresses, Info: wire.MarshalParams([]wire.Param{wire.AddrParam(ip)})})
				return
			}
		}
		for ck.myTag = randUint32(); ck.myTag == tcb.myTag; ck.myTag = randUint32() {
		}
		ck.myTSN = randUint32()
		ck.tieLocal, ck.tiePeer = tcb.myTag, tcb.peerTag
	}
	ck.outStreams = min(e.cfg.OutStreams, init.InStreams)
	ck.inStreams = min(e.cfg.MaxInStreams, init.OutStreams)
	ack := &wire.InitAck{
		InitiateTag: ck.myTag,
		ARwnd:       uint32(e.cfg.ReceiveWindow),
		OutStreams:  e.cfg.OutStreams,
		InStreams:   e.cfg.MaxInStreams,
		InitialTSN:  ck.myTSN,
		Params:      append([]wire.Param{{Type: wire.ParamStateCookie, Value: ck.marshal(e.cookieKey)}}, unrecognized...),
	}
	e.sendOOTB(key, init.InitiateTag, ack)
}

// supportsFamily reports whether a Supported Address Types value lists
// the family of ip. A malformed list is taken as supporting it.
func supportsFamily(v []byte, ip netip.Addr) bool {
	if len(v)%2 != 0 {
		return true
	}
	want := wire.ParamIPv6Address
	if ip.Unmap().Is4() {
		want = wire.ParamIPv4Address
	}
	for i := 0; i+1 < len(v); i += 2 {
		if wire.ParamType(binary.BigEndian.Uint16(v[i:])) == want {
			return true
		}
	}
	return false
}

// onCookieEcho handles a COOKIE ECHO for an existing association per the
// table of §5.2.4 and reports whether to process the rest of the packet.
// Spec: RFC 9260 §5.2.4, §5.1.5.
func (a *assoc) onCookieEcho(c *wire.CookieEcho, p *wire.Packet) bool {
	ck, err := parseCookie(c.Cookie, a.ep.cookieKey)
	if err != nil || p.VerificationTag != ck.myTag || ck.localPort != a.key.localPort || ck.peerPort != a.key.peerPort {
		return false // §5.1.5: silently discarded
	}
	handshaking := a.state == stateCookieWait || a.state == stateCookieEchoed
	localM, peerM := ck.myTag == a.myTag, ck.peerTag == a.peerTag
	switch {
	case !localM && !peerM && ck.tieLocal != 0 && ck.tieLocal == a.myTag && ck.tiePeer == a.peerTag:
		// (A) The peer restarted.
		if a.state == stateShutdownAckSent {
			a.sendPacket()
			pkt := wire.Packet{SrcPort: a.key.localPort, DstPort: a.key.peerPort, VerificationTag: ck.peerTag,
				Chunks: []wire.Chunk{&wire.ShutdownAck{}, &wire.Error{Causes: []wire.Cause{{Code: wire.CauseCookieWhileShutdown}}}}}
			a.ep.write(pkt.Marshal(), a.key.peer)
			return false
		}
		a.restart(&ck)
	case localM && !peerM:
		// (B) An INIT collision: the peer's association is the one of the cookie.
		if handshaking {
			a.adoptCookie(&ck)
		} else {
			a.peerTag = ck.peerTag
		}
	case !localM && peerM && ck.tieLocal == 0 && ck.tiePeer == 0:
		return false // (C) a late cookie
	case localM && peerM:
		// (D) Both tags match: enter ESTABLISHED if not there already.
		if handshaking {
			a.adoptCookie(&ck)
		}
	default:
		return false
	}
	a.queueCtrl(&wire.CookieAck{})
	return true
}

// adoptCookie takes the peer's parameters from a cookie we issued during a
// collision and establishes the association.
func (a *assoc) adoptCookie(ck *stateCookie) {
	a.peerTag = ck.peerTag
	a.peerAddrs = ck.peerAddrs
	a.initTCB(a.myInitTSN, ck.peerTSN, ck.peerRwnd, ck.outStreams, ck.inStreams)
	a.cookie = nil
	a.setEstablished()
}

// restart resets the association for a peer that restarted: new tags,
// sequence numbers and streams; congestion control from scratch; data not
// yet acknowledged is lost. Messages already received stay readable.
// Spec: RFC 9260 §5.2.4 action A.
func (a *assoc) restart(ck *stateCookie) {
	a.log.Info("sctp: peer restarted the association", "peer", a.key.peer, "peer_port", a.key.peerPort)
	for _, t := range []*timer{&a.t1, &a.t2, &a.t3, &a.t5, &a.tSack} {
		t.stop()
	}
	a.snd.release()
	a.myTag, a.peerTag, a.peerAddrs = ck.myTag, ck.peerTag, ck.peerAddrs
	a.myInitTSN = ck.myTSN
	a.initTCB(ck.myTSN, ck.peerTSN, ck.peerRwnd, ck.outStreams, ck.inStreams)
	a.rto, a.rttMeasured = a.cfg.RTOInitial, false
	a.hb = heartbeatState{}
	a.setEstablished()
	if a.closing {
		a.state = stateShutdownPending
		a.maybeShutdown()
	}
	a.wakeSend()
}

// acceptCookie creates the association a valid COOKIE ECHO asks for, when
// none exists for its addresses, and hands it to the listener.
// Spec: RFC 9260 §5.1 D, §5.1.5.
func (e *Endpoint) acceptCookie(p *wire.Packet, key assocKey, l *listener) {
	c := p.Chunks[0].(*wire.CookieEcho)
	ck, err := parseCookie(c.Cookie, e.cookieKey)
	if err != nil {
		e.log.Debug("sctp: COOKIE ECHO discarded", "peer", key.peer, "err", err)
		return
	}
	// §5.1.5 step 3: the packet's tag and ports must be those of the cookie.
	if p.VerificationTag != ck.myTag || ck.localPort != key.localPort || ck.peerPort != key.peerPort || ck.peer.Addr() != key.peer.Addr() {
		return
	}
	if st := ck.stale(time.Now()); st > 0 {
		us := uint32(min(st/time.Microsecond, 1<<32-1))
		e.sendOOTB(key, ck.peerTag, &wire.Error{Causes: []wire.Cause{wire.StaleCookieCause(us)}})
		return
	}
	a := newAssoc(e, key)
	a.myTag, a.peerTag, a.peerAddrs = ck.myTag, ck.peerTag, ck.peerAddrs
	a.initTCB(ck.myTSN, ck.peerTSN, ck.peerRwnd, ck.outStreams, ck.inStreams)

	e.mu.Lock()
	if existing := e.assocs[key]; existing != nil {
		// A Dial to the same peer and ports raced the packet in.
		e.mu.Unlock()
		existing.handlePacket(p, key.peer)
		return
	}
	if e.closed || l.closed || len(l.queue) == cap(l.queue) {
		e.mu.Unlock()
		e.sendOOTB(key, ck.peerTag, &wire.Abort{Causes: []wire.Cause{{Code: wire.CauseOutOfResource}}})
		return
	}
	e.addLocked(a)
	e.mu.Unlock()

	a.mu.Lock()
	a.setEstablished()
	a.queueCtrl(&wire.CookieAck{})
	a.processChunks(p, 1)
	a.flush()
	a.mu.Unlock()

	e.mu.Lock()
	if l.closed {
		e.mu.Unlock()
		a.Abort("listener closed")
		return
	}
	l.queue <- a // the reader is the only sender and checked the room above
	e.mu.Unlock()
}
