package aka

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// EAP codes.
//
// Spec: RFC 3748 §4
const (
	EAPRequest  = 1
	EAPResponse = 2
	EAPSuccess  = 3
	EAPFailure  = 4
)

// EAP method types used with 5G.
//
// Spec: RFC 3748 §5, RFC 4187 §11, RFC 9048 §6
const (
	EAPTypeIdentity = 1
	EAPTypeAKA      = 23
	EAPTypeAKAPrime = 50
)

// EAP-AKA and EAP-AKA' subtypes.
//
// Spec: RFC 4187 §11
const (
	SubtypeChallenge        = 1
	SubtypeAuthReject       = 2
	SubtypeSyncFailure      = 4
	SubtypeIdentity         = 5
	SubtypeNotification     = 12
	SubtypeReauthentication = 13
	SubtypeClientError      = 14
)

// Encoding sizes of RFC 3748 §4 and RFC 4187 §8.1.
const (
	eapHeader       = 4 // Code, Identifier, Length(2)
	akaHeader       = 8 // eapHeader, Type, Subtype, Reserved(2)
	attributeHeader = 2 // Type, Length
	attributeUnit   = 4 // attribute Length counts 4-octet units
	maxAttributeLen = 255 * attributeUnit
	macValueLen     = 18 // AT_MAC/AT_RAND/AT_AUTN: Reserved(2) + 16
)

// EAP-AKA and EAP-AKA' attribute types. Types 0-127 are non-skippable: a peer
// that does not know one must fail the exchange; 128-255 may be ignored.
//
// Spec: RFC 4187 §8.1, §11; RFC 9048 §6
const (
	AtRAND             = 1
	AtAUTN             = 2
	AtRES              = 3
	AtAUTS             = 4
	AtPadding          = 6
	AtPermanentIDReq   = 10
	AtMAC              = 11
	AtNotification     = 12
	AtAnyIDReq         = 13
	AtIdentity         = 14
	AtFullauthIDReq    = 17
	AtCounter          = 19
	AtCounterTooSmall  = 20
	AtNonceS           = 21
	AtClientErrorCode  = 22
	AtKDFInput         = 23
	AtKDF              = 24
	AtIV               = 129
	AtEncrData         = 130
	AtNextPseudonym    = 132
	AtNextReauthID     = 133
	AtCheckcode        = 134
	AtResultInd        = 135
	AtBidding          = 136
	firstSkippableType = 128
)

// ErrEAPMAC is returned when AT_MAC is missing or does not verify.
var ErrEAPMAC = errors.New("aka: EAP AT_MAC missing or invalid")

// EAPPacket is an EAP packet. For EAP-AKA and EAP-AKA' (Type 23 and 50) the
// method data is parsed into Subtype and Attributes, keeping unknown
// attributes; for other types it is left in Data.
//
// Spec: RFC 3748 §4, RFC 4187 §8.1
type EAPPacket struct {
	Code       uint8
	Identifier uint8
	Type       uint8 // Request and Response only
	Subtype    uint8 // EAP-AKA(') only
	Attributes []EAPAttribute
	Data       []byte // type data of other methods
}

// EAPAttribute is one EAP-AKA attribute. Value is everything after the Type
// and Length octets, reserved fields included, so len(Value)%4 == 2.
type EAPAttribute struct {
	Type  uint8
	Value []byte
}

// ParseEAP decodes an EAP packet. Octets after the EAP Length are ignored as
// RFC 3748 §4.1 says (lower-layer padding); attributes must tile the method
// data exactly.
func ParseEAP(b []byte) (*EAPPacket, error) {
	if len(b) < eapHeader {
		return nil, fmt.Errorf("aka: EAP packet of %d octets is shorter than its header", len(b))
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < eapHeader || n > len(b) {
		return nil, fmt.Errorf("aka: EAP Length %d does not fit %d octets", n, len(b))
	}
	b = b[:n]
	p := &EAPPacket{Code: b[0], Identifier: b[1]}
	switch p.Code {
	case EAPSuccess, EAPFailure:
		if n != eapHeader {
			return nil, fmt.Errorf("aka: EAP Success/Failure with %d octets", n)
		}
		return p, nil
	case EAPRequest, EAPResponse:
	default:
		return nil, fmt.Errorf("aka: unknown EAP Code %d", p.Code)
	}
	if n < eapHeader+1 {
		return nil, errors.New("aka: EAP Request/Response without a Type")
	}
	p.Type = b[4]
	if p.Type != EAPTypeAKA && p.Type != EAPTypeAKAPrime {
		p.Data = append([]byte(nil), b[5:]...)
		return p, nil
	}
	if n < akaHeader {
		return nil, errors.New("aka: EAP-AKA packet shorter than its 8-octet header")
	}
	p.Subtype = b[5]
	for rest := b[akaHeader:]; len(rest) > 0; {
		if len(rest) < attributeHeader {
			return nil, errors.New("aka: truncated EAP-AKA attribute")
		}
		l := int(rest[1]) * attributeUnit
		if l == 0 || l > len(rest) {
			return nil, fmt.Errorf("aka: EAP-AKA attribute %d has length %d of %d octets left", rest[0], l, len(rest))
		}
		p.Attributes = append(p.Attributes, EAPAttribute{Type: rest[0], Value: append([]byte(nil), rest[attributeHeader:l]...)})
		rest = rest[l:]
	}
	return p, nil
}

// Marshal encodes the packet. It returns an error for an attribute whose
// value does not fill whole 4-octet units or is too long.
func (p *EAPPacket) Marshal() ([]byte, error) {
	b := []byte{p.Code, p.Identifier, 0, eapHeader}
	switch p.Code {
	case EAPSuccess, EAPFailure:
		return b, nil
	}
	b = append(b, p.Type)
	if p.Type != EAPTypeAKA && p.Type != EAPTypeAKAPrime {
		b = append(b, p.Data...)
	} else {
		b = append(b, p.Subtype, 0, 0)
		for _, a := range p.Attributes {
			l := attributeHeader + len(a.Value)
			if l%attributeUnit != 0 || l > maxAttributeLen {
				return nil, fmt.Errorf("aka: EAP-AKA attribute %d: %d octets is not a multiple of 4 up to 1020", a.Type, l)
			}
			b = append(b, a.Type, byte(l/attributeUnit))
			b = append(b, a.Value...)
		}
	}
	if len(b) > 0xffff {
		return nil, fmt.Errorf("aka: EAP packet of %d octets", len(b))
	}
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	return b, nil
}

// Attribute returns the first attribute of type t.
func (p *EAPPacket) Attribute(t uint8) (EAPAttribute, bool) {
	for _, a := range p.Attributes {
		if a.Type == t {
			return a, true
		}
	}
	return EAPAttribute{}, false
}

// UnknownNonSkippable returns the first attribute type below 128 that this
// package does not know, which the receiver must reject (RFC 4187 §8.1).
func (p *EAPPacket) UnknownNonSkippable() (uint8, bool) {
	for _, a := range p.Attributes {
		if a.Type < firstSkippableType && !knownAttribute(a.Type) {
			return a.Type, true
		}
	}
	return 0, false
}

func knownAttribute(t uint8) bool {
	switch t {
	case AtRAND, AtAUTN, AtRES, AtAUTS, AtPadding, AtPermanentIDReq, AtMAC, AtNotification,
		AtAnyIDReq, AtIdentity, AtFullauthIDReq, AtCounter, AtCounterTooSmall, AtNonceS,
		AtClientErrorCode, AtKDFInput, AtKDF:
		return true
	}
	return false
}

// Reserved16 builds an attribute of two reserved octets and a 16-octet value:
// AT_RAND, AT_AUTN, AT_MAC.
//
// Spec: RFC 4187 §10.6, §10.7, §10.15
func Reserved16(t uint8, v []byte) EAPAttribute {
	return EAPAttribute{Type: t, Value: append([]byte{0, 0}, v...)}
}

// Value16 returns the 16-octet value of an AT_RAND, AT_AUTN or AT_MAC.
func (a EAPAttribute) Value16() ([]byte, error) {
	if len(a.Value) != macValueLen {
		return nil, fmt.Errorf("aka: attribute %d: want 2 reserved + 16 octets, got %d", a.Type, len(a.Value))
	}
	return a.Value[2:], nil
}

// withLength builds an attribute whose value starts with a 2-octet actual
// length (in octets, or in bits for AT_RES) and is zero-padded to 4 octets.
func withLength(t uint8, length int, v []byte) EAPAttribute {
	val := binary.BigEndian.AppendUint16(nil, uint16(length))
	val = append(val, v...)
	for (attributeHeader+len(val))%attributeUnit != 0 {
		val = append(val, 0)
	}
	return EAPAttribute{Type: t, Value: val}
}

// lengthValue reads an attribute built by withLength; bits counts in bits.
func (a EAPAttribute) lengthValue(bits bool) ([]byte, error) {
	if len(a.Value) < 2 {
		return nil, fmt.Errorf("aka: attribute %d too short", a.Type)
	}
	n := int(binary.BigEndian.Uint16(a.Value))
	if bits {
		n = (n + 7) / 8
	}
	if n > len(a.Value)-2 {
		return nil, fmt.Errorf("aka: attribute %d: actual length %d exceeds its %d octets", a.Type, n, len(a.Value)-2)
	}
	return a.Value[2 : 2+n], nil
}

// ResAttribute builds AT_RES, whose length field counts bits.
//
// Spec: RFC 4187 §10.8
func ResAttribute(res []byte) EAPAttribute { return withLength(AtRES, len(res)*8, res) }

// RES returns the RES carried in an AT_RES.
func (a EAPAttribute) RES() ([]byte, error) { return a.lengthValue(true) }

// KDFInputAttribute builds AT_KDF_INPUT carrying the network name.
//
// Spec: RFC 9048 §3.1
func KDFInputAttribute(networkName string) EAPAttribute {
	return withLength(AtKDFInput, len(networkName), []byte(networkName))
}

// KDFInput returns the network name carried in an AT_KDF_INPUT.
func (a EAPAttribute) KDFInput() (string, error) {
	v, err := a.lengthValue(false)
	return string(v), err
}

// IdentityAttribute builds AT_IDENTITY.
//
// Spec: RFC 4187 §10.5
func IdentityAttribute(identity []byte) EAPAttribute {
	return withLength(AtIdentity, len(identity), identity)
}

// Identity returns the identity carried in an AT_IDENTITY.
func (a EAPAttribute) Identity() ([]byte, error) { return a.lengthValue(false) }

// Uint16Attribute builds a 2-octet attribute: AT_KDF, AT_CLIENT_ERROR_CODE,
// AT_NOTIFICATION, AT_COUNTER, AT_BIDDING.
//
// Spec: RFC 9048 §3.2, RFC 4187 §10.12, §10.19, §10.20
func Uint16Attribute(t uint8, v uint16) EAPAttribute {
	return EAPAttribute{Type: t, Value: binary.BigEndian.AppendUint16(nil, v)}
}

// Uint16 returns the value of a 2-octet attribute.
func (a EAPAttribute) Uint16() (uint16, error) {
	if len(a.Value) != 2 {
		return 0, fmt.Errorf("aka: attribute %d: want 2 octets, got %d", a.Type, len(a.Value))
	}
	return binary.BigEndian.Uint16(a.Value), nil
}

// AutsAttribute builds AT_AUTS (14 octets, no reserved field).
//
// Spec: RFC 4187 §10.9
func AutsAttribute(auts []byte) EAPAttribute {
	return EAPAttribute{Type: AtAUTS, Value: append([]byte(nil), auts...)}
}

// ChallengeRequest builds an EAP-Request/AKA'-Challenge with AT_RAND, AT_AUTN,
// AT_KDF (1), AT_KDF_INPUT and a valid AT_MAC keyed with kAut.
//
// Spec: RFC 9048 §3, TS 33.501 §6.1.3.1 step 5
func ChallengeRequest(id uint8, rand, autn []byte, networkName string, kAut []byte) ([]byte, error) {
	p := &EAPPacket{Code: EAPRequest, Identifier: id, Type: EAPTypeAKAPrime, Subtype: SubtypeChallenge,
		Attributes: []EAPAttribute{
			Reserved16(AtRAND, rand),
			Reserved16(AtAUTN, autn),
			Uint16Attribute(AtKDF, KDFEAPAKAPrime),
			KDFInputAttribute(networkName),
		}}
	return SignEAP(p, kAut)
}

// ChallengeResponse builds an EAP-Response/AKA'-Challenge with AT_RES and a
// valid AT_MAC keyed with kAut.
//
// Spec: RFC 4187 §9.4, RFC 9048 §3
func ChallengeResponse(id uint8, res, kAut []byte) ([]byte, error) {
	p := &EAPPacket{Code: EAPResponse, Identifier: id, Type: EAPTypeAKAPrime, Subtype: SubtypeChallenge,
		Attributes: []EAPAttribute{ResAttribute(res)}}
	return SignEAP(p, kAut)
}

// SignEAP appends AT_MAC to p and encodes it with the MAC filled in: the
// first 16 octets of HMAC-SHA-256(K_aut, packet with a zero MAC value).
//
// Spec: RFC 9048 §3.4.1 (AT_MAC), RFC 4187 §10.15
func SignEAP(p *EAPPacket, kAut []byte) ([]byte, error) {
	q := *p
	q.Attributes = append(append([]EAPAttribute(nil), p.Attributes...), Reserved16(AtMAC, make([]byte, 16)))
	b, err := q.Marshal()
	if err != nil {
		return nil, err
	}
	off, err := macOffset(b)
	if err != nil {
		return nil, err
	}
	copy(b[off:off+16], eapMAC(kAut, b))
	return b, nil
}

// VerifyEAP checks the AT_MAC of a received EAP-AKA' packet b with kAut.
//
// Spec: RFC 9048 §3.4.1, RFC 4187 §10.15
func VerifyEAP(b, kAut []byte) error {
	if len(b) >= eapHeader {
		if n := int(binary.BigEndian.Uint16(b[2:4])); n <= len(b) {
			b = b[:n]
		}
	}
	off, err := macOffset(b)
	if err != nil {
		return err
	}
	got := append([]byte(nil), b[off:off+16]...)
	zeroed := append([]byte(nil), b...)
	clear(zeroed[off : off+16])
	if !hmac.Equal(got, eapMAC(kAut, zeroed)) {
		return ErrEAPMAC
	}
	return nil
}

// eapMAC is HMAC-SHA-256-128 over the packet.
func eapMAC(kAut, packet []byte) []byte {
	m := hmac.New(sha256.New, kAut)
	m.Write(packet)
	return m.Sum(nil)[:16]
}

// macOffset finds the MAC value of the single AT_MAC in an encoded EAP-AKA
// packet.
func macOffset(b []byte) (int, error) {
	if len(b) < akaHeader {
		return 0, ErrEAPMAC
	}
	off := -1
	for i := akaHeader; i < len(b); {
		if i+attributeHeader > len(b) || b[i+1] == 0 || i+int(b[i+1])*attributeUnit > len(b) {
			return 0, errors.New("aka: malformed EAP-AKA attributes")
		}
		if b[i] == AtMAC {
			if off >= 0 || int(b[i+1])*attributeUnit != attributeHeader+macValueLen {
				return 0, ErrEAPMAC
			}
			off = i + attributeHeader + 2
		}
		i += int(b[i+1]) * attributeUnit
	}
	if off < 0 {
		return 0, ErrEAPMAC
	}
	return off, nil
}
