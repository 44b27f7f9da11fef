package amf

import (
	"github.com/free5gc/nas/nasMessage"

	"go5g/internal/aka"
	"go5g/internal/n1"
	"go5g/internal/n2"
)

// startSecurityMode takes the new 5G NAS security context into use: it
// selects the algorithms, derives the NAS keys from KAMF and sends SECURITY
// MODE COMMAND integrity protected with the new context (NAS COUNTs 0),
// asking for the complete initial message (RINMR) since the initial one
// was not integrity protected with it. eap is the EAP-Success of EAP-AKA'.
//
// Spec: TS 24.501 §5.4.2.2, §4.4.6; TS 33.501 §6.7.2, §A.8
func (s *shard) startSecurityMode(u *ue, eap []byte) {
	ia, ea, ok := s.selectAlgorithms(u.sec.caps)
	if !ok {
		s.a.log.Info("no NAS algorithm in common with the UE", u.logAttrs()...)
		s.rejectRegistration(u, n1.CauseSecurityCapsMismatch)
		return
	}
	var kenc, kint n1.Key
	copy(kenc[:], aka.AlgorithmKey(u.sec.kamf, aka.NASEnc, uint8(ea)))
	copy(kint[:], aka.AlgorithmKey(u.sec.kamf, aka.NASInt, uint8(ia)))
	ctx, err := n1.NewSecurityContext(n1.SecurityConfig{Send: n1.Downlink, Access: n1.Access3GPP,
		Cipher: ea, Integrity: ia, KNASenc: kenc, KNASint: kint})
	if err != nil {
		s.a.log.Error("NAS security context", append(u.logAttrs(), "err", err)...)
		s.abortRegistration(u, n2.CauseUnspecifiedNAS)
		return
	}
	u.sec.nas, u.sec.secured = ctx, false
	msg := securityModeCommand(ea, ia, u.sec.ngKSI, u.sec.caps.raw, true, eap)
	u.proc = procSecurityMode
	s.sendSecurityModeCommand(u, msg)
	s.startTimer(u, t3560, msg, false)
}

// selectAlgorithms picks the first algorithm of each configured preference
// list that the UE supports. Spec: TS 33.501 §6.7.1
func (s *shard) selectAlgorithms(c ueSecurityCapability) (n1.IntegrityAlg, n1.CipherAlg, bool) {
	var ia n1.IntegrityAlg
	var ea n1.CipherAlg
	okI, okE := false, false
	for _, a := range s.a.cfg.Integrity {
		if c.supportsIA(a) {
			ia, okI = a, true
			break
		}
	}
	for _, a := range s.a.cfg.Ciphering {
		// 5G-EA0 is supported by every UE (TS 33.501 §5.11.1.1).
		if a == n1.NEA0 || c.supportsEA(a) {
			ea, okE = a, true
			break
		}
	}
	return ia, ea, okI && okE
}

// sendSecurityModeCommand protects SECURITY MODE COMMAND with the new
// context, integrity only (security header type 3). Spec: TS 24.501 §4.4.5
func (s *shard) sendSecurityModeCommand(u *ue, msg []byte) {
	b, err := u.sec.nas.Protect(msg, n1.HeaderIntegrityNewContext)
	if err != nil {
		s.a.log.Error("protect SECURITY MODE COMMAND", append(u.logAttrs(), "err", err)...)
		return
	}
	u.trace.nasDown(msg, b)
	s.sendDownlinkNAS(u, b)
}

// onSecurityModeComplete establishes the secure exchange of NAS messages
// (the message passed the integrity check to get here) and takes the
// complete REGISTRATION REQUEST from its NAS message container.
//
// Spec: TS 24.501 §5.4.2.4, §4.4.6
func (s *shard) onSecurityModeComplete(u *ue, m *nasMessage.SecurityModeComplete) {
	if u.proc != procSecurityMode || m == nil {
		s.sendNAS(u, status(n1.CauseMessageNotCompatible))
		return
	}
	u.timer.stop()
	u.sec.secured = true
	if c := m.NASMessageContainer; c != nil && len(c.Buffer) > 0 {
		full, err := n1.Decode(c.Buffer)
		if err != nil || full.GmmMessage == nil || full.GmmHeader.GetMessageType() != n1.MsgRegistrationRequest {
			s.a.log.Info("NAS message container is not a REGISTRATION REQUEST", u.logAttrs()...)
			s.rejectRegistration(u, n1.CauseSemanticallyIncorrect)
			return
		}
		req, cause, err := parseRegistrationRequest(full.RegistrationRequest, c.Buffer)
		if err != nil {
			s.rejectRegistration(u, cause)
			return
		}
		// The raw initial message still identifies retransmissions of it.
		req.raw = u.regReq.raw
		u.regReq = req
	}
	s.afterSecurityMode(u)
}

// onSecurityModeReject: the UE refused the command; the AMF aborts.
// Spec: TS 24.501 §5.4.2.5
func (s *shard) onSecurityModeReject(u *ue, m *nasMessage.SecurityModeReject) {
	if u.proc != procSecurityMode {
		return
	}
	cause := uint8(0)
	if m != nil {
		cause = m.Cause5GMM.GetCauseValue()
	}
	s.a.log.Info("SECURITY MODE REJECT from UE", append(u.logAttrs(), "cause", cause)...)
	u.timer.stop()
	s.abortRegistration(u, n2.CauseUnspecifiedNAS)
}
