package sctp

import (
	"slices"
	"time"

	"go5g/internal/sctp/wire"
)

// outChunk is one DATA chunk of the send queue.
type outChunk struct {
	data     wire.Data // TSN set on first transmission
	sentAt   time.Time
	sends    int  // transmissions so far
	acked    bool // acknowledged by a Gap Ack Block (not yet by the cumulative TSN)
	rtx      bool // marked for retransmission
	fast     bool // marked by fast retransmit, not yet resent
	fastDone bool // fast retransmitted once already: never again (§7.2.4)
	miss     int  // miss indications. Spec: RFC 9260 §7.2.4.
	flying   bool // counted in the flight size
}

func (c *outChunk) size() int { return len(c.data.UserData) }

// sendState is the sending half of an association: TSN and SSN assignment,
// the retransmission queue, and congestion and flow control.
// Spec: RFC 9260 §6.1, §6.2.1, §6.3, §7.
type sendState struct {
	pending  []*outChunk // queued, never sent
	inflight []*outChunk // sent, above the Cumulative TSN Ack Point, in TSN order
	nextTSN  uint32
	cumAck   uint32   // Cumulative TSN Ack Point of the peer's SACKs
	ssn      []uint16 // next SSN per outbound stream

	queued   int // bytes in pending and inflight: the send buffer's fill
	flight   int // flightsize: bytes sent, not acknowledged, not marked for retransmission
	unacked  int // bytes in inflight not acknowledged by a gap block (outstanding for rwnd)
	rtxCount int // chunks marked for retransmission

	rwnd     uint32 // the peer's receive window, as last known
	zeroWin  bool   // the last SACK advertised no window: probes are not errors (§6.1 A)
	mtu      int
	cwnd     int
	ssthresh int
	pba      int // partial_bytes_acked

	fastRecovery bool
	recoverTSN   uint32 // Fast Recovery exit point
	fastPending  bool   // chunks marked for fast retransmit, not yet sent

	t3Burst  bool      // T3-rtx expired: retransmit one packet's worth (§6.3.3 E3)
	lastSent time.Time // last DATA transmission, for the idle cwnd decay

	rttActive bool // one RTT measurement per round trip (§6.3.1 C4)
	rttTSN    uint32
	rttStart  time.Time
}

// init sets up the send side for a new (or restarted) association.
// Spec: RFC 9260 §7.2.1 (initial cwnd and ssthresh).
func (s *sendState) init(myTSN, peerRwnd uint32, streams uint16, mtu int) {
	*s = sendState{
		nextTSN:  myTSN,
		cumAck:   myTSN - 1,
		ssn:      make([]uint16, streams),
		rwnd:     peerRwnd,
		mtu:      mtu,
		cwnd:     min(4*mtu, max(2*mtu, 4380)),
		ssthresh: int(peerRwnd),
	}
}

// release drops every queued chunk; the association has ended or restarted.
func (s *sendState) release() {
	clear(s.pending)
	clear(s.inflight)
	s.pending, s.inflight = s.pending[:0], s.inflight[:0]
	s.queued, s.flight, s.unacked, s.rtxCount = 0, 0, 0, 0
	s.fastPending = false
}

// maxPayload is the largest user data of a DATA chunk in one packet.
func (a *assoc) maxPayload() int { return a.cfg.MTU - wire.HeaderLen - 16 }

// enqueue copies m into the send queue, fragmented to fit the path MTU,
// with the stream's next SSN for an ordered message.
// Spec: RFC 9260 §6.5 (SSN), §6.6 (unordered), §6.9 (fragmentation).
func (a *assoc) enqueue(m Message) {
	s := &a.snd
	data := slices.Clone(m.Data)
	frag := a.maxPayload()
	n := (len(data) + frag - 1) / frag
	cs := make([]outChunk, n)
	var flags uint8
	var ssn uint16
	if m.Unordered {
		flags = wire.FlagUnordered
	} else {
		ssn = s.ssn[m.Stream]
		s.ssn[m.Stream]++
	}
	for i := range cs {
		f := flags
		if i == 0 {
			f |= wire.FlagBegin
		}
		if i == n-1 {
			f |= wire.FlagEnd
		}
		cs[i].data = wire.Data{Flags: f, StreamID: m.Stream, SSN: ssn, PPID: m.PPID, UserData: data[i*frag : min((i+1)*frag, len(data))]}
		s.pending = append(s.pending, &cs[i])
	}
	s.queued += len(data)
}

// sendData transmits DATA as the rules allow: chunks marked for fast
// retransmit first (one packet, whatever cwnd), then other retransmissions,
// then new data within cwnd, the peer's rwnd and Max.Burst.
// Spec: RFC 9260 §6.1, §7.2.4 step 3, §6.3.3 E3.
func (a *assoc) sendData() {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownReceived:
	default:
		return
	}
	s := &a.snd
	now := time.Now()
	if s.fastPending {
		s.fastPending = false
		a.retransmitOnePacket(now, func(c *outChunk) bool { return c.fast })
	}
	if s.t3Burst {
		// The rest waits for cwnd to open, normally a SACK.
		s.t3Burst = false
		a.retransmitOnePacket(now, func(*outChunk) bool { return true })
		return
	}
	if s.rtxCount > 0 {
		for _, c := range s.inflight {
			if s.flight >= s.cwnd {
				return
			}
			if c.rtx {
				a.transmit(c, now)
			}
		}
	}
	budget := a.cfg.MaxBurst * a.cfg.MTU
	for len(s.pending) > 0 && budget > 0 {
		c := s.pending[0]
		if s.flight >= s.cwnd {
			break
		}
		// §6.1 A: no new data beyond the peer's window, except one chunk
		// when nothing is outstanding, to probe a closed window.
		if s.unacked > 0 && int(s.rwnd) < c.size() {
			break
		}
		s.pending[0] = nil
		s.pending = s.pending[1:]
		c.data.TSN = s.nextTSN
		s.nextTSN++
		s.inflight = append(s.inflight, c)
		s.unacked += c.size()
		if !s.rttActive {
			s.rttActive, s.rttTSN, s.rttStart = true, c.data.TSN, now
		}
		budget -= wire.Padded(c.data.MarshalLen())
		a.transmit(c, now)
	}
}

// retransmitOnePacket sends the earliest chunks marked for retransmission
// that match and fit into one packet, regardless of cwnd. When that
// includes the lowest outstanding TSN, T3-rtx restarts.
// Spec: RFC 9260 §7.2.4 steps 3-4, §6.3.3 E3.
func (a *assoc) retransmitOnePacket(now time.Time, match func(*outChunk) bool) {
	s := &a.snd
	full := false
	for i, c := range s.inflight {
		if !c.rtx || !match(c) {
			continue
		}
		n := wire.Padded(c.data.MarshalLen())
		if n > a.room() {
			if full {
				break
			}
			a.sendPacket()
		}
		full = true
		a.transmit(c, now)
		if i == 0 {
			a.t3.start(a.rto)
		}
		if a.room() < wire.Padded(16+1) {
			break
		}
	}
}

// transmit adds one DATA chunk (new or retransmitted) to the packet being
// built, piggybacking a pending SACK. Spec: RFC 9260 §6.1 B, §6.3.2 R1,
// §6.3.1 C5 (Karn).
func (a *assoc) transmit(c *outChunk, now time.Time) {
	s := &a.snd
	if a.rcv.ackPending {
		a.add(a.buildSack())
	}
	a.add(&c.data)
	if c.rtx {
		c.rtx = false
		s.rtxCount--
		a.stats.retransmitted++
	}
	c.fast = false
	c.sends++
	c.sentAt = now
	s.lastSent = now
	if c.sends > 1 && s.rttActive && s.rttTSN == c.data.TSN {
		s.rttActive = false
	}
	if !c.flying {
		c.flying = true
		s.flight += c.size()
	}
	s.rwnd = uint32(max(int(s.rwnd)-c.size(), 0))
	if !a.t3.running {
		a.t3.start(a.rto)
	}
}

// markRtx marks c for retransmission and takes it out of the flight size.
func (s *sendState) markRtx(c *outChunk) {
	if c.rtx || c.acked {
		return
	}
	c.rtx = true
	s.rtxCount++
	if c.flying {
		c.flying = false
		s.flight -= c.size()
	}
}

// onSack processes a SACK and reports whether to stop processing the
// packet. Spec: RFC 9260 §6.2.1, §6.3.2, §7.2.1-§7.2.4.
func (a *assoc) onSack(sk *wire.Sack) bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownSent, stateShutdownReceived:
	default:
		return false
	}
	s := &a.snd
	cum := sk.CumTSNAck
	if tsnLT(cum, s.cumAck) {
		return false // §6.2.1 D i: an out-of-order SACK
	}
	if !tsnLT(cum, s.nextTSN) {
		a.abortWith(wire.ProtocolViolationCause([]byte("SACK acknowledges a TSN not yet sent")), "SACK beyond the highest TSN sent")
		return true
	}
	now := time.Now()
	flightBefore := s.flight
	cumAdvanced := tsnLT(s.cumAck, cum)
	acked, freed := 0, 0
	var htna uint32 // highest TSN newly acknowledged
	newly := false

	n := 0
	for n < len(s.inflight) && tsnLTE(s.inflight[n].data.TSN, cum) {
		c := s.inflight[n]
		if !c.acked {
			acked += c.size()
			htna, newly = c.data.TSN, true
			s.unacked -= c.size()
		}
		a.chunkAcked(c, now)
		freed += c.size()
		n++
	}
	clear(s.inflight[:n])
	s.inflight = s.inflight[n:]
	s.cumAck = cum

	// Gap Ack Blocks, as offsets from the cumulative TSN, in order.
	var highestGap uint32
	gapSeen := false
	gi := 0
	for _, c := range s.inflight {
		off := c.data.TSN - cum
		for gi < len(sk.Gaps) && uint32(sk.Gaps[gi].End) < off {
			gi++
		}
		in := gi < len(sk.Gaps) && uint32(sk.Gaps[gi].Start) <= off && off <= uint32(sk.Gaps[gi].End)
		switch {
		case in && !c.acked:
			a.chunkAcked(c, now)
			c.acked = true
			acked += c.size()
			htna, newly = c.data.TSN, true
			s.unacked -= c.size()
		case !in && c.acked:
			// The peer reneged: the chunk is outstanding again and T3
			// must run. Spec: RFC 9260 §6.2.1, §6.3.2 R4.
			c.acked = false
			s.unacked += c.size()
			c.flying = true
			s.flight += c.size()
			if !a.t3.running {
				a.t3.start(a.rto)
			}
		}
		if in {
			highestGap, gapSeen = c.data.TSN, true
		}
	}

	// Miss indications and fast retransmit. Spec: RFC 9260 §7.2.4.
	limit, count := htna, newly
	if s.fastRecovery && cumAdvanced {
		limit, count = highestGap, gapSeen
	}
	marked := false
	if count {
		for _, c := range s.inflight {
			if !tsnLT(c.data.TSN, limit) {
				break
			}
			if c.acked || c.fastDone {
				continue
			}
			c.miss++
			if c.miss >= 3 {
				c.fastDone, c.fast = true, true
				s.markRtx(c)
				marked = true
			}
		}
	}
	if s.fastRecovery && !tsnLT(cum, s.recoverTSN) {
		s.fastRecovery = false
	}
	mtu := s.mtu
	switch {
	case marked:
		if !s.fastRecovery {
			// §7.2.3: halve on loss, enter Fast Recovery.
			s.ssthresh = max(s.cwnd/2, 4*mtu)
			s.cwnd = s.ssthresh
			s.pba = 0
			s.fastRecovery = true
			s.recoverTSN = s.nextTSN - 1
		}
		s.fastPending = true
		a.stats.fastRetransmits++
		a.log.Debug("sctp: fast retransmit", "cwnd", s.cwnd, "ssthresh", s.ssthresh)
	case cumAdvanced && !s.fastRecovery && flightBefore >= s.cwnd:
		if s.cwnd <= s.ssthresh {
			s.cwnd += min(acked, mtu) // §7.2.1 slow start
		} else {
			s.pba += acked // §7.2.2 congestion avoidance
			if s.pba >= s.cwnd {
				s.pba -= s.cwnd
				s.cwnd += mtu
			}
		}
	}
	if s.flight == 0 && len(s.pending) == 0 {
		s.pba = 0
	}

	// §6.2.1 D ii: the window is the advertised one less what is outstanding.
	s.rwnd = uint32(max(int(sk.ARwnd)-s.unacked, 0))
	if s.zeroWin && sk.ARwnd > 0 && !cumAdvanced && len(s.inflight) > 0 {
		// The window reopened without acknowledging the zero window
		// probe, which the peer may have dropped: resend it now rather
		// than at a T3-rtx backed off while probing.
		s.markRtx(s.inflight[0])
	}
	s.zeroWin = sk.ARwnd == 0
	if acked > 0 {
		// §8.1, §8.2: an acknowledgement of new data clears the error counters.
		a.errCount, a.pathErrCount = 0, 0
		a.setPathActive()
	}

	// T3-rtx rules R2 and R3. Spec: RFC 9260 §6.3.2.
	switch {
	case s.unacked == 0:
		a.t3.stop()
	case cumAdvanced:
		a.t3.start(a.rto)
	case !a.t3.running:
		a.t3.start(a.rto)
	}
	if freed > 0 {
		s.queued -= freed
		a.wakeSend()
	}
	a.maybeShutdown()
	return false
}

// chunkAcked does the bookkeeping of a chunk newly acknowledged, by the
// cumulative TSN or a gap block: flight size and the RTT measurement.
// Spec: RFC 9260 §6.3.1 C5 (only chunks sent once are measured).
func (a *assoc) chunkAcked(c *outChunk, now time.Time) {
	s := &a.snd
	if c.flying {
		c.flying = false
		s.flight -= c.size()
	}
	if c.rtx {
		c.rtx = false
		s.rtxCount--
	}
	if s.rttActive && s.rttTSN == c.data.TSN {
		s.rttActive = false
		if c.sends == 1 {
			a.updateRTT(now.Sub(c.sentAt))
		}
	}
}

// onT3 handles the expiry of T3-rtx. Spec: RFC 9260 §6.3.3 E1-E3, §7.2.3.
func (a *assoc) onT3() {
	s := &a.snd
	if s.unacked == 0 {
		return
	}
	if !s.zeroWin {
		if a.countError("T3-rtx") {
			return
		}
	}
	mtu := s.mtu
	s.ssthresh = max(s.cwnd/2, 4*mtu)
	s.cwnd = mtu
	s.pba = 0
	s.fastRecovery = false
	a.rto = min(2*a.rto, a.cfg.RTOMax)
	for _, c := range s.inflight {
		s.markRtx(c)
	}
	s.rttActive = false
	s.t3Burst = true
	a.stats.t3Expiries++
	a.log.Debug("sctp: T3-rtx expired", "rto", a.rto, "outstanding", s.unacked)
}

// updateRTT folds a round-trip measurement into SRTT, RTTVAR and RTO.
// Spec: RFC 9260 §6.3.1 (alpha 1/8, beta 1/4, RTO clamped to RTO.Min..RTO.Max).
func (a *assoc) updateRTT(r time.Duration) {
	if !a.rttMeasured {
		a.srtt, a.rttvar, a.rttMeasured = r, r/2, true
	} else {
		d := a.srtt - r
		if d < 0 {
			d = -d
		}
		a.rttvar = (3*a.rttvar + d) / 4
		a.srtt = (7*a.srtt + r) / 8
	}
	const granularity = time.Millisecond
	a.rto = min(max(a.srtt+max(4*a.rttvar, granularity), a.cfg.RTOMin), a.cfg.RTOMax)
}
