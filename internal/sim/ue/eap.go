package ue

import (
	"errors"

	"go5g/internal/aka"
)

// onEAPRequest is the peer side of EAP-AKA' inside AUTHENTICATION REQUEST:
// it checks the AKA'-Challenge (AT_KDF, AT_KDF_INPUT, AUTN, then AT_MAC)
// and answers with AT_RES, an AKA'-Synchronization-Failure with AT_AUTS, or
// an AKA'-Authentication-Reject. On success KAUSF is the first 256 bits of
// EMSK, from which KSEAF and KAMF follow.
//
// Spec: TS 33.501 §6.1.3.1 steps 6-7, §F.3; RFC 9048 §3; RFC 4187 §9.4-§9.6
func (u *UE) onEAPRequest(ksi uint8, raw []byte) error {
	u.res.EAP = true
	p, err := aka.ParseEAP(raw)
	if err != nil || p.Code != aka.EAPRequest || p.Type != aka.EAPTypeAKAPrime || p.Subtype != aka.SubtypeChallenge {
		return nil
	}
	reject := func() error {
		b, err := (&aka.EAPPacket{Code: aka.EAPResponse, Identifier: p.Identifier, Type: aka.EAPTypeAKAPrime,
			Subtype: aka.SubtypeAuthReject}).Marshal()
		if err != nil {
			return err
		}
		return u.sendPlain(authenticationResponse(nil, b))
	}
	rand, autn, name, err := challengeAttributes(p)
	if err != nil {
		return reject()
	}
	res, ckPrime, ikPrime, err := aka.UEResponseEAP(u.cfg.K[:], u.cfg.OPc[:], rand, autn, name, u.sqnCheck)
	var sf *aka.SyncFailureError
	switch {
	case errors.As(err, &sf):
		b, err := (&aka.EAPPacket{Code: aka.EAPResponse, Identifier: p.Identifier, Type: aka.EAPTypeAKAPrime,
			Subtype: aka.SubtypeSyncFailure, Attributes: []aka.EAPAttribute{aka.AutsAttribute(sf.AUTS)}}).Marshal()
		if err != nil {
			return err
		}
		return u.sendPlain(authenticationResponse(nil, b))
	case err != nil:
		return reject()
	}
	identity, err := aka.SupiKeyInput(u.supi)
	if err != nil {
		return err
	}
	keys := aka.DeriveEAPKeys(ckPrime, ikPrime, identity)
	if aka.VerifyEAP(raw, keys.KAut) != nil {
		return reject()
	}
	resp, err := aka.ChallengeResponse(p.Identifier, res, keys.KAut)
	if err != nil {
		return err
	}
	if err := u.deriveKAMF(aka.KSEAF(keys.KAUSF(), u.snn()), []byte{0, 0}, ksi); err != nil {
		return err
	}
	return u.sendPlain(authenticationResponse(nil, resp))
}

// challengeAttributes reads AT_RAND, AT_AUTN and AT_KDF_INPUT, and checks
// that AT_KDF offers the one key derivation function defined, and that the
// network name is the one the UE sees.
func challengeAttributes(p *aka.EAPPacket) (rand, autn []byte, name string, err error) {
	bad := errors.New("ue: malformed AKA'-Challenge")
	ra, ok1 := p.Attribute(aka.AtRAND)
	au, ok2 := p.Attribute(aka.AtAUTN)
	kin, ok3 := p.Attribute(aka.AtKDFInput)
	kdf, ok4 := p.Attribute(aka.AtKDF)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, nil, "", bad
	}
	if v, err := kdf.Uint16(); err != nil || v != aka.KDFEAPAKAPrime {
		return nil, nil, "", bad
	}
	if rand, err = ra.Value16(); err != nil {
		return nil, nil, "", bad
	}
	if autn, err = au.Value16(); err != nil {
		return nil, nil, "", bad
	}
	if name, err = kin.KDFInput(); err != nil {
		return nil, nil, "", bad
	}
	return rand, autn, name, nil
}
