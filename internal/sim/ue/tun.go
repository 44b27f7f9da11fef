package ue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"go5g/internal/netns"
	"go5g/internal/sim/gnb"
	"go5g/internal/tun"
)

// DefaultTUNMTU leaves room for the GTP-U encapsulation on a 1500-octet
// N3 path: outer IPv6 (40) + UDP (8) + GTP-U with the PDU Session
// Container (16) is 64 octets, so 1400 keeps a margin for tunnels below.
const DefaultTUNMTU = 1400

// TUNConfig says where and how to make a PDU session's TUN device.
type TUNConfig struct {
	// NS is the UE's network namespace; nil means the calling thread's.
	NS *netns.NS
	// Name of the interface; default "pdu<PSI>".
	Name string
	// MTU; default DefaultTUNMTU.
	MTU int
	// IPv6Prefix is the session's /64 when already known; otherwise the
	// address is added when a Router Advertisement brings the prefix.
	IPv6Prefix netip.Prefix
	// Routes sent into the device; nil means a default route for each
	// address family of the session (0.0.0.0/0, ::/0).
	Routes []netip.Prefix
}

// TUN is a PDU session's TUN device wired to the gNB's user plane: what
// the UE's programs send through it goes uplink in the session's tunnel,
// and the session's downlink is written to it.
//
// Spec: TS 23.501 §5.8.2.2 (UE IP address: IPv4 address, IPv6 prefix
// from a Router Advertisement with the interface identifier from the SMF)
type TUN struct {
	dev    *tun.Device
	bearer atomic.Pointer[gnb.Bearer] // the current one (idle.go: rebound after a service request)
	sess   Session
	done   chan struct{}
	once   sync.Once
	v6     atomic.Bool // the global IPv6 address is configured
	v6Addr atomic.Pointer[netip.Prefix]
	mu     sync.Mutex // AddAddr from the RA path
	ulmu   sync.Mutex // Bearer.Uplink: the reader and the solicitor
	stop   chan struct{}
	rsDone chan struct{} // closed when no solicitation can follow

	// While the UE is in CM-IDLE (idle.go) uplink packets are held, in
	// order, and wake asks the UE for a service request. Under ulmu.
	idle bool
	held [][]byte
	wake func()
	base gnb.BearerStats // counts of the bearers before the current one
}

// OpenTUN makes the TUN device for session s (as the UE got it) in
// cfg.NS, gives it the session's addresses and routes, and binds it to
// the session's bearer on the UE's gNB connection c. Close removes it.
func OpenTUN(c *gnb.Connection, s Session, cfg TUNConfig) (*TUN, error) {
	if c == nil {
		return nil, errors.New("ue: no gNB connection for the TUN")
	}
	if cfg.Name == "" {
		cfg.Name = "pdu" + strconv.Itoa(int(s.ID))
	}
	if cfg.MTU == 0 {
		cfg.MTU = DefaultTUNMTU
	}
	tc := tun.Config{Name: cfg.Name, MTU: cfg.MTU, Routes: cfg.Routes}
	if s.IPv4.IsValid() {
		tc.Addrs = append(tc.Addrs, netip.PrefixFrom(s.IPv4, 32))
		if cfg.Routes == nil {
			tc.Routes = append(tc.Routes, netip.MustParsePrefix("0.0.0.0/0"))
		}
	}
	var v6 netip.Prefix
	if s.HasIPv6 {
		ll := [16]byte{0: 0xfe, 1: 0x80}
		copy(ll[8:], s.IPv6IID[:])
		tc.Addrs = append(tc.Addrs, netip.PrefixFrom(netip.AddrFrom16(ll), 64))
		if cfg.IPv6Prefix.IsValid() {
			v6 = withIID(cfg.IPv6Prefix, s.IPv6IID)
			tc.Addrs = append(tc.Addrs, v6)
		}
		if cfg.Routes == nil {
			tc.Routes = append(tc.Routes, netip.MustParsePrefix("::/0"))
		}
	}
	if len(tc.Addrs) == 0 {
		return nil, fmt.Errorf("ue: PDU session %d has no IP address", s.ID)
	}
	var dev *tun.Device
	var err error
	if cfg.NS != nil {
		dev, err = cfg.NS.OpenTUN(tc)
	} else {
		dev, err = tun.Open(tc)
	}
	if err != nil {
		return nil, fmt.Errorf("ue: TUN for PDU session %d: %w", s.ID, err)
	}
	// The interface identifier comes from the SMF, not from the kernel's
	// SLAAC: internal/tun brings the device up with no kernel autoconf, RS
	// or link-local address, and the TUN sends its own Router
	// Solicitations from fe80::IID (solicit) and takes the prefix from the
	// downlink. Without IPv6 in the session the device stays IPv4-only (no
	// MLD reports uplink).
	// Spec: TS 23.501 §5.8.2.2.1
	if !s.HasIPv6 {
		if err := sysctl(cfg.NS, "net.ipv6.conf."+dev.Name()+".disable_ipv6", "1"); err != nil {
			dev.Close()
			return nil, fmt.Errorf("ue: TUN for PDU session %d: %w", s.ID, err)
		}
	}
	t := &TUN{dev: dev, sess: s, done: make(chan struct{}), stop: make(chan struct{}), rsDone: make(chan struct{})}
	if v6.IsValid() {
		t.v6.Store(true)
		t.v6Addr.Store(&v6)
	}
	b, err := c.BindUserPlane(s.ID, s.QFI, downlink{t})
	if err != nil {
		dev.Close()
		return nil, fmt.Errorf("ue: PDU session %d: %w", s.ID, err)
	}
	t.bearer.Store(b)
	go t.uplink(cfg.MTU)
	if s.HasIPv6 && !v6.IsValid() {
		go t.solicit(t.stop)
	} else {
		close(t.rsDone)
	}
	return t, nil
}

// sysctl sets a net.* sysctl in ns, or in the calling thread's namespace.
func sysctl(ns *netns.NS, key, value string) error {
	if ns != nil {
		return ns.Sysctl(key, value)
	}
	path := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
	if err := os.WriteFile(path, []byte(value+"\n"), 0); err != nil {
		return fmt.Errorf("sysctl %s: %w", key, err)
	}
	return nil
}

// withIID is the /64 prefix p with interface identifier iid.
func withIID(p netip.Prefix, iid [8]byte) netip.Prefix {
	a := p.Masked().Addr().As16()
	copy(a[8:], iid[:])
	return netip.PrefixFrom(netip.AddrFrom16(a), 64)
}

// Name is the interface name.
func (t *TUN) Name() string { return t.dev.Name() }

// Session is the PDU session the device carries.
func (t *TUN) Session() Session { return t.sess }

// IPv6 is the device's global IPv6 address, once known.
func (t *TUN) IPv6() (netip.Addr, bool) {
	if p := t.v6Addr.Load(); p != nil {
		return p.Addr(), true
	}
	return netip.Addr{}, false
}

// Stats are the session's user-plane counters at the gNB.
// They add up over the bearers the session had (one per connection).
func (t *TUN) Stats() gnb.BearerStats {
	t.ulmu.Lock()
	defer t.ulmu.Unlock()
	return addStats(t.base, t.bearer.Load().Stats())
}

// Close removes the device (with its addresses and routes) and waits for
// its uplink reader and Router Solicitations.
func (t *TUN) Close() error {
	var err error
	t.once.Do(func() {
		close(t.stop)
		<-t.rsDone
		err = t.dev.Close()
		<-t.done
	})
	return err
}

// uplink reads the packets programs send into the device and hands each
// to the bearer, in one buffer with the GTP-U headroom in front.
func (t *TUN) uplink(mtu int) {
	defer close(t.done)
	buf := make([]byte, gnb.ULHeadroom+max(mtu, 1500)+64)
	for {
		n, err := t.dev.Read(buf[gnb.ULHeadroom:])
		if errors.Is(err, syscall.EINVAL) {
			continue // a packet longer than the buffer (MTU raised): dropped
		}
		if err != nil {
			return // closed, or the device is gone
		}
		if n == 0 {
			continue
		}
		// A released bearer counts the drop; the device stays until the
		// session is released at the UE.
		t.sendUplink(buf[:gnb.ULHeadroom+n])
	}
}

// downlink writes the session's downlink to the device, and learns the
// IPv6 prefix from a Router Advertisement on the way.
type downlink struct{ t *TUN }

func (d downlink) Write(p []byte) (int, error) {
	if d.t.sess.HasIPv6 && !d.t.v6.Load() {
		if pfx, ok := raPrefix(p); ok {
			d.t.v6.Store(true)
			go d.t.addIPv6(pfx) // netlink off the gNB's reader
		}
	}
	return d.t.dev.Write(p)
}

func (t *TUN) addIPv6(pfx netip.Prefix) {
	a := withIID(pfx, t.sess.IPv6IID)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.dev.AddAddr(a); err != nil {
		t.v6.Store(false) // try again with the next advertisement
		return
	}
	t.v6Addr.Store(&a)
}

// raPrefix returns the first /64 on-link or autonomous prefix of an
// ICMPv6 Router Advertisement (IPv6 header directly followed by ICMPv6).
//
// Spec: RFC 4861 §4.2, §4.6.2; TS 23.501 §5.8.2.2.1 (a /64 per session)
func raPrefix(p []byte) (netip.Prefix, bool) {
	const ip6, ra = 40, 16
	if len(p) < ip6+ra || p[0]>>4 != 6 || p[6] != 58 || p[ip6] != 134 || p[ip6+1] != 0 {
		return netip.Prefix{}, false
	}
	if int(binary.BigEndian.Uint16(p[4:6]))+ip6 > len(p) {
		return netip.Prefix{}, false
	}
	opts := p[ip6+ra : ip6+int(binary.BigEndian.Uint16(p[4:6]))]
	for len(opts) >= 2 {
		l := int(opts[1]) * 8
		if l == 0 || l > len(opts) {
			return netip.Prefix{}, false
		}
		// Prefix Information: type 3, length 4 (32 octets).
		if opts[0] == 3 && l == 32 && opts[2] == 64 {
			var a [16]byte
			copy(a[:], opts[16:32])
			return netip.PrefixFrom(netip.AddrFrom16(a), 64), true
		}
		opts = opts[l:]
	}
	return netip.Prefix{}, false
}

// AttachTUN makes the TUN device of the UE's PDU session psi (see
// OpenTUN) and keeps it until the session is released or the UE closes.
func (u *UE) AttachTUN(psi uint8, cfg TUNConfig) (*TUN, error) {
	var s Session
	var link *gnb.Connection
	var err error
	if cerr := u.do(func() {
		p := u.sessions[psi]
		switch {
		case p == nil:
			err = fmt.Errorf("ue: no PDU session %d", psi)
		case u.tuns[psi] != nil:
			err = fmt.Errorf("ue: PDU session %d already has a TUN", psi)
		default:
			s, link = *p, u.link
		}
	}); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	t, err := OpenTUN(link, s, cfg)
	if err != nil {
		return nil, err
	}
	if cerr := u.do(func() {
		if u.sessions[psi] == nil || u.tuns[psi] != nil {
			err = fmt.Errorf("ue: PDU session %d changed while its TUN was made", psi)
			return
		}
		if u.tuns == nil {
			u.tuns = map[uint8]*TUN{}
		}
		u.tuns[psi] = t
		t.setWake(func() { // idle.go
			select {
			case u.events <- event{ulData: true}:
			default:
			}
		})
	}); cerr != nil {
		err = cerr
	}
	if err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// Wait blocks until a closed UE's goroutine has ended, its TUN devices
// removed. Call it after Close.
func (u *UE) Wait() { <-u.ended }

// closeTUN removes the TUN of session psi, if any. On the UE's goroutine.
func (u *UE) closeTUN(psi uint8) {
	if t := u.tuns[psi]; t != nil {
		delete(u.tuns, psi)
		t.Close()
	}
}

// closeTUNs removes every TUN. On the UE's goroutine.
func (u *UE) closeTUNs() {
	for psi := range u.tuns {
		u.closeTUN(psi)
	}
}
