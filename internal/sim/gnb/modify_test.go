package gnb_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/gnb/gnbtest"
)

// TestModify: the gNB applies PDU SESSION RESOURCE MODIFY REQUEST to its
// session (new AMBR, a GBR QoS flow added, later released) and answers
// with the flows it added or modified; a session it does not have fails
// with radio network cause "unknown PDU session ID" (26), a transfer it
// cannot read with a protocol cause, and neither disturbs the session.
//
// Spec: TS 38.413 §8.2.3.2, §9.3.4.3, §9.3.4.4, §9.3.4.17, §9.3.1.2
func TestModify(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	amf := gnbtest.StartAMF(t)
	g, err := gnb.Connect(ctx, amf.GNBConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(context.Background())
	c, err := amf.Connect(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	ul := n2.Tunnel{Addr: netip.MustParseAddr("127.0.0.2"), TEID: 9}
	if _, err := amf.SetupSession(ctx, c, 1, ul, n2.PDUSessionIPv4, 1); err != nil {
		t.Fatal(err)
	}
	gbr := n2.QosFlowRequest{QFI: 2, FiveQI: 1, ARPPriority: 8,
		GBR: &n2.GBRQosInfo{MFBRUplink: 2e6, MFBRDownlink: 4e6, GFBRUplink: 1e6, GFBRDownlink: 2e6}}
	add, _ := n2.ModifyRequestTransfer{AMBRUplink: 5e7, AMBRDownlink: 6e7, AddOrModify: []n2.QosFlowRequest{gbr}}.Marshal()
	r, err := amf.ModifySessions(ctx, c, []n2.SessionItem{{ID: 1, Transfer: add}, {ID: 9, Transfer: add}, {ID: 3, Transfer: []byte{0xff}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Modified) != 1 || r.Modified[0].ID != 1 || len(r.Failed) != 2 {
		t.Fatalf("response %+v", r)
	}
	if mt, err := n2.ParseModifyResponseTransfer(r.Modified[0].Transfer); err != nil || len(mt.AddedOrModified) != 1 || mt.AddedOrModified[0] != 2 {
		t.Errorf("modify response transfer %+v, %v", mt, err)
	}
	for _, f := range r.Failed {
		u, err := n2.ParseModifyUnsuccessfulTransfer(f.Transfer)
		want := n2.MakeCause(n2.CauseRadioNetwork, 26)
		if f.ID == 3 {
			want = n2.MakeCause(n2.CauseProtocol, 1)
		}
		if err != nil || u.Cause != want {
			t.Errorf("session %d failed with %+v, %v; want cause %v", f.ID, u, err, want)
		}
	}
	s, _ := c.Session(1)
	if s.AMBRUplink != 5e7 || s.AMBRDownlink != 6e7 || len(s.QFIs) != 2 || len(s.Flows) != 2 || *s.Flows[1].GBR != *gbr.GBR {
		t.Errorf("session after modify %+v", s)
	}
	rel, _ := n2.ModifyRequestTransfer{Release: []n2.QosFlowCause{{QFI: 2, Cause: n2.MakeCause(n2.CauseNAS, 0)}}}.Marshal()
	if r, err = amf.ModifySessions(ctx, c, []n2.SessionItem{{ID: 1, Transfer: rel}}); err != nil || len(r.Modified) != 1 {
		t.Fatalf("release flow: %+v, %v", r, err)
	}
	if s, _ = c.Session(1); len(s.QFIs) != 1 || s.QFIs[0] != 1 || len(s.Flows) != 1 || s.AMBRUplink != 5e7 {
		t.Errorf("session after releasing QFI 2 %+v", s)
	}
}
