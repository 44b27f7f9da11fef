package suci

import (
	"bytes"
	"crypto/ecdh"
	"errors"
	"testing"
)

// testKeys returns a Profile A key (id 1) and a Profile B key (id 2) from
// fixed private scalars.
func testKeys(t *testing.T) (a, b HomeNetworkKey) {
	t.Helper()
	a, err := GenerateKey(ProfileA, 1, fixedReader(bytes.Repeat([]byte{0x11}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	b, err = GenerateKey(ProfileB, 2, fixedReader(bytes.Repeat([]byte{0x22}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func TestConcealRoundTrip(t *testing.T) {
	ka, kb := testKeys(t)
	imsi, err := NewIMSI("001", "01", "0123456789")
	if err != nil {
		t.Fatal(err)
	}
	nai, err := NewNAI("alice.smith@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, supi := range []SUPI{imsi, nai} {
		for _, k := range []HomeNetworkKey{ka, kb} {
			pub := k.PublicKey()
			s, err := Conceal(supi, "42", &pub, fixedReader(bytes.Repeat([]byte{0x33}, 32)))
			if err != nil {
				t.Fatal(err)
			}
			p, _ := profileOf(k.Scheme)
			input, _ := supi.schemeInput()
			if len(s.Output) != p.ephLen+len(input)+macLen {
				t.Errorf("%v output of %d octets, want %d", k.Scheme, len(s.Output), p.ephLen+len(input)+macLen)
			}
			// Through the NAS encoding, as the AMF receives it.
			b, err := s.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseMobileIdentity(b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Deconceal(r, ka, kb)
			if err != nil {
				t.Fatalf("%v %s: %v", k.Scheme, supi, err)
			}
			if got != supi {
				t.Errorf("Deconceal = %+v, want %+v", got, supi)
			}
		}
	}
}

// TestDeconcealTampered flips every bit position of a Profile A and B scheme
// output: each must fail with ErrMAC (or ErrBadPoint for a P-256 key pushed
// off the curve), never yield a SUPI.
func TestDeconcealTampered(t *testing.T) {
	ka, kb := testKeys(t)
	supi, _ := NewIMSI("001", "01", "0123456789")
	for _, k := range []HomeNetworkKey{ka, kb} {
		pub := k.PublicKey()
		s, err := Conceal(supi, "0", &pub, fixedReader(bytes.Repeat([]byte{0x44}, 32)))
		if err != nil {
			t.Fatal(err)
		}
		for i := range s.Output {
			for _, bit := range []byte{0x01, 0x80} {
				bad := s
				bad.Output = bytes.Clone(s.Output)
				bad.Output[i] ^= bit
				_, err := Deconceal(bad, k)
				if !errors.Is(err, ErrMAC) && !errors.Is(err, ErrBadPoint) {
					t.Errorf("%v octet %d bit %#x: err = %v", k.Scheme, i, bit, err)
				}
			}
		}
	}
}

func TestDeconcealErrors(t *testing.T) {
	ka, kb := testKeys(t)
	supi, _ := NewIMSI("001", "01", "0123456789")
	pubA := ka.PublicKey()
	s, err := Conceal(supi, "0", &pubA, fixedReader(bytes.Repeat([]byte{0x55}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Deconceal(s); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("no keys: %v", err)
	}
	if _, err := Deconceal(s, kb); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("only a Profile B key: %v", err)
	}
	otherID := ka
	otherID.ID = 9
	if _, err := Deconceal(s, otherID); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("key id 9 only: %v", err)
	}
	// The right id and scheme but another private key: the MAC fails.
	wrong, err := GenerateKey(ProfileA, 1, fixedReader(bytes.Repeat([]byte{0x66}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Deconceal(s, wrong); !errors.Is(err, ErrMAC) {
		t.Errorf("other private key: %v", err)
	}
	for n, want := range map[int]error{0: ErrLength, 32: ErrLength, 40: ErrLength} {
		short := s
		short.Output = s.Output[:n]
		if _, err := Deconceal(short, ka); !errors.Is(err, want) {
			t.Errorf("output of %d octets: %v, want %v", n, err, want)
		}
	}
	unknown := s
	unknown.Scheme = 3
	if _, err := Deconceal(unknown, ka); !errors.Is(err, ErrScheme) {
		t.Errorf("scheme 3: %v", err)
	}
	// Profile B: neither a compressed nor an uncompressed point.
	pubB := kb.PublicKey()
	sb, err := Conceal(supi, "0", &pubB, fixedReader(bytes.Repeat([]byte{0x77}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	sb.Output[0] = 0x05
	if _, err := Deconceal(sb, kb); !errors.Is(err, ErrBadPoint) {
		t.Errorf("point prefix 05: %v", err)
	}
	// Null scheme with a scheme input that is not BCD.
	if _, err := Deconceal(SUCI{MCC: "001", MNC: "01", RoutingIndicator: "0", Output: []byte{0xab}}); !errors.Is(err, ErrFormat) {
		t.Errorf("null scheme, non-BCD MSIN: %v", err)
	}
	if _, err := Deconceal(SUCI{MCC: "001", MNC: "01", RoutingIndicator: "0"}); !errors.Is(err, ErrFormat) {
		t.Errorf("null scheme, empty MSIN: %v", err)
	}
}

// TestX25519LowOrder: an ephemeral X25519 key of small order makes the shared
// secret all zeros; the home network must refuse it (ErrBadPoint), not
// derive keys from it.
func TestX25519LowOrder(t *testing.T) {
	ka, _ := testKeys(t)
	out := append(make([]byte, 32), make([]byte, 1+macLen)...) // the point u = 0
	s := SUCI{MCC: "001", MNC: "01", RoutingIndicator: "0", Scheme: ProfileA, KeyID: 1, Output: out}
	if _, err := Deconceal(s, ka); !errors.Is(err, ErrBadPoint) {
		t.Fatalf("u = 0: %v, want ErrBadPoint", err)
	}
}

func TestGenerateKey(t *testing.T) {
	seed := bytes.Repeat([]byte{0x5a}, 32)
	a, err := GenerateKey(ProfileA, 7, fixedReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	check(t, "Profile A private key", a.PrivateBytes(), seed)
	want, _ := ecdh.X25519().NewPrivateKey(seed)
	check(t, "Profile A public key", a.PublicKey().Bytes(), want.PublicKey().Bytes())
	if a.PublicKey().ID != 7 || a.PublicKey().Scheme != ProfileA {
		t.Errorf("public key %+v", a.PublicKey())
	}

	// P-256: an all-ones scalar is above the group order and is skipped.
	b, err := GenerateKey(ProfileB, 8, fixedReader(bytes.Repeat([]byte{0xff}, 32), seed))
	if err != nil {
		t.Fatal(err)
	}
	check(t, "Profile B private key", b.PrivateBytes(), seed)
	pb := b.PublicKey().Bytes()
	if len(pb) != 33 || (pb[0] != 0x02 && pb[0] != 0x03) {
		t.Errorf("Profile B public key %x is not a compressed point", pb)
	}
	parsed, err := ParsePublicKeyHex(ProfileB, 8, b.PublicKey().String())
	if err != nil || !bytes.Equal(parsed.Bytes(), pb) {
		t.Errorf("hex round trip: %x, %v", parsed.Bytes(), err)
	}
	back, err := NewHomeNetworkKey(ProfileB, 8, b.PrivateBytes())
	if err != nil || !bytes.Equal(back.PublicKey().Bytes(), pb) {
		t.Errorf("NewHomeNetworkKey from stored bytes: %v", err)
	}

	if _, err := GenerateKey(ProfileB, 1, fixedReader(bytes.Repeat([]byte{0xff}, 32))); err == nil {
		t.Error("GenerateKey succeeded from a source that ran dry")
	}
	if _, err := GenerateKey(NullScheme, 1, fixedReader(seed)); !errors.Is(err, ErrScheme) {
		t.Errorf("null-scheme key: %v", err)
	}
	if _, err := NewHomeNetworkKey(ProfileB, 1, make([]byte, 32)); !errors.Is(err, ErrBadPoint) {
		t.Errorf("zero P-256 scalar: %v", err)
	}
}

func TestParsePublicKeyErrors(t *testing.T) {
	for name, c := range map[string]struct {
		scheme Scheme
		b      []byte
		want   error
	}{
		"A 33 octets":        {ProfileA, make([]byte, 33), ErrLength},
		"B 32 octets":        {ProfileB, make([]byte, 32), ErrLength},
		"B bad prefix":       {ProfileB, append([]byte{0x05}, make([]byte, 32)...), ErrBadPoint},
		"B x = p":            {ProfileB, unhex(t, "02ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"), ErrBadPoint},
		"B uncompressed off": {ProfileB, append([]byte{0x04}, make([]byte, 64)...), ErrBadPoint},
		"null scheme":        {NullScheme, make([]byte, 32), ErrScheme},
	} {
		if _, err := ParsePublicKey(c.scheme, 1, c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := ParsePublicKeyHex(ProfileA, 1, "xyz"); !errors.Is(err, ErrFormat) {
		t.Errorf("not hex: %v", err)
	}
}

func TestConcealErrors(t *testing.T) {
	ka, _ := testKeys(t)
	pub := ka.PublicKey()
	supi, _ := NewIMSI("001", "01", "1")
	for name, f := range map[string]func() error{
		"routing indicator 12345": func() error { _, err := Conceal(supi, "12345", nil, nil); return err },
		"empty routing indicator": func() error { _, err := Conceal(supi, "", nil, nil); return err },
		"bad SUPI":                func() error { _, err := Conceal(SUPI{MCC: "1"}, "0", nil, nil); return err },
		"no randomness":           func() error { _, err := Conceal(supi, "0", &pub, nil); return err },
		"randomness runs out":     func() error { _, err := Conceal(supi, "0", &pub, fixedReader(make([]byte, 31))); return err },
		"empty public key": func() error {
			_, err := Conceal(supi, "0", &PublicKey{Scheme: ProfileB}, fixedReader(make([]byte, 32)))
			return err
		},
		"unknown scheme key": func() error {
			_, err := Conceal(supi, "0", &PublicKey{Scheme: 7}, fixedReader(make([]byte, 32)))
			return err
		},
	} {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
