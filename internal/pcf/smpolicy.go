package pcf

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/free5gc/openapi/models"

	"go5g/internal/dnname"
	"go5g/internal/problem"
)

// Application error causes of Npcf_SMPolicyControl this package answers
// with, besides the TS 29.500 ones of package problem.
//
// Spec: TS 29.512 §5.7.3 (Table 5.7.3-1)
const (
	// ErrorInitialParameters (400): the PCF cannot decide a policy
	// because information in the request is missing or erroneous (here:
	// the subscribed session AMBR or default QoS).
	ErrorInitialParameters = "ERROR_INITIAL_PARAMETERS"
	// ErrorTriggerEvent (400): the information an update reports with a
	// met trigger is incoherent: missing or erroneous.
	ErrorTriggerEvent = "ERROR_TRIGGER_EVENT"
)

// SessionRuleID is the id of the one session rule of every decision.
const SessionRuleID = "sessrule-1"

// association is the state of one SM policy association: what an update
// re-decides with. The policy matched at creation stays: none of its
// conditions can change during the session.
type association struct {
	ctx    models.Pcf_SMPolCtrl_SmPolicyContextData // only subsSessAmbr and subsDefQos, owned copies
	policy *Policy                                  // the matching policy, nil for none
	// req is what the policy is matched on again when the policies are
	// replaced (notify.go), dec the whole decision last given.
	req models.Pcf_SMPolCtrl_SmPolicyContextData
	dec models.Pcf_SMPolCtrl_SmPolicyDecision
}

// subscribed is the part of a context an association keeps, copied so that
// the caller's later changes cannot reach it.
func subscribed(ambr *models.Ambr, qos *models.SubscribedDefaultQos) models.Pcf_SMPolCtrl_SmPolicyContextData {
	var c models.Pcf_SMPolCtrl_SmPolicyContextData
	if ambr != nil {
		a := *ambr
		c.SubsSessAmbr = &a
	}
	if qos != nil {
		q := *qos
		if q.Arp != nil {
			arp := *q.Arp
			q.Arp = &arp
		}
		c.SubsDefQos = &q
	}
	return c
}

func fail(status int, cause, format string, a ...any) *problem.Error {
	return &problem.Error{Status: status, Cause: cause, Title: http.StatusText(status), Detail: fmt.Sprintf(format, a...)}
}

// PolicyID is the smPolicyId of the association of a SUPI's PDU session:
// the PCF keeps one association per (SUPI, PDU session id).
func PolicyID(supi string, pduSessionID int32) string {
	return supi + "-" + strconv.Itoa(int(pduSessionID))
}

// CreateSMPolicy is Npcf_SMPolicyControl_Create: it decides the policy of
// a new PDU session and keeps the association, identified by the returned
// smPolicyId (see PolicyID). A Create for a (SUPI, PDU session id) that
// already has an association replaces it: there is one association per
// PDU session, and an SMF that creates it again has lost the old one.
//
// The decision has one session rule (SessionRuleID) with the authorized
// session AMBR and default QoS: the subscribed values of the request,
// replaced by those of the first matching policy; and the policy's PCC
// rules, each with a QoS data decision ("qos-<rule id>"). It arms no
// policy control request trigger. Required: supi, pduSessionId 1-15, dnn,
// sliceInfo. The subscribed session AMBR and default QoS (5QI, ARP) are
// required unless the matching policy replaces them.
//
// Spec: TS 29.512 §4.2.2.1, §4.2.2.2; TS 23.501 §5.7.2.7 (default QoS)
func (p *PCF) CreateSMPolicy(ctx context.Context, req models.Pcf_SMPolCtrl_SmPolicyContextData) (string, models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	var none models.Pcf_SMPolCtrl_SmPolicyDecision
	if err := checkContext(req); err != nil {
		return "", none, err
	}
	id := PolicyID(req.Supi, req.PduSessionId)
	// Matched under the lock so that SetPolicies sees every association
	// decided with the policies it replaces.
	p.mu.Lock()
	defer p.mu.Unlock()
	pol := p.match(req)
	dec, err := decide(req, pol)
	if err != nil {
		return "", none, err
	}
	if _, ok := p.assocs[id]; !ok && len(p.assocs) >= p.max {
		return "", none, problem.Newf(problem.NFCongestion, "%d SM policy associations", len(p.assocs))
	}
	p.assocs[id] = &association{ctx: subscribed(req.SubsSessAmbr, req.SubsDefQos), policy: pol,
		req: matchedOn(req), dec: dec}
	return id, dec, nil
}

// UpdateSMPolicy is Npcf_SMPolicyControl_Update: the SMF reports policy
// control request triggers that were met. SE_AMBR_CH and DEF_QOS_CH,
// which the SMF always reports (no PCF subscription), are handled:
//   - SE_AMBR_CH with subsSessAmbr: the new subscribed session AMBR;
//   - DEF_QOS_CH with subsDefQos: the new subscribed default QoS.
//
// The answer is the changed part of the decision: the session rule
// re-decided with the new subscribed values (a matching policy's
// replacements still win), or an empty decision when neither trigger was
// reported. Other triggers are accepted and change nothing. SE_AMBR_CH or
// DEF_QOS_CH without its value, or with an invalid one, is 400
// ERROR_TRIGGER_EVENT; an unknown smPolicyId is 404 CONTEXT_NOT_FOUND. A
// rejected update leaves the association unchanged.
//
// Spec: TS 29.512 §4.2.4.1; §5.6.3.6 (PolicyControlRequestTrigger);
// §5.7.3 (ERROR_TRIGGER_EVENT: session information incoherent with the
// trigger met)
func (p *PCF) UpdateSMPolicy(ctx context.Context, smPolicyID string, upd models.Pcf_SMPolCtrl_SmPolicyUpdateContextData) (models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	var none models.Pcf_SMPolCtrl_SmPolicyDecision
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.assocs[smPolicyID]
	if !ok {
		return none, problem.Newf(problem.ContextNotFound, "no SM policy association %s", smPolicyID)
	}
	next, changed := a.ctx, false
	for _, t := range upd.RepPolicyCtrlReqTriggers {
		switch t {
		case models.Pcf_SMPolCtrl_PolicyControlRequestTrigger_SE_AMBR_CH:
			if upd.SubsSessAmbr == nil {
				return none, fail(http.StatusBadRequest, ErrorTriggerEvent, "SE_AMBR_CH without subsSessAmbr")
			}
			next.SubsSessAmbr, changed = upd.SubsSessAmbr, true
		case models.Pcf_SMPolCtrl_PolicyControlRequestTrigger_DEF_QOS_CH:
			if upd.SubsDefQos == nil {
				return none, fail(http.StatusBadRequest, ErrorTriggerEvent, "DEF_QOS_CH without subsDefQos")
			}
			next.SubsDefQos, changed = upd.SubsDefQos, true
		}
	}
	if !changed {
		return none, nil
	}
	rule, err := sessionRule(next, a.policy)
	if err != nil {
		if e := problem.As(err); e.Cause == ErrorInitialParameters {
			// The values came with a trigger: erroneous trigger information.
			e.Cause = ErrorTriggerEvent
		}
		return none, err
	}
	a.ctx = subscribed(next.SubsSessAmbr, next.SubsDefQos)
	a.dec.SessRules = map[string]*models.Pcf_SMPolCtrl_SessionRule{SessionRuleID: rule}
	return models.Pcf_SMPolCtrl_SmPolicyDecision{
		SessRules: map[string]*models.Pcf_SMPolCtrl_SessionRule{SessionRuleID: rule},
	}, nil
}

// DeleteSMPolicy is Npcf_SMPolicyControl_Delete: the PDU session is
// released and its association removed. An unknown smPolicyId is 404 CONTEXT_NOT_FOUND.
// The usage reports and release causes of SmPolicyDeleteData are not used.
//
// Spec: TS 29.512 §4.2.5.1, §4.2.5.2
func (p *PCF) DeleteSMPolicy(ctx context.Context, smPolicyID string, del models.Pcf_SMPolCtrl_SmPolicyDeleteData) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.assocs[smPolicyID]; !ok {
		return problem.Newf(problem.ContextNotFound, "no SM policy association %s", smPolicyID)
	}
	delete(p.assocs, smPolicyID)
	return nil
}

// Associations is the number of SM policy associations held.
func (p *PCF) Associations() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.assocs)
}

// checkContext checks the members of SmPolicyContextData the PCF needs.
// notificationUri and pduSessionType, mandatory over SBI, are not needed
// in process.
//
// Spec: TS 29.512 §5.6.2.3 (SmPolicyContextData); TS 24.007 §11.2.3.1b
// (PDU session identity 1-15)
func checkContext(req models.Pcf_SMPolCtrl_SmPolicyContextData) error {
	switch {
	case req.Supi == "":
		return problem.New(problem.MandatoryIEMissing, "supi is missing")
	case req.PduSessionId == 0:
		return problem.New(problem.MandatoryIEMissing, "pduSessionId is missing")
	case req.PduSessionId < 1 || req.PduSessionId > 15:
		return problem.Newf(problem.MandatoryIEIncorrect, "pduSessionId %d: want 1 to 15", req.PduSessionId)
	case req.Dnn == "":
		return problem.New(problem.MandatoryIEMissing, "dnn is missing")
	case req.SliceInfo == nil:
		return problem.New(problem.MandatoryIEMissing, "sliceInfo is missing")
	}
	if err := dnname.Check(req.Dnn); err != nil {
		return problem.Newf(problem.MandatoryIEIncorrect, "dnn: %v", err)
	}
	if err := checkSnssai(*req.SliceInfo); err != nil {
		return problem.Newf(problem.MandatoryIEIncorrect, "sliceInfo: %v", err)
	}
	return nil
}

// match returns the first policy whose conditions all hold, or nil.
// Caller holds p.mu.
func (p *PCF) match(req models.Pcf_SMPolCtrl_SmPolicyContextData) *Policy {
	for i := range p.policies {
		pol := &p.policies[i]
		if pol.DNN != "" && !strings.EqualFold(pol.DNN, req.Dnn) {
			continue
		}
		if pol.SNSSAI != nil && !sameSnssai(*pol.SNSSAI, *req.SliceInfo) {
			continue
		}
		if pol.SUPIs != nil && !pol.SUPIs.contains(req.Supi) {
			continue
		}
		if len(pol.Groups) > 0 && !slices.ContainsFunc(pol.Groups, func(g string) bool {
			return slices.Contains(req.InterGrpIds, g)
		}) {
			continue
		}
		return pol
	}
	return nil
}

// decide builds the decision of a new association.
func decide(req models.Pcf_SMPolCtrl_SmPolicyContextData, pol *Policy) (models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	rule, err := sessionRule(req, pol)
	if err != nil {
		return models.Pcf_SMPolCtrl_SmPolicyDecision{}, err
	}
	dec := models.Pcf_SMPolCtrl_SmPolicyDecision{
		SessRules: map[string]*models.Pcf_SMPolCtrl_SessionRule{SessionRuleID: rule},
	}
	if pol == nil || len(pol.PCCRules) == 0 {
		return dec, nil
	}
	dec.PccRules = make(map[string]*models.Pcf_SMPolCtrl_PccRule, len(pol.PCCRules))
	dec.QosDecs = make(map[string]*models.Pcf_SMPolCtrl_QosData, len(pol.PCCRules))
	for _, r := range pol.PCCRules {
		qosID := "qos-" + r.ID
		dir := r.FlowDirection
		if dir == "" {
			dir = models.Pcf_SMPolCtrl_FlowDirectionRm_BIDIRECTIONAL
		}
		pcc := &models.Pcf_SMPolCtrl_PccRule{PccRuleId: r.ID, Precedence: r.Precedence, RefQosData: []string{qosID}}
		for i, d := range r.FlowDescriptions {
			n, _ := NormalizeFlowDescription(d) // checked by Validate
			pcc.FlowInfos = append(pcc.FlowInfos, models.Pcf_SMPolCtrl_FlowInformation{
				FlowDescription: n,
				PackFiltId:      r.ID + "-" + strconv.Itoa(i+1),
				FlowDirection:   dir,
			})
		}
		arp := r.QoS.ARP
		if arp == nil {
			arp = rule.AuthDefQos.Arp
		}
		q := *arp
		dec.PccRules[r.ID] = pcc
		dec.QosDecs[qosID] = &models.Pcf_SMPolCtrl_QosData{
			QosId:         qosID,
			Var5qi:        r.QoS.FiveQI,
			Arp:           &q,
			PriorityLevel: r.QoS.PriorityLevel,
			MaxbrUl:       r.QoS.MaxBRUL,
			MaxbrDl:       r.QoS.MaxBRDL,
			GbrUl:         r.QoS.GBRUL,
			GbrDl:         r.QoS.GBRDL,
		}
	}
	return dec, nil
}

// sessionRule decides the authorized session AMBR and default QoS: the
// policy's replacements, else the subscribed values, which must then be
// present and valid (400 ERROR_INITIAL_PARAMETERS otherwise).
//
// Spec: TS 29.512 §4.2.2.2 ("due to incomplete, erroneous or missing
// information ... ERROR_INITIAL_PARAMETERS"), §5.6.2.7 (SessionRule)
func sessionRule(req models.Pcf_SMPolCtrl_SmPolicyContextData, pol *Policy) (*models.Pcf_SMPolCtrl_SessionRule, error) {
	if pol == nil {
		pol = &Policy{}
	}
	bad := func(format string, a ...any) error {
		return fail(http.StatusBadRequest, ErrorInitialParameters, format, a...)
	}
	ambr := pol.SessionAMBR
	if ambr == nil {
		if err := checkAMBR(req.SubsSessAmbr); err != nil {
			return nil, bad("subsSessAmbr: %v", err)
		}
		ambr = req.SubsSessAmbr
	}
	sub := req.SubsDefQos
	if sub == nil {
		sub = &models.SubscribedDefaultQos{}
	}
	qos := &models.Pcf_SMPolCtrl_AuthorizedDefaultQos{Var5qi: pol.Default5QI, PriorityLevel: pol.DefaultPriorityLevel}
	if qos.Var5qi == 0 {
		if req.SubsDefQos == nil {
			return nil, bad("subsDefQos is missing")
		}
		if err := checkDefault5QI(sub.Var5qi); err != nil {
			return nil, bad("subsDefQos.5qi: %v", err)
		}
		qos.Var5qi = sub.Var5qi
	}
	arp := pol.DefaultARP
	if arp == nil {
		if err := checkARP(sub.Arp); err != nil {
			return nil, bad("subsDefQos.arp: %v", err)
		}
		arp = sub.Arp
	}
	a := *arp
	qos.Arp = &a
	if qos.PriorityLevel == 0 {
		if err := checkPriority(sub.PriorityLevel); err != nil {
			return nil, bad("subsDefQos.priorityLevel: %v", err)
		}
		qos.PriorityLevel = sub.PriorityLevel
	}
	am := *ambr
	return &models.Pcf_SMPolCtrl_SessionRule{SessRuleId: SessionRuleID, AuthSessAmbr: &am, AuthDefQos: qos}, nil
}
