package ue

import (
	"context"
	"errors"

	"go5g/internal/aka"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
)

// Registration types of REGISTRATION REQUEST. Spec: TS 24.501 §9.11.3.7
const (
	regMobilityUpdate = 0x02
	regPeriodic       = 0x03
)

// UpdateRegistration performs a mobility (periodic false) or periodic
// registration update through g, as a registered UE: REGISTRATION REQUEST
// with its 5G-GUTI and current ngKSI, integrity protected with its current
// 5G NAS security context. From CM-IDLE it is an initial message, not
// ciphered: the cleartext IEs, and the complete request (with the requested
// NSSAI, if configured) in a ciphered NAS message container (sendInitial);
// on a live connection to g it is the complete request, ciphered. It
// returns on REGISTRATION ACCEPT (having sent REGISTRATION COMPLETE if the
// accept carried a new 5G-GUTI), a reject (*RejectError) or T3510.
//
// Spec: TS 24.501 §5.5.1.3.2, §5.5.1.3.4, §4.4.6
func (u *UE) UpdateRegistration(ctx context.Context, g *gnb.GNB, periodic bool) (Result, error) {
	err := u.run(ctx, procUpdate, func(p *pending) error {
		if !u.registered || u.sec == nil || u.guti == nil {
			return errors.New("ue: not registered")
		}
		keep := u.res
		u.res = Result{Registered: true, TMSI: keep.TMSI, GUTI: keep.GUTI, Allowed: keep.Allowed,
			T3512: keep.T3512, EAP: keep.EAP, Cipher: keep.Cipher, Integrity: keep.Integrity}
		typ := uint8(regMobilityUpdate)
		if periodic {
			typ = regPeriodic
		}
		if u.cfg.FollowOnRequest {
			typ |= 0x08 // FOR: follow-on request pending
		}
		full := registrationRequest(typ, u.ngKSI, u.guti, u.caps, u.cfg.RequestedNSSAI, true)
		initial := u.link == nil || u.g != g
		var err error
		if initial {
			u.attach(g, gnb.AttachOptions{Cause: n2.RRCMOSignalling, STMSI: u.stmsi()})
			err = u.sendInitial(registrationRequest(typ, u.ngKSI, u.guti, u.caps, nil, false), full)
		} else {
			err = u.sendProtected(full, n1.HeaderIntegrityCiphered)
		}
		if err != nil {
			return err
		}
		if initial {
			// Should the network set up the AS context on this new
			// connection, it derives KgNB from this message's uplink NAS
			// COUNT (TS 33.501 §A.9).
			copy(u.kgNB[:], aka.KgNB(u.kamf, u.sec.SendCount()-1, aka.Access3GPP))
		}
		u.armTimer(p, u.cfg.T3510)
		return nil
	})
	var res Result
	u.do(func() { res = u.res })
	return res, err
}
