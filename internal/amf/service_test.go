package amf_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go5g/internal/n1"
	"go5g/internal/problem"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// TestServiceRequest: a registered UE released to CM-IDLE keeps its 5GMM
// context and security in the AMF, and comes back with SERVICE REQUEST:
// SERVICE ACCEPT in INITIAL CONTEXT SETUP with a KgNB from the uplink NAS
// COUNT of the request (the UE checks it equals its own), several times in
// a row.
//
// Spec: TS 24.501 §5.6.1.4; TS 38.413 §8.3.1, §8.3.3; TS 33.501 §A.9
func TestServiceRequest(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.register(t, g, 1, 1)[0]
	tmsi := u.Result().TMSI
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 3 {
		n.goIdle(t, u)
		if err := u.ServiceRequest(ctx, g); err != nil {
			t.Fatalf("service request %d: %v", i+1, err)
		}
		info, ok := n.ueState(t, u.SUPI())
		if !ok || !info.Registered || !info.Connected || info.TMSI != tmsi {
			t.Fatalf("AMF context %+v (known %t), want registered, connected, 5G-TMSI %#x", info, ok, tmsi)
		}
	}
	if r := u.Result(); r.ServiceAccepts != 3 || r.ASSecurityActivations != 4 {
		t.Errorf("%d SERVICE ACCEPTs and %d AS security activations, want 3 and 4 (with the registration's)",
			r.ServiceAccepts, r.ASSecurityActivations)
	}
	// The connection is a full one: the UE can deregister on it.
	if err := u.Deregister(ctx, false); err != nil {
		t.Fatalf("Deregister after service request: %v", err)
	}
	if s := n.amf.Stats(); s.ServiceAccepts != 3 || s.ServiceRejects != 0 || s.NASDroppedMAC != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestServiceReject: a SERVICE REQUEST that fails the integrity check, or
// names a 5G-S-TMSI the AMF does not know, gets SERVICE REJECT #9; the
// context it claims is untouched, and the UE registers afresh.
//
// Spec: TS 24.501 §5.6.1.5, §4.4.4.3
func TestServiceReject(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 2, store.AuthMethod5GAKA)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("bad MAC", func(t *testing.T) {
		u := n.newUE(t, 1, suci.NullScheme, func(c *ue.Config) { c.Faults.CorruptMAC = n1.MsgServiceRequest })
		if _, err := u.Register(ctx, g); err != nil {
			t.Fatal(err)
		}
		n.goIdle(t, u)
		before, _ := n.ueState(t, u.SUPI())
		err := u.ServiceRequest(ctx, g)
		var rej *ue.ServiceRejectError
		if !errors.As(err, &rej) || rej.Cause != n1.CauseUEIdentityNotDerived {
			t.Fatalf("ServiceRequest: %v, want SERVICE REJECT #9", err)
		}
		after, ok := n.ueState(t, u.SUPI())
		if !ok || after != before {
			t.Errorf("AMF context %+v (known %t), want unchanged %+v", after, ok, before)
		}
		res, err := u.Register(ctx, g)
		if err != nil || res.IdentityRequests != 0 {
			t.Fatalf("register after the reject: %v (%+v)", err, res)
		}
	})

	t.Run("unknown 5G-S-TMSI", func(t *testing.T) {
		u := n.newUE(t, 2, suci.NullScheme, nil)
		if _, err := u.Register(ctx, g); err != nil {
			t.Fatal(err)
		}
		n.goIdle(t, u)
		// The AMF deregisters the idle UE locally (it does not page):
		// the UE, unaware, still holds its 5G-GUTI.
		if err := n.amf.Deregister(ctx, u.SUPI(), false, 0); err != nil {
			t.Fatal(err)
		}
		if _, ok := n.ueState(t, u.SUPI()); ok {
			t.Fatal("the AMF kept the context of a UE it deregistered")
		}
		eventually(t, 5*time.Second, "the UDM registration purged", func() bool {
			_, err := n.udm.GetAMFRegistration(ctx, u.SUPI())
			return problem.Is(err, problem.ContextNotFound)
		})
		err := u.ServiceRequest(ctx, g)
		var rej *ue.ServiceRejectError
		if !errors.As(err, &rej) || rej.Cause != n1.CauseUEIdentityNotDerived {
			t.Fatalf("ServiceRequest: %v, want SERVICE REJECT #9", err)
		}
		if u.Registered() {
			t.Error("the UE still thinks it is registered")
		}
		// #9: the UE deleted its 5G-GUTI and registers with its SUCI.
		res, err := u.Register(ctx, g)
		if err != nil || res.IdentityRequests != 0 || res.AuthenticationRequests != 1 {
			t.Fatalf("register after the reject: %v (%+v)", err, res)
		}
	})
	if s := n.amf.Stats(); s.ServiceRejects != 2 || s.ServiceAccepts != 0 {
		t.Errorf("stats %+v", s)
	}
	eventually(t, 5*time.Second, "no context left on the gNB but the registered UEs'", func() bool {
		return g.Connections() == 2
	})
}
