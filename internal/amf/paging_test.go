package amf_test

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
	"go5g/internal/store"
)

// pagingSMF is an SMF that creates SM contexts without answering the UE
// and records what the AMF tells it about them.
type pagingSMF struct {
	mu       sync.Mutex
	updates  []models.Smf_PDUSess_SmContextUpdateData
	n2       [][]byte
	failures []string // n1n2FailureTxfNotifURI notified, with the cause
}

func (f *pagingSMF) CreateSMContext(ctx context.Context, data models.Smf_PDUSess_SmContextCreateData, n1SmMsg []byte) (string, error) {
	return "ref-1", nil
}

func (f *pagingSMF) UpdateSMContext(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextUpdateData, n1SmMsg, n2SmInfo []byte) (models.Smf_PDUSess_SmContextUpdatedData, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, data)
	f.n2 = append(f.n2, n2SmInfo)
	return models.Smf_PDUSess_SmContextUpdatedData{}, nil
}

func (f *pagingSMF) ReleaseSMContext(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextReleaseData) error {
	return nil
}

func (f *pagingSMF) N1N2TransferFailureNotification(ctx context.Context, uri string, n models.Amf_Comm_N1N2MsgTxfrFailureNotification) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, uri+" "+string(n.Cause))
}

func (f *pagingSMF) setupResponses() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for i, u := range f.updates {
		if u.N2SmInfoType == models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_RSP && f.n2[i] != nil {
			n++
		}
	}
	return n
}

func (f *pagingSMF) failed() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.failures...)
}

// countingPager is a UE camped on a gNB that hears paging and never answers.
type countingPager struct{ n atomic.Int32 }

func (p *countingPager) Paged() { p.n.Add(1) }

// setupTransfer is the N2 SM information an SMF would send.
func setupTransfer(t *testing.T) []byte {
	t.Helper()
	b, err := n2.SetupRequestTransfer{AMBRUplink: 1e8, AMBRDownlink: 1e8, PDUSessionType: n2.PDUSessionIPv4,
		UL:    n2.Tunnel{Addr: netip.MustParseAddr("127.0.0.2"), TEID: 7},
		Flows: []n2.QosFlowRequest{{QFI: 1, FiveQI: 9, ARPPriority: 8, Preemptable: true}}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func transferReq() models.Amf_Comm_N1N2MessageTransferReqData {
	return models.Amf_Comm_N1N2MessageTransferReqData{PduSessionId: 1, N1n2FailureTxfNotifURI: "cb/1",
		N2InfoContainer: &models.Amf_Comm_N2InfoContainer{N2InformationClass: models.Amf_Comm_N2InformationClass_SM,
			SmInfo: &models.Amf_Comm_N2SmInformation{PduSessionId: 1,
				N2InfoContent: &models.Amf_Comm_N2InfoContent{NgapIeType: "PDU_RES_SETUP_REQ"}}}}
}

// TestPaging: N2 content for a PDU session of a UE in CM-IDLE is answered
// ATTEMPTING_TO_REACH_UE; the AMF pages the UE with its 5G-S-TMSI through
// every gNB of its registration area (two TAs here); the UE answers
// SERVICE REQUEST and the PDU session is set up in INITIAL CONTEXT SETUP,
// whose answer goes to the SMF. Then a UE that does not answer is paged
// Pagings times (once for two transfers) and the SMF is told
// UE_NOT_RESPONDING; an unknown session or UE is refused.
//
// Spec: TS 23.502 §4.2.3.3; TS 29.518 §5.2.2.3.1, §5.2.2.3.2; TS 38.413
// §8.5.1, §8.3.1
func TestPaging(t *testing.T) {
	sm := &pagingSMF{}
	n := newNetSMF(t, func(c *amf.Config) { c.TACs = []uint32{1, 2}; c.T3513, c.Pagings = 200*time.Millisecond, 3 }, nil, sm)
	g1 := n.connect(t, "gnb-1", 1)
	cfg2 := n.gnbConfig("gnb-2", 2)
	cfg2.TAC = 2
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g2, err := connectCfg(ctx, cfg2)
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close(ctx)
	n.provision(t, 1, 2, store.AuthMethod5GAKA)
	ues := n.register(t, g1, 1, 2)
	u, other := ues[0], ues[1]
	sctx, scancel := context.WithTimeout(ctx, 300*time.Millisecond)
	u.EstablishPDUSession(sctx, g1, "internet", nil, n1.PDUSessionTypeIPv4) // the fake SMF never accepts
	scancel()
	n.goIdle(t, u)

	d := amf.Defaults()
	id := n2.FiveGSTMSI{SetID: d.SetID, Pointer: d.Pointer, TMSI: u.Result().TMSI}
	far := &countingPager{}
	g2.Camp(id, far) // the same identity heard in the other TA

	tr := setupTransfer(t)
	cause, err := n.amf.N1N2MessageTransferCause(ctx, u.SUPI(), transferReq(), nil, tr)
	if err != nil || cause != models.Amf_Comm_N1N2MessageTransferCause_ATTEMPTING_TO_REACH_UE {
		t.Fatalf("transfer: %q, %v; want ATTEMPTING_TO_REACH_UE", cause, err)
	}
	eventually(t, 10*time.Second, "the UE back with its session set up", func() bool {
		return u.Connected() && sm.setupResponses() == 1
	})
	if s := n.amf.Stats(); s.Pagings != 1 {
		t.Errorf("%d pagings, want 1", s.Pagings)
	}
	if r := u.Result(); r.MTServiceRequests != 1 || r.Pagings < 1 {
		t.Errorf("UE: %d MT service requests, %d pagings", r.MTServiceRequests, r.Pagings)
	}
	if far.n.Load() < 1 || g2.Pagings().OtherArea != 0 || g1.Pagings().OtherArea != 0 {
		t.Errorf("gNB 2 (TA 2) delivered %d pagings; other-area counts %d/%d, want the TAI list to hold both TAs",
			far.n.Load(), g1.Pagings().OtherArea, g2.Pagings().OtherArea)
	}
	found := false
	for _, s := range g1.Sessions() {
		found = found || s.ID == 1 && s.UL.TEID == 7
	}
	if !found {
		t.Errorf("gNB 1 sessions %+v, want PDU session 1 to the UPF's TEID 7", g1.Sessions())
	}
	if other.Result().Pagings != 0 || !other.Connected() {
		t.Errorf("the other UE was disturbed: %+v", other.Result())
	}

	// A UE that hears nothing: its own camping is replaced by a deaf one.
	n.goIdle(t, u)
	deaf := &countingPager{}
	id.TMSI = u.Result().TMSI
	g1.Camp(id, deaf)
	before := g1.Pagings().Received
	for i := range 2 { // the second joins the paging under way
		if cause, err := n.amf.N1N2MessageTransferCause(ctx, u.SUPI(), transferReq(), nil, tr); err != nil ||
			cause != models.Amf_Comm_N1N2MessageTransferCause_ATTEMPTING_TO_REACH_UE {
			t.Fatalf("transfer %d: %q, %v", i+1, cause, err)
		}
	}
	eventually(t, 10*time.Second, "the SMF told of the failure", func() bool { return len(sm.failed()) == 1 })
	if f := sm.failed()[0]; f != "cb/1 UE_NOT_RESPONDING" {
		t.Errorf("failure notification %q", f)
	}
	if got := g1.Pagings().Received - before; got != 3 || deaf.n.Load() != 3 {
		t.Errorf("%d PAGINGs, %d heard; want 3 (Pagings)", got, deaf.n.Load())
	}
	if s := n.amf.Stats(); s.Pagings != 2 || s.PagingFailures != 1 {
		t.Errorf("%d pagings, %d failures; want 2 and 1 (one paging for two transfers)", s.Pagings, s.PagingFailures)
	}

	// No routing context for PDU session 5, no UE: refused, nobody paged.
	req := transferReq()
	req.PduSessionId = 5
	if _, err := n.amf.N1N2MessageTransferCause(ctx, u.SUPI(), req, nil, tr); err == nil {
		t.Error("transfer for an unknown PDU session accepted")
	}
	if _, err := n.amf.N1N2MessageTransferCause(ctx, "imsi-001019999999999", transferReq(), nil, tr); err == nil {
		t.Error("transfer for an unknown UE accepted")
	}
	if s := n.amf.Stats(); s.Pagings != 2 {
		t.Errorf("%d pagings, want 2", s.Pagings)
	}
}

// TestPagingFromGNB: a gNB that sends Paging (an AMF-to-gNB message) or
// garbage in its place gets no crash; the AMF serves on.
func TestPagingFromGNB(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	b, err := n2.Paging{STMSI: n2.FiveGSTMSI{TMSI: 1}, TAIs: []n2.TAI{{PLMN: plmn, TAC: 1}}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, raw := range [][]byte{b, b[:len(b)-3], append(append([]byte(nil), b[:6]...), 0xff, 0xff, 0xff)} {
		if err := g.SendRaw(ctx, 0, raw); err != nil {
			t.Fatal(err)
		}
	}
	n.register(t, g, 1, 1) // still serving
}

// connectCfg brings a gNB up with cfg.
func connectCfg(ctx context.Context, cfg gnb.Config) (*gnb.GNB, error) {
	return gnb.Connect(ctx, cfg)
}

// TestGNBInactivityRelease: a simulated gNB with an inactivity timer asks
// for the release of a quiet UE (UE CONTEXT RELEASE REQUEST, cause
// user-inactivity): the UE ends in CM-IDLE, still registered, camps for
// paging, and comes back by SERVICE REQUEST when paged... here by its own
// request, since no SMF pages it.
//
// Spec: TS 38.413 §8.3.2; TS 23.502 §4.2.6
func TestGNBInactivityRelease(t *testing.T) {
	n := newNet(t, nil)
	cfg := n.gnbConfig("gnb-quiet", 1)
	cfg.Inactivity = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	g, err := connectCfg(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.register(t, g, 1, 1)[0]
	start := time.Now()
	eventually(t, 10*time.Second, "the quiet UE released", func() bool {
		info, ok := n.ueState(t, u.SUPI())
		return ok && info.Registered && !info.Connected && !u.Connected()
	})
	t.Logf("released after %v of quiet (timer 300ms)", time.Since(start).Round(time.Millisecond))
	if r := u.Result(); r.Releases != 1 {
		t.Errorf("UE saw %d releases, want 1", r.Releases)
	}
	if err := u.ServiceRequest(ctx, g); err != nil {
		t.Fatal(err)
	}
	// And released again once quiet again.
	eventually(t, 10*time.Second, "the UE released again", func() bool { return u.Result().Releases == 2 })
}
