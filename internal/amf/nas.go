package amf

import (
	"context"
	"errors"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// onUplinkNAS is every NAS message from the UE: it checks the security
// header, integrity and NAS COUNT, decodes, and hands the message to its
// procedure. Nothing that fails a check is acted on.
//
// Spec: TS 24.501 §4.4.4.3, §4.4.3.2, §7
func (s *shard) onUplinkNAS(u *ue, b []byte) {
	plain, verified, ok := s.openNAS(u, b)
	u.trace.nasUp(b, plain, !ok)
	if !ok {
		return
	}
	s.onNASMessage(u, plain, verified)
}

// onNASMessage decodes a message whose protection was removed (verified:
// its integrity was checked with the UE's current context) and hands it to
// its procedure.
func (s *shard) onNASMessage(u *ue, plain []byte, verified bool) {
	msg, err := n1.Decode(plain)
	if err != nil {
		s.a.stats.nasDroppedInvalid.Add(1)
		var pe *n1.ProtocolError
		if errors.As(err, &pe) && pe.Cause != 0 && pe.EPD == n1.EPD5GMM {
			// §7.4, §7.5: answer with 5GMM STATUS.
			s.sendNAS(u, status(pe.Cause))
		}
		s.a.log.Info("undecodable NAS message dropped", append(u.logAttrs(), "err", err)...)
		return
	}
	if msg.GmmMessage == nil {
		// 5GSM in a plain message is not allowed; it comes in UL NAS TRANSPORT.
		s.a.stats.nasDroppedInvalid.Add(1)
		return
	}
	t := msg.GmmHeader.GetMessageType()
	if !verified && !allowedUnprotected(t, u) {
		s.a.stats.nasDroppedUnprotected.Add(1)
		s.a.log.Info("NAS message without valid integrity protection dropped", append(u.logAttrs(), "type", t)...)
		return
	}
	switch t {
	case n1.MsgRegistrationRequest:
		s.onRegistrationRequest(u, msg.RegistrationRequest, plain, verified)
	case n1.MsgAuthenticationResponse:
		s.onAuthenticationResponse(u, msg.AuthenticationResponse)
	case n1.MsgAuthenticationFailure:
		s.onAuthenticationFailure(u, msg.AuthenticationFailure)
	case n1.MsgSecurityModeComplete:
		s.onSecurityModeComplete(u, msg.SecurityModeComplete)
	case n1.MsgSecurityModeReject:
		s.onSecurityModeReject(u, msg.SecurityModeReject)
	case n1.MsgIdentityResponse:
		s.onIdentityResponse(u, msg.IdentityResponse)
	case n1.MsgRegistrationComplete:
		s.onRegistrationComplete(u)
	case n1.MsgDeregistrationRequestUE:
		s.timeDeregistration(u)
		s.onDeregistrationRequest(u, msg.DeregistrationRequestUEOriginatingDeregistration)
	case n1.MsgStatus:
		cause := uint8(0)
		if m := msg.Status5GMM; m != nil {
			cause = m.GetCauseValue()
		}
		s.a.log.Info("5GMM STATUS from UE", append(u.logAttrs(), "cause", cause)...)
	case n1.MsgServiceRequest:
		s.timeServiceRequest(u)
		s.onServiceRequest(u, msg.ServiceRequest, verified)
	case n1.MsgConfigurationUpdateComplete:
		s.onConfigurationUpdateComplete(u)
	case n1.MsgDeregistrationAcceptNW:
		s.onDeregistrationAcceptNW(u)
	case n1.MsgULNASTransport:
		if verified {
			s.onULNASTransport(u, msg.ULNASTransport)
		}
	default:
		// §7.4: a known message this AMF does not handle in any state.
		s.sendNAS(u, status(n1.CauseMessageNotCompatible))
	}
}

// openNAS removes the security protection of an uplink message. verified
// says whether its integrity was checked with the UE's current 5G NAS
// security context; ok false means the message must be dropped.
//
// Spec: TS 24.501 §4.4.4.3, §4.4.3.2; TS 33.501 §6.4.3
func (s *shard) openNAS(u *ue, b []byte) (plain []byte, verified, ok bool) {
	if len(b) < 3 || b[0] != n1.EPD5GMM {
		s.a.stats.nasDroppedInvalid.Add(1)
		return nil, false, false
	}
	h := n1.HeaderType(b[1] & 0x0f)
	if h == n1.HeaderPlain {
		return b, false, true
	}
	if u.sec.nas == nil {
		// No context to check it with (e.g. a REGISTRATION REQUEST
		// protected with a context this AMF never had): usable only as an
		// unverified initial message if not ciphered (§4.4.6).
		if (h == n1.HeaderIntegrity || h == n1.HeaderIntegrityNewContext) && len(b) > 7 {
			return b[7:], false, true
		}
		s.a.stats.nasDroppedInvalid.Add(1)
		return nil, false, false
	}
	inner, _, err := u.sec.nas.Unprotect(b)
	switch {
	case err == nil:
		// An integrity checked message establishes the secure exchange on
		// this connection (the UE's initial message from CM-IDLE, or
		// SECURITY MODE COMPLETE).
		u.sec.secured = true
		return inner, true, true
	case errors.Is(err, n1.ErrReplay):
		s.a.stats.nasDroppedReplay.Add(1)
		s.a.log.Warn("replayed NAS message dropped", append(u.logAttrs(), "err", err)...)
	case errors.Is(err, n1.ErrMAC):
		s.a.stats.nasDroppedMAC.Add(1)
		s.a.log.Warn("NAS message failed integrity check: dropped", u.logAttrs()...)
		// §4.4.4.3: before the secure exchange is established an
		// unverifiable REGISTRATION REQUEST still starts a registration.
		if !u.sec.secured && inner != nil && len(inner) > 2 && inner[2] == n1.MsgRegistrationRequest {
			return inner, false, true
		}
	default:
		s.a.stats.nasDroppedInvalid.Add(1)
		s.a.log.Info("NAS message dropped", append(u.logAttrs(), "err", err)...)
	}
	return nil, false, false
}

// allowedUnprotected reports whether a message that passed no integrity
// check may be processed: only the messages of §4.4.4.3, and only until the
// secure exchange of NAS messages is established.
//
// Spec: TS 24.501 §4.4.4.3
func allowedUnprotected(t uint8, u *ue) bool {
	if u.sec.secured {
		return false
	}
	switch t {
	case n1.MsgRegistrationRequest, n1.MsgAuthenticationResponse, n1.MsgAuthenticationFailure,
		n1.MsgSecurityModeReject, n1.MsgDeregistrationRequestUE, n1.MsgServiceRequest:
		return true
	case n1.MsgIdentityResponse:
		return u.proc == procIdentity // requested identity is the SUCI
	}
	return false
}

// sendNAS sends a plain 5GMM message to the UE, integrity protected and
// ciphered once the secure exchange is established, in DOWNLINK NAS
// TRANSPORT. Spec: TS 24.501 §4.4.5, TS 38.413 §8.6.2
func (s *shard) sendNAS(u *ue, plain []byte) {
	b, err := s.protect(u, plain, n1.HeaderIntegrityCiphered)
	if err != nil {
		s.a.log.Error("protect NAS", append(u.logAttrs(), "err", err)...)
		return
	}
	s.sendDownlinkNAS(u, b)
}

// protect applies the UE's security context when the secure exchange is
// established; before it, messages go out plain.
func (s *shard) protect(u *ue, plain []byte, h n1.HeaderType) ([]byte, error) {
	if !u.sec.secured || u.sec.nas == nil {
		u.trace.nasDown(plain, plain)
		return plain, nil
	}
	b, err := u.sec.nas.Protect(plain, h)
	if err == nil {
		u.trace.nasDown(plain, b)
	}
	return b, err
}

func (s *shard) sendDownlinkNAS(u *ue, b []byte) {
	if u.conn == nil {
		return
	}
	pdu, err := n2.DownlinkNASTransport{AMFUENGAPID: u.conn.amfID, RANUENGAPID: u.conn.ranID, NASPDU: b}.Marshal()
	if err != nil {
		s.a.log.Error("build DOWNLINK NAS TRANSPORT", append(u.logAttrs(), "err", err)...)
		return
	}
	s.sendNGAP(u, pdu)
}

// sendNGAP sends a UE-associated NGAP PDU on the UE's stream. A gNB that
// stops reading must not hold the worker (and the other UEs it serves):
// after sendTimeout with its send buffer full its association is aborted,
// which releases its UEs.
func (s *shard) sendNGAP(u *ue, pdu []byte) {
	if u.conn == nil {
		return
	}
	u.trace.ngapPDU(pdu)
	ctx, cancel := context.WithTimeout(s.a.runCtx, sendTimeout)
	err := u.conn.ran.send(ctx, u.conn.stream(), pdu)
	cancel()
	if err == nil {
		return
	}
	s.a.log.Debug("send NGAP", append(u.logAttrs(), "err", err)...)
	if errors.Is(err, context.DeadlineExceeded) && s.a.runCtx.Err() == nil {
		u.conn.ran.log.Warn("gNB does not read its association: aborting it")
		u.conn.ran.conn.Abort("NGAP send buffer stalled")
	}
}

// sendTimeout bounds how long a worker waits for room in a gNB's send buffer.
const sendTimeout = 2 * time.Second
