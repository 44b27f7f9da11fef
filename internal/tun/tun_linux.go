package tun

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ErrUnavailable is wrapped by every error that means this host or process
// cannot run a user plane at all (no privilege, no TUN driver), as opposed
// to a bad configuration.
var ErrUnavailable = errors.New("user plane needs root (CAP_NET_ADMIN) and /dev/net/tun")

// cloneDevice is the TUN/TAP clone device; see the kernel's
// Documentation/networking/tuntap.rst.
const cloneDevice = "/dev/net/tun"

// MaxQueues is the kernel's limit on queues of one multi-queue TUN
// (MAX_TAP_QUEUES in drivers/net/tun.c).
const MaxQueues = 256

// Config says how to create and configure a device.
type Config struct {
	// Name of the interface (at most 15 bytes). Empty lets the kernel
	// choose ("tun0", "tun1", ...).
	Name string
	// MTU in bytes; 0 keeps the kernel default (1500).
	MTU int
	// Queues opened; 0 or 1 for a single-queue device, more for
	// IFF_MULTI_QUEUE with one file descriptor per queue.
	Queues int
	// Addrs are the device's own addresses with prefix lengths, IPv4 or
	// IPv6 (e.g. 10.45.0.1/16). The kernel adds the on-link prefix route.
	Addrs []netip.Prefix
	// Routes are further destinations sent into the device.
	Routes []netip.Prefix
}

// Device is an open TUN interface. Its queues may be used by different
// goroutines at once; one queue must have one reader and one writer at a time
// at most.
type Device struct {
	name   string
	index  int
	queues []*Queue
	nl     *netlink.Handle
}

// Queue is one file descriptor of a device. Each Read returns one packet;
// ReadBatch returns what the queue holds, up to a batch.
type Queue struct {
	f      *os.File
	closed atomic.Bool
	batch  batchReader
}

// Open creates a TUN device in the calling thread's network namespace (use
// netns.NS.OpenTUN for another namespace), configures it from cfg and brings
// it up. On error nothing is left behind.
func Open(cfg Config) (*Device, error) {
	return open(cloneDevice, cfg)
}

// open is Open with the clone device path as a parameter, for tests.
func open(clonePath string, cfg Config) (_ *Device, err error) {
	if len(cfg.Name) >= unix.IFNAMSIZ {
		return nil, fmt.Errorf("tun: interface name %q longer than %d bytes", cfg.Name, unix.IFNAMSIZ-1)
	}
	n := cfg.Queues
	if n <= 0 {
		n = 1
	}
	if n > MaxQueues {
		return nil, fmt.Errorf("tun: %d queues, the kernel allows %d", n, MaxQueues)
	}
	flags := uint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if n > 1 {
		flags |= unix.IFF_MULTI_QUEUE
	}
	// Every step below configures the calling thread's namespace, the
	// /proc/sys/net writes of quietIPv6 included: stay on this thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	d := &Device{name: cfg.Name}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	for i := 0; i < n; i++ {
		q, name, err := openQueue(clonePath, d.name, flags)
		if err != nil {
			return nil, err
		}
		d.queues = append(d.queues, q)
		d.name = name // the first queue learns the kernel-chosen name
	}
	// The netlink socket is opened here, on the caller's thread, so it
	// belongs to the namespace the device was created in.
	if d.nl, err = netlink.NewHandle(unix.NETLINK_ROUTE); err != nil {
		return nil, classify("tun: netlink", err)
	}
	link, err := d.nl.LinkByName(d.name)
	if err != nil {
		return nil, fmt.Errorf("tun: find %s: %w", d.name, err)
	}
	d.index = link.Attrs().Index
	if cfg.MTU > 0 {
		if err := d.nl.LinkSetMTU(link, cfg.MTU); err != nil {
			return nil, classify(fmt.Sprintf("tun: %s mtu %d", d.name, cfg.MTU), err)
		}
	}
	if err := d.quietIPv6(link); err != nil {
		return nil, err
	}
	// Up first: IPv6 addresses added to a down link turn tentative while
	// it comes up, and for a moment packets to them are dropped.
	if err := d.nl.LinkSetUp(link); err != nil {
		return nil, classify("tun: "+d.name+" up", err)
	}
	for _, p := range cfg.Addrs {
		if err := d.AddAddr(p); err != nil {
			return nil, err
		}
	}
	// Routes need the link up, or the kernel refuses them (ENETDOWN).
	for _, r := range cfg.Routes {
		if err := d.AddRoute(r); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// openQueue opens the clone device and attaches it to interface name
// (creating it when it does not exist), returning the interface's name.
func openQueue(clonePath, name string, flags uint16) (*Queue, string, error) {
	fd, err := unix.Open(clonePath, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, "", classify("tun: open "+clonePath, err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, "", fmt.Errorf("tun: interface name %q: %w", name, err)
	}
	ifr.SetUint16(flags)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, "", classify("tun: TUNSETIFF "+name, err)
	}
	// A non-blocking descriptor lets os.File use the runtime's poller:
	// Read parks the goroutine instead of a thread, and deadlines and
	// Close wake blocked readers.
	f := os.NewFile(uintptr(fd), clonePath)
	q := &Queue{f: f}
	if err := q.batch.init(f); err != nil {
		f.Close()
		return nil, "", fmt.Errorf("tun: %s: %w", ifr.Name(), err)
	}
	return q, ifr.Name(), nil
}

// classify wraps err, marking privilege and missing-driver errors as
// ErrUnavailable.
func classify(op string, err error) error {
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES),
		errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO):
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Probe reports whether this process can run a user plane here: it opens the
// clone device and creates and removes a throwaway TUN in the calling
// thread's namespace. A nil error means yes; otherwise the error wraps
// ErrUnavailable and says why.
func Probe() error {
	q, _, err := openQueue(cloneDevice, "", unix.IFF_TUN|unix.IFF_NO_PI)
	if err != nil {
		return err
	}
	return q.f.Close()
}

// Name returns the interface name.
func (d *Device) Name() string { return d.name }

// Index returns the interface index in the device's namespace.
func (d *Device) Index() int { return d.index }

// Queues returns the device's queues; index i is worker i's.
func (d *Device) Queues() []*Queue { return d.queues }

// Read reads one packet from the first queue into b; see Queue.Read.
func (d *Device) Read(b []byte) (int, error) { return d.queues[0].Read(b) }

// Write writes one packet through the first queue; see Queue.Write.
func (d *Device) Write(b []byte) (int, error) { return d.queues[0].Write(b) }

// AddAddr adds an address with its prefix length (e.g. 10.45.0.1/16). IPv6
// addresses skip duplicate address detection: a TUN is point-to-point and the
// address is ours, so it is usable at once.
func (d *Device) AddAddr(p netip.Prefix) error {
	if !p.IsValid() {
		return fmt.Errorf("tun: %s: invalid address %v", d.name, p)
	}
	a := &netlink.Addr{IPNet: ipNet(p, false)}
	if p.Addr().Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	if err := d.nl.AddrAdd(d.link(), a); err != nil {
		return classify(fmt.Sprintf("tun: %s add address %v", d.name, p), err)
	}
	if p.Addr().Is6() {
		if err := waitLocal(d.nl, p.Addr()); err != nil {
			return fmt.Errorf("tun: %s address %v: %w", d.name, p, err)
		}
	}
	return nil
}

// waitLocal waits until the kernel delivers packets for addr locally. For
// IPv6 the local route is installed by a kernel work item after the address
// is added, even without duplicate address detection; until then packets to
// the address are dropped (Ip6InAddrErrors).
func waitLocal(h *netlink.Handle, addr netip.Addr) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		rs, err := h.RouteGet(addr.AsSlice())
		if err == nil && len(rs) > 0 && rs[0].Type == unix.RTN_LOCAL {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("address not usable after 3s (route %v, %v)", rs, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// AddRoute routes dst into the device (scope link: no gateway on a TUN).
func (d *Device) AddRoute(dst netip.Prefix) error {
	if !dst.IsValid() {
		return fmt.Errorf("tun: %s: invalid route %v", d.name, dst)
	}
	r := &netlink.Route{LinkIndex: d.index, Dst: ipNet(dst, true), Scope: netlink.SCOPE_LINK}
	if err := d.nl.RouteAdd(r); err != nil {
		return classify(fmt.Sprintf("tun: %s add route %v", d.name, dst), err)
	}
	return nil
}

// link names the device to netlink by index, without a lookup.
func (d *Device) link() netlink.Link {
	return &netlink.Tuntap{LinkAttrs: netlink.LinkAttrs{Name: d.name, Index: d.index}}
}

// Close closes every queue and the netlink handle; the kernel then deletes
// the interface with its addresses and routes. Blocked reads return
// os.ErrClosed.
func (d *Device) Close() error {
	var first error
	for _, q := range d.queues {
		q.closed.Store(true)
		if err := q.f.Close(); err != nil && first == nil {
			first = err
		}
	}
	if d.nl != nil {
		d.nl.Close()
	}
	return first
}

// Read reads one packet into b and returns its length. A packet longer than
// b is truncated by the kernel, so b should hold the MTU.
func (q *Queue) Read(b []byte) (int, error) { return q.f.Read(b) }

// Write injects one whole IPv4 or IPv6 packet; the kernel routes it as if it
// arrived on the interface.
func (q *Queue) Write(b []byte) (int, error) { return q.f.Write(b) }

// SetReadDeadline bounds pending and future Reads; zero means none.
func (q *Queue) SetReadDeadline(t time.Time) error { return q.f.SetReadDeadline(t) }

// SetWriteDeadline bounds pending and future Writes; zero means none.
func (q *Queue) SetWriteDeadline(t time.Time) error { return q.f.SetWriteDeadline(t) }

// ipNet converts a prefix to the net.IPNet netlink wants; masked drops the
// host bits (for routes), otherwise the address is kept (for addresses).
func ipNet(p netip.Prefix, masked bool) *net.IPNet {
	if masked {
		p = p.Masked()
	}
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), bits)}
}
