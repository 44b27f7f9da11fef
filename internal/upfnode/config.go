package upfnode

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"go5g/internal/tun"
	"go5g/internal/yamlconf"
)

// Config is one UPF network function, as read from YAML: the whole file of
// `go5g upf`, and the upf section of `go5g core` once it embeds a UPF.
// Every field has a default (Defaults); a file only names what it changes.
// Numbers are plain ints so that Validate reports an out-of-range value
// with its field path rather than the YAML decoder with a type error.
type Config struct {
	// NodeID is the PFCP Node ID (TS 29.244 §8.2.38): an IP address or an
	// FQDN. Empty: the host of n4.address, or the N3 address when N4
	// listens on a wildcard.
	NodeID string   `yaml:"node_id"`
	N4     N4Config `yaml:"n4"`
	N3     N3Config `yaml:"n3"`
	N6     N6Config `yaml:"n6"`
	// Workers is the number of packet workers, each with its own N3
	// socket and TUN queue; 0: one per CPU. The downlink buffer limits
	// are internal/upf's constants (MaxBufferPackets, MaxBufferBytes).
	Workers int `yaml:"workers"`
}

// N4Config is the PFCP endpoint the SMF reaches.
type N4Config struct {
	// Address is host:port of the PFCP socket (port 8805, TS 29.244 §4.2.2).
	Address string `yaml:"address"`
	// SMF lists SMF PFCP addresses (ip or ip:port) this UPF sets up an
	// association with itself (UP function initiated, TS 29.244 §6.2.6.3).
	// Empty: the UPF waits for SMFs to associate (§6.2.6.2).
	SMF []string `yaml:"smf,flow"`
	// HeartbeatInterval is how often an idle peer is probed (§6.2.2); a
	// negative value turns heartbeats off.
	HeartbeatInterval Duration `yaml:"heartbeat_interval"`
}

// N3Config is the GTP-U endpoint the gNBs send to.
type N3Config struct {
	// Address is host:port of the GTP-U sockets (port 2152, TS 29.281 §4.4.2).
	Address string `yaml:"address"`
	// Advertise is the IP address the UPF puts in the F-TEIDs it allocates,
	// i.e. where gNBs send uplink traffic. Empty: the host of Address when
	// it is concrete, else this host's only global IPv4 address.
	Advertise string `yaml:"advertise"`
}

// N6Config is the TUN device towards the data network.
type N6Config struct {
	Device string `yaml:"device"`
	MTU    int    `yaml:"mtu"`
	// Addresses are the device's own addresses (e.g. 10.45.0.1/16, a
	// gateway address UEs can ping); optional.
	Addresses []string `yaml:"addresses,flow"`
	// Pools are the UE address pools (IPv4 CIDRs, IPv6 prefixes of /64 or
	// shorter) routed into the device, so that downlink traffic from the
	// data network reaches the UPF.
	Pools []string `yaml:"pools,flow"`
}

// Duration is a time.Duration written in YAML as a Go duration ("10s").
type Duration = yamlconf.Duration

// Defaults is the configuration with no file: N4 on every address at port
// 8805, N3 on 0.0.0.0:2152, the TUN go5g-n6 with MTU 1400 (room for the
// GTP-U, UDP and IPv6 headers on a 1500-octet N3 link) routing the UE pool
// 10.45.0.0/16, and one worker per CPU.
func Defaults() Config {
	return Config{
		N4: N4Config{Address: ":8805", SMF: []string{}, HeartbeatInterval: Duration(10 * time.Second)},
		N3: N3Config{Address: "0.0.0.0:2152"},
		N6: N6Config{Device: "go5g-n6", MTU: 1400, Addresses: []string{}, Pools: []string{"10.45.0.0/16"}},
	}
}

// FieldError is one bad value, named by its YAML path ("n6.pools[0]").
type FieldError = yamlconf.FieldError

// Validate checks every field and returns one *FieldError per problem,
// joined; nil if the configuration can run. Paths are relative to this
// section: a caller that embeds it (go5g core) prefixes them.
func (c Config) Validate() error {
	var errs []error
	bad := func(path, format string, a ...any) {
		errs = append(errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, a...)})
	}
	if c.NodeID != "" && !validNodeID(c.NodeID) {
		bad("node_id", "%q: want an IP address or a domain name (TS 29.244 §8.2.38)", c.NodeID)
	}
	if _, err := hostPort(c.N4.Address); err != nil {
		bad("n4.address", "%q: %v (PFCP uses port 8805)", c.N4.Address, err)
	}
	for i, s := range c.N4.SMF {
		if _, err := smfAddr(s); err != nil {
			bad(fmt.Sprintf("n4.smf[%d]", i), "%q: %v", s, err)
		}
	}
	if c.N4.HeartbeatInterval == 0 {
		bad("n4.heartbeat_interval", "0s: want a positive duration such as 10s, or a negative one to turn heartbeats off")
	}
	n3host, err := hostPort(c.N3.Address)
	if err != nil {
		bad("n3.address", "%q: %v (GTP-U uses port 2152)", c.N3.Address, err)
	}
	if c.N3.Advertise != "" {
		a, err := netip.ParseAddr(c.N3.Advertise)
		switch {
		case err != nil || a.Zone() != "":
			bad("n3.advertise", "%q: want the IP address gNBs send GTP-U to, e.g. 192.0.2.10", c.N3.Advertise)
		case a.IsUnspecified() || a.IsMulticast():
			bad("n3.advertise", "%v: want a unicast address gNBs can reach", a)
		case n3host.IsValid() && !n3host.IsUnspecified() && n3host.Is4() != a.Is4():
			bad("n3.advertise", "%v: n3.address is %v; both must be IPv4 or both IPv6", a, n3host)
		}
	}
	c.N6.validate(bad)
	if c.Workers < 0 || c.Workers > tun.MaxQueues {
		bad("workers", "%d: want 1 to %d (TUN queues), or 0 for one per CPU", c.Workers, tun.MaxQueues)
	}
	return errors.Join(errs...)
}

func (n N6Config) validate(bad func(path, format string, a ...any)) {
	if n.Device == "" || len(n.Device) > 15 || strings.ContainsAny(n.Device, "/: \t\n") || n.Device == "." || n.Device == ".." {
		bad("n6.device", "%q: want an interface name of 1 to 15 characters without '/', ':' or spaces", n.Device)
	}
	has6 := false
	for i, s := range n.Addresses {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			bad(fmt.Sprintf("n6.addresses[%d]", i), "%q: want an address with its prefix length, e.g. 10.45.0.1/16", s)
			continue
		}
		has6 = has6 || p.Addr().Is6()
	}
	if len(n.Pools) == 0 {
		bad("n6.pools", "empty: list the UE address pools the SMF allocates from, e.g. [10.45.0.0/16]")
	}
	var pools []netip.Prefix
	for i, s := range n.Pools {
		path := fmt.Sprintf("n6.pools[%d]", i)
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			bad(path, "%q: want a CIDR such as 10.45.0.0/16 or an IPv6 prefix such as 2001:db8:45::/48", s)
			continue
		case p != p.Masked():
			bad(path, "%q has host bits set: did you mean %v?", s, p.Masked())
		case p.Addr().Is6() && p.Bits() > 64:
			bad(path, "%q: an IPv6 pool hands out /64 prefixes (TS 23.501 §5.8.2.2.1); want /64 or shorter", s)
		}
		for j, q := range pools {
			if q.Overlaps(p) {
				bad(path, "%q overlaps n6.pools[%d] %v", s, j, q)
			}
		}
		pools = append(pools, p.Masked())
		has6 = has6 || p.Addr().Is6()
	}
	switch {
	case n.MTU < 576 || n.MTU > 65535:
		bad("n6.mtu", "%d: want 576 to 65535 (1400 leaves room for GTP-U on a 1500-octet N3 link)", n.MTU)
	case has6 && n.MTU < 1280:
		bad("n6.mtu", "%d: IPv6 needs 1280 or more (RFC 8200 §5)", n.MTU)
	}
}

// hostPort checks "host:port" with an IP literal or empty host and a port
// from 1 to 65535, and returns the host's address (invalid when empty).
func hostPort(s string) (netip.Addr, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.Addr{}, errors.New("want host:port, e.g. \":8805\" or \"192.0.2.10:8805\"")
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		return netip.Addr{}, fmt.Errorf("port %q: want 1 to 65535", port)
	}
	if host == "" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("host %q: want an IP address (names are not resolved) or nothing for every address", host)
	}
	return a, nil
}

// smfAddr parses an SMF's PFCP address: an IP, or ip:port.
func smfAddr(s string) (netip.AddrPort, error) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" && !a.IsUnspecified() {
		return netip.AddrPortFrom(a, 8805), nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil || ap.Port() == 0 || ap.Addr().IsUnspecified() || ap.Addr().Zone() != "" {
		return netip.AddrPort{}, errors.New("want the SMF's IP address, or ip:port (PFCP uses port 8805)")
	}
	return ap, nil
}

// validNodeID accepts an IP address or an FQDN of letters, digits, '-'
// and '.'. Spec: TS 29.244 §8.2.38
func validNodeID(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return !strings.Contains(s, "%")
	}
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// advertise is the N3 address for F-TEIDs: n3.advertise, the host of
// n3.address, or else the only global unicast IPv4 address among host.
// With several, guessing would hand gNBs an address they may not reach,
// so the error lists them and says what to set.
func (c Config) advertise(host []netip.Addr) (netip.Addr, error) {
	if c.N3.Advertise != "" {
		return netip.ParseAddr(c.N3.Advertise)
	}
	if a, _ := hostPort(c.N3.Address); a.IsValid() && !a.IsUnspecified() {
		return a, nil
	}
	var cands []netip.Addr
	for _, a := range host {
		if a.Is4() && a.IsGlobalUnicast() {
			cands = append(cands, a)
		}
	}
	switch len(cands) {
	case 1:
		return cands[0], nil
	case 0:
		return netip.Addr{}, &FieldError{Path: "n3.advertise", Msg: fmt.Sprintf(
			"n3.address %s listens on every address and this host has no global IPv4 address: set n3.advertise to the IP gNBs send GTP-U to", c.N3.Address)}
	}
	return netip.Addr{}, &FieldError{Path: "n3.advertise", Msg: fmt.Sprintf(
		"n3.address %s listens on every address and this host has several (%v): set n3.advertise to the one gNBs reach, or bind n3.address to it", c.N3.Address, cands)}
}

// nodeID is the configured Node ID, else the host of n4.address, else adv.
func (c Config) nodeID(adv netip.Addr) string {
	if c.NodeID != "" {
		return c.NodeID
	}
	if a, _ := hostPort(c.N4.Address); a.IsValid() && !a.IsUnspecified() {
		return a.String()
	}
	return adv.String()
}

// prefixes parses a list Validate accepted.
func prefixes(ss []string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}
