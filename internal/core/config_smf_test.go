package core

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/smf"
	"go5g/internal/yamlconf"
)

// TestSMFDefaults: with no file the SMF serves "internet" with the default
// pools through the embedded UPF, whose TUN routes exactly those pools.
func TestSMFDefaults(t *testing.T) {
	c := Defaults()
	sc := c.smfConfig()
	if len(sc.DNNs) != 1 || sc.DNNs[0].Name != "internet" || sc.DNNs[0].IPv4Pool != netip.MustParsePrefix("10.45.0.0/16") ||
		sc.DNNs[0].IPv6Pool != netip.MustParsePrefix("fd00:45::/48") || len(sc.DNNs[0].DNS) != 3 {
		t.Errorf("DNNs %+v", sc.DNNs)
	}
	if !reflect.DeepEqual(sc.UPFs, []smf.UPFConfig{{Name: "upf", DNNs: []string{}}}) {
		t.Errorf("UPFs %+v", sc.UPFs)
	}
	u := c.upfnodeConfig()
	if u.N4.Address != "127.0.0.1:8805" || !reflect.DeepEqual(u.N6.Pools, []string{"10.45.0.0/16", "fd00:45::/48"}) {
		t.Errorf("embedded UPF %+v", u)
	}
	if !c.embedded() || !c.UPF.Enabled {
		t.Error("default core does not embed its UPF")
	}
}

// TestParseSMF reads the smf and upf sections.
func TestParseSMF(t *testing.T) {
	src := `
smf:
  dnns:
    - {name: internet, ipv4_pool: 10.60.0.0/16, dns: [9.9.9.9]}
    - {name: ims, ipv6_pool: "2001:db8:1::/48"}
  upfs:
    - {name: edge, n4_address: "10.0.0.2:8805", dnns: [ims]}
    - {name: local, dnns: [internet]}
  n4_address: 10.0.0.1:8805
upf:
  n3: {address: "10.0.0.1:2152"}
  n6: {device: n6x, addresses: [10.60.0.1/16]}
`
	c, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	sc := c.smfConfig()
	if len(sc.DNNs) != 2 || sc.DNNs[0].IPv4Pool.String() != "10.60.0.0/16" || sc.DNNs[0].IPv6Pool.IsValid() ||
		sc.DNNs[0].DNS[0].String() != "9.9.9.9" || sc.DNNs[1].IPv6Pool.String() != "2001:db8:1::/48" {
		t.Errorf("DNNs %+v", sc.DNNs)
	}
	if len(sc.UPFs) != 2 || sc.UPFs[0].Name != "edge" || sc.UPFs[1].DNNs[0] != "internet" {
		t.Errorf("UPFs %+v", sc.UPFs)
	}
	u := c.upfnodeConfig()
	if !reflect.DeepEqual(u.N6.Pools, []string{"10.60.0.0/16"}) || u.N6.Device != "n6x" || u.N3.Address != "10.0.0.1:2152" {
		t.Errorf("embedded UPF: pools %v device %s n3 %s; want only the pools of the DNNs it serves", u.N6.Pools, u.N6.Device, u.N3.Address)
	}
}

// TestValidateSMF: each bad value is reported with its field path.
func TestValidateSMF(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		path string // the FieldError's path
		msg  string // part of its message
	}{
		{"no DNN", func(c *Config) { c.SMF.DNNs = nil }, "smf.dnns", "at least one"},
		{"DNN without name", func(c *Config) { c.SMF.DNNs[0].Name = "" }, "smf.dnns[0].name", "empty"},
		{"DNN twice", func(c *Config) { c.SMF.DNNs = append(c.SMF.DNNs, DNNConfig{Name: "Internet", IPv4Pool: "10.9.0.0/16"}) },
			"smf.dnns[1].name", "twice"},
		{"DNN without pool", func(c *Config) { c.SMF.DNNs[0].IPv4Pool, c.SMF.DNNs[0].IPv6Pool = "", "" }, "smf.dnns[0]", "neither"},
		{"bad IPv4 pool", func(c *Config) { c.SMF.DNNs[0].IPv4Pool = "10.45.0.0" }, "smf.dnns[0].ipv4_pool", "IPv4 CIDR"},
		{"IPv6 in the IPv4 pool", func(c *Config) { c.SMF.DNNs[0].IPv4Pool = "fd00::/48" }, "smf.dnns[0].ipv4_pool", "IPv4 CIDR"},
		{"host bits", func(c *Config) { c.SMF.DNNs[0].IPv4Pool = "10.45.0.1/16" }, "smf.dnns[0].ipv4_pool", "10.45.0.0/16"},
		{"tiny IPv4 pool", func(c *Config) { c.SMF.DNNs[0].IPv4Pool = "10.45.0.0/31" }, "smf.dnns[0].ipv4_pool", "/30"},
		{"IPv6 pool /80", func(c *Config) { c.SMF.DNNs[0].IPv6Pool = "fd00:45::/80" }, "smf.dnns[0].ipv6_pool", "/64"},
		{"overlapping pools", func(c *Config) { c.SMF.DNNs = append(c.SMF.DNNs, DNNConfig{Name: "ims", IPv4Pool: "10.45.128.0/17"}) },
			"smf.dnns[1].ipv4_pool", "overlaps smf.dnns[0].ipv4_pool"},
		{"bad DNS", func(c *Config) { c.SMF.DNNs[0].DNS = []string{"8.8.8.8", "dns.google"} }, "smf.dnns[0].dns[1]", "IP address"},
		{"UPF without name", func(c *Config) { c.SMF.UPFs[0].Name = "" }, "smf.upfs[0].name", "empty"},
		{"UPF twice", func(c *Config) { c.SMF.UPFs = append(c.SMF.UPFs, UPFPeer{Name: "upf", N4Address: "10.0.0.2:8805"}) },
			"smf.upfs[1].name", "twice"},
		{"bad UPF address", func(c *Config) { c.SMF.UPFs[0].N4Address = "10.0.0.2" }, "smf.upfs[0].n4_address", "ip:port"},
		{"two embedded", func(c *Config) { c.SMF.UPFs = append(c.SMF.UPFs, UPFPeer{Name: "b"}) }, "smf.upfs", "only one"},
		{"embedded but disabled", func(c *Config) { c.UPF.Enabled = false }, "smf.upfs[0].n4_address", "upf.enabled is false"},
		{"unknown DNN", func(c *Config) { c.SMF.UPFs[0].DNNs = []string{"iot"} }, "smf.upfs[0].dnns[0]", "not one of smf.dnns"},
		{"wildcard SMF address", func(c *Config) { c.SMF.N4Address = ":8805" }, "smf.n4_address", "concrete IP"},
		{"loopback SMF, remote UPF", func(c *Config) {
			c.SMF.UPFs = []UPFPeer{{Name: "far", N4Address: "192.0.2.7:8805"}}
		}, "smf.n4_address", "loopback"},
		{"embedded UPF device", func(c *Config) { c.UPF.N6.Device = "a/b" }, "upf.n6.device", "interface name"},
		{"embedded UPF N4", func(c *Config) { c.UPF.N4.Address = "localhost" }, "upf.n4.address", "host:port"},
		{"embedded UPF MTU", func(c *Config) { c.UPF.N6.MTU = 100 }, "upf.n6.mtu", "576"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults()
			tc.edit(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			var found bool
			for _, e := range yamlconf.Split(err) {
				if fe, ok := e.(*FieldError); ok && fe.Path == tc.path && strings.Contains(fe.Msg, tc.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("Validate = %v; want %s: ...%s...", err, tc.path, tc.msg)
			}
		})
	}
	// Valid variations.
	for name, edit := range map[string]func(*Config){
		"no UPF at all": func(c *Config) { c.UPF.Enabled, c.SMF.UPFs = false, nil },
		"remote UPF only": func(c *Config) {
			c.UPF.Enabled, c.SMF.UPFs, c.SMF.N4Address = false, []UPFPeer{{Name: "u", N4Address: "10.0.0.2:8805"}}, "10.0.0.1:8805"
		},
		"IPv6-only DNN":             func(c *Config) { c.SMF.DNNs[0].IPv4Pool = "" },
		"embedded disabled, unused": func(c *Config) { c.UPF.Enabled = false; c.SMF.UPFs[0].N4Address = "127.0.0.1:8806" },
	} {
		c := Defaults()
		edit(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestParseSMFErrorLine: a bad value in the smf section is reported with
// the file's line and the field path.
func TestParseSMFErrorLine(t *testing.T) {
	src := "smf:\n  dnns:\n    - name: internet\n      ipv4_pool: 10.45.0.0/33\n"
	_, err := Parse("c.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "c.yaml:4: smf.dnns[0].ipv4_pool: ") {
		t.Errorf("Parse = %v; want c.yaml:4: smf.dnns[0].ipv4_pool", err)
	}
	_, err = Parse("c.yaml", []byte("upf:\n  n6:\n    mtu: 100\n"))
	if err == nil || !strings.Contains(err.Error(), "c.yaml:3: upf.n6.mtu: ") {
		t.Errorf("Parse = %v; want c.yaml:3: upf.n6.mtu", err)
	}
	_, err = Parse("c.yaml", []byte("smf:\n  upfs:\n    - name: u\n      n4: x\n"))
	if err == nil || !strings.Contains(err.Error(), "c.yaml:4: smf.upfs[0].n4: unknown key; this section takes name, n4_address, dnns") {
		t.Errorf("Parse = %v; want the unknown key named", err)
	}
}

// TestMarshalSMF: --print-config shows the new sections with comments and
// reads back to the same configuration.
func TestMarshalSMF(t *testing.T) {
	b, err := Marshal(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{"smf:", "ipv4_pool: 10.45.0.0/16", "ipv6_pool: fd00:45::/48", "# DNS server addresses given to UEs",
		"n4_address: \"\" # the UPF's PFCP ip:port (8805); empty: the UPF embedded", "upf:", "enabled: true",
		"address: 127.0.0.1:8805 # PFCP host:port", "device: go5g-n6 # TUN device"} {
		if !strings.Contains(out, want) {
			t.Errorf("printed config lacks %q:\n%s", want, out)
		}
	}
	c, err := Parse("printed", b)
	if err != nil {
		t.Fatalf("printed config does not load: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(c, Defaults()) {
		t.Errorf("printed config loads as\n%+v\nwant\n%+v", c, Defaults())
	}
}

// A UPF can be limited to slices; each must be one the AMF serves.
func TestUPFSlices(t *testing.T) {
	c := Defaults()
	c.AMF.Slices = []Slice{{SST: 1}, {SST: 2, SD: "00000A"}}
	c.SMF.UPFs[0].Slices = []Slice{{SST: 2, SD: "00000a"}}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	sc := c.smfConfig()
	want := []n2.SNSSAI{{SST: 2, SD: 10, HasSD: true}}
	if !reflect.DeepEqual(sc.UPFs[0].Slices, want) {
		t.Errorf("smf UPF slices = %+v, want %+v", sc.UPFs[0].Slices, want)
	}
	c.SMF.UPFs[0].Slices = []Slice{{SST: 3}}
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "smf.upfs[0].slices[0]") {
		t.Errorf("Validate with a slice the AMF does not serve = %v, want an error naming smf.upfs[0].slices[0]", err)
	}
}

// smf.n4_heartbeat_interval reaches the SMF's N4 node; 0 is refused.
func TestN4HeartbeatInterval(t *testing.T) {
	c := Defaults()
	if c.SMF.HeartbeatInterval != Duration(10*time.Second) {
		t.Errorf("default heartbeat interval %v, want 10s", c.SMF.HeartbeatInterval)
	}
	got, err := Parse("core.yaml", []byte("smf:\n  n4_heartbeat_interval: 2s\n"))
	if err != nil || got.SMF.HeartbeatInterval != Duration(2*time.Second) {
		t.Errorf("Parse = %v, %v; want 2s", got.SMF.HeartbeatInterval, err)
	}
	if _, err := Parse("core.yaml", []byte("smf:\n  n4_heartbeat_interval: 0s\n")); err == nil ||
		!strings.Contains(err.Error(), "core.yaml:2: smf.n4_heartbeat_interval") {
		t.Errorf("0s: got %v, want an error at core.yaml:2", err)
	}
}
