package upf

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"

	"go5g/internal/n3"
	"go5g/internal/n4"
)

// Typical SMF rules for a new PDU session (TS 23.502 §4.3.2.2.1 step 10):
// UL PDR with CHOOSE, DL PDR buffering until the gNB's tunnel is known.
func ulPDR() *ie.IE {
	return ie.NewCreatePDR(ie.NewPDRID(1), ie.NewPrecedence(255),
		ie.NewPDI(ie.NewSourceInterface(ie.SrcInterfaceAccess),
			ie.NewFTEID(0x05, 0, nil, nil, 0), // V4 + CH
			ie.NewNetworkInstance("internet"),
			ie.NewUEIPAddress(0x02, ueIP.String(), "", 0, 0),
			ie.NewQFI(9)),
		ie.NewOuterHeaderRemoval(0, 0), ie.NewFARID(1), ie.NewQERID(1), ie.NewURRID(1))
}

func dlPDR() *ie.IE {
	return ie.NewCreatePDR(ie.NewPDRID(2), ie.NewPrecedence(255),
		ie.NewPDI(ie.NewSourceInterface(ie.SrcInterfaceCore),
			ie.NewNetworkInstance("internet"),
			ie.NewUEIPAddress(0x06, ueIP.String(), "", 0, 0), // V4 + S/D (destination)
			ie.NewSDFFilter("permit out ip from any to assigned", "", "", "", 0)),
		ie.NewFARID(2), ie.NewQERID(1), ie.NewURRID(1))
}

func establishmentIEs(cpSEID uint64) []*ie.IE {
	return []*ie.IE{
		ie.NewNodeID("127.0.0.1", "", ""),
		ie.NewFSEID(cpSEID, net.IPv4(127, 0, 0, 1).To4(), nil),
		ulPDR(), dlPDR(),
		ie.NewCreateFAR(ie.NewFARID(1), ie.NewApplyAction(0x02),
			ie.NewForwardingParameters(ie.NewDestinationInterface(ie.DstInterfaceCore), ie.NewNetworkInstance("internet"))),
		ie.NewCreateFAR(ie.NewFARID(2), ie.NewApplyAction(0x0c), ie.NewBARID(1)), // BUFF|NOCP
		ie.NewCreateQER(ie.NewQERID(1), ie.NewGateStatus(ie.GateStatusOpen, ie.GateStatusOpen), ie.NewMBR(100000, 200000), ie.NewQFI(9)),
		ie.NewCreateURR(ie.NewURRID(1), ie.NewMeasurementMethod(0, 1, 1), ie.NewReportingTriggers(0x02, 0x00),
			ie.NewVolumeThreshold(0x01, 1000, 0, 0)),
		ie.NewCreateBAR(ie.NewBARID(1), ie.NewSuggestedBufferingPacketsCount(10)),
	}
}

// wire marshals and parses m, as the node would.
func wire[M message.Message](t *testing.T, m M) M {
	t.Helper()
	b := make([]byte, m.MarshalLen())
	if err := m.MarshalTo(b); err != nil {
		t.Fatal(err)
	}
	p, err := message.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return p.(M)
}

func TestEstablishmentRules(t *testing.T) {
	req := wire(t, message.NewSessionEstablishmentRequest(0, 0, 0, 1, 0, establishmentIEs(0x77)...))
	r, err := EstablishmentRules(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.PDRs) != 2 || len(r.FARs) != 2 || len(r.QERs) != 1 || len(r.URRs) != 1 || r.BAR == nil {
		t.Fatalf("rules %+v", r)
	}
	ul, dl := r.PDRs[0], r.PDRs[1]
	if ul.SourceInterface != IfAccess || !ul.Choose || ul.HasTEID || ul.UEIPv4 != ueIP || ul.QFI != 9 || !ul.RemoveOHC || ul.FARID != 1 ||
		len(ul.QERIDs) != 1 || len(ul.URRIDs) != 1 || ul.Precedence != 255 {
		t.Errorf("UL PDR %+v", ul)
	}
	if dl.SourceInterface != IfCore || dl.UEIPv4 != ueIP || len(dl.SDF) != 1 || dl.FARID != 2 {
		t.Errorf("DL PDR %+v", dl)
	}
	if f := r.FARs[1]; f.Action != ActBuff|ActNocp || !f.HasBARID || f.OHC != nil {
		t.Errorf("DL FAR %+v", f)
	}
	if q := r.QERs[0]; q.MBRUL != 100000 || q.MBRDL != 200000 || q.QFI != 9 || q.GateULClosed || q.GateDLClosed {
		t.Errorf("QER %+v", q)
	}
	if u := r.URRs[0]; u.Triggers != TrigVolumeThreshold || u.VolumeThreshold != 1000 {
		t.Errorf("URR %+v", u)
	}
	if r.BAR.SuggestedPackets != 10 {
		t.Errorf("BAR %+v", r.BAR)
	}
}

func TestEstablishmentRulesErrors(t *testing.T) {
	drop := func(typ uint16) []*ie.IE {
		var out []*ie.IE
		for _, i := range establishmentIEs(1) {
			if i.Type != typ {
				out = append(out, i)
			}
		}
		return out
	}
	with := func(extra ...*ie.IE) []*ie.IE { return append(establishmentIEs(1), extra...) }
	tests := []struct {
		name      string
		ies       []*ie.IE
		cause     uint8
		offending uint16
		rule      string
	}{
		{"no Node ID", drop(ie.NodeID), ie.CauseMandatoryIEMissing, ie.NodeID, ""},
		{"no CP F-SEID", drop(ie.FSEID), ie.CauseMandatoryIEMissing, ie.FSEID, ""},
		{"no Create PDR", drop(ie.CreatePDR), ie.CauseMandatoryIEMissing, ie.CreatePDR, ""},
		{"no Create FAR", drop(ie.CreateFAR), ie.CauseMandatoryIEMissing, ie.CreateFAR, ""},
		{"PDR without PDI", with(ie.NewCreatePDR(ie.NewPDRID(7), ie.NewPrecedence(1), ie.NewFARID(1))), ie.CauseMandatoryIEMissing, ie.PDI, ""},
		{"PDI without source interface", with(ie.NewCreatePDR(ie.NewPDRID(7), ie.NewPrecedence(1), ie.NewPDI(ie.NewQFI(1)), ie.NewFARID(1))), ie.CauseMandatoryIEMissing, ie.SourceInterface, ""},
		{"PDR without precedence", with(ie.NewCreatePDR(ie.NewPDRID(7), ie.NewPDI(ie.NewSourceInterface(1)), ie.NewFARID(1))), ie.CauseMandatoryIEMissing, ie.Precedence, ""},
		{"PDR without FAR ID", with(ie.NewCreatePDR(ie.NewPDRID(7), ie.NewPrecedence(1), ie.NewPDI(ie.NewSourceInterface(1)))), ie.CauseConditionalIEMissing, ie.FARID, ""},
		{"FAR without apply action", with(ie.NewCreateFAR(ie.NewFARID(9))), ie.CauseMandatoryIEMissing, ie.ApplyAction, ""},
		{"QER without gate", with(ie.NewCreateQER(ie.NewQERID(9))), ie.CauseMandatoryIEMissing, ie.GateStatus, ""},
		{"URR without triggers", with(ie.NewCreateURR(ie.NewURRID(9), ie.NewMeasurementMethod(0, 1, 0))), ie.CauseMandatoryIEMissing, ie.ReportingTriggers, ""},
		{"bad flow description", with(ie.NewCreatePDR(ie.NewPDRID(7), ie.NewPrecedence(1),
			ie.NewPDI(ie.NewSourceInterface(1), ie.NewSDFFilter("permit in nothing", "", "", "", 0)), ie.NewFARID(1))), ie.CauseRuleCreationModificationFailure, 0, "PDR"},
		{"duplicate PDR ID", with(ulPDR()), ie.CauseRuleCreationModificationFailure, 0, "PDR"},
	}
	for _, tc := range tests {
		req := wire(t, message.NewSessionEstablishmentRequest(0, 0, 0, 1, 0, tc.ies...))
		_, err := EstablishmentRules(req)
		var pe *PFCPError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err %v, want a PFCPError", tc.name, err)
			continue
		}
		if pe.Cause != tc.cause || pe.Offending != tc.offending || (tc.rule != "") != (pe.Rule != nil) || (pe.Rule != nil && pe.Rule.Kind != tc.rule) {
			t.Errorf("%s: got cause %d offending %d rule %+v; want %d %d %q", tc.name, pe.Cause, pe.Offending, pe.Rule, tc.cause, tc.offending, tc.rule)
		}
	}
}

// smfSide is an SMF's PFCP node associated with the UPF's node over
// loopback, with the UPF's N4 glue behind it.
type smfSide struct {
	upfN4   netip.AddrPort
	smfN4   netip.AddrPort
	u       *UPF
	w       *Worker
	gnb     *n3.Conn
	peer    *n4.Peer
	reports chan *message.SessionReportRequest
}

func newN4Pair(t *testing.T) *smfSide {
	t.Helper()
	clk := newClock()
	gnb := udpConn(t)
	t.Cleanup(func() { gnb.Close() })
	u, err := New(Config{N3Addr: netip.MustParseAddr("127.0.0.1"), Now: clk.Now, PeerPort: gnb.LocalAddr().Port(),
		RAInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	upfConn := udpConn(t)
	t.Cleanup(func() { upfConn.Close() })
	w := u.NewWorker(upfConn, nil)
	g := NewN4(u, w)
	upfNode, err := n4.New(n4.Config{Function: n4.UP, NodeID: "127.0.0.1", Addr: "127.0.0.1:0", HeartbeatInterval: -1, Handlers: g.Handlers(), SetupIEs: g.SetupIEs()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { upfNode.Close() })
	smf, err := n4.New(n4.Config{Function: n4.CP, NodeID: "127.0.0.1", Addr: "127.0.0.1:0", HeartbeatInterval: -1, T1: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smf.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := smf.Associate(ctx, upfNode.Addr().(*net.UDPAddr).AddrPort())
	if err != nil {
		t.Fatal(err)
	}
	if rsp, ok := p.SetupMessage().(*message.AssociationSetupResponse); !ok || rsp.UPFunctionFeatures == nil ||
		len(rsp.UPFunctionFeatures.Payload) < 1 || rsp.UPFunctionFeatures.Payload[0]&0x10 == 0 {
		t.Errorf("association setup response %+v: want UP Function Features with FTUP", p.SetupMessage())
	}
	return &smfSide{upfN4: upfNode.Addr().(*net.UDPAddr).AddrPort(), smfN4: smf.Addr().(*net.UDPAddr).AddrPort(), u: u, w: w, gnb: gnb, peer: p, reports: make(chan *message.SessionReportRequest, 16)}
}

func (x *smfSide) session(t *testing.T) *n4.Session {
	s, err := x.peer.NewSession(0, n4.SessionHandlerFunc(func(_ *n4.Session, m message.Message) (message.Message, error) {
		if r, ok := m.(*message.SessionReportRequest); ok {
			x.reports <- r
			return message.NewSessionReportResponse(0, 0, 0, 0, 0, ie.NewCause(ie.CauseRequestAccepted)), nil
		}
		return nil, errors.New("unexpected")
	}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func request(t *testing.T, s *n4.Session, m message.Message) message.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := s.Request(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestN4Session drives a whole PDU session over real PFCP: establishment
// with CHOOSE, downlink data report while buffering, modification with
// the gNB tunnel releasing the buffer, usage report on the volume
// threshold, and deletion with the final usage.
func TestN4Session(t *testing.T) { n4Scenario(t, newN4Pair(t)) }

func n4Scenario(t *testing.T, x *smfSide) {
	ss := x.session(t)
	m := request(t, ss, message.NewSessionEstablishmentRequest(0, 0, 0, 0, 0,
		append(establishmentIEs(ss.LocalSEID()), ie.NewPDNType(ie.PDNTypeIPv4))...))
	resp := m.(*message.SessionEstablishmentResponse)
	if c := n4.Cause(resp); c != ie.CauseRequestAccepted {
		t.Fatalf("cause %d", c)
	}
	if resp.SEID() != ss.LocalSEID() {
		t.Errorf("response header SEID %#x, want the CP SEID %#x", resp.SEID(), ss.LocalSEID())
	}
	if len(resp.CreatedPDR) != 1 {
		t.Fatalf("%d Created PDRs, want 1", len(resp.CreatedPDR))
	}
	fteid, err := resp.CreatedPDR[0].FTEID()
	if err != nil || fteid.TEID == 0 || !fteid.IPv4Address.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("created F-TEID %+v: %v", fteid, err)
	}
	upSEID, err := resp.UPFSEID.FSEID()
	if err != nil || ss.RemoteSEID() != upSEID.SEID {
		t.Fatalf("UP F-SEID %+v: %v", upSEID, err)
	}
	s := x.u.Session(upSEID.SEID)
	if s == nil || x.u.ul.get(fteid.TEID) != s {
		t.Fatal("session or TEID not installed")
	}

	// A downlink packet while the FAR buffers: one report.
	now := x.u.now().UnixNano()
	for i := range 3 {
		buf, n := dlBuf(ipv4UDP(dnIP, ueIP, 40001, 40000, 100, byte(i)))
		x.w.Downlink(buf, n, now)
	}
	x.u.DrainReports()
	select {
	case r := <-x.reports:
		if r.ReportType == nil || len(r.ReportType.Payload) == 0 || r.ReportType.Payload[0]&0x01 == 0 || r.DownlinkDataReport == nil {
			t.Errorf("report %+v: want DLDR", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no Session Report Request")
	}

	// The SMF sends the gNB's tunnel: FORW, buffered packets leave in order.
	gaddr := x.gnb.LocalAddr()
	m = request(t, ss, message.NewSessionModificationRequest(0, 0, 0, 0, 0,
		ie.NewUpdateFAR(ie.NewFARID(2), ie.NewApplyAction(0x02),
			ie.NewUpdateForwardingParameters(ie.NewDestinationInterface(ie.DstInterfaceAccess),
				ie.NewOuterHeaderCreation(0x0100, dlTEID, gaddr.Addr().String(), "", 0, 0, 0)))))
	if c := n4.Cause(m); c != ie.CauseRequestAccepted {
		t.Fatalf("modification cause %d", c)
	}
	rd := &gnbReader{c: x.gnb}
	for i := range 3 {
		p := rd.next(t)
		if p.TEID != dlTEID || p.Payload[len(p.Payload)-1] != byte(i) {
			t.Fatalf("released packet %d: TEID %#x mark %d", i, p.TEID, p.Payload[len(p.Payload)-1])
		}
	}

	// Usage: 1,000 octets total trigger a report.
	buf, n := dlBuf(ipv4UDP(dnIP, ueIP, 40001, 40000, 800, 0))
	if out, _ := x.w.Downlink(buf, n, now); out == nil {
		t.Fatal("DL dropped after FORW")
	}
	x.u.DrainReports()
	select {
	case r := <-x.reports:
		if len(r.UsageReport) != 1 {
			t.Fatalf("report without usage: %+v", r)
		}
		vm, err := r.UsageReport[0].VolumeMeasurement()
		if err != nil || vm.TotalVolume != 1100 || vm.DownlinkVolume != 1100 {
			t.Errorf("volume %+v: %v", vm, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no usage report")
	}

	// Rejections: a PDR with an unknown FAR.
	m = request(t, ss, message.NewSessionModificationRequest(0, 0, 0, 0, 0,
		ie.NewCreatePDR(ie.NewPDRID(9), ie.NewPrecedence(1), ie.NewPDI(ie.NewSourceInterface(1), ie.NewUEIPAddress(0x06, ueIP.String(), "", 0, 0)), ie.NewFARID(99))))
	mr := m.(*message.SessionModificationResponse)
	if c := n4.Cause(mr); c != ie.CauseRuleCreationModificationFailure || mr.FailedRuleID == nil {
		t.Errorf("cause %d failed rule %v, want 73 with Failed Rule ID", c, mr.FailedRuleID)
	} else if id, _ := mr.FailedRuleID.FailedRuleID(); id != 9 {
		t.Errorf("failed rule id %d, want 9", id)
	}

	// QAURR: immediate usage of every URR in the response.
	buf, n = dlBuf(ipv4UDP(dnIP, ueIP, 40001, 40000, 200, 0))
	x.w.Downlink(buf, n, now)
	m = request(t, ss, message.NewSessionModificationRequest(0, 0, 0, 0, 0, ie.NewPFCPSMReqFlags(0x04)))
	if qr := m.(*message.SessionModificationResponse); len(qr.UsageReport) != 1 || !qr.UsageReport[0].HasIMMER() {
		t.Errorf("QAURR: %d usage reports", len(qr.UsageReport))
	} else if vm, err := qr.UsageReport[0].VolumeMeasurement(); err != nil || vm.TotalVolume != 200 {
		t.Errorf("QAURR volume %+v: %v", vm, err)
	}

	// Deletion: the final usage report.
	buf, n = dlBuf(ipv4UDP(dnIP, ueIP, 40001, 40000, 300, 0))
	x.w.Downlink(buf, n, now)
	m = request(t, ss, message.NewSessionDeletionRequest(0, 0, 0, 0, 0))
	dr := m.(*message.SessionDeletionResponse)
	if c := n4.Cause(dr); c != ie.CauseRequestAccepted || len(dr.UsageReport) != 1 {
		t.Fatalf("deletion cause %d with %d usage reports", c, len(dr.UsageReport))
	}
	vm, err := dr.UsageReport[0].VolumeMeasurement()
	if err != nil || vm.TotalVolume != 300 {
		t.Errorf("final volume %+v: %v", vm, err)
	}
	if x.u.Sessions() != 0 || x.u.ul.len() != 0 {
		t.Error("session state left after deletion")
	}
	m = request(t, ss, message.NewSessionDeletionRequest(0, 0, 0, 0, 0))
	if c := n4.Cause(m); c != ie.CauseSessionContextNotFound {
		t.Errorf("second deletion: cause %d, want 65", c)
	}
}

// TestN4MissingIE: the node answers a request missing a mandatory IE with
// #66 and the Offending IE. Spec: TS 29.244 §7.2.3.2
func TestN4MissingIE(t *testing.T) {
	x := newN4Pair(t)
	ss := x.session(t)
	var ies []*ie.IE
	for _, i := range establishmentIEs(ss.LocalSEID()) {
		if i.Type != ie.CreateFAR {
			ies = append(ies, i)
		}
	}
	m := request(t, ss, message.NewSessionEstablishmentRequest(0, 0, 0, 0, 0, ies...))
	r := m.(*message.SessionEstablishmentResponse)
	if c := n4.Cause(r); c != ie.CauseMandatoryIEMissing || r.OffendingIE == nil {
		t.Fatalf("cause %d offending %v", c, r.OffendingIE)
	}
	if o, _ := r.OffendingIE.OffendingIE(); o != ie.CreateFAR {
		t.Errorf("offending IE %d, want Create FAR (%d)", o, ie.CreateFAR)
	}
	if x.u.Sessions() != 0 {
		t.Error("rejected establishment left a session")
	}
}

// TestN4ReleaseDeletesSessions: when the SMF releases the association, the
// UPF deletes its sessions and their rules locally.
//
// Spec: TS 29.244 §6.2.8.2
func TestN4ReleaseDeletesSessions(t *testing.T) {
	x := newN4Pair(t)
	for range 3 {
		ss := x.session(t)
		m := request(t, ss, message.NewSessionEstablishmentRequest(0, 0, 0, 0, 0, establishmentIEs(ss.LocalSEID())...))
		if c := n4.Cause(m); c != ie.CauseRequestAccepted {
			t.Fatalf("establishment cause %d", c)
		}
	}
	if n := x.u.Sessions(); n != 3 {
		t.Fatalf("UPF holds %d sessions, want 3", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := x.peer.Release(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for x.u.Sessions() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := x.u.Sessions(); n != 0 {
		t.Errorf("after the association release the UPF still holds %d sessions", n)
	}
}
