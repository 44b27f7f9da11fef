package smf_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/ausf"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/pcapcheck"
	"go5g/internal/pcf"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/smf"
	"go5g/internal/store"
	"go5g/internal/udm"
	"go5g/internal/udr"
)

// pcfLink wires the PCF to the SMF as the core does (core/policy.go).
type pcfLink struct{ p *pcf.PCF }

func (a pcfLink) CreateSMPolicy(ctx context.Context, d models.Pcf_SMPolCtrl_SmPolicyContextData) (models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	_, dec, err := a.p.CreateSMPolicy(ctx, d)
	return dec, err
}
func (a pcfLink) CreateSMPolicyAssociation(ctx context.Context, d models.Pcf_SMPolCtrl_SmPolicyContextData) (string, models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	return a.p.CreateSMPolicy(ctx, d)
}
func (a pcfLink) DeleteSMPolicy(ctx context.Context, id string) error {
	return a.p.DeleteSMPolicy(ctx, id, models.Pcf_SMPolCtrl_SmPolicyDeleteData{})
}

// newPolicyNet is newNet with a PCF holding ps and the AMF ciphering with
// NEA0 first, so that a capture shows N1 in clear to tshark.
func newPolicyNet(t *testing.T, ps []pcf.Policy) (*testNet, *pcf.PCF) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := udr.New(udr.Config{}, udr.Deps{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	plmns := []models.PlmnId{{Mcc: plmn.MCC, Mnc: plmn.MNC}}
	d, err := udm.New(udm.Config{ServingPLMNs: plmns}, udm.Deps{UDR: r})
	if err != nil {
		t.Fatal(err)
	}
	au, err := ausf.New(ausf.Config{PLMNs: plmns, InstanceID: "ausf-test"}, ausf.Deps{UDM: d})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pcf.New(pcf.Config{Policies: ps}, pcf.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	n := &testNet{store: st, upf: newFakeUPF()}
	if n.smf, err = smf.New(smf.Defaults(), smf.Deps{UDM: d, PCF: pcfLink{p}, UPFs: map[string]smf.UPF{"upf": n.upf}, Log: testLog()}); err != nil {
		t.Fatal(err)
	}
	p.SetNotifier(n.smf)
	l, err := sctp.ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"), 38412, sctp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	n.udpPort = int(l.Addr().(sctp.Addr).UDPPort)
	acfg := amf.Defaults()
	acfg.Workers = 2
	acfg.Ciphering = []n1.CipherAlg{n1.NEA0, n1.NEA2}
	if n.amf, err = amf.New(acfg, amf.Deps{AUSF: au, UDM: d, SMF: n.smf, Log: testLog(), N2Listener: l}); err != nil {
		t.Fatal(err)
	}
	n.smf.SetAMF(n.amf)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.amf.Run(ctx) }()
	<-n.amf.Ready()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("AMF did not stop")
		}
	})
	return n, p
}

var voiceRule = pcf.PCCRule{ID: "voice", Precedence: 10, FlowDescriptions: []string{"permit out 17 from any to assigned 5000-5010"},
	QoS: pcf.QoS{FiveQI: 1, MaxBRUL: "2 Mbps", MaxBRDL: "4 Mbps", GBRUL: "1 Mbps", GBRDL: "2 Mbps"}}

var videoRule = pcf.PCCRule{ID: "video", Precedence: 20, FlowDescriptions: []string{"permit out 17 from 192.0.2.80 to assigned 6000"},
	QoS: pcf.QoS{FiveQI: 2, MaxBRUL: "1 Mbps", MaxBRDL: "8 Mbps", GBRUL: "1 Mbps", GBRDL: "4 Mbps"}}

func gnbSession(g *gnb.GNB, teid uint32) (gnb.Session, bool) {
	for _, s := range g.Sessions() {
		if s.UL.TEID == teid {
			return s, true
		}
	}
	return gnb.Session{}, false
}

// TestModificationEndToEnd drives the real AMF with the simulated gNB and
// UE over SCTP on loopback, the SMF with the real PCF and a fake UPF:
//   - a GBR PCC rule gives the UE two QoS rules and flows (GFBR/MFBR) and
//     the gNB two QoS flows, one GBR;
//   - replacing the PCF's policies (new AMBR, a second GBR flow) reaches
//     the UE (MODIFICATION COMMAND, answered COMPLETE), the gNB (PDU
//     Session Resource Modify, answered) and the UPF (N4 modification
//     with the new QER and the session QER's new MBR);
//   - a UE-requested modification gets a COMMAND, one asking for QoS of
//     its own a REJECT #37;
//   - the release deletes the SM policy association;
//   - tshark decodes every NGAP and NAS message captured with no
//     malformed packet or expert warning.
//
// Spec: TS 23.502 §4.3.3.2; TS 24.501 §6.3.2, §6.4.2; TS 38.413 §8.2.3;
// TS 29.512 §4.2.3, §4.2.5
func TestModificationEndToEnd(t *testing.T) {
	n, p := newPolicyNet(t, []pcf.Policy{{Name: "voice", DNN: "internet", PCCRules: []pcf.PCCRule{voiceRule}}})
	var capture *pcapcheck.Capture
	if err := pcapcheck.Available(); err != nil {
		t.Logf("no capture: %v", err)
	} else {
		c, err := pcapcheck.Start("lo", fmt.Sprintf("udp port %d", n.udpPort), filepath.Join(t.TempDir(), "n2.pcap"))
		if err != nil {
			t.Fatal(err)
		}
		capture = c
		defer c.Stop()
	}
	g := n.connect(t)
	n.provision(t, 1, 1)
	u := n.registeredUE(t, g, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := u.EstablishPDUSession(ctx, g, "internet", &n2.SNSSAI{SST: 1}, n1.PDUSessionTypeIPv4)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.QoSRules) != 2 || s.QoSRules[1].QFI != 2 || len(s.QoSRules[1].Filters) != 1 || len(s.Flows) != 2 ||
		s.Flows[1] != (ue.QoSFlow{QFI: 2, FiveQI: 1, GFBRUplink: 1e6, GFBRDownlink: 2e6, MFBRUplink: 2e6, MFBRDownlink: 4e6}) {
		t.Errorf("UE QoS rules %+v flows %+v", s.QoSRules, s.Flows)
	}
	var info smf.SessionInfo
	eventually(t, 5*time.Second, "the user plane", func() bool {
		var ok bool
		info, ok = n.smf.Session(u.SUPI(), s.ID)
		return ok && info.Active
	})
	gs, ok := gnbSession(g, info.UL.TEID)
	if !ok || len(gs.Flows) != 2 || gs.Flows[1].GBR == nil || gs.Flows[1].GBR.GFBRDownlink != 2e6 {
		t.Errorf("gNB session %+v", gs)
	}

	// Network-requested: the policies change.
	start := time.Now()
	err = p.SetPolicies([]pcf.Policy{{Name: "voice+video", DNN: "internet",
		SessionAMBR: &models.Ambr{Uplink: "50 Mbps", Downlink: "60 Mbps"}, PCCRules: []pcf.PCCRule{voiceRule, videoRule}}})
	setDone := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the UE to apply the command", func() bool {
		for _, x := range u.Sessions() {
			if x.ID == s.ID && x.AMBRUplink == 50e6 && x.AMBRDownlink == 60e6 && len(x.QoSRules) == 3 && len(x.Flows) == 3 {
				return true
			}
		}
		return false
	})
	t.Logf("policy change to the UE's applied command: %v (SetPolicies returned after %v)", time.Since(start), setDone)
	eventually(t, 10*time.Second, "the gNB to modify the session", func() bool {
		gs, ok := gnbSession(g, info.UL.TEID)
		return ok && gs.AMBRUplink == 50e6 && len(gs.Flows) == 3 && slices.Contains(gs.QFIs, 3)
	})
	eventually(t, 10*time.Second, "the UPF rules", func() bool {
		_, mods, _ := n.upf.session(info.UPSEID)
		for _, m := range mods {
			if len(m.CreateQERs) == 1 && m.CreateQERs[0].QFI == 3 && m.CreateQERs[0].GBRDownlink == 4e6 &&
				len(m.UpdateQERs) == 1 && m.UpdateQERs[0].MBRUplink == 50e6 && len(m.CreatePDRs) == 2 {
				return true
			}
		}
		return false
	})

	// UE-requested.
	ms, err := u.ModifyPDUSession(ctx, s.ID, ue.ModifyOptions{})
	if err != nil || ms.AMBRDownlink != 60e6 {
		t.Errorf("UE-requested modification: %+v, %v", ms, err)
	}
	_, err = u.ModifyPDUSession(ctx, s.ID, ue.ModifyOptions{RequestedQoSRules: []byte{4, 0, 6, 0x21, 0x31, 1, 0x01, 20, 4}})
	var rej *ue.SessionRejectError
	if !errors.As(err, &rej) || rej.Cause != 37 {
		t.Errorf("UE asking for its own QoS: %v, want REJECT #37", err)
	}

	// Release: the association goes.
	if p.Associations() != 1 {
		t.Errorf("%d SM policy associations", p.Associations())
	}
	if err := u.ReleasePDUSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the SM policy association to be deleted", func() bool { return p.Associations() == 0 })

	if capture == nil {
		return
	}
	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}
	decode := []string{fmt.Sprintf("udp.port==%d,sctp", n.udpPort), "sctp.ppi==60,ngap"}
	problems, err := pcapcheck.Check(capture.Path(), decode, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range problems {
		t.Errorf("tshark: %s", pr)
	}
	// 5GSM message types tshark found: accept, command (×2), complete
	// (×2), request (×2), reject.
	rows, err := pcapcheck.Fields(capture.Path(), decode, "nas_5gs.sm.message_type", "nas_5gs.sm.message_type")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rows {
		seen[r[0]]++
	}
	for _, typ := range []string{"0xc2", "0xc9", "0xca", "0xcb", "0xcc"} {
		if seen[typ] == 0 {
			t.Errorf("tshark found no 5GSM message %s (found %v)", typ, seen)
		}
	}
	mods, err := pcapcheck.Fields(capture.Path(), decode, "ngap.procedureCode == 26", "_ws.col.Info", "ngap.guaranteedFlowBitRateDL")
	if err != nil || len(mods) != 2 || mods[0][1] != "4000000" {
		// The request adds the video flow (GFBR DL 4 Mbit/s); the response.
		t.Errorf("PDU Session Resource Modify request and response: %q, %v", mods, err)
	}
}
