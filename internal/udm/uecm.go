package udm

import (
	"context"

	"github.com/free5gc/openapi/models"

	"go5g/internal/problem"
)

// RegisterAMF is Nudm_UECM Registration of the AMF serving supi over 3GPP
// access. AmfInstanceId, Guami and RatType are required. deregCallbackUri,
// mandatory over SBI, is not: in process the Notifier of Deps replaces it.
// A registration replacing another AMF's is notified to that AMF with the
// reason the new registration implies.
//
// Spec: TS 29.503 §5.3.2.2.2; TS 23.502 §4.2.2.2.2 steps 14a-14c
func (u *UDM) RegisterAMF(ctx context.Context, supi string, reg models.Udm_UECM_Amf3GppAccessRegistration) error {
	switch {
	case reg.AmfInstanceId == "":
		return problem.New(problem.MandatoryIEMissing, "amfInstanceId is missing")
	case reg.Guami == nil:
		return problem.New(problem.MandatoryIEMissing, "guami is missing")
	case reg.RatType == "":
		return problem.New(problem.MandatoryIEMissing, "ratType is missing")
	}
	reg.Supi = supi
	old, replaced, err := u.udr.CreateAmfContext3gpp(ctx, supi, reg)
	if err != nil {
		return err
	}
	if replaced && old.AmfInstanceId != reg.AmfInstanceId && u.notifier != nil {
		reason := models.Udm_UECM_DeregistrationReason_UE_REGISTRATION_AREA_CHANGE
		if reg.InitialRegistrationInd {
			reason = models.Udm_UECM_DeregistrationReason_UE_INITIAL_REGISTRATION
		}
		u.notifier.DeregistrationNotify(ctx, old.AmfInstanceId, supi, models.Udm_UECM_DeregistrationData{
			DeregReason: reason,
			AccessType:  models.AccessType_3_GPP_ACCESS,
		})
	}
	return nil
}

// DeregisterAMF is Nudm_UECM Deregistration of the AMF for 3GPP access: the
// AMF has purged the UE's context and says so with purgeFlag and its
// GUAMI. A GUAMI other than the registered one (another AMF has taken the
// UE over) gets 403 INVALID_GUAMI and changes nothing.
//
// Spec: TS 29.503 §5.3.2.4.2
func (u *UDM) DeregisterAMF(ctx context.Context, supi string, mod models.Udm_UECM_Amf3GppAccessRegistrationModification) error {
	if !mod.PurgeFlag {
		return problem.New(problem.MandatoryIEIncorrect, "purgeFlag must be true to deregister")
	}
	if mod.Guami == nil {
		return problem.New(problem.MandatoryIEMissing, "guami is missing")
	}
	return u.udr.DeleteAmfContext3gpp(ctx, supi, *mod.Guami)
}

// GetAMFRegistration is Nudm_UECM Get of the AMF registration for 3GPP
// access of supi, or 404 CONTEXT_NOT_FOUND.
//
// Spec: TS 29.503 §5.3.2.5
func (u *UDM) GetAMFRegistration(ctx context.Context, supi string) (models.Udm_UECM_Amf3GppAccessRegistration, error) {
	return u.udr.QueryAmfContext3gpp(ctx, supi)
}
