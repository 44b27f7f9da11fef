package amf_test

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"go5g/internal/amf"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// goIdle has the gNB release the UE (user inactivity) and waits until the
// UE is in CM-IDLE and the AMF still holds it registered.
func (n *testNet) goIdle(t *testing.T, u *ue.UE) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := u.ReleaseConnection(ctx, n2.CauseUserInactivity); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "UE idle", func() bool { return !u.Connected() })
	eventually(t, 5*time.Second, "AMF to see the UE idle", func() bool {
		info, ok := n.ueState(t, u.SUPI())
		return ok && info.Registered && !info.Connected
	})
}

// TestRegistrationUpdate: mobility and periodic registration updates of a
// registered UE, from CM-IDLE (to the same gNB and to another one) and on
// a live connection, are accepted with the current NAS security context
// (no authentication), give a new 5G-GUTI the UE confirms, and make the
// old one invalid.
//
// Spec: TS 24.501 §5.5.1.3.2, §5.5.1.3.4, §5.3.1.3; TS 33.501 §6.12.3
func TestRegistrationUpdate(t *testing.T) {
	n := newNet(t, nil)
	g1 := n.connect(t, "gnb-1", 1)
	g2 := n.connect(t, "gnb-2", 2)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.register(t, g1, 1, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cases := []struct {
		name     string
		idle     bool
		periodic bool
		via      string
	}{
		{"periodic from idle", true, true, "gnb-1"},
		{"mobility from idle to another gNB", true, false, "gnb-2"},
		{"mobility on a live connection", false, false, "gnb-2"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := u.Result().TMSI
			if c.idle && u.Connected() {
				n.goIdle(t, u)
			}
			g := g1
			if c.via == "gnb-2" {
				g = g2
			}
			if !c.idle && !u.Connected() {
				if err := u.ServiceRequest(ctx, g); err != nil {
					t.Fatalf("ServiceRequest: %v", err)
				}
			}
			res, err := u.UpdateRegistration(ctx, g, c.periodic)
			if err != nil {
				t.Fatalf("UpdateRegistration: %v", err)
			}
			if res.AuthenticationRequests != 0 || res.SecurityModeCommands != 0 || res.IdentityRequests != 0 ||
				res.ASSecurityActivations != 0 {
				t.Errorf("result %+v: want no authentication, security mode, identification or AS security", res)
			}
			if !res.Registered || res.RegistrationAccepts != 1 || res.TMSI == before {
				t.Errorf("result %+v: want registered with one accept and a 5G-TMSI other than %#x", res, before)
			}
			eventually(t, 5*time.Second, "REGISTRATION COMPLETE at the AMF", func() bool {
				return n.amf.Stats().Registrations == uint64(2+i)
			})
			info, ok := n.ueState(t, u.SUPI())
			if !ok || !info.Registered || info.TMSI != res.TMSI {
				t.Fatalf("AMF context %+v (known %t), want registered with 5G-TMSI %#x", info, ok, res.TMSI)
			}
			if amf.KnowsTMSI(ctx, n.amf, before) {
				t.Errorf("the old 5G-TMSI %#x is still valid after REGISTRATION COMPLETE", before)
			}
			if c.idle {
				// No follow-on request: the AMF ends the connection.
				eventually(t, 5*time.Second, "the connection released", func() bool { return !u.Connected() })
			} else if !u.Connected() || info.GNBName != c.via {
				t.Errorf("AMF context %+v, UE connected %t: want the connection through %s kept", info, u.Connected(), c.via)
			}
		})
	}
	if s := n.amf.Stats(); s.NASDroppedMAC+s.NASDroppedReplay+s.NASDroppedUnprotected != 0 {
		t.Errorf("stats %+v: no message should have been dropped", s)
	}
}

// TestRegistrationUpdateFollowOn: an update from CM-IDLE with "follow-on
// request pending" gets its REGISTRATION ACCEPT in INITIAL CONTEXT SETUP
// (KgNB from the request's uplink NAS COUNT, checked by the UE) and keeps
// the connection.
//
// Spec: TS 24.501 §5.5.1.3.4, §5.3.1.3; TS 33.501 §A.9
func TestRegistrationUpdateFollowOn(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.newUE(t, 1, suci.NullScheme, func(c *ue.Config) { c.FollowOnRequest = true })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := u.Register(ctx, g); err != nil {
		t.Fatal(err)
	}
	n.goIdle(t, u)
	res, err := u.UpdateRegistration(ctx, g, false)
	if err != nil || res.AuthenticationRequests != 0 || res.ASSecurityActivations != 1 {
		t.Fatalf("UpdateRegistration: %v (%+v), want no authentication and AS security set up once", err, res)
	}
	eventually(t, 5*time.Second, "REGISTRATION COMPLETE", func() bool { return n.amf.Stats().Registrations == 2 })
	info, _ := n.ueState(t, u.SUPI())
	if !info.Connected || !u.Connected() || info.TMSI != res.TMSI {
		t.Errorf("AMF context %+v, UE connected %t: want connected with 5G-TMSI %#x", info, u.Connected(), res.TMSI)
	}
	// The AS context is in place: the UE can deregister on it.
	if err := u.Deregister(ctx, false); err != nil {
		t.Errorf("Deregister: %v", err)
	}
}

// rawRegistrationRequest is a REGISTRATION REQUEST (mobility update) naming
// the 5G-GUTI guti, plain or with a NAS-MAC that is not the UE's.
func rawRegistrationRequest(guti []byte, forgedMAC bool) []byte {
	b := []byte{n1.EPD5GMM, 0, n1.MsgRegistrationRequest, 0x02}
	b = binary.BigEndian.AppendUint16(b, uint16(len(guti)))
	b = append(b, guti...)
	b = append(b, 0x2e, 2, 0xf0, 0xf0)
	if forgedMAC {
		b = append([]byte{n1.EPD5GMM, 0x01, 0xde, 0xad, 0xbe, 0xef, 0x05}, b...)
	}
	return b
}

// TestUpdateNotHijacked: a registration update naming a registered UE's
// 5G-GUTI that is unprotected, or protected with keys other than the UE's,
// does not touch the UE's context: its connection, 5G-GUTI and NAS COUNTs
// stay, and the UE's own update afterwards passes.
//
// Spec: TS 24.501 §4.4.4.3, §5.5.1.3.2
func TestUpdateNotHijacked(t *testing.T) {
	n := newNet(t, shortTimers)
	g := n.connect(t, "gnb-1", 1)
	attacker := n.connect(t, "gnb-evil", 2)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	victim := n.register(t, g, 1, 1)[0]
	eventually(t, 5*time.Second, "registration complete", func() bool { return n.amf.Stats().Registrations == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	before, _ := n.ueState(t, victim.SUPI())
	released := n.amf.Stats().UEsReleased
	res := victim.Result()
	s := &n2.FiveGSTMSI{SetID: 1, Pointer: 0, TMSI: res.TMSI}
	loc := n2.UserLocation{CGI: n2.NRCGI{PLMN: plmn, CellID: 2 << 14}, TAI: n2.TAI{PLMN: plmn, TAC: 1}}
	for i, forged := range []bool{false, true} {
		pdu, err := n2.InitialUEMessage{RANUENGAPID: uint32(1000 + i), NASPDU: rawRegistrationRequest(res.GUTI, forged),
			Location: loc, RRCCause: n2.RRCMOSignalling, STMSI: s}.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := attacker.SendRaw(ctx, 1, pdu); err != nil {
			t.Fatal(err)
		}
	}
	// The AMF challenges the claimed identity on the attacker's
	// connections (new contexts), gets no answer, gives up on the fifth
	// expiry of T3560 and releases them.
	eventually(t, 5*time.Second, "the attacker's connections released", func() bool {
		return n.amf.Stats().UEsReleased == released+2
	})
	after, ok := n.ueState(t, victim.SUPI())
	if !ok || after != before {
		t.Fatalf("victim's context %+v (known %t), want unchanged %+v", after, ok, before)
	}
	if !amf.KnowsTMSI(ctx, n.amf, res.TMSI) {
		t.Error("the victim's 5G-GUTI is no longer known")
	}
	up, err := victim.UpdateRegistration(ctx, g, true)
	if err != nil || up.AuthenticationRequests != 0 {
		t.Fatalf("victim's own update: %v (%+v), want accepted without authentication", err, up)
	}
	if st := n.amf.Stats(); st.Registrations != 1 {
		// The update is only counted on its REGISTRATION COMPLETE.
		eventually(t, 5*time.Second, "the victim's update complete", func() bool { return n.amf.Stats().Registrations == 2 })
	}
}

// TestIdentificationT3570: a UE registering with a 5G-GUTI the AMF does not
// know is asked for its SUCI; a UE that does not answer gets the IDENTITY
// REQUEST five times (T3570, four retransmissions) and the AMF then aborts
// and keeps no context.
//
// Spec: TS 24.501 §5.4.3.2, §5.4.3.6 (b)
func TestIdentificationT3570(t *testing.T) {
	n := newNet(t, shortTimers)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.newUE(t, 1, suci.NullScheme, func(c *ue.Config) {
		c.Faults.Ignore = n1.MsgIdentityRequest
		c.T3510 = 15 * time.Second // far past the AMF's 5 x 200 ms, even on a loaded machine
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := u.Register(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := u.Deregister(ctx, false); err != nil {
		t.Fatal(err)
	}
	_, err := u.Register(ctx, g) // with the 5G-GUTI the AMF forgot
	if err == nil {
		t.Fatal("registered without answering IDENTITY REQUEST")
	}
	if errors.Is(err, ue.ErrTimeout) {
		t.Errorf("Register: %v, want the connection released by the AMF before T3510", err)
	}
	if got := u.Result().IdentityRequests; got != 5 {
		t.Errorf("%d IDENTITY REQUESTs, want 5", got)
	}
	if _, ok := n.ueState(t, u.SUPI()); ok {
		t.Error("the AMF kept a context after the aborted identification")
	}
	eventually(t, 5*time.Second, "the gNB context released", func() bool { return g.Connections() == 0 })
}
