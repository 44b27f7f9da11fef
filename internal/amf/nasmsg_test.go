package amf

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDownlinkMessages checks each message the AMF builds against bytes
// written from TS 24.501 §8.2, and that the free5gc/nas decoder (what a UE
// would use) reads it as the same message type.
func TestDownlinkMessages(t *testing.T) {
	rand := bytes.Repeat([]byte{0xaa}, 16)
	autn := bytes.Repeat([]byte{0xbb}, 16)
	g := guti{plmn: n2.PLMN{MCC: "001", MNC: "01"}, region: 0xca, set: 0x3fe, pointer: 0x21, tmsi: 0x01020304}
	accept, err := registrationAccept{plmn: g.plmn, guti: g, tacs: []uint32{1, 0x123456},
		allowed: []n2.SNSSAI{{SST: 1}, {SST: 2, SD: 0xabcdef, HasSD: true}}, t3512: 54 * time.Minute}.marshal()
	if err != nil {
		t.Fatal(err)
	}
	cuc, err := configurationUpdateCommand(g)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"AUTHENTICATION REQUEST 5G-AKA", authenticationRequest(1, abba(), rand, autn, nil),
			"7e 00 56 01" + // EPD, plain, type, spare|ngKSI 1
				" 02 0000" + // ABBA
				" 21" + strings.Repeat("aa", 16) + // RAND (TV)
				" 20 10" + strings.Repeat("bb", 16)}, // AUTN (TLV)
		{"AUTHENTICATION REQUEST EAP", authenticationRequest(2, abba(), nil, nil, []byte{1, 2, 0, 4}),
			"7e 00 56 02 02 0000 78 0004 01020004"},
		{"AUTHENTICATION REJECT", authenticationReject(nil), "7e 00 58"},
		{"SECURITY MODE COMMAND", securityModeCommand(n1.NEA2, n1.NIA2, 1, []byte{0xf0, 0x70}, true, nil),
			"7e 00 5d 22 01 02 f070 36 01 02"}, // algs NEA2/NIA2, ngKSI, replayed caps, RINMR
		{"REGISTRATION REJECT #3", registrationReject(3), "7e 00 44 03"},
		{"REGISTRATION ACCEPT", accept,
			"7e 00 42 01 01" + // 5GS registration result: 3GPP access
				" 77 000b f2 00f110 ca ffa1 01020304" + // 5G-GUTI: set 0x3fe, pointer 0x21
				" 54 0a 01 00f110 000001 123456" + // TAI list: 2 TACs of one PLMN
				" 15 07 01 01 04 02abcdef" + // allowed NSSAI
				" 5e 01 06"}, // T3512: 6 x 10 min
		{"DEREGISTRATION ACCEPT", deregistrationAccept(), "7e 00 46"},
		{"IDENTITY REQUEST SUCI", identityRequest(1), "7e 00 5b 01"},
		{"5GMM STATUS #98", status(98), "7e 00 64 62"},
		{"SERVICE ACCEPT", serviceAccept(), "7e 00 4e"},
		{"SERVICE REJECT #9", serviceReject(9), "7e 00 4d 09"},
		{"CONFIGURATION UPDATE COMMAND", cuc,
			"7e 00 54 d1" + // configuration update indication: ACK requested
				" 77 000b f2 00f110 ca ffa1 01020304"}, // new 5G-GUTI
		{"DEREGISTRATION REQUEST (UE terminated), re-registration, #7", deregistrationRequestNW(true, 7),
			"7e 00 47 05 58 07"}, // 3GPP access | re-registration required; 5GMM cause
		{"DEREGISTRATION REQUEST (UE terminated)", deregistrationRequestNW(false, 0), "7e 00 47 01"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := unhex(t, c.want)
			if !bytes.Equal(c.got, want) {
				t.Errorf("got  %x\nwant %x", c.got, want)
			}
			m, err := n1.Decode(c.got)
			if err != nil {
				t.Fatalf("free5gc/nas cannot decode it: %v", err)
			}
			if m.GmmMessage == nil || m.GmmHeader.GetMessageType() != c.got[2] {
				t.Errorf("decoded as another message")
			}
		})
	}
}

func TestParseNSSAI(t *testing.T) {
	cases := []struct {
		in   string
		want []n2.SNSSAI
		bad  bool
	}{
		{"0101", []n2.SNSSAI{{SST: 1}}, false},
		{"0101 04 02abcdef", []n2.SNSSAI{{SST: 1}, {SST: 2, SD: 0xabcdef, HasSD: true}}, false},
		{"02 0101", []n2.SNSSAI{{SST: 1}}, false},                                  // with mapped HPLMN SST
		{"04 01ffffff", []n2.SNSSAI{{SST: 1}}, false},                              // SD "no value"
		{"08 01000001 02000002", []n2.SNSSAI{{SST: 1, SD: 1, HasSD: true}}, false}, // with mapped SST and SD
		{"", nil, false},
		{"00", nil, true},
		{"03 010203", nil, true},
		{"04 0102", nil, true},
		{"09 010203040506070809", nil, true},
	}
	for _, c := range cases {
		got, err := parseNSSAI(unhex(t, c.in))
		if (err != nil) != c.bad {
			t.Errorf("%s: err %v, want error %t", c.in, err, c.bad)
			continue
		}
		if !c.bad && !equalSlices(got, c.want) {
			t.Errorf("%s: %v, want %v", c.in, got, c.want)
		}
	}
}

func equalSlices(a, b []n2.SNSSAI) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGPRSTimer3(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want byte
	}{
		{-1, 0xe0},                 // deactivated
		{0, 0x60},                  // 0 x 2 s
		{62 * time.Second, 0x7f},   // 31 x 2 s
		{64 * time.Second, 0x83},   // 3 x 30 s (rounded up)
		{30 * time.Minute, 0xbe},   // 30 x 1 min
		{54 * time.Minute, 0x06},   // 6 x 10 min (rounded up)
		{3 * time.Hour, 0x12},      // 18 x 10 min
		{12 * time.Hour, 0x2c},     // 12 x 1 h
		{100 * time.Hour, 0x4a},    // 10 x 10 h
		{1000 * time.Hour, 0xc4},   // 4 x 320 h (rounded up)
		{100000 * time.Hour, 0xdf}, // the longest
	}
	for _, c := range cases {
		if got := gprsTimer3(c.d); got != c.want {
			t.Errorf("%v: %#02x, want %#02x", c.d, got, c.want)
		}
	}
}

func TestGUTIRoundTrip(t *testing.T) {
	g := guti{plmn: n2.PLMN{MCC: "310", MNC: "410"}, region: 1, set: 1023, pointer: 63, tmsi: 0xdeadbeef}
	b, err := g.marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := parseGUTI(b)
	if err != nil || back != g {
		t.Fatalf("round trip %+v (%v), want %+v", back, err, g)
	}
	for _, bad := range []string{"", "f1 00f110 01 0000 00000000", "f2 00f110 01 0000 000000"} {
		if _, err := parseGUTI(unhex(t, bad)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func TestSecurityCapability(t *testing.T) {
	c, err := parseUESecurityCapability([]byte{0xf0, 0x70, 0xe0, 0x60})
	if err != nil {
		t.Fatal(err)
	}
	want := n2.UESecurityCapabilities{NREncryption: 0xe000, NRIntegrity: 0xe000, EUTRAEncryption: 0xc000, EUTRAIntegrity: 0xc000}
	if got := c.ngap(); got != want {
		t.Errorf("NGAP capabilities %+v, want %+v", got, want)
	}
	if _, err := parseUESecurityCapability([]byte{0xf0}); err == nil {
		t.Error("a 1-octet capability accepted")
	}
	a := &AMF{cfg: Defaults()}
	s := &shard{a: a}
	cases := []struct {
		caps   []byte
		ia     n1.IntegrityAlg
		ea     n1.CipherAlg
		ok     bool
		prefer func(*Config)
	}{
		{[]byte{0xf0, 0x70}, n1.NIA2, n1.NEA2, true, nil},
		{[]byte{0x80, 0x40}, n1.NIA1, n1.NEA0, true, nil},
		{[]byte{0xf0, 0x70}, n1.NIA3, n1.NEA2, true, func(c *Config) {
			c.Integrity = []n1.IntegrityAlg{n1.NIA3}
			c.Ciphering = []n1.CipherAlg{n1.NEA2, n1.NEA0}
		}},
		{[]byte{0x80, 0x80}, 0, 0, false, nil}, // only NIA0: never selected
		{[]byte{0x80, 0x10}, 0, 0, false, func(c *Config) { c.Integrity = []n1.IntegrityAlg{n1.NIA2, n1.NIA1} }},
	}
	for _, c := range cases {
		a.cfg = Defaults()
		if c.prefer != nil {
			c.prefer(&a.cfg)
		}
		ia, ea, ok := s.selectAlgorithms(ueSecurityCapability{raw: c.caps})
		if ok != c.ok || (ok && (ia != c.ia || ea != c.ea)) {
			t.Errorf("caps %x: %v %v %t, want %v %v %t", c.caps, ia, ea, ok, c.ia, c.ea, c.ok)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		edit  func(*Config)
		field string
	}{
		{func(c *Config) { c.Integrity = []n1.IntegrityAlg{n1.NIA2, n1.NIA0} }, "integrity"},
		{func(c *Config) { c.Integrity = []n1.IntegrityAlg{n1.NIA2, n1.NIA2} }, "integrity"},
		{func(c *Config) { c.Ciphering = []n1.CipherAlg{7} }, "ciphering"},
		{func(c *Config) { c.PLMN = n2.PLMN{MCC: "1", MNC: "01"} }, "plmn"},
		{func(c *Config) { c.TACs = []uint32{1 << 24} }, "tacs"},
		{func(c *Config) { c.SetID = 1024 }, "set_id"},
		{func(c *Config) { c.Pointer = 64 }, "pointer"},
		{func(c *Config) { c.Name = "bad_name" }, "name"},
		{func(c *Config) { c.N2.Transport = "tcp" }, "n2.transport"},
		{func(c *Config) { c.T3550 = -time.Second }, "t3550"},
		{func(c *Config) { c.T3555 = -time.Second }, "t3555"},
	}
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, c := range cases {
		cfg := Defaults()
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), "amf config: "+c.field+":") {
			t.Errorf("want an error naming %s, got %v", c.field, err)
		}
	}
}

// TestInitialNASSTMSI: the 5G-S-TMSI an initial NAS message names, by
// 5G-GUTI or 5G-S-TMSI, plain or integrity protected, routes it to its
// worker; anything else names none.
func TestInitialNASSTMSI(t *testing.T) {
	want := &n2.FiveGSTMSI{SetID: 0x3fe, Pointer: 0x21, TMSI: 0x01020304}
	cases := []struct {
		name, nas string
		want      *n2.FiveGSTMSI
	}{
		{"REGISTRATION REQUEST by 5G-GUTI", "7e 00 41 02 000b f2 00f110 ca ffa1 01020304 2e02f0f0", want},
		{"protected REGISTRATION REQUEST", "7e 01 00000000 05 7e 00 41 03 000b f2 00f110 ca ffa1 01020304", want},
		{"DEREGISTRATION REQUEST", "7e 00 45 01 000b f2 00f110 ca ffa1 01020304", want},
		{"SERVICE REQUEST", "7e 01 01020304 07 7e 00 4c 00 0007 f4 ffa1 01020304", want},
		{"REGISTRATION REQUEST by SUCI", "7e 00 41 71 000d 01 00f110 0000 00 00 0000000001", nil},
		{"length beyond the message", "7e 00 4c 00 0008 f4 ffa1 01020304", nil},
		{"S-TMSI typed as GUTI", "7e 00 4c 00 0007 f2 ffa1 01020304", nil},
		{"truncated", "7e 00 41 02 00", nil},
		{"ciphered header only", "7e 02 00000000 05", nil},
	}
	for _, c := range cases {
		got := initialNASSTMSI(unhex(t, c.nas))
		if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
