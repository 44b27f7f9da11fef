package gnbtest

import (
	"encoding/binary"
	"net/netip"
)

// AnswerRS makes the fake UPF answer each uplink Router Solicitation with
// RouterAdvertisement(prefix), as the real UPF does; by default it only
// counts them.
func (u *UPF) AnswerRS(prefix netip.Prefix) {
	u.mu.Lock()
	u.raPrefix = prefix
	u.mu.Unlock()
}

// Solicitors returns the source addresses of the Router Solicitations
// received so far, in order (the kernel may send its own).
func (u *UPF) Solicitors() []netip.Addr {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]netip.Addr(nil), u.rsFrom...)
}

// answerRS reports whether pkt is a Router Solicitation (ICMPv6 type 133
// right after the IPv6 header) and returns the advertisement answering
// it, nil when solicitations go unanswered.
func (u *UPF) answerRS(pkt []byte) (bool, []byte) {
	if len(pkt) < 48 || pkt[0]>>4 != 6 || pkt[6] != 58 || pkt[40] != 133 {
		return false, nil
	}
	u.mu.Lock()
	p := u.raPrefix
	u.rsFrom = append(u.rsFrom, netip.AddrFrom16([16]byte(pkt[8:24])))
	u.mu.Unlock()
	if !p.IsValid() {
		return true, nil
	}
	return true, RouterAdvertisement(p)
}

// RouterAdvertisement is an RA from fe80::1 to all nodes with one Prefix
// Information option (on-link, autonomous). Spec: RFC 4861 §4.2, §4.6.2
func RouterAdvertisement(p netip.Prefix) []byte {
	ra := []byte{134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0}
	pio := make([]byte, 32)
	pio[0], pio[1], pio[2], pio[3] = 3, 4, byte(p.Bits()), 0xc0
	binary.BigEndian.PutUint32(pio[4:], 86400)
	binary.BigEndian.PutUint32(pio[8:], 14400)
	a := p.Addr().As16()
	copy(pio[16:], a[:])
	icmp := append(ra, pio...)
	src := netip.MustParseAddr("fe80::1").As16()
	dst := netip.MustParseAddr("ff02::1").As16()
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(icmp)))
	h[6], h[7] = 58, 255
	copy(h[8:], src[:])
	copy(h[24:], dst[:])
	s := sum(icmp, sum(h[8:40], uint32(len(icmp))+58))
	binary.BigEndian.PutUint16(icmp[2:], ^fold(s))
	return append(h, icmp...)
}
