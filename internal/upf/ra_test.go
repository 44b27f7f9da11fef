package upf

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv6"

	"go5g/internal/n3"
	"go5g/internal/n4"
)

var (
	ue6     = netip.MustParseAddr("2001:db8:45:1::")
	ue6LL   = netip.MustParseAddr("fe80::1234:5678:9abc:def1")
	prefix6 = netip.MustParsePrefix("2001:db8:45:1::/64")
)

// v6Rules: basicRules for an IPv6 session of prefix6 towards gnb.
func v6Rules(gnb netip.AddrPort) Rules {
	r := basicRules(gnb)
	r.PDRs[0].UEIPv4, r.PDRs[0].UEIPv6 = netip.Addr{}, ue6
	r.PDRs[1].UEIPv4, r.PDRs[1].UEIPv6 = netip.Addr{}, ue6
	return r
}

// rsPacket is a Router Solicitation from src to dst, its checksum
// computed by x/net/icmp (an implementation independent of ours).
func rsPacket(t testing.TB, src, dst netip.Addr, hop byte) []byte {
	t.Helper()
	m := icmp.Message{Type: ipv6.ICMPTypeRouterSolicitation, Body: &icmp.RawBody{Data: make([]byte, 4)}}
	body, err := m.Marshal(icmp.IPv6PseudoHeader(src.AsSlice(), dst.AsSlice()))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 40, 40+len(body))
	b[0] = 0x60
	b[5] = byte(len(body))
	b[6], b[7] = 58, hop
	s, d := src.As16(), dst.As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	return append(b, body...)
}

// checkRA parses ip with x/net as an IPv6 Router Advertisement to dst
// and checks what TS 29.061 §11.2.1.3.2 and RFC 4861 §4.2 ask of it.
func checkRA(t *testing.T, ip []byte, dst netip.Addr, prefix netip.Prefix) {
	t.Helper()
	h, err := ipv6.ParseHeader(ip)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := netip.AddrFromSlice(h.Src)
	d, _ := netip.AddrFromSlice(h.Dst)
	if h.NextHeader != 58 || h.HopLimit != 255 || !src.IsLinkLocalUnicast() || d != dst || h.PayloadLen != len(ip)-40 {
		t.Fatalf("IPv6 header %+v, want ICMPv6 hop limit 255 from link-local to %v", h, dst)
	}
	m, err := icmp.ParseMessage(58, ip[40:])
	if err != nil || m.Type != ipv6.ICMPTypeRouterAdvertisement || m.Code != 0 {
		t.Fatalf("ICMPv6 %+v: %v", m, err)
	}
	// Checksum: x/net recomputes it over the pseudo header.
	re, err := m.Marshal(icmp.IPv6PseudoHeader(h.Src, h.Dst))
	if err != nil || !bytes.Equal(re, ip[40:]) {
		t.Fatalf("checksum: x/net marshals %x, we sent %x", re, ip[40:])
	}
	body := m.Body.(*icmp.RawBody).Data // after type, code, checksum
	if lifetime := int(body[2])<<8 | int(body[3]); lifetime == 0 || body[1]&0xc0 != 0 {
		t.Errorf("router lifetime %d, flags %#x: want non-zero, M=O=0", lifetime, body[1])
	}
	var pio, mtu bool
	for o := body[12:]; len(o) >= 8; {
		n := int(o[1]) * 8
		if n == 0 || n > len(o) {
			t.Fatalf("bad option length in %x", o)
		}
		switch o[0] {
		case 3:
			got := netip.PrefixFrom(netip.AddrFrom16([16]byte(o[16:32])), int(o[2]))
			if got != prefix || o[3]&0x80 != 0 || o[3]&0x40 == 0 || o[4:8][0] == 0 {
				t.Errorf("prefix information %x: want %v, L=0, A=1, lifetimes", o[:n], prefix)
			}
			pio = true
		case 5:
			mtu = int(o[4])<<24|int(o[5])<<16|int(o[6])<<8|int(o[7]) == RAMTU
		}
		o = o[n:]
	}
	if !pio || !mtu {
		t.Errorf("prefix information %v, MTU option %v", pio, mtu)
	}
}

// TestRAGolden: the RA's octets, written out from RFC 4861 §4.2, §4.6.2
// and §4.6.4 (the checksum from x/net), and parsed back with x/net.
func TestRAGolden(t *testing.T) {
	b := make([]byte, raLen)
	n := buildRA(b, prefix6, allNodes)
	want := strings.Join([]string{
		"60000000", "0038", "3a", "ff", // IPv6: payload 56, ICMPv6, hop limit 255
		"fe800000000000000000000000000001", // fe80::1
		"ff020000000000000000000000000001", // ff02::1
		"86", "00", "cccc",                 // RA, code 0, checksum
		"40", "00", "2328", // cur hop limit 64, M=O=0, router lifetime 9000
		"00000000", "00000000", // reachable time, retrans timer
		"03", "04", "40", "40", "ffffffff", "ffffffff", "00000000", // PIO /64 A=1 L=0, infinite
		"20010db8004500010000000000000000",
		"05", "01", "0000", "00000578", // MTU 1400
	}, "")
	m, err := icmp.ParseMessage(58, b[40:n])
	if err != nil {
		t.Fatal(err)
	}
	sum, err := m.Marshal(icmp.IPv6PseudoHeader(RouterLinkLocal.AsSlice(), allNodes.AsSlice()))
	if err != nil {
		t.Fatal(err)
	}
	want = strings.Replace(want, "cccc", hex.EncodeToString(sum[2:4]), 1)
	if got := hex.EncodeToString(b[:n]); got != want {
		t.Errorf("RA\n got %s\nwant %s", got, want)
	}
	checkRA(t, b[:n], allNodes, prefix6)
	// The prefix of an address with an interface identifier is masked.
	n = buildRA(b, netip.PrefixFrom(netip.MustParseAddr("2001:db8:45:1::7"), 64), ue6LL)
	checkRA(t, b[:n], ue6LL, prefix6)
}

func TestIsRS(t *testing.T) {
	good := rsPacket(t, ue6LL, allRouters, 255)
	if to, ok := isRS(good); !ok || to != ue6LL {
		t.Errorf("RS from %v: answer to %v, %v", ue6LL, to, ok)
	}
	if to, ok := isRS(rsPacket(t, netip.IPv6Unspecified(), allRouters, 255)); !ok || to != allNodes {
		t.Errorf("RS from ::: answer to %v, %v; want ff02::1", to, ok)
	}
	if _, ok := isRS(rsPacket(t, ue6LL, RouterLinkLocal, 255)); !ok {
		t.Error("RS to the router's link-local address not recognised")
	}
	bad := map[string][]byte{
		"hop limit 64":   rsPacket(t, ue6LL, allRouters, 64),
		"global dst":     rsPacket(t, ue6LL, netip.MustParseAddr("2001:db8::1"), 255),
		"global src":     rsPacket(t, netip.MustParseAddr("2001:db8:45:1::9"), allRouters, 255),
		"truncated":      good[:45],
		"bad checksum":   append(append([]byte(nil), good[:42]...), append([]byte{good[42] ^ 1}, good[43:]...)...),
		"long payloadln": append([]byte(nil), good...),
	}
	bad["long payloadln"][5] = 200
	for name, p := range bad {
		if _, ok := isRS(p); ok {
			t.Errorf("%s: taken for a Router Solicitation", name)
		}
	}
}

// TestRSAnswered: a Router Solicitation on an IPv6 session is answered
// through the session's DL tunnel and does not reach N6; other traffic
// of the session still flows.
func TestRSAnswered(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	gnb6 := netip.MustParseAddrPort("[2001:db8::10]:2152")
	s, _, err := u.Establish(1, v6Rules(gnb6))
	if err != nil {
		t.Fatal(err)
	}
	w := u.NewWorker(nil, nil)
	inner, reply, to := w.Uplink(gpdu(t, ulTEID, 9, rsPacket(t, ue6LL, allRouters, 255)), gnbN3, clk.NS())
	if inner != nil {
		t.Fatal("Router Solicitation forwarded to N6")
	}
	if reply == nil || to != gnb6 {
		t.Fatalf("no RA (reply %d octets to %v)", len(reply), to)
	}
	var p n3.Packet
	if err := p.Parse(reply); err != nil {
		t.Fatal(err)
	}
	if p.Type != n3.TypeGPDU || p.TEID != dlTEID || p.PDUSession() == nil || p.PDUSession().QFI != 9 || p.PDUSession().PDUType != n3.PDUTypeDL {
		t.Fatalf("RA tunnel: type %d TEID %#x psc %+v", p.Type, p.TEID, p.PDUSession())
	}
	checkRA(t, p.Payload, ue6LL, prefix6)
	if st := s.Snapshot(); st.ULPackets != 0 || st.DLPackets != 0 || s.RAsSent() != 1 {
		t.Errorf("counters %+v, RAs %d: the RS/RA pair is not user data", st, s.RAsSent())
	}
	// A packet from the UE's global address still goes to N6.
	udp := rsPacket(t, netip.MustParseAddr("2001:db8:45:1::9"), netip.MustParseAddr("2001:db8:ffff::1"), 64)
	udp[6] = 17
	if got, _, _ := w.Uplink(gpdu(t, ulTEID, 9, udp), gnbN3, clk.NS()); got == nil {
		t.Error("UE traffic dropped")
	}
	// While the DL FAR buffers (idle UE) the RS is dropped, not forwarded.
	r := s.Rules()
	r.FARs[1].Action, r.FARs[1].OHC = ActBuff, nil
	if _, err := s.Install(r); err != nil {
		t.Fatal(err)
	}
	if inner, reply, _ := w.Uplink(gpdu(t, ulTEID, 9, rsPacket(t, ue6LL, allRouters, 255)), gnbN3, clk.NS()); inner != nil || reply != nil {
		t.Error("RS forwarded or answered without a DL tunnel")
	}
	// On an IPv4 session an RS gets no RA.
	u4, clk4, _ := newTestUPF(t)
	if _, _, err := u4.Establish(1, basicRules(gnbN3)); err != nil {
		t.Fatal(err)
	}
	w4 := u4.NewWorker(nil, nil)
	if inner, reply, _ := w4.Uplink(gpdu(t, ulTEID, 9, rsPacket(t, ue6LL, allRouters, 255)), gnbN3, clk4.NS()); inner != nil || reply != nil {
		t.Error("IPv4 session: RS forwarded or answered")
	}
}

// TestRSZeroAlloc: answering a Router Solicitation does not allocate.
func TestRSZeroAlloc(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	if _, _, err := u.Establish(1, v6Rules(gnbN3)); err != nil {
		t.Fatal(err)
	}
	w := u.NewWorker(nil, nil)
	pkt := gpdu(t, ulTEID, 9, rsPacket(t, ue6LL, allRouters, 255))
	if a := testing.AllocsPerRun(100, func() {
		if _, reply, _ := w.Uplink(pkt, gnbN3, clk.NS()); reply == nil {
			t.Fatal("no RA")
		}
	}); a != 0 {
		t.Errorf("%v allocations per RS", a)
	}
}

// TestRAOverN4: over real PFCP and a loopback N3 socket, an IPv6 session
// gets its initial unsolicited RAs when the SMF's modification turns its
// DL FAR to FORW with the gNB's tunnel, and only then; and through the worker
// loops an RS from the UE is answered on N3 while N6 sees nothing.
func TestRAOverN4(t *testing.T) {
	x := newN4Pair(t)
	ss := x.session(t)
	ies := establishmentIEs(ss.LocalSEID())
	ies[2] = ie.NewCreatePDR(ie.NewPDRID(1), ie.NewPrecedence(255),
		ie.NewPDI(ie.NewSourceInterface(ie.SrcInterfaceAccess), ie.NewFTEID(0x05, 0, nil, nil, 0),
			ie.NewNetworkInstance("internet"), ie.NewUEIPAddress(0x01, "", ue6.String(), 0, 0), ie.NewQFI(9)),
		ie.NewOuterHeaderRemoval(0, 0), ie.NewFARID(1), ie.NewQERID(1), ie.NewURRID(1))
	ies[3] = ie.NewCreatePDR(ie.NewPDRID(2), ie.NewPrecedence(255),
		ie.NewPDI(ie.NewSourceInterface(ie.SrcInterfaceCore), ie.NewNetworkInstance("internet"),
			ie.NewUEIPAddress(0x05, "", ue6.String(), 0, 0),
			ie.NewSDFFilter("permit out ip from any to assigned", "", "", "", 0)),
		ie.NewFARID(2), ie.NewQERID(1), ie.NewURRID(1))
	m := request(t, ss, message.NewSessionEstablishmentRequest(0, 0, 0, 0, 0, append(ies, ie.NewPDNType(ie.PDNTypeIPv6))...))
	resp := m.(*message.SessionEstablishmentResponse)
	if c := n4.Cause(resp); c != ie.CauseRequestAccepted {
		t.Fatalf("cause %d", c)
	}
	fteid, err := resp.CreatedPDR[0].FTEID()
	if err != nil {
		t.Fatal(err)
	}
	s := x.u.ul.get(fteid.TEID)
	if s == nil || s.RAsSent() != 0 {
		t.Fatalf("session %v: RA sent while buffering", s)
	}
	modify := func() {
		t.Helper()
		m = request(t, ss, message.NewSessionModificationRequest(0, 0, 0, 0, 0,
			ie.NewUpdateFAR(ie.NewFARID(2), ie.NewApplyAction(0x02),
				ie.NewUpdateForwardingParameters(ie.NewDestinationInterface(ie.DstInterfaceAccess),
					ie.NewOuterHeaderCreation(0x0100, dlTEID, x.gnb.LocalAddr().Addr().String(), "", 0, 0, 0)))))
		if c := n4.Cause(m); c != ie.CauseRequestAccepted {
			t.Fatalf("modification cause %d", c)
		}
	}
	modify()
	rd := &gnbReader{c: x.gnb}
	p := rd.next(t)
	if p.TEID != dlTEID || p.PDUSession() == nil || p.PDUSession().QFI != 9 {
		t.Fatalf("RA tunnel TEID %#x psc %+v", p.TEID, p.PDUSession())
	}
	checkRA(t, p.Payload, allNodes, prefix6)
	// RFC 4861 §6.2.4: two more initial advertisements, then no more.
	for range raInitial - 1 {
		p = rd.next(t)
		checkRA(t, p.Payload, allNodes, prefix6)
	}
	modify() // already forwarding: no new series
	time.Sleep(100 * time.Millisecond)
	if s.RAsSent() != raInitial {
		t.Errorf("%d RAs after a repeated modification, want %d", s.RAsSent(), raInitial)
	}

	// The worker loops: RS in on N3, RA out on N3, nothing on N6.
	dev := newMemDev()
	upfConn := udpConn(t)
	x.u.NewWorker(upfConn, dev)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { x.u.Run(ctx); close(done) }()
	defer func() { cancel(); dev.Close(); <-done }()
	rs := gpdu(t, fteid.TEID, 9, rsPacket(t, ue6LL, allRouters, 255))
	if _, err := x.gnb.WriteBatch([]n3.Message{{Buf: rs, Addr: upfConn.LocalAddr()}}); err != nil {
		t.Fatal(err)
	}
	p = rd.next(t)
	checkRA(t, p.Payload, ue6LL, prefix6)
	select {
	case b := <-dev.out:
		t.Errorf("N6 got %x", b)
	case <-time.After(100 * time.Millisecond):
	}
}

// FuzzRS: arbitrary inner packets on an IPv6 session never panic, and an
// answer is always one fixed-size RA (no amplification) in the session's
// tunnel, never alongside an N6 packet.
func FuzzRS(f *testing.F) {
	f.Add(rsPacket(f, ue6LL, allRouters, 255))
	f.Add(rsPacket(f, netip.IPv6Unspecified(), allRouters, 255))
	f.Fuzz(func(t *testing.T, ip []byte) {
		u, clk, _ := newTestUPF(t)
		if _, _, err := u.Establish(1, v6Rules(gnbN3)); err != nil {
			t.Fatal(err)
		}
		w := u.NewWorker(nil, nil)
		inner, reply, to := w.Uplink(gpdu(t, ulTEID, 9, ip), gnbN3, clk.NS())
		if reply == nil {
			return
		}
		if inner != nil || to != gnbN3 || len(reply) != 16+raLen {
			t.Fatalf("reply of %d octets to %v, inner %d octets", len(reply), to, len(inner))
		}
	})
}
