package sctp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"go5g/internal/sctp/wire"
)

// state is an association state. Spec: RFC 9260 §4.
type state uint8

const (
	stateClosed state = iota
	stateCookieWait
	stateCookieEchoed
	stateEstablished
	stateShutdownPending
	stateShutdownSent
	stateShutdownReceived
	stateShutdownAckSent
)

func (s state) String() string {
	return [...]string{"CLOSED", "COOKIE-WAIT", "COOKIE-ECHOED", "ESTABLISHED",
		"SHUTDOWN-PENDING", "SHUTDOWN-SENT", "SHUTDOWN-RECEIVED", "SHUTDOWN-ACK-SENT"}[s]
}

// assocKey names an association at its endpoint: the peer's address (IP
// and UDP port, or port 0 over raw IP) and both SCTP ports. The
// verification tag then checks each packet. Spec: RFC 9260 §1.4 (association).
type assocKey struct {
	peer      netip.AddrPort
	peerPort  uint16
	localPort uint16
}

// assoc is one association: its Transmission Control Block, guarded by mu.
// The endpoint's reader hands it parsed packets; timers and the user's calls
// take the same lock, so events are handled one at a time, in order.
type assoc struct {
	ep  *Endpoint
	cfg *Config
	log *slog.Logger
	key assocKey

	mu      sync.Mutex
	state   state
	myTag   uint32 // Verification Tag the peer puts on packets to us
	peerTag uint32 // Verification Tag we put on packets to the peer

	outStreams, inStreams uint16
	peerAddrs             []netip.Addr // addresses the peer's INIT or INIT ACK listed

	// Handshake, dialer side.
	myInitTSN      uint32
	initRetries    int    // INIT or COOKIE ECHO retransmissions so far
	cookie         []byte // the COOKIE ECHO we (re)send
	cookiePreserve uint32 // msec of Cookie Preservative to ask for after a Stale Cookie error
	established    chan struct{}

	snd sendState
	rcv recvState

	// Path state: one destination address. Spec: RFC 9260 §6.3, §8.2, §8.3.
	rto, srtt, rttvar time.Duration
	rttMeasured       bool
	errCount          int // association error counter, §8.1
	pathErrCount      int // destination error counter, §8.2
	pathActive        bool
	hb                heartbeatState

	closing bool  // Close called: shut down once the queue drains
	err     error // why the association ended; wraps ErrClosed
	done    chan struct{}

	recvWake, sendWake chan struct{} // closed to wake waiting Recv / Send calls

	t1, t2, t3, t5, tHB, tSack timer

	stats assocStats

	// Packet assembly: chunks collected for one packet, written by sendPacket.
	ctrl   []wire.Chunk // control chunks for the next flush, in order
	out    wire.Packet
	outLen int
	wbuf   []byte
	sack   wire.Sack // reused by buildSack
}

func newAssoc(e *Endpoint, key assocKey) *assoc {
	a := &assoc{
		ep:          e,
		cfg:         &e.cfg,
		key:         key,
		log:         e.log.With("peer", key.peer, "peer_port", key.peerPort, "local_port", key.localPort),
		established: make(chan struct{}),
		done:        make(chan struct{}),
		rto:         e.cfg.RTOInitial,
		pathActive:  true,
		outLen:      wire.HeaderLen,
	}
	a.out.SrcPort, a.out.DstPort = key.localPort, key.peerPort
	a.t1 = timer{a: a, fn: (*assoc).onT1}
	a.t2 = timer{a: a, fn: (*assoc).onT2}
	a.t3 = timer{a: a, fn: (*assoc).onT3}
	a.t5 = timer{a: a, fn: (*assoc).onT5}
	a.tHB = timer{a: a, fn: (*assoc).onHeartbeatTimer}
	a.tSack = timer{a: a, fn: (*assoc).onSackTimer}
	return a
}

// initTCB sets up the sequence spaces and streams once both sides' INIT
// parameters are known. Spec: RFC 9260 §5.1, §6.5 (stream negotiation), §7.2.1.
func (a *assoc) initTCB(myTSN, peerTSN, peerRwnd uint32, outStreams, inStreams uint16) {
	a.myInitTSN = myTSN
	a.outStreams, a.inStreams = outStreams, inStreams
	a.snd.init(myTSN, peerRwnd, outStreams, a.cfg.MTU)
	a.rcv.init(peerTSN, inStreams, a.cfg.ReceiveWindow)
}

// setEstablished enters ESTABLISHED and starts heartbeats.
func (a *assoc) setEstablished() {
	a.t1.stop()
	a.state = stateEstablished
	select {
	case <-a.established:
	default:
		close(a.established)
	}
	a.errCount, a.pathErrCount, a.pathActive = 0, 0, true
	if !a.rttMeasured {
		// §6.3.1 C1: RTO.Initial until a first measurement, whatever
		// backoff T1 went through.
		a.rto = a.cfg.RTOInitial
	}
	a.tHB.start(a.heartbeatPeriod())
	a.log.Debug("sctp: association established", "out_streams", a.outStreams, "in_streams", a.inStreams)
}

// terminate ends the association: timers stop, waiters wake, the endpoint
// forgets it. err says why and must wrap ErrClosed.
func (a *assoc) terminate(err error) {
	if a.state == stateClosed {
		return
	}
	a.log.Debug("sctp: association closed", "state", a.state, "reason", err)
	a.state = stateClosed
	a.err = err
	for _, t := range []*timer{&a.t1, &a.t2, &a.t3, &a.t5, &a.tHB, &a.tSack} {
		t.stop()
	}
	a.snd.release()
	a.ctrl = a.ctrl[:0]
	close(a.done)
	a.wakeRecv()
	a.wakeSend()
	a.ep.remove(a)
}

// closedErr wraps ErrClosed with a reason.
func closedErr(reason error) error {
	if reason == nil {
		return ErrClosed
	}
	return fmt.Errorf("%w: %w", ErrClosed, reason)
}

func (a *assoc) waitRecv() chan struct{} {
	if a.recvWake == nil {
		a.recvWake = make(chan struct{})
	}
	return a.recvWake
}

func (a *assoc) wakeRecv() {
	if a.recvWake != nil {
		close(a.recvWake)
		a.recvWake = nil
	}
}

func (a *assoc) waitSend() chan struct{} {
	if a.sendWake == nil {
		a.sendWake = make(chan struct{})
	}
	return a.sendWake
}

func (a *assoc) wakeSend() {
	if a.sendWake != nil {
		close(a.sendWake)
		a.sendWake = nil
	}
}

// Send implements Conn.
func (a *assoc) Send(ctx context.Context, m Message) error {
	if len(m.Data) == 0 {
		return errors.New("sctp: empty message (a DATA chunk must carry user data, RFC 9260 §3.3.1)")
	}
	a.mu.Lock()
	for {
		if err := a.sendErr(); err != nil {
			a.mu.Unlock()
			return err
		}
		if m.Stream >= a.outStreams {
			n := a.outStreams
			a.mu.Unlock()
			return fmt.Errorf("sctp: stream %d does not exist: the association has %d outbound streams", m.Stream, n)
		}
		if a.snd.queued == 0 || a.snd.queued+len(m.Data) <= a.cfg.SendBuffer {
			break
		}
		ch := a.waitSend()
		a.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		a.mu.Lock()
	}
	a.enqueue(m)
	if !a.cork() {
		a.flush()
	}
	a.mu.Unlock()
	return nil
}

// cork reports whether new data may wait for the next SACK instead of
// going out now in a packet that is not full: only while at least two
// packets are unacknowledged, so the peer's SACK (due at its second
// packet, RFC 9260 §6.2) comes promptly and flushes it, bundled.
func (a *assoc) cork() bool {
	s := &a.snd
	if len(a.ctrl) > 0 || a.rcv.ackNow || s.unacked < 2*a.cfg.MTU {
		return false
	}
	pending := 0
	for _, c := range s.pending {
		if pending += c.size() + 16; pending >= a.maxPayload() {
			return false
		}
	}
	return true
}

// sendErr says why Send cannot queue now, or nil.
func (a *assoc) sendErr() error {
	switch {
	case a.state == stateClosed:
		return a.err
	case a.state != stateEstablished || a.closing:
		return closedErr(errors.New("association is shutting down"))
	}
	return nil
}

// Recv implements Conn.
func (a *assoc) Recv(ctx context.Context) (Message, error) {
	a.mu.Lock()
	for {
		if m, ok := a.rcv.pop(); ok {
			a.afterRead()
			a.mu.Unlock()
			return m, nil
		}
		if a.state == stateClosed {
			err := a.err
			a.mu.Unlock()
			return Message{}, err
		}
		ch := a.waitRecv()
		a.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Message{}, ctx.Err()
		}
		a.mu.Lock()
	}
}

// Abort implements Conn: an ABORT with a User-Initiated Abort cause.
// Spec: RFC 9260 §9.1, §3.3.10.12.
func (a *assoc) Abort(reason string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.state == stateClosed {
		return nil
	}
	info := []byte(reason)
	info = info[:min(len(info), a.cfg.MTU-wire.HeaderLen-8)] // one packet
	a.sendAbort(wire.UserInitiatedAbortCause(info))
	a.terminate(closedErr(fmt.Errorf("aborted locally: %s", reason)))
	return nil
}

// sendAbort sends an ABORT at once, ahead of anything queued, when the
// peer's tag is known.
func (a *assoc) sendAbort(causes ...wire.Cause) {
	if a.peerTag == 0 {
		return // COOKIE-WAIT: the peer keeps no state to abort
	}
	a.ctrl = a.ctrl[:0]
	a.resetPacket()
	a.add(&wire.Abort{Causes: causes})
	a.sendPacket()
}

// abortWith aborts the association for a protocol error found in the
// peer's packets. Spec: RFC 9260 §9.1.
func (a *assoc) abortWith(c wire.Cause, why string) {
	a.log.Debug("sctp: aborting", "cause", c.Code, "why", why)
	a.sendAbort(c)
	a.terminate(closedErr(fmt.Errorf("aborted: %s", why)))
}

// LocalAddr implements Conn.
func (a *assoc) LocalAddr() net.Addr {
	l := a.ep.pc.LocalAddr()
	return Addr{IP: l.Addr(), Port: a.key.localPort, UDPPort: l.Port()}
}

// RemoteAddr implements Conn.
func (a *assoc) RemoteAddr() net.Addr {
	return Addr{IP: a.key.peer.Addr(), Port: a.key.peerPort, UDPPort: a.key.peer.Port()}
}

// Streams implements Conn.
func (a *assoc) Streams() uint16 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.outStreams
}

// handlePacket processes one packet addressed to this association. It
// returns false when the association has already ended, so the endpoint
// treats the packet as out of the blue.
func (a *assoc) handlePacket(p *wire.Packet, from netip.AddrPort) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.state == stateClosed {
		return false
	}
	if a.checkTag(p) {
		a.processChunks(p, 0)
	}
	a.flush()
	return true
}

// checkTag applies the verification tag rules, answering what §8.5.1 says
// to answer. It reports whether the packet's chunks are to be processed.
// Spec: RFC 9260 §8.5, §8.5.1.
func (a *assoc) checkTag(p *wire.Packet) bool {
	switch c := p.Chunks[0].(type) {
	case *wire.Init:
		// §8.5.1 A: an INIT travels alone, with tag 0.
		return p.VerificationTag == 0 && len(p.Chunks) == 1
	case *wire.CookieEcho:
		// §8.5.1 D: checked against the tag inside the cookie (§5.2.4).
		return true
	case *wire.ShutdownAck:
		if a.state == stateCookieWait || a.state == stateCookieEchoed {
			// §8.5.1 E: treat as out of the blue, §8.4 rule 5.
			a.ep.sendOOTB(a.key, p.VerificationTag, &wire.ShutdownComplete{T: true})
			return false
		}
	case *wire.ShutdownComplete:
		// §8.5.1 C.
		return len(p.Chunks) == 1 && a.reflectedTagOK(p.VerificationTag, c.T)
	}
	for _, c := range p.Chunks {
		if ab, ok := c.(*wire.Abort); ok {
			// §8.5.1 B: an ABORT may carry the peer's tag, reflected.
			return a.reflectedTagOK(p.VerificationTag, ab.T)
		}
	}
	// §8.5: every other packet carries our tag, or is silently discarded.
	return p.VerificationTag == a.myTag
}

// reflectedTagOK is the rule of §8.5.1 B and C: our tag with T clear, or
// the peer's own tag with T set.
func (a *assoc) reflectedTagOK(vtag uint32, t bool) bool {
	if t {
		return a.peerTag != 0 && vtag == a.peerTag
	}
	return vtag == a.myTag
}

// processChunks handles the chunks of p from index i on, in order, until
// one says to stop. Spec: RFC 9260 §3.2 (unknown chunk types), §6.10.
func (a *assoc) processChunks(p *wire.Packet, i int) {
	hadData := false
	for ; i < len(p.Chunks) && a.state != stateClosed; i++ {
		stop := false
		switch c := p.Chunks[i].(type) {
		case *wire.Data:
			hadData = true
			stop = a.onData(c)
		case *wire.Sack:
			stop = a.onSack(c)
		case *wire.Heartbeat:
			a.onHeartbeat(c)
		case *wire.HeartbeatAck:
			a.onHeartbeatAck(c)
		case *wire.Abort:
			a.onAbort(c)
			stop = true
		case *wire.Shutdown:
			a.onShutdown(c)
		case *wire.ShutdownAck:
			a.onShutdownAck()
			stop = true
		case *wire.ShutdownComplete:
			a.onShutdownComplete()
			stop = true
		case *wire.Error:
			a.onError(c)
		case *wire.Init:
			a.onInit(c, p)
			stop = true
		case *wire.InitAck:
			// §6.10: INIT ACK travels alone.
			if len(p.Chunks) == 1 {
				a.onInitAck(c)
			}
			stop = true
		case *wire.CookieEcho:
			// Only as the first chunk (§6.10); a later one is ignored.
			if i == 0 {
				stop = !a.onCookieEcho(c, p)
			}
		case *wire.CookieAck:
			a.onCookieAck()
		case *wire.Unknown:
			stop = a.onUnknownChunk(c)
		}
		if stop {
			break
		}
	}
	if hadData {
		a.afterDataPacket()
	}
}

// onUnknownChunk applies the chunk type's two high bits and reports whether
// to stop processing the packet. Spec: RFC 9260 §3.2.
func (a *assoc) onUnknownChunk(c *wire.Unknown) bool {
	act := c.ChunkType.Action()
	a.log.Debug("sctp: unrecognized chunk", "type", c.ChunkType, "action", act)
	if (act == wire.ActionStopReport || act == wire.ActionSkipReport) && a.peerTag != 0 {
		cause := wire.UnknownChunkCause(c)
		if len(cause.Info) > a.cfg.MTU-wire.HeaderLen-8 {
			cause.Info = cause.Info[:a.cfg.MTU-wire.HeaderLen-8] // keep the report within one packet
		}
		a.queueCtrl(&wire.Error{Causes: []wire.Cause{cause}})
	}
	return act == wire.ActionStop || act == wire.ActionStopReport
}

// onAbort ends the association. Spec: RFC 9260 §9.1.
func (a *assoc) onAbort(c *wire.Abort) {
	reason := ErrAborted
	for _, cause := range c.Causes {
		if cause.Code == wire.CauseUserInitiatedAbort && len(cause.Info) > 0 {
			reason = fmt.Errorf("%w: %s: %q", ErrAborted, cause.Code, cause.Info)
			break
		}
		reason = fmt.Errorf("%w: %s", ErrAborted, cause.Code)
	}
	a.terminate(closedErr(reason))
}

// onError handles an Operation Error. Only a Stale Cookie error changes
// state (§5.2.6); the rest are logged. Spec: RFC 9260 §3.3.10.
func (a *assoc) onError(c *wire.Error) {
	for _, cause := range c.Causes {
		a.log.Debug("sctp: peer reported error", "cause", cause.Code)
		if cause.Code == wire.CauseStaleCookie {
			a.onStaleCookie(cause)
		}
	}
}

// queueCtrl adds a control chunk to go out on the next flush, ahead of any
// SACK or DATA.
func (a *assoc) queueCtrl(c wire.Chunk) { a.ctrl = append(a.ctrl, c) }

// flush sends what is due: queued control chunks, a SACK if one must go
// now, then DATA as the windows allow, bundled into packets of at most MTU
// bytes. Spec: RFC 9260 §6.10 (bundling), §6.1.
func (a *assoc) flush() {
	if a.state == stateClosed {
		a.ctrl = a.ctrl[:0]
		return
	}
	for i, c := range a.ctrl {
		a.add(c)
		a.ctrl[i] = nil
	}
	a.ctrl = a.ctrl[:0]
	if a.rcv.ackNow {
		a.add(a.buildSack())
	}
	a.sendData()
	a.sendPacket()
}

// add appends c to the packet being built, sending that packet first if c
// does not fit.
func (a *assoc) add(c wire.Chunk) {
	n := wire.Padded(c.MarshalLen())
	if len(a.out.Chunks) > 0 && a.outLen+n > a.cfg.MTU {
		a.sendPacket()
	}
	a.out.Chunks = append(a.out.Chunks, c)
	a.outLen += n
}

// room is the bytes still free in the packet being built.
func (a *assoc) room() int { return a.cfg.MTU - a.outLen }

// sendPacket writes the packet being built, if any.
func (a *assoc) sendPacket() {
	if len(a.out.Chunks) == 0 {
		return
	}
	a.out.VerificationTag = a.peerTag
	if cap(a.wbuf) < a.outLen {
		a.wbuf = make([]byte, max(a.outLen, a.cfg.MTU))
	}
	n := a.out.MarshalTo(a.wbuf[:a.outLen])
	a.ep.write(a.wbuf[:n], a.key.peer)
	a.resetPacket()
}

func (a *assoc) resetPacket() {
	clear(a.out.Chunks)
	a.out.Chunks = a.out.Chunks[:0]
	a.outLen = wire.HeaderLen
}

// sendSingle writes one chunk alone in a packet with the given tag, as
// INIT (tag 0) needs. Spec: RFC 9260 §6.10, §8.5.1 A.
func (a *assoc) sendSingle(vtag uint32, c wire.Chunk) {
	a.sendPacket()
	p := wire.Packet{SrcPort: a.key.localPort, DstPort: a.key.peerPort, VerificationTag: vtag, Chunks: []wire.Chunk{c}}
	a.ep.write(p.Marshal(), a.key.peer)
}

// assocStats counts protocol events, for tests and diagnostics.
type assocStats struct {
	t3Expiries, fastRetransmits, retransmitted uint64 // sending side
	duplicates, windowDrops                    uint64 // receiving side
}

// timer is one protocol timer of an association. Its callback runs under
// the association's lock and is a no-op when the timer was stopped or
// re-armed meanwhile, so a stale expiry never acts.
type timer struct {
	a        *assoc
	fn       func(*assoc)
	t        *time.Timer
	deadline time.Time
	running  bool
}

// start (re)arms the timer to fire after d. Called with a.mu held.
func (t *timer) start(d time.Duration) {
	t.running = true
	t.deadline = time.Now().Add(d)
	if t.t == nil {
		t.t = time.AfterFunc(d, t.fire)
	} else {
		t.t.Reset(d)
	}
}

// stop disarms the timer. Called with a.mu held.
func (t *timer) stop() {
	t.running = false
	if t.t != nil {
		t.t.Stop()
	}
}

func (t *timer) fire() {
	a := t.a
	a.mu.Lock()
	defer a.mu.Unlock()
	if !t.running || a.state == stateClosed || time.Now().Before(t.deadline) {
		return // stopped, or re-armed: the re-armed expiry will come
	}
	t.running = false
	t.fn(a)
	a.flush()
}
