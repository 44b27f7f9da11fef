package ausf

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"io"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/problem"
)

// maxResyncs is how many synchronisation failures one EAP-AKA' exchange
// may recover from; the next one fails the authentication, as an AMF gives
// up after a second synch failure in 5G-AKA (TS 24.501 §5.4.1.3.7).
const maxResyncs = 1

// startEAPAKAPrime derives the EAP-AKA' keys and answers with the
// EAP-Request/AKA'-Challenge.
//
// Spec: TS 33.501 §6.1.3.1 steps 3-5
func (a *AUSF) startEAPAKAPrime(c *authCtx, av *models.Udm_UEAU_AuthenticationVector) (models.Ausf_UEAU_UEAuthenticationCtx, error) {
	var id [1]byte
	if _, err := io.ReadFull(a.rand, id[:]); err != nil {
		return models.Ausf_UEAU_UEAuthenticationCtx{}, problem.Wrap(problem.SystemFailure, err)
	}
	c.eap = true
	req, err := challenge(c, av, id[0])
	if err != nil {
		return models.Ausf_UEAU_UEAuthenticationCtx{}, err
	}
	return models.Ausf_UEAU_UEAuthenticationCtx{
		AuthType:      models.Ausf_UEAU_AuthType_EAP_AKA_PRIME,
		Var5gAuthData: base64.StdEncoding.EncodeToString(req),
		Links:         a.links(relEAPSession, c.id, pathEAP),
	}, nil
}

// challenge builds the EAP-Request/AKA'-Challenge for the transformed vector
// av with EAP Identifier id, and keeps in c what checking the answer takes.
// The keys are derived with the SUPI as Identity and the serving network
// name as AT_KDF_INPUT.
//
// Spec: TS 33.501 §6.1.3.1 step 5, §F.3; RFC 9048 §3, §3.3
func challenge(c *authCtx, av *models.Udm_UEAU_AuthenticationVector, id uint8) ([]byte, error) {
	rand, err1 := decodeHex(av.Rand, 16)
	autn, err2 := decodeHex(av.Autn, 16)
	ckPrime, err3 := decodeHex(av.CkPrime, 16)
	ikPrime, err4 := decodeHex(av.IkPrime, 16)
	xres, err5 := hex.DecodeString(av.Xres)
	if err := firstErr(err1, err2, err3, err4, err5); err != nil || len(xres) < 4 || len(xres) > 16 {
		return nil, problem.New(problem.SystemFailure, "malformed EAP-AKA' vector from the UDM")
	}
	identity, err := aka.SupiKeyInput(c.supi)
	if err != nil {
		return nil, problem.Wrap(problem.SystemFailure, err)
	}
	keys := aka.DeriveEAPKeys(ckPrime, ikPrime, identity)
	req, err := aka.ChallengeRequest(id, rand, autn, c.snn, keys.KAut)
	if err != nil {
		return nil, problem.Wrap(problem.SystemFailure, err)
	}
	c.identifier, c.rand, c.xres, c.keys = id, rand, xres, keys
	return req, nil
}

// EAPSession takes the UE's EAP-Response for an EAP-AKA' context. A valid
// AKA'-Challenge response (AT_MAC verifies, AT_RES equals XRES) gets
// EAP-Success with the SUPI and KSEAF, derived from the EMSK. A
// synchronisation failure (AT_AUTS) gets a fresh challenge after the UDM
// re-synchronises, once. An authentication reject, a client error, a wrong
// identifier, MAC or RES, or an expired context get EAP-Failure. A context
// answered with success or failure is used up.
//
// Spec: TS 29.509 §5.2.2.2.3; TS 33.501 §6.1.3.1 steps 6-9, §6.1.3.3.2;
// RFC 4187 §6.3.1, §9.4-§9.6; RFC 9048 §3
func (a *AUSF) EAPSession(ctx context.Context, authCtxID string, s models.Ausf_UEAU_EapSession) (models.Ausf_UEAU_EapSession, error) {
	raw, err := base64.StdEncoding.DecodeString(s.EapPayload)
	if err != nil || len(raw) == 0 {
		return models.Ausf_UEAU_EapSession{}, problem.New(problem.MandatoryIEIncorrect, "eapPayload is not a base64 EAP packet")
	}
	c, expired, ok := a.contexts.take(authCtxID, true)
	if !ok {
		return models.Ausf_UEAU_EapSession{}, problem.Newf(problem.ContextNotFound, "no EAP authentication context %q", authCtxID)
	}
	p, err := aka.ParseEAP(raw)
	switch {
	case expired, err != nil, p.Code != aka.EAPResponse, p.Identifier != c.identifier, p.Type != aka.EAPTypeAKAPrime:
		return eapFailure(c), nil
	}
	// Spec: RFC 4187 §8.1: an unrecognised non-skippable attribute fails
	// the exchange.
	if _, bad := p.UnknownNonSkippable(); bad {
		return eapFailure(c), nil
	}
	switch p.Subtype {
	case aka.SubtypeChallenge:
		return a.challengeResponse(c, raw, p), nil
	case aka.SubtypeSyncFailure:
		return a.syncFailure(ctx, c, p)
	}
	// AKA'-Authentication-Reject, AKA'-Client-Error or anything else.
	return eapFailure(c), nil
}

// challengeResponse checks AT_MAC and AT_RES of an AKA'-Challenge response.
//
// Spec: RFC 4187 §9.4; RFC 9048 §3.2; TS 33.501 §6.1.3.1 steps 8-9, §A.6
func (a *AUSF) challengeResponse(c *authCtx, raw []byte, p *aka.EAPPacket) models.Ausf_UEAU_EapSession {
	if aka.VerifyEAP(raw, c.keys.KAut) != nil {
		return eapFailure(c)
	}
	// AT_KDF in a response asks for another key derivation function than
	// the only one offered (RFC 9048 §3.2): nothing to agree on.
	if _, ok := p.Attribute(aka.AtKDF); ok {
		return eapFailure(c)
	}
	at, ok := p.Attribute(aka.AtRES)
	if !ok {
		return eapFailure(c)
	}
	res, err := at.RES()
	if err != nil || subtle.ConstantTimeCompare(res, c.xres) != 1 {
		return eapFailure(c)
	}
	kseaf := aka.KSEAF(c.keys.KAUSF(), c.snn)
	return models.Ausf_UEAU_EapSession{
		EapPayload: eapPacket(aka.EAPSuccess, c.identifier),
		AuthResult: models.Ausf_UEAU_AuthResult_SUCCESS,
		Supi:       c.supi,
		KSeaf:      hex.EncodeToString(kseaf),
	}
}

// syncFailure asks the UDM for a vector re-synchronised with the UE's AUTS
// and sends a new challenge.
//
// Spec: TS 33.501 §6.1.3.3.2; RFC 4187 §9.6
func (a *AUSF) syncFailure(ctx context.Context, c *authCtx, p *aka.EAPPacket) (models.Ausf_UEAU_EapSession, error) {
	at, ok := p.Attribute(aka.AtAUTS)
	if !ok || len(at.Value) != 14 || c.resyncs >= maxResyncs {
		return eapFailure(c), nil
	}
	res, err := a.udm.GenerateAuthData(ctx, c.supi, models.Udm_UEAU_AuthenticationInfoRequest{
		ServingNetworkName: c.snn,
		ResynchronizationInfo: &models.Udm_UEAU_ResynchronizationInfo{
			Rand: hex.EncodeToString(c.rand),
			Auts: hex.EncodeToString(at.Value),
		},
		AusfInstanceId: a.instanceID,
	})
	if err != nil {
		return models.Ausf_UEAU_EapSession{}, problem.As(err)
	}
	if res.AuthType != models.Udm_UEAU_AuthType_EAP_AKA_PRIME || res.AuthenticationVector == nil || res.Supi != c.supi {
		return eapFailure(c), nil
	}
	req, err := challenge(c, res.AuthenticationVector, c.identifier+1)
	if err != nil {
		return models.Ausf_UEAU_EapSession{}, err
	}
	c.resyncs++
	if err := a.contexts.put(c); err != nil {
		return models.Ausf_UEAU_EapSession{}, err
	}
	return models.Ausf_UEAU_EapSession{
		EapPayload: base64.StdEncoding.EncodeToString(req),
		AuthResult: models.Ausf_UEAU_AuthResult_ONGOING,
		Links:      a.links(relEAPSession, c.id, pathEAP),
	}, nil
}

// eapFailure ends the exchange with EAP-Failure.
//
// Spec: RFC 3748 §4.2; RFC 4187 §6.3.1
func eapFailure(c *authCtx) models.Ausf_UEAU_EapSession {
	return models.Ausf_UEAU_EapSession{
		EapPayload: eapPacket(aka.EAPFailure, c.identifier),
		AuthResult: models.Ausf_UEAU_AuthResult_FAILURE,
	}
}

// eapPacket encodes an EAP-Success or EAP-Failure; its Identifier is the
// one of the response it answers.
func eapPacket(code, id uint8) string {
	return base64.StdEncoding.EncodeToString([]byte{code, id, 0, 4})
}
