package smf

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"
	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/n3"
	"go5g/internal/n4"
	"go5g/internal/rules"
	"go5g/internal/upf"
)

// These tests run the SMF's PFCP client against the real UPF (package
// upf) behind a real n4 node on loopback, with an in-memory N6 device.

var loopback = netip.MustParseAddr("127.0.0.1")

// memDev is an in-memory N6 device: what the UPF writes comes out of out,
// what is put into in the UPF reads.
type memDev struct {
	in, out chan []byte
	closed  chan struct{}
	once    sync.Once
}

func newMemDev() *memDev {
	return &memDev{in: make(chan []byte, 64), out: make(chan []byte, 64), closed: make(chan struct{})}
}

func (d *memDev) Read(b []byte) (int, error) {
	select {
	case p := <-d.in:
		return copy(b, p), nil
	case <-d.closed:
		return 0, net.ErrClosed
	}
}

func (d *memDev) Write(b []byte) (int, error) {
	select {
	case d.out <- append([]byte(nil), b...):
	default: // a full test channel drops, as a device would
	}
	return len(b), nil
}

func (d *memDev) Close() { d.once.Do(func() { close(d.closed) }) }

// upfSide is a running UPF: data path workers and its N4 node.
type upfSide struct {
	u    *upf.UPF
	node *n4.Node
	n3   netip.AddrPort
	dev  *memDev
	stop func()
}

// startUPF runs a UPF whose N4 node listens on n4Addr; gnbPort is where
// its GTP-U goes (the UPF's PeerPort), start its Recovery Time Stamp.
func startUPF(t testing.TB, n4Addr string, gnbPort uint16, start time.Time) *upfSide {
	t.Helper()
	u, err := upf.New(upf.Config{N3Addr: loopback, PeerPort: gnbPort})
	if err != nil {
		t.Fatal(err)
	}
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := n3.NewConn(uc, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	dev := newMemDev()
	w := u.NewWorker(conn, dev)
	g := upf.NewN4(u, w)
	node, err := n4.New(n4.Config{Function: n4.UP, NodeID: "127.0.0.1", Addr: n4Addr, StartTime: start,
		HeartbeatInterval: -1, Handlers: g.Handlers(), SetupIEs: g.SetupIEs()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx); close(done) }()
	x := &upfSide{u: u, node: node, n3: conn.LocalAddr(), dev: dev}
	var once sync.Once
	x.stop = func() {
		once.Do(func() {
			node.Close()
			cancel()
			dev.Close()
			<-done
		})
	}
	t.Cleanup(x.stop)
	return x
}

func (x *upfSide) n4Addr() netip.AddrPort { return x.node.Addr().(*net.UDPAddr).AddrPort() }

// startSMF runs the SMF's N4 node with one UPF "upf" at addr and waits
// for the association.
func startSMF(t testing.TB, addr netip.AddrPort, hb time.Duration) *N4 {
	t.Helper()
	x, err := NewN4(N4Config{NodeID: "127.0.0.1", Addr: "127.0.0.1:0", UPFs: []N4Peer{{Name: "upf", Addr: addr}},
		T1: 100 * time.Millisecond, N1: 2, HeartbeatInterval: hb, RetryInterval: 100 * time.Millisecond, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { x.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "association", func() bool { return x.UPF("upf").Associated() })
	return x
}

func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// gnbConn is the gNB's N3 socket.
func gnbConn(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testContext is an SM context as CreateSMContext fills it, for the rules.
func testContext(v4 netip.Addr) *smContext {
	return &smContext{cpSEID: 1, dnn: "internet", v4: v4, qfi: defaultQFI, ambrUL: 100e6, ambrDL: 200e6, fiveQI: 9}
}

// ipv4UDP is an IPv4/UDP packet of size octets (checksums zero).
func ipv4UDP(src, dst netip.Addr, size int, mark byte) []byte {
	b := make([]byte, size)
	b[0], b[8], b[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(b[2:], uint16(size))
	s, d := src.As4(), dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	binary.BigEndian.PutUint16(b[20:], 1000)
	binary.BigEndian.PutUint16(b[22:], 53)
	binary.BigEndian.PutUint16(b[24:], uint16(size-20))
	for i := 28; i < size; i++ {
		b[i] = mark
	}
	return b
}

// sendUL sends inner as a G-PDU with a UL PDU Session Container of qfi.
func sendUL(t testing.TB, c *net.UDPConn, to netip.AddrPort, teid uint32, qfi uint8, inner []byte) {
	t.Helper()
	p := n3.NewGPDU(teid, inner)
	if err := p.AddExtension(n3.ExtensionHeader{Type: n3.ExtPDUSessionContainer,
		PDUSession: n3.PDUSessionContainer{PDUType: n3.PDUTypeUL, QFI: qfi}}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, p.MarshalLen())
	if _, err := p.MarshalTo(b); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatal(err)
	}
}

// checkUserPlane sends one packet each way through the UPF: uplink on
// teid must leave N6 unchanged, downlink must reach the gNB as a G-PDU
// with dlTEID and the QFI.
func checkUserPlane(t *testing.T, x *upfSide, gnb *net.UDPConn, teid, dlTEID uint32, ue netip.Addr) {
	t.Helper()
	dn := netip.MustParseAddr("192.0.2.53")
	inner := ipv4UDP(ue, dn, 120, 0x11)
	sendUL(t, gnb, x.n3, teid, defaultQFI, inner)
	select {
	case got := <-x.dev.out:
		if !bytes.Equal(got, inner) {
			t.Errorf("N6 got %x, want %x", got, inner)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("uplink G-PDU on TEID %#x did not come out on N6 (UPF drops %v)", teid, x.u.Stats().Drops)
	}
	ip := ipv4UDP(dn, ue, 200, 0x22)
	x.dev.in <- ip
	gnb.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, err := gnb.Read(buf)
	if err != nil {
		t.Fatalf("no downlink G-PDU at the gNB: %v", err)
	}
	var p n3.Packet
	if err := p.Parse(buf[:n]); err != nil {
		t.Fatal(err)
	}
	if p.TEID != dlTEID || p.PDUSession() == nil || p.PDUSession().QFI != defaultQFI || !bytes.Equal(p.Payload, ip) {
		t.Errorf("gNB got TEID %#x PDU session container %+v, payload equal %v; want TEID %#x QFI %d",
			p.TEID, p.PDUSession(), bytes.Equal(p.Payload, ip), dlTEID, defaultQFI)
	}
}

// TestPFCPSession: establishment creates the UL and DL PDRs and the UPF
// picks the UL F-TEID; the modification with the gNB's tunnel makes
// traffic flow both ways with the QFI; deletion removes the session.
// Spec: TS 23.502 §4.3.2.2.1 steps 10a and 16a; TS 29.244 §7.5.2, §7.5.4, §7.5.6
func TestPFCPSession(t *testing.T) {
	gnb := gnbConn(t)
	x := startUPF(t, "127.0.0.1:0", gnb.LocalAddr().(*net.UDPAddr).AddrPort().Port(), time.Now())
	smfN4 := startSMF(t, x.n4Addr(), -1)
	u := smfN4.UPF("upf")
	ctx := context.Background()

	ue := netip.MustParseAddr("10.45.0.7")
	c := testContext(ue)
	est, err := u.EstablishSession(ctx, c.establishment())
	if err != nil {
		t.Fatal(err)
	}
	if len(est.Created) != 1 || est.Created[0].ID != pdrUL || est.Created[0].FTEID.TEID == 0 ||
		est.Created[0].FTEID.IPv4 != loopback {
		t.Fatalf("created %+v: want the UL PDR's F-TEID on 127.0.0.1", est.Created)
	}
	s := x.u.Session(est.UPSEID)
	if s == nil {
		t.Fatalf("UPF has no session %#x", est.UPSEID)
	}
	r := s.Rules()
	if len(r.PDRs) != 2 || len(r.FARs) != 2 || len(r.QERs) != 1 || len(r.URRs) != 1 {
		t.Fatalf("UPF rules %+v", r)
	}
	for _, p := range r.PDRs {
		switch p.ID {
		case pdrUL:
			if p.SourceInterface != uint8(rules.Access) || !p.Choose || p.TEID != est.Created[0].FTEID.TEID ||
				!p.RemoveOHC || p.QFI != defaultQFI || p.UEIPv4 != ue {
				t.Errorf("UL PDR %+v", p)
			}
		case pdrDL:
			if p.SourceInterface != uint8(rules.Core) || p.UEIPv4 != ue || p.HasTEID {
				t.Errorf("DL PDR %+v", p)
			}
		}
	}
	// MBR in kbit/s, QFI in the QER.
	if q := r.QERs[0]; q.MBRUL != 100000 || q.MBRDL != 200000 || q.QFI != defaultQFI {
		t.Errorf("QER %+v: want MBR 100000/200000 kbit/s and QFI %d", q, defaultQFI)
	}

	// The gNB's tunnel: the DL FAR forwards with outer header creation.
	c.active, c.dl = true, n2.Tunnel{Addr: loopback, TEID: 0x2002}
	if err := u.ModifySession(ctx, est.UPSEID, rules.Modification{UpdateFARs: []rules.FAR{c.dlFAR()}}); err != nil {
		t.Fatal(err)
	}
	checkUserPlane(t, x, gnb, est.Created[0].FTEID.TEID, 0x2002, ue)

	// A rejected modification: the PDR names a FAR that does not exist.
	err = u.ModifySession(ctx, est.UPSEID, rules.Modification{CreatePDRs: []rules.PDR{{ID: 9, Precedence: 1,
		PDI: rules.PDI{SourceInterface: rules.Core, UEIP: &rules.UEIP{IPv4: ue, Destination: true}}, FARID: 99}}})
	var re *RejectError
	if !errors.As(err, &re) || re.Cause != ie.CauseRuleCreationModificationFailure || re.FailedRule != 9 ||
		re.GSMCause() != n1.SMCauseNetworkFailure {
		t.Errorf("modification with an unknown FAR: %v; want PFCP #73, failed rule 9, 5GSM #38", err)
	}

	if err := u.DeleteSession(ctx, est.UPSEID); err != nil {
		t.Fatal(err)
	}
	if x.u.Sessions() != 0 || u.Stats().Sessions != 0 {
		t.Errorf("after deletion: UPF %d sessions, SMF %d", x.u.Sessions(), u.Stats().Sessions)
	}
	if err := u.DeleteSession(ctx, est.UPSEID); err == nil {
		t.Error("second deletion succeeded")
	}
}

// TestPFCPRestoration: a UPF restart (new Recovery Time Stamp, seen in a
// heartbeat) makes the SMF associate again and re-establish the session
// with the same F-TEID and the gNB's tunnel, so traffic flows again
// without telling the gNB. Spec: TS 29.244 §19.2; TS 23.527 §4.3.2
func TestPFCPRestoration(t *testing.T) {
	gnb := gnbConn(t)
	port := gnb.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	start := time.Now()
	x := startUPF(t, "127.0.0.1:0", port, start)
	addr := x.n4Addr()
	smfN4 := startSMF(t, addr, 100*time.Millisecond)
	u := smfN4.UPF("upf")
	ctx := context.Background()
	ue := netip.MustParseAddr("10.45.0.9")
	c := testContext(ue)
	est, err := u.EstablishSession(ctx, c.establishment())
	if err != nil {
		t.Fatal(err)
	}
	teid := est.Created[0].FTEID.TEID
	c.active, c.dl = true, n2.Tunnel{Addr: loopback, TEID: 0x3003}
	if err := u.ModifySession(ctx, est.UPSEID, rules.Modification{UpdateFARs: []rules.FAR{c.dlFAR()}}); err != nil {
		t.Fatal(err)
	}

	x.stop()
	y := startUPF(t, addr.String(), port, start.Add(10*time.Second))
	waitFor(t, "restoration", func() bool { return y.u.Sessions() == 1 && u.Stats().Restored == 1 })
	checkUserPlane(t, y, gnb, teid, 0x3003, ue)
	if st := u.Stats(); st.Dropped != 0 || st.Sessions != 1 || !st.Associated {
		t.Errorf("stats %+v", st)
	}
	// A Downlink Data Report on the restored PFCP session (a new local
	// SEID) reaches the SMF with the session's handle.
	reported := make(chan uint64, 4)
	u.OnDownlinkData(func(h uint64) { reported <- h })
	c.active = false
	if err := u.ModifySession(ctx, est.UPSEID, rules.Modification{UpdateFARs: []rules.FAR{c.dlFAR()}}); err != nil {
		t.Fatal(err)
	}
	y.dev.in <- ipv4UDP(netip.MustParseAddr("198.18.0.1"), ue, 100, 1)
	select {
	case h := <-reported:
		if h != est.UPSEID {
			t.Errorf("report after restoration for handle %#x, want %#x", h, est.UPSEID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no downlink data report from the restored session")
	}
	// The SMF's handle still works.
	if err := u.DeleteSession(ctx, est.UPSEID); err != nil {
		t.Fatal(err)
	}
	if y.u.Sessions() != 0 {
		t.Error("restored session not deleted")
	}
}

// fakeUP is a PFCP UP node answering every Session Establishment Request
// with cause.
func fakeUP(t *testing.T, cause uint8) *n4.Node {
	t.Helper()
	node, err := n4.New(n4.Config{Function: n4.UP, NodeID: "127.0.0.1", Addr: "127.0.0.1:0", HeartbeatInterval: -1,
		Handlers: map[uint8]n4.HandlerFunc{message.MsgTypeSessionEstablishmentRequest: func(p *n4.Peer, m message.Message) (message.Message, error) {
			return message.NewSessionEstablishmentResponse(0, 0, 0, 0, 0, p.Node().NodeID(), ie.NewCause(cause)), nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close() })
	return node
}

// TestPFCPRejectCause: a UPF's PFCP reject reaches the UE as PDU SESSION
// ESTABLISHMENT REJECT with the mapped 5GSM cause; a UPF without an
// association gives #26.
// Spec: TS 24.501 §6.4.1.4.2; TS 29.244 §8.2.1
func TestPFCPRejectCause(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pfcp  uint8
		cause uint8
	}{
		{"no resources", ie.CauseNoResourcesAvailable, n1.SMCauseInsufficientResources},
		{"congestion", ie.CausePFCPEntityInCongestion, n1.SMCauseInsufficientResources},
		{"rule failure", ie.CauseRuleCreationModificationFailure, n1.SMCauseNetworkFailure},
		{"system failure", ie.CauseSystemFailure, n1.SMCauseNetworkFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := fakeUP(t, tc.pfcp)
			smfN4 := startSMF(t, up.Addr().(*net.UDPAddr).AddrPort(), -1)
			checkReject(t, smfN4, tc.cause)
		})
	}
	t.Run("no association", func(t *testing.T) {
		// A UDP port where nobody answers.
		pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		x, err := NewN4(N4Config{NodeID: "127.0.0.1", Addr: "127.0.0.1:0",
			UPFs: []N4Peer{{Name: "upf", Addr: pc.LocalAddr().(*net.UDPAddr).AddrPort()}}})
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		checkReject(t, x, n1.SMCauseInsufficientResources)
	})
}

func checkReject(t *testing.T, x *N4, cause uint8) {
	t.Helper()
	s, err := New(Config{}, Deps{UDM: fakeUDM{}, AMF: &fakeAMF{}, UPFs: x.UPFs()})
	if err != nil {
		t.Fatal(err)
	}
	sn := models.Snssai{Sst: 1}
	_, err = s.CreateSMContext(context.Background(), models.Smf_PDUSess_SmContextCreateData{Supi: "imsi-001010000000001",
		PduSessionId: 5, Dnn: "internet", SNssai: &sn}, establishmentRequestBytes(5, 9, n1.PDUSessionTypeIPv4))
	var se *SMError
	if !errors.As(err, &se) || se.Cause != cause {
		t.Fatalf("CreateSMContext: %v; want 5GSM cause #%d", err, cause)
	}
	m, err := n1.Decode(se.N1)
	if err != nil || m.PDUSessionEstablishmentReject == nil {
		t.Fatalf("reject does not decode: %v", err)
	}
	if got := m.PDUSessionEstablishmentReject.Cause5GSM.GetCauseValue(); got != cause {
		t.Errorf("5GSM cause in the reject %d, want %d", got, cause)
	}
	if st := s.Stats(); st.Active != 0 || st.Rejected != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestApplyModification: the recorded rules follow creations, updates
// (a chosen F-TEID kept) and removals.
func TestApplyModification(t *testing.T) {
	e := withChosen(testContext(netip.MustParseAddr("10.45.0.2")).establishment(),
		[]rules.CreatedPDR{{ID: pdrUL, FTEID: rules.FTEID{TEID: 77, IPv4: loopback}}})
	if f := e.PDRs[0].PDI.FTEID; f.Choose || f.TEID != 77 || f.IPv4 != loopback {
		t.Fatalf("chosen F-TEID %+v", f)
	}
	ul := e.PDRs[0]
	ul.Precedence = 10
	ul.PDI.FTEID = &rules.FTEID{Choose: true}
	e2 := apply(e, rules.Modification{UpdatePDRs: []rules.PDR{ul}, RemoveFARs: []uint32{farDL},
		CreateFARs: []rules.FAR{{ID: 9, Action: rules.Drop}}})
	if p := e2.PDRs[0]; p.Precedence != 10 || p.PDI.FTEID.TEID != 77 {
		t.Errorf("updated PDR %+v F-TEID %+v", p, p.PDI.FTEID)
	}
	if len(e2.FARs) != 2 || e2.FARs[0].ID != farUL || e2.FARs[1].ID != 9 {
		t.Errorf("FARs %+v", e2.FARs)
	}
	if e.PDRs[0].Precedence == 10 || len(e.FARs) != 2 || e.FARs[1].ID != farDL {
		t.Error("apply changed its input")
	}
}

// BenchmarkPFCPSession measures the N4 part of PDU session establishment
// over loopback against the real UPF: Session Establishment (CHOOSE) and
// the Session Modification with the gNB's tunnel, then deletion.
func BenchmarkPFCPSession(b *testing.B) {
	x := startUPF(b, "127.0.0.1:0", 2152, time.Now())
	smfN4 := startSMF(b, x.n4Addr(), -1)
	u := smfN4.UPF("upf")
	var next atomic.Uint32
	// Several SMF procedures at once, as many UEs establish sessions.
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			i := next.Add(1)
			c := testContext(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
			est, err := u.EstablishSession(ctx, c.establishment())
			if err != nil {
				b.Error(err)
				return
			}
			c.active, c.dl = true, n2.Tunnel{Addr: loopback, TEID: i}
			if err := u.ModifySession(ctx, est.UPSEID, rules.Modification{UpdateFARs: []rules.FAR{c.dlFAR()}}); err != nil {
				b.Error(err)
				return
			}
			if err := u.DeleteSession(ctx, est.UPSEID); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
}

// FuzzCreatedPDRs: whatever a UPF puts in Created PDR and the reject IEs,
// decoding returns values or an error, never a panic.
func FuzzCreatedPDRs(f *testing.F) {
	good := ie.NewCreatedPDR(ie.NewPDRID(1), ie.NewFTEID(0x01, 7, net.IPv4(127, 0, 0, 1).To4(), nil, 0))
	b, _ := good.Marshal()
	f.Add(b[4:])
	f.Add([]byte{0, 56, 0, 2, 0})
	f.Add([]byte{0, 21, 0, 1, 0x05})
	f.Fuzz(func(t *testing.T, payload []byte) {
		g := ie.New(ie.CreatedPDR, payload)
		created, err := createdPDRs([]*ie.IE{g})
		if err == nil && len(created) != 1 {
			t.Fatalf("%d created PDRs from one IE", len(created))
		}
		rejectOf("upf", 50, 69, ie.New(ie.OffendingIE, payload), ie.New(ie.FailedRuleID, payload))
	})
}

// relay forwards N4 datagrams between the SMF and a UPF and can cut the
// link (a network partition) without either node restarting.
type relay struct {
	front, back *net.UDPConn // the SMF's side, the UPF's side
	upf         netip.AddrPort
	smf         atomic.Value // netip.AddrPort
	cut         atomic.Bool
}

func newRelay(t *testing.T, upf netip.AddrPort) *relay {
	t.Helper()
	r := &relay{front: gnbConn(t), back: gnbConn(t), upf: upf}
	go r.pump(r.front, func(from netip.AddrPort) (netip.AddrPort, *net.UDPConn) {
		r.smf.Store(from)
		return r.upf, r.back
	})
	go r.pump(r.back, func(netip.AddrPort) (netip.AddrPort, *net.UDPConn) {
		to, _ := r.smf.Load().(netip.AddrPort)
		return to, r.front
	})
	return r
}

func (r *relay) addr() netip.AddrPort { return r.front.LocalAddr().(*net.UDPAddr).AddrPort() }

func (r *relay) pump(in *net.UDPConn, route func(netip.AddrPort) (netip.AddrPort, *net.UDPConn)) {
	buf := make([]byte, 65536)
	for {
		n, from, err := in.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		to, out := route(from)
		if r.cut.Load() || !to.IsValid() {
			continue
		}
		out.WriteToUDPAddrPort(buf[:n], to)
	}
}

// TestPFCPPartition: a UPF that stops answering heartbeats (the link is
// cut, the UPF keeps running) is declared dead; once it answers again the
// SMF sets the association up again and, the Recovery Time Stamp being the
// same, keeps its sessions as they are: nothing is re-established and the
// session still takes modifications.
// Spec: TS 29.244 §6.2.2, §19.2
func TestPFCPPartition(t *testing.T) {
	gnb := gnbConn(t)
	x := startUPF(t, "127.0.0.1:0", gnb.LocalAddr().(*net.UDPAddr).AddrPort().Port(), time.Now())
	r := newRelay(t, x.n4Addr())
	u := startSMF(t, r.addr(), 100*time.Millisecond).UPF("upf")
	ctx := context.Background()
	ue := netip.MustParseAddr("10.45.0.11")
	c := testContext(ue)
	est, err := u.EstablishSession(ctx, c.establishment())
	if err != nil {
		t.Fatal(err)
	}
	r.cut.Store(true)
	waitFor(t, "the UPF declared dead", func() bool { return !u.Associated() })
	if err := u.ModifySession(ctx, est.UPSEID, rules.Modification{}); err == nil {
		t.Error("modification succeeded across a cut link")
	}
	r.cut.Store(false)
	waitFor(t, "association again", u.Associated)
	c.active, c.dl = true, n2.Tunnel{Addr: loopback, TEID: 0x5005}
	if err := u.ModifySession(ctx, est.UPSEID, rules.Modification{UpdateFARs: []rules.FAR{c.dlFAR()}}); err != nil {
		t.Fatal(err)
	}
	if st := u.Stats(); st.Restored != 0 || st.Dropped != 0 || st.Sessions != 1 || x.u.Sessions() != 1 {
		t.Errorf("stats %+v, UPF sessions %d: want the session kept, not re-established", st, x.u.Sessions())
	}
	checkUserPlane(t, x, gnb, est.Created[0].FTEID.TEID, 0x5005, ue)
}
