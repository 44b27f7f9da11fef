package amf_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go5g/internal/amf"
	"go5g/internal/n1"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// TestReallocateGUTI: CONFIGURATION UPDATE COMMAND gives a connected UE a
// new 5G-GUTI; after CONFIGURATION UPDATE COMPLETE only the new one is
// valid, and the UE's next registration with it needs no identification.
//
// Spec: TS 24.501 §5.4.4.2, §5.4.4.3, §5.4.4.4
func TestReallocateGUTI(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.register(t, g, 1, 1)[0]
	old := u.Result().TMSI
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	eventually(t, 5*time.Second, "registration complete", func() bool { return n.amf.Stats().Registrations == 1 })
	if err := n.amf.ReallocateGUTI(ctx, u.SUPI()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "CONFIGURATION UPDATE COMPLETE", func() bool {
		return n.amf.Stats().ConfigurationUpdates == 1
	})
	res := u.Result()
	if res.TMSI == old || res.ConfigurationUpdates != 1 {
		t.Fatalf("UE 5G-TMSI %#x after %d commands, want a new one after 1", res.TMSI, res.ConfigurationUpdates)
	}
	info, _ := n.ueState(t, u.SUPI())
	if info.TMSI != res.TMSI {
		t.Errorf("AMF 5G-TMSI %#x, UE's %#x", info.TMSI, res.TMSI)
	}
	if amf.KnowsTMSI(ctx, n.amf, old) || !amf.KnowsTMSI(ctx, n.amf, res.TMSI) {
		t.Error("want the old 5G-TMSI unknown and the new one known")
	}

	n.goIdle(t, u)
	reg, err := u.Register(ctx, g) // with the new 5G-GUTI, in RRC setup and NAS
	if err != nil || reg.IdentityRequests != 0 {
		t.Fatalf("register with the new 5G-GUTI: %v (%+v), want no IDENTITY REQUEST", err, reg)
	}

	// Errors: unknown SUPI, idle UE.
	if err := n.amf.ReallocateGUTI(ctx, "imsi-001019999999999"); !errors.Is(err, amf.ErrUnknownUE) {
		t.Errorf("unknown SUPI: %v, want ErrUnknownUE", err)
	}
	eventually(t, 5*time.Second, "registration complete", func() bool { return n.amf.Stats().Registrations == 2 })
	n.goIdle(t, u)
	if err := n.amf.ReallocateGUTI(ctx, u.SUPI()); !errors.Is(err, amf.ErrIdle) {
		t.Errorf("idle UE: %v, want ErrIdle", err)
	}
}

// TestReallocateGUTISilentUE: a UE that ignores CONFIGURATION UPDATE
// COMMAND gets it five times (T3555); the AMF then aborts the procedure
// and keeps both the old and the new 5G-GUTI valid.
//
// Spec: TS 24.501 §5.4.4.5 (a)
func TestReallocateGUTISilentUE(t *testing.T) {
	n := newNet(t, func(c *amf.Config) { c.T3555 = 100 * time.Millisecond })
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.newUE(t, 1, suci.NullScheme, func(c *ue.Config) { c.Faults.Ignore = n1.MsgConfigurationUpdateCommand })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := u.Register(ctx, g); err != nil {
		t.Fatal(err)
	}
	old := u.Result().TMSI
	eventually(t, 5*time.Second, "registration complete", func() bool { return n.amf.Stats().Registrations == 1 })
	if err := n.amf.ReallocateGUTI(ctx, u.SUPI()); err != nil {
		t.Fatal(err)
	}
	if err := n.amf.ReallocateGUTI(ctx, u.SUPI()); !errors.Is(err, amf.ErrBusy) {
		t.Errorf("second reallocation during the first: %v, want ErrBusy", err)
	}
	var info amf.UEInfo
	eventually(t, 5*time.Second, "the procedure aborted", func() bool {
		info, _ = n.ueState(t, u.SUPI())
		return info.Procedure == "none"
	})
	if !amf.KnowsTMSI(ctx, n.amf, old) || !amf.KnowsTMSI(ctx, n.amf, info.TMSI) {
		t.Errorf("want the old %#x and the new %#x 5G-TMSI both valid", old, info.TMSI)
	}
	if got := u.Result().ConfigurationUpdates; got != 5 {
		t.Errorf("UE got the command %d times, want 5 (first + 4 retransmissions)", got)
	}
	if s := n.amf.Stats(); s.ConfigurationUpdates != 0 {
		t.Errorf("stats %+v", s)
	}
}
