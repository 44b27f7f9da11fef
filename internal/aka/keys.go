package aka

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// FC values of the TS 33.501 Annex A derivations (TS 33.220 Annex B.2 input).
const (
	fcCKIKPrime  = 0x20 // TS 33.402 Annex A.2, used by TS 33.501 Annex A.3
	fcAlgKey     = 0x69 // A.8
	fcKAUSF      = 0x6A // A.2
	fcRESStar    = 0x6B // A.4
	fcKSEAF      = 0x6C // A.6
	fcKAMF       = 0x6D // A.7
	fcKgNB       = 0x6E // A.9
	fcNH         = 0x6F // A.10
	fcKNGRANStar = 0x70 // A.11
)

// AlgorithmType is the algorithm type distinguisher of a TS 33.501 Annex A.8
// derivation: which key of which layer is derived.
type AlgorithmType uint8

// Algorithm type distinguishers.
//
// Spec: TS 33.501 §A.8 Table A.8-1
const (
	NASEnc AlgorithmType = 0x01 // N-NAS-enc-alg
	NASInt AlgorithmType = 0x02 // N-NAS-int-alg
	RRCEnc AlgorithmType = 0x03 // N-RRC-enc-alg
	RRCInt AlgorithmType = 0x04 // N-RRC-int-alg
	UPEnc  AlgorithmType = 0x05 // N-UP-enc-alg
	UPInt  AlgorithmType = 0x06 // N-UP-int-alg
)

// AccessType is the access type distinguisher of TS 33.501 Annex A.9.
type AccessType uint8

// Access type distinguishers.
//
// Spec: TS 33.501 §A.9 Table A.9-1
const (
	Access3GPP    AccessType = 0x01
	AccessNon3GPP AccessType = 0x02
)

// ServingNetworkName returns the serving network name of a PLMN,
// "5G:mnc<MNC>.mcc<MCC>.3gppnetwork.org", with a two-digit MNC padded to three
// digits by a leading zero. It binds 5G-AKA and EAP-AKA' keys to the network.
//
// Spec: TS 33.501 §6.1.1.4, TS 24.501 §9.12.1, TS 23.003 §28.2
func ServingNetworkName(mcc, mnc string) (string, error) {
	if len(mcc) != 3 || !isDigits(mcc) {
		return "", fmt.Errorf("aka: MCC %q is not 3 digits", mcc)
	}
	if (len(mnc) != 2 && len(mnc) != 3) || !isDigits(mnc) {
		return "", fmt.Errorf("aka: MNC %q is not 2 or 3 digits", mnc)
	}
	if len(mnc) == 2 {
		mnc = "0" + mnc
	}
	return "5G:mnc" + mnc + ".mcc" + mcc + ".3gppnetwork.org", nil
}

// KAUSF derives KAUSF from CK || IK for 5G-AKA.
//
// Spec: TS 33.501 §A.2
func KAUSF(ck, ik []byte, snn string, sqnXorAK []byte) []byte {
	return KDF(concat(ck, ik), fcKAUSF, []byte(snn), sqnXorAK)
}

// CKIKPrime derives CK' and IK' for EAP-AKA' from CK || IK. In 5G the access
// network identity is the serving network name.
//
// Spec: TS 33.501 §A.3, TS 33.402 §A.2, RFC 9048 §3.3
func CKIKPrime(ck, ik []byte, networkName string, sqnXorAK []byte) (ckPrime, ikPrime []byte) {
	out := KDF(concat(ck, ik), fcCKIKPrime, []byte(networkName), sqnXorAK)
	return out[:16], out[16:]
}

// RESStar derives RES* (UE) or XRES* (home network) from RES or XRES.
//
// Spec: TS 33.501 §A.4
func RESStar(ck, ik []byte, snn string, rand, res []byte) []byte {
	return Truncate128(KDF(concat(ck, ik), fcRESStar, []byte(snn), rand, res))
}

// HRESStar derives HRES* (SEAF) or HXRES* (AUSF): the last 16 octets of
// SHA-256(RAND || RES*), with no FC and no lengths.
//
// Spec: TS 33.501 §A.5
func HRESStar(rand, resStar []byte) []byte {
	h := sha256.Sum256(concat(rand, resStar))
	return Truncate128(h[:])
}

// KSEAF derives the anchor key KSEAF from KAUSF.
//
// Spec: TS 33.501 §A.6
func KSEAF(kausf []byte, snn string) []byte {
	return KDF(kausf, fcKSEAF, []byte(snn))
}

// KAMF derives KAMF from KSEAF. supi is in the TS 29.571 form ("imsi-<digits>"
// or "nai-<NAI>"); P0 is the bare IMSI digits or the NAI (SupiKeyInput).
//
// Spec: TS 33.501 §A.7.0, §A.7.1
func KAMF(kseaf []byte, supi string, abba []byte) ([]byte, error) {
	p0, err := SupiKeyInput(supi)
	if err != nil {
		return nil, err
	}
	return KDF(kseaf, fcKAMF, p0, abba), nil
}

// SupiKeyInput returns the SUPI as key derivations take it: the IMSI digits
// (TS 23.003 §2.2) for "imsi-" and the NAI (TS 23.003 §28.7.2) for "nai-".
// KAMF (A.7.0) and the EAP-AKA' Identity (Annex F.3) both use this form.
//
// Spec: TS 33.501 §A.7.0, §F.3
func SupiKeyInput(supi string) ([]byte, error) {
	if digits, ok := strings.CutPrefix(supi, "imsi-"); ok {
		if len(digits) < 5 || len(digits) > 15 || !isDigits(digits) {
			return nil, fmt.Errorf("aka: SUPI %q: IMSI must be 5 to 15 digits", supi)
		}
		return []byte(digits), nil
	}
	if nai, ok := strings.CutPrefix(supi, "nai-"); ok && nai != "" {
		return []byte(nai), nil
	}
	return nil, fmt.Errorf("aka: SUPI %q: want imsi-<digits> or nai-<NAI>", supi)
}

// AlgorithmKey derives a 128-bit NAS, RRC or UP algorithm key: KNASenc and
// KNASint from KAMF, the RRC and UP keys from KgNB.
//
// Spec: TS 33.501 §A.8
func AlgorithmKey(key []byte, typ AlgorithmType, algID uint8) []byte {
	return Truncate128(KDF(key, fcAlgKey, []byte{byte(typ)}, []byte{algID}))
}

// KgNB derives KgNB (3GPP access) or KN3IWF (non-3GPP access) from KAMF and
// the uplink NAS COUNT of the message that established the context.
//
// Spec: TS 33.501 §A.9
func KgNB(kamf []byte, uplinkNASCount uint32, access AccessType) []byte {
	return KDF(kamf, fcKgNB, binary.BigEndian.AppendUint32(nil, uplinkNASCount), []byte{byte(access)})
}

// NH derives the next hop key from KAMF; syncInput is the fresh KgNB for the
// first NH and the previous NH after that.
//
// Spec: TS 33.501 §A.10
func NH(kamf, syncInput []byte) []byte {
	return KDF(kamf, fcNH, syncInput)
}

// ErrARFCN is returned for an NR-ARFCN that does not fit its 3-octet field.
var ErrARFCN = errors.New("aka: ARFCN-DL does not fit in 3 octets")

// KNGRANStar derives KNG-RAN* for handover from KgNB (or NH) and the target
// cell's PCI and ARFCN-DL, which A.11 encodes in 2 and 3 octets.
//
// Spec: TS 33.501 §A.11
func KNGRANStar(key []byte, pci uint16, arfcnDL uint32) ([]byte, error) {
	if arfcnDL > 0xffffff {
		return nil, ErrARFCN
	}
	return KDF(key, fcKNGRANStar,
		binary.BigEndian.AppendUint16(nil, pci),
		[]byte{byte(arfcnDL >> 16), byte(arfcnDL >> 8), byte(arfcnDL)}), nil
}

// concat returns a || b in a new slice.
func concat(a, b []byte) []byte {
	out := make([]byte, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
