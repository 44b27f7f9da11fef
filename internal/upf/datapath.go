package upf

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"

	"go5g/internal/n3"
)

// DropCause says why a packet was dropped.
type DropCause int

const (
	DropMalformed   DropCause = iota // GTP-U that did not parse
	DropUnknownTEID                  // G-PDU for no session (Error Indication sent)
	DropSignalling                   // GTP-U other than G-PDU and Echo Request
	DropBadInner                     // T-PDU or N6 packet that is not IPv4/IPv6
	DropNoSession                    // N6 packet for no UE address
	DropNoPDR                        // no PDR matched
	DropGate                         // QER gate closed
	DropMBR                          // above the QER's MBR
	DropFAR                          // FAR says DROP
	DropBufferFull                   // BUFF beyond the buffer limits
	DropNoTunnel                     // FORW to access without outer header creation
	DropIO                           // socket or device write failed
	numDrops
)

var dropNames = [numDrops]string{"malformed", "unknown_teid", "signalling", "bad_inner", "no_session", "no_pdr",
	"gate", "mbr", "far_drop", "buffer_full", "no_tunnel", "io"}

func (c DropCause) String() string {
	if c >= 0 && c < numDrops {
		return dropNames[c]
	}
	return "unknown"
}

// Counters are packet and octet counts (octets of the inner IP packet).
type Counters struct {
	ULPackets, ULBytes atomic.Uint64
	DLPackets, DLBytes atomic.Uint64
	Buffered           atomic.Uint64
	Drops              [numDrops]atomic.Uint64
}

// Snapshot is a plain copy of Counters.
type Snapshot struct {
	ULPackets, ULBytes, DLPackets, DLBytes, Buffered uint64
	Drops                                            map[string]uint64
}

func (c *Counters) add(s *Snapshot) {
	s.ULPackets += c.ULPackets.Load()
	s.ULBytes += c.ULBytes.Load()
	s.DLPackets += c.DLPackets.Load()
	s.DLBytes += c.DLBytes.Load()
	s.Buffered += c.Buffered.Load()
	if s.Drops == nil {
		s.Drops = map[string]uint64{}
	}
	for i := range c.Drops {
		if v := c.Drops[i].Load(); v != 0 {
			s.Drops[DropCause(i).String()] += v
		}
	}
}

// Snapshot returns the session's counters.
func (s *Session) Snapshot() Snapshot { var x Snapshot; s.Stats.add(&x); return x }

// Headroom is what the downlink buffer keeps in front of the IP packet
// for the GTP-U header: 8 mandatory + 4 optional octets + a 4-octet DL PDU
// Session Container, rounded up.
const Headroom = 32

// Worker owns one core's share of the packet path: its N3 socket, its N6
// queue and its scratch state. Counters are per worker so that workers do
// not share cache lines; UPF.Stats sums them.
//
// Uplink is called by one goroutine at a time (the uplink loop), and so
// is Downlink (the downlink loop): the packet and octet counts of each
// direction have that one writer and are bumped with a plain load and
// store (owned), not a locked read-modify-write, which on the packet path
// cost as much as the rest of the rule work. Stats holds what other
// goroutines count (Release, drops) with atomic adds.
type Worker struct {
	u     *UPF
	conn  *n3.Conn
	dev   Device
	pkt   n3.Packet
	hdr   n3.Header
	reply []byte
	Stats Counters

	ul, dl owned // the uplink loop's, the downlink loop's

	// Router Advertisements answering uplink Router Solicitations (the
	// uplink loop's; hdr belongs to the downlink loop).
	raHdr n3.Header
	ra    [Headroom + raLen]byte

	txMu sync.Mutex // conn writes: the DL loop and buffer release
	tx   [1]n3.Message
}

// NewWorker returns a worker of u over conn (N3) and dev (N6). Either
// may be nil for tests that call Uplink and Downlink directly.
func (u *UPF) NewWorker(conn *n3.Conn, dev Device) *Worker {
	w := &Worker{u: u, conn: conn, dev: dev, reply: make([]byte, 256)}
	u.wmu.Lock()
	u.workers = append(u.workers, w)
	u.wmu.Unlock()
	return w
}

// owned are counters with a single writer goroutine: the writer adds
// with a plain load and store; readers load atomically and see whole
// values. Padded to their own cache lines: the two loops of a worker run
// on different cores.
type owned struct {
	_               [64]byte
	packets, octets atomic.Uint64
	_               [48]byte
}

func (o *owned) add(n int) {
	o.packets.Store(o.packets.Load() + 1)
	o.octets.Store(o.octets.Load() + uint64(n))
}

// ulPackets and dlPackets are the worker's forwarded packet counts.
func (w *Worker) ulPackets() uint64 { return w.ul.packets.Load() + w.Stats.ULPackets.Load() }
func (w *Worker) dlPackets() uint64 { return w.dl.packets.Load() + w.Stats.DLPackets.Load() }

// Stats sums the workers' counters.
func (u *UPF) Stats() Snapshot {
	var s Snapshot
	u.wmu.Lock()
	defer u.wmu.Unlock()
	for _, w := range u.workers {
		w.Stats.add(&s)
		s.ULPackets += w.ul.packets.Load()
		s.ULBytes += w.ul.octets.Load()
		s.DLPackets += w.dl.packets.Load()
		s.DLBytes += w.dl.octets.Load()
	}
	if s.Drops == nil {
		s.Drops = map[string]uint64{}
	}
	return s
}

func (w *Worker) drop(s *Session, c DropCause) {
	w.Stats.Drops[c].Add(1)
	if s != nil {
		s.Stats.Drops[c].Add(1)
	}
}

// Uplink processes one datagram received on N3 from peer at time now
// (ns). It returns the inner IP packet to write to N6 (aliasing b), or a
// reply to send back to reply's address (Echo Response, Error
// Indication), or neither when the packet was consumed or dropped. It
// does not allocate.
//
// Spec: TS 29.244 §5.2.1 (PDR lookup), TS 29.281 §5.1, §7.2.2, §7.3.1
func (w *Worker) Uplink(b []byte, peer netip.AddrPort, now int64) (inner, reply []byte, replyTo netip.AddrPort) {
	p := &w.pkt
	if err := p.Parse(b); err != nil {
		w.drop(nil, DropMalformed)
		if err == n3.ErrUnsupportedExtension {
			// Spec: TS 29.281 §5.2.1: an extension header that needs
			// comprehension and is not supported: discard the packet
			// and send a Supported Extension Headers Notification.
			if n, err := w.u.resp.SupportedExtensionHeaders(w.reply, timeOf(now), &p.Header); err == nil {
				return nil, w.reply[:n], peer
			}
		}
		return nil, nil, replyTo
	}
	switch p.Type {
	case n3.TypeGPDU:
	case n3.TypeEchoRequest:
		n, err := w.u.resp.EchoResponse(w.reply, &p.Header)
		if err != nil {
			w.drop(nil, DropMalformed)
			return nil, nil, replyTo
		}
		return nil, w.reply[:n], peer
	default:
		// Error Indication, End Marker and responses are not user data;
		// Error Indications from a gNB would be reported to the SMF
		// (TS 29.244 §5.2.4.2), which this UPF does not do yet.
		w.drop(nil, DropSignalling)
		return nil, nil, replyTo
	}
	s := w.u.ul.get(p.TEID)
	if s == nil {
		w.drop(nil, DropUnknownTEID)
		n, err := w.u.resp.ErrorIndication(w.reply, timeOf(now), &p.Header, w.u.cfg.N3Addr, peer.Port())
		if err != nil {
			return nil, nil, replyTo
		}
		return nil, w.reply[:n], netip.AddrPortFrom(peer.Addr(), n3.Port)
	}
	rs := s.rules.Load()
	if rs == nil { // a TEID reserved by an establishment still running
		w.drop(s, DropNoPDR)
		return nil, nil, replyTo
	}
	if sol, ok := isRS(p.Payload); ok {
		// Spec: TS 29.061 §11.2.1.3.2: the network answers the UE's
		// Router Solicitations; they do not leave towards N6.
		if out, to, ok := w.answerRS(s, rs, sol); ok {
			return nil, out, to
		}
		w.drop(s, DropNoTunnel)
		return nil, nil, replyTo
	}
	var qfi uint8
	if psc := p.PDUSession(); psc != nil {
		qfi = psc.QFI
	}
	f, ok := parseFlow(p.Payload)
	if !ok {
		w.drop(s, DropBadInner)
		return nil, nil, replyTo
	}
	pdr := match(rs.ul, p.TEID, qfi, &f, true)
	if pdr == nil {
		w.drop(s, DropNoPDR)
		return nil, nil, replyTo
	}
	size := len(p.Payload)
	for _, q := range pdr.qers {
		if q.GateULClosed {
			w.drop(s, DropGate)
			return nil, nil, replyTo
		}
		if q.ul != nil && !q.ul.take(now, size) {
			w.drop(s, DropMBR)
			return nil, nil, replyTo
		}
	}
	far := pdr.far
	if far.Action&ActForw == 0 {
		// UL buffering is not used in 5GC; BUFF and DROP both drop here.
		w.drop(s, DropFAR)
		return nil, nil, replyTo
	}
	w.count(s, pdr, now, size, true, true)
	return p.Payload, nil, replyTo
}

// count counts a forwarded packet for the worker, the session and the
// PDR's URRs. own says the caller is the direction's loop (see Worker);
// the session's and URRs' counters are shared by workers: atomic adds.
func (w *Worker) count(s *Session, pdr *cpdr, now int64, size int, ul, own bool) {
	switch {
	case ul && own:
		w.ul.add(size)
	case own:
		w.dl.add(size)
	case ul:
		w.Stats.ULPackets.Add(1)
		w.Stats.ULBytes.Add(uint64(size))
	default:
		w.Stats.DLPackets.Add(1)
		w.Stats.DLBytes.Add(uint64(size))
	}
	if ul {
		s.Stats.ULPackets.Add(1)
		s.Stats.ULBytes.Add(uint64(size))
	} else {
		s.Stats.DLPackets.Add(1)
		s.Stats.DLBytes.Add(uint64(size))
	}
	for _, r := range pdr.urrs {
		if r.add(now, size, ul) {
			w.u.queueReport(reportEvent{s: s, urr: r, why: UsageVolumeThreshold, when: now})
		}
	}
}

// Downlink processes one IP packet read from N6 into buf[Headroom:
// Headroom+n]. For FORW it writes the GTP-U header in front of the packet
// and returns the datagram (aliasing buf) and the gNB's address; a BUFF
// FAR keeps a copy; otherwise it returns nothing. It does not allocate
// except when buffering.
//
// Spec: TS 29.244 §5.2.1, §5.2.3.1; TS 29.281 §5.2.2.7; TS 38.415 §5.5.2.1
func (w *Worker) Downlink(buf []byte, n int, now int64) (out []byte, to netip.AddrPort) {
	ip := buf[Headroom : Headroom+n]
	f, ok := parseFlow(ip)
	if !ok {
		w.drop(nil, DropBadInner)
		return nil, to
	}
	s := w.u.dl.get(ueKey(f.dst))
	if s == nil {
		w.drop(nil, DropNoSession)
		return nil, to
	}
	rs := s.rules.Load()
	if rs == nil {
		w.drop(s, DropNoPDR)
		return nil, to
	}
	pdr := match(rs.dl, 0, 0, &f, false)
	if pdr == nil {
		w.drop(s, DropNoPDR)
		return nil, to
	}
	return w.forwardDL(&w.hdr, s, pdr, buf, n, now, true)
}

// forwardDL applies pdr's QERs, FAR and URRs to the packet at
// buf[Headroom:Headroom+n], with h as scratch for the GTP-U header (the
// worker's own on the packet path; Release runs on the N4 goroutine and
// brings its own). canBuffer is false when releasing the buffer.
func (w *Worker) forwardDL(h *n3.Header, s *Session, pdr *cpdr, buf []byte, n int, now int64, canBuffer bool) ([]byte, netip.AddrPort) {
	var to netip.AddrPort
	var qfi uint8
	for _, q := range pdr.qers {
		if q.GateDLClosed {
			w.drop(s, DropGate)
			return nil, to
		}
		if q.dl != nil && !q.dl.take(now, n) {
			w.drop(s, DropMBR)
			return nil, to
		}
		if q.QFI != 0 {
			qfi = q.QFI
		}
	}
	far := pdr.far
	switch {
	case far.Action&ActBuff != 0 && canBuffer:
		w.buffer(s, pdr, far, buf[Headroom:Headroom+n], now)
		return nil, to
	case far.Action&ActForw == 0:
		w.drop(s, DropFAR)
		return nil, to
	case far.OHC == nil:
		w.drop(s, DropNoTunnel)
		return nil, to
	case canBuffer && s.buf.held.Load() && w.queueBehind(s, pdr, buf[Headroom:Headroom+n]):
		return nil, to
	}
	h.Type, h.TEID, h.S, h.PN, h.NumExt = n3.TypeGPDU, far.OHC.TEID, false, false, 0
	if qfi != 0 {
		// Spec: TS 29.281 §5.2.2.7: on N3 every G-PDU carries the PDU
		// Session Container; DL PDU SESSION INFORMATION with the QFI.
		h.Exts[0].Type = n3.ExtPDUSessionContainer
		h.Exts[0].PDUSession = n3.PDUSessionContainer{PDUType: n3.PDUTypeDL, QFI: qfi}
		h.NumExt = 1
	}
	hl := h.HeaderLen()
	if _, err := h.MarshalHeaderTo(buf[Headroom-hl:], n); err != nil {
		w.drop(s, DropNoTunnel)
		return nil, to
	}
	w.count(s, pdr, now, n, false, canBuffer) // canBuffer: on the downlink loop, not Release
	return buf[Headroom-hl : Headroom+n], far.OHC.Addr
}

// buffer keeps a copy of a downlink packet for a BUFF FAR and, with NOCP,
// queues the one Downlink Data Report the first packet owes.
// Spec: TS 29.244 §5.2.3.1 ("notify the CP function ... only for the first
// downlink packet")
func (w *Worker) buffer(s *Session, pdr *cpdr, far *FAR, ip []byte, now int64) {
	b := &s.buf
	b.mu.Lock()
	limit := s.rules.Load().bufMax
	if len(b.pkts) >= limit || b.bytes+len(ip) > MaxBufferBytes {
		b.mu.Unlock()
		w.drop(s, DropBufferFull)
		return
	}
	b.pkts = append(b.pkts, append([]byte(nil), ip...))
	b.pdr = append(b.pdr, pdr.ID)
	b.bytes += len(ip)
	b.held.Store(true)
	b.mu.Unlock()
	w.Stats.Buffered.Add(1)
	s.Stats.Buffered.Add(1)
	if far.Action&ActNocp != 0 && b.reported.CompareAndSwap(false, true) {
		w.u.queueReport(reportEvent{s: s, dl: true, pdr: pdr.ID, when: now})
	}
}

// errNoConn: Release on a worker without an N3 socket.
var errNoConn = errors.New("upf: worker has no N3 connection")

// Release sends the session's buffered packets whose PDR's FAR now
// forwards, oldest first, through w's N3 socket; packets whose FAR
// still buffers stay; packets whose FAR now drops are dropped. The N4 glue
// calls it after a modification that turned a FAR from BUFF to FORW.
// Packets of the same PDR that arrive on N6 meanwhile queue behind the
// buffered ones (queueBehind), so the UE gets them in order.
// Spec: TS 29.244 §5.2.3.1
func (w *Worker) Release(s *Session) (int, error) {
	rs := s.rules.Load()
	if rs == nil {
		return 0, nil
	}
	if w.conn == nil {
		return 0, errNoConn
	}
	b := &s.buf
	b.mu.Lock()
	pkts, ids := b.pkts, b.pdr
	b.pkts, b.pdr, b.bytes = nil, nil, 0
	var keep [][]byte
	var keepIDs []uint16
	sent := 0
	var err error
	scratch := make([]byte, Headroom+n3.DefaultSlotSize)
	hdr := new(n3.Header)
	now := w.u.now().UnixNano()
	for i, pkt := range pkts {
		pdr := findCPDR(rs.dl, ids[i])
		if pdr == nil || len(pkt) > n3.DefaultSlotSize {
			w.drop(s, DropNoPDR)
			continue
		}
		if pdr.far.Action&ActBuff != 0 {
			keep, keepIDs = append(keep, pkt), append(keepIDs, ids[i])
			b.bytes += len(pkt)
			continue
		}
		copy(scratch[Headroom:], pkt)
		out, to := w.forwardDL(hdr, s, pdr, scratch, len(pkt), now, false)
		if out == nil {
			continue
		}
		if e := w.send(out, to); e != nil {
			w.drop(s, DropIO)
			err = e
			continue
		}
		sent++
	}
	b.pkts, b.pdr = keep, keepIDs
	b.held.Store(len(keep) > 0)
	b.mu.Unlock()
	return sent, err
}

func findCPDR(list []cpdr, id uint16) *cpdr {
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}

// Buffered is the number of packets the session holds.
func (s *Session) Buffered() int {
	s.buf.mu.Lock()
	defer s.buf.mu.Unlock()
	return len(s.buf.pkts)
}

// send writes one datagram on w's N3 socket.
func (w *Worker) send(b []byte, to netip.AddrPort) error {
	w.txMu.Lock()
	w.tx[0] = n3.Message{Buf: b, Addr: to}
	_, err := w.conn.WriteBatch(w.tx[:])
	w.tx[0].Buf = nil
	w.txMu.Unlock()
	return err
}
