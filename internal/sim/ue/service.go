package ue

import (
	"context"
	"errors"
	"fmt"

	"github.com/free5gc/nas/nasType"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
)

// ServiceRejectError is the network's SERVICE REJECT.
type ServiceRejectError struct {
	Cause uint8
	// BackOff is the T3346 back-off of a #22 "congestion" reject; nil
	// for other causes.
	BackOff *BackOff
}

func (e *ServiceRejectError) Error() string {
	if e.BackOff != nil {
		return fmt.Sprintf("ue: service rejected with 5GMM cause #%d (%v)", e.Cause, e.BackOff)
	}
	return fmt.Sprintf("ue: service rejected with 5GMM cause #%d", e.Cause)
}

// Service types. Spec: TS 24.501 §9.11.3.50
const (
	serviceSignalling = 0
	serviceData       = 1
)

// ServiceRequest brings a registered UE in CM-IDLE back to CM-CONNECTED
// through g: RRC setup with its 5G-S-TMSI, SERVICE REQUEST (service type
// "signalling", with Uplink data status and PDU session status as
// idle.go says) integrity protected with its current 5G NAS security
// context, and it returns on SERVICE ACCEPT (nil), SERVICE REJECT
// (*ServiceRejectError) or the expiry of T3517 (ErrTimeout). The UE derives
// KgNB from the uplink NAS COUNT of its SERVICE REQUEST and checks it
// against the gNB's when AS security starts.
//
// Spec: TS 24.501 §5.6.1.2, §5.6.1.4, §4.4.6; TS 33.501 §A.9
func (u *UE) ServiceRequest(ctx context.Context, g *gnb.GNB) error {
	return u.run(ctx, procService, func(p *pending) error {
		s := u.stmsi()
		switch {
		case !u.registered || u.sec == nil || s == nil:
			return errors.New("ue: not registered")
		case u.link != nil:
			return errors.New("ue: already connected")
		}
		return u.sendService(p, g, serviceSignalling, n2.RRCMOSignalling, 0) // idle.go
	})
}

// ServiceRequestData is ServiceRequest for uplink data: service type
// "data", RRC establishment cause mo-Data, and the PDU sessions psis (as if
// programs had data for them; TUNs holding uplink add theirs) in Uplink
// data status, so the network re-activates their user plane.
//
// Spec: TS 24.501 §5.6.1.2, §4.4.6, §9.11.3.57
func (u *UE) ServiceRequestData(ctx context.Context, g *gnb.GNB, psis ...uint8) error {
	var ul uint16
	for _, psi := range psis {
		if psi < 1 || psi > 15 {
			return fmt.Errorf("ue: PDU session ID %d out of 1..15", psi)
		}
		ul |= 1 << psi
	}
	return u.run(ctx, procService, func(p *pending) error {
		s := u.stmsi()
		switch {
		case !u.registered || u.sec == nil || s == nil:
			return errors.New("ue: not registered")
		case u.link != nil:
			return errors.New("ue: already connected")
		}
		return u.sendService(p, g, serviceData, n2.RRCMOData, ul) // idle.go
	})
}

// sendInitial protects and sends an initial NAS message (REGISTRATION
// REQUEST or SERVICE REQUEST from CM-IDLE) with the current 5G NAS security
// context: clear holds only the cleartext IEs and full is the complete
// message (clear followed by the non-cleartext IEs). If full has more than
// clear, the message is clear plus full in a NAS message container whose
// value part is ciphered with the NAS COUNT, BEARER and DIRECTION of the
// message itself; either way it is integrity protected, not ciphered.
//
// Spec: TS 24.501 §4.4.6, §9.11.3.33; TS 33.501 §6.4.6
func (u *UE) sendInitial(clear, full []byte) error {
	t := clear[2]
	if len(full) <= len(clear) || u.cfg.Faults.NoContainer == t {
		return u.sendProtected(full, n1.HeaderIntegrity)
	}
	if u.cfg.Faults.ForeignContainer == t {
		full = u.foreignMessage(t)
	}
	v, err := u.sec.SealContainer(full)
	if err != nil {
		return fmt.Errorf("ue: NAS message container: %w", err)
	}
	msg := appendTLVE(append(make([]byte, 0, len(clear)+3+len(v)), clear...), ieiNASMessageContainer, v)
	return u.sendProtectedTampered(msg, n1.HeaderIntegrity, u.cfg.Faults.TamperContainer == t)
}

// ieiNASMessageContainer is the IEI of the NAS message container IE in
// REGISTRATION REQUEST and SERVICE REQUEST.
// Spec: TS 24.501 §8.2.6.1, §8.2.16.1
const ieiNASMessageContainer = 0x71

// foreignMessage is a complete message of another type than t, for
// Faults.ForeignContainer.
func (u *UE) foreignMessage(t uint8) []byte {
	if t == n1.MsgServiceRequest {
		return registrationRequest(regMobilityUpdate, u.ngKSI, u.guti, u.caps, u.cfg.RequestedNSSAI, true)
	}
	return serviceRequestIEs(u.ngKSI, serviceSignalling, u.stmsi(), 0, 0, true)
}

// onServiceReject ends a service request. With #9 the UE deletes its
// 5G-GUTI, ngKSI and security context; with #10 it is deregistered and
// keeps its 5G-GUTI; either way it must register again. With #22
// "congestion" it stays registered with its 5G-GUTI and security context
// and backs off for T3346.
//
// Spec: TS 24.501 §5.6.1.5
func (u *UE) onServiceReject(cause uint8, t3346 *nasType.T3346Value, protected bool) error {
	if p := u.pending; p == nil || p.kind != procService {
		return nil
	}
	if isCongestion(cause) {
		return &ServiceRejectError{Cause: cause, BackOff: backOff(t3346, protected)}
	}
	u.registered = false
	u.sec, u.secured, u.kamf, u.ngKSI = nil, false, nil, 7
	if cause == n1.CauseUEIdentityNotDerived {
		u.guti = nil
	}
	return &ServiceRejectError{Cause: cause}
}
