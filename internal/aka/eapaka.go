package aka

// EAPVector is what the UDM/ARPF returns for EAP-AKA': the transformed
// authentication vector (RAND, AUTN, XRES, CK', IK').
//
// Spec: TS 33.501 §6.1.3.1 step 2, §A.3
type EAPVector struct {
	RAND    []byte // 16 octets
	AUTN    []byte // 16 octets
	XRES    []byte // 8 octets (Milenage f2)
	CKPrime []byte // 16 octets
	IKPrime []byte // 16 octets
}

// EAPKeys are the EAP-AKA' keys derived from the master key MK.
//
// Spec: RFC 9048 §3.3
type EAPKeys struct {
	KEncr []byte // 16 octets, for AT_ENCR_DATA
	KAut  []byte // 32 octets, for AT_MAC (HMAC-SHA-256-128)
	KRe   []byte // 32 octets, fast re-authentication (not used in 5GS)
	MSK   []byte // 64 octets
	EMSK  []byte // 64 octets
}

// KDFEAPAKAPrime is the only AT_KDF value defined: the key derivation of
// RFC 9048 §3.3 with CK'/IK' from TS 33.402 Annex A.2.
const KDFEAPAKAPrime = 1

// GenerateEAPVector builds the EAP-AKA' vector for one subscriber (K, OPc).
// networkName is the serving network name (the AT_KDF_INPUT value in 5G). The
// AMF separation bit is set as for 5G-AKA.
//
// Spec: TS 33.501 §6.1.3.1 step 2, §A.3
func GenerateEAPVector(k, opc, amf []byte, sqn uint64, rand []byte, networkName string) (EAPVector, error) {
	c, err := newChallenge(k, opc, amf, sqn, rand)
	if err != nil {
		return EAPVector{}, err
	}
	ckp, ikp := CKIKPrime(c.ck[:], c.ik[:], networkName, c.autn[:6])
	return EAPVector{
		RAND:    append([]byte(nil), rand...),
		AUTN:    c.autn[:],
		XRES:    c.res[:],
		CKPrime: ckp,
		IKPrime: ikp,
	}, nil
}

// DeriveEAPKeys computes MK = PRF'(IK' | CK', "EAP-AKA'" | Identity) and
// splits it into K_encr, K_aut, K_re, MSK and EMSK. In 5G the Identity is the
// SUPI as SupiKeyInput gives it, not the identity sent in EAP (Annex F.3).
//
// Spec: RFC 9048 §3.3, TS 33.501 §F.3
func DeriveEAPKeys(ckPrime, ikPrime, identity []byte) EAPKeys {
	s := append([]byte("EAP-AKA'"), identity...)
	mk := PRFPrime(concat(ikPrime, ckPrime), s, 208)
	return EAPKeys{
		KEncr: mk[0:16],
		KAut:  mk[16:48],
		KRe:   mk[48:80],
		MSK:   mk[80:144],
		EMSK:  mk[144:208],
	}
}

// KAUSF returns the 256 most significant bits of EMSK, which is KAUSF when
// EAP-AKA' is the 5G authentication method.
//
// Spec: TS 33.501 §6.1.3.1
func (k EAPKeys) KAUSF() []byte { return k.EMSK[:32] }

// UEResponseEAP is the UE side of EAP-AKA': it verifies AUTN as for 5G-AKA
// (separation bit, MAC-A, SQN) and returns RES and CK', IK' for networkName,
// the AT_KDF_INPUT value. Errors are those of UEResponse.
//
// Spec: TS 33.501 §6.1.3.1 step 6, RFC 9048 §3.3
func UEResponseEAP(k, opc, rand, autn []byte, networkName string, check SQNCheck) (res, ckPrime, ikPrime []byte, err error) {
	c, err := verifyAUTN(k, opc, rand, autn, check)
	if err != nil {
		return nil, nil, nil, err
	}
	ckPrime, ikPrime = CKIKPrime(c.ck[:], c.ik[:], networkName, autn[:6])
	return c.res[:], ckPrime, ikPrime, nil
}
