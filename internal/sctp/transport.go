package sctp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
)

// Transport names how associations reach the peer.
type Transport string

// Transports. TransportAuto picks kernel SCTP when this kernel has it and
// UDP encapsulation otherwise; it never picks raw IP, which needs root.
const (
	TransportKernel Transport = "kernel" // Linux kernel SCTP sockets
	TransportUDP    Transport = "udp"    // userspace SCTP over UDP. Spec: RFC 6951
	TransportIP     Transport = "ip"     // userspace SCTP over raw IP protocol 132
	TransportAuto   Transport = "auto"
)

// DefaultUDPPort is the IANA port for SCTP over UDP. Spec: RFC 6951 §5.
const DefaultUDPPort = 9899

// ParseTransport parses a transport name as given in a flag or config file.
func ParseTransport(s string) (Transport, error) {
	switch t := Transport(s); t {
	case TransportKernel, TransportUDP, TransportIP, TransportAuto:
		return t, nil
	}
	return "", fmt.Errorf("sctp: unknown transport %q: want kernel (kernel SCTP sockets), udp (SCTP over UDP, RFC 6951), ip (userspace SCTP over raw IP, needs root) or auto (kernel if available, else udp)", s)
}

// Addr is the address of one end of an association: IP address, SCTP port
// and, for UDP encapsulation, the UDP port the packets travel on.
type Addr struct {
	IP      netip.Addr
	Port    uint16 // SCTP port
	UDPPort uint16 // UDP encapsulation port; 0 when SCTP runs over IP
}

// Network is "sctp" whatever the transport below.
func (a Addr) Network() string { return "sctp" }

// String is host:port, e.g. 127.0.0.1:38412, followed by the UDP
// encapsulation port when there is one: "127.0.0.1:38412 (udp 9899)".
func (a Addr) String() string {
	s := netip.AddrPortFrom(a.IP, a.Port).String()
	if a.UDPPort != 0 {
		s += " (udp " + strconv.Itoa(int(a.UDPPort)) + ")"
	}
	return s
}

// Options configures Listen and Dial. Config applies to every transport; the
// kernel maps what it can onto socket options and keeps its defaults for the
// rest (MTU, CookieSecret, IgnoreForeignPorts and Logger are userspace only).
type Options struct {
	Config
	// UDPPort is the local UDP port of transport udp: the listener's
	// defaults to DefaultUDPPort, the dialer's 0 picks an ephemeral one.
	UDPPort int
	// RemoteUDPPort is the peer's UDP port for a udp dialer; default DefaultUDPPort.
	RemoteUDPPort int
	// LocalAddr is the dialer's local IP address, optionally with the local
	// SCTP port ("10.0.0.5" or "10.0.0.5:38412"); empty lets the routing
	// table choose and picks an ephemeral port.
	LocalAddr string
}

// Listen accepts associations on addr ("127.0.0.1:38412", "[::1]:38412";
// an empty host listens on every IPv4 address) over transport t and returns
// the transport it chose, so the caller can log it.
func Listen(ctx context.Context, t Transport, addr string, opt Options) (Listener, Transport, error) {
	ap, err := parseHostPort(ctx, addr, netip.IPv4Unspecified())
	if err != nil {
		return nil, t, err
	}
	t, err = choose(t)
	if err != nil {
		return nil, t, err
	}
	var l Listener
	switch t {
	case TransportKernel:
		l, err = ListenKernel(ap, opt.Config)
	case TransportUDP:
		port, perr := portOr(opt.UDPPort, DefaultUDPPort, "UDPPort")
		if perr != nil {
			return nil, t, perr
		}
		l, err = ListenUDP(netip.AddrPortFrom(ap.Addr(), port), ap.Port(), opt.Config)
	case TransportIP:
		l, err = ListenIP(ap.Addr(), ap.Port(), opt.Config)
	}
	if err != nil {
		return nil, t, fmt.Errorf("sctp: listen %s on %s: %w%s", t, addr, err, hint(t, err))
	}
	return l, t, nil
}

// Dial opens an association to addr ("10.0.0.1:38412") over transport t
// and returns the transport it chose.
func Dial(ctx context.Context, t Transport, addr string, opt Options) (Conn, Transport, error) {
	rap, err := parseHostPort(ctx, addr, netip.IPv4Unspecified())
	if err != nil {
		return nil, t, err
	}
	if rap.Addr().IsUnspecified() {
		rap = netip.AddrPortFrom(loopbackOf(rap.Addr()), rap.Port())
	}
	lap, err := parseLocal(ctx, opt.LocalAddr)
	if err != nil {
		return nil, t, err
	}
	t, err = choose(t)
	if err != nil {
		return nil, t, err
	}
	var c Conn
	switch t {
	case TransportKernel:
		c, err = dialKernel(ctx, lap, rap, opt.Config)
	case TransportUDP:
		c, err = dialUDP(ctx, lap, rap, opt)
	case TransportIP:
		c, err = dialIPFrom(ctx, lap, rap, opt.Config)
	}
	if err != nil {
		return nil, t, fmt.Errorf("sctp: dial %s %s: %w%s", t, addr, err, hint(t, err))
	}
	return c, t, nil
}

// choose resolves TransportAuto.
func choose(t Transport) (Transport, error) {
	if _, err := ParseTransport(string(t)); err != nil {
		return t, err
	}
	if t != TransportAuto {
		return t, nil
	}
	if KernelAvailable() == nil {
		return TransportKernel, nil
	}
	return TransportUDP, nil
}

// hint tells the operator what to try when err is a common setup problem.
func hint(t Transport, err error) string {
	switch {
	case errors.Is(err, ErrNoKernelSCTP):
		return "" // its text already names the alternatives
	case errors.Is(err, syscall.EADDRINUSE) && t == TransportUDP:
		return " (another socket holds that UDP port: stop it or set a different UDP port)"
	case errors.Is(err, syscall.EADDRINUSE):
		return " (another socket holds that address and port: stop it or choose another port)"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return " (that address is not configured on this host: use one of its addresses, or an empty host)"
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		if t == TransportIP {
			return "" // NewRawIPConn's text already says what to do
		}
		return " (permission denied: use a port above 1023 or run with CAP_NET_BIND_SERVICE)"
	}
	return ""
}

// dialUDP dials over UDP encapsulation, mapping LocalAddr and UDPPort onto
// the Config fields DialUDP binds with.
func dialUDP(ctx context.Context, lap, rap netip.AddrPort, opt Options) (Conn, error) {
	rport, err := portOr(opt.RemoteUDPPort, DefaultUDPPort, "RemoteUDPPort")
	if err != nil {
		return nil, err
	}
	lport, err := portOr(opt.UDPPort, 0, "UDPPort")
	if err != nil {
		return nil, err
	}
	cfg := opt.Config
	if lap.Port() != 0 {
		cfg.LocalPort = lap.Port()
	}
	if lip := lap.Addr(); lip.IsValid() || lport != 0 {
		if !lip.IsValid() {
			lip = netip.IPv4Unspecified()
			if rap.Addr().Is6() {
				lip = netip.IPv6Unspecified()
			}
		}
		cfg.LocalUDPAddr = netip.AddrPortFrom(lip, lport)
	}
	return DialUDP(ctx, netip.AddrPortFrom(rap.Addr(), rport), rap.Port(), cfg)
}

func dialIPFrom(ctx context.Context, lap, rap netip.AddrPort, cfg Config) (Conn, error) {
	if lap.Port() != 0 {
		cfg.LocalPort = lap.Port()
	}
	return DialIP(ctx, rap.Addr(), rap.Port(), lap.Addr(), cfg)
}

// parseHostPort parses host:port; an empty host means empty. Names are
// resolved, the first address winning.
func parseHostPort(ctx context.Context, s string, empty netip.Addr) (netip.AddrPort, error) {
	host, ps, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("sctp: address %q: want host:port, e.g. 127.0.0.1:38412 or [::1]:38412", s)
	}
	port, err := strconv.ParseUint(ps, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("sctp: address %q: port %q is not a number from 0 to 65535", s, ps)
	}
	ip, err := resolveHost(ctx, host, empty)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("sctp: address %q: %w", s, err)
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

func resolveHost(ctx context.Context, host string, empty netip.Addr) (netip.Addr, error) {
	if host == "" {
		return empty, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap(), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(ips) == 0 {
		return netip.Addr{}, fmt.Errorf("resolve %s: no addresses", host)
	}
	return ips[0].Unmap(), nil
}

// parseLocal parses Options.LocalAddr: "", an address, or address:port.
func parseLocal(ctx context.Context, s string) (netip.AddrPort, error) {
	if s == "" {
		return netip.AddrPort{}, nil
	}
	if _, _, err := net.SplitHostPort(s); err == nil {
		return parseHostPort(ctx, s, netip.Addr{})
	}
	ip, err := resolveHost(ctx, s, netip.Addr{})
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("sctp: local address %q: %w", s, err)
	}
	return netip.AddrPortFrom(ip, 0), nil
}

func loopbackOf(ip netip.Addr) netip.Addr {
	if ip.Is6() {
		return netip.IPv6Loopback()
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

func portOr(p, def int, name string) (uint16, error) {
	if p == 0 {
		p = def
	}
	if p < 0 || p > 65535 {
		return 0, fmt.Errorf("sctp: %s %d out of range 0-65535", name, p)
	}
	return uint16(p), nil
}

// endpointConn is an association whose Endpoint serves nothing else: the
// endpoint (and its socket) is released when the association is closed or
// aborted. Callers close every Conn, also after the peer ended it.
type endpointConn struct {
	Conn
	once    sync.Once
	release func() error
}

func (c *endpointConn) Close(ctx context.Context) error {
	err := c.Conn.Close(ctx)
	return errors.Join(err, c.releaseOnce())
}

func (c *endpointConn) Abort(reason string) error {
	err := c.Conn.Abort(reason)
	return errors.Join(err, c.releaseOnce())
}

func (c *endpointConn) releaseOnce() error {
	var err error
	c.once.Do(func() { err = c.release() })
	return err
}

// endpointListener is a listener whose Endpoint serves nothing else. The
// endpoint is released once the listener and every association it accepted
// are closed, so closing the listener leaves accepted associations running.
type endpointListener struct {
	Listener
	release func() error

	mu       sync.Mutex
	closed   bool // Close called
	live     int  // accepted, not yet closed
	released bool
}

func newEndpointListener(l Listener, e *Endpoint) *endpointListener {
	return &endpointListener{Listener: l, release: e.Close}
}

func (l *endpointListener) Accept(ctx context.Context) (Conn, error) {
	c, err := l.Listener.Accept(ctx)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		c.Abort("listener closed")
		return nil, fmt.Errorf("sctp: listener %s closed: %w", l.Addr(), ErrClosed)
	}
	l.live++
	l.mu.Unlock()
	return &endpointConn{Conn: c, release: l.connDone}, nil
}

func (l *endpointListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	l.closed = true
	last := l.live == 0 && !l.released
	l.released = l.released || last
	l.mu.Unlock()
	if last {
		err = errors.Join(err, l.release())
	}
	return err
}

func (l *endpointListener) connDone() error {
	l.mu.Lock()
	l.live--
	last := l.closed && l.live == 0 && !l.released
	l.released = l.released || last
	l.mu.Unlock()
	if last {
		return l.release()
	}
	return nil
}
