package suci

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// typeSUCI is the "type of identity" value of a SUCI in octet 4.
const typeSUCI = 0x01

// imsiHeader is octets 4 to 11 of an IMSI-based SUCI: type and SUPI format,
// MCC/MNC (3), routing indicator (2), protection scheme, HN public key id.
const imsiHeader = 8

// MarshalLen returns the length of the SUCI as 5GS mobile identity contents
// (octet 4 onwards, without IEI and length), or -1 for an unknown format.
func (s SUCI) MarshalLen() int {
	switch s.Format {
	case FormatIMSI:
		return imsiHeader + len(s.Output)
	case FormatNSI:
		nai, err := s.NAI()
		if err != nil {
			return -1
		}
		return 1 + len(nai)
	}
	return -1
}

// Marshal encodes the SUCI as 5GS mobile identity contents.
func (s SUCI) Marshal() ([]byte, error) {
	n := s.MarshalLen()
	if n < 0 {
		n = 0
	}
	b := make([]byte, n)
	if _, err := s.MarshalTo(b); err != nil {
		return nil, err
	}
	return b, nil
}

// MarshalTo encodes the SUCI as 5GS mobile identity contents into b, which
// must hold MarshalLen octets, and returns the number written.
//
// Spec: TS 24.501 §9.11.3.4 (Figures 9.11.3.4.3 and 9.11.3.4.3a)
func (s SUCI) MarshalTo(b []byte) (int, error) {
	n := s.MarshalLen()
	if n < 0 {
		return 0, fmt.Errorf("%w: SUPI format %d", ErrFormat, s.Format)
	}
	if len(b) < n {
		return 0, fmt.Errorf("%w: %d octets for a %d-octet SUCI", ErrLength, len(b), n)
	}
	b[0] = byte(s.Format)<<4 | typeSUCI
	if s.Format == FormatNSI {
		nai, _ := s.NAI()
		copy(b[1:], nai)
		return n, nil
	}
	if err := s.checkHeader(); err != nil {
		return 0, err
	}
	if s.Scheme > 0xf {
		return 0, fmt.Errorf("%w: protection scheme %d does not fit 4 bits", ErrFormat, s.Scheme)
	}
	mnc3 := byte(0xf)
	if len(s.MNC) == 3 {
		mnc3 = s.MNC[2] - '0'
	}
	b[1] = (s.MCC[1]-'0')<<4 | (s.MCC[0] - '0')
	b[2] = mnc3<<4 | (s.MCC[2] - '0')
	b[3] = (s.MNC[1]-'0')<<4 | (s.MNC[0] - '0')
	ri := [4]byte{0xf, 0xf, 0xf, 0xf}
	for i := 0; i < len(s.RoutingIndicator); i++ {
		ri[i] = s.RoutingIndicator[i] - '0'
	}
	b[4] = ri[1]<<4 | ri[0]
	b[5] = ri[3]<<4 | ri[2]
	b[6] = byte(s.Scheme)
	b[7] = s.KeyID
	copy(b[imsiHeader:], s.Output)
	return n, nil
}

// ParseMobileIdentity decodes 5GS mobile identity contents (octet 4 onwards)
// holding a SUCI. Spare bits are ignored; the scheme output is not checked
// here (Deconceal does).
//
// Spec: TS 24.501 §9.11.3.4
func ParseMobileIdentity(b []byte) (SUCI, error) {
	if len(b) < 1 {
		return SUCI{}, fmt.Errorf("%w: empty mobile identity", ErrLength)
	}
	if t := b[0] & 0x07; t != typeSUCI {
		return SUCI{}, fmt.Errorf("%w: type of identity %d is not SUCI", ErrFormat, t)
	}
	switch f := SUPIFormat(b[0] >> 4 & 0x07); f {
	case FormatNSI:
		return ParseNAI(string(b[1:]))
	case FormatIMSI:
	default:
		return SUCI{}, fmt.Errorf("%w: SUPI format %d not supported", ErrFormat, f)
	}
	if len(b) < imsiHeader {
		return SUCI{}, fmt.Errorf("%w: IMSI-based SUCI of %d octets", ErrLength, len(b))
	}
	nib := func(o byte, high bool) byte {
		if high {
			return o >> 4
		}
		return o & 0xf
	}
	digits := func(ns ...byte) (string, bool) {
		out := make([]byte, len(ns))
		for i, n := range ns {
			if n > 9 {
				return "", false
			}
			out[i] = '0' + n
		}
		return string(out), true
	}
	mcc, ok1 := digits(nib(b[1], false), nib(b[1], true), nib(b[2], false))
	mncNibbles := []byte{nib(b[3], false), nib(b[3], true)}
	if d3 := nib(b[2], true); d3 != 0xf {
		mncNibbles = append(mncNibbles, d3)
	}
	mnc, ok2 := digits(mncNibbles...)
	if !ok1 || !ok2 {
		return SUCI{}, fmt.Errorf("%w: MCC/MNC octets %x", ErrFormat, b[1:4])
	}
	riNibbles := []byte{nib(b[4], false), nib(b[4], true), nib(b[5], false), nib(b[5], true)}
	n := 0
	for n < 4 && riNibbles[n] != 0xf {
		n++
	}
	for _, x := range riNibbles[n:] {
		if x != 0xf {
			return SUCI{}, fmt.Errorf("%w: routing indicator octets %x", ErrFormat, b[4:6])
		}
	}
	ri, ok := digits(riNibbles[:n]...)
	if !ok || n == 0 {
		return SUCI{}, fmt.Errorf("%w: routing indicator octets %x", ErrFormat, b[4:6])
	}
	return SUCI{
		Format:           FormatIMSI,
		MCC:              mcc,
		MNC:              mnc,
		RoutingIndicator: ri,
		Scheme:           Scheme(b[6] & 0x0f),
		KeyID:            b[7],
		Output:           append([]byte(nil), b[imsiHeader:]...),
	}, nil
}

// NAI gives the SUCI NAI of a network specific identifier SUCI:
// "type1.rid<RI>.schid<scheme>.userid<username>@<realm>" with the null
// scheme, and ".hnkey<id>.ecckey<hex>.cip<hex>.mac<hex>" in place of
// ".userid..." with Profile A or B.
//
// Spec: TS 23.003 §28.7.3
func (s SUCI) NAI() (string, error) {
	if s.Format != FormatNSI {
		return "", fmt.Errorf("%w: SUCI NAI for SUPI format %d", ErrFormat, s.Format)
	}
	if s.Realm == "" || strings.Contains(s.Realm, "@") || len(s.RoutingIndicator) < 1 || len(s.RoutingIndicator) > 4 || !isDigits(s.RoutingIndicator) {
		return "", fmt.Errorf("%w: realm %q / routing indicator %q", ErrFormat, s.Realm, s.RoutingIndicator)
	}
	user := fmt.Sprintf("type%d.rid%s.schid%d.", s.Format, s.RoutingIndicator, s.Scheme)
	if s.Scheme == NullScheme {
		return user + "userid" + string(s.Output) + "@" + s.Realm, nil
	}
	p, err := profileOf(s.Scheme)
	if err != nil {
		return "", err
	}
	if len(s.Output) < p.ephLen+macLen {
		return "", fmt.Errorf("%w: scheme output of %d octets", ErrLength, len(s.Output))
	}
	eph, rest := s.Output[:p.ephLen], s.Output[p.ephLen:]
	ct, mac := rest[:len(rest)-macLen], rest[len(rest)-macLen:]
	return fmt.Sprintf("%shnkey%d.ecckey%x.cip%x.mac%x@%s", user, s.KeyID, eph, ct, mac, s.Realm), nil
}

// ParseNAI parses the SUCI NAI of a network specific identifier (see NAI).
func ParseNAI(nai string) (SUCI, error) {
	bad := func(why string) (SUCI, error) {
		return SUCI{}, fmt.Errorf("%w: SUCI NAI %q: %s", ErrFormat, nai, why)
	}
	user, realm, ok := splitNAI(nai)
	if !ok || realm == "" {
		return bad("not username@realm")
	}
	s := SUCI{Format: FormatNSI, Realm: realm}
	rest, ok := strings.CutPrefix(user, "type1.rid")
	if !ok {
		return bad("want type1.rid...")
	}
	var schid string
	if s.RoutingIndicator, rest, ok = strings.Cut(rest, ".schid"); !ok {
		return bad("no .schid")
	}
	if len(s.RoutingIndicator) < 1 || len(s.RoutingIndicator) > 4 || !isDigits(s.RoutingIndicator) {
		return bad("routing indicator")
	}
	if schid, rest, ok = strings.Cut(rest, "."); !ok {
		return bad("nothing after the scheme")
	}
	scheme, err := strconv.ParseUint(schid, 10, 4)
	if err != nil || (len(schid) > 1 && schid[0] == '0') {
		return bad("scheme")
	}
	s.Scheme = Scheme(scheme)
	if s.Scheme == NullScheme {
		userid, ok := strings.CutPrefix(rest, "userid")
		if !ok || userid == "" {
			return bad("null scheme without userid")
		}
		s.Output = []byte(userid)
		return s, nil
	}
	f := strings.Split(rest, ".")
	if len(f) != 4 || !strings.HasPrefix(f[0], "hnkey") || !strings.HasPrefix(f[1], "ecckey") ||
		!strings.HasPrefix(f[2], "cip") || !strings.HasPrefix(f[3], "mac") {
		return bad("want hnkey.ecckey.cip.mac")
	}
	keyID, err := strconv.ParseUint(f[0][len("hnkey"):], 10, 8)
	if err != nil {
		return bad("hnkey")
	}
	s.KeyID = uint8(keyID)
	for i, prefix := range []string{"ecckey", "cip", "mac"} {
		v, err := hex.DecodeString(f[i+1][len(prefix):])
		if err != nil {
			return bad(prefix)
		}
		s.Output = append(s.Output, v...)
	}
	return s, nil
}
