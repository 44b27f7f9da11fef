package api

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"go5g/internal/store"
)

// fakePCF is a PolicyApplier that refuses 5QIs above 100 in PCC rules (as
// the PCF refuses non-standardized ones) and records what it was given.
type fakePCF struct {
	mu      sync.Mutex
	applied [][]string // names, per ApplyPolicies call
	fail    error
}

func (f *fakePCF) CheckPolicy(p store.Policy) error {
	for i, r := range p.PCCRules {
		if r.QoS.FiveQI > 100 {
			return &store.FieldError{Field: "pccRules[" + string(rune('0'+i)) + "].qos.5qi", Reason: "not standardized"}
		}
	}
	return nil
}

func (f *fakePCF) ApplyPolicies(ps []store.Policy) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	f.applied = append(f.applied, names)
	return f.fail
}

// last is the last list applied and how many calls there were.
func (f *fakePCF) last() (string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.applied) == 0 {
		return "", 0
	}
	return strings.Join(f.applied[len(f.applied)-1], ","), len(f.applied)
}

const voiceJSON = `{"name":"voice","precedence":10,"dnn":"ims","snssai":{"sst":1,"sd":"000001"},` +
	`"supis":{"first":"imsi-001010000000100","last":"imsi-001010000000199"},` +
	`"sessionAmbr":{"uplink":"10 Mbps","downlink":"100 Mbps"},"default5qi":5,` +
	`"defaultArp":{"priorityLevel":2,"preemptCap":"MAY_PREEMPT","preemptVuln":"NOT_PREEMPTABLE"},"defaultPriorityLevel":20,` +
	`"pccRules":[{"id":"voice","precedence":100,"flowDescriptions":["permit out 17 from any to assigned 5000-5010"],` +
	`"flowDirection":"BIDIRECTIONAL","qos":{"5qi":1,"priorityLevel":10,"maxBrUl":"256 Kbps","maxBrDl":"256 Kbps","gbrUl":"128 Kbps","gbrDl":"128 Kbps"}}]}`

func testPolicies(t *testing.T, e *env) {
	pcf := &fakePCF{}
	e.api.policies = pcf

	w := e.mustStatus(e.operator, "POST", "/api/v1/policies", voiceJSON, 201)
	if w.Header().Get("Location") != "/api/v1/policies/voice" {
		t.Errorf("Location %q", w.Header().Get("Location"))
	}
	if got, n := pcf.last(); got != "voice" || n != 1 {
		t.Fatalf("applied %q after %d calls, want voice after 1", got, n)
	}
	st, err := e.st.GetPolicy(t.Context(), "voice")
	if err != nil || st.SessionAMBR == nil || st.SessionAMBR.Downlink != 100e6 || st.PCCRules[0].QoS.GBRUL != 128e3 ||
		st.SUPIs.Last != "imsi-001010000000199" || st.DefaultARP.PreemptCap != "MAY_PREEMPT" {
		t.Fatalf("stored: %+v %v", st, err)
	}
	// GET gives back what was sent.
	w = e.mustStatus(e.readOnly, "GET", "/api/v1/policies/voice", "", 200)
	if got := strings.TrimSpace(w.Body.String()); got != voiceJSON {
		t.Errorf("GET:\n%s\nwant\n%s", got, voiceJSON)
	}
	e.mustStatus(e.token, "POST", "/api/v1/policies", `{"name":"default","precedence":1000}`, 201)
	e.mustStatus(e.admin, "POST", "/api/v1/policies", `{"name":"internet","precedence":5,"dnn":"internet","sessionAmbr":{"uplink":"1 Mbps","downlink":"2 Mbps"}}`, 201)
	if got, n := pcf.last(); got != "internet,voice,default" || n != 3 {
		t.Fatalf("applied %q after %d calls, want internet,voice,default after 3", got, n)
	}
	var list struct{ Items []policyJSON }
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/policies", "", 200), &list)
	if len(list.Items) != 3 || list.Items[0].Name != "internet" || list.Items[2].Name != "default" || list.Items[2].PCCRules == nil {
		t.Fatalf("list: %+v", list.Items)
	}

	// Refusals change and apply nothing.
	for _, c := range []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"POST", "/api/v1/policies", voiceJSON, 409, ""},
		{"POST", "/api/v1/policies", `{"name":"x","sessionAmbr":{"uplink":"fast","downlink":"1 Mbps"}}`, 400, "sessionAmbr.uplink"},
		{"POST", "/api/v1/policies", `{"name":"x","sessionAmbr":{"uplink":"1 Mbps"}}`, 400, "sessionAmbr.downlink"},
		{"POST", "/api/v1/policies", `{"name":"x","dnn":"-x"}`, 400, "dnn"},
		{"POST", "/api/v1/policies", `{"name":"x","precedence":-1}`, 400, "precedence"},
		{"POST", "/api/v1/policies", `{"name":"x","default5qi":300}`, 400, "default5qi"},
		{"POST", "/api/v1/policies", `{"name":"x","supis":{"first":"imsi-2","last":"imsi-1"}}`, 400, "supis"},
		{"POST", "/api/v1/policies", `{"name":"x","defaultArp":{"priorityLevel":0,"preemptCap":"MAY_PREEMPT","preemptVuln":"PREEMPTABLE"}}`, 400, "defaultArp.priorityLevel"},
		{"POST", "/api/v1/policies", `{"name":"x","pccRules":[{"id":"a","flowDescriptions":[],"qos":{"5qi":9}}]}`, 400, "pccRules[0].flowDescriptions"},
		{"POST", "/api/v1/policies", `{"name":"x","pccRules":[{"id":"a","flowDescriptions":["permit out ip from any to assigned"],"qos":{"5qi":9,"maxBrUl":"1 Gbps","gbrUl":"2 Gbps"}}]}`, 400, "pccRules[0].qos.gbrUl"},
		{"POST", "/api/v1/policies", `{"name":"x","pccRules":[{"id":"a","flowDescriptions":["permit out ip from any to assigned"],"qos":{"5qi":9,"maxBrDl":"x"}}]}`, 400, "pccRules[0].qos.maxBrDl"},
		// The PCF's own check (the fake refuses 5QI 200).
		{"POST", "/api/v1/policies", `{"name":"x","pccRules":[{"id":"a","flowDescriptions":["permit out ip from any to assigned"],"qos":{"5qi":200}}]}`, 400, "pccRules[0].qos.5qi"},
		{"POST", "/api/v1/policies", `{"name":"x","color":"red"}`, 400, "color"},
		{"PUT", "/api/v1/policies/voice", `{"name":"video"}`, 400, "name"},
		{"PUT", "/api/v1/policies/voice", `{"pccRules":[{"id":"a","flowDescriptions":["permit out ip from any to assigned"],"qos":{"5qi":200}}]}`, 400, "pccRules[0].qos.5qi"},
		{"PUT", "/api/v1/policies/video", `{"precedence":1}`, 404, ""},
		{"DELETE", "/api/v1/policies/video", "", 404, ""},
		{"GET", "/api/v1/policies/video", "", 404, ""},
	} {
		e.problemOf(e.do(e.operator, c.method, c.path, c.body), c.status, c.field)
	}
	if got, n := pcf.last(); got != "internet,voice,default" || n != 3 {
		t.Fatalf("refused changes applied: %q after %d calls", got, n)
	}
	if p, _ := e.st.GetPolicy(t.Context(), "voice"); p.PCCRules[0].QoS.FiveQI != 1 {
		t.Fatalf("a refused update changed the stored policy: %+v", p)
	}

	// An update reorders; a delete removes.
	var got policyJSON
	e.decode(e.mustStatus(e.operator, "PUT", "/api/v1/policies/voice", `{"precedence":1,"dnn":"ims"}`, 200), &got)
	if got.Name != "voice" || got.SessionAMBR != nil || len(got.PCCRules) != 0 {
		t.Fatalf("updated: %+v", got)
	}
	if got, n := pcf.last(); got != "voice,internet,default" || n != 4 {
		t.Fatalf("applied %q after %d calls", got, n)
	}
	e.mustStatus(e.operator, "DELETE", "/api/v1/policies/internet", "", 204)
	if got, n := pcf.last(); got != "voice,default" || n != 5 {
		t.Fatalf("applied %q after %d calls", got, n)
	}

	// A PCF that refuses what it was told it takes: the change is stored,
	// the answer is a 500 and the log says why.
	pcf.fail = errors.New("pcf: policies[0]: something new")
	e.problemOf(e.do(e.operator, "DELETE", "/api/v1/policies/default", ""), 500, "")
	if !strings.Contains(e.log.String(), "PCF refused them: pcf: policies[0]: something new") {
		t.Errorf("the PCF's refusal is not logged:\n%s", e.log)
	}
	pcf.fail = nil

	var audit struct{ Items []auditOut }
	e.decode(e.mustStatus(e.admin, "GET", "/api/v1/audit?limit=100", "", 200), &audit)
	var acts []string
	for _, it := range audit.Items {
		if strings.HasPrefix(it.Action, "policy.") {
			acts = append(acts, it.Action+" "+it.Target+" "+it.Detail)
		}
	}
	want := []string{
		"policy.delete default ",
		"policy.delete internet ",
		"policy.update voice changed precedence, snssai, supis, sessionAmbr, default5qi, defaultArp, defaultPriorityLevel, pccRules",
		"policy.create internet precedence 5",
		"policy.create default precedence 1000",
		"policy.create voice precedence 10",
	}
	if strings.Join(acts, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant\n%s", strings.Join(acts, "\n"), strings.Join(want, "\n"))
	}

	// Without a PCF (an API over a store alone) policies are only stored.
	e.api.policies = nil
	e.mustStatus(e.operator, "POST", "/api/v1/policies", `{"name":"later","default5qi":200}`, 201)
}
