package tun_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"go5g/internal/netns"
	"go5g/internal/netns/netnstest"
	"go5g/internal/tun"
)

// Addresses for a TUN in a test namespace: the device's own and a peer
// "behind" it (a UE, from the namespace's point of view).
var (
	local4 = netip.MustParseAddr("198.18.0.1")
	peer4  = netip.MustParseAddr("198.18.0.2")
	local6 = netip.MustParseAddr("2001:db8::1")
	peer6  = netip.MustParseAddr("2001:db8::2")
)

func testConfig() tun.Config {
	return tun.Config{
		Name:  "upf0",
		MTU:   1400,
		Addrs: []netip.Prefix{netip.PrefixFrom(local4, 24), netip.PrefixFrom(local6, 64)},
	}
}

// openIn creates a namespace and a TUN in it, closed when the test ends.
func openIn(t *testing.T, cfg tun.Config) (*netns.NS, *tun.Device) {
	t.Helper()
	ns := netnstest.New(t).NS("tun")
	d, err := ns.OpenTUN(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return ns, d
}

// readUntil reads packets from q until match accepts one or the deadline
// passes, and returns the matching packet.
func readUntil(t *testing.T, q *tun.Queue, buf []byte, match func([]byte) bool) []byte {
	t.Helper()
	if err := q.SetReadDeadline(time.Now().Add(3 * time.Second)); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := q.Read(buf)
		if err != nil {
			t.Fatalf("no matching packet from the TUN: %v (last %x)", err, buf[:min(len(buf), 80)])
		}
		if match(buf[:n]) {
			return buf[:n]
		}
	}
}

func TestOpenConfigures(t *testing.T) {
	cfg := testConfig()
	route := netip.MustParsePrefix("198.19.0.0/16")
	cfg.Routes = []netip.Prefix{route, netip.MustParsePrefix("2001:db8:ff::/48")}
	ns, d := openIn(t, cfg)
	if d.Name() != "upf0" || d.Index() <= 0 || len(d.Queues()) != 1 {
		t.Fatalf("name %q index %d queues %d", d.Name(), d.Index(), len(d.Queues()))
	}
	h, err := ns.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	l, err := h.LinkByName("upf0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Attrs()
	if a.Index != d.Index() || a.MTU != 1400 || a.Flags&net.FlagUp == 0 || l.Type() != "tuntap" {
		t.Errorf("link %+v type %s, want index %d, mtu 1400, up, tuntap", a, l.Type(), d.Index())
	}
	addrs, err := h.AddrList(l, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range addrs {
		got = append(got, a.IPNet.String())
	}
	for _, want := range []string{"198.18.0.1/24", "2001:db8::1/64"} {
		if !slices.Contains(got, want) {
			t.Errorf("addresses %v lack %s", got, want)
		}
	}
	routes, err := h.RouteList(l, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, r := range routes {
		if r.Dst != nil {
			got = append(got, r.Dst.String())
		}
	}
	for _, want := range []string{"198.19.0.0/16", "2001:db8:ff::/48"} {
		if !slices.Contains(got, want) {
			t.Errorf("routes %v lack %s", got, want)
		}
	}
	// Nothing leaked into the namespace the test runs in.
	if _, err := netlink.LinkByName("upf0"); err == nil {
		t.Error("upf0 exists in the test's own namespace")
	}
}

func TestKernelChoosesName(t *testing.T) {
	_, d := openIn(t, tun.Config{})
	if !strings.HasPrefix(d.Name(), "tun") {
		t.Errorf("name %q, want tunN", d.Name())
	}
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []tun.Config{
		{Name: "a-name-that-is-too-long"},
		{Queues: tun.MaxQueues + 1},
	} {
		if d, err := tun.Open(cfg); err == nil || errors.Is(err, tun.ErrUnavailable) {
			if d != nil {
				d.Close()
			}
			t.Errorf("Open(%+v) = %v, want a configuration error", cfg, err)
		}
	}
}

// A UDP datagram written into the TUN is delivered to a socket bound to the
// TUN's address, for IPv4 and IPv6.
func TestWriteReachesSocket(t *testing.T) {
	ns, d := openIn(t, testConfig())
	for _, c := range []struct{ local, peer netip.Addr }{{local4, peer4}, {local6, peer6}} {
		pc, err := ns.ListenPacket("udp", netip.AddrPortFrom(c.local, 0).String())
		if err != nil {
			t.Fatal(err)
		}
		dst := pc.LocalAddr().(*net.UDPAddr).AddrPort()
		src := netip.AddrPortFrom(c.peer, 40000)
		payload := []byte("uplink from " + c.peer.String())
		buf := make([]byte, 1500)
		n := udpPacket(buf, src, dst, payload)
		if w, err := d.Write(buf[:n]); err != nil || w != n {
			t.Fatalf("write %d bytes: %d, %v", n, w, err)
		}
		pc.SetReadDeadline(time.Now().Add(3 * time.Second))
		r, from, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("%v: socket got nothing: %v", c.local, err)
		}
		if !bytes.Equal(buf[:r], payload) || from.(*net.UDPAddr).AddrPort() != src {
			t.Errorf("socket got %q from %v, want %q from %v", buf[:r], from, payload, src)
		}
		pc.Close()
	}
}

// A datagram a socket sends to an address routed into the TUN comes out of
// the TUN as one whole IP packet, for IPv4 and IPv6.
func TestSocketReachesRead(t *testing.T) {
	ns, d := openIn(t, testConfig())
	for _, c := range []struct{ local, peer netip.Addr }{{local4, peer4}, {local6, peer6}} {
		pc, err := ns.ListenPacket("udp", netip.AddrPortFrom(c.local, 0).String())
		if err != nil {
			t.Fatal(err)
		}
		payload := []byte("downlink to " + c.peer.String())
		dst := net.UDPAddrFromAddrPort(netip.AddrPortFrom(c.peer, 9))
		if _, err := pc.WriteTo(payload, dst); err != nil {
			t.Fatal(err)
		}
		src := pc.LocalAddr().(*net.UDPAddr).AddrPort()
		want := make([]byte, 1500)
		want = want[:udpPacket(want, src, netip.AddrPortFrom(c.peer, 9), payload)]
		p := readUntil(t, d.Queues()[0], make([]byte, 1500), func(p []byte) bool {
			return len(p) > 0 && p[0]>>4 == want[0]>>4 && bytes.HasSuffix(p, payload)
		})
		// The transport part (UDP header with checksum, and payload) must be
		// what we would build; of the IP header, the kernel fills IP id and
		// flow label its own way, so only the addresses are compared.
		hl, addrs := 20, [2]int{12, 20}
		if c.local.Is6() {
			hl, addrs = 40, [2]int{8, 40}
		}
		if !bytes.Equal(p[hl:], want[hl:]) || !bytes.Equal(p[addrs[0]:addrs[1]], want[addrs[0]:addrs[1]]) {
			t.Errorf("TUN read\n %x\nwant\n %x", p, want)
		}
		pc.Close()
	}
}

// An echo request written into the TUN is answered by the namespace's stack,
// and the reply comes back out of the TUN: the round trip the benchmark times.
func TestEchoThroughKernel(t *testing.T) {
	_, d := openIn(t, testConfig())
	buf := make([]byte, 1500)
	for _, c := range []struct{ local, peer netip.Addr }{{local4, peer4}, {local6, peer6}} {
		for _, size := range []int{64, 1400} {
			n := echoRequest(buf, c.peer, c.local, 7, uint16(size), size)
			if _, err := d.Write(buf[:n]); err != nil {
				t.Fatal(err)
			}
			p := readUntil(t, d.Queues()[0], buf, func(p []byte) bool {
				return isEchoReply(p, c.local, c.peer, 7, uint16(size))
			})
			if len(p) != size {
				t.Errorf("%v: reply %d bytes, want %d", c.local, len(p), size)
			}
		}
	}
}

// Every queue of a multi-queue device writes; replies come back on some
// queue, each exactly once.
func TestMultiQueue(t *testing.T) {
	cfg := testConfig()
	cfg.Queues = 4
	_, d := openIn(t, cfg)
	qs := d.Queues()
	if len(qs) != 4 {
		t.Fatalf("%d queues, want 4", len(qs))
	}
	const perQueue = 8
	seen := make(chan uint16, len(qs)*perQueue*2)
	var wg sync.WaitGroup
	for _, q := range qs {
		q.SetReadDeadline(time.Now().Add(2 * time.Second))
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1500)
			for {
				n, err := q.Read(buf)
				if err != nil {
					return
				}
				p := buf[:n]
				if len(p) >= 28 && isEchoReply(p, local4, peer4, 99, uint16(p[26])<<8|uint16(p[27])) {
					seen <- uint16(p[26])<<8 | uint16(p[27])
				}
			}
		}()
	}
	buf := make([]byte, 100)
	for i, q := range qs {
		for j := range perQueue {
			seq := uint16(i*perQueue + j)
			n := echoRequest(buf, peer4, local4, 99, seq, 64)
			if _, err := q.Write(buf[:n]); err != nil {
				t.Fatal(err)
			}
		}
	}
	count := map[uint16]int{}
	for range len(qs) * perQueue {
		select {
		case s := <-seen:
			count[s]++
		case <-time.After(2 * time.Second):
		}
	}
	// Give duplicates a moment to show, then stop the readers.
	time.Sleep(50 * time.Millisecond)
	for _, q := range qs {
		q.SetReadDeadline(time.Now())
	}
	wg.Wait()
	close(seen)
	for s := range seen {
		count[s]++
	}
	for s := range uint16(len(qs) * perQueue) {
		if count[s] != 1 {
			t.Errorf("reply %d seen %d times", s, count[s])
		}
	}
}

// Close removes the interface and wakes a blocked reader.
func TestCloseRemovesDevice(t *testing.T) {
	ns := netnstest.New(t).NS("tun")
	d, err := ns.OpenTUN(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		buf := make([]byte, 1500)
		for {
			// The kernel's own IPv6 packets may come first.
			if _, err := d.Read(buf); err != nil {
				readErr <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-readErr:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("read on a closed device: %v, want os.ErrClosed", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("blocked Read not woken by Close")
	}
	links, err := ns.Links()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(links, "upf0") {
		t.Errorf("links after Close: %v", links)
	}
}

func TestProbe(t *testing.T) {
	ns := netnstest.New(t).NS("probe")
	if err := ns.Do(tun.Probe); err != nil {
		t.Fatal(err)
	}
}

// Without CAP_NET_ADMIN, Open says the user plane needs it. Capabilities
// are per thread, so the test drops it on a locked thread inside a test
// namespace, then restores both (or leaves the thread locked to die).
func TestWithoutCapNetAdmin(t *testing.T) {
	ns := netnstest.New(t).NS("nocap")
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var caps [2]unix.CapUserData
		if err := unix.Capget(&hdr, &caps[0]); err != nil {
			errc <- err
			return
		}
		orig, err := netns.OpenPath(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		if err := unix.Setns(ns.Fd(), unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		dropped := caps
		dropped[0].Effective &^= 1 << unix.CAP_NET_ADMIN
		if err := unix.Capset(&hdr, &dropped[0]); err != nil {
			errc <- err
			return
		}
		d, openErr := tun.Open(testConfig())
		if openErr == nil {
			d.Close()
		}
		// CAP_SYS_ADMIN (for setns) was kept; put everything back.
		if unix.Capset(&hdr, &caps[0]) == nil && unix.Setns(orig.Fd(), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- openErr
	}()
	err := <-errc
	if !errors.Is(err, tun.ErrUnavailable) || !strings.Contains(err.Error(), "CAP_NET_ADMIN") || !strings.Contains(err.Error(), "/dev/net/tun") {
		t.Fatalf("Open without CAP_NET_ADMIN: %v, want ErrUnavailable naming CAP_NET_ADMIN and /dev/net/tun", err)
	}
	t.Logf("user plane off: %v", err)
}
