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
		return u.sendService(p, g, serviceSignalling, n2.RRCMOSignalling) // idle.go
	})
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
