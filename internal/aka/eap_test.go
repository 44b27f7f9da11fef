package aka

import (
	"bytes"
	"errors"
	"testing"
)

// TestChallengeRequestBytes checks the wire layout of an
// EAP-Request/AKA'-Challenge field by field (RFC 4187 §8.1, §9.3; RFC 9048
// §3.1, §3.2) with RFC 5448 case 1 inputs and K_aut.
func TestChallengeRequestBytes(t *testing.T) {
	c := rfc5448Cases[0]
	rand := unhex(t, "81e92b6c0ee0e12ebceba8d92a99dfa5")
	autn := unhex(t, c.autn)
	kAut := unhex(t, c.mk)[16:48]
	got, err := ChallengeRequest(0x93, rand, autn, "WLAN", kAut)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x01, 0x93, 0x00, 0x50, // Code Request, Identifier, Length 80
		0x32, 0x01, 0x00, 0x00, // Type 50 (AKA'), Subtype Challenge, Reserved
		0x01, 0x05, 0x00, 0x00, // AT_RAND, 5 units, Reserved
	}
	want = append(want, rand...)
	want = append(want, 0x02, 0x05, 0x00, 0x00) // AT_AUTN
	want = append(want, autn...)
	want = append(want, 0x18, 0x01, 0x00, 0x01)                     // AT_KDF = 1
	want = append(want, 0x17, 0x02, 0x00, 0x04, 'W', 'L', 'A', 'N') // AT_KDF_INPUT, actual length 4
	want = append(want, 0x0b, 0x05, 0x00, 0x00)                     // AT_MAC, Reserved
	macAt := len(want)
	want = append(want, make([]byte, 16)...)
	copy(want[macAt:], hmacSHA256(kAut, want)[:16]) // HMAC-SHA-256-128 over the zero-MAC packet
	check(t, "EAP-Request/AKA'-Challenge", got, want)
	if err := VerifyEAP(got, kAut); err != nil {
		t.Fatal(err)
	}
}

func TestChallengeResponseBytes(t *testing.T) {
	kAut := bytes.Repeat([]byte{0x42}, 32)
	res := unhex(t, "28d7b0f2a2ec3de5")
	got, err := ChallengeResponse(1, res, kAut)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x02, 0x01, 0x00, 0x28, // Response, Identifier 1, Length 40
		0x32, 0x01, 0x00, 0x00,
		0x03, 0x03, 0x00, 0x40, // AT_RES, 3 units, RES length 64 bits
	}
	want = append(want, res...)
	want = append(want, 0x0b, 0x05, 0x00, 0x00)
	macAt := len(want)
	want = append(want, make([]byte, 16)...)
	copy(want[macAt:], hmacSHA256(kAut, want)[:16])
	check(t, "EAP-Response/AKA'-Challenge", got, want)
}

func TestVerifyEAPRejects(t *testing.T) {
	kAut := bytes.Repeat([]byte{1}, 32)
	good, err := ChallengeResponse(9, bytes.Repeat([]byte{5}, 16), kAut)
	if err != nil {
		t.Fatal(err)
	}
	for i := range good {
		if i == 2 || i == 3 { // a changed Length is a parse matter, below
			continue
		}
		bad := bytes.Clone(good)
		bad[i] ^= 0x01
		if err := VerifyEAP(bad, kAut); err == nil {
			t.Errorf("octet %d flipped: MAC still verifies", i)
		}
	}
	if err := VerifyEAP(good, bytes.Repeat([]byte{2}, 32)); !errors.Is(err, ErrEAPMAC) {
		t.Errorf("other K_aut: %v", err)
	}
	noMAC, err := (&EAPPacket{Code: EAPResponse, Type: EAPTypeAKAPrime, Subtype: SubtypeChallenge,
		Attributes: []EAPAttribute{ResAttribute(make([]byte, 8))}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyEAP(noMAC, kAut); !errors.Is(err, ErrEAPMAC) {
		t.Errorf("no AT_MAC: %v", err)
	}
	p, err := ParseEAP(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SignEAP(p, kAut); err == nil { // p already holds an AT_MAC
		t.Error("SignEAP added a second AT_MAC")
	}
	twoMACs := append(bytes.Clone(good), good[len(good)-20:]...)
	twoMACs[3] += 20
	if err := VerifyEAP(twoMACs, kAut); !errors.Is(err, ErrEAPMAC) {
		t.Errorf("two AT_MACs: %v", err)
	}
}

func TestParseEAP(t *testing.T) {
	identity := []byte{0x02, 0x05, 0x00, 0x0a, 0x01, 'h', 'e', 'l', 'l', 'o', 0xff} // 1 trailing octet
	p, err := ParseEAP(identity)
	if err != nil {
		t.Fatal(err)
	}
	if p.Code != EAPResponse || p.Identifier != 5 || p.Type != EAPTypeIdentity || string(p.Data) != "hello" {
		t.Fatalf("identity response parsed as %+v", p)
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	check(t, "re-encoded identity", b, identity[:10])

	if p, err := ParseEAP([]byte{3, 4, 0, 4}); err != nil || p.Code != EAPSuccess || p.Identifier != 4 {
		t.Fatalf("Success: %+v, %v", p, err)
	}

	unknown := []byte{0x01, 0x01, 0x00, 0x10, 0x32, 0x01, 0x00, 0x00,
		0x7f, 0x01, 0x00, 0x00, // unknown non-skippable
		0x88, 0x01, 0x00, 0x00} // AT_BIDDING (skippable, known)
	p, err = ParseEAP(unknown)
	if err != nil {
		t.Fatal(err)
	}
	if typ, ok := p.UnknownNonSkippable(); !ok || typ != 0x7f {
		t.Fatalf("UnknownNonSkippable = %d, %v", typ, ok)
	}
	b, err = p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	check(t, "unknown attribute kept", b, unknown)

	for name, b := range map[string][]byte{
		"empty":               nil,
		"3 octets":            {1, 1, 0},
		"length 3":            {1, 1, 0, 3},
		"length past end":     {1, 1, 0, 9, 1},
		"success with data":   {3, 1, 0, 5, 0},
		"code 9":              {9, 1, 0, 4},
		"request no type":     {1, 1, 0, 4},
		"short AKA header":    {1, 1, 0, 6, 50, 1},
		"zero-length attr":    {1, 1, 0, 12, 50, 1, 0, 0, 1, 0, 0, 0},
		"attr past end":       {1, 1, 0, 12, 50, 1, 0, 0, 1, 2, 0, 0},
		"half an attr header": {1, 1, 0, 9, 50, 1, 0, 0, 1},
	} {
		if p, err := ParseEAP(b); err == nil {
			t.Errorf("%s: parsed as %+v", name, p)
		}
	}
}

func TestAttributeAccessors(t *testing.T) {
	if _, err := (EAPAttribute{Type: AtRAND, Value: make([]byte, 17)}).Value16(); err == nil {
		t.Error("AT_RAND of 17 octets accepted")
	}
	if _, err := (EAPAttribute{Type: AtRES, Value: []byte{0x00, 0x41, 1, 2, 3, 4, 5, 6, 7, 8}}).RES(); err == nil {
		t.Error("AT_RES claiming 65 bits in 8 octets accepted")
	}
	if res, err := (EAPAttribute{Type: AtRES, Value: []byte{0x00, 0x20, 1, 2, 3, 4}}).RES(); err != nil || !bytes.Equal(res, []byte{1, 2, 3, 4}) {
		t.Errorf("32-bit AT_RES = %x, %v", res, err)
	}
	if _, err := (EAPAttribute{Type: AtKDFInput, Value: []byte{0x00, 0x09, 'W', 'L'}}).KDFInput(); err == nil {
		t.Error("AT_KDF_INPUT longer than its attribute accepted")
	}
	if _, err := (EAPAttribute{Type: AtKDF, Value: []byte{0, 1, 0, 0, 0, 0}}).Uint16(); err == nil {
		t.Error("AT_KDF of 6 octets accepted")
	}
	id := IdentityAttribute([]byte("0555444333222111"))
	if got, err := id.Identity(); err != nil || string(got) != "0555444333222111" {
		t.Errorf("AT_IDENTITY round trip: %q, %v", got, err)
	}
	if (2+len(id.Value))%4 != 0 {
		t.Errorf("AT_IDENTITY not padded: %d octets", 2+len(id.Value))
	}
	if _, err := (&EAPPacket{Code: EAPRequest, Type: EAPTypeAKAPrime, Attributes: []EAPAttribute{{Type: AtAUTS, Value: make([]byte, 13)}}}).Marshal(); err == nil {
		t.Error("attribute of 15 octets encoded")
	}
	if a := AutsAttribute(make([]byte, 14)); a.Type != AtAUTS || len(a.Value) != 14 {
		t.Errorf("AT_AUTS = %+v", a)
	}
}

// FuzzParseEAP feeds peer-controlled EAP packets to the parser and checks
// that what it accepts re-encodes to the same packet.
func FuzzParseEAP(f *testing.F) {
	kAut := bytes.Repeat([]byte{1}, 32)
	if b, err := ChallengeRequest(1, make([]byte, 16), make([]byte, 16), testSNN, kAut); err == nil {
		f.Add(b)
	}
	f.Add([]byte{2, 5, 0, 10, 1, 'h', 'e', 'l', 'l', 'o'})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseEAP(b)
		if err != nil {
			return
		}
		_ = VerifyEAP(b, kAut)
		enc, err := p.Marshal()
		if err != nil {
			t.Fatalf("parsed packet does not encode: %v", err)
		}
		q, err := ParseEAP(enc)
		if err != nil {
			t.Fatalf("re-encoded packet does not parse: %v", err)
		}
		enc2, err := q.Marshal()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encode(parse(encode(p))) differs: %x vs %x (%v)", enc, enc2, err)
		}
	})
}
