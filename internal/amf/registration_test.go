package amf_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// TestRegisterSUCI registers one UE with each SUCI protection scheme, with
// 5G-AKA and EAP-AKA', and checks what the UE got and what the AMF holds.
//
// Spec: TS 24.501 §5.5.1.2; TS 33.501 §6.1.3, §6.12
func TestRegisterSUCI(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	cases := []struct {
		name   string
		scheme suci.Scheme
		method store.AuthMethod
	}{
		{"null scheme, 5G-AKA", suci.NullScheme, store.AuthMethod5GAKA},
		{"profile A, 5G-AKA", suci.ProfileA, store.AuthMethod5GAKA},
		{"profile B, 5G-AKA", suci.ProfileB, store.AuthMethod5GAKA},
		{"profile A, EAP-AKA'", suci.ProfileA, store.AuthMethodEAPAKAPrime},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n.provision(t, i+1, 1, c.method)
			u := n.newUE(t, i+1, c.scheme, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := u.Register(ctx, g)
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			if res.EAP != (c.method == store.AuthMethodEAPAKAPrime) {
				t.Errorf("EAP used: %t, want %t", res.EAP, !res.EAP)
			}
			if !res.Registered || res.AuthenticationRequests != 1 || res.SecurityModeCommands != 1 || res.RegistrationAccepts != 1 {
				t.Errorf("result %+v, want registered with one challenge, one SMC, one accept", res)
			}
			// Defaults: NIA2 first; NEA2 first.
			if res.Integrity != n1.NIA2 || res.Cipher != n1.NEA2 {
				t.Errorf("algorithms %v/%v, want 128-NIA2/128-NEA2", res.Integrity, res.Cipher)
			}
			if len(res.Allowed) != 1 || res.Allowed[0] != (n2.SNSSAI{SST: 1}) {
				t.Errorf("allowed NSSAI %v, want [SST 1]", res.Allowed)
			}
			if res.T3512 != time.Hour {
				t.Errorf("T3512 %v, want 1h (54 min rounded up to GPRS timer 3 units)", res.T3512)
			}
			eventually(t, 5*time.Second, "AMF to see the UE registered", func() bool {
				info, ok := n.ueState(t, u.SUPI())
				return ok && info.Registered && info.Connected && info.TMSI == res.TMSI && info.GNBName == "gnb-1"
			})
		})
	}
	if s := n.amf.Stats(); s.Registrations != uint64(len(cases)) || s.NASDroppedMAC+s.NASDroppedReplay+s.NASDroppedInvalid != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestRejects covers the failure paths of a registration.
//
// Spec: TS 24.501 §5.5.1.2.5, §5.4.1.3.5, §5.4.1.3.7
func TestRejects(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 3, store.AuthMethod5GAKA)
	wrongK := testK
	wrongK[0] ^= 0xff
	cases := []struct {
		name   string
		msin   int
		scheme suci.Scheme
		edit   func(*ue.Config)
		want   ue.RejectError
	}{
		// An unknown subscriber: its identity is not acceptable (#3).
		{"unknown SUPI", 99, suci.NullScheme, nil, ue.RejectError{Cause: 3}},
		{"unknown SUPI, profile B", 98, suci.ProfileB, nil, ue.RejectError{Cause: 3}},
		// The UE's USIM has another K: AUTN fails MAC-A at the UE (#20);
		// the UE sent a SUCI, so the AMF rejects authentication.
		{"wrong K", 1, suci.NullScheme, func(c *ue.Config) { c.K = wrongK }, ue.RejectError{Authentication: true}},
		// A SUCI with a wrong home network key id cannot be deconcealed.
		// RES* that does not match: the SEAF's HRES* check fails.
		{"wrong RES*", 3, suci.NullScheme, func(c *ue.Config) { c.Faults.CorruptRES = true },
			ue.RejectError{Authentication: true}},
		{"unknown HN key", 2, suci.ProfileA, func(c *ue.Config) {
			k := n.keyA.PublicKey()
			k.ID = 9
			c.HomeNetworkKey = &k
		}, ue.RejectError{Cause: 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := n.newUE(t, c.msin, c.scheme, c.edit)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := u.Register(ctx, g)
			var rej *ue.RejectError
			if !errors.As(err, &rej) || *rej != c.want {
				t.Fatalf("Register: %v, want %v", err, &c.want)
			}
			if _, ok := n.ueState(t, u.SUPI()); ok {
				t.Error("the AMF kept a context of a rejected UE")
			}
		})
	}
	eventually(t, 5*time.Second, "gNB contexts released", func() bool { return g.Connections() == 0 })
}

// TestRegisterConcurrent registers 50 UEs at once across two gNBs, with the
// three SUCI schemes mixed.
func TestRegisterConcurrent(t *testing.T) {
	const count = 50
	n := newNet(t, nil)
	gnbs := []*gnb.GNB{n.connect(t, "gnb-a", 1), n.connect(t, "gnb-b", 2)}
	n.provision(t, 1, count, store.AuthMethod5GAKA)
	schemes := []suci.Scheme{suci.NullScheme, suci.ProfileA, suci.ProfileB}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	results := make([]ue.Result, count)
	errs := make([]error, count)
	ues := make([]*ue.UE, count)
	for i := range count {
		ues[i] = n.newUE(t, i+1, schemes[i%3], nil)
		wg.Go(func() { results[i], errs[i] = ues[i].Register(ctx, gnbs[i%2]) })
	}
	wg.Wait()
	tmsis := map[uint32]bool{}
	for i := range count {
		if errs[i] != nil || !results[i].Registered {
			t.Errorf("UE %d: %v", i+1, errs[i])
			continue
		}
		if tmsis[results[i].TMSI] {
			t.Errorf("UE %d: 5G-TMSI %#x given twice", i+1, results[i].TMSI)
		}
		tmsis[results[i].TMSI] = true
	}
	eventually(t, 5*time.Second, "every registration complete at the AMF", func() bool {
		return n.amf.Stats().Registrations == count
	})
	for i, u := range ues {
		info, ok := n.ueState(t, u.SUPI())
		if want := gnbs[i%2].Name(); !ok || !info.Registered || info.GNBName != want {
			t.Errorf("UE %d at the AMF: %+v (known %t), want registered via %s", i+1, info, ok, want)
		}
	}
}

// TestRegisterByGUTI: a UE registers again with the 5G-GUTI it was given.
// After deregistration the AMF no longer knows it and asks for the SUCI;
// from CM-IDLE while registered, the gNB's 5G-S-TMSI leads the AMF to the
// UE's context and no identification is needed.
//
// Spec: TS 24.501 §5.5.1.2.2, §5.4.3
func TestRegisterByGUTI(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.register(t, g, 1, 1)[0]
	first := u.Result().TMSI
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := u.Deregister(ctx, false); err != nil {
		t.Fatal(err)
	}
	res, err := u.Register(ctx, g)
	if err != nil {
		t.Fatalf("register after deregistration: %v", err)
	}
	if res.IdentityRequests != 1 {
		t.Errorf("%d IDENTITY REQUESTs for a forgotten 5G-GUTI, want 1", res.IdentityRequests)
	}
	if res.TMSI == first {
		t.Errorf("the forgotten 5G-TMSI %#x was given again", first)
	}

	if err := u.ReleaseConnection(ctx, n2.CauseUserInactivity); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "UE idle", func() bool { return !u.Connected() })
	res, err = u.Register(ctx, g)
	if err != nil {
		t.Fatalf("register from idle: %v", err)
	}
	if res.IdentityRequests != 0 || res.AuthenticationRequests != 1 {
		t.Errorf("%d IDENTITY REQUESTs and %d challenges, want none and one", res.IdentityRequests, res.AuthenticationRequests)
	}
	eventually(t, 5*time.Second, "the third registration complete", func() bool { return n.amf.Stats().Registrations == 3 })
	info, ok := n.ueState(t, u.SUPI())
	if !ok || !info.Registered || !info.Connected || info.TMSI != res.TMSI {
		t.Errorf("AMF context %+v (known %t), want registered with 5G-TMSI %#x", info, ok, res.TMSI)
	}
}
