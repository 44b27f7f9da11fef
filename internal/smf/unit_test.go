package smf

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"strconv"
	"sync"
	"testing"

	"github.com/free5gc/nas"
	"github.com/free5gc/openapi/models"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/rules"
)

type nasMsg = nas.GsmMessage

// Fakes of the SMF's collaborators, for tests without the AMF.

type fakeUDM struct{ types []models.PduSessionType }

func (f fakeUDM) GetSmData(ctx context.Context, supi string, sn models.Snssai, dnn string) ([]models.Udm_SDM_SessionManagementSubscriptionData, error) {
	cfg := models.Udm_SDM_DnnConfiguration{SessionAmbr: &models.Ambr{Uplink: "10 Mbps", Downlink: "20 Mbps"},
		Var5gQosProfile: &models.SubscribedDefaultQos{Var5qi: 8, Arp: &models.Arp{PriorityLevel: 7}}}
	if f.types != nil {
		cfg.PduSessionTypes = &models.Udm_SDM_PduSessionTypes{AllowedSessionTypes: f.types}
	}
	return []models.Udm_SDM_SessionManagementSubscriptionData{{SingleNssai: &sn,
		DnnConfigurations: map[string]models.Udm_SDM_DnnConfiguration{"internet": cfg, "iot": cfg}}}, nil
}

type fakePCF struct{ calls int }

func (f *fakePCF) CreateSMPolicy(ctx context.Context, d models.Pcf_SMPolCtrl_SmPolicyContextData) (models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	f.calls++
	return models.Pcf_SMPolCtrl_SmPolicyDecision{SessRules: map[string]*models.Pcf_SMPolCtrl_SessionRule{
		"1": {SessRuleId: "1", AuthSessAmbr: &models.Ambr{Uplink: "5 Mbps", Downlink: "50 Mbps"},
			AuthDefQos: &models.Pcf_SMPolCtrl_AuthorizedDefaultQos{Var5qi: 6, Arp: &models.Arp{PriorityLevel: 3}}}}}, nil
}

type transfer struct {
	supi   string
	req    models.Amf_Comm_N1N2MessageTransferReqData
	n1, n2 []byte
}

type fakeAMF struct {
	mu        sync.Mutex
	transfers []transfer
	released  []int32
}

func (f *fakeAMF) N1N2MessageTransfer(ctx context.Context, supi string, req models.Amf_Comm_N1N2MessageTransferReqData, n1b, n2b []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.transfers = append(f.transfers, transfer{supi, req, n1b, n2b})
	return nil
}

func (f *fakeAMF) SMContextStatusNotify(ctx context.Context, supi string, psi int32, n models.Smf_PDUSess_SmContextStatusNotification) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.released = append(f.released, psi)
}

func (f *fakeAMF) last() transfer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.transfers[len(f.transfers)-1]
}

type countingUPF struct {
	mu   sync.Mutex
	name string
	seid uint64
}

func (u *countingUPF) EstablishSession(ctx context.Context, req rules.Establishment) (rules.Established, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.seid++
	return rules.Established{UPSEID: u.seid, Created: []rules.CreatedPDR{{ID: 1,
		FTEID: rules.FTEID{TEID: uint32(u.seid), IPv4: netip.MustParseAddr("192.0.2.1")}}}}, nil
}
func (u *countingUPF) ModifySession(context.Context, uint64, rules.Modification) error { return nil }
func (u *countingUPF) DeleteSession(context.Context, uint64) error                     { return nil }

// request builds PDU SESSION ESTABLISHMENT REQUEST as the UE does, here
// from the table: PSI, PTI, max data rate, type, SSC mode 1, ePCO asking
// for IPv4 and IPv6 DNS. Spec: TS 24.501 §8.3.1
func establishmentRequestBytes(psi, pti, typ uint8) []byte {
	b := []byte{n1.EPD5GSM, psi, pti, n1.MsgPDUSessionEstablishmentRequest, 0xff, 0xff}
	if typ != 0 {
		b = append(b, 0x90|typ)
	}
	return append(b, 0xa1, 0x7b, 0x00, 0x07, 0x80, 0x00, 0x0d, 0x00, 0x00, 0x03, 0x00)
}

// TestPolicyOverridesSubscription: the PCF's Session-AMBR and default QoS
// replace the subscription's in the accept, the N2 transfer and the QER.
func TestPolicyOverridesSubscription(t *testing.T) {
	a, p := &fakeAMF{}, &fakePCF{}
	s, err := New(Config{}, Deps{UDM: fakeUDM{}, PCF: p, AMF: a, UPFs: map[string]UPF{"upf": &countingUPF{}}})
	if err != nil {
		t.Fatal(err)
	}
	sn := models.Snssai{Sst: 1}
	ref, err := s.CreateSMContext(context.Background(), models.Smf_PDUSess_SmContextCreateData{Supi: "imsi-001010000000001",
		PduSessionId: 5, Dnn: "internet", SNssai: &sn}, establishmentRequestBytes(5, 9, n1.PDUSessionTypeIPv4))
	if err != nil || ref == "" || p.calls != 1 {
		t.Fatalf("CreateSMContext: %q, %v (PCF calls %d)", ref, err, p.calls)
	}
	tr := a.last()
	m, err := n1.Decode(tr.n1)
	if err != nil || m.PDUSessionEstablishmentAccept == nil {
		t.Fatalf("accept does not decode with the library: %v", err)
	}
	acc := m.PDUSessionEstablishmentAccept
	if acc.PDUSessionID.GetPDUSessionID() != 5 || acc.PTI.GetPTI() != 9 {
		t.Errorf("PSI/PTI %d/%d", acc.PDUSessionID.GetPDUSessionID(), acc.PTI.GetPTI())
	}
	// 5 Mbit/s up = 5000 kbit/s in 1 kbit/s units; 50 Mbit/s down = 50000.
	if acc.SessionAMBR.GetUnitForSessionAMBRForUplink() != 1 || acc.SessionAMBR.GetSessionAMBRForUplink() != [2]byte{0x13, 0x88} ||
		acc.SessionAMBR.GetSessionAMBRForDownlink() != [2]byte{0xc3, 0x50} {
		t.Errorf("Session-AMBR % x", acc.SessionAMBR.Octet)
	}
	if f := acc.AuthorizedQosFlowDescriptions.GetQoSFlowDescriptions(); !bytes.Equal(f, []byte{1, 0x20, 0x41, 1, 1, 6}) {
		t.Errorf("QoS flow description % x, want 5QI 6", f)
	}
	if r := acc.AuthorizedQosRules.GetQosRule(); !bytes.Equal(r, []byte{1, 0, 6, 0x31, 0x31, 1, 1, 255, 1}) {
		t.Errorf("QoS rule % x", r)
	}
	if acc.PDUAddress.GetPDUSessionTypeValue() != n1.PDUSessionTypeIPv4 || acc.DNN.GetDNN() != "internet" {
		t.Errorf("PDU address type %d DNN %q", acc.PDUAddress.GetPDUSessionTypeValue(), acc.DNN.GetDNN())
	}
	x, err := n2.ParseSetupRequestTransfer(tr.n2)
	if err != nil {
		t.Fatal(err)
	}
	if x.AMBRUplink != 5e6 || x.AMBRDownlink != 50e6 || x.Flows[0].FiveQI != 6 || x.Flows[0].ARPPriority != 3 ||
		x.UL != (n2.Tunnel{Addr: netip.MustParseAddr("192.0.2.1"), TEID: 1}) || x.PDUSessionType != n2.PDUSessionIPv4 {
		t.Errorf("setup request transfer %+v", x)
	}
	if tr.req.N2InfoContainer == nil || tr.req.N2InfoContainer.SmInfo.N2InfoContent.NgapIeType != "PDU_RES_SETUP_REQ" {
		t.Errorf("N1N2 transfer data %+v", tr.req)
	}
}

// TestPDUTypeSelection walks TS 24.501 §6.4.1.3 and §6.4.1.4.2.
func TestPDUTypeSelection(t *testing.T) {
	v4 := &dnnState{ipv4: &pool{}}
	v6 := &dnnState{ipv6: &pool{}}
	both := &dnnState{ipv4: &pool{}, ipv6: &pool{}}
	four, six, dual := uint8(n1.PDUSessionTypeIPv4), uint8(n1.PDUSessionTypeIPv6), uint8(n1.PDUSessionTypeIPv4v6)
	cases := []struct {
		name      string
		req       uint8
		allowed   []uint8
		d         *dnnState
		want, why uint8
		fails     bool
	}{
		{"dual on dual", dual, nil, both, dual, 0, false},
		{"dual on v4 DNN", dual, nil, v4, four, n1.SMCauseIPv4OnlyAllowed, false},
		{"dual on v6 DNN", dual, nil, v6, six, n1.SMCauseIPv6OnlyAllowed, false},
		{"dual, subscription v6 only", dual, []uint8{six}, both, six, n1.SMCauseIPv6OnlyAllowed, false},
		{"v6 on v4 DNN", six, nil, v4, 0, n1.SMCauseIPv4OnlyAllowed, true},
		{"v4 on v6 DNN", four, nil, v6, 0, n1.SMCauseIPv6OnlyAllowed, true},
		{"ethernet", n1.PDUSessionTypeEthernet, nil, both, 0, n1.SMCauseUnknownPDUSessionType, true},
		{"none asked", 0, nil, v6, six, 0, false},
	}
	for _, c := range cases {
		got, why, err := selectPDUType(c.req, 0, c.allowed, c.d)
		if (err != nil) != c.fails || got != c.want || why != c.why {
			t.Errorf("%s: type %d cause %d err %v; want %d, %d, fails %t", c.name, got, why, err, c.want, c.why, c.fails)
		}
	}
}

// TestUPFSelection picks the UPF that serves the DNN and slice.
func TestUPFSelection(t *testing.T) {
	a, b := &countingUPF{name: "a"}, &countingUPF{name: "b"}
	cfg := Config{
		DNNs: []DNN{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.45.0.0/24")},
			{Name: "iot", IPv4Pool: netip.MustParsePrefix("10.47.0.0/24")}},
		UPFs: []UPFConfig{{Name: "a", DNNs: []string{"iot"}}, {Name: "b", Slices: []n2.SNSSAI{{SST: 1}}}},
	}
	s, err := New(cfg, Deps{UDM: fakeUDM{}, AMF: &fakeAMF{}, UPFs: map[string]UPF{"a": a, "b": b}})
	if err != nil {
		t.Fatal(err)
	}
	sn := models.Snssai{Sst: 1}
	for i, dnn := range []string{"iot", "internet"} {
		psi := uint8(i + 1)
		if _, err := s.CreateSMContext(context.Background(), models.Smf_PDUSess_SmContextCreateData{Supi: "imsi-001010000000001",
			PduSessionId: int32(psi), Dnn: dnn, SNssai: &sn}, establishmentRequestBytes(psi, 1, 0)); err != nil {
			t.Fatal(err)
		}
		info, _ := s.Session("imsi-001010000000001", psi)
		if want := map[string]string{"iot": "a", "internet": "b"}[dnn]; info.UPF != want {
			t.Errorf("DNN %s on UPF %q, want %q", dnn, info.UPF, want)
		}
	}
	sn2 := models.Snssai{Sst: 2}
	_, err = s.CreateSMContext(context.Background(), models.Smf_PDUSess_SmContextCreateData{Supi: "imsi-001010000000001",
		PduSessionId: 3, Dnn: "internet", SNssai: &sn2}, establishmentRequestBytes(3, 1, 0))
	var se *SMError
	if !errors.As(err, &se) || se.Cause != n1.SMCauseInsufficientResources || se.N1[3] != n1.MsgPDUSessionEstablishmentReject {
		t.Errorf("no UPF for the slice: %v", err)
	}
}

// TestMalformedRequests: what the library cannot decode is rejected with
// the right cause, never a panic.
func TestMalformedRequests(t *testing.T) {
	s, err := New(Config{}, Deps{UDM: fakeUDM{}, AMF: &fakeAMF{}, UPFs: map[string]UPF{"upf": &countingUPF{}}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		b     []byte
		cause uint8
	}{
		{"truncated", []byte{n1.EPD5GSM, 1, 1, n1.MsgPDUSessionEstablishmentRequest}, n1.SMCauseInvalidMandatoryInfo},
		{"unknown type", []byte{n1.EPD5GSM, 1, 1, 0xee, 0xff, 0xff}, n1.SMCauseMessageTypeNotExist},
		{"PSI 0", establishmentRequestBytes(0, 1, 1), n1.SMCauseInvalidPDUSessionIdentity},
		{"PTI 0", establishmentRequestBytes(1, 0, 1), n1.SMCauseInvalidPTI},
		{"release request", []byte{n1.EPD5GSM, 1, 1, n1.MsgPDUSessionReleaseRequest}, n1.SMCauseMessageTypeNotExist},
	}
	for _, c := range cases {
		_, err := s.CreateSMContext(context.Background(), models.Smf_PDUSess_SmContextCreateData{Supi: "imsi-001010000000001",
			PduSessionId: 1, Dnn: "internet"}, c.b)
		var se *SMError
		if !errors.As(err, &se) || se.Cause != c.cause {
			t.Errorf("%s: %v, want cause #%d", c.name, err, c.cause)
		}
	}
}

// TestAMBREncoding checks the Session-AMBR unit choice.
// Spec: TS 24.501 §9.11.4.14
func TestAMBREncoding(t *testing.T) {
	cases := []struct {
		bps  uint64
		unit byte
		v    uint16
	}{
		{1000, 1, 1}, {65535e3, 1, 65535}, {100e6, 2, 25000}, {1e9, 3, 62500}, {2e9, 4, 31250},
	}
	for _, c := range cases {
		if u, v := ambr(c.bps); u != c.unit || v != c.v {
			t.Errorf("ambr(%d) = %d, %d; want %d, %d", c.bps, u, v, c.unit, c.v)
		}
	}
}

// FuzzEstablishmentRequest feeds the 5GSM decode entry point: it must
// never panic, and what it accepts must have a valid PSI and PTI.
func FuzzEstablishmentRequest(f *testing.F) {
	f.Add(establishmentRequestBytes(1, 1, n1.PDUSessionTypeIPv4v6))
	f.Add(establishmentRequestBytes(15, 254, 0))
	f.Add([]byte{n1.EPD5GSM, 1, 1, n1.MsgPDUSessionReleaseRequest, 0x59, 36})
	f.Add([]byte{n1.EPD5GSM, 1, 1, n1.MsgPDUSessionEstablishmentRequest, 0xff, 0xff, 0x7b, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseEstablishmentRequest(b)
		if err == nil && (r.psi < 1 || r.psi > 15 || r.pti == 0 || r.pti == 255) {
			t.Fatalf("accepted PSI %d PTI %d", r.psi, r.pti)
		}
		pcoDNSRequests(b)
	})
}

// TestDownlinkMessagesDecode checks the SMF's hand-encoded downlink 5GSM
// messages against the library decoder. Spec: TS 24.501 §8.3
func TestDownlinkMessagesDecode(t *testing.T) {
	cases := []struct {
		name  string
		b     []byte
		check func(m *nasMsg) bool
	}{
		{"reject", establishmentReject(3, 7, n1.SMCauseMissingOrUnknownDNN), func(m *nasMsg) bool {
			return m.PDUSessionEstablishmentReject != nil && m.PDUSessionEstablishmentReject.Cause5GSM.GetCauseValue() == 27
		}},
		{"release command", releaseCommand(3, 0, 36), func(m *nasMsg) bool {
			return m.PDUSessionReleaseCommand != nil && m.PDUSessionReleaseCommand.Cause5GSM.GetCauseValue() == 36
		}},
		{"release reject", releaseReject(3, 7, 43), func(m *nasMsg) bool {
			return m.PDUSessionReleaseReject != nil && m.PDUSessionReleaseReject.Cause5GSM.GetCauseValue() == 43
		}},
		{"modification command", modificationCommand(3, 0, 1e6, 2e6, defaultQoSRule(1)), func(m *nasMsg) bool {
			c := m.PDUSessionModificationCommand
			return c != nil && c.SessionAMBR != nil && c.AuthorizedQosRules != nil &&
				bytes.Equal(c.AuthorizedQosRules.GetQosRule(), defaultQoSRule(1))
		}},
		{"status", status5GSM(3, 7, 98), func(m *nasMsg) bool {
			return m.Status5GSM != nil && m.Status5GSM.Cause5GSM.GetCauseValue() == 98
		}},
	}
	for _, c := range cases {
		m, err := n1.Decode(c.b)
		if err != nil || m.GsmMessage == nil || !c.check(m.GsmMessage) {
			t.Errorf("%s (% x): %v", c.name, c.b, err)
		}
	}
}

// BenchmarkCreateSMContext is the SMF alone (fake UDM, AMF and UPF):
// decode, subscription, type selection, addresses, N4, accept and N2
// transfer encoding, per establishment.
func BenchmarkCreateSMContext(b *testing.B) {
	s, err := New(Config{DNNs: []DNN{{Name: "internet", IPv4Pool: netip.MustParsePrefix("10.0.0.0/8"),
		IPv6Pool: netip.MustParsePrefix("fd00::/32")}}},
		Deps{UDM: fakeUDM{}, AMF: discardAMF{}, UPFs: map[string]UPF{"upf": &countingUPF{}}})
	if err != nil {
		b.Fatal(err)
	}
	req := establishmentRequestBytes(1, 1, n1.PDUSessionTypeIPv4v6)
	sn := models.Snssai{Sst: 1}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		supi := "imsi-00101" + strconv.Itoa(1000000000+i)
		if _, err := s.CreateSMContext(context.Background(), models.Smf_PDUSess_SmContextCreateData{Supi: supi,
			PduSessionId: 1, Dnn: "internet", SNssai: &sn}, req); err != nil {
			b.Fatal(err)
		}
	}
}

type discardAMF struct{}

func (discardAMF) N1N2MessageTransfer(context.Context, string, models.Amf_Comm_N1N2MessageTransferReqData, []byte, []byte) error {
	return nil
}
func (discardAMF) SMContextStatusNotify(context.Context, string, int32, models.Smf_PDUSess_SmContextStatusNotification) {
}
