package sctp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// UDPConn is a PacketConn over a UDP socket: each SCTP packet is the
// payload of one UDP datagram. The peer's UDP port is part of its address;
// the SCTP checksum is still computed, the kernel adds the UDP one.
// Spec: RFC 6951 §5 (UDP encapsulation of SCTP).
type UDPConn struct {
	c     *net.UDPConn
	laddr netip.AddrPort
}

// udpSocketBuffer is asked for as the socket's send and receive buffer, so
// bursts from many associations on one socket are not dropped by the kernel.
const udpSocketBuffer = 4 << 20

// NewUDPConn opens a UDP socket on laddr (port 0: ephemeral; an invalid
// address: every IPv4 and IPv6 address).
func NewUDPConn(laddr netip.AddrPort) (*UDPConn, error) {
	network := "udp"
	switch ip := laddr.Addr().Unmap(); {
	case ip.Is4():
		network = "udp4"
		laddr = netip.AddrPortFrom(ip, laddr.Port())
	case ip.Is6():
		network = "udp6"
	}
	ua := net.UDPAddrFromAddrPort(laddr)
	if !laddr.Addr().IsValid() {
		ua = &net.UDPAddr{Port: int(laddr.Port())}
	}
	c, err := net.ListenUDP(network, ua)
	if err != nil {
		return nil, fmt.Errorf("sctp: udp socket on %s: %w", laddr, err)
	}
	c.SetReadBuffer(udpSocketBuffer)
	c.SetWriteBuffer(udpSocketBuffer)
	la := c.LocalAddr().(*net.UDPAddr).AddrPort()
	return &UDPConn{c: c, laddr: netip.AddrPortFrom(la.Addr().Unmap(), la.Port())}, nil
}

// ReadFrom implements PacketConn.
func (u *UDPConn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	n, from, err := u.c.ReadFromUDPAddrPort(b)
	return n, netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), err
}

// WriteTo implements PacketConn: the destination UDP port is the peer's
// encapsulation port. Spec: RFC 6951 §5.1.
func (u *UDPConn) WriteTo(b []byte, addr netip.AddrPort) error {
	_, err := u.c.WriteToUDPAddrPort(b, addr)
	return err
}

// LocalAddr implements PacketConn.
func (u *UDPConn) LocalAddr() netip.AddrPort { return u.laddr }

// Close implements PacketConn.
func (u *UDPConn) Close() error { return u.c.Close() }

// ListenUDP accepts associations to SCTP port port over UDP encapsulation
// on laddr (e.g. 127.0.0.1:9899). The endpoint and its socket live until
// the listener and every association it accepted are closed.
// Spec: RFC 6951.
func ListenUDP(laddr netip.AddrPort, port uint16, cfg Config) (Listener, error) {
	pc, err := NewUDPConn(laddr)
	if err != nil {
		return nil, err
	}
	e := NewEndpoint(pc, cfg)
	l, err := e.Listen(port)
	if err != nil {
		e.Close()
		return nil, err
	}
	return newEndpointListener(l, e), nil
}

// DialUDP opens an association over UDP encapsulation to SCTP port rport
// at raddr (the peer's UDP address, port 9899 by convention) from its own
// socket: cfg.LocalUDPAddr, or an ephemeral port, and SCTP port
// cfg.LocalPort, or an ephemeral one. Closing the association closes the
// socket. Spec: RFC 6951.
func DialUDP(ctx context.Context, raddr netip.AddrPort, rport uint16, cfg Config) (Conn, error) {
	laddr := cfg.LocalUDPAddr
	if !laddr.Addr().IsValid() {
		ip := netip.IPv4Unspecified()
		if raddr.Addr().Unmap().Is6() {
			ip = netip.IPv6Unspecified()
		}
		laddr = netip.AddrPortFrom(ip, laddr.Port())
	}
	pc, err := NewUDPConn(laddr)
	if err != nil {
		return nil, err
	}
	e := NewEndpoint(pc, cfg)
	c, err := e.Dial(ctx, raddr, rport, cfg.LocalPort)
	if err != nil {
		e.Close()
		return nil, err
	}
	return &endpointConn{Conn: c, release: e.Close}, nil
}
