package udm

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/problem"
)

// GenerateAuthData is Nudm_UEAuthentication Get: for a SUPI or SUCI and a
// serving network name it returns one fresh authentication vector for the
// subscriber's method (5G HE AV for 5G-AKA, transformed AV for EAP-AKA')
// and the SUPI. With ResynchronizationInfo it first re-synchronises SQN
// from the UE's AUTS.
//
// Errors: 400 MANDATORY_IE_MISSING / MANDATORY_IE_INCORRECT, 403
// SERVING_NETWORK_NOT_AUTHORIZED, INVALID_HN_PUBLIC_KEY_IDENTIFIER,
// INVALID_SCHEME_OUTPUT, AUTHENTICATION_REJECTED (no 5G-AKA or EAP-AKA'
// subscription), 404 USER_NOT_FOUND, 501 UNSUPPORTED_PROTECTION_SCHEME.
//
// Spec: TS 29.503 §5.4.2.2; TS 33.501 §6.1.2, §6.1.3.1 step 2, §6.1.3.2.0
// step 2, §6.1.3.3.2
func (u *UDM) GenerateAuthData(ctx context.Context, supiOrSuci string, req models.Udm_UEAU_AuthenticationInfoRequest) (models.Udm_UEAU_AuthenticationInfoResult, error) {
	var res models.Udm_UEAU_AuthenticationInfoResult
	snn := req.ServingNetworkName
	if snn == "" {
		return res, problem.New(problem.MandatoryIEMissing, "servingNetworkName is missing")
	}
	// Spec: TS 33.501 §6.1.2: the UDM/ARPF checks that the serving network
	// is one whose SEAFs may authenticate the home network's subscribers.
	if !u.snn[snn] {
		return res, problem.Newf(problem.ServingNetworkNotAuthorized, "serving network %q is not authorized", snn)
	}
	supi, err := u.supiOf(ctx, supiOrSuci)
	if err != nil {
		return res, err
	}
	subs, err := u.udr.QueryAuthSubsData(ctx, supi)
	if err != nil {
		return res, err
	}
	cred, err := credentialsOf(subs)
	if err != nil {
		return res, problem.Newf(problem.SystemFailure, "authentication subscription of %s: %v", supi, err)
	}
	sqn, err := u.sqnFor(ctx, supi, cred, req.ResynchronizationInfo)
	if err != nil {
		return res, err
	}
	rand := make([]byte, 16)
	if _, err := io.ReadFull(u.rand, rand); err != nil {
		return res, problem.Wrap(problem.SystemFailure, fmt.Errorf("RAND: %w", err))
	}
	switch cred.method {
	case models.Udr_DR_AuthMethod_5_G_AKA:
		v, err := aka.GenerateVector(cred.k, cred.opc, cred.amf, sqn, rand, snn)
		if err != nil {
			return res, problem.Wrap(problem.SystemFailure, err)
		}
		res.AuthType = models.Udm_UEAU_AuthType_5_G_AKA
		res.AuthenticationVector = &models.Udm_UEAU_AuthenticationVector{
			AvType:   models.Udm_UEAU_AvType_5_G_HE_AKA,
			Rand:     hex.EncodeToString(v.RAND),
			Autn:     hex.EncodeToString(v.AUTN),
			XresStar: hex.EncodeToString(v.XRESStar),
			Kausf:    hex.EncodeToString(v.KAUSF),
		}
	case models.Udr_DR_AuthMethod_EAP_AKA_PRIME:
		v, err := aka.GenerateEAPVector(cred.k, cred.opc, cred.amf, sqn, rand, snn)
		if err != nil {
			return res, problem.Wrap(problem.SystemFailure, err)
		}
		res.AuthType = models.Udm_UEAU_AuthType_EAP_AKA_PRIME
		res.AuthenticationVector = &models.Udm_UEAU_AuthenticationVector{
			AvType:  models.Udm_UEAU_AvType_EAP_AKA_PRIME,
			Rand:    hex.EncodeToString(v.RAND),
			Autn:    hex.EncodeToString(v.AUTN),
			Xres:    hex.EncodeToString(v.XRES),
			CkPrime: hex.EncodeToString(v.CKPrime),
			IkPrime: hex.EncodeToString(v.IKPrime),
		}
	default:
		// Spec: TS 29.503 §6.3.7.3: AUTHENTICATION_REJECTED when the
		// subscriber cannot be authenticated with a supported method.
		return res, problem.Newf(problem.AuthenticationRejected, "authentication method %q of %s is not supported", cred.method, supi)
	}
	res.Supi = supi
	return res, nil
}

// credentials are the ARPF's inputs from an authentication subscription.
type credentials struct {
	method      models.Udr_DR_AuthMethod
	k, opc, amf []byte
}

// credentialsOf decodes and checks an authentication subscription. Errors
// name the field, never its value.
func credentialsOf(s models.Udr_DR_AuthenticationSubscription) (credentials, error) {
	c := credentials{method: s.AuthenticationMethod}
	var err error
	if c.k, err = hex.DecodeString(s.EncPermanentKey); err != nil || len(c.k) != 16 {
		return c, fmt.Errorf("encPermanentKey is not 16 octets of hex")
	}
	if c.opc, err = hex.DecodeString(s.EncOpcKey); err != nil || len(c.opc) != 16 {
		return c, fmt.Errorf("encOpcKey is not 16 octets of hex")
	}
	if c.amf, err = hex.DecodeString(s.AuthenticationManagementField); err != nil || len(c.amf) != 2 {
		return c, fmt.Errorf("authenticationManagementField is not 2 octets of hex")
	}
	if s.AlgorithmId != "" && s.AlgorithmId != "milenage" {
		return c, fmt.Errorf("algorithmId %q is not milenage", s.AlgorithmId)
	}
	return c, nil
}
