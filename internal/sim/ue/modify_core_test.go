package ue_test

import (
	"context"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/core"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/netns/netnstest"
	"go5g/internal/pcf"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/testenv"
	"go5g/internal/tun"
)

// TestQoSThroughCore runs the QoS procedures against the real core
// in-process with its embedded UPF (in a namespace of the test's own):
// a GBR PCC rule of the PCF gives the UE a second QoS rule and flow and
// the gNB a GBR QoS flow; replacing the PCF's policies at runtime
// (core.PCF().SetPolicies) modifies the session at the UE and the gNB;
// a UE-requested modification is answered; the release deletes the SM
// policy association.
//
// Spec: TS 23.502 §4.3.2.2.1, §4.3.3.2; TS 24.501 §6.3.2, §6.4.2
func TestQoSThroughCore(t *testing.T) {
	testenv.NeedRoot(t)
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	tp := netnstest.New(t)
	corens := tp.NS("core")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, g, u := coreUE(t, ctx, corens, func(cfg *core.Config) { cfg.SMF.DNNs[0].IPv6Pool = "" },
		gnb.Config{Name: "gnb-qos-test"}, false)
	voice := pcf.PCCRule{ID: "voice", Precedence: 10, FlowDescriptions: []string{"permit out 17 from any to assigned 5000-5010"},
		QoS: pcf.QoS{FiveQI: 1, MaxBRUL: "2 Mbps", MaxBRDL: "4 Mbps", GBRUL: "1 Mbps", GBRDL: "2 Mbps"}}
	if err := c.PCF().SetPolicies([]pcf.Policy{{Name: "voice", DNN: "internet", PCCRules: []pcf.PCCRule{voice}}}); err != nil {
		t.Fatal(err)
	}

	s, err := u.EstablishPDUSession(ctx, g, "internet", &n2.SNSSAI{SST: 1}, n1.PDUSessionTypeIPv4)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.QoSRules) != 2 || len(s.Flows) != 2 || s.Flows[1].QFI != 2 || s.Flows[1].GFBRDownlink != 2e6 {
		t.Errorf("UE QoS rules %+v flows %+v: want the default and the voice flow", s.QoSRules, s.Flows)
	}
	waitLong(t, "the gNB's GBR QoS flow", func() bool {
		gs := g.Sessions()
		return len(gs) == 1 && len(gs[0].Flows) == 2 && gs[0].Flows[1].GBR != nil && gs[0].Flows[1].GBR.MFBRDownlink == 4e6
	})
	waitLong(t, "the SMF to see the user plane active", func() bool {
		info, ok := c.SMF().Session("imsi-001010000000001", s.ID)
		return ok && info.Active && len(info.QoSFlows) == 1
	})

	// The policies change at runtime: a new Session-AMBR, no voice rule.
	if err := c.PCF().SetPolicies([]pcf.Policy{{Name: "ambr", DNN: "internet",
		SessionAMBR: &models.Ambr{Uplink: "30 Mbps", Downlink: "40 Mbps"}}}); err != nil {
		t.Fatal(err)
	}
	waitLong(t, "the UE to apply the modification", func() bool {
		for _, x := range u.Sessions() {
			if x.ID == s.ID {
				return x.AMBRDownlink == 40e6 && len(x.QoSRules) == 1 && len(x.Flows) == 1
			}
		}
		return false
	})
	waitLong(t, "the gNB to apply the modification", func() bool {
		gs := g.Sessions()
		return len(gs) == 1 && gs[0].AMBRDownlink == 40e6 && len(gs[0].Flows) == 1 && len(gs[0].QFIs) == 1
	})
	if ms, err := u.ModifyPDUSession(ctx, s.ID, ue.ModifyOptions{}); err != nil || ms.AMBRUplink != 30e6 {
		t.Errorf("UE-requested modification: %+v, %v", ms, err)
	}
	if err := u.ReleasePDUSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	waitLong(t, "the SM policy association to go", func() bool { return c.PCF().Associations() == 0 })
}

// waitLong is waitFor with the generous deadline a whole core needs.
func waitLong(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
