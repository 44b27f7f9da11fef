package netns_test

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"go5g/internal/netns"
	"go5g/internal/netns/netnstest"
	"go5g/internal/testenv"
	"go5g/internal/tun"
)

func TestCreateDelete(t *testing.T) {
	tp := netnstest.New(t)
	name := tp.Name("life") // unique; created by hand here, not by tp
	n, err := netns.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netns.Delete(name) })
	defer n.Close()
	if _, err := netns.Create(name); err == nil {
		t.Error("second Create with the same name succeeded")
	}
	proc, err := netns.Process()
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()
	a, _ := n.Inode()
	b, _ := proc.Inode()
	if a == b || a == 0 {
		t.Fatalf("new namespace inode %d, process's %d", a, b)
	}
	links, err := n.Links()
	if err != nil || !slices.Equal(links, []string{"lo"}) {
		t.Errorf("links in a new namespace: %v, %v; want [lo]", links, err)
	}
	// `ip netns` sees it as one of its own.
	ip := testenv.NeedTool(t, "ip")
	out, err := exec.Command(ip, "netns", "exec", name, "ip", "-o", "link").CombinedOutput()
	if err != nil || strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), "lo:") {
		t.Errorf("ip netns exec %s ip link: %v\n%s", name, err, out)
	}
	if err := netns.Delete(name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(netns.RunDir, name)); !os.IsNotExist(err) {
		t.Errorf("%s still there after Delete: %v", name, err)
	}
	if _, err := netns.Open(name); err == nil {
		t.Error("Open after Delete succeeded")
	}
}

// A namespace made by `ip netns add` opens and deletes like ours.
func TestIPNetnsInterop(t *testing.T) {
	ip := testenv.NeedTool(t, "ip")
	name := netnstest.New(t).Name("byip")
	if out, err := exec.Command(ip, "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v\n%s", err, out)
	}
	t.Cleanup(func() { netns.Delete(name) })
	n, err := netns.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.LinkUp("lo"); err != nil {
		t.Error(err)
	}
	n.Close()
	if err := netns.Delete(name); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(ip, "netns", "list").CombinedOutput()
	if strings.Contains(string(out), name) {
		t.Errorf("ip netns list still shows %s:\n%s", name, out)
	}
}

// ping sends one ICMP echo from inside ns to dst over a raw socket and waits
// for the reply.
func ping(t *testing.T, ns *netns.NS, dst string) {
	t.Helper()
	addr := netip.MustParseAddr(dst)
	network, laddr, proto := "ip4:icmp", "0.0.0.0", 1
	var typ icmp.Type = ipv4.ICMPTypeEcho
	if addr.Is6() {
		network, laddr, proto, typ = "ip6:ipv6-icmp", "::", 58, ipv6.ICMPTypeEchoRequest
	}
	var c *icmp.PacketConn
	if err := ns.Do(func() error {
		var err error
		c, err = icmp.ListenPacket(network, laddr)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := []byte("go5g " + dst)
	req, err := (&icmp.Message{Type: typ, Body: &icmp.Echo{ID: 0x5a5a, Seq: 1, Data: data}}).Marshal(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WriteTo(req, &net.IPAddr{IP: addr.AsSlice()}); err != nil {
		t.Fatalf("ping %s from %s: %v", dst, ns, err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("ping %s from %s: no reply: %v", dst, ns, err)
		}
		m, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil {
			continue
		}
		if e, ok := m.Body.(*icmp.Echo); ok && m.Type != typ && e.ID == 0x5a5a && bytes.Equal(e.Data, data) {
			if from.String() != addr.String() {
				t.Errorf("reply from %v, want %s", from, dst)
			}
			return
		}
	}
}

// Pings across one veth and across a forwarding namespace, IPv4 and IPv6.
func TestChainPing(t *testing.T) {
	tp := netnstest.Chain(t)
	ue, dn := tp.NS("ue"), tp.NS("dn")
	for _, dst := range []string{netnstest.CoreUE4, netnstest.CoreUE6, netnstest.DNAddr4, netnstest.DNAddr6} {
		ping(t, ue, dst)
	}
	ping(t, dn, netnstest.UEAddr4)
	ping(t, dn, netnstest.UEAddr6)
}

// The system ping (Debian iputils-ping) works through `ip netns exec`.
func TestPingTool(t *testing.T) {
	ip := testenv.NeedTool(t, "ip")
	testenv.NeedTool(t, "ping")
	tp := netnstest.Chain(t)
	for _, dst := range []string{netnstest.DNAddr4, netnstest.DNAddr6} {
		out, err := exec.Command(ip, "netns", "exec", tp.Name("ue"), "ping", "-c1", "-W1", dst).CombinedOutput()
		if err != nil {
			t.Errorf("ping %s: %v\n%s", dst, err, out)
		}
	}
}

// Forwarding is set in the namespace only; the process's stays as it was.
func TestForwarding(t *testing.T) {
	testenv.NeedRoot(t)
	proc, err := netns.Process()
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()
	p4, p6, err := proc.Forwarding()
	if err != nil {
		t.Fatal(err)
	}
	tp := netnstest.Chain(t) // turns it on in core
	if v4, v6, err := tp.NS("core").Forwarding(); err != nil || !v4 || !v6 {
		t.Errorf("core forwarding %v %v %v, want on", v4, v6, err)
	}
	if v4, v6, err := tp.NS("ue").Forwarding(); err != nil || v4 || v6 {
		t.Errorf("ue forwarding %v %v %v, want off", v4, v6, err)
	}
	if err := tp.NS("core").SetForwarding(false, true); err != nil {
		t.Fatal(err)
	}
	if v4, v6, _ := tp.NS("core").Forwarding(); v4 || !v6 {
		t.Errorf("core forwarding %v %v after SetForwarding(false, true)", v4, v6)
	}
	if a4, a6, _ := proc.Forwarding(); a4 != p4 || a6 != p6 {
		t.Errorf("process forwarding changed: %v %v, was %v %v", a4, a6, p4, p6)
	}
}

// A TUN opened in a namespace is there and only there, and goes with Close.
func TestOpenTUN(t *testing.T) {
	ns := netnstest.New(t).NS("ue")
	d, err := ns.OpenTUN(tun.Config{Name: "pdu1", Addrs: []netip.Prefix{netip.MustParsePrefix("10.45.0.2/32")}})
	if err != nil {
		t.Fatal(err)
	}
	if links, _ := ns.Links(); !slices.Contains(links, "pdu1") {
		t.Errorf("links in namespace: %v, want pdu1", links)
	}
	proc, _ := netns.Process()
	defer proc.Close()
	if links, _ := proc.Links(); slices.Contains(links, "pdu1") {
		t.Error("pdu1 appeared in the process's namespace")
	}
	d.Close()
	if links, _ := ns.Links(); slices.Contains(links, "pdu1") {
		t.Errorf("pdu1 left after Close: %v", links)
	}
}

// A socket opened with Socket lives in the namespace: binding to an address
// that only exists there works.
func TestSocket(t *testing.T) {
	tp := netnstest.Chain(t)
	fd, err := tp.NS("dn").Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: netip.MustParseAddr(netnstest.DNAddr4).As4()}); err != nil {
		t.Errorf("bind %s in dn: %v", netnstest.DNAddr4, err)
	}
}

// When a test ends its namespaces are gone from /run/netns and their veths
// are destroyed: a namespace held open past the end loses its veth end.
func TestCleanupRemovesEverything(t *testing.T) {
	testenv.NeedRoot(t)
	var names []string
	var held *netns.NS
	t.Run("topology", func(t *testing.T) {
		tp := netnstest.Chain(t)
		for _, r := range []string{"ue", "core", "dn"} {
			names = append(names, tp.Name(r))
		}
		ping(t, tp.NS("ue"), netnstest.DNAddr4)
		var err error
		if held, err = netns.Open(tp.Name("dn")); err != nil {
			t.Fatal(err)
		}
	})
	if held == nil {
		t.Fatal("topology failed")
	}
	defer held.Close()
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(netns.RunDir, name)); !os.IsNotExist(err) {
			t.Errorf("%s left in %s", name, netns.RunDir)
		}
	}
	// The core namespace dies asynchronously (a kernel work item), taking
	// the veth pair with it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		links, err := held.Links()
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(links, []string{"lo"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("links left in the deleted dn namespace: %v", links)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Topologies of parallel tests get different names and do not clash.
func TestParallelTopologies(t *testing.T) {
	testenv.NeedRoot(t)
	seen := make(chan string, 2)
	t.Run("group", func(t *testing.T) {
		for i := range 2 {
			t.Run(string(rune('a'+i)), func(t *testing.T) {
				t.Parallel()
				tp := netnstest.Chain(t)
				seen <- tp.Name("ue")
				ping(t, tp.NS("ue"), netnstest.DNAddr6)
			})
		}
	})
	close(seen)
	a, b := <-seen, <-seen
	if a == b || !strings.HasPrefix(a, netnstest.Prefix) {
		t.Errorf("names %q and %q", a, b)
	}
}

// A namespace left by a dead test process is swept by the next topology; a
// live process's is not.
func TestSweepStale(t *testing.T) {
	testenv.NeedRoot(t)
	stale := netnstest.Prefix + "999999999-00000000-ue" // above any pid_max
	live := netnstest.Prefix + "1-00000000-ue"          // pid 1 always exists
	for _, name := range []string{stale, live} {
		n, err := netns.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		n.Close()
		t.Cleanup(func() { netns.Delete(name) })
	}
	netnstest.New(t)
	if _, err := os.Stat(filepath.Join(netns.RunDir, stale)); !os.IsNotExist(err) {
		t.Errorf("stale %s not swept: %v", stale, err)
	}
	if _, err := os.Stat(filepath.Join(netns.RunDir, live)); err != nil {
		t.Errorf("live process's %s swept: %v", live, err)
	}
}

func TestAddVethMTUAndRoute(t *testing.T) {
	tp := netnstest.New(t)
	a, b := tp.NS("a"), tp.NS("b")
	err := netns.AddVeth(
		netns.VethEnd{NS: a, Name: "n3", Addrs: []netip.Prefix{netip.MustParsePrefix("198.18.3.1/24")}},
		netns.VethEnd{NS: b, Name: "n3", Addrs: []netip.Prefix{netip.MustParsePrefix("198.18.3.2/24")}},
		1400)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []*netns.NS{a, b} {
		h, err := n.Netlink()
		if err != nil {
			t.Fatal(err)
		}
		l, err := h.LinkByName("n3")
		h.Close()
		if err != nil || l.Attrs().MTU != 1400 || l.Type() != "veth" {
			t.Errorf("%s: n3 %v, %v; want a veth with mtu 1400", n, l, err)
		}
	}
	// A host route through the peer, then a ping along it.
	if err := b.AddAddr("lo", netip.MustParsePrefix("198.18.4.1/32")); err != nil {
		t.Fatal(err)
	}
	if err := a.AddRoute(netip.MustParsePrefix("198.18.4.0/24"), netip.MustParseAddr("198.18.3.2"), "n3"); err != nil {
		t.Fatal(err)
	}
	ping(t, a, "198.18.4.1")
	if err := a.AddRoute(netip.MustParsePrefix("198.18.5.0/24"), netip.Addr{}, "nosuchdev"); err == nil {
		t.Error("route through a missing device accepted")
	}
	if err := netns.AddVeth(netns.VethEnd{NS: a, Name: "n3"}, netns.VethEnd{NS: b, Name: "x"}, 0); err == nil {
		t.Error("second veth with a taken name accepted")
	}
}

func TestSysctl(t *testing.T) {
	n := netnstest.New(t).NS("sysctl")
	for _, key := range []string{"kernel.hostname", "net/../kernel", "net.ipv4..x"} {
		if err := n.Sysctl(key, "1"); err == nil {
			t.Errorf("Sysctl(%q) accepted", key)
		}
	}
	if err := n.Sysctl("net.ipv4.conf.all.rp_filter", "2"); err != nil {
		t.Fatal(err)
	}
	if v, err := n.SysctlValue("net.ipv4.conf.all.rp_filter"); err != nil || v != "2" {
		t.Errorf("rp_filter = %q, %v; want 2", v, err)
	}
}
