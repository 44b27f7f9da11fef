package smf

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/free5gc/openapi/models"
)

// PCFAssociations is the rest of Npcf_SMPolicyControl that a PCF may
// offer besides Create: Create with the association's id (smPolicyId),
// and Delete. With it the SMF deletes a session's association when the
// session ends; the PCF's later decisions arrive through
// SMPolicyUpdateNotify.
//
// Spec: TS 29.512 §4.2.2 (Create), §4.2.5 (Delete)
type PCFAssociations interface {
	CreateSMPolicyAssociation(ctx context.Context, data models.Pcf_SMPolCtrl_SmPolicyContextData) (string, models.Pcf_SMPolCtrl_SmPolicyDecision, error)
	DeleteSMPolicy(ctx context.Context, smPolicyID string) error
}

// policyDeleteTimeout bounds Npcf_SMPolicyControl_Delete at release.
const policyDeleteTimeout = 5 * time.Second

// policyNotifyPrefix starts the notification URI the SMF gives the PCF
// for a session: the PCF sends Npcf_SMPolicyControl_UpdateNotify there.
// Spec: TS 29.512 §5.6.2.3 (notificationUri), §4.2.3
const policyNotifyPrefix = "/nsmf-callback/v1/sm-policy-notify/"

// policyNotifyURI is the notification URI of a SUPI's PDU session.
func policyNotifyURI(supi string, psi uint8) string {
	return policyNotifyPrefix + supi + "/" + strconv.Itoa(int(psi))
}

// parsePolicyNotifyURI reads a notification URI back.
func parsePolicyNotifyURI(uri string) (string, uint8, bool) {
	i := strings.Index(uri, policyNotifyPrefix)
	if i < 0 {
		return "", 0, false
	}
	supi, psi, ok := strings.Cut(uri[i+len(policyNotifyPrefix):], "/")
	v, err := strconv.ParseUint(psi, 10, 8)
	if !ok || err != nil || supi == "" || v < 1 || v > 15 {
		return "", 0, false
	}
	return supi, uint8(v), true
}

// createPolicy creates the SM policy association, keeping its id when the
// PCF gives one.
func (s *SMF) createPolicy(ctx context.Context, c *smContext, data models.Pcf_SMPolCtrl_SmPolicyContextData) (models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	if pa, ok := s.deps.PCF.(PCFAssociations); ok {
		id, dec, err := pa.CreateSMPolicyAssociation(ctx, data)
		c.polID = id
		return dec, err
	}
	return s.deps.PCF.CreateSMPolicy(ctx, data)
}

// deletePolicy deletes the session's SM policy association, once. Caller
// holds c.mu.
//
// Spec: TS 23.502 §4.3.4.2 (SM Policy Association Termination);
// TS 29.512 §4.2.5.2
func (s *SMF) deletePolicy(c *smContext) {
	id := c.polID
	c.polID = ""
	pa, ok := s.deps.PCF.(PCFAssociations)
	if id == "" || !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), policyDeleteTimeout)
	defer cancel()
	if err := pa.DeleteSMPolicy(ctx, id); err != nil {
		s.log.Info("SM policy association not deleted", "supi", c.supi, "psi", c.psi, "sm_policy_id", id, "err", err)
	}
}

// flowsOf applies a decision's PCC rules to the flows cur: a rule given
// as nil is removed (TS 29.512 §5.6.2.6: a null PccRule in a notification
// removes it), a GBR rule installs or replaces its flow (keeping its QFI
// and QoS rule identifier), a non-GBR rule removes the flow it had; rules
// the decision does not name stay. A rule the SMF cannot use is left out
// and logged. The result is sorted by QFI.
//
// Spec: TS 29.512 §4.2.3.2 (PCC rules in a notification), §5.6.2.6
func (s *SMF) flowsOf(c *smContext, dec models.Pcf_SMPolCtrl_SmPolicyDecision, cur []*qosFlow) []*qosFlow {
	out := slices.Clone(cur)
	ids := make([]string, 0, len(dec.PccRules))
	for id := range dec.PccRules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		i := slices.IndexFunc(out, func(f *qosFlow) bool { return f.rule == id })
		f, gbr, err := flowFromRule(dec.PccRules[id], dec.QosDecs, c.arp)
		if err != nil {
			s.log.Warn("PCC rule not installed", "supi", c.supi, "psi", c.psi, "rule", id, "err", err)
		}
		if !gbr {
			if i >= 0 {
				out = slices.Delete(out, i, i+1)
			}
			continue
		}
		f.rule = id
		if i >= 0 {
			f.qfi, f.qri = out[i].qfi, out[i].qri
			out[i] = f
			continue
		}
		if !assignIDs(f, out) {
			s.log.Warn("PCC rule not installed: no free QFI", "supi", c.supi, "psi", c.psi, "rule", id)
			continue
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *qosFlow) int { return int(a.qfi) - int(b.qfi) })
	return out
}

// errNotifyTarget is a notification for no SM context of this SMF.
var errNotifyTarget = fmt.Errorf("%w: notification URI names no PDU session", ErrNoContext)
