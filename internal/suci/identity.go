// Package suci conceals and deconceals subscription identifiers: the SUCI of
// TS 33.501 §6.12.2 and Annex C (null scheme, ECIES Profile A on X25519 and
// Profile B on P-256 with compressed ephemeral keys), the home network key
// pairs that `go5g keys` manages, and the SUCI encodings: the NAS 5GS mobile
// identity (TS 24.501 §9.11.3.4), the "suci-..." string of SBI
// (TS 29.503/29.571) and the SUCI NAI (TS 23.003 §28.7.3).
//
// Only the standard library is used: crypto/ecdh, AES-CTR, HMAC-SHA-256 and
// our ANSI X9.63 KDF. Everything a peer sends is validated and errors are
// typed (ErrMAC, ErrLength, ErrUnknownKey, ErrBadPoint, ErrScheme, ErrFormat).
package suci

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Scheme is a protection scheme identifier.
//
// Spec: TS 33.501 §C.1, TS 24.501 §9.11.3.4
type Scheme uint8

// Protection schemes of TS 33.501 Annex C.
const (
	NullScheme Scheme = 0x0
	ProfileA   Scheme = 0x1 // ECIES, X25519
	ProfileB   Scheme = 0x2 // ECIES, secp256r1
)

func (s Scheme) String() string {
	switch s {
	case NullScheme:
		return "null"
	case ProfileA:
		return "A"
	case ProfileB:
		return "B"
	}
	return "scheme " + strconv.Itoa(int(s))
}

// SUPIFormat is the SUPI type carried in a SUCI.
//
// Spec: TS 23.003 §2.2B, TS 24.501 §9.11.3.4
type SUPIFormat uint8

// SUPI formats this package handles (GCI and GLI are not supported).
const (
	FormatIMSI SUPIFormat = 0
	FormatNSI  SUPIFormat = 1 // network specific identifier, a NAI
)

// Errors. Wrapped errors say more; test with errors.Is.
var (
	ErrFormat     = errors.New("suci: malformed identity")
	ErrLength     = errors.New("suci: bad length")
	ErrScheme     = errors.New("suci: unsupported protection scheme")
	ErrUnknownKey = errors.New("suci: no home network key for this scheme and key identifier")
	ErrBadPoint   = errors.New("suci: invalid public key")
	ErrMAC        = errors.New("suci: MAC tag mismatch")
)

// SUPI is a subscription permanent identifier: an IMSI split into MCC, MNC
// and MSIN (the split is needed to conceal it) or a NAI.
//
// Spec: TS 23.003 §2.2A
type SUPI struct {
	Format         SUPIFormat
	MCC, MNC, MSIN string // FormatIMSI
	NAI            string // FormatNSI: username@realm
}

// NewIMSI checks and returns an IMSI SUPI: 3-digit MCC, 2- or 3-digit MNC,
// and an MSIN of at most 15 digits in all.
//
// Spec: TS 23.003 §2.2
func NewIMSI(mcc, mnc, msin string) (SUPI, error) {
	if len(mcc) != 3 || !isDigits(mcc) || (len(mnc) != 2 && len(mnc) != 3) || !isDigits(mnc) {
		return SUPI{}, fmt.Errorf("%w: MCC %q / MNC %q", ErrFormat, mcc, mnc)
	}
	if msin == "" || !isDigits(msin) || len(mcc)+len(mnc)+len(msin) > 15 {
		return SUPI{}, fmt.Errorf("%w: MSIN %q", ErrFormat, msin)
	}
	return SUPI{Format: FormatIMSI, MCC: mcc, MNC: mnc, MSIN: msin}, nil
}

// NewNAI checks and returns a network specific identifier SUPI
// (username@realm, both parts non-empty).
//
// Spec: TS 23.003 §28.7.2
func NewNAI(nai string) (SUPI, error) {
	user, realm, ok := splitNAI(nai)
	if !ok || strings.Contains(user, "@") || realm == "" {
		return SUPI{}, fmt.Errorf("%w: NAI %q is not username@realm", ErrFormat, nai)
	}
	return SUPI{Format: FormatNSI, NAI: nai}, nil
}

// String gives the TS 29.571 form: "imsi-<digits>" or "nai-<NAI>".
func (s SUPI) String() string {
	if s.Format == FormatNSI {
		return "nai-" + s.NAI
	}
	return "imsi-" + s.MCC + s.MNC + s.MSIN
}

// schemeInput is what the protection scheme conceals: the BCD-coded MSIN, or
// the username of a NAI.
//
// Spec: TS 33.501 §6.12.2, TS 24.501 §9.11.3.4
func (s SUPI) schemeInput() ([]byte, error) {
	switch s.Format {
	case FormatIMSI:
		if _, err := NewIMSI(s.MCC, s.MNC, s.MSIN); err != nil {
			return nil, err
		}
		return encodeBCD(s.MSIN), nil
	case FormatNSI:
		if _, err := NewNAI(s.NAI); err != nil {
			return nil, err
		}
		user, _, _ := splitNAI(s.NAI)
		return []byte(user), nil
	}
	return nil, fmt.Errorf("%w: SUPI format %d", ErrFormat, s.Format)
}

// SUCI is a subscription concealed identifier.
//
// Spec: TS 23.003 §2.2B, TS 33.501 §6.12.2
type SUCI struct {
	Format           SUPIFormat
	MCC, MNC         string // home network identifier, FormatIMSI
	Realm            string // home network identifier, FormatNSI
	RoutingIndicator string // 1 to 4 digits
	Scheme           Scheme
	KeyID            uint8 // home network public key identifier; 0 with the null scheme
	// Output is the scheme output. With the null scheme it is the scheme
	// input: the BCD-coded MSIN (IMSI) or the NAI username (NSI).
	Output []byte
}

// String gives the SBI form of an IMSI-based SUCI,
// "suci-0-<MCC>-<MNC>-<routing indicator>-<scheme>-<key id>-<output>", with
// the MSIN in digits for the null scheme and hex otherwise. Other SUPI
// formats have no unambiguous string form here; use NAI.
//
// Spec: TS 23.003 §28.7.3, TS 29.503 (SupiOrSuci pattern)
func (s SUCI) String() string {
	out := fmt.Sprintf("%x", s.Output)
	if s.Scheme == NullScheme {
		if msin, err := decodeBCD(s.Output); err == nil {
			out = msin
		}
	}
	return fmt.Sprintf("suci-%d-%s-%s-%s-%x-%d-%s", s.Format, s.MCC, s.MNC, s.RoutingIndicator, uint8(s.Scheme), s.KeyID, out)
}

// ParseSUCI parses the SBI string form of an IMSI-based SUCI (see String).
func ParseSUCI(str string) (SUCI, error) {
	f := strings.Split(str, "-")
	if len(f) != 8 || f[0] != "suci" {
		return SUCI{}, fmt.Errorf("%w: %q is not suci-0-<mcc>-<mnc>-<ri>-<scheme>-<keyid>-<output>", ErrFormat, str)
	}
	if f[1] != "0" {
		return SUCI{}, fmt.Errorf("%w: SUPI type %q in a SUCI string", ErrFormat, f[1])
	}
	s := SUCI{Format: FormatIMSI, MCC: f[2], MNC: f[3], RoutingIndicator: f[4]}
	if err := s.checkHeader(); err != nil {
		return SUCI{}, err
	}
	scheme, err := strconv.ParseUint(f[5], 16, 4)
	if err != nil || len(f[5]) != 1 {
		return SUCI{}, fmt.Errorf("%w: protection scheme %q", ErrFormat, f[5])
	}
	s.Scheme = Scheme(scheme)
	keyID, err := strconv.ParseUint(f[6], 10, 8)
	if err != nil || (len(f[6]) > 1 && f[6][0] == '0') {
		return SUCI{}, fmt.Errorf("%w: home network public key id %q", ErrFormat, f[6])
	}
	s.KeyID = uint8(keyID)
	if s.Scheme == NullScheme {
		if f[7] == "" || !isDigits(f[7]) || len(s.MCC)+len(s.MNC)+len(f[7]) > 15 {
			return SUCI{}, fmt.Errorf("%w: null-scheme MSIN %q", ErrFormat, f[7])
		}
		s.Output = encodeBCD(f[7])
		return s, nil
	}
	if s.Output, err = hex.DecodeString(f[7]); err != nil || len(s.Output) == 0 {
		return SUCI{}, fmt.Errorf("%w: scheme output %q is not hex", ErrFormat, f[7])
	}
	return s, nil
}

// checkHeader validates the cleartext fields of an IMSI-based SUCI.
func (s SUCI) checkHeader() error {
	if len(s.MCC) != 3 || !isDigits(s.MCC) || (len(s.MNC) != 2 && len(s.MNC) != 3) || !isDigits(s.MNC) {
		return fmt.Errorf("%w: MCC %q / MNC %q", ErrFormat, s.MCC, s.MNC)
	}
	if len(s.RoutingIndicator) < 1 || len(s.RoutingIndicator) > 4 || !isDigits(s.RoutingIndicator) {
		return fmt.Errorf("%w: routing indicator %q is not 1 to 4 digits", ErrFormat, s.RoutingIndicator)
	}
	return nil
}

// splitNAI splits username@realm at the last '@'.
func splitNAI(nai string) (user, realm string, ok bool) {
	i := strings.LastIndexByte(nai, '@')
	if i <= 0 {
		return "", "", false
	}
	return nai[:i], nai[i+1:], true
}

// encodeBCD packs decimal digits two per octet, the first digit in the low
// nibble, and fills an odd last octet's high nibble with 0xF.
//
// Spec: TS 24.501 §9.11.3.4 (MSIN of the null scheme), TS 24.008 §10.5.1.4
func encodeBCD(digits string) []byte {
	out := make([]byte, (len(digits)+1)/2)
	for i := range out {
		lo := digits[2*i] - '0'
		hi := byte(0xf)
		if 2*i+1 < len(digits) {
			hi = digits[2*i+1] - '0'
		}
		out[i] = hi<<4 | lo
	}
	return out
}

// decodeBCD reverses encodeBCD; only the last high nibble may be the filler.
func decodeBCD(b []byte) (string, error) {
	if len(b) == 0 {
		return "", fmt.Errorf("%w: empty BCD digits", ErrFormat)
	}
	digits := make([]byte, 0, 2*len(b))
	for i, o := range b {
		lo, hi := o&0xf, o>>4
		if lo > 9 || hi > 9 && !(hi == 0xf && i == len(b)-1) {
			return "", fmt.Errorf("%w: octet %#02x is not BCD", ErrFormat, o)
		}
		digits = append(digits, '0'+lo)
		if hi != 0xf {
			digits = append(digits, '0'+hi)
		}
	}
	return string(digits), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
