package core

import (
	"context"

	"github.com/free5gc/openapi/models"

	"go5g/internal/pcf"
)

// The rest of Npcf_SMPolicyControl between the SMF and the PCF
// (smf.PCFAssociations): Create with the association id, and Delete when
// the session ends; the PCF's notifications go to the SMF (SetNotifier in
// startSessions).
//
// Spec: TS 29.512 §4.2.2, §4.2.3, §4.2.5

func (a pcfAdapter) CreateSMPolicyAssociation(ctx context.Context, data models.Pcf_SMPolCtrl_SmPolicyContextData) (string, models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	return a.p.CreateSMPolicy(ctx, data)
}

func (a pcfAdapter) DeleteSMPolicy(ctx context.Context, smPolicyID string) error {
	return a.p.DeleteSMPolicy(ctx, smPolicyID, models.Pcf_SMPolCtrl_SmPolicyDeleteData{})
}

// PCF is the running core's PCF (its policies can be replaced at runtime
// with SetPolicies).
func (c *Core) PCF() *pcf.PCF { return c.sessions.pcf }
