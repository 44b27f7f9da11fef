package n3

import (
	"errors"
	"net"
	"net/netip"
)

// Message is one datagram of a batch. On receive, Buf is the datagram
// inside the Conn's own slot buffer (valid until the next ReadBatch), Addr
// its source, and Trunc reports a datagram longer than the slot (the tail
// is lost; drop it). On send, Buf is what to send and Addr where.
// IPv4-mapped IPv6 addresses are unmapped on receive.
type Message struct {
	Buf   []byte
	Addr  netip.AddrPort
	Trunc bool
}

// DefaultBatch and DefaultSlotSize size a Conn: 64 datagrams a system
// call, each up to 2048 octets (a 1500-octet MTU packet plus GTP-U, UDP
// and IP headers with room to spare).
const (
	DefaultBatch    = 64
	DefaultSlotSize = 2048
)

// ErrAddressFamily is returned when sending to an IPv6 address on an IPv4
// socket.
var ErrAddressFamily = errors.New("n3: destination address family does not match the socket")

// Conn reads and writes batches of GTP-U datagrams on a UDP socket, one
// system call per batch, into buffers allocated once by NewConn. One
// goroutine may read while another writes; two concurrent readers (or
// writers) are not allowed.
//
// Why not golang.org/x/net's ipv4/ipv6 ReadBatch on Linux: it is
// recvmmsg too, but it returns each source as a new *net.UDPAddr with a new
// net.IP, two allocations per packet (x/net internal/socket parseInetAddr),
// which is exactly what the fast path must not do. conn_linux.go calls
// recvmmsg/sendmmsg through the socket's syscall.RawConn with preallocated
// headers and raw sockaddrs instead; other systems use x/net's batch calls.
type Conn struct {
	uc   *net.UDPConn
	rx   []Message // slot views handed to the reader
	buf  []byte    // batch*slot octets of receive buffers
	slot int
	sys  batchSys
}

// NewConn wraps uc (bound to an IPv4 or IPv6 address) with batches of
// batch datagrams of up to slot octets; zero picks the defaults. The Conn
// owns uc from now on: Close closes it.
func NewConn(uc *net.UDPConn, batch, slot int) (*Conn, error) {
	if batch <= 0 {
		batch = DefaultBatch
	}
	if slot <= 0 {
		slot = DefaultSlotSize
	}
	c := &Conn{uc: uc, rx: make([]Message, batch), buf: make([]byte, batch*slot), slot: slot}
	if err := c.sys.init(uc, batch); err != nil {
		return nil, err
	}
	return c, nil
}

// UDPConn is the wrapped socket (for deadlines and socket options).
func (c *Conn) UDPConn() *net.UDPConn { return c.uc }

// LocalAddr is the socket's bound address.
func (c *Conn) LocalAddr() netip.AddrPort {
	a, _ := c.uc.LocalAddr().(*net.UDPAddr)
	if a == nil {
		return netip.AddrPort{}
	}
	return a.AddrPort()
}

// Close closes the socket.
func (c *Conn) Close() error { return c.uc.Close() }

// ReadBatch blocks until at least one datagram arrives and returns the
// datagrams received by one system call. The returned messages and their
// buffers are reused by the next ReadBatch.
func (c *Conn) ReadBatch() ([]Message, error) {
	for i := range c.rx {
		c.rx[i].Buf = c.buf[i*c.slot : (i+1)*c.slot : (i+1)*c.slot]
	}
	n, err := c.sys.read(c.uc, c.rx)
	return c.rx[:n], err
}

// WriteBatch sends every message of ms (in as many system calls as the
// batch size needs) and returns how many were sent. A datagram the kernel
// refuses (e.g. no route) ends the call with the error; the caller may
// retry from ms[n+1:].
func (c *Conn) WriteBatch(ms []Message) (int, error) {
	sent := 0
	for sent < len(ms) {
		n, err := c.sys.write(c.uc, ms[sent:])
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}
