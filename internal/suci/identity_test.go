package suci

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// TestMobileIdentityGolden checks 5GS mobile identity contents octet by
// octet (TS 24.501 §9.11.3.4). The first two appear in public Registration
// Requests: one decoded by Wireshark as "SUCI, MCC 001 MNC 01, null scheme,
// MSIN 0123456789", one from free5gc's NAS tests.
func TestMobileIdentityGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		suci SUCI
		wire []byte
	}{
		{"wireshark 001/01 null", SUCI{MCC: "001", MNC: "01", RoutingIndicator: "0", Output: encodeBCD("0123456789")}, []byte{
			0x01,             // SUPI format IMSI, type of identity SUCI
			0x00, 0xf1, 0x10, // MCC 001, MNC 01 (digit 3 = F)
			0xf0, 0xff, // routing indicator "0"
			0x00,                         // null scheme
			0x00,                         // home network public key id
			0x10, 0x32, 0x54, 0x76, 0x98, // MSIN 0123456789
		}},
		{"free5gc 208/93 ri 1234", SUCI{MCC: "208", MNC: "93", RoutingIndicator: "1234", Output: encodeBCD("0123456789")}, []byte{
			0x01, 0x02, 0xf8, 0x39, 0x21, 0x43, 0x00, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98,
		}},
		{"profile B, 3-digit MNC, ri 56", SUCI{MCC: "310", MNC: "410", RoutingIndicator: "56", Scheme: ProfileB, KeyID: 0xfe, Output: []byte{0xaa, 0xbb}}, []byte{
			0x01,
			0x13, 0x00, 0x14, // MCC 310, MNC 410
			0x65, 0xff, // routing indicator "56"
			0x02, 0xfe, 0xaa, 0xbb,
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if n := c.suci.MarshalLen(); n != len(c.wire) {
				t.Errorf("MarshalLen = %d, want %d", n, len(c.wire))
			}
			b, err := c.suci.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			check(t, "encoding", b, c.wire)
			got, err := ParseMobileIdentity(c.wire)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.suci) {
				t.Errorf("parsed %+v, want %+v", got, c.suci)
			}
		})
	}
}

func TestParseMobileIdentityErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":               nil,
		"5G-GUTI":             {0xf2, 0x02, 0xf8, 0x39},
		"GCI format":          {0x21, 0, 0, 0, 0, 0, 0, 0},
		"IMSI header short":   {0x01, 0x02, 0xf8, 0x39, 0xf0, 0xff, 0x00},
		"MCC digit A":         {0x01, 0x0a, 0xf8, 0x39, 0xf0, 0xff, 0x00, 0x00, 0x10},
		"MNC digit F low":     {0x01, 0x02, 0xf8, 0x3f, 0xf0, 0xff, 0x00, 0x00, 0x10},
		"routing gap":         {0x01, 0x02, 0xf8, 0x39, 0xf1, 0xf2, 0x00, 0x00, 0x10},
		"routing empty":       {0x01, 0x02, 0xf8, 0x39, 0xff, 0xff, 0x00, 0x00, 0x10},
		"routing digit B":     {0x01, 0x02, 0xf8, 0x39, 0xb0, 0xff, 0x00, 0x00, 0x10},
		"NSI not a SUCI NAI":  append([]byte{0x11}, "user@realm"...),
		"NSI without realm":   append([]byte{0x11}, "type1.rid0.schid0.useridx"...),
		"NSI scheme 16":       append([]byte{0x11}, "type1.rid0.schid16.useridx@r"...),
		"NSI ECIES not hex":   append([]byte{0x11}, "type1.rid0.schid1.hnkey1.ecckeyzz.cip00.mac00@r"...),
		"NSI ECIES no mac":    append([]byte{0x11}, "type1.rid0.schid1.hnkey1.ecckey00.cip00@r"...),
		"NSI hnkey too large": append([]byte{0x11}, "type1.rid0.schid1.hnkey256.ecckey00.cip00.mac00@r"...),
	} {
		if s, err := ParseMobileIdentity(b); err == nil {
			t.Errorf("%s: parsed as %+v", name, s)
		}
	}
}

func TestSUCIString(t *testing.T) {
	s, err := ParseSUCI("suci-0-001-01-0-0-0-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	check(t, "null-scheme output", s.Output, []byte{0x10, 0x32, 0x54, 0x76, 0x98})
	if s.MCC != "001" || s.MNC != "01" || s.RoutingIndicator != "0" || s.Scheme != NullScheme {
		t.Errorf("parsed %+v", s)
	}
	// Scheme ids are one hex digit; an HPLMN-proprietary scheme (0xc) keeps
	// its output as hex.
	s, err = ParseSUCI("suci-0-310-410-1234-c-255-00ff")
	if err != nil {
		t.Fatal(err)
	}
	if s.Scheme != 0xc || s.KeyID != 255 || !bytes.Equal(s.Output, []byte{0, 0xff}) || s.String() != "suci-0-310-410-1234-c-255-00ff" {
		t.Errorf("parsed %+v, String %q", s, s.String())
	}
	for _, bad := range []string{
		"", "suci", "supi-0-001-01-0-0-0-1", "suci-1-001-01-0-0-0-1", "suci-0-01-01-0-0-0-1",
		"suci-0-001-1-0-0-0-1", "suci-0-001-01-12345-0-0-1", "suci-0-001-01--0-0-1",
		"suci-0-001-01-0-10-0-1", "suci-0-001-01-0-0-0-", "suci-0-001-01-0-0-0-12ab",
		"suci-0-001-01-0-0-0-1234567890123", "suci-0-001-01-0-1-256-00", "suci-0-001-01-0-1-01-00",
		"suci-0-001-01-0-1-1-0g", "suci-0-001-01-0-1-1-", "suci-0-001-01-0-1-1-abc",
		"suci-0-001-01-0-0-0-1-extra",
	} {
		if s, err := ParseSUCI(bad); err == nil {
			t.Errorf("ParseSUCI(%q) = %+v", bad, s)
		} else if !errors.Is(err, ErrFormat) {
			t.Errorf("ParseSUCI(%q): %v is not ErrFormat", bad, err)
		}
	}
}

func TestSUCINAI(t *testing.T) {
	null := SUCI{Format: FormatNSI, Realm: "example.com", RoutingIndicator: "678", Output: []byte("user17")}
	nai, err := null.NAI()
	if err != nil {
		t.Fatal(err)
	}
	if nai != "type1.rid678.schid0.useriduser17@example.com" {
		t.Errorf("null-scheme NAI = %q", nai)
	}
	ecies := SUCI{Format: FormatNSI, Realm: "example.com", RoutingIndicator: "0", Scheme: ProfileA, KeyID: 27,
		Output: append(append(bytes.Repeat([]byte{0xee}, 32), 0x01, 0x02), bytes.Repeat([]byte{0xaa}, 8)...)}
	nai, err = ecies.NAI()
	if err != nil {
		t.Fatal(err)
	}
	want := "type1.rid0.schid1.hnkey27.ecckey" + string(bytes.Repeat([]byte("ee"), 32)) + ".cip0102.mac" + string(bytes.Repeat([]byte("aa"), 8)) + "@example.com"
	if nai != want {
		t.Errorf("Profile A NAI = %q\nwant %q", nai, want)
	}
	for _, s := range []SUCI{null, ecies} {
		b, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if b[0] != 0x11 {
			t.Errorf("octet 4 = %#02x, want 0x11 (NSI, SUCI)", b[0])
		}
		got, err := ParseMobileIdentity(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("round trip %+v, want %+v", got, s)
		}
	}
	if _, err := (SUCI{Format: FormatNSI, Realm: "r", RoutingIndicator: "0", Scheme: ProfileB, Output: make([]byte, 40)}).NAI(); !errors.Is(err, ErrLength) {
		t.Errorf("short Profile B output: %v", err)
	}
	if _, err := (SUCI{Format: FormatIMSI}).NAI(); err == nil {
		t.Error("NAI of an IMSI-based SUCI")
	}
}

func TestBCD(t *testing.T) {
	for digits, want := range map[string][]byte{
		"001002086": {0x00, 0x01, 0x20, 0x80, 0xf6}, // TS 33.501 C.4.2.1
		"12":        {0x21},
		"1":         {0xf1},
	} {
		got := encodeBCD(digits)
		check(t, "BCD "+digits, got, want)
		back, err := decodeBCD(got)
		if err != nil || back != digits {
			t.Errorf("decodeBCD(%x) = %q, %v", got, back, err)
		}
	}
	for _, bad := range [][]byte{nil, {0xf1, 0x21}, {0x1a}, {0xa1}, {0xff}} {
		if d, err := decodeBCD(bad); err == nil {
			t.Errorf("decodeBCD(%x) = %q", bad, d)
		}
	}
}

func TestNewSUPI(t *testing.T) {
	if s, err := NewIMSI("208", "93", "0000000003"); err != nil || s.String() != "imsi-208930000000003" {
		t.Errorf("NewIMSI = %v, %v", s, err)
	}
	for _, c := range [][3]string{{"20", "93", "1"}, {"208", "9", "1"}, {"208", "93", ""}, {"208", "93", "12345678901"}, {"208", "93", "12a"}, {"2o8", "93", "1"}} {
		if s, err := NewIMSI(c[0], c[1], c[2]); err == nil {
			t.Errorf("NewIMSI(%q) = %v", c, s)
		}
	}
	if s, err := NewNAI("user@example.com"); err != nil || s.String() != "nai-user@example.com" {
		t.Errorf("NewNAI = %v, %v", s, err)
	}
	for _, bad := range []string{"", "user", "@example.com", "user@", "a@b@c"} {
		if s, err := NewNAI(bad); err == nil {
			t.Errorf("NewNAI(%q) = %v", bad, s)
		}
	}
}
