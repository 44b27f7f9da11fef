package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/free5gc/openapi/models"

	"go5g/internal/api"
	"go5g/internal/pcf"
	"go5g/internal/store"
)

// Operator PCF policies come from two places: the store (managed through
// the REST API, /api/v1/policies) and the configuration file. The PCF
// tries the store's first, in their (precedence, name) order, then the
// file's in file order: an operator's change at run time overrides what
// the process was started with, and the file's act as the fallback. At
// start the store's are read once; after every change through the API the
// merged list is handed to the PCF whole (pcf.SetPolicies), which also
// updates the sessions a change affects.

// policySetter is the PCF's run-time policy replacement: it validates ps,
// swaps it in, and modifies the PDU sessions whose decision changes.
type policySetter interface {
	SetPolicies(ps []pcf.Policy) error
}

// configPolicies are the PCF policies of the configuration file, tried
// after the store's. The file has no pcf section yet, so there are none.
func (c *Core) configPolicies() []pcf.Policy { return nil }

// pcfPolicies is the API's api.PolicyApplier over the core's PCF.
type pcfPolicies struct {
	set    policySetter
	config []pcf.Policy
	log    *slog.Logger
}

// policyApplier is what the API puts policy changes in force with; nil
// when there is no PCF.
func (c *Core) policyApplier() api.PolicyApplier {
	if c.sessions == nil || c.sessions.pcf == nil {
		return nil
	}
	return pcfPolicies{set: c.sessions.pcf, config: c.configPolicies(), log: c.log}
}

func (a pcfPolicies) CheckPolicy(p store.Policy) error { return checkPCFPolicy(p) }

// ApplyPolicies hands the PCF the merged list. Policies the PCF took but
// could not announce to the SMF of some sessions (*pcf.NotifyError) are in
// force for every new decision; that is logged, not failed.
func (a pcfPolicies) ApplyPolicies(ps []store.Policy) error {
	err := a.set.SetPolicies(mergePolicies(usablePolicies(a.log, ps), a.config))
	var ne *pcf.NotifyError
	if errors.As(err, &ne) {
		a.log.Warn("PCF policies replaced; some sessions keep their old QoS until their next change", "err", err)
		return nil
	}
	return err
}

// checkPCFPolicy runs the PCF's own checks on one policy and names the bad
// field as the API does: pcf's "policies[0].pcc_rules[1].qos.gbr_ul"
// becomes "pccRules[1].qos.gbrUl".
func checkPCFPolicy(p store.Policy) error {
	err := pcf.Config{Policies: []pcf.Policy{toPCFPolicy(p)}}.Validate()
	if err == nil {
		return nil
	}
	first, _, _ := strings.Cut(err.Error(), "\n")
	rest, ok := strings.CutPrefix(first, "pcf config: policies[0].")
	field, reason, found := strings.Cut(rest, ": ")
	if !ok || !found {
		return &store.FieldError{Field: "policy", Reason: first}
	}
	return &store.FieldError{Field: camelPath(field), Reason: reason}
}

// camelPath turns a snake_case path into the API's camelCase one.
func camelPath(p string) string {
	var b strings.Builder
	for i, part := range strings.Split(p, "_") {
		if i > 0 && part != "" && part[0] >= 'a' && part[0] <= 'z' {
			part = string(part[0]-'a'+'A') + part[1:]
		}
		b.WriteString(part)
	}
	return b.String()
}

// mergePolicies is the PCF's list: the store's (already in their order),
// then the configuration's.
func mergePolicies(stored []store.Policy, config []pcf.Policy) []pcf.Policy {
	out := make([]pcf.Policy, 0, len(stored)+len(config))
	for _, p := range stored {
		out = append(out, toPCFPolicy(p))
	}
	return append(out, config...)
}

// toPCFPolicy converts a stored policy; its precedence is its place in the
// list. Bit rates become TS 29.571 BitRate strings, 0 none.
func toPCFPolicy(p store.Policy) pcf.Policy {
	out := pcf.Policy{Name: p.Name, DNN: p.DNN, Default5QI: int32(p.Default5QI),
		DefaultPriorityLevel: int32(p.DefaultPriorityLevel)}
	if p.SNSSAI != nil {
		out.SNSSAI = &models.Snssai{Sst: int32(p.SNSSAI.SST), Sd: p.SNSSAI.SD}
	}
	if p.SUPIs != nil {
		out.SUPIs = &pcf.SUPIRange{First: p.SUPIs.First, Last: p.SUPIs.Last}
	}
	if a := p.SessionAMBR; a != nil {
		out.SessionAMBR = &models.Ambr{Uplink: rate(a.Uplink), Downlink: rate(a.Downlink)}
	}
	out.DefaultARP = arpModel(p.DefaultARP)
	for _, r := range p.PCCRules {
		q := r.QoS
		out.PCCRules = append(out.PCCRules, pcf.PCCRule{
			ID: r.ID, Precedence: r.Precedence, FlowDescriptions: slices.Clone(r.FlowDescriptions),
			FlowDirection: models.Pcf_SMPolCtrl_FlowDirectionRm(r.FlowDirection),
			QoS: pcf.QoS{FiveQI: int32(q.FiveQI), ARP: arpModel(q.ARP), PriorityLevel: int32(q.PriorityLevel),
				MaxBRUL: rate(q.MaxBRUL), MaxBRDL: rate(q.MaxBRDL), GBRUL: rate(q.GBRUL), GBRDL: rate(q.GBRDL)},
		})
	}
	return out
}

func rate(b store.BitRate) string {
	if b == 0 {
		return ""
	}
	return pcf.FormatBitRate(uint64(b))
}

func arpModel(a *store.ARP) *models.Arp {
	if a == nil {
		return nil
	}
	return &models.Arp{PriorityLevel: int32(a.PriorityLevel), PreemptCap: models.PreemptionCapability(a.PreemptCap),
		PreemptVuln: models.PreemptionVulnerability(a.PreemptVuln)}
}

// usablePolicies leaves out, with an error in the log, the stored
// policies the PCF refuses (written by another go5g version, or through
// an API with no core behind it): one bad row must neither keep the core
// down, when the API that could fix it runs only with the core, nor block
// every later change.
func usablePolicies(log *slog.Logger, stored []store.Policy) []store.Policy {
	good := make([]store.Policy, 0, len(stored))
	for _, sp := range stored {
		if err := checkPCFPolicy(sp); err != nil {
			log.Error("stored PCF policy left out", "policy", sp.Name, "err", err,
				"fix", "PUT or DELETE /api/v1/policies/"+sp.Name)
			continue
		}
		good = append(good, sp)
	}
	return good
}

// loadPolicies puts the store's policies, if any, in force at start.
func (c *Core) loadPolicies(ctx context.Context, st store.Store, p *pcf.PCF) error {
	stored, err := st.ListPolicies(ctx)
	if err != nil {
		return fmt.Errorf("read PCF policies: %w", err)
	}
	if len(stored) == 0 {
		return nil
	}
	good := usablePolicies(c.log, stored)
	if err := p.SetPolicies(mergePolicies(good, c.configPolicies())); err != nil {
		return fmt.Errorf("PCF policies from the store: %w", err)
	}
	c.log.Info("PCF policies from the store in force", slog.Int("stored", len(good)),
		slog.Int("configured", len(c.configPolicies())))
	return nil
}
