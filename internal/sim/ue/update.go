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
// 5G NAS security context (from CM-IDLE an initial message with only the
// cleartext IEs, not ciphered; on a live connection to g, ciphered). It
// returns on REGISTRATION ACCEPT (having sent REGISTRATION COMPLETE if the
// accept carried a new 5G-GUTI), a reject (*RejectError) or T3510.
//
// No requested NSSAI is sent, so no NAS message container is needed: the
// allowed NSSAI is left as it is.
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
		msg := registrationRequest(typ, u.ngKSI, u.guti, u.caps, nil, false)
		h := n1.HeaderIntegrityCiphered
		if u.link == nil || u.g != g {
			h = n1.HeaderIntegrity
			u.attach(g, gnb.AttachOptions{Cause: n2.RRCMOSignalling, STMSI: u.stmsi()})
		}
		if err := u.sendProtected(msg, h); err != nil {
			return err
		}
		if h == n1.HeaderIntegrity {
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
