package pcf_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/free5gc/openapi/models"

	"go5g/internal/pcf"
	"go5g/internal/problem"
)

const supi1 = "imsi-001010000000001"

func arp(level int32) *models.Arp {
	return &models.Arp{PriorityLevel: level, PreemptCap: models.PreemptionCapability_NOT_PREEMPT,
		PreemptVuln: models.PreemptionVulnerability_PREEMPTABLE}
}

// request is what an SMF sends for supi1's PDU session 5 on internet, SST 1.
func request() models.Pcf_SMPolCtrl_SmPolicyContextData {
	return models.Pcf_SMPolCtrl_SmPolicyContextData{
		Supi:         supi1,
		PduSessionId: 5,
		Dnn:          "internet",
		SliceInfo:    &models.Snssai{Sst: 1},
		SubsSessAmbr: &models.Ambr{Uplink: "100 Mbps", Downlink: "200 Mbps"},
		SubsDefQos:   &models.SubscribedDefaultQos{Var5qi: 9, Arp: arp(8), PriorityLevel: 90},
	}
}

var voice = pcf.PCCRule{
	ID:               "voice",
	Precedence:       10,
	FlowDescriptions: []string{"permit out udp from any to assigned 5000-5010"},
	QoS:              pcf.QoS{FiveQI: 1, MaxBRUL: "256 Kbps", MaxBRDL: "256 Kbps", GBRUL: "128 Kbps", GBRDL: "128 Kbps"},
}

// policies: IMS slice 1/000001 with a voice rule and a replaced default
// QoS; a capped AMBR for a SUPI range on internet; a group policy.
func policies() []pcf.Policy {
	return []pcf.Policy{
		{Name: "ims", DNN: "ims", SNSSAI: &models.Snssai{Sst: 1, Sd: "000001"},
			Default5QI: 5, DefaultARP: arp(1), PCCRules: []pcf.PCCRule{voice}},
		{Name: "capped", DNN: "internet", SUPIs: &pcf.SUPIRange{First: "imsi-001010000000100", Last: "imsi-001010000000199"},
			SessionAMBR: &models.Ambr{Uplink: "1 Mbps", Downlink: "2 Mbps"}},
		{Name: "gold", Groups: []string{"gold-001-01-1"}, DefaultPriorityLevel: 15,
			SessionAMBR: &models.Ambr{Uplink: "1 Gbps", Downlink: "1 Gbps"}},
	}
}

func newPCF(t *testing.T, cfg pcf.Config) *pcf.PCF {
	t.Helper()
	p, err := pcf.New(cfg, pcf.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantCause(t *testing.T, err error, status int, cause string) {
	t.Helper()
	e := problem.As(err)
	if e == nil || e.Status != status || e.Cause != cause {
		t.Fatalf("error = %v, want %d %s", err, status, cause)
	}
}

func TestCreateDecision(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		mod      func(*models.Pcf_SMPolCtrl_SmPolicyContextData)
		ambr     models.Ambr
		fiveQI   int32
		arpLevel int32
		priority int32
		pcc      []string
	}{
		{name: "no policy: subscribed values", mod: func(*models.Pcf_SMPolCtrl_SmPolicyContextData) {},
			ambr: models.Ambr{Uplink: "100 Mbps", Downlink: "200 Mbps"}, fiveQI: 9, arpLevel: 8, priority: 90},
		{name: "ims slice: 5QI 5, ARP 1, voice rule", mod: func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) {
			r.Dnn, r.SliceInfo = "IMS", &models.Snssai{Sst: 1, Sd: "000001"}
		}, ambr: models.Ambr{Uplink: "100 Mbps", Downlink: "200 Mbps"}, fiveQI: 5, arpLevel: 1, priority: 90, pcc: []string{"voice"}},
		{name: "ims dnn on another slice: no match", mod: func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) {
			r.Dnn, r.SliceInfo = "ims", &models.Snssai{Sst: 1, Sd: "000002"}
		}, ambr: models.Ambr{Uplink: "100 Mbps", Downlink: "200 Mbps"}, fiveQI: 9, arpLevel: 8, priority: 90},
		{name: "SUPI in range: AMBR capped", mod: func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) {
			r.Supi = "imsi-001010000000150"
		}, ambr: models.Ambr{Uplink: "1 Mbps", Downlink: "2 Mbps"}, fiveQI: 9, arpLevel: 8, priority: 90},
		{name: "SUPI past range", mod: func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) {
			r.Supi = "imsi-001010000000200"
		}, ambr: models.Ambr{Uplink: "100 Mbps", Downlink: "200 Mbps"}, fiveQI: 9, arpLevel: 8, priority: 90},
		{name: "range policy ignores other DNN, gold group matches", mod: func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) {
			r.Supi, r.Dnn, r.InterGrpIds = "imsi-001010000000150", "iot", []string{"x", "gold-001-01-1"}
		}, ambr: models.Ambr{Uplink: "1 Gbps", Downlink: "1 Gbps"}, fiveQI: 9, arpLevel: 8, priority: 15},
		{name: "policy replaces missing subscribed AMBR", mod: func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) {
			r.InterGrpIds, r.SubsSessAmbr = []string{"gold-001-01-1"}, nil
		}, ambr: models.Ambr{Uplink: "1 Gbps", Downlink: "1 Gbps"}, fiveQI: 9, arpLevel: 8, priority: 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPCF(t, pcf.Config{Policies: policies()})
			req := request()
			tc.mod(&req)
			id, dec, err := p.CreateSMPolicy(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("%s-%d", req.Supi, req.PduSessionId); id != want {
				t.Errorf("id = %q, want %q", id, want)
			}
			r := dec.SessRules[pcf.SessionRuleID]
			if len(dec.SessRules) != 1 || r == nil || r.SessRuleId != pcf.SessionRuleID {
				t.Fatalf("session rules = %+v", dec.SessRules)
			}
			if *r.AuthSessAmbr != tc.ambr {
				t.Errorf("session AMBR = %+v, want %+v", *r.AuthSessAmbr, tc.ambr)
			}
			q := r.AuthDefQos
			if q.Var5qi != tc.fiveQI || q.Arp.PriorityLevel != tc.arpLevel || q.PriorityLevel != tc.priority {
				t.Errorf("default QoS = 5QI %d ARP %d priority %d, want %d %d %d",
					q.Var5qi, q.Arp.PriorityLevel, q.PriorityLevel, tc.fiveQI, tc.arpLevel, tc.priority)
			}
			var ids []string
			for id := range dec.PccRules {
				ids = append(ids, id)
			}
			if len(ids) != len(tc.pcc) || (len(ids) > 0 && !reflect.DeepEqual(ids, tc.pcc)) {
				t.Errorf("PCC rules %v, want %v", ids, tc.pcc)
			}
			if len(dec.PolicyCtrlReqTriggers) != 0 {
				t.Errorf("triggers %v armed; SE_AMBR_CH and DEF_QOS_CH need none", dec.PolicyCtrlReqTriggers)
			}
			if p.Associations() != 1 {
				t.Errorf("%d associations, want 1", p.Associations())
			}
		})
	}
}

// TestVoicePCCRule checks the whole PCC rule and QoS decision of a GBR flow.
func TestVoicePCCRule(t *testing.T) {
	p := newPCF(t, pcf.Config{Policies: policies()})
	req := request()
	req.Dnn, req.SliceInfo = "ims", &models.Snssai{Sst: 1, Sd: "000001"}
	_, dec, err := p.CreateSMPolicy(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	wantRule := &models.Pcf_SMPolCtrl_PccRule{
		PccRuleId:  "voice",
		Precedence: 10,
		RefQosData: []string{"qos-voice"},
		FlowInfos: []models.Pcf_SMPolCtrl_FlowInformation{{
			FlowDescription: "permit out 17 from any to assigned 5000-5010",
			PackFiltId:      "voice-1",
			FlowDirection:   models.Pcf_SMPolCtrl_FlowDirectionRm_BIDIRECTIONAL,
		}},
	}
	if got := dec.PccRules["voice"]; !reflect.DeepEqual(got, wantRule) {
		t.Errorf("PCC rule = %+v, want %+v", got, wantRule)
	}
	wantQoS := &models.Pcf_SMPolCtrl_QosData{QosId: "qos-voice", Var5qi: 1, Arp: arp(1),
		MaxbrUl: "256 Kbps", MaxbrDl: "256 Kbps", GbrUl: "128 Kbps", GbrDl: "128 Kbps"}
	if got := dec.QosDecs["qos-voice"]; !reflect.DeepEqual(got, wantQoS) {
		t.Errorf("QoS data = %+v, want %+v (ARP from the session default)", got, wantQoS)
	}
	// The decision must not alias the configuration.
	dec.QosDecs["qos-voice"].Arp.PriorityLevel = 15
	_, dec2, _ := p.CreateSMPolicy(context.Background(), req)
	if dec2.QosDecs["qos-voice"].Arp.PriorityLevel != 1 || dec2.SessRules[pcf.SessionRuleID].AuthDefQos.Arp.PriorityLevel != 1 {
		t.Error("a change to one decision leaked into the next")
	}
}

func TestCreateErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mod    func(*models.Pcf_SMPolCtrl_SmPolicyContextData)
		status int
		cause  string
		detail string
	}{
		{"no supi", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.Supi = "" }, 400, problem.MandatoryIEMissing, "supi"},
		{"no pdu session id", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.PduSessionId = 0 }, 400, problem.MandatoryIEMissing, "pduSessionId"},
		{"pdu session id 16", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.PduSessionId = 16 }, 400, problem.MandatoryIEIncorrect, "pduSessionId"},
		{"no dnn", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.Dnn = "" }, 400, problem.MandatoryIEMissing, "dnn"},
		{"bad dnn", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.Dnn = "inter net" }, 400, problem.MandatoryIEIncorrect, "dnn"},
		{"no slice", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SliceInfo = nil }, 400, problem.MandatoryIEMissing, "sliceInfo"},
		{"bad sd", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SliceInfo.Sd = "12345" }, 400, problem.MandatoryIEIncorrect, "sliceInfo"},
		{"sst 256", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SliceInfo.Sst = 256 }, 400, problem.MandatoryIEIncorrect, "sliceInfo"},
		{"no subscribed AMBR", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SubsSessAmbr = nil }, 400, pcf.ErrorInitialParameters, "subsSessAmbr"},
		{"bad AMBR uplink", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SubsSessAmbr.Uplink = "100 mbps" }, 400, pcf.ErrorInitialParameters, "subsSessAmbr: uplink"},
		{"no AMBR downlink", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SubsSessAmbr.Downlink = "" }, 400, pcf.ErrorInitialParameters, "subsSessAmbr: downlink"},
		{"no default QoS", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SubsDefQos = nil }, 400, pcf.ErrorInitialParameters, "subsDefQos"},
		{"GBR default 5QI", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SubsDefQos.Var5qi = 1 }, 400, pcf.ErrorInitialParameters, "non-GBR"},
		{"unknown 5QI", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SubsDefQos.Var5qi = 11 }, 400, pcf.ErrorInitialParameters, "Table 5.7.4-1"},
		{"no ARP", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SubsDefQos.Arp = nil }, 400, pcf.ErrorInitialParameters, "arp"},
		{"ARP 16", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SubsDefQos.Arp.PriorityLevel = 16 }, 400, pcf.ErrorInitialParameters, "priorityLevel 16"},
		{"ARP without preemptCap", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SubsDefQos.Arp.PreemptCap = "" }, 400, pcf.ErrorInitialParameters, "preemptCap"},
		{"priority 128", func(r *models.Pcf_SMPolCtrl_SmPolicyContextData) { r.SubsDefQos.PriorityLevel = 128 }, 400, pcf.ErrorInitialParameters, "priorityLevel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPCF(t, pcf.Config{Policies: policies()})
			req := request()
			tc.mod(&req)
			_, _, err := p.CreateSMPolicy(context.Background(), req)
			wantCause(t, err, tc.status, tc.cause)
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q does not name %q", err, tc.detail)
			}
			if p.Associations() != 0 {
				t.Error("a rejected Create left an association")
			}
		})
	}
}

func TestCreateCongestionAndReplace(t *testing.T) {
	p := newPCF(t, pcf.Config{MaxAssociations: 1})
	ctx := context.Background()
	if _, _, err := p.CreateSMPolicy(ctx, request()); err != nil {
		t.Fatal(err)
	}
	// The same PDU session again replaces the association.
	if _, _, err := p.CreateSMPolicy(ctx, request()); err != nil {
		t.Fatalf("re-Create of the same session: %v", err)
	}
	req := request()
	req.PduSessionId = 6
	_, _, err := p.CreateSMPolicy(ctx, req)
	wantCause(t, err, 503, problem.NFCongestion)
	if p.Associations() != 1 {
		t.Fatalf("%d associations, want 1", p.Associations())
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	se, dq := models.Pcf_SMPolCtrl_PolicyControlRequestTrigger_SE_AMBR_CH, models.Pcf_SMPolCtrl_PolicyControlRequestTrigger_DEF_QOS_CH
	newAMBR := &models.Ambr{Uplink: "50 Mbps", Downlink: "60 Mbps"}
	newQoS := &models.SubscribedDefaultQos{Var5qi: 8, Arp: arp(3)}
	for _, tc := range []struct {
		name   string
		supi   string // default supi1
		upd    models.Pcf_SMPolCtrl_SmPolicyUpdateContextData
		ambr   models.Ambr // want, on success
		fiveQI int32
		status int
		cause  string
		empty  bool // the answer changes nothing
	}{
		{name: "session AMBR change", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{se}, SubsSessAmbr: newAMBR},
			ambr: *newAMBR, fiveQI: 9},
		{name: "default QoS change", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{dq}, SubsDefQos: newQoS},
			ambr: models.Ambr{Uplink: "100 Mbps", Downlink: "200 Mbps"}, fiveQI: 8},
		{name: "both", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{se, dq}, SubsSessAmbr: newAMBR, SubsDefQos: newQoS},
			ambr: *newAMBR, fiveQI: 8},
		{name: "policy AMBR still wins", supi: "imsi-001010000000150", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{se}, SubsSessAmbr: newAMBR},
			ambr: models.Ambr{Uplink: "1 Mbps", Downlink: "2 Mbps"}, fiveQI: 9},
		{name: "no triggers: no change", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{SubsSessAmbr: newAMBR},
			ambr: models.Ambr{Uplink: "100 Mbps", Downlink: "200 Mbps"}, empty: true},
		{name: "other trigger: no change", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{"UE_IP_CH"}, SubsSessAmbr: newAMBR},
			ambr: models.Ambr{Uplink: "100 Mbps", Downlink: "200 Mbps"}, empty: true},
		{name: "other trigger with SE_AMBR_CH", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{"RES_MO_RE", se}, SubsSessAmbr: newAMBR},
			ambr: *newAMBR, fiveQI: 9},
		{name: "SE_AMBR_CH without AMBR", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{se}}, status: 400, cause: pcf.ErrorTriggerEvent},
		{name: "DEF_QOS_CH without QoS", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{dq}}, status: 400, cause: pcf.ErrorTriggerEvent},
		{name: "bad new AMBR", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{se}, SubsSessAmbr: &models.Ambr{Uplink: "1 Mbps", Downlink: "fast"}},
			status: 400, cause: pcf.ErrorTriggerEvent},
		{name: "GBR default 5QI", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{dq}, SubsDefQos: &models.SubscribedDefaultQos{Var5qi: 2, Arp: arp(1)}},
			status: 400, cause: pcf.ErrorTriggerEvent},
		{name: "bad new ARP", upd: models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
			RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{se, dq}, SubsSessAmbr: newAMBR,
			SubsDefQos: &models.SubscribedDefaultQos{Var5qi: 9, Arp: arp(0)}}, status: 400, cause: pcf.ErrorTriggerEvent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPCF(t, pcf.Config{Policies: policies()})
			req := request()
			if tc.supi != "" {
				req.Supi = tc.supi
			}
			id, _, err := p.CreateSMPolicy(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := p.UpdateSMPolicy(ctx, id, tc.upd)
			// A later default QoS change shows which AMBR the association kept.
			probe := models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
				RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{dq}, SubsDefQos: newQoS}
			after, perr := p.UpdateSMPolicy(ctx, id, probe)
			if perr != nil {
				t.Fatal(perr)
			}
			kept := *after.SessRules[pcf.SessionRuleID].AuthSessAmbr
			if tc.cause != "" {
				wantCause(t, err, tc.status, tc.cause)
				if want := *request().SubsSessAmbr; tc.supi == "" && kept != want {
					t.Errorf("rejected update changed the association: AMBR %+v, want %+v", kept, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if kept != tc.ambr {
				t.Errorf("association kept AMBR %+v, want %+v", kept, tc.ambr)
			}
			if tc.empty {
				if !reflect.DeepEqual(dec, models.Pcf_SMPolCtrl_SmPolicyDecision{}) {
					t.Errorf("update decision = %+v, want no change", dec)
				}
				return
			}
			r := dec.SessRules[pcf.SessionRuleID]
			if len(dec.SessRules) != 1 || r == nil || len(dec.PccRules) != 0 {
				t.Fatalf("update decision = %+v, want only the session rule", dec)
			}
			if *r.AuthSessAmbr != tc.ambr || r.AuthDefQos.Var5qi != tc.fiveQI {
				t.Errorf("session rule AMBR %+v 5QI %d, want %+v %d", *r.AuthSessAmbr, r.AuthDefQos.Var5qi, tc.ambr, tc.fiveQI)
			}
		})
	}
}

func TestUpdateDeleteUnknown(t *testing.T) {
	p := newPCF(t, pcf.Config{})
	ctx := context.Background()
	_, err := p.UpdateSMPolicy(ctx, "imsi-001010000000001-5", models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
		RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{"SE_AMBR_CH"}})
	wantCause(t, err, 404, problem.ContextNotFound)
	wantCause(t, p.DeleteSMPolicy(ctx, "imsi-001010000000001-5", models.Pcf_SMPolCtrl_SmPolicyDeleteData{}), 404, problem.ContextNotFound)

	id, _, err := p.CreateSMPolicy(ctx, request())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteSMPolicy(ctx, id, models.Pcf_SMPolCtrl_SmPolicyDeleteData{}); err != nil {
		t.Fatal(err)
	}
	if p.Associations() != 0 {
		t.Fatal("Delete left the association")
	}
	wantCause(t, p.DeleteSMPolicy(ctx, id, models.Pcf_SMPolCtrl_SmPolicyDeleteData{}), 404, problem.ContextNotFound)
}

// TestConcurrent runs sessions of many SUPIs at once under -race.
func TestConcurrent(t *testing.T) {
	p := newPCF(t, pcf.Config{Policies: policies()})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			req := request()
			req.Supi = fmt.Sprintf("imsi-00101000000%04d", i)
			id, _, err := p.CreateSMPolicy(ctx, req)
			if err == nil {
				_, err = p.UpdateSMPolicy(ctx, id, models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
					RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{"SE_AMBR_CH"},
					SubsSessAmbr:             &models.Ambr{Uplink: "1 Mbps", Downlink: "1 Mbps"}})
			}
			if err == nil && i%2 == 0 {
				err = p.DeleteSMPolicy(ctx, id, models.Pcf_SMPolCtrl_SmPolicyDeleteData{})
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if p.Associations() != 32 {
		t.Fatalf("%d associations, want 32", p.Associations())
	}
}

// TestAssociationOwnsItsState changes the request after Create: the
// association must keep the values it was created with.
func TestAssociationOwnsItsState(t *testing.T) {
	p := newPCF(t, pcf.Config{})
	ctx := context.Background()
	req := request()
	id, _, err := p.CreateSMPolicy(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.SubsSessAmbr.Uplink = "1 bps"
	req.SubsDefQos.Arp.PriorityLevel = 1
	dec, err := p.UpdateSMPolicy(ctx, id, models.Pcf_SMPolCtrl_SmPolicyUpdateContextData{
		RepPolicyCtrlReqTriggers: []models.Pcf_SMPolCtrl_PolicyControlRequestTrigger{"DEF_QOS_CH"},
		SubsDefQos:               &models.SubscribedDefaultQos{Var5qi: 9, Arp: arp(8)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := dec.SessRules[pcf.SessionRuleID].AuthSessAmbr.Uplink; got != "100 Mbps" {
		t.Fatalf("uplink AMBR %q after the caller changed its request, want 100 Mbps", got)
	}
}
