package api

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"go5g/internal/store"
)

// PolicyApplier puts the stored operator policies in force: the PCF of the
// core serving this API. The API asks CheckPolicy before it stores a new or
// changed policy, so the store never holds one the PCF refuses, and calls
// ApplyPolicies with every stored policy after each change. Without one
// (Deps.Policies nil) policies are only stored; a core reads them when it
// starts.
type PolicyApplier interface {
	// CheckPolicy says why the PCF would refuse p, as a *store.FieldError
	// naming the field by its JSON path here; nil if it takes it.
	CheckPolicy(p store.Policy) error
	// ApplyPolicies replaces the stored policies in force with ps, in the
	// order the PCF tries them (store.ListPolicies).
	ApplyPolicies(ps []store.Policy) error
}

// policyJSON is a policy as the API reads and shows it. Bit rates are
// TS 29.571 BitRate strings ("10 Mbps"); left out means "any" for a
// condition and "as subscribed" for what the policy authorizes.
type policyJSON struct {
	Name                 string            `json:"name"`
	Precedence           int32             `json:"precedence"`
	DNN                  string            `json:"dnn,omitempty"`
	SNSSAI               *store.SNSSAI     `json:"snssai,omitempty"`
	SUPIs                *store.SUPIBounds `json:"supis,omitempty"`
	SessionAMBR          *ambrJSON         `json:"sessionAmbr,omitempty"`
	Default5QI           uint8             `json:"default5qi,omitempty"`
	DefaultARP           *store.ARP        `json:"defaultArp,omitempty"`
	DefaultPriorityLevel uint8             `json:"defaultPriorityLevel,omitempty"`
	PCCRules             []pccRuleJSON     `json:"pccRules"`
}

type pccRuleJSON struct {
	ID               string   `json:"id"`
	Precedence       int32    `json:"precedence"`
	FlowDescriptions []string `json:"flowDescriptions"`
	FlowDirection    string   `json:"flowDirection,omitempty"`
	QoS              qosJSON  `json:"qos"`
}

type qosJSON struct {
	FiveQI        uint8      `json:"5qi"`
	ARP           *store.ARP `json:"arp,omitempty"`
	PriorityLevel uint8      `json:"priorityLevel,omitempty"`
	MaxBRUL       string     `json:"maxBrUl,omitempty"`
	MaxBRDL       string     `json:"maxBrDl,omitempty"`
	GBRUL         string     `json:"gbrUl,omitempty"`
	GBRDL         string     `json:"gbrDl,omitempty"`
}

func rateOut(b store.BitRate) string {
	if b == 0 {
		return ""
	}
	return b.String()
}

func policyOut(p store.Policy) policyJSON {
	o := policyJSON{Name: p.Name, Precedence: p.Precedence, DNN: p.DNN, SNSSAI: p.SNSSAI, SUPIs: p.SUPIs,
		Default5QI: p.Default5QI, DefaultARP: p.DefaultARP, DefaultPriorityLevel: p.DefaultPriorityLevel,
		PCCRules: make([]pccRuleJSON, 0, len(p.PCCRules))}
	if a := p.SessionAMBR; a != nil {
		o.SessionAMBR = &ambrJSON{Uplink: a.Uplink.String(), Downlink: a.Downlink.String()}
	}
	for _, r := range p.PCCRules {
		q := r.QoS
		o.PCCRules = append(o.PCCRules, pccRuleJSON{ID: r.ID, Precedence: r.Precedence,
			FlowDescriptions: r.FlowDescriptions, FlowDirection: r.FlowDirection,
			QoS: qosJSON{FiveQI: q.FiveQI, ARP: q.ARP, PriorityLevel: q.PriorityLevel,
				MaxBRUL: rateOut(q.MaxBRUL), MaxBRDL: rateOut(q.MaxBRDL), GBRUL: rateOut(q.GBRUL), GBRDL: rateOut(q.GBRDL)}})
	}
	return o
}

// rateIn parses an optional bit rate of field f.
func rateIn(f, s string) (store.BitRate, error) {
	if s == "" {
		return 0, nil
	}
	b, err := store.ParseBitRate(s)
	if err != nil {
		return 0, fieldErr(f, "%v", err)
	}
	return b, nil
}

// toPolicy reads a policy and checks it as the store does.
func toPolicy(in policyJSON) (store.Policy, error) {
	p := store.Policy{Name: in.Name, Precedence: in.Precedence, DNN: in.DNN, SNSSAI: in.SNSSAI, SUPIs: in.SUPIs,
		Default5QI: in.Default5QI, DefaultARP: in.DefaultARP, DefaultPriorityLevel: in.DefaultPriorityLevel}
	if err := store.ValidName(p.Name); err != nil {
		return p, err
	}
	if a := in.SessionAMBR; a != nil {
		ul, err := store.ParseBitRate(a.Uplink)
		if err != nil {
			return p, fieldErr("sessionAmbr.uplink", "%v", err)
		}
		dl, err := store.ParseBitRate(a.Downlink)
		if err != nil {
			return p, fieldErr("sessionAmbr.downlink", "%v", err)
		}
		p.SessionAMBR = &store.AMBR{Uplink: ul, Downlink: dl}
	}
	for i, r := range in.PCCRules {
		f := fmt.Sprintf("pccRules[%d].qos.", i)
		q := store.QoSData{FiveQI: r.QoS.FiveQI, ARP: r.QoS.ARP, PriorityLevel: r.QoS.PriorityLevel}
		var err error
		for _, b := range []struct {
			name string
			in   string
			out  *store.BitRate
		}{{"maxBrUl", r.QoS.MaxBRUL, &q.MaxBRUL}, {"maxBrDl", r.QoS.MaxBRDL, &q.MaxBRDL},
			{"gbrUl", r.QoS.GBRUL, &q.GBRUL}, {"gbrDl", r.QoS.GBRDL, &q.GBRDL}} {
			if *b.out, err = rateIn(f+b.name, b.in); err != nil {
				return p, err
			}
		}
		p.PCCRules = append(p.PCCRules, store.PCCRule{ID: r.ID, Precedence: r.Precedence,
			FlowDescriptions: r.FlowDescriptions, FlowDirection: r.FlowDirection, QoS: q})
	}
	return p, p.Validate()
}

// checkPolicy is toPolicy and the PCF's own checks.
func (a *API) checkPolicy(in policyJSON) (store.Policy, error) {
	p, err := toPolicy(in)
	if err != nil {
		return p, err
	}
	if a.policies != nil {
		if err := a.policies.CheckPolicy(p); err != nil {
			return p, err
		}
	}
	return p, nil
}

// applyPolicies puts the stored policies in force after a change. The
// change is stored either way; a refusal here means CheckPolicy and the
// PCF disagree, a bug, so it is a 500 and logged.
func (a *API) applyPolicies(r *http.Request) error {
	if a.policies == nil {
		return nil
	}
	ps, err := a.st.ListPolicies(r.Context())
	if err != nil {
		return fmt.Errorf("policies stored but not applied: %w", err)
	}
	if err := a.policies.ApplyPolicies(ps); err != nil {
		return fmt.Errorf("policies stored but the PCF refused them: %w", err)
	}
	return nil
}

func (a *API) listPolicies(w http.ResponseWriter, r *http.Request) {
	ps, err := a.st.ListPolicies(r.Context())
	writeItems(a, w, ps, err, policyOut)
}

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := a.st.GetPolicy(r.Context(), r.PathValue("name"))
	writeItem(a, w, p, err, policyOut)
}

// Policy changes hold policyMu from the write to ApplyPolicies, so the
// PCF's list is always that of the last change (two changes racing could
// otherwise apply in the opposite order to their writes).

func (a *API) createPolicy(w http.ResponseWriter, r *http.Request) {
	var in policyJSON
	if decode(w, r, &in) != nil {
		return
	}
	p, err := a.checkPolicy(in)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.policyMu.Lock()
	defer a.policyMu.Unlock()
	if err := a.audited(r, "policy.create", p.Name, fmt.Sprintf("precedence %d", p.Precedence), func(ctx context.Context) error {
		return a.st.AddPolicy(ctx, p)
	}); err != nil {
		a.fail(w, err)
		return
	}
	if err := a.applyPolicies(r); err != nil {
		a.internal(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/policies/"+p.Name)
	writeJSON(w, http.StatusCreated, policyOut(p))
}

func (a *API) updatePolicy(w http.ResponseWriter, r *http.Request) {
	var in policyJSON
	if decode(w, r, &in) != nil {
		return
	}
	name := r.PathValue("name")
	if in.Name == "" {
		in.Name = name
	}
	if in.Name != name {
		a.fail(w, fieldErr("name", "differs from the name in the path; a policy cannot be renamed"))
		return
	}
	p, err := a.checkPolicy(in)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.policyMu.Lock()
	defer a.policyMu.Unlock()
	old, err := a.st.GetPolicy(r.Context(), name)
	if err != nil {
		a.fail(w, err)
		return
	}
	if err := a.audited(r, "policy.update", p.Name, policyChanges(old, p), func(ctx context.Context) error {
		return a.st.UpdatePolicy(ctx, p)
	}); err != nil {
		a.fail(w, err)
		return
	}
	if err := a.applyPolicies(r); err != nil {
		a.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, policyOut(p))
}

func (a *API) deletePolicy(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a.policyMu.Lock()
	defer a.policyMu.Unlock()
	if err := a.audited(r, "policy.delete", name, "", func(ctx context.Context) error {
		return a.st.DeletePolicy(ctx, name)
	}); err != nil {
		a.fail(w, err)
		return
	}
	if err := a.applyPolicies(r); err != nil {
		a.internal(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// policyChanges names the fields an update changed, for the audit log.
func policyChanges(old, p store.Policy) string {
	var f []string
	ov, nv := reflect.ValueOf(policyOut(old)), reflect.ValueOf(policyOut(p))
	for i := range ov.NumField() {
		if !reflect.DeepEqual(ov.Field(i).Interface(), nv.Field(i).Interface()) {
			tag, _, _ := strings.Cut(ov.Type().Field(i).Tag.Get("json"), ",")
			f = append(f, tag)
		}
	}
	if len(f) == 0 {
		return "no change"
	}
	return "changed " + strings.Join(f, ", ")
}
