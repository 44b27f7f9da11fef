package tun_test

import (
	"encoding/binary"
	"net/netip"
)

// Hand-built packets for the tests: the kernel is the oracle, since it drops
// anything with a bad header or checksum.

// csum is the Internet checksum (RFC 1071) of b folded with sum.
func csum(sum uint32, b []byte) uint16 {
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// pseudoSum is the partial sum of the IPv4 or IPv6 pseudo-header.
// Spec: RFC 768 (IPv4 pseudo-header); RFC 8200 §8.1 (IPv6).
func pseudoSum(src, dst netip.Addr, proto uint8, length int) uint32 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
	}
	s, d := src.AsSlice(), dst.AsSlice()
	add(s)
	add(d)
	sum += uint32(proto) + uint32(length)
	return sum
}

// ipHeader writes an IPv4 (20 bytes) or IPv6 (40 bytes) header for a
// payload of n bytes into b and returns the header length.
// Spec: RFC 791 §3.1; RFC 8200 §3.
func ipHeader(b []byte, src, dst netip.Addr, proto uint8, n int) int {
	if src.Is4() {
		h := b[:20]
		clear(h)
		h[0] = 0x45
		binary.BigEndian.PutUint16(h[2:], uint16(20+n))
		h[6] = 0x40 // don't fragment
		h[8] = 64
		h[9] = proto
		s, d := src.As4(), dst.As4()
		copy(h[12:], s[:])
		copy(h[16:], d[:])
		binary.BigEndian.PutUint16(h[10:], csum(0, h))
		return 20
	}
	h := b[:40]
	clear(h)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(n))
	h[6] = proto
	h[7] = 64
	s, d := src.As16(), dst.As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return 40
}

// udpPacket builds an IPv4 or IPv6 UDP datagram into b and returns its length.
// Spec: RFC 768.
func udpPacket(b []byte, src, dst netip.AddrPort, payload []byte) int {
	n := 8 + len(payload)
	hl := ipHeader(b, src.Addr(), dst.Addr(), 17, n)
	u := b[hl : hl+n]
	binary.BigEndian.PutUint16(u[0:], src.Port())
	binary.BigEndian.PutUint16(u[2:], dst.Port())
	binary.BigEndian.PutUint16(u[4:], uint16(n))
	u[6], u[7] = 0, 0
	copy(u[8:], payload)
	c := csum(pseudoSum(src.Addr(), dst.Addr(), 17, n), u)
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(u[6:], c)
	return hl + n
}

// echoRequest builds an ICMP (IPv4) or ICMPv6 echo request of total length
// size into b and returns size. Spec: RFC 792; RFC 4443 §4.1.
func echoRequest(b []byte, src, dst netip.Addr, id, seq uint16, size int) int {
	hl := 20
	proto, typ := uint8(1), uint8(8)
	if src.Is6() {
		hl, proto, typ = 40, 58, 128
	}
	n := size - hl
	ipHeader(b, src, dst, proto, n)
	m := b[hl:size]
	m[0], m[1], m[2], m[3] = typ, 0, 0, 0
	binary.BigEndian.PutUint16(m[4:], id)
	binary.BigEndian.PutUint16(m[6:], seq)
	for i := 8; i < n; i++ {
		m[i] = byte(i)
	}
	var sum uint32
	if src.Is6() {
		sum = pseudoSum(src, dst, proto, n)
	}
	binary.BigEndian.PutUint16(m[2:], csum(sum, m))
	return size
}

// isEchoReply reports whether p is an echo reply from src to dst with id
// and seq. The kernel sends unrelated packets into a new TUN (IPv6 router
// solicitations, MLD reports), which the tests skip with this.
func isEchoReply(p []byte, src, dst netip.Addr, id, seq uint16) bool {
	var hl int
	var typ uint8
	switch {
	case len(p) >= 28 && p[0]>>4 == 4 && src.Is4():
		hl, typ = int(p[0]&0x0f)*4, 0
		if p[9] != 1 || netip.AddrFrom4([4]byte(p[12:16])) != src || netip.AddrFrom4([4]byte(p[16:20])) != dst {
			return false
		}
	case len(p) >= 48 && p[0]>>4 == 6 && src.Is6():
		hl, typ = 40, 129
		if p[6] != 58 || netip.AddrFrom16([16]byte(p[8:24])) != src || netip.AddrFrom16([16]byte(p[24:40])) != dst {
			return false
		}
	default:
		return false
	}
	m := p[hl:]
	return len(m) >= 8 && m[0] == typ && binary.BigEndian.Uint16(m[4:]) == id && binary.BigEndian.Uint16(m[6:]) == seq
}
