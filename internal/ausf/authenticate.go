package ausf

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/problem"
)

// Authenticate is Nausf_UEAuthentication Authenticate: for a SUPI or SUCI
// and a serving network name it fetches a vector from the UDM and starts
// the subscriber's method. For 5G-AKA it keeps XRES* and KSEAF and returns
// the 5G SE AV (RAND, AUTN, HXRES*); for EAP-AKA' it returns the
// EAP-Request/AKA'-Challenge. Either way Links names the new context.
// ResynchronizationInfo (RAND and AUTS from a UE's synchronisation failure)
// is passed to the UDM, which re-synchronises before making the vector.
//
// Spec: TS 29.509 §5.2.2.2.2, §5.2.2.2.3; TS 33.501 §6.1.2, §6.1.3.1 steps
// 3-5, §6.1.3.2.0 steps 3-5, §6.1.3.3.2
func (a *AUSF) Authenticate(ctx context.Context, req models.Ausf_UEAU_AuthenticationInfo) (models.Ausf_UEAU_UEAuthenticationCtx, error) {
	var out models.Ausf_UEAU_UEAuthenticationCtx
	if req.SupiOrSuci == "" {
		return out, problem.New(problem.MandatoryIEMissing, "supiOrSuci is missing")
	}
	if err := a.checkServingNetwork(req.ServingNetworkName); err != nil {
		return out, err
	}
	res, err := a.udm.GenerateAuthData(ctx, req.SupiOrSuci, models.Udm_UEAU_AuthenticationInfoRequest{
		ServingNetworkName:    req.ServingNetworkName,
		ResynchronizationInfo: req.ResynchronizationInfo,
		AusfInstanceId:        a.instanceID,
	})
	if err != nil {
		return out, concealed(err, req.SupiOrSuci)
	}
	av := res.AuthenticationVector
	if av == nil || res.Supi == "" {
		return out, problem.New(problem.SystemFailure, "the UDM returned no vector or no SUPI")
	}
	id, err := a.newID()
	if err != nil {
		return out, err
	}
	c := &authCtx{id: id, supi: res.Supi, snn: req.ServingNetworkName}
	switch res.AuthType {
	case models.Udm_UEAU_AuthType_5_G_AKA:
		out, err = a.start5GAKA(c, av)
	case models.Udm_UEAU_AuthType_EAP_AKA_PRIME:
		out, err = a.startEAPAKAPrime(c, av)
	default:
		return out, problem.Newf(problem.AuthenticationRejected, "authentication type %q is not supported", res.AuthType)
	}
	if err != nil {
		return out, err
	}
	if err := a.contexts.put(c); err != nil {
		return models.Ausf_UEAU_UEAuthenticationCtx{}, err
	}
	out.ServingNetworkName = req.ServingNetworkName
	return out, nil
}

// concealed turns a UDM error into the answer for the SEAF. When the SEAF
// knows the UE only by its SUCI, the detail (which may name the SUPI) is
// replaced: the serving network learns the SUPI only from a successful
// authentication.
//
// Spec: TS 33.501 §6.1.3.2.0 step 12, §6.1.3.1 step 9; TS 23.502
// §4.2.2.2.2 step 9a
func concealed(err error, supiOrSuci string) error {
	p := problem.As(err)
	if !strings.HasPrefix(supiOrSuci, "suci-") {
		return p
	}
	return &problem.Error{Status: p.Status, Cause: p.Cause, Title: p.Title, Detail: "no authentication data for " + supiOrSuci}
}

// start5GAKA keeps XRES* and KSEAF and answers with the 5G SE AV.
//
// Spec: TS 33.501 §6.1.3.2.0 steps 3-5, §A.5, §A.6
func (a *AUSF) start5GAKA(c *authCtx, av *models.Udm_UEAU_AuthenticationVector) (models.Ausf_UEAU_UEAuthenticationCtx, error) {
	rand, err1 := decodeHex(av.Rand, 16)
	_, err2 := decodeHex(av.Autn, 16)
	xresStar, err3 := decodeHex(av.XresStar, 16)
	kausf, err4 := decodeHex(av.Kausf, 32)
	if err := firstErr(err1, err2, err3, err4); err != nil {
		return models.Ausf_UEAU_UEAuthenticationCtx{}, problem.Newf(problem.SystemFailure, "5G HE AV from the UDM: %v", err)
	}
	c.xresStar = xresStar
	c.kseaf = aka.KSEAF(kausf, c.snn)
	return models.Ausf_UEAU_UEAuthenticationCtx{
		AuthType: models.Ausf_UEAU_AuthType_5_G_AKA,
		Var5gAuthData: models.Ausf_UEAU_Av5gAka{
			Rand:      av.Rand,
			Autn:      av.Autn,
			HxresStar: hex.EncodeToString(aka.HRESStar(rand, xresStar)),
		},
		Links: a.links(rel5GAKA, c.id, path5GAKA),
	}, nil
}

func decodeHex(s string, n int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("want %d octets of hex, got %d characters", n, len(s))
	}
	return b, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
