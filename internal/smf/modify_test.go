package smf

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/n3"
	"go5g/internal/pcf"
	"go5g/internal/upf"
)

// These tests run PDU session modification with the real PCF (policies
// replaced at runtime), the real UPF over PFCP on loopback and a fake AMF
// that records what the SMF sends the UE and the gNB.

// testPCF is the core's wiring of the PCF for the SMF (core/policy.go).
type testPCF struct{ p *pcf.PCF }

func (a testPCF) CreateSMPolicy(ctx context.Context, d models.Pcf_SMPolCtrl_SmPolicyContextData) (models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	_, dec, err := a.p.CreateSMPolicy(ctx, d)
	return dec, err
}
func (a testPCF) CreateSMPolicyAssociation(ctx context.Context, d models.Pcf_SMPolCtrl_SmPolicyContextData) (string, models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	return a.p.CreateSMPolicy(ctx, d)
}
func (a testPCF) DeleteSMPolicy(ctx context.Context, id string) error {
	return a.p.DeleteSMPolicy(ctx, id, models.Pcf_SMPolCtrl_SmPolicyDeleteData{})
}

// voice is a GBR PCC rule: 5QI 1 for UDP to the UE's ports 5000-5010.
func voice(gbrUL string) pcf.PCCRule {
	return pcf.PCCRule{ID: "voice", Precedence: 10, FlowDescriptions: []string{"permit out 17 from any to assigned 5000-5010"},
		QoS: pcf.QoS{FiveQI: 1, MaxBRUL: "2 Mbps", MaxBRDL: "4 Mbps", GBRUL: gbrUL, GBRDL: "2 Mbps"}}
}

// video is a second GBR PCC rule, downlink only, from one server.
var video = pcf.PCCRule{ID: "video", Precedence: 20, FlowDirection: models.Pcf_SMPolCtrl_FlowDirectionRm_DOWNLINK,
	FlowDescriptions: []string{"permit out 17 from 192.0.2.80 to assigned 6000"},
	QoS:              pcf.QoS{FiveQI: 2, MaxBRUL: "1 Mbps", MaxBRDL: "8 Mbps", GBRUL: "1 Mbps", GBRDL: "4 Mbps"}}

type modNet struct {
	smf *SMF
	amf *fakeAMF
	pcf *pcf.PCF
	upf *upfSide
	gnb *net.UDPConn
	ref string
}

const modSUPI = "imsi-001010000000001"

// newModNet starts a UPF, the SMF's N4, a PCF with policies ps, and
// establishes PDU session 1 of modSUPI (IPv4).
func newModNet(t *testing.T, ps []pcf.Policy, edit func(*Config)) *modNet {
	t.Helper()
	n := &modNet{amf: &fakeAMF{}, gnb: gnbConn(t)}
	n.upf = startUPF(t, "127.0.0.1:0", n.gnb.LocalAddr().(*net.UDPAddr).AddrPort().Port(), time.Now())
	x := startSMF(t, n.upf.n4Addr(), -1)
	var err error
	if n.pcf, err = pcf.New(pcf.Config{Policies: ps}, pcf.Deps{}); err != nil {
		t.Fatal(err)
	}
	cfg := Defaults()
	if edit != nil {
		edit(&cfg)
	}
	n.smf, err = New(cfg, Deps{UDM: fakeUDM{}, PCF: testPCF{n.pcf}, AMF: n.amf, UPFs: map[string]UPF{"upf": x.UPF("upf")}})
	if err != nil {
		t.Fatal(err)
	}
	n.pcf.SetNotifier(n.smf)
	n.ref, err = n.smf.CreateSMContext(context.Background(), models.Smf_PDUSess_SmContextCreateData{Supi: modSUPI,
		PduSessionId: 1, Dnn: "internet", SNssai: &models.Snssai{Sst: 1}}, establishmentRequestBytes(1, 1, n1.PDUSessionTypeIPv4))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (n *modNet) info(t *testing.T) SessionInfo {
	t.Helper()
	i, ok := n.smf.Session(modSUPI, 1)
	if !ok {
		t.Fatal("no SM context")
	}
	return i
}

func (n *modNet) upfRules(t *testing.T) upf.Rules {
	t.Helper()
	s := n.upf.u.Session(n.info(t).UPSEID)
	if s == nil {
		t.Fatal("UPF has no session")
	}
	return s.Rules()
}

// activate answers the setup request as the gNB does (DL TEID 0x77).
func (n *modNet) activate(t *testing.T, qfis ...uint8) {
	t.Helper()
	b, err := n2.SetupResponseTransfer{DL: n2.Tunnel{Addr: loopback, TEID: 0x77}, QFIs: qfis}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.smf.UpdateSMContext(context.Background(), n.ref,
		models.Smf_PDUSess_SmContextUpdateData{N2SmInfoType: models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_RSP}, nil, b); err != nil {
		t.Fatal(err)
	}
}

func (n *modNet) n1(t *testing.T, b []byte) error {
	t.Helper()
	_, err := n.smf.UpdateSMContext(context.Background(), n.ref, models.Smf_PDUSess_SmContextUpdateData{}, b, nil)
	return err
}

func (n *modNet) modifyResponse(t *testing.T, qfis ...uint8) {
	t.Helper()
	b, err := n2.ModifyResponseTransfer{AddedOrModified: qfis}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.smf.UpdateSMContext(context.Background(), n.ref,
		models.Smf_PDUSess_SmContextUpdateData{N2SmInfoType: models.Smf_PDUSess_N2SmInfoType_PDU_RES_MOD_RSP}, nil, b); err != nil {
		t.Fatal(err)
	}
}

func (n *modNet) transfers() []transfer {
	n.amf.mu.Lock()
	defer n.amf.mu.Unlock()
	return slices.Clone(n.amf.transfers)
}

func (n *modNet) modifying() bool {
	n.smf.mu.Lock()
	c := n.smf.byUE[ueKey{modSUPI, 1}]
	n.smf.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mod != nil
}

func findQER(r upf.Rules, id uint32) *upf.QER {
	for i := range r.QERs {
		if r.QERs[i].ID == id {
			return &r.QERs[i]
		}
	}
	return nil
}

func findPDR(r upf.Rules, id uint16) *upf.PDR {
	for i := range r.PDRs {
		if r.PDRs[i].ID == id {
			return &r.PDRs[i]
		}
	}
	return nil
}

// dlQFI sends a DL packet to the UE's UDP port and returns the QFI the
// UPF marked it with on N3.
func (n *modNet) dlQFI(t *testing.T, from netip.Addr, port uint16) uint8 {
	t.Helper()
	ip := ipv4UDP(from, n.info(t).IPv4, 100, 0x33)
	binary.BigEndian.PutUint16(ip[22:], port)
	n.upf.dev.in <- ip
	n.gnb.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	k, err := n.gnb.Read(buf)
	if err != nil {
		t.Fatalf("no downlink G-PDU for port %d: %v", port, err)
	}
	var p n3.Packet
	if err := p.Parse(buf[:k]); err != nil || p.PDUSession() == nil || !bytes.Equal(p.Payload, ip) {
		t.Fatalf("downlink G-PDU %+v: %v", p, err)
	}
	return p.PDUSession().QFI
}

// ambrOf reads a Session-AMBR IE value (DL unit, value, UL unit, value).
func ambrOf(v []byte) (ul, dl uint64) {
	rate := func(u byte, x uint16) uint64 {
		m := uint64(1000)
		for i := byte(1); i < u; i++ {
			m *= 4
		}
		return uint64(x) * m
	}
	return rate(v[3], binary.BigEndian.Uint16(v[4:])), rate(v[0], binary.BigEndian.Uint16(v[1:]))
}

// TestGBRFlowEstablishment: a GBR PCC rule gives the session a second QoS
// flow: its QoS rule (packet filter: UDP, local ports 5000-5010) and QoS
// flow description (5QI 1, GFBR and MFBR) in the accept, a GBR QoS flow in
// the N2 setup request, and on the real UPF a UL and a DL PDR with the SDF
// filter on the session's one F-TEID and a QER with the MBR and QFI 2, so
// that DL traffic to port 5000 leaves marked with QFI 2 and other traffic
// with QFI 1.
//
// Spec: TS 24.501 §9.11.4.12, §9.11.4.13; TS 38.413 §9.3.4.1, §9.3.1.10;
// TS 29.244 §5.5.3 (CHID), §8.2.5, §8.2.9; TS 23.501 §5.7.1.5
func TestGBRFlowEstablishment(t *testing.T) {
	n := newModNet(t, []pcf.Policy{{Name: "voice", DNN: "internet", PCCRules: []pcf.PCCRule{voice("1 Mbps")}}}, nil)
	tr := n.transfers()
	if len(tr) != 1 {
		t.Fatalf("%d transfers, want the accept", len(tr))
	}
	m, err := n1.Decode(tr[0].n1)
	if err != nil || m.PDUSessionEstablishmentAccept == nil {
		t.Fatalf("accept: %v", err)
	}
	a := m.PDUSessionEstablishmentAccept
	wantRules := []byte{
		1, 0, 6, 0x31, 0x31, 1, 0x01, 255, 1, // default: create, DQR, match-all, precedence 255, QFI 1
		2, 0, 12, 0x21, // rule 2: create, 1 packet filter
		0x31, 7, 0x30, 17, 0x41, 0x13, 0x88, 0x13, 0x92, // bidirectional filter 1: protocol 17, local ports 5000-5010
		10, 2, // precedence 10, QFI 2
	}
	if got := a.AuthorizedQosRules.GetQosRule(); !bytes.Equal(got, wantRules) {
		t.Errorf("QoS rules %x, want %x", got, wantRules)
	}
	fd := a.AuthorizedQosFlowDescriptions.GetQoSFlowDescriptions()
	wantFlows := []byte{1, 0x20, 0x41, 1, 1, 8} // QFI 1 create, 5QI 8 (the subscription's)
	wantGBR := []byte{2, 0x20, 0x45, 1, 1, 1,   // QFI 2 create, 5 parameters, 5QI 1
		2, 3, 1, 0x03, 0xe8, // GFBR UL 1000 kbit/s
		3, 3, 1, 0x07, 0xd0, // GFBR DL 2000
		4, 3, 1, 0x07, 0xd0, // MFBR UL 2000
		5, 3, 1, 0x0f, 0xa0} // MFBR DL 4000
	if !bytes.Equal(fd, append(wantFlows, wantGBR...)) {
		t.Errorf("QoS flow descriptions %x, want %x then %x", fd, wantFlows, wantGBR)
	}
	st, err := n2.ParseSetupRequestTransfer(tr[0].n2)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Flows) != 2 || st.Flows[1].QFI != 2 || st.Flows[1].FiveQI != 1 ||
		*st.Flows[1].GBR != (n2.GBRQosInfo{MFBRUplink: 2e6, MFBRDownlink: 4e6, GFBRUplink: 1e6, GFBRDownlink: 2e6}) {
		t.Errorf("N2 QoS flows %+v", st.Flows)
	}
	if i := n.info(t); len(i.QoSFlows) != 1 || i.QoSFlows[0].QFI != 2 || i.QoSFlows[0].PCCRule != "voice" {
		t.Errorf("session QoS flows %+v", i.QoSFlows)
	}

	r := n.upfRules(t)
	ul, ul2, dl2 := findPDR(r, pdrUL), findPDR(r, flowPDRUL(2)), findPDR(r, flowPDRDL(2))
	if len(r.PDRs) != 4 || ul == nil || ul2 == nil || dl2 == nil {
		t.Fatalf("UPF PDRs %+v", r.PDRs)
	}
	if ul2.TEID != ul.TEID || ul2.QFI != 2 || len(ul2.SDF) != 1 || len(dl2.SDF) != 1 || ul2.Precedence != 10 ||
		dl2.SDF[0].Proto != 17 || dl2.SDF[0].ToPort != [2]uint16{5000, 5010} {
		t.Errorf("flow PDRs UL %+v DL %+v (default UL TEID %#x)", ul2, dl2, ul.TEID)
	}
	if q := findQER(r, 2); q == nil || q.MBRUL != 2000 || q.MBRDL != 4000 || q.QFI != 2 {
		t.Errorf("flow QER %+v", q)
	}

	n.activate(t, 1, 2)
	dn := netip.MustParseAddr("192.0.2.53")
	if q := n.dlQFI(t, dn, 5004); q != 2 {
		t.Errorf("DL to port 5004 marked QFI %d, want 2", q)
	}
	if q := n.dlQFI(t, dn, 53); q != 1 {
		t.Errorf("DL to port 53 marked QFI %d, want 1", q)
	}
}

// TestPolicyChangeModifies: replacing the PCF's policies (new
// Session-AMBR, the voice flow's GFBR changed, a video flow added) makes
// the SMF send PDU SESSION MODIFICATION COMMAND (PTI 0) with the AMBR and
// QoS rules "modify" for rule 2 and "create" for rule 3, and the N2
// Modify Request Transfer; the UPF keeps its rules until the gNB answers,
// then has the new AMBR and the new flow's PDRs and QER; COMPLETE ends
// the procedure. Removing the video rule deletes its rule, flow, PDRs and
// QER. The association is deleted with the session.
//
// Spec: TS 29.512 §4.2.3.2, §4.2.5; TS 23.502 §4.3.3.2 steps 1b-12;
// TS 24.501 §6.3.2.2, §6.3.2.3, §8.3.9; TS 38.413 §9.3.4.3
func TestPolicyChangeModifies(t *testing.T) {
	ctx := context.Background()
	n := newModNet(t, []pcf.Policy{{Name: "voice", DNN: "internet", PCCRules: []pcf.PCCRule{voice("1 Mbps")}}}, nil)
	n.activate(t, 1, 2)
	before := len(n.transfers())
	err := n.pcf.SetPolicies([]pcf.Policy{{Name: "voice+video", DNN: "internet",
		SessionAMBR: &models.Ambr{Uplink: "50 Mbps", Downlink: "60 Mbps"},
		PCCRules:    []pcf.PCCRule{voice("1500 Kbps"), video}}})
	if err != nil {
		t.Fatal(err)
	}
	tr := n.transfers()
	if len(tr) != before+1 {
		t.Fatalf("%d transfers after the policy change, want 1", len(tr)-before)
	}
	x := tr[len(tr)-1]
	if x.req.N2InfoContainer == nil || x.req.N2InfoContainer.SmInfo.N2InfoContent.NgapIeType != "PDU_RES_MOD_REQ" {
		t.Errorf("N2 info %+v, want PDU_RES_MOD_REQ", x.req.N2InfoContainer)
	}
	m, err := n1.Decode(x.n1)
	if err != nil || m.PDUSessionModificationCommand == nil {
		t.Fatalf("command: %v", err)
	}
	cmd := m.PDUSessionModificationCommand
	if pti := x.n1[2]; pti != 0 {
		t.Errorf("network-requested command with PTI %d", pti)
	}
	if cmd.SessionAMBR == nil {
		t.Fatal("no Session-AMBR")
	}
	if ul, dl := ambrOf(x.n1[6:12]); ul != 50e6 || dl != 60e6 {
		t.Errorf("Session-AMBR %d/%d", ul, dl)
	}
	rules := cmd.AuthorizedQosRules.GetQosRule()
	// rule 3 (video) created with a DL filter from 192.0.2.80/32 to port
	// 6000; rule 2 (voice) "modify and replace all packet filters".
	if len(rules) < 4 || rules[0] != 3 || rules[3]>>5 != qosRuleCreate || rules[4] != 0x10|1 {
		t.Errorf("QoS rules %x: want rule 3 created first with a downlink filter", rules)
	}
	if i := bytes.Index(rules, []byte{2, 0, 12, 0x61}); i < 0 {
		t.Errorf("QoS rules %x: no modify of rule 2", rules)
	}
	fd := cmd.AuthorizedQosFlowDescriptions.GetQoSFlowDescriptions()
	if len(fd) < 3 || fd[0] != 3 || fd[1]>>5 != qosFlowCreate || !bytes.Contains(fd, []byte{2, 0x60, 0x45, 1, 1, 1, 2, 3, 1, 0x05, 0xdc}) {
		t.Errorf("QoS flow descriptions %x: want 3 created, 2 modified with GFBR UL 1500 kbit/s", fd)
	}
	mt, err := n2.ParseModifyRequestTransfer(x.n2)
	if err != nil {
		t.Fatal(err)
	}
	if mt.AMBRUplink != 50e6 || mt.AMBRDownlink != 60e6 || len(mt.AddOrModify) != 2 || mt.AddOrModify[0].QFI != 3 ||
		mt.AddOrModify[1].QFI != 2 || mt.AddOrModify[1].GBR.GFBRUplink != 1.5e6 || len(mt.Release) != 0 {
		t.Errorf("modify request transfer %+v", mt)
	}
	// Step 8 waits for the gNB: the UPF still has the old rules.
	if r := n.upfRules(t); findQER(r, qerSession).MBRUL != 10000 || findQER(r, 3) != nil {
		t.Errorf("UPF changed before the gNB answered: %+v", r.QERs)
	}
	n.modifyResponse(t, 3, 2)
	r := n.upfRules(t)
	if q := findQER(r, qerSession); q.MBRUL != 50000 || q.MBRDL != 60000 {
		t.Errorf("session QER %+v, want MBR 50000/60000 kbit/s", q)
	}
	if q := findQER(r, 3); q == nil || q.MBRDL != 8000 || q.QFI != 3 || findPDR(r, flowPDRDL(3)) == nil || findPDR(r, flowPDRUL(3)) == nil {
		t.Errorf("video flow on the UPF: QER %+v, PDRs %+v", q, r.PDRs)
	}
	if !n.modifying() {
		t.Error("modification ended before COMPLETE")
	}
	if err := n.n1(t, gsm(1, 0, n1.MsgPDUSessionModificationComplete, 0)); err != nil {
		t.Fatal(err)
	}
	if n.modifying() {
		t.Error("modification still under way after COMPLETE")
	}
	if q := n.dlQFI(t, netip.MustParseAddr("192.0.2.80"), 6000); q != 3 {
		t.Errorf("video DL marked QFI %d, want 3", q)
	}

	// The video rule goes.
	if err := n.pcf.SetPolicies([]pcf.Policy{{Name: "voice", DNN: "internet",
		SessionAMBR: &models.Ambr{Uplink: "50 Mbps", Downlink: "60 Mbps"}, PCCRules: []pcf.PCCRule{voice("1500 Kbps")}}}); err != nil {
		t.Fatal(err)
	}
	x = n.transfers()[len(n.transfers())-1]
	m, err = n1.Decode(x.n1)
	if err != nil || m.PDUSessionModificationCommand == nil {
		t.Fatalf("command: %v", err)
	}
	cmd = m.PDUSessionModificationCommand
	if cmd.SessionAMBR != nil || !bytes.Equal(cmd.AuthorizedQosRules.GetQosRule(), []byte{3, 0, 1, 0x40}) ||
		!bytes.Equal(cmd.AuthorizedQosFlowDescriptions.GetQoSFlowDescriptions(), []byte{3, 0x40, 0}) {
		t.Errorf("removal command %x", x.n1)
	}
	if mt, err = n2.ParseModifyRequestTransfer(x.n2); err != nil || len(mt.Release) != 1 || mt.Release[0].QFI != 3 || len(mt.AddOrModify) != 0 {
		t.Errorf("removal transfer %+v, %v", mt, err)
	}
	n.modifyResponse(t)
	if r := n.upfRules(t); findQER(r, 3) != nil || findPDR(r, flowPDRUL(3)) != nil || len(r.PDRs) != 4 {
		t.Errorf("UPF rules after removal %+v", r)
	}
	if err := n.n1(t, gsm(1, 0, n1.MsgPDUSessionModificationComplete, 0)); err != nil {
		t.Fatal(err)
	}

	// An unchanged policy set notifies nobody.
	k := len(n.transfers())
	if err := n.pcf.SetPolicies(n.pcf.Policies()); err != nil || len(n.transfers()) != k {
		t.Errorf("same policies again: %v, %d transfers", err, len(n.transfers())-k)
	}

	// Release: the SM policy association goes with the session.
	if n.pcf.Associations() != 1 {
		t.Fatalf("%d associations before release", n.pcf.Associations())
	}
	if err := n.smf.ReleaseSMContext(ctx, n.ref, models.Smf_PDUSess_SmContextReleaseData{}); err != nil {
		t.Fatal(err)
	}
	if a := n.pcf.Associations(); a != 0 {
		t.Errorf("%d SM policy associations after release, want 0", a)
	}
}

// TestT3591 retransmits the command on each expiry of T3591, four
// times, and on the fifth expiry ends the procedure; the UPF gets the
// policy's rules then (no N2: the user plane was deactivated, AN release).
//
// Spec: TS 24.501 §6.3.2.5 a); TS 23.502 §4.2.6
func TestT3591(t *testing.T) {
	n := newModNet(t, nil, func(c *Config) { c.T3591 = 20 * time.Millisecond })
	n.activate(t, 1)
	if _, err := n.smf.UpdateSMContext(context.Background(), n.ref,
		models.Smf_PDUSess_SmContextUpdateData{UpCnxState: models.Smf_PDUSess_UpCnxState_DEACTIVATED}, nil, nil); err != nil {
		t.Fatal(err)
	}
	start := len(n.transfers())
	if err := n.pcf.SetPolicies([]pcf.Policy{{Name: "ambr", SessionAMBR: &models.Ambr{Uplink: "3 Mbps", Downlink: "4 Mbps"}}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n.modifying() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n.modifying() {
		t.Fatal("T3591 never ended the procedure")
	}
	tr := n.transfers()[start:]
	if len(tr) != 1+maxRetransmissions {
		t.Fatalf("command sent %d times, want %d", len(tr), 1+maxRetransmissions)
	}
	for i, x := range tr {
		if !bytes.Equal(x.n1, tr[0].n1) || x.n2 != nil {
			t.Errorf("send %d: %x (N2 %x), want the same command without N2", i, x.n1, x.n2)
		}
	}
	if q := findQER(n.upfRules(t), qerSession); q.MBRUL != 3000 || q.MBRDL != 4000 {
		t.Errorf("session QER after abort %+v", q)
	}
	// A late COMPLETE matches no procedure: 5GSM STATUS #47.
	if err := n.n1(t, gsm(1, 0, n1.MsgPDUSessionModificationComplete, 0)); err == nil {
		t.Error("late COMPLETE accepted")
	}
	if last := n.transfers()[len(n.transfers())-1].n1; last[3] != n1.MsgStatus5GSM || last[4] != n1.SMCausePTIMismatch {
		t.Errorf("answer to a late COMPLETE %x, want 5GSM STATUS #47", last)
	}
}

// TestT3592 retransmits the release command four times and then releases
// the session locally: the UPF session, the SM policy association and
// the AMF's context go.
//
// Spec: TS 24.501 §6.3.3.5 a); TS 29.512 §4.2.5
func TestT3592(t *testing.T) {
	n := newModNet(t, nil, func(c *Config) { c.T3592 = 20 * time.Millisecond })
	seid := n.info(t).UPSEID
	start := len(n.transfers())
	if err := n.smf.Release(context.Background(), modSUPI, 1, n1.SMCauseRegularDeactivation); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok := n.smf.Session(modSUPI, 1); !ok {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, ok := n.smf.Session(modSUPI, 1); ok {
		t.Fatal("session not released after T3592")
	}
	tr := n.transfers()[start:]
	if len(tr) != 1+maxRetransmissions {
		t.Errorf("release command sent %d times, want %d", len(tr), 1+maxRetransmissions)
	}
	for _, x := range tr {
		if x.n1[3] != n1.MsgPDUSessionReleaseCommand {
			t.Errorf("sent %x, want RELEASE COMMAND", x.n1)
		}
	}
	n.amf.mu.Lock()
	released := slices.Clone(n.amf.released)
	n.amf.mu.Unlock()
	if !slices.Equal(released, []int32{1}) {
		t.Errorf("AMF told of released sessions %v", released)
	}
	if n.upf.u.Session(seid) != nil || n.pcf.Associations() != 0 {
		t.Errorf("UPF session or SM policy association left (associations %d)", n.pcf.Associations())
	}
}

// TestUEModification: PDU SESSION MODIFICATION REQUEST is answered with a
// COMMAND carrying the UE's PTI and the Session-AMBR; COMPLETE with that
// PTI ends it. A request for QoS of its own is rejected #37, a reserved
// PTI #81, a second request during the first #31, and malformed
// modification messages get 5GSM STATUS or REJECT, never a crash.
//
// Spec: TS 24.501 §6.4.2.3, §6.4.2.4, §7.3.1, §7.4
func TestUEModification(t *testing.T) {
	n := newModNet(t, nil, nil)
	last := func() []byte { tr := n.transfers(); return tr[len(tr)-1].n1 }
	if err := n.n1(t, gsm(1, 7, n1.MsgPDUSessionModificationRequest, 0)); err != nil {
		t.Fatal(err)
	}
	m, err := n1.Decode(last())
	if err != nil || m.PDUSessionModificationCommand == nil || last()[2] != 7 || m.PDUSessionModificationCommand.SessionAMBR == nil {
		t.Fatalf("answer %x (%v): want COMMAND with PTI 7 and the Session-AMBR", last(), err)
	}
	if ul, dl := ambrOf(last()[6:12]); ul != 10e6 || dl != 20e6 {
		t.Errorf("Session-AMBR %d/%d, want the subscription's", ul, dl)
	}
	// A retransmitted request gets the same command.
	cmd := last()
	n.n1(t, gsm(1, 7, n1.MsgPDUSessionModificationRequest, 0))
	if !bytes.Equal(last(), cmd) {
		t.Errorf("retransmitted request answered %x", last())
	}
	if err := n.n1(t, gsm(1, 8, n1.MsgPDUSessionModificationRequest, 0)); err == nil || last()[3] != n1.MsgPDUSessionModificationReject || last()[4] != 31 {
		t.Errorf("second request: %v, %x; want REJECT #31", err, last())
	}
	if err := n.n1(t, gsm(1, 7, n1.MsgPDUSessionModificationComplete, 0)); err != nil || n.modifying() {
		t.Fatalf("COMPLETE: %v, still modifying %v", err, n.modifying())
	}

	withRules := append(gsm(1, 9, n1.MsgPDUSessionModificationRequest, 0), 0x7a, 0, 9, 1, 0, 6, 0x31, 0x31, 1, 0x01, 255, 1)
	cases := []struct {
		name   string
		msg    []byte
		typ    uint8
		cause  uint8
		reject bool
	}{
		{"requested QoS rules", withRules, n1.MsgPDUSessionModificationReject, smCauseQoSNotAccepted, true},
		{"PTI 0", gsm(1, 0, n1.MsgPDUSessionModificationRequest, 0), n1.MsgPDUSessionModificationReject, n1.SMCauseInvalidPTI, true},
		{"PTI 255", gsm(1, 255, n1.MsgPDUSessionModificationRequest, 0), n1.MsgPDUSessionModificationReject, n1.SMCauseInvalidPTI, true},
		{"truncated requested QoS rules", append(gsm(1, 10, n1.MsgPDUSessionModificationRequest, 0), 0x7a, 0, 40, 1), n1.MsgStatus5GSM, 0, true},
		{"complete without a procedure", gsm(1, 11, n1.MsgPDUSessionModificationComplete, 0), n1.MsgStatus5GSM, n1.SMCausePTIMismatch, true},
		{"command reject without a procedure", append(gsm(1, 12, msgModificationCommandReject, 0), 83), n1.MsgStatus5GSM, n1.SMCausePTIMismatch, true},
		{"short header", []byte{n1.EPD5GSM, 1, 13}, n1.MsgStatus5GSM, n1.SMCauseInvalidMandatoryInfo, true},
	}
	for _, c := range cases {
		k := len(n.transfers())
		err := n.n1(t, c.msg)
		if c.reject && err == nil {
			t.Errorf("%s: accepted", c.name)
		}
		if len(n.transfers()) != k+1 {
			t.Errorf("%s: %d answers, want 1", c.name, len(n.transfers())-k)
			continue
		}
		a := last()
		if a[3] != c.typ || (c.cause != 0 && a[4] != c.cause) {
			t.Errorf("%s: answered %x, want type %#x cause #%d", c.name, a, c.typ, c.cause)
		}
	}
}

// FuzzModificationMessages feeds arbitrary 5GSM messages to a live
// session: every one is answered or dropped with an error, never a panic.
func FuzzModificationMessages(f *testing.F) {
	f.Add(gsm(1, 7, n1.MsgPDUSessionModificationRequest, 0))
	f.Add(gsm(1, 0, n1.MsgPDUSessionModificationComplete, 0))
	f.Add(append(gsm(1, 9, n1.MsgPDUSessionModificationRequest, 0), 0x7a, 0, 9, 1, 0, 6, 0x31, 0x31, 1, 0x01, 255, 1))
	f.Add(append(gsm(1, 3, msgModificationCommandReject, 0), 26))
	s, err := New(Defaults(), Deps{UDM: fakeUDM{}, AMF: &discardAMFInternal{}, UPFs: map[string]UPF{"upf": &countingUPF{}}})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, b []byte) {
		ref, err := s.CreateSMContext(ctx, models.Smf_PDUSess_SmContextCreateData{Supi: modSUPI, PduSessionId: 1, Dnn: "internet"},
			establishmentRequestBytes(1, 1, n1.PDUSessionTypeIPv4))
		if err != nil {
			t.Fatal(err)
		}
		s.UpdateSMContext(ctx, ref, models.Smf_PDUSess_SmContextUpdateData{}, b, nil)
		s.UpdateSMContext(ctx, ref, models.Smf_PDUSess_SmContextUpdateData{N2SmInfoType: models.Smf_PDUSess_N2SmInfoType_PDU_RES_MOD_RSP}, nil, b)
		s.ReleaseSMContext(ctx, ref, models.Smf_PDUSess_SmContextReleaseData{})
	})
}

type discardAMFInternal struct{}

func (discardAMFInternal) N1N2MessageTransfer(context.Context, string, models.Amf_Comm_N1N2MessageTransferReqData, []byte, []byte) error {
	return nil
}
func (discardAMFInternal) SMContextStatusNotify(context.Context, string, int32, models.Smf_PDUSess_SmContextStatusNotification) {
}

// TestModifyBeforeSetupResponse: a policy change that arrives before the
// gNB answered the establishment's setup request still carries the N2
// part (it follows the setup request on the UE's NGAP stream), and the
// UPF is changed when the gNB answers it.
//
// Spec: TS 23.502 §4.3.3.2 steps 3b-8; TS 38.413 §8.2.3
func TestModifyBeforeSetupResponse(t *testing.T) {
	n := newModNet(t, nil, nil)
	if err := n.pcf.SetPolicies([]pcf.Policy{{Name: "voice", PCCRules: []pcf.PCCRule{voice("1 Mbps")}}}); err != nil {
		t.Fatal(err)
	}
	x := n.transfers()[len(n.transfers())-1]
	mt, err := n2.ParseModifyRequestTransfer(x.n2)
	if err != nil || len(mt.AddOrModify) != 1 || mt.AddOrModify[0].QFI != 2 || mt.AddOrModify[0].GBR == nil {
		t.Fatalf("modify request transfer %+v, %v", mt, err)
	}
	n.activate(t, 1)
	if findQER(n.upfRules(t), 2) != nil {
		t.Error("UPF has the flow before the gNB answered the modification")
	}
	n.modifyResponse(t, 2)
	if r := n.upfRules(t); findQER(r, 2) == nil || findPDR(r, flowPDRUL(2)) == nil {
		t.Errorf("UPF rules after the modify response %+v", r)
	}
	// The new flow's UL PDR uses the session's F-TEID, given explicitly.
	r := n.upfRules(t)
	if ul, ul2 := findPDR(r, pdrUL), findPDR(r, flowPDRUL(2)); ul2 == nil || ul2.TEID != ul.TEID || ul2.Choose {
		t.Errorf("flow UL PDR %+v, default %+v", ul2, ul)
	}
	if q := n.dlQFI(t, netip.MustParseAddr("192.0.2.9"), 5000); q != 2 {
		t.Errorf("DL to port 5000 marked QFI %d, want 2", q)
	}
}
