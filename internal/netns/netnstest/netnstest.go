// Package netnstest builds throwaway network topologies for tests: named
// namespaces (ue, core, dn, ...) joined by veth pairs, all removed by
// t.Cleanup. Names carry a random per-topology id, so parallel tests, two
// test binaries at once and namespaces left over from a killed run never
// clash. Nothing is created in, or changed in, the namespace the test
// started in.
package netnstest

import (
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"go5g/internal/netns"
	"go5g/internal/testenv"
)

// Prefix starts the name of every namespace this package creates, so that
// `ip netns list | grep go5g-t-` finds them.
const Prefix = "go5g-t-"

// Topology is a set of namespaces owned by one test; not for concurrent use.
type Topology struct {
	t  testing.TB
	id string
	ns map[string]*netns.NS
}

// New starts an empty topology. It needs root (skipped, or failed under CI,
// otherwise).
func New(t testing.TB) *Topology {
	t.Helper()
	testenv.NeedRoot(t)
	sweep(t)
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	id := strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
	return &Topology{t: t, id: id, ns: map[string]*netns.NS{}}
}

// Name returns the /run/netns name of role in this topology, for
// `ip netns exec`: Prefix, the test process id, a random id and the role.
func (tp *Topology) Name(role string) string { return Prefix + tp.id + "-" + role }

// sweep deletes namespaces left by test processes that no longer exist
// (killed before their cleanup ran), so that they do not pile up on a
// machine that is kept between runs. Live processes' namespaces are kept.
func sweep(t testing.TB) {
	entries, err := os.ReadDir(netns.RunDir)
	if err != nil {
		return // no /run/netns yet: nothing to sweep
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), Prefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || unix.Kill(pid, 0) != unix.ESRCH {
			continue
		}
		if err := netns.Delete(e.Name()); err != nil {
			t.Logf("sweeping stale namespace %s: %v", e.Name(), err)
		}
	}
}

// NS returns the namespace for role ("ue", "core", "dn", ...), creating it
// on first use with its loopback up. It is deleted when the test ends.
func (tp *Topology) NS(role string) *netns.NS {
	tp.t.Helper()
	if n, ok := tp.ns[role]; ok {
		return n
	}
	name := tp.Name(role)
	n, err := netns.Create(name)
	if err != nil {
		tp.t.Fatalf("namespace %s: %v", role, err)
	}
	tp.t.Cleanup(func() {
		n.Close()
		if err := netns.Delete(name); err != nil {
			tp.t.Errorf("delete namespace %s: %v", name, err)
		}
	})
	if err := n.LinkUp("lo"); err != nil {
		tp.t.Fatal(err)
	}
	// No duplicate address detection on the links made here: it keeps
	// IPv6 link-local addresses tentative for a second or two, and
	// neighbour discovery (so IPv6 forwarding) fails until it ends.
	for _, k := range []string{"net.ipv6.conf.all.accept_dad", "net.ipv6.conf.default.accept_dad"} {
		if err := n.Sysctl(k, "0"); err != nil {
			tp.t.Fatal(err)
		}
	}
	tp.ns[role] = n
	return n
}

// End is one end of a link: the role of its namespace, the interface name
// there, and addresses such as "198.18.1.1/24" or "2001:db8:1::1/64".
type End struct {
	Role  string
	Name  string
	Addrs []string
}

// Link joins two namespaces (created if needed) with a veth pair, addressed
// and up.
func (tp *Topology) Link(a, b End) {
	tp.t.Helper()
	if err := netns.AddVeth(tp.end(a), tp.end(b), 0); err != nil {
		tp.t.Fatal(err)
	}
}

func (tp *Topology) end(e End) netns.VethEnd {
	tp.t.Helper()
	v := netns.VethEnd{NS: tp.NS(e.Role), Name: e.Name}
	for _, s := range e.Addrs {
		v.Addrs = append(v.Addrs, tp.prefix(s))
	}
	return v
}

// Route adds a route in role's namespace to dst ("0.0.0.0/0", "::/0", ...)
// via gateway via.
func (tp *Topology) Route(role, dst, via string) {
	tp.t.Helper()
	gw, err := netip.ParseAddr(via)
	if err != nil {
		tp.t.Fatal(err)
	}
	if err := tp.NS(role).AddRoute(tp.prefix(dst), gw, ""); err != nil {
		tp.t.Fatal(err)
	}
}

// Router turns on IPv4 and IPv6 forwarding in role's namespace.
func (tp *Topology) Router(role string) {
	tp.t.Helper()
	if err := tp.NS(role).SetForwarding(true, true); err != nil {
		tp.t.Fatal(err)
	}
}

func (tp *Topology) prefix(s string) netip.Prefix {
	tp.t.Helper()
	p, err := netip.ParsePrefix(s)
	if err != nil {
		tp.t.Fatal(err)
	}
	return p
}

// Names of the documentation and benchmarking ranges used by the chain
// topology; never routed on a real network.
const (
	UEAddr4 = "198.18.1.1"
	CoreUE4 = "198.18.1.2"
	CoreDN4 = "198.18.2.1"
	DNAddr4 = "198.18.2.2"
	UEAddr6 = "2001:db8:1::1"
	CoreUE6 = "2001:db8:1::2"
	CoreDN6 = "2001:db8:2::1"
	DNAddr6 = "2001:db8:2::2"
)

// Chain builds ue <-> core <-> dn: veth "core" in ue and "ue" in core on
// 198.18.1.0/24 and 2001:db8:1::/64, veth "dn" in core and "core" in dn on
// 198.18.2.0/24 and 2001:db8:2::/64, core forwarding, ue and dn routing
// everything through core. End-to-end tests replace the core's plain
// forwarding with the real UPF.
func Chain(t testing.TB) *Topology {
	t.Helper()
	tp := New(t)
	tp.Link(End{"ue", "core", []string{UEAddr4 + "/24", UEAddr6 + "/64"}},
		End{"core", "ue", []string{CoreUE4 + "/24", CoreUE6 + "/64"}})
	tp.Link(End{"core", "dn", []string{CoreDN4 + "/24", CoreDN6 + "/64"}},
		End{"dn", "core", []string{DNAddr4 + "/24", DNAddr6 + "/64"}})
	tp.Router("core")
	tp.Route("ue", "0.0.0.0/0", CoreUE4)
	tp.Route("ue", "::/0", CoreUE6)
	tp.Route("dn", "0.0.0.0/0", CoreDN4)
	tp.Route("dn", "::/0", CoreDN6)
	return tp
}
