package amf_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
)

// idleSMF is an SMF that creates SM contexts without answering the UE,
// activates their user plane when asked (with transfer as the Setup
// Request Transfer) and records the 5GSM messages the UE sends back.
type idleSMF struct {
	transfer []byte

	mu         sync.Mutex
	activating int
	setups     int
	n1         [][]byte
}

func (f *idleSMF) CreateSMContext(ctx context.Context, data models.Smf_PDUSess_SmContextCreateData, n1SmMsg []byte) (string, error) {
	return "ref-1", nil
}

func (f *idleSMF) UpdateSMContext(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextUpdateData, n1SmMsg, n2SmInfo []byte) (models.Smf_PDUSess_SmContextUpdatedData, error) {
	out, _, err := f.UpdateSMContextN2(ctx, ref, data, n1SmMsg, n2SmInfo)
	return out, err
}

func (f *idleSMF) UpdateSMContextN2(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextUpdateData, n1SmMsg, n2SmInfo []byte) (models.Smf_PDUSess_SmContextUpdatedData, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n1SmMsg != nil {
		f.n1 = append(f.n1, n1SmMsg)
	}
	if data.N2SmInfoType == models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_RSP && n2SmInfo != nil {
		f.setups++
	}
	if data.UpCnxState == models.Smf_PDUSess_UpCnxState_ACTIVATING {
		f.activating++
		return models.Smf_PDUSess_SmContextUpdatedData{UpCnxState: models.Smf_PDUSess_UpCnxState_ACTIVATING}, f.transfer, nil
	}
	return models.Smf_PDUSess_SmContextUpdatedData{}, nil, nil
}

func (f *idleSMF) ReleaseSMContext(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextReleaseData) error {
	return nil
}

// state is the activations asked, setups answered and the message types
// of the 5GSM messages received from the UE.
func (f *idleSMF) state() (activations, setups int, types []uint8) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.n1 {
		if len(b) > 3 {
			types = append(types, b[3])
		}
	}
	return f.activating, f.setups, types
}

// idleUE registers UE 1, gives it PDU session 1 in the AMF and releases
// it to CM-IDLE.
func idleUE(t *testing.T, edit func(*amf.Config)) (*testNet, *idleSMF, *gnb.GNB, *ue.UE) {
	t.Helper()
	sm := &idleSMF{transfer: setupTransfer(t)}
	n := newNetSMF(t, edit, nil, sm)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.register(t, g, 1, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sctx, scancel := context.WithTimeout(ctx, 300*time.Millisecond)
	u.EstablishPDUSession(sctx, g, "internet", nil, n1.PDUSessionTypeIPv4) // the fake SMF never accepts
	scancel()
	n.goIdle(t, u)
	return n, sm, g, u
}

// modifyTransfer is an SMF's network-requested modification: the command
// (Session-AMBR 60/50 Mbit/s) and the Modify Request Transfer.
func modifyTransfer(t *testing.T) (models.Amf_Comm_N1N2MessageTransferReqData, []byte, []byte) {
	t.Helper()
	tr, err := n2.ModifyRequestTransfer{AMBRUplink: 5e7, AMBRDownlink: 6e7}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	req := transferReq()
	req.N2InfoContainer.SmInfo.N2InfoContent.NgapIeType = "PDU_RES_MOD_REQ"
	req.N1MessageContainer = &models.Amf_Comm_N1MessageContainer{N1MessageClass: models.Amf_Comm_N1MessageClass_SM}
	cmd := []byte{n1.EPD5GSM, 1, 0, n1.MsgPDUSessionModificationCommand, 0x2a, 6, 6, 0x00, 0x3c, 6, 0x00, 0x32}
	return req, cmd, tr
}

// TestPagingModification: a network-requested PDU session modification
// (Modify Request Transfer and PDU SESSION MODIFICATION COMMAND) for a UE
// in CM-IDLE is not refused: the AMF answers ATTEMPTING_TO_REACH_UE and
// pages the UE; at its SERVICE REQUEST the AMF asks the SMF for the
// session's Setup Request Transfer (upCnxState ACTIVATING), INITIAL
// CONTEXT SETUP sets the session up on the gNB with the command as the
// session's NAS PDU, and the UE answers the command (here 5GSM STATUS:
// the fake SMF never gave it the session).
//
// Spec: TS 23.502 §4.3.3.2 step 3b, §4.2.3.3 step 3a, §4.2.3.2 step 4;
// TS 38.413 §9.2.2.1 (PDU Session Resource Setup Request Item: NAS-PDU)
func TestPagingModification(t *testing.T) {
	n, sm, g, u := idleUE(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, cmd, tr := modifyTransfer(t)
	cause, err := n.amf.N1N2MessageTransferCause(ctx, u.SUPI(), req, cmd, tr)
	if err != nil || cause != models.Amf_Comm_N1N2MessageTransferCause_ATTEMPTING_TO_REACH_UE {
		t.Fatalf("modification for an idle UE: %q, %v; want ATTEMPTING_TO_REACH_UE", cause, err)
	}
	eventually(t, 10*time.Second, "the UE back, its session set up and the command answered", func() bool {
		a, s, types := sm.state()
		return u.Connected() && a == 1 && s == 1 && len(types) == 1
	})
	if _, _, types := sm.state(); types[0] != n1.MsgStatus5GSM {
		t.Errorf("the UE answered 5GSM message type %#x, want 5GSM STATUS", types[0])
	}
	found := false
	for _, s := range g.Sessions() {
		found = found || s.ID == 1 && s.UL.TEID == 7
	}
	if !found {
		t.Errorf("gNB sessions %+v, want PDU session 1 set up from the SMF's transfer", g.Sessions())
	}
	if r := u.Result(); r.MTServiceRequests != 1 {
		t.Errorf("UE: %d MT service requests, want 1", r.MTServiceRequests)
	}
	if s := n.amf.PagingStats(); s.Started != 1 || s.Succeeded != 1 || s.Failed != 0 || s.Sent < 1 || s.Dropped != 0 {
		t.Errorf("paging stats %+v, want 1 started and succeeded, ≥1 sent", s)
	}
}

// TestPagingKeepsSetupAndCommand: a Downlink Data Report's setup and a
// modification's command for the same idle session both wait: the setup
// is not replaced by the later N1-only transfer, and the command rides in
// INITIAL CONTEXT SETUP with it. A retransmitted command (T3591) is kept
// once. The UE hears no paging until every transfer is in (a silent pager
// camps for it), then sends its SERVICE REQUEST.
//
// Spec: TS 23.502 §4.2.3.3 step 3a ("a second request ... while paging"),
// §4.3.3.2 step 3b
func TestPagingKeepsSetupAndCommand(t *testing.T) {
	n, sm, g, u := idleUE(t, func(c *amf.Config) { c.T3513 = 5 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := amf.Defaults()
	silent := &countingPager{}
	g.Camp(n2.FiveGSTMSI{SetID: d.SetID, Pointer: d.Pointer, TMSI: u.Result().TMSI}, silent)
	if cause, err := n.amf.N1N2MessageTransferCause(ctx, u.SUPI(), transferReq(), nil, setupTransfer(t)); err != nil ||
		cause != models.Amf_Comm_N1N2MessageTransferCause_ATTEMPTING_TO_REACH_UE {
		t.Fatalf("setup: %q, %v", cause, err)
	}
	_, cmd, _ := modifyTransfer(t)
	n1only := models.Amf_Comm_N1N2MessageTransferReqData{PduSessionId: 1,
		N1MessageContainer: &models.Amf_Comm_N1MessageContainer{N1MessageClass: models.Amf_Comm_N1MessageClass_SM}}
	for range 2 {
		if cause, err := n.amf.N1N2MessageTransferCause(ctx, u.SUPI(), n1only, cmd, nil); err != nil ||
			cause != models.Amf_Comm_N1N2MessageTransferCause_ATTEMPTING_TO_REACH_UE {
			t.Fatalf("command: %q, %v", cause, err)
		}
	}
	eventually(t, 10*time.Second, "the paging heard", func() bool { return silent.n.Load() >= 1 })
	if err := u.ServiceRequest(ctx, g); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the session set up and the command answered", func() bool {
		_, s, types := sm.state()
		return u.Connected() && s == 1 && len(types) >= 1
	})
	time.Sleep(200 * time.Millisecond) // a duplicate command would be answered by now
	a, _, types := sm.state()
	if a != 0 || len(types) != 1 {
		t.Errorf("%d activations asked, %d 5GSM answers; want 0 (the SMF's setup was kept) and 1 (the command once)", a, len(types))
	}
	if len(g.Sessions()) != 1 {
		t.Errorf("gNB sessions %+v", g.Sessions())
	}
	if s := n.amf.PagingStats(); s.Started != 1 || s.Succeeded != 1 {
		t.Errorf("paging %+v, want one started and succeeded", s)
	}
}

// TestIdleReleaseSkip: a network-requested release with skipInd for a UE
// in CM-IDLE is answered N1_MSG_NOT_TRANSFERRED and pages nobody; without
// skipInd (and with the N2 release, which the AN cannot use for an idle
// UE) the UE is paged and gets PDU SESSION RELEASE COMMAND after SERVICE
// ACCEPT.
//
// Spec: TS 23.502 §4.3.4.2 step 3b; TS 29.518 §5.2.2.3.1, §6.1.6.3.x
// (N1_MSG_NOT_TRANSFERRED)
func TestIdleReleaseSkip(t *testing.T) {
	n, sm, _, u := idleUE(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rel := []byte{n1.EPD5GSM, 1, 0, n1.MsgPDUSessionReleaseCommand, 36} // #36 regular deactivation
	req := models.Amf_Comm_N1N2MessageTransferReqData{PduSessionId: 1, SkipInd: true,
		N1MessageContainer: &models.Amf_Comm_N1MessageContainer{N1MessageClass: models.Amf_Comm_N1MessageClass_SM}}
	cause, err := n.amf.N1N2MessageTransferCause(ctx, u.SUPI(), req, rel, nil)
	if err != nil || cause != models.Amf_Comm_N1N2MessageTransferCause_N1_MSG_NOT_TRANSFERRED {
		t.Fatalf("release with skipInd: %q, %v; want N1_MSG_NOT_TRANSFERRED", cause, err)
	}
	if s := n.amf.PagingStats(); s.Started != 0 {
		t.Errorf("skipInd paged: %+v", s)
	}

	req = transferReq()
	req.N2InfoContainer.SmInfo.N2InfoContent.NgapIeType = "PDU_RES_REL_CMD"
	tr, err := n2.ReleaseCommandTransfer{Cause: n2.MakeCause(n2.CauseNAS, 0)}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cause, err = n.amf.N1N2MessageTransferCause(ctx, u.SUPI(), req, rel, tr)
	if err != nil || cause != models.Amf_Comm_N1N2MessageTransferCause_ATTEMPTING_TO_REACH_UE {
		t.Fatalf("release without skipInd: %q, %v; want ATTEMPTING_TO_REACH_UE", cause, err)
	}
	eventually(t, 10*time.Second, "the UE back and the release command answered", func() bool {
		_, _, types := sm.state()
		return u.Connected() && len(types) == 1
	})
	if a, s, types := sm.state(); a != 0 || s != 0 || types[0] != n1.MsgPDUSessionReleaseComplete {
		t.Errorf("%d activations, %d setups, answers %#x; want none, none, RELEASE COMPLETE", a, s, types)
	}
}
