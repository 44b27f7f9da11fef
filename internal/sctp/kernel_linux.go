//go:build linux

package sctp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux SCTP socket API values (linux/sctp.h; x/sys/unix does not carry
// them). Spec: RFC 6458 (sockets API extensions for SCTP).
const (
	solSCTP = unix.IPPROTO_SCTP

	sctpRTOInfo        = 0  // struct sctp_rtoinfo, RFC 6458 §8.1.1
	sctpAssocInfo      = 1  // struct sctp_assocparams, RFC 6458 §8.1.2
	sctpInitMsg        = 2  // struct sctp_initmsg, RFC 6458 §8.1.3
	sctpNoDelay        = 3  // int, RFC 6458 §8.1.5
	sctpPeerAddrParams = 9  // struct sctp_paddrparams, RFC 6458 §8.1.12
	sctpEvents         = 11 // struct sctp_event_subscribe (legacy, every kernel)
	sctpStatus         = 14 // struct sctp_status, RFC 6458 §8.2.1
	sctpRecvRcvInfo    = 32 // int, RFC 6458 §8.1.29

	cmsgSndInfo = 2 // SCTP_SNDINFO, RFC 6458 §5.3.4
	cmsgRcvInfo = 3 // SCTP_RCVINFO, RFC 6458 §5.3.5

	flagUnordered   = 1      // SCTP_UNORDERED in snd_flags / rcv_flags
	msgNotification = 0x8000 // MSG_NOTIFICATION in recvmsg flags
	sppHBEnable     = 1      // SPP_HB_ENABLE

	snAssocChange    = 0x8001 // SCTP_ASSOC_CHANGE notification type
	sacCommUp        = 0
	sacCommLost      = 1
	sacShutdownComp  = 3
	sacCantStrAssoc  = 4
	sndInfoLen       = 16  // sizeof(struct sctp_sndinfo)
	rcvInfoMinLen    = 12  // rcv_sid, rcv_ssn, rcv_flags, pad, rcv_ppid
	statusLen        = 176 // sizeof(struct sctp_status)
	paddrParamsLen   = 152 // up to spp_flags: the size every kernel accepts
	kernelListenBack = 128
)

// errKernelShutdown: the association ended with the SHUTDOWN sequence.
var errKernelShutdown = errors.New("shut down")

// KernelAvailable reports whether this kernel can open SCTP sockets. The
// error wraps ErrNoKernelSCTP when it cannot.
func KernelAvailable() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_SCTP)
	if err != nil {
		return kernelSocketError(err)
	}
	unix.Close(fd)
	return nil
}

func kernelSocketError(err error) error {
	if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.ESOCKTNOSUPPORT) {
		return fmt.Errorf("%w: socket: %w", ErrNoKernelSCTP, err)
	}
	return fmt.Errorf("sctp: kernel socket: %w", err)
}

// ListenKernel listens on addr with a one-to-one style kernel SCTP socket.
func ListenKernel(addr netip.AddrPort, cfg Config) (Listener, error) {
	f, err := kernelSocket(addr.Addr(), cfg)
	if err != nil {
		return nil, err
	}
	var serr error
	rc, err := f.SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) {
			if serr = unix.Bind(int(fd), sockaddr(addr)); serr != nil {
				serr = fmt.Errorf("bind %s: %w", addr, serr)
				return
			}
			if serr = unix.Listen(int(fd), kernelListenBack); serr != nil {
				serr = fmt.Errorf("listen: %w", serr)
			}
		})
	}
	if err = errors.Join(err, serr); err != nil {
		f.Close()
		return nil, fmt.Errorf("sctp: kernel %w", err)
	}
	l := &kernelListener{f: f, rc: rc, cfg: cfg, addr: kernelAddr(rc, unix.Getsockname)}
	return l, nil
}

// DialKernel opens an association to raddr with a kernel SCTP socket.
func DialKernel(ctx context.Context, raddr netip.AddrPort, cfg Config) (Conn, error) {
	return dialKernel(ctx, netip.AddrPort{}, raddr, cfg)
}

// dialKernel binds to laddr first when it is valid.
func dialKernel(ctx context.Context, laddr, raddr netip.AddrPort, cfg Config) (Conn, error) {
	f, err := kernelSocket(raddr.Addr(), cfg)
	if err != nil {
		return nil, err
	}
	c, err := connectKernel(ctx, f, laddr, raddr)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sctp: kernel dial %s: %w", raddr, err)
	}
	return c, nil
}

func connectKernel(ctx context.Context, f *os.File, laddr, raddr netip.AddrPort) (*kernelConn, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		if laddr.Addr().IsValid() {
			if serr = unix.Bind(int(fd), sockaddr(laddr)); serr != nil {
				serr = fmt.Errorf("bind %s: %w", laddr, serr)
				return
			}
		}
		serr = unix.Connect(int(fd), sockaddr(raddr))
	}); err != nil {
		return nil, err
	}
	if serr != nil && !errors.Is(serr, unix.EINPROGRESS) {
		return nil, serr
	}
	// Wait for COOKIE ACK: the socket turns writable once ESTABLISHED, or
	// reports the failure (INIT retransmissions exhausted, ABORT) in SO_ERROR.
	stop := interruptOnDone(ctx, f.SetWriteDeadline)
	werr := rc.Write(func(fd uintptr) bool {
		v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case err != nil:
			serr = err
			return true
		case v != 0:
			serr = syscall.Errno(v)
			return true
		}
		_, err = unix.Getpeername(int(fd))
		serr = err
		return !errors.Is(err, unix.ENOTCONN)
	})
	stop()
	if werr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, werr
	}
	if serr != nil {
		return nil, serr
	}
	return newKernelConn(f, rc), nil
}

// kernelSocket opens a non-blocking one-to-one style SCTP socket for the
// family of ip, with cfg applied, owned by the runtime poller.
func kernelSocket(ip netip.Addr, cfg Config) (*os.File, error) {
	family := unix.AF_INET6
	if ip.Is4() || ip.Is4In6() || !ip.IsValid() {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_SCTP)
	if err != nil {
		return nil, kernelSocketError(err)
	}
	if err := setKernelOptions(fd, cfg); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("sctp: kernel socket options: %w", err)
	}
	return os.NewFile(uintptr(fd), "sctp"), nil
}

// setKernelOptions maps Config onto the kernel's socket options. Zero values
// keep the kernel's defaults (net.sctp sysctls).
func setKernelOptions(fd int, cfg Config) error {
	for _, o := range kernelOptions(cfg) {
		var err error
		if o.val != nil {
			err = unix.SetsockoptString(fd, o.level, o.opt, string(o.val))
		} else {
			err = unix.SetsockoptInt(fd, o.level, o.opt, o.ival)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
	}
	return nil
}

// sockopt is one socket option to set: val for a structure, ival for an int.
type sockopt struct {
	name       string
	level, opt int
	val        []byte
	ival       int
}

// kernelOptions encodes cfg as socket options, skipping what cfg leaves
// at zero. Structures are laid out as in linux/sctp.h.
func kernelOptions(cfg Config) []sockopt {
	ne := binary.NativeEndian
	var init [8]byte // struct sctp_initmsg
	ne.PutUint16(init[0:], cfg.OutStreams)
	ne.PutUint16(init[2:], cfg.MaxInStreams)
	ne.PutUint16(init[4:], clampU16(cfg.MaxInitRetransmits))
	ne.PutUint16(init[6:], clampU16(int(cfg.RTOMax/time.Millisecond)))
	var rto [16]byte // struct sctp_rtoinfo, milliseconds
	ne.PutUint32(rto[4:], millis(cfg.RTOInitial))
	ne.PutUint32(rto[8:], millis(cfg.RTOMax))
	ne.PutUint32(rto[12:], millis(cfg.RTOMin))
	var assoc [20]byte // struct sctp_assocparams
	ne.PutUint16(assoc[4:], clampU16(cfg.AssociationMaxRetrans))
	ne.PutUint32(assoc[16:], millis(cfg.ValidCookieLife))
	var paddr [paddrParamsLen]byte // struct sctp_paddrparams, wildcard address
	ne.PutUint32(paddr[132:], millis(cfg.HeartbeatInterval))
	ne.PutUint16(paddr[136:], clampU16(cfg.PathMaxRetrans))
	if cfg.HeartbeatInterval > 0 {
		ne.PutUint32(paddr[146:], sppHBEnable)
	}
	// Deliver ASSOC_CHANGE notifications: a graceful end we initiated shows
	// up only as SHUTDOWN_COMP (the socket never reads EOF then).
	events := []byte{0, 1} // sctp_data_io_event off, sctp_association_event on

	var opts []sockopt
	add := func(skip bool, o sockopt) {
		if !skip {
			opts = append(opts, o)
		}
	}
	add(false, sockopt{"SCTP_INITMSG", solSCTP, sctpInitMsg, init[:], 0})
	add(cfg.RTOInitial <= 0 && cfg.RTOMax <= 0 && cfg.RTOMin <= 0,
		sockopt{"SCTP_RTOINFO", solSCTP, sctpRTOInfo, rto[:], 0})
	add(cfg.AssociationMaxRetrans <= 0 && cfg.ValidCookieLife <= 0,
		sockopt{"SCTP_ASSOCINFO", solSCTP, sctpAssocInfo, assoc[:], 0})
	add(cfg.HeartbeatInterval <= 0 && cfg.PathMaxRetrans <= 0,
		sockopt{"SCTP_PEER_ADDR_PARAMS", solSCTP, sctpPeerAddrParams, paddr[:], 0})
	add(false, sockopt{"SCTP_EVENTS", solSCTP, sctpEvents, events, 0})
	add(false, sockopt{"SCTP_NODELAY", solSCTP, sctpNoDelay, nil, 1})
	add(false, sockopt{"SCTP_RECVRCVINFO", solSCTP, sctpRecvRcvInfo, nil, 1})
	add(cfg.SendBuffer <= 0, sockopt{"SO_SNDBUF", unix.SOL_SOCKET, unix.SO_SNDBUF, nil, cfg.SendBuffer})
	add(cfg.ReceiveWindow <= 0, sockopt{"SO_RCVBUF", unix.SOL_SOCKET, unix.SO_RCVBUF, nil, cfg.ReceiveWindow})
	return opts
}

// kernelListener is a listening one-to-one style socket.
type kernelListener struct {
	f      *os.File
	rc     syscall.RawConn
	cfg    Config
	addr   net.Addr
	closed atomic.Bool // the poller's "use of closed file" is not os.ErrClosed
}

func (l *kernelListener) Accept(ctx context.Context) (Conn, error) {
	var nfd int
	var aerr error
	stop := interruptOnDone(ctx, l.f.SetReadDeadline)
	err := l.rc.Read(func(fd uintptr) bool {
		nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		return !errors.Is(aerr, unix.EAGAIN)
	})
	stop()
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case l.closed.Load():
		return nil, fmt.Errorf("sctp: kernel listener %s closed: %w", l.addr, ErrClosed)
	case err != nil:
		return nil, fmt.Errorf("sctp: kernel accept: %w", err)
	case aerr != nil:
		return nil, fmt.Errorf("sctp: kernel accept: %w", aerr)
	}
	// The accepted socket inherits the listener's SCTP options; Nagle-like
	// bundling delay is per socket on some kernels, so set it again.
	if err := unix.SetsockoptInt(nfd, solSCTP, sctpNoDelay, 1); err != nil {
		unix.Close(nfd)
		return nil, fmt.Errorf("sctp: kernel accept: SCTP_NODELAY: %w", err)
	}
	f := os.NewFile(uintptr(nfd), "sctp")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sctp: kernel accept: %w", err)
	}
	return newKernelConn(f, rc), nil
}

func (l *kernelListener) Close() error {
	l.closed.Store(true)
	return l.f.Close()
}

func (l *kernelListener) Addr() net.Addr { return l.addr }

// kernelConn is one association on a one-to-one style kernel socket.
// Sends and receives are each serialized (a channel, so a waiting caller
// still sees its ctx); the read deadline carries Recv's ctx, the write
// deadline Send's.
type kernelConn struct {
	f              *os.File
	rc             syscall.RawConn
	laddr, raddr   net.Addr
	streams        atomic.Uint32 // outbound streams: SCTP_STATUS, else COMM_UP
	closed         atomic.Bool   // Close or Abort closed f
	sendMu, recvMu chan struct{}

	// Guarded by recvMu.
	buf, oob []byte
	rerr     error // sticky: the association has ended
}

func newKernelConn(f *os.File, rc syscall.RawConn) *kernelConn {
	c := &kernelConn{
		f: f, rc: rc,
		laddr:  kernelAddr(rc, unix.Getsockname),
		raddr:  kernelAddr(rc, unix.Getpeername),
		sendMu: make(chan struct{}, 1),
		recvMu: make(chan struct{}, 1),
		buf:    make([]byte, 64<<10),
		oob:    make([]byte, unix.CmsgSpace(32)),
	}
	var st [statusLen]byte
	_ = rc.Control(func(fd uintptr) {
		if n, err := getsockopt(int(fd), solSCTP, sctpStatus, st[:]); err == nil && n >= 20 {
			c.streams.Store(uint32(binary.NativeEndian.Uint16(st[18:]))) // sstat_outstrms
		}
	})
	return c
}

func lock(ctx context.Context, mu chan struct{}) error {
	select {
	case mu <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Send sends m as one SCTP user message. PPID goes in network byte order:
// the kernel copies snd_ppid into the DATA chunk unchanged.
// Spec: RFC 6458 §5.3.4.
func (c *kernelConn) Send(ctx context.Context, m Message) error {
	if len(m.Data) == 0 {
		// Spec: RFC 9260 §6.2: a DATA chunk carries at least one byte.
		return errors.New("sctp: empty message")
	}
	if err := lock(ctx, c.sendMu); err != nil {
		return err
	}
	defer func() { <-c.sendMu }()
	oob := sndInfo(m)
	var serr error
	stop := interruptOnDone(ctx, c.f.SetWriteDeadline)
	err := c.rc.Write(func(fd uintptr) bool {
		_, serr = unix.SendmsgN(int(fd), m.Data, oob, nil, unix.MSG_NOSIGNAL)
		return !errors.Is(serr, unix.EAGAIN)
	})
	stop()
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return c.ended(err)
	case serr != nil:
		return c.ended(serr)
	}
	return nil
}

// sndInfo is the SCTP_SNDINFO control message for m. Spec: RFC 6458 §5.3.4.
func sndInfo(m Message) []byte {
	oob := make([]byte, unix.CmsgSpace(sndInfoLen))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level, h.Type = solSCTP, cmsgSndInfo
	h.SetLen(unix.CmsgLen(sndInfoLen))
	info := oob[unix.CmsgLen(0):]
	binary.NativeEndian.PutUint16(info[0:], m.Stream) // snd_sid
	if m.Unordered {
		binary.NativeEndian.PutUint16(info[2:], flagUnordered) // snd_flags
	}
	binary.BigEndian.PutUint32(info[4:], m.PPID) // snd_ppid, as on the wire
	return oob
}

// ended maps a socket error to the package's association errors.
func (c *kernelConn) ended(err error) error {
	switch {
	case c.closed.Load():
		return fmt.Errorf("sctp: kernel association %s: %w", c.raddr, ErrClosed)
	case errors.Is(err, unix.ECONNRESET):
		return fmt.Errorf("sctp: kernel association %s: %w: %w", c.raddr, ErrClosed, ErrAborted)
	case errors.Is(err, unix.ETIMEDOUT):
		return fmt.Errorf("sctp: kernel association %s: %w: %w", c.raddr, ErrClosed, ErrPeerUnreachable)
	case errors.Is(err, errKernelShutdown), errors.Is(err, unix.EPIPE), errors.Is(err, unix.ENOTCONN):
		return fmt.Errorf("sctp: kernel association %s: %w: %w", c.raddr, ErrClosed, err)
	}
	return fmt.Errorf("sctp: kernel association %s: %w", c.raddr, err)
}

// Recv reads one whole message, joining partial deliveries until MSG_EOR.
func (c *kernelConn) Recv(ctx context.Context) (Message, error) {
	if err := lock(ctx, c.recvMu); err != nil {
		return Message{}, err
	}
	defer func() { <-c.recvMu }()
	if c.rerr != nil {
		return Message{}, c.rerr
	}
	stop := interruptOnDone(ctx, c.f.SetReadDeadline)
	m, err := c.recv()
	stop()
	if err != nil && ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return Message{}, ctx.Err()
	}
	return m, err
}

// recv returns the next user message, handling notifications on the way.
// The caller holds recvMu.
func (c *kernelConn) recv() (Message, error) {
	var m Message
	var data []byte
	first := true
	for {
		var n, oobn, flags int
		var rerr error
		err := c.rc.Read(func(fd uintptr) bool {
			n, oobn, flags, _, rerr = unix.Recvmsg(int(fd), c.buf, c.oob, 0)
			return !errors.Is(rerr, unix.EAGAIN)
		})
		if err == nil {
			err = rerr
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return Message{}, err
			}
			c.rerr = c.ended(err)
			return Message{}, c.rerr
		}
		if n == 0 && flags&(msgNotification|unix.MSG_EOR) == 0 {
			// EOF: the peer shut the association down.
			c.rerr = c.ended(errKernelShutdown)
			return Message{}, c.rerr
		}
		if flags&msgNotification != 0 {
			data = append(data, c.buf[:n]...)
			if flags&unix.MSG_EOR == 0 {
				continue
			}
			if err := c.notification(data); err != nil {
				c.rerr = err
				return Message{}, err
			}
			data, first = data[:0], true
			continue
		}
		if first {
			first = false
			m = Message{}
			rcvInfo(&m, c.oob[:oobn])
			if flags&unix.MSG_EOR != 0 {
				m.Data = append([]byte(nil), c.buf[:n]...)
				return m, nil
			}
		}
		data = append(data, c.buf[:n]...)
		if flags&unix.MSG_EOR != 0 {
			m.Data = data
			return m, nil
		}
	}
}

// rcvInfo fills stream, PPID and the unordered flag from SCTP_RCVINFO.
// Spec: RFC 6458 §5.3.5.
func rcvInfo(m *Message, oob []byte) {
	cmsgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for _, cm := range cmsgs {
		if cm.Header.Level != solSCTP || cm.Header.Type != cmsgRcvInfo || len(cm.Data) < rcvInfoMinLen {
			continue
		}
		m.Stream = binary.NativeEndian.Uint16(cm.Data[0:])                       // rcv_sid
		m.Unordered = binary.NativeEndian.Uint16(cm.Data[4:])&flagUnordered != 0 // rcv_flags
		m.PPID = binary.BigEndian.Uint32(cm.Data[8:])                            // rcv_ppid, as on the wire
	}
}

// notification handles an SCTP_ASSOC_CHANGE event; it returns the end of
// the association, if it is one. Spec: RFC 6458 §6.1.1.
func (c *kernelConn) notification(b []byte) error {
	state, out, ok := assocChange(b)
	if !ok {
		return nil
	}
	switch state {
	case sacCommLost, sacCantStrAssoc:
		// SO_ERROR tells an ABORT (ECONNRESET) from a timeout (ETIMEDOUT).
		var soErr int
		_ = c.rc.Control(func(fd uintptr) {
			soErr, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		})
		if soErr == 0 {
			soErr = int(unix.ECONNRESET)
		}
		return c.ended(syscall.Errno(soErr))
	case sacShutdownComp:
		return c.ended(errKernelShutdown)
	case sacCommUp:
		c.streams.CompareAndSwap(0, uint32(out))
	}
	return nil
}

// assocChange decodes an SCTP_ASSOC_CHANGE notification: sac_state and
// sac_outbound_streams. Spec: RFC 6458 §6.1.1.
func assocChange(b []byte) (state, outStreams uint16, ok bool) {
	ne := binary.NativeEndian
	if len(b) < 16 || ne.Uint16(b[0:]) != snAssocChange {
		return 0, 0, false
	}
	return ne.Uint16(b[8:]), ne.Uint16(b[12:]), true
}

// Close shuts the association down gracefully: SHUTDOWN goes out once the
// queued data is acknowledged, then Close waits for SHUTDOWN COMPLETE,
// discarding messages nobody read (Linux aborts instead of shutting down
// when a socket is closed with unread data). Spec: RFC 6458 §4.1.7.
func (c *kernelConn) Close(ctx context.Context) error {
	var serr error
	if err := c.rc.Control(func(fd uintptr) { serr = unix.Shutdown(int(fd), unix.SHUT_WR) }); err != nil {
		return nil // already closed or aborted
	}
	var werr error // set when ctx ended the wait
	if serr == nil {
		if werr = lock(ctx, c.recvMu); werr == nil {
			stop := interruptOnDone(ctx, c.f.SetReadDeadline)
			for c.rerr == nil {
				if _, err := c.recv(); err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
					werr = ctx.Err()
					break
				}
			}
			stop()
			<-c.recvMu
		}
	}
	// If ctx ended the wait, the kernel goes on with the SHUTDOWN sequence.
	c.closeFile()
	return werr
}

// Abort closes the socket with a zero linger time, which sends ABORT. Linux
// one-to-one sockets cannot carry the reason (SCTP_ABORT with a cause is
// refused on them), so the peer sees a User-Initiated Abort without text.
// Spec: RFC 6458 §8.1.4.
func (c *kernelConn) Abort(reason string) error {
	var serr error
	if err := c.rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	}); err != nil {
		return nil // already closed
	}
	return errors.Join(serr, c.closeFile())
}

func (c *kernelConn) LocalAddr() net.Addr  { return c.laddr }
func (c *kernelConn) RemoteAddr() net.Addr { return c.raddr }
func (c *kernelConn) Streams() uint16      { return uint16(c.streams.Load()) }

func (c *kernelConn) closeFile() error {
	c.closed.Store(true)
	return c.f.Close()
}

// interruptOnDone makes a blocked poller wait return when ctx is done, by
// moving the deadline set controls into the past; stop restores it.
func interruptOnDone(ctx context.Context, set func(time.Time) error) (stop func()) {
	if ctx.Done() == nil {
		return func() {}
	}
	fired := make(chan struct{})
	cancel := context.AfterFunc(ctx, func() {
		_ = set(time.Unix(1, 0))
		close(fired)
	})
	return func() {
		if !cancel() {
			<-fired
			_ = set(time.Time{})
		}
	}
}

func getsockopt(fd, level, opt int, b []byte) (int, error) {
	l := uint32(len(b))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt),
		uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return 0, e
	}
	return int(l), nil
}

func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	ip := ap.Addr()
	if !ip.IsValid() || ip.Is4() || ip.Is4In6() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ip.Unmap().As4()}
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	if z := ip.Zone(); z != "" {
		if ifi, err := net.InterfaceByName(z); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		}
	}
	return sa
}

func kernelAddr(rc syscall.RawConn, get func(int) (unix.Sockaddr, error)) net.Addr {
	var sa unix.Sockaddr
	_ = rc.Control(func(fd uintptr) { sa, _ = get(int(fd)) })
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return Addr{IP: netip.AddrFrom4(sa.Addr), Port: uint16(sa.Port)}
	case *unix.SockaddrInet6:
		return Addr{IP: netip.AddrFrom16(sa.Addr).Unmap(), Port: uint16(sa.Port)}
	}
	return Addr{}
}

func millis(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	return uint32(min(d/time.Millisecond, 1<<32-1))
}

func clampU16(v int) uint16 { return uint16(max(0, min(v, 1<<16-1))) }
