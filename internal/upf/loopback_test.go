package upf

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"go5g/internal/n3"
)

// udpConn opens an n3.Conn on a loopback port.
func udpConn(t testing.TB) *n3.Conn {
	t.Helper()
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := n3.NewConn(uc, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// gnbReader reads GTP-U datagrams one at a time from a batch socket.
type gnbReader struct {
	c    *n3.Conn
	pend [][]byte
}

func (g *gnbReader) next(t *testing.T) n3.Packet {
	t.Helper()
	if len(g.pend) == 0 {
		g.c.UDPConn().SetReadDeadline(time.Now().Add(5 * time.Second))
		ms, err := g.c.ReadBatch()
		if err != nil || len(ms) == 0 {
			t.Fatalf("no datagram: %v", err)
		}
		for _, m := range ms {
			g.pend = append(g.pend, append([]byte(nil), m.Buf...))
		}
	}
	var p n3.Packet
	if err := p.Parse(g.pend[0]); err != nil {
		t.Fatal(err)
	}
	g.pend = g.pend[1:]
	return p
}

// TestLoopbackRun runs a worker over a loopback N3 socket and an
// in-memory N6 device: a G-PDU from the "gNB" comes out of N6 unchanged,
// and an IP packet into N6 reaches the gNB as GTP-U with its TEID and QFI.
func TestLoopbackRun(t *testing.T) {
	u, _, _ := newTestUPF(t)
	u.cfg.Now = time.Now
	u.now = time.Now
	upfConn, gnb := udpConn(t), udpConn(t)
	defer gnb.Close()
	if _, _, err := u.Establish(1, basicRules(gnb.LocalAddr())); err != nil {
		t.Fatal(err)
	}
	dev := newMemDev()
	u.NewWorker(upfConn, dev)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx); close(done) }()
	defer func() { cancel(); dev.Close(); <-done }()

	inner := ipv4UDP(ueIP, dnIP, 1000, 53, 200, 0x11)
	if _, err := gnb.WriteBatch([]n3.Message{{Buf: gpdu(t, ulTEID, 9, inner), Addr: upfConn.LocalAddr()}}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-dev.out:
		if !bytes.Equal(got, inner) {
			t.Errorf("N6 got %x, want %x", got, inner)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing on N6")
	}

	ip := ipv4UDP(dnIP, ueIP, 53, 1000, 300, 0x22)
	dev.in <- ip
	p := (&gnbReader{c: gnb}).next(t)
	if p.TEID != dlTEID || p.PDUSession() == nil || p.PDUSession().QFI != 9 || !bytes.Equal(p.Payload, ip) {
		t.Errorf("gNB got TEID %#x psc %+v payload equal %v", p.TEID, p.PDUSession(), bytes.Equal(p.Payload, ip))
	}
}

// TestBufferRelease: with BUFF|NOCP, downlink packets are kept, the
// first one is reported once, and after the FAR turns FORW they leave in
// order. Spec: TS 29.244 §5.2.3.1
func TestBufferRelease(t *testing.T) {
	u, clk, rep := newTestUPF(t)
	gnb := udpConn(t)
	defer gnb.Close()
	r := basicRules(gnb.LocalAddr())
	r.FARs[1].Action = ActBuff | ActNocp
	r.FARs[1].OHC = nil // idle UE: the gNB tunnel is gone
	r.BAR = &BAR{ID: 1, SuggestedPackets: 5}
	r.FARs[1].BARID, r.FARs[1].HasBARID = 1, true
	s, _, err := u.Establish(1, r)
	if err != nil {
		t.Fatal(err)
	}
	upfConn := udpConn(t)
	defer upfConn.Close()
	w := u.NewWorker(upfConn, nil)
	for i := range 7 {
		buf, n := dlBuf(ipv4UDP(dnIP, ueIP, 53, 1000, 100, byte(i)))
		if out, _ := w.Downlink(buf, n, clk.NS()); out != nil {
			t.Fatal("forwarded while buffering")
		}
	}
	u.DrainReports()
	got := rep.all()
	if len(got) != 1 || !got[0].DLData || got[0].PDRID != 2 {
		t.Fatalf("reports %+v, want one downlink data report for PDR 2", got)
	}
	if s.Buffered() != 5 || s.Snapshot().Drops["buffer_full"] != 2 {
		t.Fatalf("buffered %d, buffer_full %d; want 5 and 2 (BAR limit)", s.Buffered(), s.Snapshot().Drops["buffer_full"])
	}
	// The SMF updates the FAR: FORW with the new gNB tunnel.
	r = s.Rules()
	r.FARs[1].Action = ActForw
	r.FARs[1].OHC = &OuterHeader{TEID: dlTEID, Addr: gnb.LocalAddr()}
	if _, err := s.Install(r); err != nil {
		t.Fatal(err)
	}
	sent, err := w.Release(s)
	if err != nil || sent != 5 {
		t.Fatalf("released %d: %v", sent, err)
	}
	rd := &gnbReader{c: gnb}
	for i := range 5 {
		p := rd.next(t)
		if p.TEID != dlTEID || len(p.Payload) != 100 || p.Payload[99] != byte(i) {
			t.Fatalf("packet %d: TEID %#x mark %d", i, p.TEID, p.Payload[len(p.Payload)-1])
		}
	}
	if s.Buffered() != 0 {
		t.Error("buffer not empty after release")
	}
	// Buffering again re-arms the report.
	r = s.Rules()
	r.FARs[1].Action = ActBuff | ActNocp
	if _, err := s.Install(r); err != nil {
		t.Fatal(err)
	}
	buf, n := dlBuf(ipv4UDP(dnIP, ueIP, 53, 1000, 100, 0))
	w.Downlink(buf, n, clk.NS())
	u.DrainReports()
	if len(rep.all()) != 2 {
		t.Errorf("no new downlink data report after buffering again")
	}
}
