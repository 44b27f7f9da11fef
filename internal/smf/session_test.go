package smf_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/rules"
	"go5g/internal/sim/ue"
	"go5g/internal/smf"
)

// TestEstablish sets up one PDU session of each IP type and checks it
// three ways: what the UE got in the accept, what the SMF holds, and what
// the fake UPF was asked (UL PDR by TEID, DL PDR by UE address, the DL FAR
// buffering until the N4 modification forwards to the gNB's TEID), and
// that the gNB recorded the UPF's tunnel.
//
// Spec: TS 23.502 §4.3.2.2.1; TS 24.501 §6.4.1.3; TS 29.244 §7.5.2
func TestEstablish(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t)
	n.provision(t, 1, 3)
	cases := []struct {
		name    string
		pduType uint8
		v4, v6  bool
		n2Type  uint8
	}{
		{"IPv4", n1.PDUSessionTypeIPv4, true, false, n2.PDUSessionIPv4},
		{"IPv6", n1.PDUSessionTypeIPv6, false, true, n2.PDUSessionIPv6},
		{"IPv4v6", n1.PDUSessionTypeIPv4v6, true, true, n2.PDUSessionIPv4v6},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := n.registeredUE(t, g, i+1, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := u.EstablishPDUSession(ctx, g, "internet", &n2.SNSSAI{SST: 1}, c.pduType)
			if err != nil {
				t.Fatalf("EstablishPDUSession: %v", err)
			}
			if s.ID != 1 || s.Type != c.pduType || s.QFI != 1 || s.FiveQI != 9 || s.DNN != "internet" || s.Cause != 0 {
				t.Errorf("session %+v", s)
			}
			if s.AMBRUplink != 100e6 || s.AMBRDownlink != 200e6 {
				t.Errorf("Session-AMBR %d/%d, want the subscribed 100/200 Mbit/s", s.AMBRUplink, s.AMBRDownlink)
			}
			if s.IPv4.IsValid() != c.v4 || s.HasIPv6 != c.v6 {
				t.Errorf("addresses IPv4 %v IPv6 %t", s.IPv4, s.HasIPv6)
			}
			wantDNS := map[netip.Addr]bool{}
			for _, a := range smf.Defaults().DNNs[0].DNS {
				if (a.Is4() && c.v4) || (a.Is6() && c.v6) {
					wantDNS[a] = true
				}
			}
			if len(s.DNS) != len(wantDNS) {
				t.Errorf("DNS %v, want %v", s.DNS, wantDNS)
			}
			for _, a := range s.DNS {
				if !wantDNS[a] {
					t.Errorf("DNS server %s not configured for this type", a)
				}
			}
			var info smf.SessionInfo
			eventually(t, 5*time.Second, "the SMF to see the user plane active", func() bool {
				var ok bool
				info, ok = n.smf.Session(u.SUPI(), 1)
				return ok && info.Active
			})
			if info.IPv4 != s.IPv4 || (c.v4 && !netip.MustParsePrefix("10.45.0.0/16").Contains(info.IPv4)) {
				t.Errorf("SMF IPv4 %v, UE %v", info.IPv4, s.IPv4)
			}
			if c.v6 != info.IPv6Prefix.IsValid() || (c.v6 && (info.IPv6Prefix.Bits() != 64 ||
				!netip.MustParsePrefix("fd00:45::/48").Contains(info.IPv6Prefix.Addr()))) {
				t.Errorf("SMF IPv6 prefix %v", info.IPv6Prefix)
			}
			gs, ok := g.Sessions()[0], len(g.Sessions()) > 0
			for _, x := range g.Sessions() {
				if x.UL.TEID == info.UL.TEID {
					gs = x
				}
			}
			if !ok || gs.UL != info.UL || gs.UL.Addr != netip.MustParseAddr("127.0.0.2") || gs.Type != c.n2Type ||
				gs.DL != info.DL || gs.DL.Addr != netip.MustParseAddr("127.0.0.3") || len(gs.QFIs) != 1 || gs.QFIs[0] != 1 {
				t.Errorf("gNB session %+v, SMF UL %v DL %v", gs, info.UL, info.DL)
			}
			est, mods, deleted := n.upf.session(info.UPSEID)
			checkRules(t, est, info)
			if deleted || len(mods) != 1 || len(mods[0].UpdateFARs) != 1 {
				t.Fatalf("N4 modifications %+v (deleted %t), want one FAR update", mods, deleted)
			}
			far := mods[0].UpdateFARs[0]
			if far.ID != 2 || far.Action != rules.Forward || far.Forwarding == nil || far.Forwarding.DestinationInterface != rules.Access ||
				far.Forwarding.OuterHeaderCreation == nil || *far.Forwarding.OuterHeaderCreation != (rules.OuterHeaderCreation{TEID: gs.DL.TEID, Addr: gs.DL.Addr}) {
				t.Errorf("DL FAR update %+v", far)
			}
		})
	}
}

// checkRules checks the N4 session of a default QoS flow.
func checkRules(t *testing.T, est rules.Establishment, info smf.SessionInfo) {
	t.Helper()
	if len(est.PDRs) != 2 || len(est.FARs) != 2 || len(est.QERs) != 1 || len(est.URRs) != 1 {
		t.Fatalf("N4 establishment %+v", est)
	}
	ul, dl := est.PDRs[0], est.PDRs[1]
	if ul.PDI.SourceInterface != rules.Access || ul.PDI.FTEID == nil || !ul.PDI.FTEID.Choose || ul.PDI.QFI != 1 ||
		ul.OuterHeaderRemoval == nil || ul.FARID != 1 {
		t.Errorf("UL PDR %+v", ul)
	}
	if dl.PDI.SourceInterface != rules.Core || dl.PDI.UEIP == nil || !dl.PDI.UEIP.Destination ||
		dl.PDI.UEIP.IPv4 != info.IPv4 || dl.PDI.UEIP.IPv6Prefix != info.IPv6Prefix || dl.FARID != 2 {
		t.Errorf("DL PDR %+v", dl)
	}
	if f := est.FARs[0]; f.Action != rules.Forward || f.Forwarding == nil || f.Forwarding.DestinationInterface != rules.Core {
		t.Errorf("UL FAR %+v", f)
	}
	if f := est.FARs[1]; f.Action&rules.Buffer == 0 || f.Forwarding != nil {
		t.Errorf("initial DL FAR %+v, want buffering", f)
	}
	if q := est.QERs[0]; q.QFI != 1 || q.MBRUplink != info.AMBRUplink || q.MBRDownlink != info.AMBRDownlink || q.GateUplink != rules.Open {
		t.Errorf("QER %+v", q)
	}
}

// TestManySessionsNoDuplicate gives 100 UEs a session each: every IPv4
// address differs. Spec: TS 23.501 §5.8.2.2
func TestManySessionsNoDuplicate(t *testing.T) {
	if testing.Short() {
		t.Skip("100 registrations")
	}
	n := newNet(t, nil)
	g := n.connect(t)
	const count = 100
	n.provision(t, 1, count)
	seen := map[netip.Addr]string{}
	for i := 1; i <= count; i++ {
		u := n.registeredUE(t, g, i, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := u.EstablishPDUSession(ctx, g, "", nil, n1.PDUSessionTypeIPv4)
		cancel()
		if err != nil {
			t.Fatalf("UE %d: %v", i, err)
		}
		if prev, dup := seen[s.IPv4]; dup || !s.IPv4.IsValid() {
			t.Fatalf("UE %s got %v, already given to %s", u.SUPI(), s.IPv4, prev)
		}
		seen[s.IPv4] = u.SUPI()
	}
	if st := n.smf.Stats(); st.Established != count || st.Active != count {
		t.Errorf("SMF stats %+v", st)
	}
}

// TestReleaseReturnsAddress releases a session at the UE's request; the
// N4 session is deleted, the gNB drops the tunnel, and with a one-address
// pool the next UE gets the released address.
//
// Spec: TS 23.502 §4.3.4.2; TS 24.501 §6.4.3
func TestReleaseReturnsAddress(t *testing.T) {
	n := newNet(t, func(c *smf.Config) {
		c.DNNs = []smf.DNN{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/30")}} // two hosts
	})
	g := n.connect(t)
	n.provision(t, 1, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u1 := n.registeredUE(t, g, 1, nil)
	u2 := n.registeredUE(t, g, 2, nil)
	u3 := n.registeredUE(t, g, 3, nil)
	s1, err := u1.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u2.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4); err != nil {
		t.Fatal(err)
	}
	// Pool exhausted: #26.
	_, err = u3.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4)
	var rej *ue.SessionRejectError
	if !errors.As(err, &rej) || rej.Cause != n1.SMCauseInsufficientResources {
		t.Fatalf("third session: %v, want reject #26", err)
	}
	eventually(t, 5*time.Second, "session 1 active", func() bool { i, ok := n.smf.Session(u1.SUPI(), 1); return ok && i.Active })
	info1, _ := n.smf.Session(u1.SUPI(), 1)
	if err := u1.ReleasePDUSession(ctx, s1.ID); err != nil {
		t.Fatalf("release: %v", err)
	}
	eventually(t, 5*time.Second, "the SMF to drop the context", func() bool { _, ok := n.smf.Session(u1.SUPI(), 1); return !ok })
	if _, _, deleted := n.upf.session(info1.UPSEID); !deleted {
		t.Error("N4 session not deleted")
	}
	for _, s := range g.Sessions() {
		if s.UL == info1.UL {
			t.Error("gNB still holds the released session")
		}
	}
	if len(u1.Sessions()) != 0 {
		t.Errorf("UE still holds %v", u1.Sessions())
	}
	s3, err := u3.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	if s3.IPv4 != s1.IPv4 {
		t.Errorf("UE 3 got %v, want the released %v", s3.IPv4, s1.IPv4)
	}
	// The AMF dropped its routing context: UE 1 may use PDU session ID 1
	// again (and finds the pool empty).
	if _, err := u1.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4); !errors.As(err, &rej) ||
		rej.Cause != n1.SMCauseInsufficientResources {
		t.Errorf("UE 1 again: %v, want #26", err)
	}
}

// TestRejects covers an unknown DNN (#27), a PDU session type the DNN
// does not allow (#50, and #50 in an accept for IPv4v6), and a tampered
// container (dropped by the AMF's integrity check: no answer).
//
// Spec: TS 24.501 §6.4.1.4.2, §6.4.1.3, §4.4.4.3
func TestRejects(t *testing.T) {
	n := newNet(t, func(c *smf.Config) {
		c.DNNs = append(smf.Defaults().DNNs, smf.DNN{Name: "ims", IPv4Pool: netip.MustParsePrefix("10.46.0.0/24")})
	})
	g := n.connect(t)
	n.provision(t, 1, 2)
	u := n.registeredUE(t, g, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var rej *ue.SessionRejectError
	if _, err := u.EstablishPDUSession(ctx, g, "nowhere", nil, n1.PDUSessionTypeIPv4); !errors.As(err, &rej) || rej.Cause != n1.SMCauseMissingOrUnknownDNN {
		t.Errorf("unknown DNN: %v, want #27", err)
	}
	if _, err := u.EstablishPDUSession(ctx, g, "ims", nil, n1.PDUSessionTypeIPv6); !errors.As(err, &rej) || rej.Cause != n1.SMCauseIPv4OnlyAllowed {
		t.Errorf("IPv6 on an IPv4-only DNN: %v, want #50", err)
	}
	s, err := u.EstablishPDUSession(ctx, g, "ims", nil, n1.PDUSessionTypeIPv4v6)
	if err != nil || s.Type != n1.PDUSessionTypeIPv4 || s.Cause != n1.SMCauseIPv4OnlyAllowed || !netip.MustParsePrefix("10.46.0.0/24").Contains(s.IPv4) {
		t.Errorf("IPv4v6 on an IPv4-only DNN: %+v, %v; want IPv4 with #50", s, err)
	}

	// An S-NSSAI outside the allowed NSSAI: the AMF does not forward it.
	// Spec: TS 24.501 §5.4.5.2.5
	if _, err := u.EstablishPDUSession(ctx, g, "internet", &n2.SNSSAI{SST: 2}, n1.PDUSessionTypeIPv4); !errors.As(err, &rej) ||
		rej.GMMCause != n1.CausePayloadNotForwarded {
		t.Errorf("S-NSSAI not allowed: %v, want 5GMM #90", err)
	}

	before := n.amf.Stats().NASDroppedMAC
	est := n.smf.Stats()
	t2 := n.registeredUE(t, g, 2, func(c *ue.Config) { c.Faults.TamperSM = true; c.T3580 = 300 * time.Millisecond })
	if _, err := t2.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4); !errors.Is(err, ue.ErrTimeout) {
		t.Errorf("tampered request: %v, want no answer", err)
	}
	if d := n.amf.Stats().NASDroppedMAC - before; d != 1 {
		t.Errorf("AMF dropped %d messages for MAC failure, want 1", d)
	}
	if st := n.smf.Stats(); st.Established != est.Established || st.Rejected != est.Rejected {
		t.Errorf("the tampered request reached the SMF: %+v, before %+v", st, est)
	}
}

// TestNetworkReleaseAndANRelease: an AN release (the gNB asks to release
// the UE) turns the DL FAR back to buffering; a network-requested release
// reaches the UE (PDU SESSION RELEASE COMMAND, PTI 0), which answers
// COMPLETE, and the SMF frees the context.
//
// Spec: TS 23.502 §4.2.6, §4.3.4.2; TS 24.501 §6.3.3
func TestNetworkReleaseAndANRelease(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t)
	n.provision(t, 1, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	u := n.registeredUE(t, g, 1, nil)
	if _, err := u.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "active", func() bool { i, ok := n.smf.Session(u.SUPI(), 1); return ok && i.Active })
	info, _ := n.smf.Session(u.SUPI(), 1)
	if err := n.smf.Release(ctx, u.SUPI(), 1, n1.SMCauseRegularDeactivation); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the SMF to drop the context", func() bool { _, ok := n.smf.Session(u.SUPI(), 1); return !ok })
	eventually(t, 5*time.Second, "the UE to drop the session", func() bool { return len(u.Sessions()) == 0 })
	if _, _, deleted := n.upf.session(info.UPSEID); !deleted {
		t.Error("N4 session not deleted")
	}
	if len(g.Sessions()) != 0 {
		t.Errorf("gNB still holds %+v", g.Sessions())
	}

	u2 := n.registeredUE(t, g, 2, nil)
	if _, err := u2.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "active", func() bool { i, ok := n.smf.Session(u2.SUPI(), 1); return ok && i.Active })
	info2, _ := n.smf.Session(u2.SUPI(), 1)
	if len(g.Sessions()) != 1 {
		t.Fatalf("gNB sessions %+v, want UE 2's", g.Sessions())
	}
	if err := u2.ReleaseConnection(ctx, n2.CauseUserInactivity); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the user plane to be deactivated", func() bool {
		i, ok := n.smf.Session(u2.SUPI(), 1)
		return ok && !i.Active
	})
	_, mods, _ := n.upf.session(info2.UPSEID)
	if len(mods) != 2 || len(mods[1].UpdateFARs) != 1 || mods[1].UpdateFARs[0].Action != rules.Buffer|rules.NotifyCP {
		t.Errorf("N4 modifications after AN release %+v, want the DL FAR buffering", mods)
	}
	if len(u2.Sessions()) != 1 {
		t.Errorf("the UE lost its PDU session on AN release: %+v", u2.Sessions())
	}
}

// TestNoSMF: an AMF without an SMF sends the 5GSM message back with 5GMM
// cause #90. Spec: TS 24.501 §5.4.5.2.5
func TestNoSMF(t *testing.T) {
	n := newNetSMF(t, nil, false)
	g := n.connect(t)
	n.provision(t, 1, 1)
	u := n.registeredUE(t, g, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rej *ue.SessionRejectError
	if _, err := u.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4); !errors.As(err, &rej) || rej.GMMCause != n1.CausePayloadNotForwarded {
		t.Errorf("no SMF: %v, want 5GMM #90", err)
	}
}

// TestUPFFailure: a failed N4 establishment rejects with #38 and gives the
// address back (the next session on a one-address pool gets it).
// Spec: TS 24.501 §6.4.1.4.2
func TestUPFFailure(t *testing.T) {
	n := newNet(t, func(c *smf.Config) {
		c.DNNs = []smf.DNN{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/30")}}
	})
	g := n.connect(t)
	n.provision(t, 1, 1)
	u := n.registeredUE(t, g, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.upf.mu.Lock()
	n.upf.failNext = true
	n.upf.mu.Unlock()
	var rej *ue.SessionRejectError
	if _, err := u.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4); !errors.As(err, &rej) || rej.Cause != n1.SMCauseNetworkFailure {
		t.Fatalf("UPF failure: %v, want #38", err)
	}
	for i := 0; i < 2; i++ {
		s, err := u.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4)
		if err != nil || !netip.MustParsePrefix("10.45.0.0/30").Contains(s.IPv4) {
			t.Fatalf("session %d after the failure: %+v, %v", i, s, err)
		}
	}
}
