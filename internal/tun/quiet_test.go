package tun_test

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"go5g/internal/netns/netnstest"
	"go5g/internal/tun"
)

// TestNoKernelRouterSolicitation: the kernel sends nothing of its own
// IPv6 autoconfiguration into a TUN. The device comes up with an IPv6
// address and, added as the simulated UE adds it, a link-local address;
// then everything the kernel writes into the device until a marker echo
// (sent after the kernel has had time to solicit, which without DAD it
// does at once) is checked: no Router Solicitation, and no link-local
// address the kernel made itself. Read from the queue, this is the same
// capture tcpdump on the device would show.
// Spec: RFC 4861 §6.3.7; TS 23.501 §5.8.2.2.1
func TestNoKernelRouterSolicitation(t *testing.T) {
	ll := netip.MustParsePrefix("fe80::4507/64")
	cfg := testConfig()
	cfg.Addrs = append(cfg.Addrs, ll)
	ns, d := openIn(t, cfg)
	for _, k := range []string{"accept_ra", "router_solicitations", "autoconf"} {
		if v, err := ns.SysctlValue("net.ipv6.conf.upf0." + k); err != nil || v != "0" {
			t.Errorf("net.ipv6.conf.upf0.%s = %q (%v), want 0", k, v, err)
		}
	}
	time.Sleep(1500 * time.Millisecond) // the kernel's RS would be out by now; the marker below ends the capture

	buf := make([]byte, 1500)
	n := echoRequest(buf, peer6, local6, 45, 7, 64)
	if _, err := d.Write(buf[:n]); err != nil {
		t.Fatal(err)
	}
	var others int
	readUntil(t, d.Queues()[0], buf, func(p []byte) bool {
		if isEchoReply(p, local6, peer6, 45, 7) {
			return true
		}
		if len(p) >= 41 && p[0]>>4 == 6 && p[6] == 58 && p[40] == 133 {
			t.Errorf("the kernel sent a Router Solicitation from %v: %x", netip.AddrFrom16([16]byte(p[8:24])), p)
		} else {
			others++
		}
		return false
	})
	t.Logf("%d other packets from the kernel before the marker (MLD reports)", others)

	h, err := ns.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	l, err := h.LinkByName(d.Name())
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := h.AddrList(l, netlink.FAMILY_V6)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		p, _ := netip.AddrFromSlice(a.IP)
		if p.IsLinkLocalUnicast() && p != ll.Addr() {
			t.Errorf("kernel-made link-local address %v on %s", p, d.Name())
		}
	}
}

// TestQuietReadOnlyProc: in a container /proc/sys is often read-only.
// Open still works there, and the kernel still makes no link-local
// address of its own (set over netlink), so it has none to solicit from.
func TestQuietReadOnlyProc(t *testing.T) {
	ns := netnstest.New(t).NS("ro")
	type result struct {
		d   *tun.Device
		err error
	}
	done := make(chan result, 1)
	go func() {
		// Never unlocked: the thread ends with this goroutine, taking its
		// private mount namespace and its network namespace with it.
		runtime.LockOSThread()
		var r result
		defer func() { done <- r }()
		for _, step := range []func() error{
			func() error { return unix.Unshare(unix.CLONE_NEWNS) },
			func() error { return unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "") },
			func() error { return unix.Mount("/proc/sys", "/proc/sys", "", unix.MS_BIND, "") },
			func() error {
				return unix.Mount("", "/proc/sys", "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, "")
			},
			func() error { return unix.Setns(ns.Fd(), unix.CLONE_NEWNET) },
		} {
			if r.err = step(); r.err != nil {
				r.err = fmt.Errorf("setting up a read-only /proc/sys: %w", r.err)
				return
			}
		}
		if err := os.WriteFile("/proc/sys/net/ipv6/conf/default/accept_ra", []byte("0\n"), 0); !errors.Is(err, unix.EROFS) {
			r.err = fmt.Errorf("/proc/sys is not read-only here: write gave %v", err)
			return
		}
		r.d, r.err = tun.Open(testConfig())
	}()
	r := <-done
	if r.err != nil {
		t.Fatalf("open with /proc/sys read-only: %v", r.err)
	}
	defer r.d.Close()
	h, err := ns.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	l, err := h.LinkByName(r.d.Name())
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := h.AddrList(l, netlink.FAMILY_V6)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if p, _ := netip.AddrFromSlice(a.IP); p.IsLinkLocalUnicast() {
			t.Errorf("kernel-made link-local address %v on %s", p, r.d.Name())
		}
	}
}
