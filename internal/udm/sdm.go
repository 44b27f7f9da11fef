package udm

import (
	"context"

	"github.com/free5gc/openapi/models"

	"go5g/internal/problem"
)

// GetAmData is Nudm_SDM Get of the access and mobility subscription data:
// subscribed S-NSSAIs, DNNs and UE-AMBR.
//
// Spec: TS 29.503 §5.2.2.2.3
func (u *UDM) GetAmData(ctx context.Context, supi string) (models.Udm_SDM_AccessAndMobilitySubscriptionData, error) {
	return u.udr.QueryAmData(ctx, supi)
}

// GetNssai is Nudm_SDM Get of the slice selection subscription data: the
// subscribed S-NSSAIs, the default ones in DefaultSingleNssais.
//
// Spec: TS 29.503 §5.2.2.2.2
func (u *UDM) GetNssai(ctx context.Context, supi string) (models.Udm_SDM_Nssai, error) {
	am, err := u.udr.QueryAmData(ctx, supi)
	if err != nil {
		return models.Udm_SDM_Nssai{}, err
	}
	if am.Nssai == nil {
		return models.Udm_SDM_Nssai{}, problem.Newf(problem.DataNotFound, "no subscribed NSSAI for %s", supi)
	}
	return *am.Nssai, nil
}

// GetSmfSelectData is Nudm_SDM Get of the SMF selection subscription data:
// the DNNs subscribed per S-NSSAI, with the default DNN marked.
//
// Spec: TS 29.503 §5.2.2.2.4
func (u *UDM) GetSmfSelectData(ctx context.Context, supi string) (models.Udm_SDM_SmfSelectionSubscriptionData, error) {
	return u.udr.QuerySmfSelectData(ctx, supi)
}
