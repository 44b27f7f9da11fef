package sctp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
)

// IP protocol number of SCTP. Spec: RFC 9260 §1.
const ipProtoSCTP = 132

// RawIPConn is a PacketConn that carries SCTP directly over IP (protocol
// 132) through a raw socket, for hosts whose kernel has no SCTP module. It
// needs root or CAP_NET_RAW. A raw socket receives every SCTP packet sent to
// its address, whatever the port, so the Endpoint on top must ignore ports
// it does not own: ListenIP and DialIP set Config.IgnoreForeignPorts.
// Addresses it reports and takes have port 0. The IPv4 header handling is
// Linux's (tested there); other systems deliver raw IPv4 differently.
type RawIPConn struct {
	c     *net.IPConn
	laddr netip.Addr
	v4    bool

	mu  sync.Mutex // guards buf
	buf []byte     // one IP datagram: larger than any without jumbograms
}

// NewRawIPConn opens a raw SCTP socket bound to laddr: packets are received
// only when addressed to laddr (every address of the family when laddr is
// unspecified) and sent from it.
func NewRawIPConn(laddr netip.Addr) (*RawIPConn, error) {
	if !laddr.IsValid() {
		laddr = netip.IPv4Unspecified()
	}
	laddr = laddr.Unmap()
	network := "ip6:132"
	if laddr.Is4() {
		network = "ip4:132"
	}
	c, err := net.ListenIP(network, &net.IPAddr{IP: laddr.AsSlice(), Zone: laddr.Zone()})
	if err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			return nil, fmt.Errorf("sctp: raw IP socket on %s needs root or CAP_NET_RAW (or use transport \"udp\"): %w", laddr, err)
		}
		return nil, fmt.Errorf("sctp: raw IP socket on %s: %w", laddr, err)
	}
	return &RawIPConn{c: c, laddr: laddr, v4: laddr.Is4(), buf: make([]byte, 64<<10)}, nil
}

// ReadFrom reads the next SCTP packet, from the common header on. IPv4 raw
// sockets deliver the IP header too; it is checked and removed here. Packets
// that do not fit b, or whose IP header is malformed, are dropped.
func (r *RawIPConn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		// ReadMsgIP, not ReadFrom: ReadFrom strips the IPv4 header itself,
		// without checking it.
		n, _, _, from, err := r.c.ReadMsgIP(r.buf, nil)
		if err != nil {
			if transientReadError(err) {
				continue
			}
			return 0, netip.AddrPort{}, err
		}
		if n >= len(r.buf) {
			continue // truncated: larger than any IP datagram without jumbograms
		}
		p := r.buf[:n]
		if r.v4 {
			if p, err = stripIPv4(p); err != nil {
				continue
			}
		}
		if len(p) > len(b) {
			continue
		}
		ip, ok := netip.AddrFromSlice(from.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if from.Zone != "" {
			ip = ip.WithZone(from.Zone)
		}
		return copy(b, p), netip.AddrPortFrom(ip, 0), nil
	}
}

// stripIPv4 returns the IPv4 payload of p. Linux hands raw sockets the
// whole datagram, header included, fragments reassembled and link padding
// already trimmed, so the payload is everything after the header (the
// total length field is not needed; BSDs rewrite it, Linux does not).
// Spec: RFC 791 §3.1.
func stripIPv4(p []byte) ([]byte, error) {
	if len(p) < 20 || p[0]>>4 != 4 {
		return nil, errors.New("not an IPv4 header")
	}
	ihl := int(p[0]&0x0f) * 4
	if ihl < 20 || ihl > len(p) || p[9] != ipProtoSCTP {
		return nil, errors.New("bad IPv4 header")
	}
	return p[ihl:], nil
}

// transientReadError reports errors a raw socket may return for one bad
// datagram or a queued ICMP report; the socket stays usable.
func transientReadError(err error) bool {
	for _, e := range []error{syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.EHOSTDOWN, syscall.EPROTO, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// WriteTo sends one SCTP packet to addr; the kernel adds the IP header.
// addr's port is ignored.
func (r *RawIPConn) WriteTo(b []byte, addr netip.AddrPort) error {
	ip := addr.Addr().Unmap()
	if ip.Is4() != r.v4 {
		return fmt.Errorf("sctp: raw IP socket on %s cannot send to %s (other address family)", r.laddr, ip)
	}
	_, err := r.c.WriteToIP(b, &net.IPAddr{IP: ip.AsSlice(), Zone: ip.Zone()})
	return err
}

// LocalAddr is the bound address, port 0.
func (r *RawIPConn) LocalAddr() netip.AddrPort { return netip.AddrPortFrom(r.laddr, 0) }

// Close closes the socket; a blocked ReadFrom returns.
func (r *RawIPConn) Close() error { return r.c.Close() }

// rawIPConfig is cfg as a raw IP endpoint needs it: foreign ports ignored,
// and the MTU, when unset, an Ethernet MTU less the IP header.
func rawIPConfig(cfg Config, ip netip.Addr) Config {
	cfg.IgnoreForeignPorts = true
	if cfg.MTU <= 0 {
		cfg.MTU = 1500 - 40
		if ip.Unmap().Is4() {
			cfg.MTU = 1500 - 20
		}
	}
	return cfg
}

// ListenIP accepts associations on SCTP port port at laddr over raw IP. The
// endpoint (and its socket) lives until the listener and every association
// it accepted are closed.
func ListenIP(laddr netip.Addr, port uint16, cfg Config) (Listener, error) {
	pc, err := NewRawIPConn(laddr)
	if err != nil {
		return nil, err
	}
	e := NewEndpoint(pc, rawIPConfig(cfg, pc.laddr))
	l, err := e.Listen(port)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("sctp: listen ip %s port %d: %w", pc.laddr, port, err)
	}
	return newEndpointListener(l, e), nil
}

// DialIP opens an association to raddr, SCTP port rport, over raw IP, from
// laddr (when invalid, the address the routing table picks for raddr) and
// cfg.LocalPort (when 0, a random ephemeral port). The endpoint closes with
// the association.
func DialIP(ctx context.Context, raddr netip.Addr, rport uint16, laddr netip.Addr, cfg Config) (Conn, error) {
	raddr = raddr.Unmap()
	if !laddr.IsValid() || laddr.IsUnspecified() {
		src, err := sourceAddr(raddr)
		if err != nil {
			return nil, fmt.Errorf("sctp: dial ip %s: %w", raddr, err)
		}
		laddr = src
	}
	pc, err := NewRawIPConn(laddr)
	if err != nil {
		return nil, err
	}
	// With LocalPort 0 the endpoint picks a random free dynamic port:
	// random, because every stack on this address sees our packets.
	e := NewEndpoint(pc, rawIPConfig(cfg, pc.laddr))
	c, err := e.Dial(ctx, netip.AddrPortFrom(raddr, 0), rport, cfg.LocalPort)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("sctp: dial ip %s port %d: %w", raddr, rport, err)
	}
	return &endpointConn{Conn: c, release: e.Close}, nil
}

// sourceAddr is the local address the kernel would send from to reach dst.
// Connecting a UDP socket sends nothing; it only resolves the route.
func sourceAddr(dst netip.Addr) (netip.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 9)))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("no route: %w", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}
