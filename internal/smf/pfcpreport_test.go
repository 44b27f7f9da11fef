package smf

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"

	"go5g/internal/n2"
	"go5g/internal/rules"
)

// TestPFCPDownlinkDataReport: the real UPF buffering a session's downlink
// (DL FAR BUFF|NOCP) sends one Session Report Request with a Downlink Data
// Report on the first packet; the SMF's PFCP client acknowledges it and
// hands the session's handle to the SMF. Once the FAR forwards, the UPF
// sends the buffered packets to the gNB, oldest first. A report without
// or with a broken Report Type is refused with its PFCP cause.
//
// Spec: TS 29.244 §5.2.3.1, §7.5.8, §7.5.9, §8.2.21; TS 23.502 §4.2.3.3 steps 2a-2b
func TestPFCPDownlinkDataReport(t *testing.T) {
	gnb := gnbConn(t)
	x := startUPF(t, "127.0.0.1:0", gnb.LocalAddr().(*net.UDPAddr).AddrPort().Port(), time.Now())
	smfN4 := startSMF(t, x.n4Addr(), -1)
	u := smfN4.UPF("upf")
	reported := make(chan uint64, 4)
	u.OnDownlinkData(func(h uint64) { reported <- h })
	ctx := context.Background()

	ue := netip.MustParseAddr("10.45.0.9")
	c := testContext(ue) // not active: the DL FAR buffers and notifies
	est, err := u.EstablishSession(ctx, c.establishment())
	if err != nil {
		t.Fatal(err)
	}
	dn := netip.MustParseAddr("198.18.0.1")
	for i := range 3 {
		x.dev.in <- ipv4UDP(dn, ue, 200, byte(i))
	}
	select {
	case h := <-reported:
		if h != est.UPSEID {
			t.Errorf("report for handle %#x, want %#x", h, est.UPSEID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no downlink data report reached the SMF")
	}
	waitFor(t, "3 packets buffered", func() bool { return x.u.Session(est.UPSEID).Buffered() == 3 })
	select {
	case h := <-reported:
		t.Errorf("a second report (%#x) for the same buffering", h)
	case <-time.After(200 * time.Millisecond):
	}

	c.active, c.dl = true, n2.Tunnel{Addr: loopback, TEID: 0x77}
	if err := u.ModifySession(ctx, est.UPSEID, rules.Modification{UpdateFARs: []rules.FAR{c.dlFAR()}}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	for i := range 3 {
		gnb.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := gnb.Read(buf)
		if err != nil {
			t.Fatalf("buffered packet %d: %v", i, err)
		}
		if mark := buf[n-1]; mark != byte(i) {
			t.Errorf("buffered packet %d came with mark %d", i, mark)
		}
	}

	u.mu.Lock()
	ps := u.sessions[est.UPSEID]
	u.mu.Unlock()
	for name, req := range map[string]*message.SessionReportRequest{
		"no report type":  message.NewSessionReportRequest(0, 0, 0, 0, 0),
		"bad report type": message.NewSessionReportRequest(0, 0, 0, 0, 0, ie.New(ie.ReportType, nil)),
	} {
		m, err := u.handle(ps, ps.ns, req)
		r, ok := m.(*message.SessionReportResponse)
		if err != nil || !ok || r.Cause == nil {
			t.Errorf("%s: %v, %v", name, m, err)
			continue
		}
		if cause, _ := r.Cause.Cause(); cause == ie.CauseRequestAccepted {
			t.Errorf("%s: accepted", name)
		}
	}
}
