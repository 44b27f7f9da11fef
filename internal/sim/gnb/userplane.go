package gnb

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"go5g/internal/n3"
)

// The gNB's N3 user plane: one UDP socket on the N3 address, port 2152.
// Uplink, a UE's bearer hands an IP packet to Bearer.Uplink, which puts the
// GTP-U header with the session's UL TEID and a UL PDU Session Container
// (QFI) in the headroom in front of it and sends it to the UPF. Downlink,
// one reader takes batches of datagrams off the socket, finds the bearer by
// the TEID of each G-PDU and writes the T-PDU to the UE (its TUN device).
// Neither direction allocates per packet.
//
// Spec: TS 29.281 §5, §7; TS 38.415 §5.5.2; TS 38.300 §6.5 (the gNB maps
// QoS flows to radio bearers; here the "radio" is a direct call)

// ErrNoUserPlane is returned when binding a bearer before StartUserPlane.
var ErrNoUserPlane = errors.New("gnb: N3 user plane not started")

// ErrBearerGone is returned by Bearer.Uplink once the PDU session's
// resources are released (or the bearer was replaced).
var ErrBearerGone = errors.New("gnb: PDU session user plane released")

// ULHeadroom is the headroom a caller of Bearer.Uplink leaves in front of
// the packet: the 8-octet header, 4 optional octets and the 8-octet UL PDU
// Session Container, rounded up.
const ULHeadroom = 32

// BearerStats are a PDU session's user-plane counters as the gNB saw them.
type BearerStats struct {
	ULPackets, ULBytes uint64 // T-PDUs sent to the UPF and their octets
	DLPackets, DLBytes uint64 // T-PDUs delivered to the UE and their octets
	ULDropped          uint64 // uplink packets not sent (socket error, bad packet)
	DLDropped          uint64 // downlink T-PDUs the UE's device refused
	EndMarkers         uint64 // End Marker messages on the DL tunnel
}

// N3Stats are the gNB's N3 counters beyond a single session.
type N3Stats struct {
	EchoRequests     uint64 // answered
	UnknownTEID      uint64 // G-PDUs for no session (Error Indication owed)
	ErrorIndications uint64 // Error Indications sent
	PeerErrors       uint64 // Error Indications received from a UPF
	Malformed        uint64 // datagrams that did not parse or were truncated
}

// userPlane is the N3 socket and the bearers by DL TEID.
type userPlane struct {
	g     *GNB
	conn  *n3.Conn
	local netip.Addr // the address in our Error Indications
	resp  *n3.Responder

	wmu sync.Mutex // n3.Conn allows one writer at a time

	mu      sync.RWMutex
	bearers map[uint32]*Bearer
	// early holds DL T-PDUs of set-up sessions whose UE has not bound its
	// bearer yet (earlydl.go).
	early map[uint32][][]byte

	echo, unknown, errIndSent, peerErr, malformed atomic.Uint64

	// Owned by the reader.
	pkt  n3.Packet
	out  [256]byte
	outM [1]n3.Message
	done chan struct{}
}

// StartUserPlane opens the gNB's N3: uc if given (e.g. a socket opened in
// another network namespace), else a UDP socket bound to the configured
// N3 address on port 2152. Configure N3Addr to the address uc is bound to:
// it is what the gNB gives the core as its DL tunnel endpoint. The user
// plane stops when the gNB closes.
//
// Spec: TS 29.281 §4.4.2.0 (GTP-U port 2152)
func (g *GNB) StartUserPlane(uc *net.UDPConn) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.up != nil {
		return errors.New("gnb: user plane already started")
	}
	if uc == nil {
		port := g.cfg.N3Port
		if port == 0 {
			port = n3.Port
		}
		var err error
		uc, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(g.n3Addr(), uint16(port))))
		if err != nil {
			return fmt.Errorf("gnb: N3: %w", err)
		}
	}
	conn, err := n3.NewConn(uc, 0, 0)
	if err != nil {
		uc.Close()
		return fmt.Errorf("gnb: N3: %w", err)
	}
	local := conn.LocalAddr().Addr()
	if !local.IsValid() || local.IsUnspecified() {
		local = g.n3Addr()
	}
	up := &userPlane{g: g, conn: conn, local: local.Unmap(), resp: n3.NewResponder(n3.ResponderConfig{}),
		bearers: map[uint32]*Bearer{}, done: make(chan struct{})}
	g.up = up
	go up.read()
	return nil
}

// N3LocalAddr is the N3 socket's address, once the user plane is started.
func (g *GNB) N3LocalAddr() netip.AddrPort {
	if up := g.userPlane(); up != nil {
		return up.conn.LocalAddr()
	}
	return netip.AddrPort{}
}

// N3Stats returns the N3 counters (zero before StartUserPlane).
func (g *GNB) N3Stats() N3Stats {
	up := g.userPlane()
	if up == nil {
		return N3Stats{}
	}
	return N3Stats{EchoRequests: up.echo.Load(), UnknownTEID: up.unknown.Load(),
		ErrorIndications: up.errIndSent.Load(), PeerErrors: up.peerErr.Load(), Malformed: up.malformed.Load()}
}

// SessionStats returns the counters of the bearer on DL TEID teid.
func (g *GNB) SessionStats(teid uint32) (BearerStats, bool) {
	up := g.userPlane()
	if up == nil {
		return BearerStats{}, false
	}
	up.mu.RLock()
	b := up.bearers[teid]
	up.mu.RUnlock()
	if b == nil {
		return BearerStats{}, false
	}
	return b.Stats(), true
}

func (g *GNB) userPlane() *userPlane {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.up
}

// stopUserPlane closes the N3 socket and waits for the reader.
func (g *GNB) stopUserPlane() {
	g.mu.Lock()
	up := g.up
	g.mu.Unlock()
	if up == nil {
		return
	}
	up.conn.Close()
	<-up.done
	up.mu.Lock()
	for t, b := range up.bearers {
		b.gone.Store(true)
		delete(up.bearers, t)
	}
	up.mu.Unlock()
}

// dropBearer forgets the bearer of a released session's DL TEID, so that
// later G-PDUs on it draw an Error Indication and the UE's uplink stops.
// Caller holds g.mu.
func (g *GNB) dropBearer(teid uint32) {
	up := g.up
	if up == nil {
		return
	}
	up.mu.Lock()
	if b := up.bearers[teid]; b != nil {
		b.gone.Store(true)
		delete(up.bearers, teid)
	}
	delete(up.early, teid)
	up.mu.Unlock()
}

// Bearer is one PDU session's user plane between the UE and the gNB: what
// a data radio bearer carries. The UE calls Uplink; the gNB writes
// downlink T-PDUs to the UE's writer.
type Bearer struct {
	up   *userPlane
	conn *Connection // for its inactivity timer
	sess Session
	dl   io.Writer
	gone atomic.Bool

	hdr  [ULHeadroom]byte // the UL GTP-U header, length field filled per packet
	hlen int
	upf  netip.AddrPort
	msg  [1]n3.Message // Uplink's, one caller at a time

	ulPkts, ulBytes, dlPkts, dlBytes, ulDrop, dlDrop, endMarkers atomic.Uint64
}

// BindUserPlane connects PDU session psi of this connection to the UE's
// downlink writer dl (its TUN device; each Write gets one IP packet) and
// returns the bearer for the uplink. Uplink packets carry QFI qfi in their
// PDU Session Container (0: the session's first QoS flow). Binding again
// replaces the earlier bearer.
//
// Spec: TS 38.415 §5.5.2.2 (UL PDU SESSION INFORMATION)
func (c *Connection) BindUserPlane(psi uint8, qfi uint8, dl io.Writer) (*Bearer, error) {
	up := c.g.userPlane()
	if up == nil {
		return nil, ErrNoUserPlane
	}
	s, ok := c.Session(psi)
	if !ok {
		return nil, fmt.Errorf("gnb: no PDU session %d on this connection", psi)
	}
	if qfi == 0 && len(s.QFIs) > 0 {
		qfi = s.QFIs[0]
	}
	if qfi == 0 || qfi > 63 {
		return nil, fmt.Errorf("gnb: PDU session %d: no valid QFI", psi)
	}
	b := &Bearer{up: up, conn: c, sess: s, dl: dl, upf: netip.AddrPortFrom(s.UL.Addr.Unmap(), n3.Port)}
	h := n3.Header{Type: n3.TypeGPDU, TEID: s.UL.TEID}
	h.AddExtension(n3.ExtensionHeader{Type: n3.ExtPDUSessionContainer,
		PDUSession: n3.PDUSessionContainer{PDUType: n3.PDUTypeUL, QFI: qfi}})
	n, err := h.MarshalHeaderTo(b.hdr[:], 0)
	if err != nil {
		return nil, fmt.Errorf("gnb: UL header: %w", err)
	}
	b.hlen = n
	up.mu.Lock()
	if old := up.bearers[s.DL.TEID]; old != nil {
		old.gone.Store(true)
	}
	up.bearers[s.DL.TEID] = b
	up.flushEarly(b) // earlydl.go
	up.mu.Unlock()
	// The session may have been released while we bound.
	if _, ok := c.Session(psi); !ok {
		c.g.mu.Lock()
		c.g.dropBearer(s.DL.TEID)
		c.g.mu.Unlock()
		return nil, ErrBearerGone
	}
	return b, nil
}

// Session is the PDU session the bearer carries, as set up.
func (b *Bearer) Session() Session { return b.sess }

// Stats returns the bearer's counters.
func (b *Bearer) Stats() BearerStats {
	return BearerStats{ULPackets: b.ulPkts.Load(), ULBytes: b.ulBytes.Load(),
		DLPackets: b.dlPkts.Load(), DLBytes: b.dlBytes.Load(),
		ULDropped: b.ulDrop.Load(), DLDropped: b.dlDrop.Load(), EndMarkers: b.endMarkers.Load()}
}

// Uplink sends the IP packet buf[ULHeadroom:] to the UPF as a G-PDU,
// writing the GTP-U header into the headroom. One goroutine at a time.
//
// Spec: TS 29.281 §5.1, §5.2.2.7; TS 38.415 §5.5.2.2
func (b *Bearer) Uplink(buf []byte) error {
	if b.gone.Load() {
		b.ulDrop.Add(1)
		return ErrBearerGone
	}
	if len(buf) <= ULHeadroom {
		b.ulDrop.Add(1)
		return errors.New("gnb: empty uplink packet")
	}
	b.conn.touch()
	plen := len(buf) - ULHeadroom
	start := ULHeadroom - b.hlen
	if b.hlen-n3.HeaderLen+plen > 0xffff {
		b.ulDrop.Add(1)
		return n3.ErrTooLong
	}
	copy(buf[start:ULHeadroom], b.hdr[:b.hlen])
	l := b.hlen - n3.HeaderLen + plen
	buf[start+2], buf[start+3] = byte(l>>8), byte(l)
	b.msg[0] = n3.Message{Buf: buf[start:], Addr: b.upf}
	b.up.wmu.Lock()
	_, err := b.up.conn.WriteBatch(b.msg[:])
	b.up.wmu.Unlock()
	b.msg[0].Buf = nil
	if err != nil {
		b.ulDrop.Add(1)
		return fmt.Errorf("gnb: N3 send: %w", err)
	}
	b.ulPkts.Add(1)
	b.ulBytes.Add(uint64(plen))
	return nil
}

// read is the N3 socket's one reader.
func (up *userPlane) read() {
	defer close(up.done)
	for {
		ms, err := up.conn.ReadBatch()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			up.g.log.Warn("N3 read", "err", err)
			time.Sleep(10 * time.Millisecond) // transient (e.g. ICMP-induced); do not spin
			continue
		}
		for i := range ms {
			up.handle(&ms[i])
		}
	}
}

// handle acts on one received GTP-U datagram.
//
// Spec: TS 29.281 §7.2.1, §7.2.2 (echo), §7.3.1 (error indication),
// §5.2.1 and §7.3.2 (unsupported extension header), §7.3.3 (End Marker)
func (up *userPlane) handle(m *n3.Message) {
	if m.Trunc {
		up.malformed.Add(1)
		return
	}
	p := &up.pkt
	err := p.Parse(m.Buf)
	if errors.Is(err, n3.ErrUnsupportedExtension) {
		// §5.2.1: a header we must comprehend and do not: tell the peer.
		if n, err := up.resp.SupportedExtensionHeaders(up.out[:], time.Now(), &p.Header); err == nil {
			up.send(up.out[:n], m.Addr)
		}
		up.malformed.Add(1)
		return
	}
	if err != nil {
		up.malformed.Add(1)
		return
	}
	switch p.Type {
	case n3.TypeGPDU:
		up.mu.RLock()
		b := up.bearers[p.TEID]
		up.mu.RUnlock()
		if b == nil {
			if !up.holdEarly(p.TEID, p.Payload) {
				up.unknownTEID(m)
			}
			return
		}
		if len(p.Payload) == 0 {
			b.dlDrop.Add(1)
			return
		}
		b.conn.touch() // before the write: the counters follow it at once
		if _, err := b.dl.Write(p.Payload); err != nil {
			b.dlDrop.Add(1)
			return
		}
		b.dlPkts.Add(1)
		b.dlBytes.Add(uint64(len(p.Payload)))
	case n3.TypeEchoRequest:
		if n, err := up.resp.EchoResponse(up.out[:], &p.Header); err == nil {
			up.echo.Add(1)
			up.send(up.out[:n], m.Addr)
		}
	case n3.TypeEndMarker:
		// The UPF's last packet on the old path before a path switch:
		// nothing is buffered here, so it only ends the old path.
		up.mu.RLock()
		b := up.bearers[p.TEID]
		up.mu.RUnlock()
		if b != nil {
			b.endMarkers.Add(1)
		}
	case n3.TypeErrorIndication:
		var ei n3.ErrorIndication
		if ei.Parse(m.Buf) == nil {
			up.peerErr.Add(1)
			up.g.log.Warn("GTP-U Error Indication from the UPF", "from", m.Addr, "teid", ei.TEIDDataI)
		} else {
			up.malformed.Add(1)
		}
	case n3.TypeEchoResponse, n3.TypeSupportedExtensionHeadersNotification:
		// We send no Echo Requests; a notification needs no answer.
	default:
		up.malformed.Add(1)
	}
}

// unknownTEID answers a G-PDU for no session with an Error Indication to
// its source address on port 2152. Spec: TS 29.281 §7.3.1
func (up *userPlane) unknownTEID(m *n3.Message) {
	up.unknown.Add(1)
	n, err := up.resp.ErrorIndication(up.out[:], time.Now(), &up.pkt.Header, up.local, m.Addr.Port())
	if err != nil {
		return
	}
	if up.send(up.out[:n], netip.AddrPortFrom(m.Addr.Addr(), n3.Port)) == nil {
		up.errIndSent.Add(1)
	}
}

func (up *userPlane) send(b []byte, to netip.AddrPort) error {
	up.outM[0] = n3.Message{Buf: b, Addr: to}
	up.wmu.Lock()
	_, err := up.conn.WriteBatch(up.outM[:])
	up.wmu.Unlock()
	up.outM[0].Buf = nil
	return err
}
