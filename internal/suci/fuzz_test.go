package suci

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"testing"
)

// fuzzKeys are the C.4.3/C.4.4 home network keys (ids 1 and 2), so that the
// seeds in testdata/fuzz reach the ECIES code past the key lookup.
func fuzzKeys(f *testing.F) []HomeNetworkKey {
	a, errA := NewHomeNetworkKey(ProfileA, 1, fuzzHex("c53c22208b61860b06c62e5406a7b330c2b577aa5558981510d128247d38bd1d"))
	b, errB := NewHomeNetworkKey(ProfileB, 2, fuzzHex("f1ab1074477ebcc7f554ea1c5fc368b1616730155e0041ac447d6301975fecda"))
	if errA != nil || errB != nil {
		f.Fatal(errA, errB)
	}
	return []HomeNetworkKey{a, b}
}

// fuzzHex decodes a hex constant of this file.
func fuzzHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzParseMobileIdentity feeds 5GS mobile identity contents, as an AMF
// receives them in a Registration Request, to the parser and Deconceal.
// Property: decode(encode(decode(b))) == decode(b); nothing panics.
func FuzzParseMobileIdentity(f *testing.F) {
	keys := fuzzKeys(f)
	f.Add([]byte{0x01, 0x00, 0xf1, 0x10, 0xf0, 0xff, 0x00, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98})
	f.Add(append([]byte{0x11}, "type1.rid0.schid0.useriduser@example.com"...))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseMobileIdentity(b)
		if err != nil {
			return
		}
		_, _ = Deconceal(s, keys...)
		enc, err := s.Marshal()
		if err != nil {
			return // e.g. an unknown scheme of an NSI SUCI has no NAI form
		}
		if len(enc) != s.MarshalLen() {
			t.Fatalf("Marshal wrote %d octets, MarshalLen says %d", len(enc), s.MarshalLen())
		}
		s2, err := ParseMobileIdentity(enc)
		if err != nil {
			t.Fatalf("re-encoded %x does not parse: %v", enc, err)
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("decode(encode(decode(b))) = %+v, want %+v", s2, s)
		}
	})
}

// FuzzParseSUCI feeds SBI "suci-..." strings (as the UDM receives them) to
// ParseSUCI and Deconceal. Property: parse(String(parse(s))) == parse(s).
func FuzzParseSUCI(f *testing.F) {
	keys := fuzzKeys(f)
	f.Add("suci-0-208-93-0-0-0-00007487")
	f.Add("suci-0-001-01-1234-1-1-00")
	f.Fuzz(func(t *testing.T, str string) {
		s, err := ParseSUCI(str)
		if err != nil {
			return
		}
		_, _ = Deconceal(s, keys...)
		s2, err := ParseSUCI(s.String())
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", s.String(), err)
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("parse(String(parse(s))) = %+v, want %+v", s2, s)
		}
	})
}

// FuzzDeconceal drives the ECIES decryption directly with arbitrary scheme
// outputs for both profiles. Nothing may panic, and an output accepted by
// Deconceal must carry a valid MAC: only the C.4 seeds do.
func FuzzDeconceal(f *testing.F) {
	keys := fuzzKeys(f)
	// Seeds: testdata/fuzz/FuzzDeconceal holds the C.4 scheme outputs.
	f.Fuzz(func(t *testing.T, scheme uint8, out []byte) {
		s := SUCI{MCC: "274", MNC: "012", RoutingIndicator: "0", Scheme: Scheme(scheme & 0xf), KeyID: scheme & 0xf, Output: out}
		supi, err := Deconceal(s, keys...)
		if err == nil && s.Scheme != NullScheme && supi.MSIN != "001002086" {
			t.Fatalf("forged output %x deconcealed to %v", out, supi)
		}
		if err == nil && s.Scheme == NullScheme && !bytes.Equal(encodeBCD(supi.MSIN), out) {
			t.Fatalf("null scheme: %x gave MSIN %q", out, supi.MSIN)
		}
	})
}
