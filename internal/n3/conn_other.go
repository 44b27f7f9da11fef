//go:build !linux

package n3

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batchSys uses golang.org/x/net's batch calls where we have no recvmmsg
// of our own. They allocate a source address per received datagram; the
// fast path is tuned for Linux only.
type batchSys struct {
	p4    *ipv4.PacketConn
	p6    *ipv6.PacketConn
	rmsgs []ipv4.Message
	wmsgs []ipv4.Message
	addrs []net.UDPAddr
	ips   [][16]byte
	bufs  [][1][]byte
}

func (s *batchSys) init(uc *net.UDPConn, batch int) error {
	if a, ok := uc.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() != nil {
		s.p4 = ipv4.NewPacketConn(uc)
	} else {
		s.p6 = ipv6.NewPacketConn(uc)
	}
	s.rmsgs, s.wmsgs = make([]ipv4.Message, batch), make([]ipv4.Message, batch)
	s.addrs, s.ips, s.bufs = make([]net.UDPAddr, batch), make([][16]byte, batch), make([][1][]byte, 2*batch)
	for i := range s.rmsgs {
		s.rmsgs[i].Buffers = s.bufs[i][:]
		s.wmsgs[i].Buffers = s.bufs[batch+i][:]
	}
	return nil
}

func (s *batchSys) read(_ *net.UDPConn, ms []Message) (int, error) {
	cnt := min(len(ms), len(s.rmsgs))
	for i := 0; i < cnt; i++ {
		s.rmsgs[i].Buffers[0] = ms[i].Buf
	}
	var n int
	var err error
	if s.p4 != nil {
		n, err = s.p4.ReadBatch(s.rmsgs[:cnt], 0)
	} else {
		n, err = s.p6.ReadBatch(s.rmsgs[:cnt], 0)
	}
	for i := 0; i < n; i++ {
		m := &s.rmsgs[i]
		ms[i].Buf = ms[i].Buf[:m.N]
		ms[i].Trunc = false // not reported portably by x/net
		if a, ok := m.Addr.(*net.UDPAddr); ok {
			ap := a.AddrPort()
			ms[i].Addr = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
	}
	return n, err
}

func (s *batchSys) write(_ *net.UDPConn, ms []Message) (int, error) {
	cnt := min(len(ms), len(s.wmsgs))
	for i := 0; i < cnt; i++ {
		a := &s.addrs[i]
		s.ips[i] = ms[i].Addr.Addr().As16()
		a.IP = s.ips[i][:]
		if s.p4 != nil {
			a.IP = s.ips[i][12:16]
		}
		a.Port = int(ms[i].Addr.Port())
		s.wmsgs[i].Buffers[0] = ms[i].Buf
		s.wmsgs[i].Addr = a
	}
	if s.p4 != nil {
		return s.p4.WriteBatch(s.wmsgs[:cnt], 0)
	}
	return s.p6.WriteBatch(s.wmsgs[:cnt], 0)
}
