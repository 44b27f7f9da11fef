package core

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/auth"
	"go5g/internal/n1"
	"go5g/internal/netns/netnstest"
	"go5g/internal/pcf"
	"go5g/internal/smf"
	"go5g/internal/store"
	"go5g/internal/store/storetest"
	"go5g/internal/testenv"
	"go5g/internal/tun"
)

// TestToPCFPolicy: a stored policy becomes the PCF's field for field, and
// the PCF takes it.
func TestToPCFPolicy(t *testing.T) {
	got := toPCFPolicy(storetest.SamplePolicy("voice"))
	arp := &models.Arp{PriorityLevel: 2, PreemptCap: models.PreemptionCapability_MAY_PREEMPT,
		PreemptVuln: models.PreemptionVulnerability_NOT_PREEMPTABLE}
	want := pcf.Policy{
		Name: "voice", DNN: "ims", SNSSAI: &models.Snssai{Sst: 1, Sd: "000001"},
		SUPIs:       &pcf.SUPIRange{First: "imsi-001010000000100", Last: "imsi-001010000000199"},
		SessionAMBR: &models.Ambr{Uplink: "10 Mbps", Downlink: "100 Mbps"},
		Default5QI:  5, DefaultARP: arp, DefaultPriorityLevel: 20,
		PCCRules: []pcf.PCCRule{{
			ID: "voice", Precedence: 100, FlowDescriptions: []string{"permit out 17 from any to assigned 5000-5010"},
			FlowDirection: models.Pcf_SMPolCtrl_FlowDirectionRm_BIDIRECTIONAL,
			QoS: pcf.QoS{FiveQI: 1, ARP: arp, PriorityLevel: 10, MaxBRUL: "256 Kbps", MaxBRDL: "256 Kbps",
				GBRUL: "128 Kbps", GBRDL: "128 Kbps"},
		}, {
			ID: "video", FlowDescriptions: []string{"permit out ip from 10.0.0.0/8 to assigned"},
			QoS: pcf.QoS{FiveQI: 8},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if err := (pcf.Config{Policies: []pcf.Policy{got}}).Validate(); err != nil {
		t.Fatalf("the PCF refuses the sample: %v", err)
	}
	// A fraction of a unit survives (store.BitRate prints 1500 Kbps, the
	// PCF's form is 1.5 Mbps; both parse to the same value).
	if r := rate(1_500_000); r != "1.5 Mbps" {
		t.Errorf("rate(1.5e6) = %q", r)
	}
	zero := toPCFPolicy(store.Policy{Name: "all"})
	if !reflect.DeepEqual(zero, pcf.Policy{Name: "all"}) {
		t.Errorf("the empty policy converts to %+v", zero)
	}
	m := mergePolicies([]store.Policy{{Name: "b"}, {Name: "a"}}, []pcf.Policy{{Name: "yaml"}})
	if len(m) != 3 || m[0].Name != "b" || m[1].Name != "a" || m[2].Name != "yaml" {
		t.Errorf("merged order %+v; want the store's in their order, then the configuration's", m)
	}
}

// TestCheckPCFPolicy: what only the PCF knows is refused with the API's
// field name.
func TestCheckPCFPolicy(t *testing.T) {
	for _, c := range []struct {
		field string
		edit  func(*store.Policy)
	}{
		{"default5qi", func(p *store.Policy) { p.Default5QI = 1 }},   // GBR
		{"default5qi", func(p *store.Policy) { p.Default5QI = 100 }}, // not standardized
		{"pccRules[1].qos.5qi", func(p *store.Policy) { p.PCCRules[1].QoS.FiveQI = 200 }},
		{"pccRules[0].qos.maxBrUl", func(p *store.Policy) { p.PCCRules[0].QoS.MaxBRUL = 0 }},
		{"pccRules[1].qos.gbrDl", func(p *store.Policy) { p.PCCRules[1].QoS.GBRDL = 1000 }},
		{"pccRules[0].flowDescriptions[0]", func(p *store.Policy) { p.PCCRules[0].FlowDescriptions[0] = "permit in ip from any to any" }},
		{"dnn", func(p *store.Policy) { p.DNN = strings.Repeat("a", 64) }},
	} {
		p := storetest.SamplePolicy("x")
		c.edit(&p)
		err := checkPCFPolicy(p)
		var fe *store.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || fe.Reason == "" {
			t.Errorf("%s: got %v", c.field, err)
		}
	}
	if err := checkPCFPolicy(storetest.SamplePolicy("x")); err != nil {
		t.Errorf("sample refused: %v", err)
	}
}

// apiClient calls a running core's REST API with an operator token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func newAPIClient(t *testing.T, c *Core) *apiClient {
	t.Helper()
	acc, err := store.AccountsOf(c.Store())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(acc, auth.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := svc.CreateAPIToken(t.Context(), "policy-test", store.RoleOperator, "test")
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, base: "http://" + c.APIAddr().String(), token: tok}
}

func (a *apiClient) do(method, path, body string) (int, string) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (a *apiClient) must(method, path, body string, want int) {
	a.t.Helper()
	if code, b := a.do(method, path, body); code != want {
		a.t.Fatalf("%s %s: %d %s, want %d", method, path, code, b, want)
	}
}

func pcfPolicyNames(c *Core) string {
	var n []string
	for _, p := range c.sessions.pcf.Policies() {
		n = append(n, p.Name)
	}
	return strings.Join(n, ",")
}

// TestStorePolicies: at start the core puts the store's policies in force
// (leaving out, with an error in the log, one the PCF refuses); changes
// through the REST API replace the PCF's list at once; the PCF's own
// checks answer 400 naming the field.
func TestStorePolicies(t *testing.T) {
	cfg := testConfig(t)
	st, err := store.Open(cfg.StorePath())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []store.Policy{
		storetest.SamplePolicy("voice"),
		{Name: "gbr-default", Precedence: 1, Default5QI: 1}, // the store takes it, the PCF does not
	} {
		if err := st.AddPolicy(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	s := start(t, cfg)
	if got := pcfPolicyNames(s.core); got != "voice" {
		t.Fatalf("PCF policies at start %q, want voice\n%s", got, s.log)
	}
	if !strings.Contains(s.log.String(), `msg="stored PCF policy left out" policy=gbr-default`) {
		t.Errorf("no error for the refused stored policy:\n%s", s.log)
	}
	api := newAPIClient(t, s.core)
	api.must("POST", "/api/v1/policies", `{"name":"internet","precedence":5,"dnn":"internet","sessionAmbr":{"uplink":"11 Mbps","downlink":"22 Mbps"}}`, 201)
	if got := pcfPolicyNames(s.core); got != "internet,voice" {
		t.Fatalf("PCF policies after create %q", got)
	}
	code, body := api.do("POST", "/api/v1/policies", `{"name":"x","default5qi":100}`)
	var p struct{ Field string }
	json.Unmarshal([]byte(body), &p)
	if code != 400 || p.Field != "default5qi" {
		t.Errorf("non-standardized default 5QI: %d %s", code, body)
	}
	// The PCF decides with what the API stored.
	_, dec, err := s.core.sessions.pcf.CreateSMPolicy(t.Context(), models.Pcf_SMPolCtrl_SmPolicyContextData{
		Supi: "imsi-999700000000001", PduSessionId: 1, Dnn: "internet", SliceInfo: &models.Snssai{Sst: 1},
		PduSessionType: models.PduSessionType_IPV4, AccessType: models.AccessType_3_GPP_ACCESS,
		SubsSessAmbr: &models.Ambr{Uplink: "1 Gbps", Downlink: "2 Gbps"},
		SubsDefQos: &models.SubscribedDefaultQos{Var5qi: 9, Arp: &models.Arp{PriorityLevel: 8,
			PreemptCap: models.PreemptionCapability_NOT_PREEMPT, PreemptVuln: models.PreemptionVulnerability_PREEMPTABLE}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range dec.SessRules {
		if r.AuthSessAmbr == nil || r.AuthSessAmbr.Uplink != "11 Mbps" || r.AuthSessAmbr.Downlink != "22 Mbps" {
			t.Errorf("decided session AMBR %+v, want 11/22 Mbps", r.AuthSessAmbr)
		}
	}
	api.must("PUT", "/api/v1/policies/internet", `{"precedence":50,"dnn":"internet"}`, 200)
	if got := pcfPolicyNames(s.core); got != "voice,internet" {
		t.Fatalf("PCF policies after update %q", got)
	}
	api.must("DELETE", "/api/v1/policies/voice", "", 204)
	api.must("DELETE", "/api/v1/policies/gbr-default", "", 204)
	if got := pcfPolicyNames(s.core); got != "internet" {
		t.Fatalf("PCF policies after delete %q", got)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}

	// A restart reads them back.
	s = start(t, cfg)
	if got := pcfPolicyNames(s.core); got != "internet" {
		t.Fatalf("PCF policies after restart %q", got)
	}
}

// TestPolicySessionAMBR runs the core with its UPF in a network namespace
// (as root): a policy created through the REST API sets the Session-AMBR
// a new PDU session gets, in the SMF and in the UE's PDU SESSION
// ESTABLISHMENT ACCEPT; after a PUT the next session gets the new value.
// Spec: TS 23.502 §4.3.2.2.1 step 7b; TS 29.512 §4.2.2.2; TS 24.501 §9.11.4.14
func TestPolicySessionAMBR(t *testing.T) {
	testenv.NeedRoot(t)
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	ns := netnstest.New(t).NS("core")
	cfg := testConfig(t)
	d := Defaults()
	cfg.UPF, cfg.SMF.UPFs = d.UPF, d.SMF.UPFs
	cfg.UPF.N3.Address = "127.0.0.2:2152"
	cfg.UPF.N6.Device = "n6pol"
	cfg.UPF.N6.Addresses = []string{"10.45.255.254/32"}
	cfg.UPF.Workers = 1
	cfg.SMF.DNNs[0].IPv6Pool = ""
	provision(t, cfg)
	s := startWith(t, cfg, func(c *Core) { c.OpenUserPlane = ns.Do })
	api := newAPIClient(t, s.core)
	api.must("POST", "/api/v1/policies", `{"name":"internet","dnn":"internet","supis":{"first":"`+sessSUPI+`","last":"`+sessSUPI+
		`"},"sessionAmbr":{"uplink":"11 Mbps","downlink":"22 Mbps"}}`, 201)

	g, u := registeredUE(t, s, cfg, netip.MustParseAddr("127.0.0.1"))
	establish := func() (smf.SessionInfo, uint64, uint64) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		sess, err := u.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4)
		if err != nil {
			t.Fatalf("EstablishPDUSession: %v\n%s", err, s.log)
		}
		info, ok := s.core.SMF().Session(sessSUPI, sess.ID)
		if !ok {
			t.Fatalf("no SM context for PSI %d", sess.ID)
		}
		return info, sess.AMBRUplink, sess.AMBRDownlink
	}
	info, ueUL, ueDL := establish()
	if info.AMBRUplink != 11e6 || info.AMBRDownlink != 22e6 || ueUL != 11e6 || ueDL != 22e6 {
		t.Fatalf("Session-AMBR in the SMF %d/%d, at the UE %d/%d; want 11/22 Mbps from the policy\n%s",
			info.AMBRUplink, info.AMBRDownlink, ueUL, ueDL, s.log)
	}
	api.must("PUT", "/api/v1/policies/internet", `{"dnn":"internet","sessionAmbr":{"uplink":"33 Mbps","downlink":"44 Mbps"}}`, 200)
	info2, ueUL, ueDL := establish()
	if info2.PDUSessionID == info.PDUSessionID {
		t.Fatalf("the second session reused PSI %d", info.PDUSessionID)
	}
	if info2.AMBRUplink != 33e6 || info2.AMBRDownlink != 44e6 || ueUL != 33e6 || ueDL != 44e6 {
		t.Fatalf("after PUT: Session-AMBR in the SMF %d/%d, at the UE %d/%d; want 33/44 Mbps\n%s",
			info2.AMBRUplink, info2.AMBRDownlink, ueUL, ueDL, s.log)
	}
	// The first session is the PCF's to update (UpdateNotify); whether its
	// SMF context has followed yet is logged, not asserted here.
	if now, ok := s.core.SMF().Session(sessSUPI, info.PDUSessionID); ok {
		t.Logf("first session's Session-AMBR after the PUT: %d/%d", now.AMBRUplink, now.AMBRDownlink)
	}
	api.must("DELETE", "/api/v1/policies/internet", "", 204)
	info3, _, _ := establish()
	if info3.AMBRUplink != 1e9 || info3.AMBRDownlink != 2e9 {
		t.Errorf("after DELETE: Session-AMBR %d/%d, want the subscribed 1/2 Gbps", info3.AMBRUplink, info3.AMBRDownlink)
	}
}
