package smf_test

import (
	"context"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n1"
	"go5g/internal/pcf"
)

// TestModificationIdleUE: a policy change for the session of a UE in
// CM-IDLE (user plane deactivated: the SMF sends only the PDU SESSION
// MODIFICATION COMMAND) makes the AMF page the UE; after its SERVICE
// REQUEST the UE gets the command and completes it, and the SMF installs
// the new rules on the UPF. The session's user plane comes back later (a
// Downlink Data Report) with the modified QoS in the Setup Request
// Transfer: the gNB gets all three QoS flows.
//
// Spec: TS 23.502 §4.3.3.2 step 3b, §4.2.3.3; TS 24.501 §6.3.2
func TestModificationIdleUE(t *testing.T) {
	n, p := newPolicyNet(t, []pcf.Policy{{Name: "voice", DNN: "internet", PCCRules: []pcf.PCCRule{voiceRule}}})
	g := n.connect(t)
	n.provision(t, 1, 1)
	u, info := n.sessionUE(t, g, 1)
	n.goIdle(t, u)

	start := time.Now()
	if err := p.SetPolicies([]pcf.Policy{{Name: "voice+video", DNN: "internet",
		SessionAMBR: &models.Ambr{Uplink: "50 Mbps", Downlink: "60 Mbps"}, PCCRules: []pcf.PCCRule{voiceRule, videoRule}}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the idle UE paged and the command applied", func() bool {
		for _, x := range u.Sessions() {
			if x.ID == 1 && x.AMBRUplink == 50e6 && x.AMBRDownlink == 60e6 && len(x.QoSRules) == 3 && len(x.Flows) == 3 {
				return true
			}
		}
		return false
	})
	t.Logf("policy change to the idle UE's applied command: %v", time.Since(start))
	eventually(t, 10*time.Second, "the UPF rules", func() bool {
		_, mods, _ := n.upf.session(info.UPSEID)
		for _, m := range mods {
			if len(m.CreateQERs) == 1 && m.CreateQERs[0].QFI == 3 && len(m.UpdateQERs) == 1 && m.UpdateQERs[0].MBRUplink == 50e6 {
				return true
			}
		}
		return false
	})
	if s := n.amf.PagingStats(); s.Started != 1 || s.Succeeded != 1 || s.Failed != 0 {
		t.Errorf("AMF paging %+v, want one started and succeeded", s)
	}
	if r := u.Result(); r.MTServiceRequests != 1 {
		t.Errorf("UE: %d MT service requests, want 1", r.MTServiceRequests)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.smf.DownlinkData(ctx, "upf", info.UPSEID)
	var after = info
	eventually(t, 10*time.Second, "the user plane back", func() bool {
		var ok bool
		after, ok = n.smf.Session(u.SUPI(), 1)
		return ok && after.Active
	})
	gs, ok := gnbSession(g, after.UL.TEID)
	if !ok || len(gs.Flows) != 3 || gs.AMBRUplink != 50e6 {
		t.Errorf("gNB session %+v, want 3 QoS flows and AMBR UL 50 Mbit/s", gs)
	}
}

// TestReleaseIdleUE: a network-requested release of the session of a UE
// in CM-IDLE pages nobody: the SMF sends the command with skipInd, the AMF
// answers N1_MSG_NOT_TRANSFERRED, and the SMF releases the session (N4
// deleted, the AMF told) without the UE. The UE's next SERVICE REQUEST
// asks for PSI 1 in vain: the SMF is not asked. A UE in CM-CONNECTED
// still gets the command.
//
// Spec: TS 23.502 §4.3.4.2 step 3b; TS 29.518 §5.2.2.3.1; TS 24.501 §5.6.1.4.1
func TestReleaseIdleUE(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t)
	n.provision(t, 1, 2)
	u, info := n.sessionUE(t, g, 1)
	u2, info2 := n.sessionUE(t, g, 2)
	n.goIdle(t, u)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if err := n.smf.Release(ctx, u.SUPI(), 1, n1.SMCauseRegularDeactivation); err != nil {
		t.Fatal(err)
	}
	if _, ok := n.smf.Session(u.SUPI(), 1); ok {
		t.Error("the SMF still has the session")
	}
	if _, _, deleted := n.upf.session(info.UPSEID); !deleted {
		t.Error("N4 session not deleted")
	}
	if s := n.smf.Stats(); s.IdleReleases != 1 {
		t.Errorf("%d idle releases, want 1", s.IdleReleases)
	}
	if s := n.amf.PagingStats(); s.Started != 0 {
		t.Errorf("the release paged: %+v", s)
	}
	// A report for the released session's SEID finds nothing.
	n.smf.DownlinkData(ctx, "upf", info.UPSEID)
	if s := n.amf.PagingStats(); s.Started != 0 {
		t.Errorf("a report for a released session paged: %+v", s)
	}
	if err := u.ServiceRequestData(ctx, g, 1); err != nil {
		t.Fatalf("service request: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if _, ok := n.smf.Session(u.SUPI(), 1); ok {
		t.Error("the service request brought the session back")
	}
	if l := u.Sessions(); len(l) != 0 {
		t.Errorf("the UE kept %d sessions after SERVICE ACCEPT's PDU session status said inactive", len(l))
	}

	// Connected: the command reaches the UE, which completes it.
	if err := n.smf.Release(ctx, u2.SUPI(), 1, n1.SMCauseRegularDeactivation); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the connected UE's release", func() bool {
		_, ok := n.smf.Session(u2.SUPI(), 1)
		return !ok && len(u2.Sessions()) == 0
	})
	if _, _, deleted := n.upf.session(info2.UPSEID); !deleted {
		t.Error("N4 session of UE 2 not deleted")
	}
	if s := n.smf.Stats(); s.IdleReleases != 1 {
		t.Errorf("%d idle releases, want 1 (UE 2 was connected)", s.IdleReleases)
	}
}
