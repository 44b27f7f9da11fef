package amf

import (
	"errors"
	"fmt"

	"github.com/free5gc/nas"
	"github.com/free5gc/nas/nasMessage"
	"github.com/free5gc/nas/nasType"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// Protection of initial NAS messages. A UE with a valid 5G NAS security
// context sends REGISTRATION REQUEST or SERVICE REQUEST integrity protected
// but not ciphered, with only the cleartext IEs, and, if it has more to
// say, the entire message in a NAS message container IE whose value part is
// ciphered with the current context (the same NAS COUNT as the message).
// The spec's network side:
//
//	"When the AMF receives an integrity protected initial NAS message which
//	includes a NAS message container IE, the AMF shall decipher the value
//	part of the NAS message container IE. If the received initial NAS
//	message is a REGISTRATION REQUEST message or a SERVICE REQUEST message,
//	the AMF shall consider the NAS message that is obtained from the NAS
//	message container IE as the initial NAS message that triggered the
//	procedure in the AMF."
//
// So the AMF opens the container only of a message that passed the
// integrity check with the UE's current context (a container of one that
// failed it is never deciphered nor used: such a registration goes through
// authentication and security mode control, whose SECURITY MODE COMPLETE
// brings the complete message, securitymode.go), and then works from the
// complete message only: the outer message's IEs are not looked at again.
//
// A container that does not hold a decodable, plain message of the same
// type makes the message one "with semantically incorrect contents" (it
// contradicts the procedural part, TS 24.007 §11.4.2): the procedure's
// reject with #95 "semantically incorrect message" (TS 24.501 §7.8; #96
// would name a mandatory IE, #111 no error in particular, and neither fits
// an optional IE whose octets are well formed). A registered UE keeps
// its 5GMM context (#95 is not one of the causes that make the UE delete
// its registration, TS 24.501 §5.5.1.3.5, §5.6.1.5); only its connection
// is released.
//
// A verified initial message without a container but with non-cleartext
// IEs in the clear breaks the UE's "shall" (the UE gave away their
// confidentiality), not the message's integrity: the spec sets the network
// no reaction to it, so the AMF, liberal in what it accepts, uses the IEs
// and logs it at debug level.
//
// Spec: TS 24.501 §4.4.6, §7.8, §9.11.3.33; TS 24.007 §11.4.2; TS 33.501 §6.4.6

// errContainer is a NAS message container that does not hold the message
// it must.
var errContainer = errors.New("NAS message container does not hold the initial message")

// openInitialContainer deciphers the NAS message container of a verified
// initial message of type t, with the UE's current context and the NAS
// COUNT of that message (the last one Unprotect accepted), and decodes the
// complete message it holds, which must be a plain message of type t.
//
// Spec: TS 24.501 §4.4.6; TS 33.501 §6.4.6
func (s *shard) openInitialContainer(u *ue, t uint8, c *nasType.NASMessageContainer) (*nas.Message, []byte, error) {
	if u.sec.nas == nil {
		return nil, nil, fmt.Errorf("%w: no 5G NAS security context", errContainer)
	}
	plain, err := u.sec.nas.OpenContainer(c.Buffer)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errContainer, err)
	}
	msg, err := n1.Decode(plain)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errContainer, err)
	}
	if msg.GmmMessage == nil || msg.GmmHeader.GetMessageType() != t {
		return nil, nil, fmt.Errorf("%w: message type 0x%02x in a message of type 0x%02x", errContainer, plain[2], t)
	}
	return msg, plain, nil
}

// rejectContainer answers an initial message of type t whose container is
// unusable with the procedure's reject, cause #95, and releases the
// connection; a registered UE stays registered.
//
// Spec: TS 24.501 §7.8, §4.4.6, §5.5.1.2.5, §5.5.1.3.5, §5.6.1.5
func (s *shard) rejectContainer(u *ue, t uint8, err error) {
	const cause = n1.CauseSemanticallyIncorrect
	s.a.log.Info("initial NAS message rejected", append(u.logAttrs(), "cause", cause, "err", err)...)
	if t == n1.MsgServiceRequest {
		s.a.stats.serviceRejects.Add(1)
		s.sendNAS(u, serviceReject(cause))
	} else {
		s.a.stats.registrationRejects.Add(1)
		s.a.stats.rejectCauses[cause].Add(1)
		s.sendNAS(u, registrationReject(cause))
	}
	if u.state != gmmRegistered {
		s.discard(u, n2.CauseUnspecifiedNAS)
		return
	}
	u.timer.stop()
	u.proc = procNone
	s.releaseConn(u, n2.CauseUnspecifiedNAS)
}

// logCleartext notes, at debug level, non-cleartext IEs a verified initial
// message carries outside a NAS message container.
func (s *shard) logCleartext(u *ue, t uint8, ies []string) {
	if len(ies) == 0 {
		return
	}
	s.a.log.Debug("initial NAS message with non-cleartext IEs outside a NAS message container: used",
		append(u.logAttrs(), "type", t, "ies", ies)...)
}

// serviceNonCleartext names the IEs of a SERVICE REQUEST that are not
// cleartext IEs (those are ngKSI, service type and 5G-S-TMSI).
//
// Spec: TS 24.501 §4.4.6
func serviceNonCleartext(m *nasMessage.ServiceRequest) []string {
	var ies []string
	add := func(present bool, name string) {
		if present {
			ies = append(ies, name)
		}
	}
	add(m.UplinkDataStatus != nil, "uplink data status")
	add(m.PDUSessionStatus != nil, "PDU session status")
	add(m.AllowedPDUSessionStatus != nil, "allowed PDU session status")
	return ies
}

// registrationNonCleartext names the IEs of a REGISTRATION REQUEST that are
// not cleartext IEs (those are 5GS registration type, ngKSI, 5GS mobile
// identity, UE security capability, additional GUTI, UE status and EPS NAS
// message container).
//
// Spec: TS 24.501 §4.4.6
func registrationNonCleartext(m *nasMessage.RegistrationRequest) []string {
	var ies []string
	add := func(present bool, name string) {
		if present {
			ies = append(ies, name)
		}
	}
	add(m.NoncurrentNativeNASKeySetIdentifier != nil, "non-current native NAS key set identifier")
	add(m.Capability5GMM != nil, "5GMM capability")
	add(m.RequestedNSSAI != nil, "requested NSSAI")
	add(m.LastVisitedRegisteredTAI != nil, "last visited registered TAI")
	add(m.S1UENetworkCapability != nil, "S1 UE network capability")
	add(m.UplinkDataStatus != nil, "uplink data status")
	add(m.PDUSessionStatus != nil, "PDU session status")
	add(m.MICOIndication != nil, "MICO indication")
	add(m.AllowedPDUSessionStatus != nil, "allowed PDU session status")
	add(m.UesUsageSetting != nil, "UE's usage setting")
	add(m.RequestedDRXParameters != nil, "requested DRX parameters")
	add(m.LADNIndication != nil, "LADN indication")
	add(m.PayloadContainer != nil, "payload container")
	add(m.NetworkSlicingIndication != nil, "network slicing indication")
	add(m.UpdateType5GS != nil, "5GS update type")
	add(m.EPSBearerContextStatus != nil, "EPS bearer context status")
	return ies
}
