//go:build linux

package upf

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"go5g/internal/n3"
	"go5g/internal/netns/netnstest"
	"go5g/internal/tun"
)

func ipChecksum(h []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(h); i += 2 {
		s += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// TestRealTUN runs the UPF with a real TUN device as N6 in a throwaway
// namespace: a G-PDU's UDP payload reaches a socket of the "data network"
// (the namespace's own address on the TUN), and the socket's answer comes
// back to the gNB as GTP-U.
func TestRealTUN(t *testing.T) {
	ns := netnstest.New(t).NS("upf")
	dnAddr := netip.MustParseAddr("10.46.0.1")
	dev, err := ns.OpenTUN(tun.Config{Name: "n6", MTU: 1500,
		Addrs:  []netip.Prefix{netip.PrefixFrom(dnAddr, 24)},
		Routes: []netip.Prefix{netip.MustParsePrefix("10.45.0.0/16")}})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	pc, err := ns.ListenPacket("udp4", "10.46.0.1:9000")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()

	u, err := New(Config{N3Addr: netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	upfConn, gnb := udpConn(t), udpConn(t)
	defer gnb.Close()
	if _, _, err := u.Establish(1, basicRules(gnb.LocalAddr())); err != nil {
		t.Fatal(err)
	}
	u.NewWorker(upfConn, dev.Queues()[0])
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	inner := ipv4UDP(ueIP, dnAddr, 1000, 9000, 28+5, 0)
	copy(inner[28:], "hello")
	binary.BigEndian.PutUint16(inner[26:], 0) // no UDP checksum (IPv4)
	binary.BigEndian.PutUint16(inner[10:], ipChecksum(inner[:20]))
	if _, err := gnb.WriteBatch([]n3.Message{{Buf: gpdu(t, ulTEID, 9, inner), Addr: upfConn.LocalAddr()}}); err != nil {
		t.Fatal(err)
	}
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 100)
	n, from, err := pc.ReadFrom(b)
	if err != nil {
		t.Fatalf("data network got nothing: %v (stats %+v)", err, u.Stats())
	}
	if string(b[:n]) != "hello" || from.(*net.UDPAddr).AddrPort() != netip.AddrPortFrom(ueIP, 1000) {
		t.Fatalf("data network got %q from %v", b[:n], from)
	}
	if _, err := pc.WriteTo([]byte("world"), from); err != nil {
		t.Fatal(err)
	}
	p := (&gnbReader{c: gnb}).next(t)
	if p.TEID != dlTEID || p.PDUSession() == nil || p.PDUSession().QFI != 9 || !bytes.HasSuffix(p.Payload, []byte("world")) {
		t.Fatalf("gNB got TEID %#x psc %+v payload %x", p.TEID, p.PDUSession(), p.Payload)
	}
}
