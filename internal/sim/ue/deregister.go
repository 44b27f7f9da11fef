package ue

import (
	"context"
	"errors"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
)

// Deregister performs UE-originating deregistration for 3GPP access. With
// switchOff the UE sends DEREGISTRATION REQUEST and is done; otherwise it
// waits for DEREGISTRATION ACCEPT (or the release of its connection),
// retransmitting on T3521 expiry at most four times. An idle UE sets up a
// connection first, giving its 5G-S-TMSI.
//
// Spec: TS 24.501 §5.5.2.2.1, §5.5.2.2.2, §5.5.2.2.6 (c)
func (u *UE) Deregister(ctx context.Context, switchOff bool) error {
	return u.run(ctx, procDeregister, func(p *pending) error {
		if !u.registered || u.sec == nil || u.guti == nil {
			return errors.New("ue: not registered")
		}
		h := n1.HeaderIntegrityCiphered
		if u.link == nil {
			// An initial NAS message is integrity protected, not ciphered (§4.4.6).
			h = n1.HeaderIntegrity
			u.attach(u.g, gnb.AttachOptions{Cause: n2.RRCMOSignalling, STMSI: u.stmsi()})
		}
		p.msg = deregistrationRequest(u.ngKSI, switchOff, u.guti)
		u.registered = false
		if err := u.sendProtected(p.msg, h); err != nil {
			return err
		}
		if switchOff {
			u.finish(nil)
			return nil
		}
		u.armTimer(p, u.cfg.T3521)
		return nil
	})
}

// ReleaseConnection has the gNB ask the AMF to release the UE's connection
// (e.g. for user inactivity); the UE goes idle once the release arrives.
// Spec: TS 38.413 §8.3.2
func (u *UE) ReleaseConnection(ctx context.Context, cause n2.Cause) error {
	var link *gnb.Connection
	u.do(func() { link = u.link })
	if link == nil {
		return errors.New("ue: no connection")
	}
	return link.RequestRelease(ctx, cause)
}

// stmsi is the 5G-S-TMSI of the UE's 5G-GUTI (set, pointer, TMSI).
// Spec: TS 23.003 §2.11
func (u *UE) stmsi() *n2.FiveGSTMSI {
	if len(u.guti) != 11 {
		return nil
	}
	sp := uint16(u.guti[5])<<8 | uint16(u.guti[6])
	return &n2.FiveGSTMSI{SetID: sp >> 6, Pointer: uint8(sp & 0x3f), TMSI: u.tmsi}
}
