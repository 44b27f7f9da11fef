package amf_test

import (
	"context"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/store"
)

// TestPDUSessionResourceModify: the SMF's N1N2MessageTransfer with a
// Modify Request Transfer (PDU_RES_MOD_REQ) reaches the gNB as PDU
// SESSION RESOURCE MODIFY REQUEST with the 5GSM message as the session's
// NAS PDU; the gNB applies it (new AMBR, a GBR flow added) and its
// response goes back to the SMF as PDU_RES_MOD_RSP with the gNB's Modify
// Response Transfer.
//
// Spec: TS 38.413 §8.2.3, §9.2.1.3, §9.2.1.4; TS 23.502 §4.3.3.2 steps 3b-7a
func TestPDUSessionResourceModify(t *testing.T) {
	sm := &pagingSMF{}
	n := newNetSMF(t, nil, nil, sm)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.register(t, g, 1, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sctx, scancel := context.WithTimeout(ctx, 300*time.Millisecond)
	u.EstablishPDUSession(sctx, g, "internet", nil, n1.PDUSessionTypeIPv4) // the fake SMF never accepts
	scancel()
	if err := n.amf.N1N2MessageTransfer(ctx, u.SUPI(), transferReq(), nil, setupTransfer(t)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the session set up", func() bool { return sm.setupResponses() == 1 })

	gbr := n2.QosFlowRequest{QFI: 2, FiveQI: 1, ARPPriority: 8, Preemptable: true,
		GBR: &n2.GBRQosInfo{MFBRUplink: 2e6, MFBRDownlink: 4e6, GFBRUplink: 1e6, GFBRDownlink: 2e6}}
	tr, err := n2.ModifyRequestTransfer{AMBRUplink: 5e7, AMBRDownlink: 6e7, AddOrModify: []n2.QosFlowRequest{gbr}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	req := transferReq()
	req.N2InfoContainer.SmInfo.N2InfoContent.NgapIeType = "PDU_RES_MOD_REQ"
	cmd := []byte{n1.EPD5GSM, 1, 0, n1.MsgPDUSessionModificationCommand, 0x2a, 6, 1, 0xea, 0x60, 1, 0xc3, 0x50}
	if err := n.amf.N1N2MessageTransfer(ctx, u.SUPI(), req, cmd, tr); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the gNB's modify response at the SMF", func() bool { return len(modifyUpdates(sm)) == 1 })
	up := modifyUpdates(sm)[0]
	if up.t != models.Smf_PDUSess_N2SmInfoType_PDU_RES_MOD_RSP {
		t.Fatalf("SMF got %q, want PDU_RES_MOD_RSP", up.t)
	}
	if r, err := n2.ParseModifyResponseTransfer(up.n2); err != nil || len(r.AddedOrModified) != 1 || r.AddedOrModified[0] != 2 {
		t.Errorf("modify response transfer %+v, %v", r, err)
	}
	ss := g.Sessions()
	if len(ss) != 1 || ss[0].AMBRUplink != 5e7 || len(ss[0].Flows) != 2 || ss[0].Flows[1].GBR == nil || ss[0].Flows[1].GBR.GFBRDownlink != 2e6 {
		t.Errorf("gNB session after modify %+v", ss)
	}

}

type smN2Update struct {
	t  models.Smf_PDUSess_N2SmInfoType
	n2 []byte
}

func modifyUpdates(f *pagingSMF) []smN2Update {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []smN2Update
	for i, u := range f.updates {
		if u.N2SmInfoType == models.Smf_PDUSess_N2SmInfoType_PDU_RES_MOD_RSP || u.N2SmInfoType == models.Smf_PDUSess_N2SmInfoType_PDU_RES_MOD_FAIL {
			out = append(out, smN2Update{u.N2SmInfoType, f.n2[i]})
		}
	}
	return out
}
