//go:build linux

package n3

import (
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// batchSys holds the recvmmsg/sendmmsg headers, iovecs and sockaddrs, all
// allocated once, and the method values given to RawConn.Read/Write (bound
// once, so a call allocates no closure).
type batchSys struct {
	rc syscall.RawConn
	v6 bool // AF_INET6 socket (possibly dual-stack)

	rhdr  []unix.Mmsghdr
	riov  []unix.Iovec
	rname []unix.RawSockaddrInet6
	rcnt  int
	rn    int
	rerr  syscall.Errno
	readF func(fd uintptr) bool

	whdr   []unix.Mmsghdr
	wiov   []unix.Iovec
	wname  []unix.RawSockaddrInet6
	wcnt   int
	wn     int
	werr   syscall.Errno
	writeF func(fd uintptr) bool
}

func (s *batchSys) init(uc *net.UDPConn, batch int) error {
	rc, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	s.rc = rc
	var domain int
	var serr error
	if err := rc.Control(func(fd uintptr) {
		domain, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DOMAIN)
	}); err != nil {
		return err
	}
	if serr != nil {
		return os.NewSyscallError("getsockopt SO_DOMAIN", serr)
	}
	s.v6 = domain == unix.AF_INET6
	s.rhdr, s.riov, s.rname = make([]unix.Mmsghdr, batch), make([]unix.Iovec, batch), make([]unix.RawSockaddrInet6, batch)
	s.whdr, s.wiov, s.wname = make([]unix.Mmsghdr, batch), make([]unix.Iovec, batch), make([]unix.RawSockaddrInet6, batch)
	for i := 0; i < batch; i++ {
		s.rhdr[i].Hdr.Iov = &s.riov[i]
		s.rhdr[i].Hdr.SetIovlen(1)
		s.whdr[i].Hdr.Iov = &s.wiov[i]
		s.whdr[i].Hdr.SetIovlen(1)
		s.whdr[i].Hdr.Name = (*byte)(unsafe.Pointer(&s.wname[i]))
	}
	s.readF = s.recvmmsg
	s.writeF = s.sendmmsg
	return nil
}

func (s *batchSys) recvmmsg(fd uintptr) bool {
	n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&s.rhdr[0])), uintptr(s.rcnt), 0, 0, 0)
	if e == unix.EAGAIN || e == unix.EINTR {
		return false // RawConn waits for readability, then calls again
	}
	s.rn, s.rerr = int(n), e
	return true
}

func (s *batchSys) sendmmsg(fd uintptr) bool {
	n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&s.whdr[0])), uintptr(s.wcnt), 0, 0, 0)
	if e == unix.EAGAIN || e == unix.EINTR {
		return false
	}
	s.wn, s.werr = int(n), e
	return true
}

func (s *batchSys) read(_ *net.UDPConn, ms []Message) (int, error) {
	cnt := min(len(ms), len(s.rhdr))
	for i := 0; i < cnt; i++ {
		h := &s.rhdr[i]
		s.riov[i].Base = unsafe.SliceData(ms[i].Buf)
		s.riov[i].SetLen(len(ms[i].Buf))
		h.Hdr.Name = (*byte)(unsafe.Pointer(&s.rname[i]))
		h.Hdr.Namelen = unix.SizeofSockaddrInet6
		h.Hdr.Flags = 0
		h.Len = 0
	}
	s.rcnt, s.rn, s.rerr = cnt, 0, 0
	if err := s.rc.Read(s.readF); err != nil {
		return 0, err
	}
	if s.rerr != 0 {
		return 0, os.NewSyscallError("recvmmsg", s.rerr)
	}
	for i := 0; i < s.rn; i++ {
		h := &s.rhdr[i]
		ms[i].Buf = ms[i].Buf[:h.Len]
		ms[i].Trunc = h.Hdr.Flags&unix.MSG_TRUNC != 0
		ms[i].Addr = sockaddrToAddrPort(&s.rname[i])
	}
	return s.rn, nil
}

// sockaddrToAddrPort decodes a kernel sockaddr_in or sockaddr_in6. The
// IPv6 scope id is dropped: naming it would allocate, and N3 peers are not
// link-local.
func sockaddrToAddrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	port := uint16(p[0])<<8 | uint16(p[1])
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	case unix.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port)
	}
	return netip.AddrPort{}
}

func (s *batchSys) write(_ *net.UDPConn, ms []Message) (int, error) {
	cnt := min(len(ms), len(s.whdr))
	for i := 0; i < cnt; i++ {
		h := &s.whdr[i]
		s.wiov[i].Base = unsafe.SliceData(ms[i].Buf)
		s.wiov[i].SetLen(len(ms[i].Buf))
		a := ms[i].Addr.Addr()
		sa := &s.wname[i]
		pb := (*[2]byte)(unsafe.Pointer(&sa.Port))
		if s.v6 {
			*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.As16()}
			h.Hdr.Namelen = unix.SizeofSockaddrInet6
		} else {
			if !a.Is4() && !a.Is4In6() {
				if i == 0 {
					return 0, ErrAddressFamily
				}
				cnt = i
				break
			}
			sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
			*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.Unmap().As4()}
			h.Hdr.Namelen = unix.SizeofSockaddrInet4
		}
		port := ms[i].Addr.Port()
		pb[0], pb[1] = byte(port>>8), byte(port)
		h.Len = 0
	}
	s.wcnt, s.wn, s.werr = cnt, 0, 0
	if err := s.rc.Write(s.writeF); err != nil {
		return 0, err
	}
	if s.werr != 0 {
		return 0, os.NewSyscallError("sendmmsg", s.werr)
	}
	return s.wn, nil
}
