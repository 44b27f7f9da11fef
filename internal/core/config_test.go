package core

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sctp"
)

func TestDefaultsValid(t *testing.T) {
	c := Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v", err)
	}
	if got, want := c.StorePath(), filepath.Join("go5g-data", "go5g.db"); got != want {
		t.Errorf("StorePath() = %q, want %q (the CLI's default store)", got, want)
	}
	ac, err := c.amfConfig()
	if err != nil {
		t.Fatal(err)
	}
	if ac.PLMN != (n2.PLMN{MCC: "001", MNC: "01"}) || !reflect.DeepEqual(ac.TACs, []uint32{1}) ||
		!reflect.DeepEqual(ac.Slices, []n2.SNSSAI{{SST: 1}}) || ac.N2.Transport != sctp.TransportAuto ||
		ac.N2.Address != ":38412" || ac.N2.UDPPort != 9899 {
		t.Errorf("default AMF config: %+v", ac)
	}
}

// TestParse reads files over the defaults: what they change and what they leave.
func TestParse(t *testing.T) {
	src := `
plmn: {mcc: "208", mnc: "093"}
data_dir: /var/lib/go5g
log: {level: debug, format: json}
amf:
  name: amf-paris-1
  tacs: [1, 0x10, 16777215]
  slices:
    - sst: 1
    - sst: 2
      sd: 00ABcd
  integrity: [nia1, NIA2]
  ciphering: [NEA0]
  timers:
    t3512: -1s
    t3550: 1m30s
    t3560: 500ms
  workers: 3
  n2:
    address: 10.0.0.1:38412
    transport: udp
    udp_port: 0
    sctp: {rto_initial: 200ms, rto_min: 100ms, rto_max: 2s, streams: 4}
`
	c, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.StorePath() != "/var/lib/go5g/go5g.db" {
		t.Errorf("StorePath() = %q", c.StorePath())
	}
	ac, err := c.amfConfig()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name      string
		got, want any
	}{
		{"plmn", ac.PLMN, n2.PLMN{MCC: "208", MNC: "093"}},
		{"tacs", ac.TACs, []uint32{1, 16, 1<<24 - 1}},
		{"slices", ac.Slices, []n2.SNSSAI{{SST: 1}, {SST: 2, SD: 0xabcd, HasSD: true}}},
		{"integrity", ac.Integrity, []n1.IntegrityAlg{n1.NIA1, n1.NIA2}},
		{"ciphering", ac.Ciphering, []n1.CipherAlg{n1.NEA0}},
		{"t3512", ac.T3512, -time.Second},
		{"t3550", ac.T3550, 90 * time.Second},
		{"t3560", ac.T3560, 500 * time.Millisecond},
		{"t3570 (default)", ac.T3570, 6 * time.Second},
		{"workers", ac.Workers, 3},
		{"n2", ac.N2.Address + " " + string(ac.N2.Transport), "10.0.0.1:38412 udp"},
		{"udp_port", ac.N2.UDPPort, 0},
		{"rto", [3]time.Duration{ac.N2.SCTP.RTOInitial, ac.N2.SCTP.RTOMin, ac.N2.SCTP.RTOMax},
			[3]time.Duration{200 * time.Millisecond, 100 * time.Millisecond, 2 * time.Second}},
		{"streams", [2]uint16{ac.N2.SCTP.OutStreams, ac.N2.SCTP.MaxInStreams}, [2]uint16{4, 4}},
		{"heartbeat (default)", ac.N2.SCTP.HeartbeatInterval, 30 * time.Second},
		{"log", c.Log, LogConfig{Level: "debug", Format: "json"}},
	}
	for _, w := range want {
		if !reflect.DeepEqual(w.got, w.want) {
			t.Errorf("%s = %v, want %v", w.name, w.got, w.want)
		}
	}
	if err := ac.Validate(); err != nil {
		t.Errorf("amf.Config.Validate() = %v", err)
	}
}

// TestParseErrors checks that each mistake is refused with the file, line
// and full path of the field, and what to write instead.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unknown top key", "plmn:\n  mcc: \"001\"\nausf: {}\n",
			[]string{"x.yaml:3: ausf: unknown key; this section takes plmn, data_dir, store, log, amf, smf, upf, api"}},
		{"unknown nested key", "amf:\n  n2:\n    transprot: udp\n",
			[]string{"x.yaml:3: amf.n2.transprot: unknown key; this section takes address, transport, udp_port, sctp"}},
		{"unknown key in a list item", "amf:\n  slices:\n    - sst: 1\n      sdd: \"000001\"\n",
			[]string{"x.yaml:4: amf.slices[0].sdd: unknown key; this section takes sst, sd"}},
		{"bad transport", "amf:\n  n2:\n    transport: sctpx\n",
			[]string{`x.yaml:3: amf.n2.transport: "sctpx": want kernel, udp, ip or auto`}},
		{"mcc", "plmn:\n  mcc: \"1\"\n  mnc: \"1234\"\n",
			[]string{`x.yaml:2: plmn.mcc: "1": want 3 decimal digits`, `x.yaml:3: plmn.mnc: "1234": want 2 or 3`}},
		{"duration without unit", "amf:\n  timers:\n    t3550: 6\n",
			[]string{`x.yaml:3: amf.timers.t3550: "6" is not a duration: write a Go duration such as 6s`}},
		{"zero duration", "amf:\n  timers:\n    t3560: 0s\n",
			[]string{"x.yaml:3: amf.timers.t3560: 0s: want a positive duration"}},
		{"not a number", "amf:\n  set_id: many\n",
			[]string{`x.yaml:2: amf.set_id: "many": want a whole number`}},
		{"not a number in a flow list", "amf:\n  tacs: [1, x]\n",
			[]string{`x.yaml:2: amf.tacs[1]: "x": want a whole number`}},
		{"out of range", "amf:\n  set_id: 1024\n  pointer: 64\n  tacs: [16777216]\n",
			[]string{"x.yaml:2: amf.set_id: 1024: want 0 to 1023", "x.yaml:3: amf.pointer: 64: want 0 to 63",
				"x.yaml:4: amf.tacs[0]: 16777216: want 0 to 16777215"}},
		{"sd", "amf:\n  slices:\n    - {sst: 1, sd: \"12345\"}\n",
			[]string{`x.yaml:3: amf.slices[0].sd: "12345": want 6 hex digits`}},
		{"NIA0", "amf:\n  integrity: [NIA2, NIA0]\n",
			[]string{"x.yaml:2: amf.integrity[1]: NIA0: null integrity is only for unauthenticated emergency sessions"}},
		{"unknown cipher", "amf:\n  ciphering:\n    - NEA2\n    - AES\n    - nea2\n",
			[]string{`x.yaml:4: amf.ciphering[1]: "AES": want NEA0, NEA1, NEA2 or NEA3`, `x.yaml:5: amf.ciphering[2]: "nea2" is listed twice`}},
		{"empty list", "amf:\n  integrity: []\n", []string{"x.yaml:2: amf.integrity: empty: list at least one of NIA1, NIA2 or NIA3"}},
		{"rto order", "amf:\n  n2:\n    sctp:\n      rto_min: 3s\n      rto_max: 2s\n",
			[]string{"x.yaml:4: amf.n2.sctp.rto_min: 3s is above rto_max 2s"}},
		{"streams", "amf:\n  n2:\n    sctp: {streams: 1}\n", []string{"x.yaml:3: amf.n2.sctp.streams: 1: want 2 to 65535"}},
		{"address", "amf:\n  n2: {address: \"38412\"}\n", []string{`x.yaml:2: amf.n2.address: "38412": want host:port`}},
		{"log", "log: {level: loud, format: xml}\n",
			[]string{`x.yaml:1: log.level: "loud": want debug, info, warn or error`, `x.yaml:1: log.format: "xml": want text or json`}},
		{"name", "amf:\n  name: \"amf_1\"\n", []string{`x.yaml:2: amf.name: "amf_1": want 1 to 150 letters`}},
		{"section given a value", "amf: 3\n", []string{`x.yaml:1: amf: "3": want a section of keys`}},
		{"duplicate key", "plmn:\n  mcc: \"001\"\n  mcc: \"002\"\n", []string{`x.yaml:3: plmn.mcc: mapping key "mcc" already defined at line 2`}},
		{"two documents", "plmn: {mcc: \"001\"}\n---\namf: {}\n", []string{"x.yaml:3: a second YAML document"}},
		{"syntax", "amf:\n  name: [\n", []string{"x.yaml: "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", c.src)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestValidatePaths checks Validate on its own (no file, so no lines): the
// error is a FieldError whose path is the YAML path.
func TestValidatePaths(t *testing.T) {
	c := Defaults()
	c.AMF.N2.Transport = "sctpx"
	c.PLMN.MCC = "ab1"
	c.AMF.Workers = -1
	c.AMF.MaxRetransmissions = 0
	err := c.Validate()
	want := []string{
		`plmn.mcc: "ab1": want 3 decimal digits`,
		`amf.max_retransmissions: 0: want 1 to 10`,
		`amf.workers: -1: want 1 to 4096, or 0 for 4 per CPU`,
		`amf.n2.transport: "sctpx": want kernel, udp, ip or auto`,
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d = %q, want %q", i, lines[i], w)
		}
	}
	if _, nerr := New(c, nil); nerr == nil {
		t.Error("New accepted an invalid config")
	}
}

// TestMarshalRoundTrip: what --print-config prints loads back to the same
// configuration, for the defaults and for a changed one.
func TestMarshalRoundTrip(t *testing.T) {
	changed, err := Parse("c.yaml", []byte("plmn: {mcc: \"999\", mnc: \"070\"}\nstore: /tmp/x.db\namf:\n  slices: [{sst: 1, sd: \"000001\"}]\n  timers: {t3512: 1h2m3s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Config{"defaults": Defaults(), "changed": changed} {
		b, err := Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "core.yaml")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatalf("%s: Load(Marshal(c)): %v\n%s", name, err, b)
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("%s: round trip changed the config:\n%+v\nwant\n%+v\nYAML:\n%s", name, back, c, b)
		}
	}
	b, _ := Marshal(Defaults())
	for _, w := range []string{`mcc: "001"`, `mnc: "01"`, "t3550: 6s", "transport: auto", "udp_port: 9899", "tacs: [1]"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("printed defaults lack %q:\n%s", w, b)
		}
	}
}

// TestParseErrorOrder: every problem is reported at once, in file order.
func TestParseErrorOrder(t *testing.T) {
	src := "amf:\n  n2:\n    transport: sctpx\n  timers: {t3550: 0s}\nplmn: {mcc: \"1\"}\n"
	_, err := Parse("o.yaml", []byte(src))
	if err == nil {
		t.Fatal("accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"o.yaml:3: amf.n2.transport:", "o.yaml:4: amf.timers.t3550:", "o.yaml:5: plmn.mcc:"}
	if len(lines) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d = %q, want it to start with %q", i, lines[i], w)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("Load(missing) = %v", err)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n"} {
		c, err := Parse("e.yaml", []byte(src))
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if !reflect.DeepEqual(c, Defaults()) {
			t.Errorf("Parse(%q) is not the defaults", src)
		}
	}
}

// FuzzParse: no input panics, and an accepted file prints back to the
// same configuration.
func FuzzParse(f *testing.F) {
	b, _ := Marshal(Defaults())
	f.Add(b)
	f.Add([]byte("amf:\n  n2:\n    transprot: udp\n"))
	f.Add([]byte("amf: {tacs: [1, x], slices: [{sst: 1, sd: \"00000g\"}], timers: {t3550: 6}}\n"))
	f.Add([]byte("plmn: &a {mcc: \"001\"}\nlog: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			return
		}
		out, err := Marshal(c)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("g.yaml", out)
		if err != nil {
			t.Fatalf("printed config refused: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", c, back)
		}
	})
}
