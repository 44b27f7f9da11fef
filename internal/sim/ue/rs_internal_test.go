package ue

import (
	"bytes"
	"net/netip"
	"testing"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv6"
)

// TestBuildRS parses the Router Solicitation with x/net (an
// implementation independent of ours) and checks what RFC 4861 §4.1 and
// §6.1.1 ask of it; x/net recomputes the checksum over the pseudo header.
func TestBuildRS(t *testing.T) {
	for _, iid := range [][8]byte{
		{0, 0, 0, 0, 0, 0, 0x45, 0x07},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // checksum carries
		{0x02, 0x1a, 0x2b, 0xff, 0xfe, 0x3c, 0x4d, 0x5e},
	} {
		b := make([]byte, 64)
		for i := range b {
			b[i] = 0xa5 // buildRS must clear what it does not set
		}
		n := buildRS(b, iid)
		ip := b[:n]
		h, err := ipv6.ParseHeader(ip)
		if err != nil {
			t.Fatal(err)
		}
		var ll [16]byte
		ll[0], ll[1] = 0xfe, 0x80
		copy(ll[8:], iid[:])
		src, _ := netip.AddrFromSlice(h.Src)
		dst, _ := netip.AddrFromSlice(h.Dst)
		if h.Version != 6 || h.TrafficClass != 0 || h.FlowLabel != 0 || h.NextHeader != 58 || h.HopLimit != 255 ||
			h.PayloadLen != len(ip)-40 || src != netip.AddrFrom16(ll) || dst != netip.MustParseAddr("ff02::2") {
			t.Fatalf("IID %x: IPv6 header %+v, want ICMPv6 hop limit 255 from %v to ff02::2", iid, h, netip.AddrFrom16(ll))
		}
		m, err := icmp.ParseMessage(58, ip[40:])
		if err != nil || m.Type != ipv6.ICMPTypeRouterSolicitation || m.Code != 0 {
			t.Fatalf("IID %x: ICMPv6 %+v: %v", iid, m, err)
		}
		if body := m.Body.(*icmp.RawBody).Data; !bytes.Equal(body, make([]byte, 4)) {
			t.Errorf("IID %x: body %x, want the 4 reserved zero octets and no options", iid, body)
		}
		re, err := m.Marshal(icmp.IPv6PseudoHeader(h.Src, h.Dst))
		if err != nil || !bytes.Equal(re, ip[40:]) {
			t.Fatalf("IID %x: checksum: x/net marshals %x, we built %x (%v)", iid, re, ip[40:], err)
		}
	}
}
