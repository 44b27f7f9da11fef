package suci

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"go5g/internal/testenv"
)

// suciFile mirrors ../shared/testvectors/suci.json.
type suciFile struct {
	NullScheme []struct {
		ID          string    `json:"id"`
		SUPI        supiField `json:"supi"`
		SchemeInput string    `json:"scheme_input"`
		Output      string    `json:"scheme_output"`
		Printed     string    `json:"scheme_output_as_printed_in_spec"`
	} `json:"null_scheme"`
	ECIES []struct {
		ID           string    `json:"id"`
		Profile      string    `json:"profile"`
		SchemeID     int       `json:"protection_scheme_id"`
		SUPI         supiField `json:"supi"`
		HNPriv       string    `json:"home_network_private_key"`
		HNPub        string    `json:"home_network_public_key"`
		HNPubUncomp  string    `json:"home_network_public_key_uncompressed"`
		EphPriv      string    `json:"eph_private_key"`
		EphPub       string    `json:"eph_public_key"`
		EphPubUncomp string    `json:"eph_public_key_uncompressed"`
		Shared       string    `json:"eph_shared_key"`
		EncKey       string    `json:"eph_enc_key"`
		ICB          string    `json:"icb"`
		MACKey       string    `json:"eph_mac_key"`
		SchemeInput  string    `json:"scheme_input"`
		Ciphertext   string    `json:"ciphertext"`
		MACTag       string    `json:"mac_tag"`
		Output       string    `json:"scheme_output"`
	} `json:"ecies"`
	Projects []struct {
		ID       string `json:"id"`
		SUCI     string `json:"suci"`
		SUPI     string `json:"expected_supi"`
		Expected string `json:"expected"`
	} `json:"project_examples"`
}

type supiField struct {
	Type   string `json:"type"`
	MCCMNC string `json:"mcc_mnc"`
	MSIN   string `json:"msin"`
	Value  string `json:"value"`
}

// supi builds the SUPI of a vector; "274012" with a 9-digit MSIN is MCC 274,
// MNC 012 (15 digits), as TS 33.501 C.4 states.
func (f supiField) supi(t *testing.T) SUPI {
	t.Helper()
	var s SUPI
	var err error
	switch f.Type {
	case "imsi":
		s, err = NewIMSI(f.MCCMNC[:3], f.MCCMNC[3:], f.MSIN)
	case "nai":
		s, err = NewNAI(f.Value)
	default:
		t.Fatalf("SUPI type %q", f.Type)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// loadSUCIVectors reads suci.json from ../shared/testvectors relative to the
// module root (the directory holding go.mod), as CI lays it out.
func loadSUCIVectors(t *testing.T) suciFile {
	t.Helper()
	var f suciFile
	testenv.Vectors(t, "suci.json", &f)
	if len(f.NullScheme) == 0 || len(f.ECIES) == 0 || len(f.Projects) == 0 {
		t.Fatal("suci.json lacks a section")
	}
	return f
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func check(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %x, want %x", what, got, want)
	}
}

// fixedReader hands out the given bytes, then io.EOF.
func fixedReader(b ...[]byte) *bytes.Reader { return bytes.NewReader(bytes.Join(b, nil)) }

// TestNullSchemeC42 covers TS 33.501 C.4.2.1 (IMSI) and C.4.2.2 (NSI).
func TestNullSchemeC42(t *testing.T) {
	f := loadSUCIVectors(t)
	for _, c := range f.NullScheme {
		t.Run(c.ID, func(t *testing.T) {
			supi := c.SUPI.supi(t)
			s, err := Conceal(supi, "0", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.Scheme != NullScheme || s.KeyID != 0 {
				t.Errorf("scheme %v key id %d, want null and 0", s.Scheme, s.KeyID)
			}
			check(t, "scheme input/output", s.Output, unhex(t, c.SchemeInput))
			if c.Output != "" {
				check(t, "scheme output", s.Output, unhex(t, c.Output))
			}
			if c.Printed != "" {
				// The spec prints the NSI output as "userid<username>": the
				// label of the SUCI NAI (TS 23.003 §28.7.3) ran into the value.
				nai, err := s.NAI()
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(nai, "."+c.Printed+"@") {
					t.Errorf("SUCI NAI %q does not carry %q", nai, c.Printed)
				}
			}
			got, err := Deconceal(s)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != supi.String() {
				t.Errorf("Deconceal = %s, want %s", got, supi)
			}
		})
	}
}

// TestECIESC43C44 checks Profile A (C.4.3) and Profile B (C.4.4) step by step
// and end to end, in both directions.
func TestECIESC43C44(t *testing.T) {
	f := loadSUCIVectors(t)
	for _, c := range f.ECIES {
		t.Run(c.ID, func(t *testing.T) {
			scheme := map[string]Scheme{"A": ProfileA, "B": ProfileB}[c.Profile]
			if scheme == NullScheme || int(scheme) != c.SchemeID {
				t.Fatalf("profile %q / scheme id %d", c.Profile, c.SchemeID)
			}
			hn, err := NewHomeNetworkKey(scheme, 1, unhex(t, c.HNPriv))
			if err != nil {
				t.Fatal(err)
			}
			check(t, "HN public key", hn.PublicKey().Bytes(), unhex(t, c.HNPub))
			if c.HNPubUncomp != "" {
				pk, err := ParsePublicKey(scheme, 1, unhex(t, c.HNPubUncomp))
				if err != nil {
					t.Fatal(err)
				}
				check(t, "HN public key from uncompressed", pk.Bytes(), unhex(t, c.HNPub))
			}

			// Step by step (C.3.2): ECDH, X9.63 KDF, AES-128-CTR, HMAC.
			p, _ := profileOf(scheme)
			eph, err := p.curve.NewPrivateKey(unhex(t, c.EphPriv))
			if err != nil {
				t.Fatal(err)
			}
			check(t, "eph public key", encodePublic(eph.PublicKey()), unhex(t, c.EphPub))
			if c.EphPubUncomp != "" {
				check(t, "eph public key uncompressed", eph.PublicKey().Bytes(), unhex(t, c.EphPubUncomp))
				u, err := decompressP256(unhex(t, c.EphPub))
				if err != nil {
					t.Fatal(err)
				}
				check(t, "decompressed eph public key", u, unhex(t, c.EphPubUncomp))
			}
			shared, err := eph.ECDH(hn.priv.PublicKey())
			if err != nil {
				t.Fatal(err)
			}
			check(t, "shared key", shared, unhex(t, c.Shared))
			encKey, icb, macKey := eciesKeys(shared, unhex(t, c.EphPub))
			check(t, "enc key", encKey, unhex(t, c.EncKey))
			check(t, "ICB", icb, unhex(t, c.ICB))
			check(t, "MAC key", macKey, unhex(t, c.MACKey))
			ct := ctr(encKey, icb, unhex(t, c.SchemeInput))
			check(t, "ciphertext", ct, unhex(t, c.Ciphertext))
			check(t, "MAC tag", macTag(macKey, ct), unhex(t, c.MACTag))

			// End to end.
			supi := c.SUPI.supi(t)
			pub := hn.PublicKey()
			s, err := Conceal(supi, "0", &pub, fixedReader(unhex(t, c.EphPriv)))
			if err != nil {
				t.Fatal(err)
			}
			check(t, "scheme output", s.Output, unhex(t, c.Output))
			if s.Scheme != scheme || s.KeyID != 1 {
				t.Errorf("SUCI scheme %v key id %d", s.Scheme, s.KeyID)
			}
			got, err := Deconceal(s, hn)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != supi.String() || got.String() != "imsi-274012001002086" {
				t.Errorf("Deconceal = %s, want %s", got, supi)
			}
		})
	}
}

// projectKeys are the C.4.3/C.4.4 home network keys under the identifiers the
// project examples use (1 for Profile A, 2 for Profile B).
func projectKeys(t *testing.T, f suciFile) []HomeNetworkKey {
	t.Helper()
	var keys []HomeNetworkKey
	for i, c := range f.ECIES {
		scheme := map[string]Scheme{"A": ProfileA, "B": ProfileB}[c.Profile]
		k, err := NewHomeNetworkKey(scheme, uint8(i+1), unhex(t, c.HNPriv))
		if err != nil {
			t.Fatal(err)
		}
		if int(k.ID) != c.SchemeID {
			t.Fatalf("case %s: key id %d does not match the examples' scheme-numbered ids", c.ID, k.ID)
		}
		keys = append(keys, k)
	}
	return keys
}

// TestProjectExamples deconceals the SUCI strings of suci.json; the one that
// expects an error (an uncompressed ephemeral key off P-256) must fail with
// ErrBadPoint.
func TestProjectExamples(t *testing.T) {
	f := loadSUCIVectors(t)
	keys := projectKeys(t, f)
	for _, c := range f.Projects {
		t.Run(c.ID, func(t *testing.T) {
			s, err := ParseSUCI(c.SUCI)
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != c.SUCI {
				t.Errorf("String() = %q, want %q", s.String(), c.SUCI)
			}
			supi, err := Deconceal(s, keys...)
			if c.Expected != "" {
				if !strings.HasPrefix(c.Expected, "error") {
					t.Fatalf("unknown expectation %q", c.Expected)
				}
				if !errors.Is(err, ErrBadPoint) {
					t.Fatalf("Deconceal = %v, %v; want ErrBadPoint", supi, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if supi.String() != c.SUPI {
				t.Errorf("Deconceal = %s, want %s", supi, c.SUPI)
			}
		})
	}
}
