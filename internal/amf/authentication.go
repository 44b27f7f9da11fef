package amf

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go5g/internal/n1"
	"strings"

	"github.com/free5gc/nas/nasMessage"
	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/n2"
	"go5g/internal/problem"
)

// abba is the ABBA parameter: 0x0000, no features defined (TS 33.501 §A.7.1).
func abba() []byte { return []byte{0x00, 0x00} }

// startAuthentication asks the AUSF to authenticate the UE named by a SUCI
// or SUPI (Nausf_UEAuthentication_Authenticate); resync carries RAND and
// AUTS after a synchronisation failure.
//
// A UE starts authentication only with a place in the home network part
// of registrations (admit); without one it is turned away with #22.
//
// Spec: TS 33.501 §6.1.2, §6.1.3.3.2; TS 24.501 §5.4.1.1, §5.3.9, §5.5.1.2.5
func (s *shard) startAuthentication(u *ue, supiOrSuci string, resync *models.Udm_UEAU_ResynchronizationInfo) {
	u.proc = procAuthVector
	if !s.admit(u) {
		s.congestionReject(u, fmt.Errorf("%w: %d UEs in authentication", errCongested, s.a.overload.auth.max))
		return
	}
	info := models.Ausf_UEAU_AuthenticationInfo{SupiOrSuci: supiOrSuci, ServingNetworkName: s.a.snn,
		ResynchronizationInfo: resync}
	s.call(u, procAuthVector, s.a.cfg.SBITimeout, func(ctx context.Context) (any, error) {
		return s.a.deps.AUSF.Authenticate(ctx, info)
	})
}

// onAuthVector sends the challenge the AUSF returned in AUTHENTICATION
// REQUEST: RAND and AUTN for 5G-AKA, the EAP-Request for EAP-AKA'. An
// identity the home network does not accept is rejected with #3.
//
// A call that failed from overload gets #22 with T3346 (congestionReject);
// any other failure keeps causeForAuthError's cause (#111 for a fault).
//
// Spec: TS 24.501 §5.4.1.3.2, §5.4.1.2.2.1, Annex A (#3 "Illegal UE"),
// §5.3.9; TS 33.501 §6.1.3.2.0 steps 5-6
func (s *shard) onAuthVector(u *ue, res any, err error) {
	if overloaded(err) {
		s.congestionReject(u, err)
		return
	}
	if err != nil {
		s.a.log.Info("authentication refused by the home network", append(u.logAttrs(), "err", err)...)
		s.rejectRegistration(u, causeForAuthError(err))
		return
	}
	ac := res.(models.Ausf_UEAU_UEAuthenticationCtx)
	id, err := authContextID(ac.Links)
	if err != nil {
		s.a.log.Error("AUSF answer", append(u.logAttrs(), "err", err)...)
		s.rejectRegistration(u, n1.CauseProtocolErrorUnspecified)
		return
	}
	resyncs := u.sec.auth.resyncs
	u.sec.auth = authState{ctxID: id, resyncs: resyncs}
	u.sec.ngKSI = s.nextNgKSI(u)
	var msg []byte
	switch ac.AuthType {
	case models.Ausf_UEAU_AuthType_5_G_AKA:
		av, err := av5GAKA(ac.Var5gAuthData)
		if err != nil {
			s.a.log.Error("AUSF 5G SE AV", append(u.logAttrs(), "err", err)...)
			s.rejectRegistration(u, n1.CauseProtocolErrorUnspecified)
			return
		}
		u.sec.auth.rand, u.sec.auth.autn, u.sec.auth.hxresStar = av.rand, av.autn, av.hxresStar
		msg = authenticationRequest(u.sec.ngKSI, abba(), av.rand, av.autn, nil)
	case models.Ausf_UEAU_AuthType_EAP_AKA_PRIME:
		eap, err := eapPayload(ac.Var5gAuthData)
		if err != nil {
			s.a.log.Error("AUSF EAP-Request", append(u.logAttrs(), "err", err)...)
			s.rejectRegistration(u, n1.CauseProtocolErrorUnspecified)
			return
		}
		u.sec.auth.eap = true
		msg = authenticationRequest(u.sec.ngKSI, abba(), nil, nil, eap)
	default:
		s.rejectRegistration(u, n1.CauseIllegalUE)
		return
	}
	u.proc = procAuthResponse
	s.sendNAS(u, msg)
	s.startTimer(u, t3560, msg, false)
}

// nextNgKSI picks the key set identifier of the new native security
// context: one the UE does not hold (TS 24.501 §4.4.2, §5.4.1.3.2).
func (s *shard) nextNgKSI(u *ue) uint8 {
	k := (u.sec.ngKSI + 1) % 7
	if u.regReq != nil && k == u.regReq.ngKSI&0x07 {
		k = (k + 1) % 7
	}
	return k
}

// causeForAuthError maps a Nausf_UEAuthentication error to the 5GMM cause:
// an identity the home network cannot resolve or does not accept is "Illegal
// UE" (Annex A: "an identity of the UE is not acceptable to the network").
// Overload (NF_CONGESTION, timeouts) never gets here: see overloaded.
//
// Spec: TS 24.501 Annex A, §5.5.1.2.5; TS 29.509 §6.1.7.3
func causeForAuthError(err error) uint8 {
	switch problem.As(err).Cause {
	case problem.UserNotFound, problem.InvalidSchemeOutput, problem.InvalidHNPublicKeyIdentifier,
		problem.UnsupportedProtectionScheme, problem.MandatoryIEIncorrect, problem.AuthenticationRejected:
		return n1.CauseIllegalUE
	case problem.ServingNetworkNotAuthorized:
		return n1.CausePLMNNotAllowed
	}
	return n1.CauseProtocolErrorUnspecified
}

// authContextID is the {authCtxId} of the 5g-aka or eap-session link.
// Spec: TS 29.509 §6.1.3.2 (resource URI .../ue-authentications/{authCtxId})
func authContextID(links map[string][]models.Link) (string, error) {
	for _, rel := range []string{"5g-aka", "eap-session"} {
		for _, l := range links[rel] {
			_, rest, ok := strings.Cut(l.Href, "/ue-authentications/")
			if !ok {
				continue
			}
			if id, _, _ := strings.Cut(rest, "/"); id != "" {
				return id, nil
			}
		}
	}
	return "", errors.New("no authentication context link")
}

type av struct{ rand, autn, hxresStar []byte }

// av5GAKA reads the 5G SE AV, whatever Go type carried it (the in-process
// AUSF returns the struct; a JSON decoder returns a map).
func av5GAKA(v any) (av, error) {
	var x models.Ausf_UEAU_Av5gAka
	switch t := v.(type) {
	case models.Ausf_UEAU_Av5gAka:
		x = t
	case *models.Ausf_UEAU_Av5gAka:
		if t == nil {
			return av{}, errors.New("no 5G SE AV")
		}
		x = *t
	default:
		b, err := json.Marshal(v)
		if err != nil || json.Unmarshal(b, &x) != nil {
			return av{}, fmt.Errorf("5G SE AV of type %T", v)
		}
	}
	r, err1 := hex.DecodeString(x.Rand)
	a, err2 := hex.DecodeString(x.Autn)
	h, err3 := hex.DecodeString(x.HxresStar)
	if errors.Join(err1, err2, err3) != nil || len(r) != 16 || len(a) != 16 || len(h) != 16 {
		return av{}, errors.New("5G SE AV: RAND, AUTN and HXRES* must be 16 octets of hex")
	}
	return av{rand: r, autn: a, hxresStar: h}, nil
}

// eapPayload decodes a base64 EAP packet (TS 29.509 EapPayload).
func eapPayload(v any) ([]byte, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("EAP payload of type %T", v)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) < 4 || len(b) > 1500 {
		return nil, errors.New("EAP payload is not a base64 EAP packet")
	}
	return b, nil
}

// onAuthenticationResponse checks the UE's answer. For 5G-AKA the SEAF
// compares HRES* with HXRES* before asking the AUSF to confirm; for
// EAP-AKA' it relays the EAP-Response to the AUSF.
//
// Spec: TS 24.501 §5.4.1.3.4, §5.4.1.2.2.1; TS 33.501 §6.1.3.2.0 steps 9-10
func (s *shard) onAuthenticationResponse(u *ue, m *nasMessage.AuthenticationResponse) {
	if u.proc != procAuthResponse || m == nil {
		s.sendNAS(u, status(n1.CauseMessageNotCompatible))
		return
	}
	u.timer.stop()
	id := u.sec.auth.ctxID
	if u.sec.auth.eap {
		if m.EAPMessage == nil || len(m.EAPMessage.Buffer) == 0 {
			s.authenticationReject(u, nil)
			return
		}
		sess := models.Ausf_UEAU_EapSession{EapPayload: base64.StdEncoding.EncodeToString(m.EAPMessage.Buffer)}
		u.proc = procAuthConfirm
		s.call(u, procAuthConfirm, s.a.cfg.SBITimeout, func(ctx context.Context) (any, error) {
			return s.a.deps.AUSF.EAPSession(ctx, id, sess)
		})
		return
	}
	p := m.AuthenticationResponseParameter
	if p == nil || p.Len != 16 {
		s.authenticationReject(u, nil)
		return
	}
	resStar := p.Octet[:]
	// Spec: TS 33.501 §6.1.3.2.0 step 10: "The SEAF shall then compute
	// HRES* from RES* ... and compare HRES* and HXRES*. If they coincide,
	// the SEAF shall consider the authentication successful from the
	// serving network point of view. If not, the SEAF proceeds as
	// described in clause 6.1.3.2.2" (for a SUCI: reject).
	if subtle.ConstantTimeCompare(aka.HRESStar(u.sec.auth.rand, resStar), u.sec.auth.hxresStar) != 1 {
		s.a.log.Info("RES* does not match", u.logAttrs()...)
		s.authenticationReject(u, nil)
		return
	}
	conf := models.Ausf_UEAU_ConfirmationData{ResStar: ptr(hex.EncodeToString(resStar))}
	u.proc = procAuthConfirm
	s.call(u, procAuthConfirm, s.a.cfg.SBITimeout, func(ctx context.Context) (any, error) {
		return s.a.deps.AUSF.Confirm5GAKA(ctx, id, conf)
	})
}

func ptr[T any](v T) *T { return &v }

// onAuthResult handles the AUSF's verdict: on success the SEAF derives KAMF
// from KSEAF and starts the security mode control procedure.
//
// A confirmation that failed from overload says nothing about the UE: the
// registration is turned away with #22 (congestionReject), not with
// AUTHENTICATION REJECT, which would make the UE treat its USIM as invalid.
//
// Spec: TS 33.501 §6.1.3.2.0 step 12, §6.1.3.1 steps 9-10, §A.7;
// TS 24.501 §5.3.9
func (s *shard) onAuthResult(u *ue, res any, err error) {
	if overloaded(err) {
		s.congestionReject(u, err)
		return
	}
	if err != nil {
		s.a.log.Warn("authentication confirmation", append(u.logAttrs(), "err", err)...)
		s.authenticationReject(u, nil)
		return
	}
	var result models.Ausf_UEAU_AuthResult
	var supi, kseafHex string
	var eap []byte
	switch r := res.(type) {
	case models.Ausf_UEAU_ConfirmationDataResponse:
		result, supi, kseafHex = r.AuthResult, r.Supi, r.Kseaf
	case models.Ausf_UEAU_EapSession:
		result, supi, kseafHex = r.AuthResult, r.Supi, r.KSeaf
		if r.EapPayload != "" {
			if eap, err = base64.StdEncoding.DecodeString(r.EapPayload); err != nil {
				eap = nil
			}
		}
		if result == models.Ausf_UEAU_AuthResult_ONGOING || (result == "" && eap != nil) {
			// Another round (after an AKA'-Synchronization-Failure).
			u.sec.ngKSI = s.nextNgKSI(u)
			msg := authenticationRequest(u.sec.ngKSI, abba(), nil, nil, eap)
			if id, err := authContextID(r.Links); err == nil {
				u.sec.auth.ctxID = id
			}
			u.proc = procAuthResponse
			s.sendNAS(u, msg)
			s.startTimer(u, t3560, msg, false)
			return
		}
	}
	if result != models.Ausf_UEAU_AuthResult_SUCCESS {
		s.authenticationReject(u, eap)
		return
	}
	kseaf, err := hex.DecodeString(kseafHex)
	if err == nil && len(kseaf) != 32 {
		err = errors.New("KSEAF is not 32 octets")
	}
	var kamf []byte
	if err == nil {
		kamf, err = aka.KAMF(kseaf, supi, abba())
	}
	if err != nil {
		s.a.log.Error("AUSF confirmation", append(u.logAttrs(), "err", err)...)
		s.authenticationReject(u, nil)
		return
	}
	s.a.stats.auths[b2i(u.sec.auth.eap)][1].Add(1)
	s.claimSUPI(u, supi)
	u.sec.kamf = kamf
	s.startSecurityMode(u, eap)
}

// onAuthenticationFailure handles the UE's refusal of a challenge.
//
// Spec: TS 24.501 §5.4.1.3.7 (c) MAC failure, (d) non-5G authentication
// unacceptable, (f) synch failure; TS 33.501 §6.1.3.3.2
func (s *shard) onAuthenticationFailure(u *ue, m *nasMessage.AuthenticationFailure) {
	if u.proc != procAuthResponse || m == nil {
		s.sendNAS(u, status(n1.CauseMessageNotCompatible))
		return
	}
	u.timer.stop()
	cause := m.Cause5GMM.GetCauseValue()
	s.a.log.Info("AUTHENTICATION FAILURE from UE", append(u.logAttrs(), "cause", cause)...)
	switch cause {
	case n1.CauseSynchFailure:
		p := m.AuthenticationFailureParameter
		if p == nil || p.Len != 14 || u.sec.auth.resyncs >= 1 || u.sec.auth.eap {
			// A second synch failure in a row: the network may give up.
			s.authenticationReject(u, nil)
			return
		}
		u.sec.auth.resyncs++
		rs := &models.Udm_UEAU_ResynchronizationInfo{
			Rand: hex.EncodeToString(u.sec.auth.rand),
			Auts: hex.EncodeToString(p.Octet[:]),
		}
		id := u.sub.suci
		if id == "" {
			id = u.sub.supi
		}
		s.startAuthentication(u, id, rs)
	case n1.CauseMACFailure, n1.CauseNon5GAuthUnacceptable:
		// (c), (d): for a UE identified by 5G-GUTI the network may first
		// re-identify it; a UE that sent its SUCI is already identified, so
		// authentication has failed.
		if u.regReq != nil && u.regReq.guti != nil && u.sub.suci == "" {
			s.startIdentification(u)
			return
		}
		s.authenticationReject(u, nil)
	default:
		s.abortRegistration(u, n2.CauseAuthenticationFailure)
	}
}

// authenticationReject ends a failed authentication: AUTHENTICATION REJECT
// (with EAP-Failure for EAP-AKA'), then release; no context is kept.
//
// Spec: TS 24.501 §5.4.1.3.5, §5.4.1.2.2.5
func (s *shard) authenticationReject(u *ue, eap []byte) {
	s.a.stats.authRejects.Add(1)
	s.a.stats.auths[b2i(u.sec.auth.eap)][0].Add(1)
	s.a.log.Info("authentication rejected", u.logAttrs()...)
	s.sendNAS(u, authenticationReject(eap))
	s.discard(u, n2.CauseAuthenticationFailure)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
