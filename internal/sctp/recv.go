package sctp

import (
	"slices"
	"sort"

	"go5g/internal/sctp/wire"
)

// Serial number arithmetic on 32-bit TSNs. Spec: RFC 9260 §1.6 (RFC 1982).
func tsnLT(a, b uint32) bool  { return int32(a-b) < 0 }
func tsnLTE(a, b uint32) bool { return int32(a-b) <= 0 }

// maxGapOffset is the farthest above the cumulative TSN a received TSN may
// be: gap ack block offsets are 16 bits. Spec: RFC 9260 §3.3.4.
const maxGapOffset = 0xFFFF

// maxDupReport bounds the duplicate TSNs kept for the next SACK.
const maxDupReport = 32

// recvState is the receiving half of an association: the TSN map,
// reassembly and per-stream ordering. Spec: RFC 9260 §6.2, §6.5, §6.6, §6.9.
type recvState struct {
	cumTSN  uint32     // Cumulative TSN Ack Point: every TSN up to it received
	ranges  []tsnRange // received TSNs above cumTSN+1, sorted, disjoint, not adjacent
	highest uint32     // highest TSN received
	dups    []uint32   // duplicates since the last SACK

	frags   map[uint32]*fragment // fragments awaiting their message's other parts, by TSN
	streams []inStream

	queue  []Message // whole messages ready for Recv
	head   int
	window int // ReceiveWindow
	held   int // bytes held: fragments, messages waiting for order, queue

	// SACK state. Spec: RFC 9260 §6.2.
	ackPending bool   // DATA received and not yet acknowledged
	ackNow     bool   // a SACK must go with the next flush
	pkts       int    // packets with DATA since the last SACK
	lastRwnd   uint32 // a_rwnd of the last SACK sent
}

type tsnRange struct{ first, last uint32 }

// fragment is one DATA chunk of a fragmented message, copied out of the
// packet buffer.
type fragment struct {
	flags  uint8
	stream uint16
	ssn    uint16
	ppid   uint32
	data   []byte
}

// inStream orders one inbound stream: next is the SSN to deliver next,
// waiting holds later ordered messages that arrived first.
type inStream struct {
	next    uint16
	waiting map[uint16]Message
}

func (r *recvState) init(peerTSN uint32, streams uint16, window int) {
	queue := r.queue[r.head:] // messages already delivered survive a restart (§5.2.4 A)
	held := 0
	for _, m := range queue {
		held += len(m.Data)
	}
	*r = recvState{
		cumTSN:   peerTSN - 1,
		highest:  peerTSN - 1,
		streams:  make([]inStream, streams),
		queue:    queue,
		window:   window,
		held:     held,
		lastRwnd: uint32(max(window-held, 0)),
	}
}

// rwnd is the receive window to advertise. Spec: RFC 9260 §6.2.
func (r *recvState) rwnd() uint32 { return uint32(max(r.window-r.held, 0)) }

// maxGapRanges bounds the disjoint ranges of TSNs received above the
// cumulative TSN: a SACK reports at most a few hundred gap blocks anyway,
// and a peer sending every other TSN must not cost quadratic time.
const maxGapRanges = 512

// rangeAt returns the index of the first range that ends at or after tsn.
func (r *recvState) rangeAt(tsn uint32) int {
	return sort.Search(len(r.ranges), func(i int) bool { return tsnLTE(tsn, r.ranges[i].last) })
}

// received reports whether tsn was received already.
func (r *recvState) received(tsn uint32) bool {
	if tsnLTE(tsn, r.cumTSN) {
		return true
	}
	i := r.rangeAt(tsn)
	return i < len(r.ranges) && tsnLTE(r.ranges[i].first, tsn)
}

// mark records tsn (not yet received) as received and advances the
// cumulative TSN over what has become contiguous. It refuses, returning
// false, a TSN that would open more than maxGapRanges ranges.
func (r *recvState) mark(tsn uint32) bool {
	if tsn == r.cumTSN+1 {
		r.cumTSN = tsn
		if len(r.ranges) > 0 && r.ranges[0].first == r.cumTSN+1 {
			r.cumTSN = r.ranges[0].last
			r.ranges = slices.Delete(r.ranges, 0, 1)
		}
	} else {
		// ranges[i] is the first range ending at or after tsn; tsn is not in it.
		i := r.rangeAt(tsn)
		joinPrev := i > 0 && r.ranges[i-1].last+1 == tsn
		joinNext := i < len(r.ranges) && r.ranges[i].first == tsn+1
		switch {
		case joinPrev && joinNext:
			r.ranges[i-1].last = r.ranges[i].last
			r.ranges = slices.Delete(r.ranges, i, i+1)
		case joinPrev:
			r.ranges[i-1].last = tsn
		case joinNext:
			r.ranges[i].first = tsn
		case len(r.ranges) >= maxGapRanges:
			return false
		default:
			r.ranges = slices.Insert(r.ranges, i, tsnRange{tsn, tsn})
		}
	}
	if tsnLT(r.highest, tsn) {
		r.highest = tsn
	}
	return true
}

// onData receives one DATA chunk and reports whether to stop processing
// the packet. Spec: RFC 9260 §6.2, §6.5, §6.9.
func (a *assoc) onData(d *wire.Data) bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownSent, stateShutdownReceived, stateShutdownAckSent:
	default:
		return false // DATA before the association is up is discarded
	}
	r := &a.rcv
	if len(d.UserData) == 0 {
		// §6.2: "If an endpoint receives a DATA chunk with no user data
		// ..., it MUST send an ABORT with a 'No User Data' error cause."
		a.abortWith(wire.NoUserDataCause(d.TSN), "DATA chunk without user data")
		return true
	}
	r.ackPending = true
	if d.Flags&wire.FlagImmediate != 0 {
		r.ackNow = true // I bit. Spec: RFC 9260 §3.3.1.
	}
	if r.received(d.TSN) {
		// §6.2: duplicates are reported and acknowledged at once.
		a.stats.duplicates++
		if len(r.dups) < maxDupReport {
			r.dups = append(r.dups, d.TSN)
		}
		r.ackNow = true
		return false
	}
	if d.TSN-r.cumTSN > maxGapOffset {
		r.ackNow = true // cannot be reported in a gap block: drop, the sender retransmits
		return false
	}
	if (r.held >= r.window && tsnLT(r.highest, d.TSN)) || (r.held+len(d.UserData) > 2*r.window && d.TSN != r.cumTSN+1) {
		// §6.2: with no window left, drop DATA beyond the highest TSN
		// received; the SACK tells the sender the window. Past twice the
		// window (a sender ignoring it) keep only the next in sequence,
		// which lets messages out.
		a.stats.windowDrops++
		r.ackNow = true
		return false
	}
	hadGaps := len(r.ranges) > 0
	if !r.mark(d.TSN) {
		r.ackNow = true // too fragmented a TSN space: dropped, to be resent
		return false
	}
	if hadGaps || len(r.ranges) > 0 {
		// §6.7: SACK at once while gaps exist or when one is filled.
		r.ackNow = true
	}
	if d.StreamID >= a.inStreams {
		// §6.5: acknowledge, do not deliver, report Invalid Stream Identifier.
		a.queueCtrl(&wire.Error{Causes: []wire.Cause{wire.InvalidStreamCause(d.StreamID)}})
		return false
	}
	if d.Flags&(wire.FlagBegin|wire.FlagEnd) == wire.FlagBegin|wire.FlagEnd {
		a.deliver(Message{
			Stream:    d.StreamID,
			PPID:      d.PPID,
			Unordered: d.Flags&wire.FlagUnordered != 0,
			Data:      slices.Clone(d.UserData),
		}, d.SSN)
		return false
	}
	if r.frags == nil {
		r.frags = make(map[uint32]*fragment)
	}
	r.frags[d.TSN] = &fragment{flags: d.Flags, stream: d.StreamID, ssn: d.SSN, ppid: d.PPID, data: slices.Clone(d.UserData)}
	r.held += len(d.UserData)
	a.reassemble(d.TSN)
	return false
}

// maxFragments bounds the walk over a message's fragments, so a peer
// sending endless middle fragments costs bounded time per chunk. At the
// default MTU it allows messages of 4.5 MiB, beyond the default window.
const maxFragments = 4096

// sameMessage reports whether two fragments can belong to one message.
func sameMessage(f, g *fragment) bool {
	return f.stream == g.stream && f.flags&wire.FlagUnordered == g.flags&wire.FlagUnordered &&
		(f.flags&wire.FlagUnordered != 0 || f.ssn == g.ssn)
}

// reassemble delivers the message the fragment at tsn belongs to, if every
// fragment from its B to its E bit is here; the fragments of a message
// carry consecutive TSNs. Spec: RFC 9260 §6.9.
func (a *assoc) reassemble(tsn uint32) {
	r := &a.rcv
	f := r.frags[tsn]
	first := tsn
	for g := f; g.flags&wire.FlagBegin == 0; {
		p, ok := r.frags[first-1]
		if !ok || !sameMessage(p, f) || p.flags&wire.FlagEnd != 0 || tsn-first >= maxFragments {
			return
		}
		first--
		g = p
	}
	last := tsn
	for g := f; g.flags&wire.FlagEnd == 0; {
		n, ok := r.frags[last+1]
		if !ok || !sameMessage(n, f) || n.flags&wire.FlagBegin != 0 || last-first >= maxFragments {
			return
		}
		last++
		g = n
	}
	size := 0
	for t := first; ; t++ {
		size += len(r.frags[t].data)
		if t == last {
			break
		}
	}
	data := make([]byte, 0, size)
	for t := first; ; t++ {
		data = append(data, r.frags[t].data...)
		delete(r.frags, t)
		if t == last {
			break
		}
	}
	r.held -= size
	a.deliver(Message{Stream: f.stream, PPID: f.ppid, Unordered: f.flags&wire.FlagUnordered != 0, Data: data}, f.ssn)
}

// deliver queues a whole message for Recv: unordered at once, ordered in
// SSN order per stream. Spec: RFC 9260 §6.5, §6.6.
func (a *assoc) deliver(m Message, ssn uint16) {
	r := &a.rcv
	r.held += len(m.Data)
	if m.Unordered {
		r.push(m)
		a.wakeRecv()
		return
	}
	st := &r.streams[m.Stream]
	switch d := int16(ssn - st.next); {
	case d == 0:
		r.push(m)
		st.next++
		for {
			w, ok := st.waiting[st.next]
			if !ok {
				break
			}
			delete(st.waiting, st.next)
			r.push(w)
			st.next++
		}
		a.wakeRecv()
	case d > 0:
		if st.waiting == nil {
			st.waiting = make(map[uint16]Message)
		}
		if _, dup := st.waiting[ssn]; dup {
			r.held -= len(m.Data)
			return
		}
		st.waiting[ssn] = m
	default:
		r.held -= len(m.Data) // an SSN already delivered: the peer reused it
	}
}

func (r *recvState) push(m Message) { r.queue = append(r.queue, m) }

// pop takes the next message for Recv.
func (r *recvState) pop() (Message, bool) {
	if r.head == len(r.queue) {
		return Message{}, false
	}
	m := r.queue[r.head]
	r.queue[r.head] = Message{}
	r.head++
	if r.head == len(r.queue) {
		r.queue, r.head = r.queue[:0], 0
	} else if r.head > 64 && r.head > len(r.queue)/2 {
		n := copy(r.queue, r.queue[r.head:])
		clear(r.queue[n:])
		r.queue, r.head = r.queue[:n], 0
	}
	r.held -= len(m.Data)
	return m, true
}

// afterRead sends a window update when reading opened the window enough
// that the peer may be waiting for it. Spec: RFC 9260 §6.2 (silly window
// syndrome avoidance: update by at least one MTU or half the buffer).
func (a *assoc) afterRead() {
	if a.state == stateClosed || a.peerTag == 0 {
		return
	}
	r := &a.rcv
	step := min(max(r.window/4, a.cfg.MTU), r.window/2)
	if int(r.rwnd())-int(r.lastRwnd) >= step {
		r.ackNow = true
		a.flush()
	}
}

// afterDataPacket applies the delayed SACK rules once a packet's DATA
// chunks are processed. Spec: RFC 9260 §6.2 (every second packet, within
// 200 ms; at once on gaps and duplicates), §9.2 (SHUTDOWN-SENT).
func (a *assoc) afterDataPacket() {
	r := &a.rcv
	if a.state == stateClosed || !r.ackPending {
		return
	}
	if a.state == stateShutdownSent {
		// §9.2: the SHUTDOWN sender answers each packet with DATA by a
		// SHUTDOWN and restarts T2.
		a.queueCtrl(&wire.Shutdown{CumTSNAck: r.cumTSN})
		a.t2.start(a.rto)
		r.ackNow = true
		return
	}
	r.pkts++
	if r.pkts >= 2 {
		r.ackNow = true
	}
	if !r.ackNow && !a.tSack.running {
		a.tSack.start(a.cfg.DelayedAckTime)
	}
}

func (a *assoc) onSackTimer() {
	if a.rcv.ackPending {
		a.rcv.ackNow = true
	}
}

// buildSack returns the SACK to send now and resets the delayed ack state.
// The chunk is reused: it must be marshalled before the next buildSack.
// Spec: RFC 9260 §6.2, §3.3.4.
func (a *assoc) buildSack() *wire.Sack {
	r := &a.rcv
	s := &a.sack
	s.CumTSNAck = r.cumTSN
	s.ARwnd = r.rwnd()
	s.DupTSNs = append(s.DupTSNs[:0], r.dups...)
	r.dups = r.dups[:0]
	maxGaps := (a.cfg.MTU - wire.HeaderLen - 16 - 4*len(s.DupTSNs)) / 4
	s.Gaps = s.Gaps[:0]
	for _, g := range r.ranges {
		if len(s.Gaps) == maxGaps {
			break
		}
		s.Gaps = append(s.Gaps, wire.GapBlock{Start: uint16(g.first - r.cumTSN), End: uint16(g.last - r.cumTSN)})
	}
	r.lastRwnd = s.ARwnd
	r.ackPending, r.ackNow, r.pkts = false, false, 0
	a.tSack.stop()
	return s
}
