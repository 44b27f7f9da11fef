package upfnode

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaultsValid(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestValidate: each bad value is reported once, by its path.
func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Config)
		path  string
		words string
	}{
		{"node id", func(c *Config) { c.NodeID = "upf_1" }, "node_id", "domain name"},
		{"n4 no port", func(c *Config) { c.N4.Address = "10.0.0.1" }, "n4.address", "host:port"},
		{"n4 port 0", func(c *Config) { c.N4.Address = ":0" }, "n4.address", "1 to 65535"},
		{"n4 name", func(c *Config) { c.N4.Address = "upf.local:8805" }, "n4.address", "not resolved"},
		{"smf", func(c *Config) { c.N4.SMF = []string{"10.0.0.1", "smf:8805"} }, "n4.smf[1]", "SMF's IP"},
		{"smf wildcard", func(c *Config) { c.N4.SMF = []string{"0.0.0.0"} }, "n4.smf[0]", "SMF's IP"},
		{"heartbeat 0", func(c *Config) { c.N4.HeartbeatInterval = 0 }, "n4.heartbeat_interval", "negative"},
		{"n3", func(c *Config) { c.N3.Address = "0.0.0.0:99999" }, "n3.address", "1 to 65535"},
		{"advertise garbage", func(c *Config) { c.N3.Advertise = "gnb-side" }, "n3.advertise", "IP address"},
		{"advertise wildcard", func(c *Config) { c.N3.Advertise = "0.0.0.0" }, "n3.advertise", "unicast"},
		{"advertise family", func(c *Config) { c.N3.Address = "192.0.2.1:2152"; c.N3.Advertise = "2001:db8::1" },
			"n3.advertise", "both must be IPv4"},
		{"device long", func(c *Config) { c.N6.Device = "a-very-long-name0" }, "n6.device", "1 to 15"},
		{"device slash", func(c *Config) { c.N6.Device = "n6/x" }, "n6.device", "'/'"},
		{"mtu", func(c *Config) { c.N6.MTU = 100 }, "n6.mtu", "576 to 65535"},
		{"mtu v6", func(c *Config) { c.N6.MTU = 1000; c.N6.Pools = []string{"2001:db8:45::/48"} }, "n6.mtu", "1280"},
		{"address", func(c *Config) { c.N6.Addresses = []string{"10.45.0.1"} }, "n6.addresses[0]", "prefix length"},
		{"no pools", func(c *Config) { c.N6.Pools = nil }, "n6.pools", "empty"},
		{"pool host bits", func(c *Config) { c.N6.Pools = []string{"10.45.0.1/16"} }, "n6.pools[0]", "did you mean 10.45.0.0/16"},
		{"pool v6 /96", func(c *Config) { c.N6.Pools = []string{"2001:db8::/96"} }, "n6.pools[0]", "/64 or shorter"},
		{"pool overlap", func(c *Config) { c.N6.Pools = []string{"10.45.0.0/16", "10.45.3.0/24"} }, "n6.pools[1]", "overlaps n6.pools[0]"},
		{"pool garbage", func(c *Config) { c.N6.Pools = []string{"internet"} }, "n6.pools[0]", "CIDR"},
		{"workers", func(c *Config) { c.Workers = 257 }, "workers", "1 to 256"},
		{"workers negative", func(c *Config) { c.Workers = -1 }, "workers", "one per CPU"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults()
			tc.edit(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Path != tc.path || !strings.Contains(fe.Msg, tc.words) {
				t.Fatalf("got %v; want %s: ...%s...", err, tc.path, tc.words)
			}
			if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 1 {
				t.Errorf("%d errors, want 1: %v", n, err)
			}
		})
	}
	good := Defaults()
	good.NodeID, good.N4.SMF = "upf1.example.org", []string{"192.0.2.1", "192.0.2.2:8806", "2001:db8::5"}
	good.N3.Address, good.N3.Advertise = "[::]:2152", "2001:db8::2"
	good.N6.Addresses, good.N6.Pools = []string{"10.45.0.1/16"}, []string{"10.45.0.0/16", "2001:db8:45::/48"}
	good.N4.HeartbeatInterval, good.Workers = -1, 256
	if err := good.Validate(); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

// TestAdvertise: the F-TEID address comes from n3.advertise, then the
// n3.address host, then the only global IPv4 address; otherwise an error
// that tells what to set.
func TestAdvertise(t *testing.T) {
	a := netip.MustParseAddr
	hostOne := []netip.Addr{a("127.0.0.1"), a("fe80::1"), a("192.0.2.9"), a("2001:db8::9"), a("169.254.1.1")}
	hostTwo := append([]netip.Addr{a("198.51.100.1")}, hostOne...)
	cases := []struct {
		address, advertise string
		host               []netip.Addr
		want               string
		err                string
	}{
		{"0.0.0.0:2152", "203.0.113.5", hostTwo, "203.0.113.5", ""},
		{"192.0.2.7:2152", "", hostTwo, "192.0.2.7", ""},
		{"[2001:db8::7]:2152", "", hostTwo, "2001:db8::7", ""},
		{"0.0.0.0:2152", "", hostOne, "192.0.2.9", ""},
		{":2152", "", hostOne, "192.0.2.9", ""},
		{"0.0.0.0:2152", "", hostTwo, "", "several ([198.51.100.1 192.0.2.9])"},
		{"0.0.0.0:2152", "", hostOne[:2], "", "no global IPv4 address"},
	}
	for _, tc := range cases {
		c := Defaults()
		c.N3.Address, c.N3.Advertise = tc.address, tc.advertise
		got, err := c.advertise(tc.host)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "n3.advertise")):
			t.Errorf("%s %q: got %v, %v; want error with %q", tc.address, tc.advertise, got, err, tc.err)
		case tc.err == "" && (err != nil || got.String() != tc.want):
			t.Errorf("%s %q: got %v, %v; want %s", tc.address, tc.advertise, got, err, tc.want)
		}
	}
}

func TestNodeID(t *testing.T) {
	adv := netip.MustParseAddr("192.0.2.9")
	c := Defaults()
	if got := c.nodeID(adv); got != "192.0.2.9" {
		t.Errorf("wildcard N4: %q, want the N3 address", got)
	}
	c.N4.Address = "198.51.100.4:8805"
	if got := c.nodeID(adv); got != "198.51.100.4" {
		t.Errorf("concrete N4: %q, want its host", got)
	}
	c.NodeID = "upf.example.org"
	if got := c.nodeID(adv); got != "upf.example.org" {
		t.Errorf("configured: %q", got)
	}
}

// TestParse: a file changes only what it names; errors carry file, line
// and path.
func TestParse(t *testing.T) {
	got, err := Parse("upf.yaml", []byte("n4:\n  smf: [192.0.2.1]\n  heartbeat_interval: 2s\nn6:\n  pools: [10.60.0.0/16]\nworkers: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults()
	want.N4.SMF, want.N4.HeartbeatInterval = []string{"192.0.2.1"}, Duration(2*time.Second)
	want.N6.Pools, want.Workers = []string{"10.60.0.0/16"}, 3
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	bad := []struct{ file, want string }{
		{"n6:\n  mtu: 100\n", "upf.yaml:2: n6.mtu: 100"},
		{"n6:\n  pools:\n    - 10.45.0.0/16\n    - 10.45.0.0/24\n", "upf.yaml:4: n6.pools[1]"},
		{"n3:\n  adress: x\n", `upf.yaml:2: n3.adress: unknown key; this section takes address, advertise`},
		{"n4:\n  heartbeat_interval: 10\n", `upf.yaml:2: n4.heartbeat_interval: "10" is not a duration`},
		{"workers: many\n", `upf.yaml:1: workers: "many": want a whole number`},
		{"workers: 1\n---\nworkers: 2\n", "second YAML document"},
		{"n6: [\n", "upf.yaml: "},
	}
	for _, b := range bad {
		if _, err := Parse("upf.yaml", []byte(b.file)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: got %v, want %q", b.file, err, b.want)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	c := Defaults()
	c.NodeID, c.N4.SMF, c.N3.Advertise = "upf1", []string{"192.0.2.1:8805"}, "192.0.2.7"
	c.N6.Addresses, c.N6.Pools = []string{"10.45.0.1/16"}, []string{"10.45.0.0/16", "2001:db8:45::/48"}
	b, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("marshalled", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("round trip:\n%+v\nwant\n%+v\n%s", got, c, b)
	}
	if !strings.Contains(string(b), "# UE address pools") {
		t.Errorf("no key comments:\n%s", b)
	}
}
