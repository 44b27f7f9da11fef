package netns

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// VethEnd is one end of a veth pair: the namespace it lives in, its name
// there, and its addresses with prefix lengths.
type VethEnd struct {
	NS    *NS
	Name  string
	Addrs []netip.Prefix
}

// AddVeth creates a veth pair with one end in a.NS and the other in b.NS,
// adds the addresses and brings both ends up. The pair is created directly
// in the two namespaces, so interface names only need to be unique there,
// and nothing ever appears in the namespace of the calling thread. Deleting
// either namespace removes both ends. mtu applies to both ends; 0 keeps the
// kernel default.
func AddVeth(a, b VethEnd, mtu int) error {
	if a.NS == nil || b.NS == nil {
		return fmt.Errorf("netns: veth %s-%s: both ends need a namespace", a.Name, b.Name)
	}
	h, err := a.NS.Netlink()
	if err != nil {
		return err
	}
	defer h.Close()
	v := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: a.Name, MTU: mtu},
		PeerName:      b.Name,
		PeerNamespace: netlink.NsFd(b.NS.Fd()),
	}
	if err := h.LinkAdd(v); err != nil {
		return fmt.Errorf("netns: add veth %s (%s) - %s (%s): %w", a.Name, a.NS, b.Name, b.NS, err)
	}
	hb, err := b.NS.Netlink()
	if err != nil {
		h.LinkDel(v)
		return err
	}
	defer hb.Close()
	// Both ends up before any address: IPv6 addresses added to a link
	// that is down or without carrier are not usable at once.
	for _, e := range []struct {
		h *netlink.Handle
		VethEnd
	}{{h, a}, {hb, b}} {
		if err := linkUp(e.h, e.VethEnd); err != nil {
			h.LinkDel(v)
			return err
		}
	}
	for _, e := range []struct {
		h *netlink.Handle
		VethEnd
	}{{h, a}, {hb, b}} {
		for _, p := range e.Addrs {
			if err := addAddr(e.h, e.Name, p); err != nil {
				h.LinkDel(v)
				return fmt.Errorf("netns: %s in %s: %w", e.Name, e.NS, err)
			}
		}
	}
	return nil
}

func linkUp(h *netlink.Handle, e VethEnd) error {
	l, err := h.LinkByName(e.Name)
	if err == nil {
		err = h.LinkSetUp(l)
	}
	if err != nil {
		return fmt.Errorf("netns: %s in %s up: %w", e.Name, e.NS, err)
	}
	return nil
}

// addAddr adds p to interface dev and, for IPv6, waits until it is usable.
// IPv6 addresses skip duplicate address detection: the links we make have
// no other hosts.
func addAddr(h *netlink.Handle, dev string, p netip.Prefix) error {
	if !p.IsValid() {
		return fmt.Errorf("invalid address %v", p)
	}
	l, err := h.LinkByName(dev)
	if err != nil {
		return err
	}
	a := &netlink.Addr{IPNet: prefixNet(p, false)}
	if p.Addr().Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	if err := h.AddrAdd(l, a); err != nil {
		return fmt.Errorf("add address %v: %w", p, err)
	}
	if p.Addr().Is6() {
		return waitLocal(h, p.Addr())
	}
	return nil
}

// waitLocal waits until the kernel delivers packets for addr locally: for
// IPv6 a kernel work item installs the local route after the address is
// added, even without duplicate address detection, and until then packets
// to the address are dropped.
func waitLocal(h *netlink.Handle, addr netip.Addr) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		rs, err := h.RouteGet(addr.AsSlice())
		if err == nil && len(rs) > 0 && rs[0].Type == unix.RTN_LOCAL {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("address %v not usable after 3s (route %v, %v)", addr, rs, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// AddAddr adds an address to interface dev in the namespace.
func (n *NS) AddAddr(dev string, p netip.Prefix) error {
	h, err := n.Netlink()
	if err != nil {
		return err
	}
	defer h.Close()
	if err := addAddr(h, dev, p); err != nil {
		return fmt.Errorf("netns: %s in %s: %w", dev, n, err)
	}
	return nil
}

// AddRoute adds a route to dst in the namespace, through gateway via (if
// valid) and out of interface dev (if not empty). At least one is needed.
func (n *NS) AddRoute(dst netip.Prefix, via netip.Addr, dev string) error {
	if !dst.IsValid() || (!via.IsValid() && dev == "") {
		return fmt.Errorf("netns: route %v: need a destination and a gateway or device", dst)
	}
	h, err := n.Netlink()
	if err != nil {
		return err
	}
	defer h.Close()
	r := &netlink.Route{Dst: prefixNet(dst, true)}
	if via.IsValid() {
		r.Gw = via.AsSlice()
	} else {
		r.Scope = netlink.SCOPE_LINK
	}
	if dev != "" {
		l, err := h.LinkByName(dev)
		if err != nil {
			return fmt.Errorf("netns: %s in %s: %w", dev, n, err)
		}
		r.LinkIndex = l.Attrs().Index
	}
	if err := h.RouteAdd(r); err != nil {
		return fmt.Errorf("netns: route %v via %v dev %q in %s: %w", dst, via, dev, n, err)
	}
	return nil
}

// LinkUp brings interface dev (for example "lo") up in the namespace.
func (n *NS) LinkUp(dev string) error {
	h, err := n.Netlink()
	if err != nil {
		return err
	}
	defer h.Close()
	l, err := h.LinkByName(dev)
	if err == nil {
		err = h.LinkSetUp(l)
	}
	if err != nil {
		return fmt.Errorf("netns: %s in %s up: %w", dev, n, err)
	}
	return nil
}

// Links returns the names of the interfaces in the namespace.
func (n *NS) Links() ([]string, error) {
	h, err := n.Netlink()
	if err != nil {
		return nil, err
	}
	defer h.Close()
	ls, err := h.LinkList()
	if err != nil {
		return nil, fmt.Errorf("netns: links in %s: %w", n, err)
	}
	names := make([]string, 0, len(ls))
	for _, l := range ls {
		names = append(names, l.Attrs().Name)
	}
	return names, nil
}

// Forwarding sysctls. /proc/sys/net shows the namespace of the thread that
// opens the file, so they are opened inside Do.
const (
	forwardV4 = "/proc/sys/net/ipv4/ip_forward"
	forwardV6 = "/proc/sys/net/ipv6/conf/all/forwarding"
)

// SetForwarding turns IPv4 and IPv6 forwarding on or off in the namespace,
// as a router (the UPF's namespace, a test's core namespace) needs.
func (n *NS) SetForwarding(v4, v6 bool) error {
	return n.Do(func() error {
		if err := writeBool(forwardV4, v4); err != nil {
			return err
		}
		return writeBool(forwardV6, v6)
	})
}

// Forwarding reports whether IPv4 and IPv6 forwarding are on in the namespace.
func (n *NS) Forwarding() (v4, v6 bool, err error) {
	err = n.Do(func() error {
		var err error
		if v4, err = readBool(forwardV4); err != nil {
			return err
		}
		v6, err = readBool(forwardV6)
		return err
	})
	return v4, v6, err
}

// Sysctl sets a sysctl inside the namespace, named as sysctl(8) does
// ("net.ipv6.conf.all.accept_dad"). Only net.* keys are per namespace;
// others would change the host, so they are refused.
func (n *NS) Sysctl(key, value string) error {
	path, err := sysctlPath(key)
	if err != nil {
		return err
	}
	return n.Do(func() error {
		if err := os.WriteFile(path, []byte(value+"\n"), 0); err != nil {
			return fmt.Errorf("netns: sysctl %s in %s: %w", key, n, err)
		}
		return nil
	})
}

// SysctlValue reads a net.* sysctl inside the namespace, without the newline.
func (n *NS) SysctlValue(key string) (string, error) {
	path, err := sysctlPath(key)
	if err != nil {
		return "", err
	}
	var v []byte
	err = n.Do(func() error {
		v, err = os.ReadFile(path)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("netns: sysctl %s in %s: %w", key, n, err)
	}
	return strings.TrimSuffix(string(v), "\n"), nil
}

func sysctlPath(key string) (string, error) {
	if !strings.HasPrefix(key, "net.") || strings.Contains(key, "/") || strings.Contains(key, "..") {
		return "", fmt.Errorf("netns: sysctl %q is not a per-namespace net.* key", key)
	}
	return "/proc/sys/" + strings.ReplaceAll(key, ".", "/"), nil
}

func writeBool(path string, on bool) error {
	v := "0\n"
	if on {
		v = "1\n"
	}
	if err := os.WriteFile(path, []byte(v), 0); err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	return nil
}

func readBool(path string) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("netns: %w", err)
	}
	return len(b) > 0 && b[0] == '1', nil
}

// prefixNet converts a prefix for netlink; masked drops host bits (routes).
func prefixNet(p netip.Prefix, masked bool) *net.IPNet {
	if masked {
		p = p.Masked()
	}
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), bits)}
}
