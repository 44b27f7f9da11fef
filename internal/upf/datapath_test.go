package upf

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"go5g/internal/n3"
)

func TestUplinkForwardsInnerUnchanged(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	s, _, err := u.Establish(1, basicRules(gnbN3))
	if err != nil {
		t.Fatal(err)
	}
	w := u.NewWorker(nil, nil)
	inner := ipv4UDP(ueIP, dnIP, 4000, 53, 100, 0xab)
	for _, qfi := range []uint8{0, 9} {
		got, reply, _ := w.Uplink(gpdu(t, ulTEID, qfi, inner), gnbN3, clk.NS())
		if reply != nil || !bytes.Equal(got, inner) {
			t.Fatalf("QFI %d: inner %x reply %x, want the T-PDU unchanged", qfi, got, reply)
		}
	}
	if st := s.Snapshot(); st.ULPackets != 2 || st.ULBytes != 200 {
		t.Errorf("session counters %+v, want 2 packets 200 bytes", st)
	}
	// A spoofed source address matches no PDR (the UL PDR has the UE IP).
	spoof := ipv4UDP(dnIP, dnIP, 4000, 53, 100, 0)
	if got, _, _ := w.Uplink(gpdu(t, ulTEID, 9, spoof), gnbN3, clk.NS()); got != nil {
		t.Error("spoofed source forwarded")
	}
	if n := u.Stats().Drops["no_pdr"]; n != 1 {
		t.Errorf("no_pdr drops = %d, want 1", n)
	}
}

func TestDownlinkEncapsulates(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	if _, _, err := u.Establish(1, basicRules(gnbN3)); err != nil {
		t.Fatal(err)
	}
	w := u.NewWorker(nil, nil)
	ip := ipv4UDP(dnIP, ueIP, 53, 4000, 1400, 0xcd)
	buf, n := dlBuf(ip)
	out, to := w.Downlink(buf, n, clk.NS())
	if out == nil {
		t.Fatalf("dropped: %+v", u.Stats().Drops)
	}
	if to != gnbN3 {
		t.Errorf("sent to %v, want %v", to, gnbN3)
	}
	var p n3.Packet
	if err := p.Parse(out); err != nil {
		t.Fatal(err)
	}
	psc := p.PDUSession()
	if p.Type != n3.TypeGPDU || p.TEID != dlTEID || psc == nil || psc.PDUType != n3.PDUTypeDL || psc.QFI != 9 {
		t.Fatalf("header %+v psc %+v: want G-PDU TEID %#x with DL PDU Session Container QFI 9", p.Header, psc, dlTEID)
	}
	if !bytes.Equal(p.Payload, ip) {
		t.Error("payload changed")
	}
	// Unknown UE address.
	buf, n = dlBuf(ipv4UDP(dnIP, dnIP, 53, 4000, 40, 0))
	if out, _ := w.Downlink(buf, n, clk.NS()); out != nil {
		t.Error("packet for no UE forwarded")
	}
	if st := u.Stats(); st.Drops["no_session"] != 1 || st.DLPackets != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestDropFAR(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	r := basicRules(gnbN3)
	r.FARs[0].Action, r.FARs[1].Action = ActDrop, ActDrop
	s, _, err := u.Establish(1, r)
	if err != nil {
		t.Fatal(err)
	}
	w := u.NewWorker(nil, nil)
	if got, _, _ := w.Uplink(gpdu(t, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1, 2, 60, 0)), gnbN3, clk.NS()); got != nil {
		t.Error("UL forwarded")
	}
	buf, n := dlBuf(ipv4UDP(dnIP, ueIP, 2, 1, 60, 0))
	if out, _ := w.Downlink(buf, n, clk.NS()); out != nil {
		t.Error("DL forwarded")
	}
	if st := s.Snapshot(); st.Drops["far_drop"] != 2 || st.ULPackets+st.DLPackets != 0 {
		t.Errorf("session stats %+v", st)
	}
}

func TestGateClosed(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	r := basicRules(gnbN3)
	r.QERs[0].GateULClosed = true
	if _, _, err := u.Establish(1, r); err != nil {
		t.Fatal(err)
	}
	w := u.NewWorker(nil, nil)
	if got, _, _ := w.Uplink(gpdu(t, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1, 2, 60, 0)), gnbN3, clk.NS()); got != nil {
		t.Error("UL forwarded through a closed gate")
	}
	buf, n := dlBuf(ipv4UDP(dnIP, ueIP, 2, 1, 60, 0))
	if out, _ := w.Downlink(buf, n, clk.NS()); out == nil {
		t.Error("DL dropped with an open DL gate")
	}
	if d := u.Stats().Drops["gate"]; d != 1 {
		t.Errorf("gate drops %d", d)
	}
}

// TestMBR offers 50 Mbit/s for one second of fake time to a 10 Mbit/s
// QER and checks what passes by octets. Spec: TS 29.244 §5.4.2 (MBR)
func TestMBR(t *testing.T) {
	for _, dir := range []string{"UL", "DL"} {
		u, clk, _ := newTestUPF(t)
		r := basicRules(gnbN3)
		r.QERs[0].MBRUL, r.QERs[0].MBRDL = 10_000, 10_000 // kbit/s
		if _, _, err := u.Establish(1, r); err != nil {
			t.Fatal(err)
		}
		w := u.NewWorker(nil, nil)
		const size = 1250 // octets: 50 Mbit/s = 5,000 packets/s
		ul := gpdu(t, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1, 2, size, 0))
		dl := ipv4UDP(dnIP, ueIP, 2, 1, size, 0)
		buf := make([]byte, Headroom+size)
		passed := 0
		for i := range 5000 {
			clk.Add(200 * time.Microsecond)
			_ = i
			if dir == "UL" {
				if got, _, _ := w.Uplink(ul, gnbN3, clk.NS()); got != nil {
					passed += len(got)
				}
			} else {
				copy(buf[Headroom:], dl)
				if out, _ := w.Downlink(buf, size, clk.NS()); out != nil {
					passed += size
				}
			}
		}
		want := 10_000_000 / 8
		if passed < want*9/10 || passed > want*11/10 {
			t.Errorf("%s: %d octets passed in 1 s at 10 Mbit/s MBR, want %d ±10%%", dir, passed, want)
		}
		if u.Stats().Drops["mbr"] == 0 {
			t.Errorf("%s: no MBR drops counted", dir)
		}
	}
}

// TestURRVolumeThreshold: crossing the threshold queues one usage report
// with the volume; the measurement restarts. Spec: TS 29.244 §5.2.2.2.1
func TestURRVolumeThreshold(t *testing.T) {
	u, clk, rep := newTestUPF(t)
	r := basicRules(gnbN3)
	r.URRs[0] = URR{ID: 1, Triggers: TrigVolumeThreshold, VolumeThreshold: 1000}
	if _, _, err := u.Establish(1, r); err != nil {
		t.Fatal(err)
	}
	w := u.NewWorker(nil, nil)
	pkt := gpdu(t, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1, 2, 300, 0))
	for range 3 {
		w.Uplink(pkt, gnbN3, clk.NS())
	}
	u.DrainReports()
	if n := len(rep.all()); n != 0 {
		t.Fatalf("%d reports below the threshold", n)
	}
	buf, n := dlBuf(ipv4UDP(dnIP, ueIP, 2, 1, 200, 0))
	w.Downlink(buf, n, clk.NS()) // 1,100 octets in total
	u.DrainReports()
	got := rep.all()
	if len(got) != 1 || len(got[0].Usage) != 1 {
		t.Fatalf("reports %+v, want one usage report", got)
	}
	us := got[0].Usage[0]
	if us.Trigger != UsageVolumeThreshold || us.ULBytes != 900 || us.DLBytes != 200 || us.ULPackets != 3 || us.DLPackets != 1 {
		t.Errorf("usage %+v", us)
	}
	// Packets after the report count towards the next period.
	for range 3 {
		w.Uplink(pkt, gnbN3, clk.NS())
	}
	u.DrainReports()
	if got := rep.all(); len(got) != 1 {
		t.Errorf("%d reports after 900 more octets, want still 1", len(got))
	}
	w.Uplink(pkt, gnbN3, clk.NS())
	u.DrainReports()
	if got := rep.all(); len(got) != 2 || got[1].Usage[0].ULBytes != 1200 || got[1].Usage[0].Seq != 1 {
		t.Errorf("second report %+v", got)
	}
}

func TestURRTimeThresholdAndFinal(t *testing.T) {
	u, clk, rep := newTestUPF(t)
	r := basicRules(gnbN3)
	r.URRs[0] = URR{ID: 1, Triggers: TrigTimeThreshold, TimeThreshold: 10 * time.Second}
	s, _, err := u.Establish(1, r)
	if err != nil {
		t.Fatal(err)
	}
	w := u.NewWorker(nil, nil)
	w.Uplink(gpdu(t, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1, 2, 100, 0)), gnbN3, clk.NS())
	clk.Add(9 * time.Second)
	u.CheckTimeThresholds()
	u.DrainReports()
	if len(rep.all()) != 0 {
		t.Fatal("report before the time threshold")
	}
	clk.Add(time.Second)
	u.CheckTimeThresholds()
	u.DrainReports()
	got := rep.all()
	if len(got) != 1 || got[0].Usage[0].Trigger != UsageTimeThreshold || got[0].Usage[0].Duration != 10*time.Second || got[0].Usage[0].ULBytes != 100 {
		t.Fatalf("reports %+v", got)
	}
	w.Uplink(gpdu(t, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1, 2, 70, 0)), gnbN3, clk.NS())
	clk.Add(3 * time.Second)
	final := u.Delete(s)
	if len(final) != 1 || final[0].Trigger != UsageTermination || final[0].ULBytes != 70 || final[0].Duration != 3*time.Second {
		t.Errorf("final usage %+v", final)
	}
}

func TestUnknownTEIDErrorIndication(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	w := u.NewWorker(nil, nil)
	peer := netip.MustParseAddrPort("192.0.2.10:40000")
	_, reply, to := w.Uplink(gpdu(t, 0xdead, 9, ipv4UDP(ueIP, dnIP, 1, 2, 60, 0)), peer, clk.NS())
	if reply == nil {
		t.Fatal("no Error Indication")
	}
	if to != netip.AddrPortFrom(peer.Addr(), n3.Port) {
		t.Errorf("sent to %v, want the peer on port 2152", to)
	}
	var ei n3.ErrorIndication
	if err := ei.Parse(reply); err != nil {
		t.Fatalf("%x: %v", reply, err)
	}
	if ei.TEID != 0 || ei.TEIDDataI != 0xdead || ei.PeerAddress != upfN3 {
		t.Errorf("error indication %+v", ei)
	}
	if n := u.Stats().Drops["unknown_teid"]; n != 1 {
		t.Errorf("unknown_teid = %d", n)
	}
}

func TestMalformedCounted(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	w := u.NewWorker(nil, nil)
	bad := [][]byte{
		{0x30},                         // too short
		{0x50, 0xff, 0, 0, 0, 0, 0, 1}, // version 2
		{0x30, 0xff, 0, 9, 0, 0, 0, 1}, // length beyond the packet
	}
	for _, b := range bad {
		if inner, reply, _ := w.Uplink(b, gnbN3, clk.NS()); inner != nil || reply != nil {
			t.Errorf("%x: answered", b)
		}
	}
	if n := u.Stats().Drops["malformed"]; n != uint64(len(bad)) {
		t.Errorf("malformed = %d, want %d", n, len(bad))
	}
	// A G-PDU whose T-PDU is not IP.
	if _, _, err := u.Establish(1, basicRules(gnbN3)); err != nil {
		t.Fatal(err)
	}
	if inner, _, _ := w.Uplink(gpdu(t, ulTEID, 9, []byte{0x00, 1, 2}), gnbN3, clk.NS()); inner != nil {
		t.Error("non-IP T-PDU forwarded")
	}
	if n := u.Stats().Drops["bad_inner"]; n != 1 {
		t.Errorf("bad_inner = %d", n)
	}
}

func TestEchoAnswered(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	w := u.NewWorker(nil, nil)
	req := n3.NewEchoRequest(77)
	b := make([]byte, req.MarshalLen())
	if _, err := req.MarshalTo(b); err != nil {
		t.Fatal(err)
	}
	_, reply, to := w.Uplink(b, gnbN3, clk.NS())
	var resp n3.EchoResponse
	if err := resp.Parse(reply); err != nil {
		t.Fatalf("reply %x: %v", reply, err)
	}
	if resp.Seq != 77 || to != gnbN3 {
		t.Errorf("echo response seq %d to %v", resp.Seq, to)
	}
}

// TestZeroAlloc: the per-packet functions do not allocate.
func TestZeroAlloc(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	r := basicRules(gnbN3)
	r.QERs[0].MBRUL, r.QERs[0].MBRDL = 1e9, 1e9
	r.URRs[0] = URR{ID: 1, Triggers: TrigVolumeThreshold, VolumeThreshold: 1 << 62}
	if _, _, err := u.Establish(1, r); err != nil {
		t.Fatal(err)
	}
	w := u.NewWorker(nil, nil)
	ul := gpdu(t, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1, 2, 1400, 0))
	dl := ipv4UDP(dnIP, ueIP, 2, 1, 1400, 0)
	buf := make([]byte, Headroom+len(dl))
	if a := testing.AllocsPerRun(1000, func() {
		clk.Add(time.Microsecond)
		if got, _, _ := w.Uplink(ul, gnbN3, clk.NS()); got == nil {
			t.Fatal("UL dropped")
		}
	}); a != 0 {
		t.Errorf("Uplink: %v allocs per packet", a)
	}
	if a := testing.AllocsPerRun(1000, func() {
		clk.Add(time.Microsecond)
		copy(buf[Headroom:], dl)
		if out, _ := w.Downlink(buf, len(dl), clk.NS()); out == nil {
			t.Fatal("DL dropped")
		}
	}); a != 0 {
		t.Errorf("Downlink: %v allocs per packet", a)
	}
}

func TestUnsupportedExtensionNotified(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	w := u.NewWorker(nil, nil)
	p := n3.NewGPDU(ulTEID, ipv4UDP(ueIP, dnIP, 1, 2, 40, 0))
	p.AddExtension(n3.ExtensionHeader{Type: 0xc1, Raw: []byte{0, 0}}) // comprehension required, unknown
	b := make([]byte, p.MarshalLen())
	if _, err := p.MarshalTo(b); err != nil {
		t.Fatal(err)
	}
	inner, reply, to := w.Uplink(b, gnbN3, clk.NS())
	if inner != nil || reply == nil || to != gnbN3 {
		t.Fatalf("inner %x reply %x to %v", inner, reply, to)
	}
	var h n3.Packet
	if err := h.Parse(reply); err != nil || h.Type != n3.TypeSupportedExtensionHeadersNotification {
		t.Errorf("reply type %d: %v", h.Type, err)
	}
}

// TestIPv6 covers an IPv6 PDU session: DL lookup by the UE's /64 prefix
// (any interface identifier), UL anti-spoofing by prefix, and an IPv6
// gNB address in the outer header.
func TestIPv6(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	ue6 := netip.MustParseAddr("2001:db8:45:1::1")
	gnb6 := netip.MustParseAddrPort("[2001:db8::10]:2152")
	r := basicRules(gnb6)
	r.PDRs[0].UEIPv4, r.PDRs[0].UEIPv6 = netip.Addr{}, ue6
	r.PDRs[1].UEIPv4, r.PDRs[1].UEIPv6 = netip.Addr{}, ue6
	if _, _, err := u.Establish(1, r); err != nil {
		t.Fatal(err)
	}
	w := u.NewWorker(nil, nil)
	ip6 := func(src, dst netip.Addr) []byte {
		b := make([]byte, 48)
		b[0] = 0x60
		b[5] = 8
		b[6] = 17
		b[7] = 64
		s, d := src.As16(), dst.As16()
		copy(b[8:], s[:])
		copy(b[24:], d[:])
		return b
	}
	dn6 := netip.MustParseAddr("2001:db8:ffff::1")
	other := netip.MustParseAddr("2001:db8:45:1:abcd::7") // same /64
	buf, n := dlBuf(ip6(dn6, other))
	out, to := w.Downlink(buf, n, clk.NS())
	if out == nil || to != gnb6 {
		t.Fatalf("DL to %v dropped or misrouted (%v)", other, to)
	}
	if got, _, _ := w.Uplink(gpdu(t, ulTEID, 9, ip6(other, dn6)), gnbN3, clk.NS()); got == nil {
		t.Error("UL from the UE's /64 dropped")
	}
	if got, _, _ := w.Uplink(gpdu(t, ulTEID, 9, ip6(dn6, dn6)), gnbN3, clk.NS()); got != nil {
		t.Error("UL from outside the UE's /64 forwarded")
	}
}

// TestConcurrentModify: the packet path runs while the control plane
// modifies the session and establishes and deletes others (run with
// -race: rule sets and tables are swapped, never written in place).
func TestConcurrentModify(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	s, _, err := u.Establish(1, basicRules(gnbN3))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 300 {
			r := s.Rules()
			r.FARs[1].Action = []uint16{ActForw, ActDrop}[i%2]
			r.QERs[0].MBRDL = uint64(i%3) * 1000
			if _, err := s.Install(r); err != nil {
				t.Error(err)
				return
			}
			o := basicRules(gnbN3)
			o.PDRs[0].TEID = 0x9000 + uint32(i)
			a := netip.AddrFrom4([4]byte{10, 47, 0, byte(i)})
			o.PDRs[0].UEIPv4, o.PDRs[1].UEIPv4 = a, a
			other, _, err := u.Establish(uint64(100+i), o)
			if err != nil {
				t.Error(err)
				return
			}
			u.Delete(other)
		}
	}()
	w := u.NewWorker(nil, nil)
	ul := gpdu(t, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1, 2, 100, 0))
	dl := ipv4UDP(dnIP, ueIP, 2, 1, 100, 0)
	buf := make([]byte, Headroom+len(dl))
	for n := 0; ; n++ {
		select {
		case <-done:
			if st := s.Snapshot(); st.ULPackets == 0 {
				t.Errorf("no UL packet forwarded in %d tries", n)
			}
			return
		default:
		}
		w.Uplink(ul, gnbN3, clk.NS())
		copy(buf[Headroom:], dl)
		w.Downlink(buf, len(dl), clk.NS())
	}
}
