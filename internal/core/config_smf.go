package core

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"go5g/internal/n2"
	"go5g/internal/n4"
	"go5g/internal/smf"
	"go5g/internal/upfnode"
	"go5g/internal/yamlconf"
)

// SMFConfig is the SMF section: the data networks with their UE address
// pools and DNS servers, the UPFs that serve them over N4, and the SMF's
// own PFCP address.
type SMFConfig struct {
	DNNs []DNNConfig `yaml:"dnns"`
	// UPFs in selection order: the first that serves a session's DNN and
	// slice is used (TS 23.501 §6.3.3). An empty n4_address is the UPF embedded in
	// this process (the upf section).
	UPFs []UPFPeer `yaml:"upfs"`
	// N4Address is the SMF's PFCP host:port. Its host is the SMF's Node ID
	// and must be an address the UPFs reach; port 0 picks a free one (the
	// SMF starts every association, so UPFs answer to that port).
	N4Address string `yaml:"n4_address"`
	// HeartbeatInterval is how often the SMF checks each UPF when it has
	// heard nothing else from it: a restarted UPF is noticed (and its
	// sessions restored) within about two intervals, a dead one after
	// three unanswered heartbeats. Negative: no heartbeats.
	HeartbeatInterval Duration `yaml:"n4_heartbeat_interval"`
}

// DNNConfig is one data network. Which pools are set says which PDU
// session types it offers (TS 24.501 §6.4.1.3).
type DNNConfig struct {
	Name     string   `yaml:"name"`
	IPv4Pool string   `yaml:"ipv4_pool"`
	IPv6Pool string   `yaml:"ipv6_pool"`
	DNS      []string `yaml:"dns,flow"`
}

// UPFPeer is a UPF the SMF uses.
type UPFPeer struct {
	Name      string   `yaml:"name"`
	N4Address string   `yaml:"n4_address"`
	DNNs      []string `yaml:"dnns,flow"`
	// Slices the UPF serves; empty: all. Each must be one of amf.slices.
	Slices []Slice `yaml:"slices"`
}

// UPFConfig is the UPF embedded in `go5g core`: internal/upfnode, as `go5g
// upf` runs it, with the SMF's pools routed into its N6 device. It needs
// root (TUN); without it the core runs signalling only and says why.
type UPFConfig struct {
	Enabled bool        `yaml:"enabled"`
	N4      UPFN4Config `yaml:"n4"`
	N3      UPFN3Config `yaml:"n3"`
	N6      UPFN6Config `yaml:"n6"`
	// Workers is the number of packet workers; 0: one per CPU.
	Workers int `yaml:"workers"`
}

// UPFN4Config is the embedded UPF's PFCP endpoint.
type UPFN4Config struct {
	Address string `yaml:"address"`
}

// UPFN3Config is the embedded UPF's GTP-U endpoint.
type UPFN3Config struct {
	Address   string `yaml:"address"`
	Advertise string `yaml:"advertise"`
}

// UPFN6Config is the embedded UPF's TUN device; its routes are the pools
// of the DNNs it serves.
type UPFN6Config struct {
	Device    string   `yaml:"device"`
	MTU       int      `yaml:"mtu"`
	Addresses []string `yaml:"addresses,flow"`
}

// smfDefaults is the SMF and UPF sections with no file: smf.Defaults'
// DNN "internet" (10.45.0.0/16, fd00:45::/48), one embedded UPF with N4 on
// 127.0.0.1:8805 and upfnode's N3 and N6 defaults, and the SMF's PFCP on
// 127.0.0.2:8805 (its own Node ID, distinct from the UPF's; Linux routes
// all of 127.0.0.0/8 to the loopback device).
func smfDefaults() (SMFConfig, UPFConfig) {
	d := smf.Defaults()
	var dnns []DNNConfig
	for _, n := range d.DNNs {
		dc := DNNConfig{Name: n.Name, DNS: []string{}}
		if n.IPv4Pool.IsValid() {
			dc.IPv4Pool = n.IPv4Pool.String()
		}
		if n.IPv6Pool.IsValid() {
			dc.IPv6Pool = n.IPv6Pool.String()
		}
		for _, a := range n.DNS {
			dc.DNS = append(dc.DNS, a.String())
		}
		dnns = append(dnns, dc)
	}
	u := upfnode.Defaults()
	return SMFConfig{
			DNNs:              dnns,
			UPFs:              []UPFPeer{{Name: "upf", DNNs: []string{}, Slices: []Slice{}}},
			N4Address:         "127.0.0.2:8805",
			HeartbeatInterval: Duration(n4.DefaultHeartbeatInterval),
		}, UPFConfig{
			Enabled: true,
			N4:      UPFN4Config{Address: "127.0.0.1:8805"},
			N3:      UPFN3Config{Address: u.N3.Address},
			N6:      UPFN6Config{Device: u.N6.Device, MTU: u.N6.MTU, Addresses: []string{}},
		}
}

// embedded reports whether the SMF uses the embedded UPF.
func (c Config) embedded() bool {
	return slices.ContainsFunc(c.SMF.UPFs, func(u UPFPeer) bool { return u.N4Address == "" })
}

// smfValidate checks the smf and upf sections.
func (v *validator) smfValidate(c Config) {
	s := c.SMF
	names := map[string]bool{}
	var pools []netip.Prefix
	var poolPaths []string
	for i, d := range s.DNNs {
		p := fmt.Sprintf("smf.dnns[%d]", i)
		switch {
		case d.Name == "":
			v.bad(p+".name", "empty: name the data network, e.g. internet")
		case names[strings.ToLower(d.Name)]:
			v.bad(p+".name", "%q is listed twice", d.Name)
		}
		names[strings.ToLower(d.Name)] = true
		if d.IPv4Pool == "" && d.IPv6Pool == "" {
			v.bad(p, "neither ipv4_pool nor ipv6_pool: give the DNN at least one UE address pool")
		}
		for _, x := range []struct {
			key, val string
			v6       bool
		}{{"ipv4_pool", d.IPv4Pool, false}, {"ipv6_pool", d.IPv6Pool, true}} {
			if x.val == "" {
				continue
			}
			pp := p + "." + x.key
			pr, err := netip.ParsePrefix(x.val)
			switch {
			case err != nil || pr.Addr().Is6() != x.v6:
				if x.v6 {
					v.bad(pp, "%q: want an IPv6 prefix of /64 or shorter, e.g. fd00:45::/48", x.val)
				} else {
					v.bad(pp, "%q: want an IPv4 CIDR, e.g. 10.45.0.0/16", x.val)
				}
				continue
			case pr != pr.Masked():
				v.bad(pp, "%q has host bits set: did you mean %v?", x.val, pr.Masked())
			case !x.v6 && pr.Bits() > 30:
				v.bad(pp, "%q: too small for UEs (network and broadcast addresses are not given out); want /30 or shorter", x.val)
			case x.v6 && pr.Bits() > 64:
				v.bad(pp, "%q: each UE gets a /64 (TS 23.501 §5.8.2.2.3); want /64 or shorter", x.val)
			}
			for j, q := range pools {
				if q.Overlaps(pr) {
					v.bad(pp, "%v overlaps %s %v", pr, poolPaths[j], q)
				}
			}
			pools, poolPaths = append(pools, pr.Masked()), append(poolPaths, pp)
		}
		for j, a := range d.DNS {
			if ip, err := netip.ParseAddr(a); err != nil || ip.Zone() != "" {
				v.bad(fmt.Sprintf("%s.dns[%d]", p, j), "%q: want an IP address, e.g. 8.8.8.8", a)
			}
		}
	}
	if len(s.DNNs) == 0 {
		v.bad("smf.dnns", "empty: list at least one data network, e.g. {name: internet, ipv4_pool: 10.45.0.0/16}")
	}
	upfNames := map[string]bool{}
	external := false
	for i, u := range s.UPFs {
		p := fmt.Sprintf("smf.upfs[%d]", i)
		if u.Name == "" {
			v.bad(p+".name", "empty: name the UPF")
		} else if upfNames[u.Name] {
			v.bad(p+".name", "%q is listed twice", u.Name)
		}
		upfNames[u.Name] = true
		if u.N4Address == "" {
			if !c.UPF.Enabled {
				v.bad(p+".n4_address", "empty names the UPF embedded in this process, but upf.enabled is false: give the UPF's PFCP address, e.g. 10.0.0.2:8805")
			}
		} else if ap, err := netip.ParseAddrPort(u.N4Address); err != nil || ap.Port() == 0 || ap.Addr().IsUnspecified() {
			v.bad(p+".n4_address", "%q: want the UPF's PFCP ip:port, e.g. 10.0.0.2:8805 (or empty for the embedded UPF)", u.N4Address)
		} else if !ap.Addr().IsLoopback() {
			external = true
		}
		for j, d := range u.DNNs {
			if !names[strings.ToLower(d)] {
				v.bad(fmt.Sprintf("%s.dnns[%d]", p, j), "%q is not one of smf.dnns", d)
			}
		}
		for j, sl := range u.Slices {
			if !slices.ContainsFunc(c.AMF.Slices, sl.same) {
				v.bad(fmt.Sprintf("%s.slices[%d]", p, j), "{sst: %d, sd: %q} is not one of amf.slices", sl.SST, sl.SD)
			}
		}
	}
	if n := countEmbedded(s.UPFs); n > 1 {
		v.bad("smf.upfs", "%d entries have an empty n4_address; only one UPF is embedded", n)
	}
	if s.HeartbeatInterval == 0 {
		v.bad("smf.n4_heartbeat_interval", "0s: want a Go duration such as 10s (or a negative one for no heartbeats)")
	}
	host, port, err := net.SplitHostPort(s.N4Address)
	hostIP, herr := netip.ParseAddr(host)
	if err != nil || herr != nil || hostIP.IsUnspecified() || !validPort(port) {
		v.bad("smf.n4_address", "%q: want ip:port with a concrete IP, e.g. 127.0.0.2:8805 or 10.0.0.1:8805 (its IP is the SMF's PFCP Node ID)", s.N4Address)
	} else if external && hostIP.IsLoopback() {
		v.bad("smf.n4_address", "%q is a loopback address but smf.upfs lists a UPF on another host: give an address that UPF reaches", s.N4Address)
	}
	if c.UPF.Enabled && c.embedded() {
		for _, fe := range yamlconf.Split(c.upfnodeConfig().Validate()) {
			if f, ok := fe.(*upfnode.FieldError); ok {
				path := "upf." + f.Path
				if strings.HasPrefix(f.Path, "n6.pools") {
					path = "smf.dnns" // the routes are the DNNs' pools
				}
				v.bad(path, "%s", f.Msg)
			} else if fe != nil {
				v.bad("upf", "%v", fe)
			}
		}
	}
}

func countEmbedded(us []UPFPeer) int {
	n := 0
	for _, u := range us {
		if u.N4Address == "" {
			n++
		}
	}
	return n
}

func validPort(s string) bool {
	p, err := strconv.ParseUint(s, 10, 16)
	return err == nil && p <= 65535
}

// embeddedPools are the pools of the DNNs the embedded UPF serves.
func (c Config) embeddedPools() []string {
	var serve []string
	for _, u := range c.SMF.UPFs {
		if u.N4Address == "" {
			serve = u.DNNs
		}
	}
	var out []string
	for _, d := range c.SMF.DNNs {
		if len(serve) > 0 && !slices.ContainsFunc(serve, func(s string) bool { return strings.EqualFold(s, d.Name) }) {
			continue
		}
		for _, p := range []string{d.IPv4Pool, d.IPv6Pool} {
			if p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// upfnodeConfig is the embedded UPF's upfnode configuration.
func (c Config) upfnodeConfig() upfnode.Config {
	u := upfnode.Defaults()
	u.N4.Address = c.UPF.N4.Address
	u.N3.Address, u.N3.Advertise = c.UPF.N3.Address, c.UPF.N3.Advertise
	u.N6.Device, u.N6.MTU = c.UPF.N6.Device, c.UPF.N6.MTU
	u.N6.Addresses = slices.Clone(c.UPF.N6.Addresses)
	u.N6.Pools = c.embeddedPools()
	u.Workers = c.UPF.Workers
	return u
}

// smfConfig maps the smf section into smf.Config (after Validate).
func (c Config) smfConfig() smf.Config {
	sc := smf.Config{}
	for _, d := range c.SMF.DNNs {
		dn := smf.DNN{Name: d.Name}
		dn.IPv4Pool, _ = netip.ParsePrefix(d.IPv4Pool)
		dn.IPv6Pool, _ = netip.ParsePrefix(d.IPv6Pool)
		for _, a := range d.DNS {
			if ip, err := netip.ParseAddr(a); err == nil {
				dn.DNS = append(dn.DNS, ip)
			}
		}
		sc.DNNs = append(sc.DNNs, dn)
	}
	for _, u := range c.SMF.UPFs {
		uc := smf.UPFConfig{Name: u.Name, DNNs: slices.Clone(u.DNNs)}
		for _, sl := range u.Slices {
			sd, _ := parseSD(sl.SD) // validated
			uc.Slices = append(uc.Slices, n2.SNSSAI{SST: uint8(sl.SST), SD: sd, HasSD: sl.SD != ""})
		}
		sc.UPFs = append(sc.UPFs, uc)
	}
	return sc
}

// same reports whether s and o name one S-NSSAI (SDs compare as numbers).
func (s Slice) same(o Slice) bool {
	a, aerr := parseSD(s.SD)
	b, berr := parseSD(o.SD)
	return s.SST == o.SST && aerr == nil && berr == nil && a == b && (s.SD == "") == (o.SD == "")
}
