package gnbtest

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"

	"go5g/internal/n3"
)

// UPF is a fake UPF's N3 for one PDU session: it decapsulates uplink
// G-PDUs, checks their TEID and UL PDU Session Container, and answers each
// ICMP or ICMPv6 echo request and each UDP datagram as the far end would
// (addresses and ports swapped), tunnelled back on the gNB's DL TEID. It
// also keeps every other GTP-U message it receives, for the test to read.
type UPF struct {
	t    testing.TB
	uc   *net.UDPConn
	ulTE uint32
	qfi  uint8

	mu      sync.Mutex
	gnb     netip.AddrPort // where downlink goes
	dlTE    uint32
	stats   UPFStats
	signals [][]byte // non-G-PDU messages, copied
	sigCh   chan struct{}

	raPrefix netip.Prefix // answer Router Solicitations with it (AnswerRS)
	rsFrom   []netip.Addr // sources of the Router Solicitations
}

// UPFStats counts what the fake UPF saw and sent.
type UPFStats struct {
	UL         uint64 // G-PDUs on the UL TEID with the right QFI
	BadTunnel  uint64 // G-PDUs with another TEID or without/with a wrong container
	Echo4      uint64 // ICMP echo requests answered
	Echo6      uint64 // ICMPv6 echo requests answered
	UDP        uint64 // UDP datagrams echoed
	RS         uint64 // Router Solicitations (answered after AnswerRS)
	Other      uint64 // T-PDUs not answered (e.g. MLD)
	DL         uint64 // G-PDUs sent to the gNB
	DLBytes    uint64 // their T-PDU octets
	ULBytes    uint64 // T-PDU octets of UL
	Unexpected uint64 // undecodable datagrams
}

// StartUPF serves uc (bound where the session's UL tunnel points, port
// 2152) until the test ends. ulTEID and qfi are what uplink must carry.
func StartUPF(t testing.TB, uc *net.UDPConn, ulTEID uint32, qfi uint8) *UPF {
	u := &UPF{t: t, uc: uc, ulTE: ulTEID, qfi: qfi, sigCh: make(chan struct{}, 64)}
	done := make(chan struct{})
	go u.serve(done)
	t.Cleanup(func() {
		uc.Close()
		<-done
	})
	return u
}

// SetDownlink says where downlink goes: the gNB's N3 address and DL TEID.
func (u *UPF) SetDownlink(gnb netip.AddrPort, teid uint32) {
	u.mu.Lock()
	u.gnb, u.dlTE = gnb, teid
	u.mu.Unlock()
}

// Stats returns the counters.
func (u *UPF) Stats() UPFStats {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stats
}

// Signals returns the non-G-PDU messages received so far, whole.
func (u *UPF) Signals() [][]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([][]byte(nil), u.signals...)
}

// Signalled is poked after each non-G-PDU message.
func (u *UPF) Signalled() <-chan struct{} { return u.sigCh }

// Send sends raw GTP-U octets to the gNB's N3.
func (u *UPF) Send(b []byte) error {
	u.mu.Lock()
	to := u.gnb
	u.mu.Unlock()
	_, err := u.uc.WriteToUDPAddrPort(b, to)
	return err
}

// SendDL tunnels the IP packet pkt to the gNB on the DL TEID with a DL PDU
// Session Container. Spec: TS 38.415 §5.5.2.1
func (u *UPF) SendDL(pkt []byte) error {
	u.mu.Lock()
	teid := u.dlTE
	u.mu.Unlock()
	p := n3.NewGPDU(teid, pkt)
	p.AddExtension(n3.ExtensionHeader{Type: n3.ExtPDUSessionContainer,
		PDUSession: n3.PDUSessionContainer{PDUType: n3.PDUTypeDL, QFI: u.qfi}})
	b := make([]byte, p.MarshalLen())
	if _, err := p.MarshalTo(b); err != nil {
		return err
	}
	// Counted before sending, so a test that saw the packet arrive sees it
	// counted.
	u.count(func(s *UPFStats) { s.DL++; s.DLBytes += uint64(len(pkt)) })
	if err := u.Send(b); err != nil {
		u.count(func(s *UPFStats) { s.DL--; s.DLBytes -= uint64(len(pkt)) })
		return err
	}
	return nil
}

func (u *UPF) serve(done chan struct{}) {
	defer close(done)
	buf := make([]byte, 65536)
	for {
		n, _, err := u.uc.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		var p n3.Packet
		if err := p.Parse(buf[:n]); err != nil {
			u.count(func(s *UPFStats) { s.Unexpected++ })
			continue
		}
		if p.Type != n3.TypeGPDU {
			u.mu.Lock()
			u.signals = append(u.signals, append([]byte(nil), buf[:n]...))
			u.mu.Unlock()
			select {
			case u.sigCh <- struct{}{}:
			default:
			}
			continue
		}
		pc := p.PDUSession()
		if p.TEID != u.ulTE || pc == nil || pc.PDUType != n3.PDUTypeUL || pc.QFI != u.qfi {
			u.count(func(s *UPFStats) { s.BadTunnel++ })
			continue
		}
		u.count(func(s *UPFStats) { s.UL++; s.ULBytes += uint64(len(p.Payload)) })
		if rs, ra := u.answerRS(p.Payload); rs {
			u.count(func(s *UPFStats) { s.RS++ })
			if ra == nil {
				continue
			}
			if err := u.SendDL(ra); err != nil {
				u.t.Errorf("fake UPF: downlink: %v", err)
			}
			continue
		}
		reply, kind := Reflect(p.Payload)
		if reply == nil {
			u.count(func(s *UPFStats) { s.Other++ })
			continue
		}
		u.count(func(s *UPFStats) {
			switch kind {
			case 4:
				s.Echo4++
			case 6:
				s.Echo6++
			default:
				s.UDP++
			}
		})
		if err := u.SendDL(reply); err != nil {
			u.t.Errorf("fake UPF: downlink: %v", err)
		}
	}
}

func (u *UPF) count(f func(*UPFStats)) {
	u.mu.Lock()
	f(&u.stats)
	u.mu.Unlock()
}

// Reflect builds the far end's answer to an IP packet: an ICMP (kind 4)
// or ICMPv6 (kind 6) echo reply, or the UDP datagram sent back (kind
// 17), with addresses and ports swapped; nil for anything else. IPv6
// extension headers and IPv4 options are not followed.
//
// Spec: RFC 792, RFC 4443 §4.2, RFC 768, RFC 8200 §8.1
func Reflect(pkt []byte) ([]byte, int) {
	if len(pkt) < 20 {
		return nil, 0
	}
	r := append([]byte(nil), pkt...)
	switch r[0] >> 4 {
	case 4:
		ihl := int(r[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(r[2:4]))
		if ihl < 20 || total > len(r) || total < ihl+8 {
			return nil, 0
		}
		r = r[:total]
		var src [4]byte
		copy(src[:], r[12:16])
		copy(r[12:16], r[16:20])
		copy(r[16:20], src[:])
		l4 := r[ihl:]
		switch r[9] {
		case 1:
			if l4[0] != 8 {
				return nil, 0
			}
			l4[0] = 0
			l4[2], l4[3] = 0, 0
			binary.BigEndian.PutUint16(l4[2:4], ^fold(sum(l4, 0)))
			return r, 4
		case 17:
			swapPorts(l4) // the checksum covers both swaps: unchanged
			return r, 17
		}
	case 6:
		if len(r) < 48 {
			return nil, 0
		}
		total := 40 + int(binary.BigEndian.Uint16(r[4:6]))
		if total > len(r) {
			return nil, 0
		}
		r = r[:total]
		var src [16]byte
		copy(src[:], r[8:24])
		copy(r[8:24], r[24:40])
		copy(r[24:40], src[:])
		l4 := r[40:]
		switch r[6] {
		case 58:
			if l4[0] != 128 {
				return nil, 0
			}
			l4[0] = 129
			l4[2], l4[3] = 0, 0
			s := sum(r[8:40], 0) + uint32(len(l4)) + 58
			binary.BigEndian.PutUint16(l4[2:4], ^fold(sum(l4, s)))
			return r, 6
		case 17:
			swapPorts(l4)
			return r, 17
		}
	}
	return nil, 0
}

func swapPorts(l4 []byte) {
	l4[0], l4[1], l4[2], l4[3] = l4[2], l4[3], l4[0], l4[1]
}

// sum adds b as big-endian 16-bit words to s (RFC 1071).
func sum(b []byte, s uint32) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}
