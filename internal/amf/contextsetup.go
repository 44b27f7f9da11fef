package amf

import (
	"go5g/internal/n1"
	"go5g/internal/n2"
)

// initialContextSetup sends INITIAL CONTEXT SETUP REQUEST: the UE's AS
// security (KgNB and its algorithms), the GUAMI, the allowed NSSAI and the
// NAS message (REGISTRATION ACCEPT) for the gNB to deliver once AS security
// is active. It reports whether the request went out. Sessions, if any,
// are PDU sessions to set up with it (Service Request, service.go), each
// with a plain NAS message (or none) protected here after the main one,
// in the order the gNB delivers them.
//
// Spec: TS 38.413 §8.3.1.2; TS 23.502 §4.2.2.2.2 step 21, §4.2.3.2 step 12;
// TS 33.501 §6.8.1.2
func (s *shard) initialContextSetup(u *ue, plain []byte, sessions ...n2.SessionItem) bool {
	key := kgNB(u)
	b, err := s.protect(u, plain, n1.HeaderIntegrityCiphered)
	if err != nil {
		s.a.log.Error("protect NAS", append(u.logAttrs(), "err", err)...)
		s.abortRegistration(u, n2.CauseUnspecifiedNAS)
		return false
	}
	for i := range sessions {
		if sessions[i].NASPDU == nil {
			continue
		}
		if sessions[i].NASPDU, err = s.protect(u, sessions[i].NASPDU, n1.HeaderIntegrityCiphered); err != nil {
			s.a.log.Error("protect NAS", append(u.logAttrs(), "err", err)...)
			s.abortRegistration(u, n2.CauseUnspecifiedNAS)
			return false
		}
	}
	pdu, err := n2.InitialContextSetupRequest{
		AMFUENGAPID:  u.conn.amfID,
		RANUENGAPID:  u.conn.ranID,
		GUAMI:        s.a.cfg.guami(),
		AllowedNSSAI: u.sub.allowed,
		SecurityCaps: u.sec.caps.ngap(),
		SecurityKey:  key,
		NASPDU:       b,
		Sessions:     sessions,
		UEAMBRUplink: orMax(u.sub.ambrUL),
		UEAMBRDL:     orMax(u.sub.ambrDL),
	}.Marshal()
	clear(key[:])
	if err != nil {
		s.a.log.Error("build INITIAL CONTEXT SETUP REQUEST", append(u.logAttrs(), "err", err)...)
		s.abortRegistration(u, n2.CauseUnspecifiedNAS)
		return false
	}
	s.sendNGAP(u, pdu)
	return true
}

// onInitialContextSetupOutcome records the gNB's answer. On failure the UE
// has no AS context and never got the NAS message: the registration is
// aborted and the connection released.
//
// Spec: TS 38.413 §8.3.1.2, §8.3.1.3
func (s *shard) onInitialContextSetupOutcome(u *ue, pdu n2.PDU) {
	switch pdu.Type {
	case n2.SuccessfulOutcome:
		r, err := n2.ParseInitialContextSetupResponse(pdu)
		if err != nil {
			s.ueErrorIndication(u, semanticCause(err))
			return
		}
		u.conn.contextSetUp = true
		s.contextSetUpTimed(u)
		s.onContextSessions(u, r) // service.go
	case n2.UnsuccessfulOutcome:
		f, err := n2.ParseInitialContextSetupFailure(pdu)
		cause := n2.CauseUnspecifiedRadioNetwork
		if err == nil {
			cause = f.Cause
		}
		s.a.log.Info("INITIAL CONTEXT SETUP FAILURE", append(u.logAttrs(), "cause", cause.String())...)
		s.abortRegistration(u, cause)
	}
}
