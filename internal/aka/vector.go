package aka

import (
	"crypto/subtle"
	"errors"
	"fmt"
)

// Vector is a 5G home environment authentication vector (RAND, AUTN, XRES*,
// KAUSF) together with HXRES*, which the AUSF hands to the SEAF.
//
// Spec: TS 33.501 §6.1.3.2.0 steps 2-5
type Vector struct {
	RAND      []byte // 16 octets
	AUTN      []byte // 16 octets: SQN ⊕ AK || AMF || MAC-A
	XRESStar  []byte // 16 octets
	HXRESStar []byte // 16 octets
	KAUSF     []byte // 32 octets
}

// MaxSQN is the largest 48-bit sequence number.
const MaxSQN = 1<<48 - 1

// separationBit is bit 0 of AMF, the "AMF separation bit", in the first
// octet's most significant bit; 5G (and E-UTRAN) vectors have it set.
//
// Spec: TS 33.102 Annex H, TS 33.501 §6.1.3.2.0
const separationBit = 0x80

// ErrMACFailure is the UE's verdict when MAC-A in AUTN (or the network's when
// MAC-S in AUTS) does not verify: 5GMM cause #20 "MAC failure".
var ErrMACFailure = errors.New("aka: MAC failure")

// ErrNon5GAuth is the UE's verdict when the AMF separation bit of AUTN is 0:
// 5GMM cause #26 "non-5G authentication unacceptable".
var ErrNon5GAuth = errors.New("aka: AMF separation bit is 0 (non-5G authentication unacceptable)")

// SyncFailureError is the UE's verdict when AUTN verifies but its SQN is not
// in the acceptable range (5GMM cause #21 "synch failure"). AUTS goes back to
// the network so that its home environment can re-synchronise (Resync).
//
// Spec: TS 33.102 §6.3.3
type SyncFailureError struct {
	AUTS []byte // 14 octets: SQN_MS ⊕ AK* || MAC-S
}

func (e *SyncFailureError) Error() string { return "aka: SQN out of range (synch failure)" }

// SQNCheck decides whether the UE accepts the sequence number sqn of a
// verified AUTN. If not, it returns the UE's highest accepted SQN (SQN_MS)
// for AUTS. A check that accepts may record sqn as the new SQN_MS: it is only
// called once MAC-A has verified.
//
// Spec: TS 33.102 §6.3.3, Annex C
type SQNCheck func(sqn uint64) (ok bool, sqnMS uint64)

// FresherThan is the simplest SQNCheck: it accepts any SQN greater than
// sqnMS and records nothing. It ignores the IND-indexed array and the age
// limit of TS 33.102 Annex C.2, which a USIM may apply.
func FresherThan(sqnMS uint64) SQNCheck {
	return func(sqn uint64) (bool, uint64) { return sqn > sqnMS, sqnMS }
}

// GenerateVector builds a 5G HE AV for one subscriber (K, OPc), sequence
// number sqn and a 16-octet rand from a CSPRNG. As TS 33.501 asks of the
// ARPF, the AMF separation bit is set in the AMF used, whatever amf holds.
//
// Spec: TS 33.501 §6.1.3.2.0, §A.2, §A.4, §A.5; TS 33.102 §6.3.2
func GenerateVector(k, opc, amf []byte, sqn uint64, rand []byte, snn string) (Vector, error) {
	c, err := newChallenge(k, opc, amf, sqn, rand)
	if err != nil {
		return Vector{}, err
	}
	xresStar := RESStar(c.ck[:], c.ik[:], snn, rand, c.res[:])
	return Vector{
		RAND:      append([]byte(nil), rand...),
		AUTN:      c.autn[:],
		XRESStar:  xresStar,
		HXRESStar: HRESStar(rand, xresStar),
		KAUSF:     KAUSF(c.ck[:], c.ik[:], snn, c.autn[:6]),
	}, nil
}

// UEResponse is the UE side of 5G-AKA: it verifies AUTN (separation bit,
// MAC-A, then SQN with check) and returns RES* and KAUSF. Errors are
// ErrNon5GAuth, ErrMACFailure, *SyncFailureError or a length error.
//
// Spec: TS 33.501 §6.1.3.2.0 step 7, §A.2, §A.4; TS 33.102 §6.3.3
func UEResponse(k, opc, rand, autn []byte, snn string, check SQNCheck) (resStar, kausf []byte, err error) {
	r, err := verifyAUTN(k, opc, rand, autn, check)
	if err != nil {
		return nil, nil, err
	}
	return RESStar(r.ck[:], r.ik[:], snn, rand, r.res[:]), KAUSF(r.ck[:], r.ik[:], snn, autn[:6]), nil
}

// Resync is the home environment's side of re-synchronisation: it checks
// MAC-S in AUTS (computed with the dummy AMF 0x0000) and returns SQN_MS, from
// which the next vector's SQN continues.
//
// Spec: TS 33.102 §6.3.5, §6.3.3
func Resync(k, opc, rand, auts []byte) (sqnMS uint64, err error) {
	m, err := NewMilenage(k, opc)
	if err != nil {
		return 0, err
	}
	if len(rand) != 16 || len(auts) != 14 {
		return 0, fmt.Errorf("aka: resync needs a 16-octet RAND and a 14-octet AUTS, got %d and %d", len(rand), len(auts))
	}
	akStar := m.F5Star([16]byte(rand))
	var sqn [6]byte
	for i := range sqn {
		sqn[i] = auts[i] ^ akStar[i]
	}
	_, macS := m.F1([16]byte(rand), sqn, [2]byte{})
	if subtle.ConstantTimeCompare(macS[:], auts[6:14]) != 1 {
		return 0, ErrMACFailure
	}
	return sqnToUint(sqn), nil
}

// challenge holds the Milenage outputs behind one authentication vector.
type challenge struct {
	autn   [16]byte
	res    [8]byte
	ck, ik [16]byte
}

// newChallenge computes AUTN = SQN ⊕ AK || AMF || MAC-A with the separation
// bit set, and RES, CK, IK.
//
// Spec: TS 33.102 §6.3.2
func newChallenge(k, opc, amf []byte, sqn uint64, rand []byte) (challenge, error) {
	m, err := NewMilenage(k, opc)
	if err != nil {
		return challenge{}, err
	}
	if len(rand) != 16 || len(amf) != 2 {
		return challenge{}, fmt.Errorf("aka: RAND must be 16 octets and AMF 2, got %d and %d", len(rand), len(amf))
	}
	if sqn > MaxSQN {
		return challenge{}, fmt.Errorf("aka: SQN %#x is wider than 48 bits", sqn)
	}
	a := [2]byte{amf[0] | separationBit, amf[1]}
	s := uintToSQN(sqn)
	macA, _ := m.F1([16]byte(rand), s, a)
	var c challenge
	var ak [6]byte
	c.res, c.ck, c.ik, ak = m.F2345([16]byte(rand))
	for i := range s {
		c.autn[i] = s[i] ^ ak[i]
	}
	copy(c.autn[6:8], a[:])
	copy(c.autn[8:16], macA[:])
	return c, nil
}

// verifyAUTN is the USIM and ME check of AUTN shared by 5G-AKA and EAP-AKA'.
// The order follows TS 33.102 §6.3.3: MAC-A first, then SQN.
func verifyAUTN(k, opc, rand, autn []byte, check SQNCheck) (challenge, error) {
	m, err := NewMilenage(k, opc)
	if err != nil {
		return challenge{}, err
	}
	if len(rand) != 16 || len(autn) != 16 {
		return challenge{}, fmt.Errorf("aka: RAND and AUTN must be 16 octets, got %d and %d", len(rand), len(autn))
	}
	if check == nil {
		return challenge{}, errors.New("aka: no SQN check")
	}
	var c challenge
	var ak [6]byte
	c.res, c.ck, c.ik, ak = m.F2345([16]byte(rand))
	var sqn [6]byte
	for i := range sqn {
		sqn[i] = autn[i] ^ ak[i]
	}
	xmac, _ := m.F1([16]byte(rand), sqn, [2]byte(autn[6:8]))
	if subtle.ConstantTimeCompare(xmac[:], autn[8:16]) != 1 {
		return challenge{}, ErrMACFailure
	}
	// Spec: TS 33.501 §6.1.3.2.0 step 7: the ME checks the separation bit.
	if autn[6]&separationBit == 0 {
		return challenge{}, ErrNon5GAuth
	}
	if ok, sqnMS := check(sqnToUint(sqn)); !ok {
		return challenge{}, &SyncFailureError{AUTS: auts(m, [16]byte(rand), sqnMS)}
	}
	c.autn = [16]byte(autn)
	return c, nil
}

// auts builds AUTS = SQN_MS ⊕ AK* || MAC-S with the dummy AMF 0x0000.
//
// Spec: TS 33.102 §6.3.3
func auts(m *Milenage, rand [16]byte, sqnMS uint64) []byte {
	s := uintToSQN(sqnMS & MaxSQN)
	_, macS := m.F1(rand, s, [2]byte{})
	akStar := m.F5Star(rand)
	out := make([]byte, 14)
	for i := range s {
		out[i] = s[i] ^ akStar[i]
	}
	copy(out[6:], macS[:])
	return out
}

func uintToSQN(v uint64) [6]byte {
	return [6]byte{byte(v >> 40), byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

func sqnToUint(s [6]byte) uint64 {
	return uint64(s[0])<<40 | uint64(s[1])<<32 | uint64(s[2])<<24 | uint64(s[3])<<16 | uint64(s[4])<<8 | uint64(s[5])
}
