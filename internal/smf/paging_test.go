package smf_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/rules"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/smf"
)

// connectGNB brings up another gNB of the test network's TA.
func (n *testNet) connectGNB(t testing.TB, name string, id uint32, n3 string) *gnb.GNB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g, err := gnb.Connect(ctx, gnb.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP, SCTP: sctp.Options{RemoteUDPPort: n.udpPort},
		ID: n2.GlobalGNBID{PLMN: plmn, ID: id, IDLength: 22}, Name: name, PLMN: plmn, TAC: 1,
		Slices: []n2.SNSSAI{{SST: 1}}, CellID: uint64(id) << 14, N3Addr: netip.MustParseAddr(n3), Log: testLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		g.Close(ctx)
	})
	return g
}

// sessionUE registers UE i through g with an active IPv4 PDU session 1.
func (n *testNet) sessionUE(t *testing.T, g *gnb.GNB, i int) (*ue.UE, smf.SessionInfo) {
	t.Helper()
	u := n.registeredUE(t, g, i, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := u.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "active", func() bool { i, ok := n.smf.Session(u.SUPI(), 1); return ok && i.Active })
	info, _ := n.smf.Session(u.SUPI(), 1)
	return u, info
}

// goIdle releases the UE's connection (AN release) and waits for the
// AMF's CM-IDLE and the SMF's deactivated user plane.
func (n *testNet) goIdle(t *testing.T, u *ue.UE) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := u.ReleaseConnection(ctx, n2.CauseUserInactivity); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "CM-IDLE and the user plane deactivated", func() bool {
		info, ok, err := n.amf.UE(ctx, u.SUPI())
		s, sok := n.smf.Session(u.SUPI(), 1)
		return err == nil && ok && !info.Connected && info.Registered && sok && !s.Active && !u.Connected()
	})
}

// lastDLFAR is the DL FAR of the session's last N4 modification.
func (n *testNet) lastDLFAR(t *testing.T, seid uint64) rules.FAR {
	t.Helper()
	_, mods, _ := n.upf.session(seid)
	for i := len(mods) - 1; i >= 0; i-- {
		for _, f := range mods[i].UpdateFARs {
			if f.ID == 2 {
				return f
			}
		}
	}
	t.Fatalf("no DL FAR update in %+v", mods)
	return rules.FAR{}
}

// TestPagingNetworkTriggered: downlink data for a UE in CM-IDLE makes the
// SMF ask the AMF, which pages the UE through every gNB of its
// registration area with its 5G-S-TMSI; the UE answers SERVICE REQUEST
// ("mobile terminated services"); INITIAL CONTEXT SETUP carries the PDU
// session, and the SMF points the DL FAR at the gNB's new tunnel. Two
// reports at once page once; another UE is untouched.
//
// Spec: TS 23.502 §4.2.3.3; TS 38.413 §8.5.1, §8.3.1; TS 24.501 §5.6.2.2.1
func TestPagingNetworkTriggered(t *testing.T) {
	n := newNet(t, nil)
	g1 := n.connect(t)
	g2 := n.connectGNB(t, "gnb-2", 2, "127.0.0.4")
	n.provision(t, 1, 2)
	u1, info1 := n.sessionUE(t, g1, 1)
	u2, info2 := n.sessionUE(t, g1, 2)
	n.goIdle(t, u1)
	if f := n.lastDLFAR(t, info1.UPSEID); f.Action != rules.Buffer|rules.NotifyCP {
		t.Fatalf("DL FAR after AN release %+v, want BUFF|NOCP", f)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range 2 { // the second report comes while the first pages
		wg.Go(func() { n.smf.DownlinkData(ctx, "upf", info1.UPSEID) })
	}
	wg.Wait()
	eventually(t, 10*time.Second, "the UE back in CM-CONNECTED with its user plane", func() bool {
		s, ok := n.smf.Session(u1.SUPI(), 1)
		return ok && s.Active && u1.Connected()
	})
	t.Logf("downlink data report to active user plane: %v", time.Since(start))

	after, _ := n.smf.Session(u1.SUPI(), 1)
	if after.DL == info1.DL || !after.DL.Addr.IsValid() {
		t.Errorf("DL tunnel %+v after paging, want the new connection's (was %+v)", after.DL, info1.DL)
	}
	f := n.lastDLFAR(t, info1.UPSEID)
	if f.Action != rules.Forward || f.Forwarding == nil || f.Forwarding.OuterHeaderCreation == nil ||
		f.Forwarding.OuterHeaderCreation.TEID != after.DL.TEID {
		t.Errorf("DL FAR %+v, want forwarding to TEID %#x", f, after.DL.TEID)
	}
	if s := n.smf.Stats(); s.DownlinkDataPagings != 1 {
		t.Errorf("SMF asked the AMF %d times, want once", s.DownlinkDataPagings)
	}
	if s := n.amf.Stats(); s.Pagings != 1 || s.PagingFailures != 0 {
		t.Errorf("AMF pagings %d, failures %d; want 1 and 0", s.Pagings, s.PagingFailures)
	}
	r := u1.Result()
	if r.Pagings < 1 || r.MTServiceRequests != 1 || r.ServiceAccepts != 1 {
		t.Errorf("UE: %d pagings, %d MT service requests, %d SERVICE ACCEPTs; want ≥1, 1, 1",
			r.Pagings, r.MTServiceRequests, r.ServiceAccepts)
	}
	// The paging reached the UE camped on gNB 1 by its 5G-S-TMSI, and gNB 2
	// (same TA) was paged too but has no such UE.
	if p := g1.Pagings(); p.Delivered < 1 || p.OtherArea != 0 {
		t.Errorf("gNB 1 paging %+v", p)
	}
	if p := g2.Pagings(); p.Received < 1 || p.Delivered != 0 {
		t.Errorf("gNB 2 paging %+v, want received and not delivered", p)
	}
	found := false
	for _, s := range g1.Sessions() {
		found = found || s.DL == after.DL
	}
	if !found {
		t.Errorf("gNB 1 sessions %+v lack the re-activated one", g1.Sessions())
	}
	// UE 2 saw nothing of it.
	if s, ok := n.smf.Session(u2.SUPI(), 1); !ok || !s.Active || s.DL != info2.DL {
		t.Errorf("UE 2's session %+v changed", s)
	}
	if r := u2.Result(); r.Pagings != 0 || !u2.Connected() {
		t.Errorf("UE 2: %d pagings, connected %t", r.Pagings, u2.Connected())
	}
	// A report for an active session pages nobody.
	n.smf.DownlinkData(ctx, "upf", info1.UPSEID)
	if s := n.amf.Stats(); s.Pagings != 1 {
		t.Errorf("a report for an active session paged: %d pagings", s.Pagings)
	}
}

// TestPagingFailure: a UE that does not answer is paged Pagings times, T3513
// apart, then the AMF tells the SMF (UE_NOT_RESPONDING), which discards
// the buffer (DL FAR drop, then buffer again) so that new data reports
// again.
//
// Spec: TS 23.502 §4.2.3.3 step 4b; TS 29.518 §5.2.2.3.2; TS 29.244 §5.2.3.1
func TestPagingFailure(t *testing.T) {
	n := newNetAMF(t, nil, func(c *amf.Config) { c.T3513, c.Pagings = 100*time.Millisecond, 3 }, true)
	g := n.connect(t)
	n.provision(t, 1, 1)
	u, info := n.sessionUE(t, g, 1)
	n.goIdle(t, u)
	u.Close() // switched off without a word: it hears no paging
	u.Wait()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n.smf.DownlinkData(ctx, "upf", info.UPSEID)
	eventually(t, 10*time.Second, "the SMF told of the failure", func() bool { return n.smf.Stats().DownlinkDataFailures == 1 })
	if p := g.Pagings(); p.Received != 3 {
		t.Errorf("gNB received %d PAGINGs, want 3", p.Received)
	}
	if s := n.amf.Stats(); s.Pagings != 1 || s.PagingFailures != 1 {
		t.Errorf("AMF pagings %d, failures %d; want 1 and 1", s.Pagings, s.PagingFailures)
	}
	_, mods, _ := n.upf.session(info.UPSEID)
	if k := len(mods); k < 2 || mods[k-2].UpdateFARs[0].Action != rules.Drop ||
		mods[k-1].UpdateFARs[0].Action != rules.Buffer|rules.NotifyCP {
		t.Errorf("N4 modifications %+v, want the DL FAR dropped then buffering again", mods)
	}
	// The next report pages again.
	n.smf.DownlinkData(ctx, "upf", info.UPSEID)
	if s := n.amf.Stats(); s.Pagings != 2 {
		t.Errorf("after the failure a new report gave %d pagings in all, want 2", s.Pagings)
	}
	eventually(t, 10*time.Second, "the second failure", func() bool { return n.smf.Stats().DownlinkDataFailures == 2 })
}

// TestDownlinkDataUnknown: a report for no session, or for a UE the AMF
// cannot page, changes nothing and crashes nothing.
func TestDownlinkDataUnknown(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t)
	n.provision(t, 1, 1)
	u, info := n.sessionUE(t, g, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.smf.DownlinkData(ctx, "upf", 999)
	n.smf.DownlinkData(ctx, "nope", info.UPSEID)
	n.smf.DownlinkData(ctx, "upf", info.UPSEID) // active: nothing to do
	n.smf.N1N2TransferFailureNotification(ctx, "garbage", n1n2Failure())
	n.smf.N1N2TransferFailureNotification(ctx, "/nsmf-callback/v1/sm-contexts/"+info.Ref, n1n2Failure()) // not paging
	if s := n.amf.Stats(); s.Pagings != 0 {
		t.Errorf("%d pagings", s.Pagings)
	}
	if s, _ := n.smf.Session(u.SUPI(), 1); !s.Active {
		t.Error("session deactivated")
	}
}

func n1n2Failure() models.Amf_Comm_N1N2MsgTxfrFailureNotification {
	return models.Amf_Comm_N1N2MsgTxfrFailureNotification{Cause: models.Amf_Comm_N1N2MessageTransferCause_UE_NOT_RESPONDING}
}
