package amf_test

import (
	"context"
	"testing"
	"time"

	"go5g/internal/amf"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// shortTimers makes the AMF's NAS timers fast enough for tests.
func shortTimers(c *amf.Config) {
	c.T3550, c.T3560, c.T3570 = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
}

// TestTamperedMAC: an uplink message whose NAS-MAC fails is dropped, never
// acted on; the AMF's retransmission timer then recovers the procedure.
//
// Spec: TS 24.501 §4.4.4.3, §5.4.2.7 (b), §5.5.1.2.8 (a)
func TestTamperedMAC(t *testing.T) {
	n := newNet(t, shortTimers)
	g := n.connect(t, "gnb-1", 1)
	cases := []struct {
		name    string
		msgType uint8
		smcs    int // SECURITY MODE COMMANDs the UE receives
		accepts int // REGISTRATION ACCEPTs the UE receives
	}{
		// The AMF drops SECURITY MODE COMPLETE; T3560 sends the command
		// again (with a new NAS COUNT) and the UE answers again.
		{"SECURITY MODE COMPLETE", 0x5e, 2, 1},
		// The AMF drops REGISTRATION COMPLETE; T3550 sends the accept again
		// and the UE completes again.
		{"REGISTRATION COMPLETE", 0x43, 1, 2},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := n.amf.Stats()
			n.provision(t, i+1, 1, store.AuthMethod5GAKA)
			u := n.newUE(t, i+1, suci.NullScheme, func(cfg *ue.Config) { cfg.Faults.CorruptMAC = c.msgType })
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := u.Register(ctx, g); err != nil {
				t.Fatalf("Register: %v", err)
			}
			eventually(t, 5*time.Second, "registration complete at the AMF", func() bool {
				return n.amf.Stats().Registrations == before.Registrations+1
			})
			res := u.Result()
			after := n.amf.Stats()
			if got := after.NASDroppedMAC - before.NASDroppedMAC; got != 1 {
				t.Errorf("%d messages dropped for their MAC, want 1", got)
			}
			if got := after.Registrations - before.Registrations; got != 1 {
				t.Errorf("%d registrations, want 1", got)
			}
			if res.SecurityModeCommands != c.smcs || res.RegistrationAccepts != c.accepts {
				t.Errorf("UE got %d SECURITY MODE COMMANDs and %d REGISTRATION ACCEPTs, want %d and %d",
					res.SecurityModeCommands, res.RegistrationAccepts, c.smcs, c.accepts)
			}
			if info, ok := n.ueState(t, u.SUPI()); !ok || !info.Registered {
				t.Errorf("AMF context %+v (known %t), want registered", info, ok)
			}
		})
	}
}

// TestReplayedUplink: a protected uplink message sent again unchanged has a
// NAS COUNT already used; the AMF drops it, and the NAS COUNTs stay in step
// (the UE can still deregister).
//
// Spec: TS 24.501 §4.4.3.2; TS 33.501 §6.4.3.1
func TestReplayedUplink(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.newUE(t, 1, suci.ProfileB, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := u.Register(ctx, g); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "registration complete", func() bool { return n.amf.Stats().Registrations == 1 })
	// The last protected uplink message is REGISTRATION COMPLETE.
	for range 3 {
		if err := u.ResendLastUplink(ctx); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 5*time.Second, "replays dropped", func() bool { return n.amf.Stats().NASDroppedReplay == 3 })
	if err := u.Deregister(ctx, false); err != nil {
		t.Fatalf("Deregister after the replays: %v", err)
	}
	if s := n.amf.Stats(); s.Registrations != 1 || s.Deregistrations != 1 || s.NASDroppedMAC != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestSilentUE: a UE that does not answer makes the AMF retransmit four
// times and abort on the fifth expiry of the timer.
//
// Spec: TS 24.501 §5.4.1.3.7 (b), §5.4.2.7 (b), §5.5.1.2.8 (a)
func TestSilentUE(t *testing.T) {
	n := newNet(t, shortTimers)
	g := n.connect(t, "gnb-1", 1)
	cases := []struct {
		name    string
		ignore  uint8
		count   func(ue.Result) int
		amfKeep bool // the AMF ends with the UE registered
	}{
		{"AUTHENTICATION REQUEST (T3560)", 0x56, func(r ue.Result) int { return r.AuthenticationRequests }, false},
		{"SECURITY MODE COMMAND (T3560)", 0x5d, func(r ue.Result) int { return r.SecurityModeCommands }, false},
		// §5.5.1.2.8 a: on the fifth expiry of T3550 the AMF aborts the
		// procedure but keeps the new 5G-GUTI: the UE stays registered.
		{"REGISTRATION ACCEPT (T3550)", 0x42, func(r ue.Result) int { return r.RegistrationAccepts }, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n.provision(t, i+1, 1, store.AuthMethod5GAKA)
			u := n.newUE(t, i+1, suci.NullScheme, func(cfg *ue.Config) {
				cfg.Faults.Ignore = c.ignore
				cfg.T3510 = 1500 * time.Millisecond
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := u.Register(ctx, g); err == nil {
				t.Fatal("a UE that does not answer registered")
			}
			if got := c.count(u.Result()); got != 5 {
				t.Errorf("UE got the message %d times, want 5 (first + 4 retransmissions)", got)
			}
			info, ok := n.ueState(t, u.SUPI())
			if ok != c.amfKeep || (ok && !info.Registered) {
				t.Errorf("AMF context %+v (known %t), want known %t", info, ok, c.amfKeep)
			}
		})
	}
}

// TestResync: a UE whose USIM is ahead of the home network's SQN answers
// with a synch failure; the AMF has the AUSF resynchronise from AUTS and
// sends a new challenge, which the UE accepts.
//
// Spec: TS 24.501 §5.4.1.3.7 (f); TS 33.501 §6.1.3.3.2; TS 33.102 §6.3.5
func TestResync(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	for i, m := range []store.AuthMethod{store.AuthMethod5GAKA, store.AuthMethodEAPAKAPrime} {
		t.Run(string(m), func(t *testing.T) {
			n.provision(t, i+1, 1, m)
			const sqnMS = 1 << 40
			u := n.newUE(t, i+1, suci.ProfileA, func(cfg *ue.Config) { cfg.SQN = sqnMS })
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := u.Register(ctx, g)
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			if res.AuthenticationRequests != 2 {
				t.Errorf("%d challenges, want 2 (before and after resynchronisation)", res.AuthenticationRequests)
			}
			if sqn := u.SQN(); sqn <= sqnMS {
				t.Errorf("USIM SQN %#x, want above %#x", sqn, uint64(sqnMS))
			}
		})
	}
}
