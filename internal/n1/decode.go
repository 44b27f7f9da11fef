package n1

import (
	"errors"
	"fmt"

	"github.com/free5gc/nas"
)

// EPD5GSM is the extended protocol discriminator of 5GS session management.
//
// Spec: TS 24.501 §9.2
const EPD5GSM = 0x2e

// Sentinel errors inside ProtocolError.
var (
	ErrTooShort       = errors.New("n1: message too short")
	ErrUnknownEPD     = errors.New("n1: unknown extended protocol discriminator")
	ErrNotPlain       = errors.New("n1: security protected message given to Decode")
	ErrUnknownMessage = errors.New("n1: message type non-existent or not implemented")
	ErrLibraryPanic   = errors.New("n1: NAS decoder panicked")
)

// ProtocolError is a NAS message that could not be decoded. Cause is the
// 5GMM or 5GSM cause to answer with in a STATUS message; 0 means the message
// is silently discarded.
//
// Spec: TS 24.501 §7
type ProtocolError struct {
	EPD     uint8
	MsgType uint8
	Cause   uint8
	// Panic is set when the library decoder panicked and Decode recovered.
	Panic bool
	Err   error
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("n1: decode EPD 0x%02x type 0x%02x (cause #%d): %v", e.EPD, e.MsgType, e.Cause, e.Err)
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// Decode decodes one plain 5GMM or 5GSM message (unprotect it first) with
// github.com/free5gc/nas. It never panics: a panic in the library becomes a
// ProtocolError with Panic set. The input is copied, so the message does not
// share memory with b.
//
// Spec: TS 24.501 §7.2, §7.4, §7.5
func Decode(b []byte) (*nas.Message, error) {
	return safeDecode(b, func(m *nas.Message, buf *[]byte) error { return m.PlainNasDecode(buf) })
}

// safeDecode checks what the library does not and runs decode under recover.
func safeDecode(b []byte, decode func(*nas.Message, *[]byte) error) (m *nas.Message, err error) {
	pe := &ProtocolError{}
	if len(b) > 0 {
		pe.EPD = b[0]
	}
	switch {
	case len(b) == 0:
		pe.Err = ErrTooShort
		return nil, pe
	case pe.EPD == EPD5GMM:
		// EPD, security header type, message type.
		if len(b) < 3 {
			// Spec: TS 24.501 §7.2.1 — too short for the message type: ignore.
			pe.Err = ErrTooShort
			return nil, pe
		}
		pe.MsgType = b[2]
		if b[1]&0x0f != uint8(HeaderPlain) {
			pe.MsgType = 0
			pe.Err = ErrNotPlain
			return nil, pe
		}
		if !knownGMM(pe.MsgType) {
			// Spec: TS 24.501 §7.4
			pe.Cause, pe.Err = CauseMessageTypeNotExist, ErrUnknownMessage
			return nil, pe
		}
	case pe.EPD == EPD5GSM:
		// EPD, PDU session identity, PTI, message type.
		if len(b) < 4 {
			pe.Err = ErrTooShort
			return nil, pe
		}
		pe.MsgType = b[3]
		if !knownGSM(pe.MsgType) {
			pe.Cause, pe.Err = CauseMessageTypeNotExist, ErrUnknownMessage
			return nil, pe
		}
	default:
		// A message with an EPD this layer does not know is discarded.
		pe.Err = ErrUnknownEPD
		return nil, pe
	}

	defer func() {
		if r := recover(); r != nil {
			pe.Cause, pe.Panic = CauseInvalidMandatoryInfo, true
			pe.Err = fmt.Errorf("%w: %v", ErrLibraryPanic, r)
			m, err = nil, pe
		}
	}()
	buf := append([]byte(nil), b...)
	m = nas.NewMessage()
	if derr := decode(m, &buf); derr != nil {
		// Spec: TS 24.501 §7.5 — the library reports missing or malformed
		// mandatory IEs; answer #96.
		pe.Cause, pe.Err = CauseInvalidMandatoryInfo, derr
		return nil, pe
	}
	return m, nil
}

// knownGMM reports whether the library decodes this 5GMM message type.
func knownGMM(t uint8) bool {
	switch t {
	case nas.MsgTypeRegistrationRequest, nas.MsgTypeRegistrationAccept, nas.MsgTypeRegistrationComplete,
		nas.MsgTypeRegistrationReject,
		nas.MsgTypeDeregistrationRequestUEOriginatingDeregistration,
		nas.MsgTypeDeregistrationAcceptUEOriginatingDeregistration,
		nas.MsgTypeDeregistrationRequestUETerminatedDeregistration,
		nas.MsgTypeDeregistrationAcceptUETerminatedDeregistration,
		nas.MsgTypeServiceRequest, nas.MsgTypeServiceReject, nas.MsgTypeServiceAccept,
		nas.MsgTypeConfigurationUpdateCommand, nas.MsgTypeConfigurationUpdateComplete,
		nas.MsgTypeAuthenticationRequest, nas.MsgTypeAuthenticationResponse, nas.MsgTypeAuthenticationReject,
		nas.MsgTypeAuthenticationFailure, nas.MsgTypeAuthenticationResult,
		nas.MsgTypeIdentityRequest, nas.MsgTypeIdentityResponse,
		nas.MsgTypeSecurityModeCommand, nas.MsgTypeSecurityModeComplete, nas.MsgTypeSecurityModeReject,
		nas.MsgTypeStatus5GMM, nas.MsgTypeNotification, nas.MsgTypeNotificationResponse,
		nas.MsgTypeULNASTransport, nas.MsgTypeDLNASTransport:
		return true
	}
	return false
}

// knownGSM reports whether the library decodes this 5GSM message type.
func knownGSM(t uint8) bool {
	switch t {
	case nas.MsgTypePDUSessionEstablishmentRequest, nas.MsgTypePDUSessionEstablishmentAccept,
		nas.MsgTypePDUSessionEstablishmentReject,
		nas.MsgTypePDUSessionAuthenticationCommand, nas.MsgTypePDUSessionAuthenticationComplete,
		nas.MsgTypePDUSessionAuthenticationResult,
		nas.MsgTypePDUSessionModificationRequest, nas.MsgTypePDUSessionModificationReject,
		nas.MsgTypePDUSessionModificationCommand, nas.MsgTypePDUSessionModificationComplete,
		nas.MsgTypePDUSessionModificationCommandReject,
		nas.MsgTypePDUSessionReleaseRequest, nas.MsgTypePDUSessionReleaseReject,
		nas.MsgTypePDUSessionReleaseCommand, nas.MsgTypePDUSessionReleaseComplete,
		nas.MsgTypeStatus5GSM:
		return true
	}
	return false
}
