package amf_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/problem"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// register registers UEs first..first+count-1 (provisioned) through g.
func (n *testNet) register(t *testing.T, g *gnb.GNB, first, count int) []*ue.UE {
	t.Helper()
	ues := make([]*ue.UE, count)
	for i := range ues {
		ues[i] = n.newUE(t, first+i, suci.NullScheme, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := ues[i].Register(ctx, g)
		cancel()
		if err != nil {
			t.Fatalf("UE %d: %v", first+i, err)
		}
	}
	return ues
}

// TestDeregistration: UE-originating deregistration, normal and switch-off,
// from CM-CONNECTED and from CM-IDLE (after a gNB-initiated release; the UE
// comes back with its 5G-S-TMSI and an integrity protected request).
//
// Spec: TS 24.501 §5.5.2.2; TS 38.413 §8.3.2, §8.3.3, §8.6.1
func TestDeregistration(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	cases := []struct {
		switchOff, idle bool
	}{{false, false}, {true, false}, {false, true}, {true, true}}
	for i, c := range cases {
		t.Run(fmt.Sprintf("switch-off=%t idle=%t", c.switchOff, c.idle), func(t *testing.T) {
			n.provision(t, i+1, 1, store.AuthMethod5GAKA)
			u := n.register(t, g, i+1, 1)[0]
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			reg, err := n.udm.GetAMFRegistration(ctx, u.SUPI())
			if err != nil || reg.AmfInstanceId == "" || reg.Guami == nil || reg.Guami.AmfId != "010040" {
				t.Fatalf("UDM registration %+v (%v), want this AMF's with AMF ID 010040", reg, err)
			}
			if c.idle {
				if err := u.ReleaseConnection(ctx, n2.CauseUserInactivity); err != nil {
					t.Fatal(err)
				}
				eventually(t, 5*time.Second, "UE idle", func() bool { return !u.Connected() })
				// The gNB drops the UE on the Release Command; the AMF only
				// on the Release Complete that follows.
				eventually(t, 5*time.Second, "AMF context registered and idle", func() bool {
					info, ok := n.ueState(t, u.SUPI())
					return ok && info.Registered && !info.Connected
				})
			}
			if err := u.Deregister(ctx, c.switchOff); err != nil {
				t.Fatalf("Deregister: %v", err)
			}
			eventually(t, 5*time.Second, "AMF to forget the UE", func() bool {
				_, ok := n.ueState(t, u.SUPI())
				return !ok
			})
			eventually(t, 5*time.Second, "gNB to release the UE", func() bool { return !u.Connected() })
			eventually(t, 5*time.Second, "the UDM registration purged", func() bool {
				_, err := n.udm.GetAMFRegistration(ctx, u.SUPI())
				return problem.Is(err, problem.ContextNotFound)
			})
			want := 1
			if c.switchOff {
				want = 0
			}
			if got := u.Result().DeregistrationAccepts; got != want {
				t.Errorf("%d DEREGISTRATION ACCEPTs, want %d", got, want)
			}
		})
	}
	eventually(t, 5*time.Second, "no UE left in the gNB", func() bool { return g.Connections() == 0 })
	if s := n.amf.Stats(); s.Deregistrations != uint64(len(cases)) || s.NASDroppedMAC != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestGNBVanishes: when a gNB's association is aborted, the AMF releases
// that gNB's UE connections (the UEs stay registered, in CM-IDLE) and no
// other gNB's UE is touched.
//
// Spec: TS 23.502 §4.2.6; TS 38.412 §7
func TestGNBVanishes(t *testing.T) {
	n := newNet(t, nil)
	a := n.connect(t, "gnb-a", 1)
	b := n.connect(t, "gnb-b", 2)
	n.provision(t, 1, 10, store.AuthMethod5GAKA)
	onA := n.register(t, a, 1, 5)
	onB := n.register(t, b, 6, 5)
	before := n.amf.Stats().UEsReleased
	if err := a.Abort(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the AMF to release gnb-a's UEs", func() bool {
		return n.amf.Stats().UEsReleased == before+5
	})
	for _, u := range onA {
		if info, ok := n.ueState(t, u.SUPI()); !ok || !info.Registered || info.Connected {
			t.Errorf("%s of gnb-a: %+v (known %t), want registered and idle", u.SUPI(), info, ok)
		}
	}
	for _, u := range onB {
		if info, ok := n.ueState(t, u.SUPI()); !ok || !info.Registered || !info.Connected || info.GNBName != "gnb-b" {
			t.Errorf("%s of gnb-b: %+v (known %t), want registered and connected via gnb-b", u.SUPI(), info, ok)
		}
	}
	// gnb-b's UEs still have working NAS and NGAP.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, u := range onB {
		if err := u.Deregister(ctx, false); err != nil {
			t.Errorf("%s: Deregister: %v", u.SUPI(), err)
		}
	}
}

// TestNGResetFromGNB: a gNB resets its whole NG interface, or one UE
// connection; the AMF releases exactly those (the UEs stay registered, in
// CM-IDLE) and acknowledges.
//
// Spec: TS 38.413 §8.7.4.2.2
func TestNGResetFromGNB(t *testing.T) {
	n := newNet(t, nil)
	a := n.connect(t, "gnb-a", 1)
	b := n.connect(t, "gnb-b", 2)
	n.provision(t, 1, 6, store.AuthMethod5GAKA)
	onA := n.register(t, a, 1, 3)
	onB := n.register(t, b, 4, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	connected := func(u *ue.UE) bool {
		info, ok := n.ueState(t, u.SUPI())
		if !ok || !info.Registered {
			t.Fatalf("%s: AMF context %+v (known %t), want registered", u.SUPI(), info, ok)
		}
		return info.Connected
	}

	if _, err := a.Reset(ctx, n2.CauseOMIntervention); err != nil {
		t.Fatalf("reset all: %v", err)
	}
	for _, u := range onA {
		if connected(u) {
			t.Errorf("%s still connected after gnb-a's reset", u.SUPI())
		}
	}
	// A partial reset of one of gnb-b's UEs.
	info, _ := n.ueState(t, onB[0].SUPI())
	ack, err := b.Reset(ctx, n2.CauseUnspecifiedRadioNetwork, info.RANUENGAPID)
	if err != nil {
		t.Fatalf("partial reset: %v", err)
	}
	if len(ack.Part) != 1 || ack.Part[0].AMF != info.AMFUENGAPID || ack.Part[0].RAN != info.RANUENGAPID {
		t.Errorf("acknowledged %+v, want the one connection %d/%d", ack.Part, info.AMFUENGAPID, info.RANUENGAPID)
	}
	if connected(onB[0]) {
		t.Errorf("%s still connected after its reset", onB[0].SUPI())
	}
	for _, u := range onB[1:] {
		if !connected(u) {
			t.Errorf("%s released by another UE's reset", u.SUPI())
		}
	}
}
