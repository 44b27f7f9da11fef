package amf_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/n1"
	"go5g/internal/problem"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// TestNetworkDeregistration: the AMF deregisters a connected UE with
// DEREGISTRATION REQUEST; the UE accepts (or stays silent: T3522 sends the
// request five times and the AMF gives up); either way the AMF forgets the
// UE, removes its UDM registration and releases the connection. With
// "re-registration required" the UE can register again.
//
// Spec: TS 24.501 §5.5.2.3.2, §5.5.2.3.3, §5.5.2.3.5 (a); TS 29.503 §5.3.2.4.2
func TestNetworkDeregistration(t *testing.T) {
	cases := []struct {
		reregister bool
		cause      uint8
		silent     bool
	}{
		{false, 0, false},
		{true, n1.CauseImplicitlyDeregistered, false},
		{false, 0, true},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("reregister=%t cause=%d silent=%t", c.reregister, c.cause, c.silent), func(t *testing.T) {
			// A short T3522 only where it is to expire: elsewhere a
			// retransmission on a loaded machine would be legitimate.
			n := newNet(t, func(cfg *amf.Config) {
				if c.silent {
					cfg.T3522 = 100 * time.Millisecond
				}
			})
			g := n.connect(t, "gnb-1", 1)
			n.provision(t, i+1, 1, store.AuthMethod5GAKA)
			u := n.newUE(t, i+1, suci.NullScheme, func(cfg *ue.Config) {
				if c.silent {
					cfg.Faults.Ignore = n1.MsgDeregistrationRequestNW
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := u.Register(ctx, g); err != nil {
				t.Fatal(err)
			}
			eventually(t, 5*time.Second, "registration complete", func() bool {
				info, ok := n.ueState(t, u.SUPI())
				return ok && info.Registered
			})
			before := n.amf.Stats().Deregistrations
			if err := n.amf.Deregister(ctx, u.SUPI(), c.reregister, c.cause); err != nil {
				t.Fatal(err)
			}
			eventually(t, 5*time.Second, "AMF to forget the UE", func() bool {
				_, ok := n.ueState(t, u.SUPI())
				return !ok
			})
			eventually(t, 5*time.Second, "the UDM registration purged", func() bool {
				_, err := n.udm.GetAMFRegistration(ctx, u.SUPI())
				return problem.Is(err, problem.ContextNotFound)
			})
			eventually(t, 5*time.Second, "the connection released", func() bool { return !u.Connected() })
			res := u.Result()
			want := 1
			if c.silent {
				want = 5
			}
			if res.NetworkDeregistrations != want {
				t.Errorf("UE got %d DEREGISTRATION REQUESTs, want %d", res.NetworkDeregistrations, want)
			}
			if !c.silent && (u.Registered() || res.ReregistrationRequired != c.reregister) {
				t.Errorf("UE registered %t, re-registration required %t; want false, %t",
					u.Registered(), res.ReregistrationRequired, c.reregister)
			}
			if got := n.amf.Stats().Deregistrations - before; got != 1 {
				t.Errorf("%d deregistrations counted, want 1", got)
			}
			if c.reregister {
				if _, err := u.Register(ctx, g); err != nil {
					t.Fatalf("registering again: %v", err)
				}
			}
		})
	}
	n := newNet(t, nil)
	if err := n.amf.Deregister(context.Background(), "imsi-001019999999999", false, 0); err != amf.ErrUnknownUE {
		t.Errorf("unknown SUPI: %v, want ErrUnknownUE", err)
	}
}

// TestUDMDeregistrationNotify: another AMF registers in the UDM for a UE
// this AMF serves; the UDM's DeregistrationNotification makes this AMF
// drop the UE's context and connection, and leave the UDM registration
// (now the other AMF's) alone.
//
// Spec: TS 29.503 §5.3.2.3; TS 23.502 §4.2.2.2.2 step 14e
func TestUDMDeregistrationNotify(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.register(t, g, 1, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	eventually(t, 5*time.Second, "registration complete", func() bool { return n.amf.Stats().Registrations == 1 })
	other := models.Udm_UECM_Amf3GppAccessRegistration{AmfInstanceId: "other-amf", InitialRegistrationInd: true,
		Guami: &models.Guami{PlmnId: &models.PlmnIdNid{Mcc: "001", Mnc: "01"}, AmfId: "020080"}, RatType: models.RatType_NR}
	if err := n.udm.RegisterAMF(ctx, u.SUPI(), other); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "AMF to drop the UE", func() bool {
		_, ok := n.ueState(t, u.SUPI())
		return !ok
	})
	eventually(t, 5*time.Second, "the connection released", func() bool { return !u.Connected() })
	reg, err := n.udm.GetAMFRegistration(ctx, u.SUPI())
	if err != nil || reg.AmfInstanceId != "other-amf" {
		t.Errorf("UDM registration %+v (%v), want the other AMF's", reg, err)
	}
}
