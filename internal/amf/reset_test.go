package amf_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/store"
)

// TestAMFResetRAN: an AMF-initiated NG Reset of one connection, then of
// the whole interface: the gNB acknowledges and drops those UE contexts,
// the AMF releases its side, and the UEs stay registered in CM-IDLE (a
// SERVICE REQUEST brings one back). The other gNB's UEs are untouched.
//
// Spec: TS 38.413 §8.7.4.2.1; TS 23.502 §4.2.6
func TestAMFResetRAN(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	other := n.connect(t, "gnb-2", 2)
	n.provision(t, 1, 4, store.AuthMethod5GAKA)
	ues := n.register(t, g, 1, 3)
	bystander := n.register(t, other, 4, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	eventually(t, 5*time.Second, "registrations complete", func() bool { return n.amf.Stats().Registrations == 4 })

	first, _ := n.ueState(t, ues[0].SUPI())
	if err := n.amf.ResetRAN(ctx, "gnb-1", n2.CauseOMIntervention, first.AMFUENGAPID); err != nil {
		t.Fatalf("partial reset: %v", err)
	}
	eventually(t, 5*time.Second, "the first UE idle", func() bool { return !ues[0].Connected() })
	if g.Connections() != 2 || !ues[1].Connected() || !ues[2].Connected() {
		t.Errorf("after the partial reset: %d gNB contexts, want 2", g.Connections())
	}
	info, ok := n.ueState(t, ues[0].SUPI())
	if !ok || !info.Registered || info.Connected {
		t.Errorf("reset UE at the AMF: %+v (known %t), want registered and idle", info, ok)
	}

	if err := n.amf.ResetRAN(ctx, "1", n2.CauseOMIntervention); err != nil { // by gNB ID, all
		t.Fatalf("full reset: %v", err)
	}
	eventually(t, 5*time.Second, "every UE of gnb-1 idle", func() bool { return g.Connections() == 0 })
	for i, u := range ues {
		eventually(t, 5*time.Second, fmt.Sprintf("UE %d registered and idle", i+1), func() bool {
			info, ok := n.ueState(t, u.SUPI())
			return ok && info.Registered && !info.Connected && !u.Connected()
		})
	}
	if info, _ := n.ueState(t, bystander.SUPI()); !info.Connected || !bystander.Connected() {
		t.Errorf("the other gNB's UE lost its connection: %+v", info)
	}
	if err := ues[1].ServiceRequest(ctx, g); err != nil {
		t.Errorf("service request after the reset: %v", err)
	}
	if err := n.amf.ResetRAN(ctx, "gnb-9", n2.CauseOMIntervention); err == nil {
		t.Error("reset of an unknown gNB succeeded")
	}
}
