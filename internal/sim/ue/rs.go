package ue

import (
	"encoding/binary"
	"time"

	"go5g/internal/sim/gnb"
)

// Router Solicitation on a PDU session's link: the UE asks for the Router
// Advertisement that brings its /64 prefix instead of waiting for the
// network's next unsolicited one.
//
// Spec: RFC 4861 §6.3.7, §10 (MAX_RTR_SOLICITATIONS 3,
// RTR_SOLICITATION_INTERVAL 4 s); TS 23.501 §5.8.2.2.2

// rsLen is an IPv6 header and a Router Solicitation without options: the
// PDU session has no link-layer address to put in a Source Link-Layer
// Address option (RFC 4861 §4.1).
const rsLen = 40 + 8

// Solicitations: up to MAX_RTR_SOLICITATIONS, each separated by
// RTR_SOLICITATION_INTERVAL. The random initial delay of RFC 4861 §6.3.7
// (a SHOULD, against many hosts soliciting at once on a shared link) is
// left out: a PDU session is a point-to-point link with this UE alone.
const (
	maxRtrSolicitations     = 3
	rtrSolicitationInterval = 4 * time.Second
)

// buildRS writes into b (at least rsLen octets) an IPv6 packet carrying a
// Router Solicitation from the link-local address fe80::iid to
// all-routers, and returns its length.
//
// Spec: RFC 4861 §4.1 (RS), §6.1.1 (hop limit 255, code 0); RFC 4291
// §2.7.1 (ff02::2); RFC 4443 §2.3, RFC 8200 §8.1 (checksum)
func buildRS(b []byte, iid [8]byte) int {
	b = b[:rsLen]
	clear(b)
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], rsLen-40)
	b[6], b[7] = 58, 255 // ICMPv6, hop limit
	b[8], b[9] = 0xfe, 0x80
	copy(b[16:24], iid[:])
	b[24], b[25], b[39] = 0xff, 0x02, 0x02
	m := b[40:]
	m[0] = 133 // Router Solicitation; code, checksum, reserved 0
	var s uint32 = rsLen - 40 + 58
	for _, w := range [][]byte{b[8:40], m} {
		for i := 0; i+1 < len(w); i += 2 {
			s += uint32(w[i])<<8 | uint32(w[i+1])
		}
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	binary.BigEndian.PutUint16(m[2:], ^uint16(s))
	return rsLen
}

// solicit sends Router Solicitations uplink until the IPv6 prefix is
// known, 3 at most, or until stop is closed.
func (t *TUN) solicit(stop <-chan struct{}) {
	defer close(t.rsDone)
	buf := make([]byte, gnb.ULHeadroom+rsLen)
	for i := range maxRtrSolicitations {
		// The first is sent at start-up whatever else arrived (RFC 4861
		// §6.3.7); the others only while no prefix is known.
		if i > 0 && t.v6.Load() {
			return
		}
		n := buildRS(buf[gnb.ULHeadroom:], t.sess.IPv6IID)
		t.sendUplink(buf[:gnb.ULHeadroom+n])
		select {
		case <-stop:
			return
		case <-time.After(rtrSolicitationInterval):
		}
	}
}

// sendUplink hands one packet to the bearer, one caller at a time as
// Bearer.Uplink requires. A failure is counted by the bearer. While the UE
// is idle the packet is held instead (idle.go).
func (t *TUN) sendUplink(buf []byte) {
	t.ulmu.Lock()
	if t.idle {
		t.hold(buf)
		t.ulmu.Unlock()
		return
	}
	t.bearer.Load().Uplink(buf)
	t.ulmu.Unlock()
}
