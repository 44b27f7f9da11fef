package ausf

import (
	"context"
	"crypto/subtle"
	"encoding/hex"

	"github.com/free5gc/openapi/models"

	"go5g/internal/problem"
)

// Confirm5GAKA is the 5G-AKA confirmation: the SEAF passes the UE's RES*.
// If the context has not expired and RES* equals XRES*, the answer is
// AUTHENTICATION_SUCCESS with the SUPI and KSEAF; otherwise
// AUTHENTICATION_FAILURE, without them. Either way the context is used up.
// An unknown, used or expired-and-dropped context gets 404
// CONTEXT_NOT_FOUND.
//
// Spec: TS 29.509 §5.2.2.2.2; TS 33.501 §6.1.3.2.0 steps 10-12
func (a *AUSF) Confirm5GAKA(ctx context.Context, authCtxID string, conf models.Ausf_UEAU_ConfirmationData) (models.Ausf_UEAU_ConfirmationDataResponse, error) {
	failed := models.Ausf_UEAU_ConfirmationDataResponse{AuthResult: models.Ausf_UEAU_AuthResult_FAILURE}
	if conf.ResStar == nil {
		return models.Ausf_UEAU_ConfirmationDataResponse{}, problem.New(problem.MandatoryIEMissing, "resStar is missing")
	}
	resStar, err := hex.DecodeString(*conf.ResStar)
	if err != nil {
		return models.Ausf_UEAU_ConfirmationDataResponse{}, problem.New(problem.MandatoryIEIncorrect, "resStar is not hex")
	}
	c, expired, ok := a.contexts.take(authCtxID, false)
	if !ok {
		return models.Ausf_UEAU_ConfirmationDataResponse{}, problem.Newf(problem.ContextNotFound, "no 5G-AKA authentication context %q", authCtxID)
	}
	// Spec: TS 33.501 §6.1.3.2.0 step 11: "the AUSF shall verify whether
	// the AV has expired. If the AV has expired, the AUSF may consider the
	// authentication as unsuccessful from the home network point of view."
	if expired {
		return failed, nil
	}
	if subtle.ConstantTimeCompare(resStar, c.xresStar) != 1 {
		return failed, nil
	}
	return models.Ausf_UEAU_ConfirmationDataResponse{
		AuthResult: models.Ausf_UEAU_AuthResult_SUCCESS,
		Supi:       c.supi,
		Kseaf:      hex.EncodeToString(c.kseaf),
	}, nil
}
