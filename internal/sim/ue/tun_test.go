package ue_test

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/netns"
	"go5g/internal/netns/netnstest"
	"go5g/internal/sim/gnb/gnbtest"
	"go5g/internal/sim/ue"
	"go5g/internal/testenv"
)

// The TUN tests put a PDU session's TUN device in a "ue" namespace and the
// gNB's N3 with a fake UPF in a "core" namespace (gnbtest.Setup). The fake
// UPF answers ICMP echo and reflects UDP, so real programs (ping, sockets)
// in the UE's namespace get answers only through the gNB's forwarder.

const qfi = 9

var (
	ue4     = netip.MustParseAddr("10.45.0.7")
	ueIID   = [8]byte{0, 0, 0, 0, 0, 0, 0x45, 0x07}
	prefix6 = netip.MustParsePrefix("2001:db8:45:1::/64")
	far4    = "198.51.100.1"
	far6    = "2001:db8:ff::1"
)

func TestTUN(t *testing.T) {
	testenv.NeedTool(t, "ping")
	for _, c := range []struct {
		name     string
		n1, n2   uint8
		v4, v6   bool
		ra       bool // learn the prefix from a Router Advertisement
		prefixed bool // give the prefix in TUNConfig
	}{
		{"IPv4", n1.PDUSessionTypeIPv4, n2.PDUSessionIPv4, true, false, false, false},
		{"IPv6-RA", n1.PDUSessionTypeIPv6, n2.PDUSessionIPv6, false, true, true, false},
		{"IPv4v6", n1.PDUSessionTypeIPv4v6, n2.PDUSessionIPv4v6, true, true, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tp := netnstest.New(t)
			uens := tp.NS("ue")
			e := gnbtest.Setup(t, tp.NS("core"), c.n2, qfi)
			s := ue.Session{ID: 1, Type: c.n1, QFI: qfi, DNN: "internet"}
			if c.v4 {
				s.IPv4 = ue4
			}
			if c.v6 {
				s.IPv6IID, s.HasIPv6 = ueIID, true
			}
			cfg := ue.TUNConfig{NS: uens}
			if c.prefixed {
				cfg.IPv6Prefix = prefix6
			}
			tn, err := ue.OpenTUN(e.Conn, s, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tn.Close()
			if tn.Name() != "pdu1" {
				t.Errorf("name %q", tn.Name())
			}
			want6 := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0x45, 0, 1, 0, 0, 0, 0, 0, 0, 0x45, 0x07})
			if c.ra {
				if _, ok := tn.IPv6(); ok {
					t.Fatal("IPv6 address before any Router Advertisement")
				}
				if err := e.UPF.SendDL(routerAdvertisement(prefix6)); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "IPv6 address from the RA", func() bool { _, ok := tn.IPv6(); return ok })
			}
			if c.v6 {
				if a, ok := tn.IPv6(); !ok || a != want6 {
					t.Fatalf("IPv6 address %v %t, want %v", a, ok, want6)
				}
			}

			if c.v4 {
				rtt := ping(t, tp.Name("ue"), "-4", far4)
				t.Logf("ping IPv4 through the gNB: avg RTT %s", rtt)
				udpRoundTrip(t, uens, net.JoinHostPort(far4, "9"))
			}
			if c.v6 {
				rtt := ping(t, tp.Name("ue"), "-6", far6)
				t.Logf("ping IPv6 through the gNB: avg RTT %s", rtt)
				udpRoundTrip(t, uens, net.JoinHostPort(far6, "9"))
			}

			// Counters: the gNB's per-session counters match what the
			// fake UPF received and sent, once traffic has settled.
			waitFor(t, "counters to match", func() bool {
				g, u := tn.Stats(), e.UPF.Stats()
				return g.ULPackets == u.UL+u.BadTunnel && g.DLPackets == u.DL && g.ULBytes == u.ULBytes && g.DLBytes == u.DLBytes
			})
			g, u := tn.Stats(), e.UPF.Stats()
			if u.BadTunnel != 0 || g.ULDropped != 0 || g.DLDropped != 0 {
				t.Errorf("gNB %+v, UPF %+v: drops or bad tunnels", g, u)
			}
			wantEcho4, wantEcho6 := uint64(0), uint64(0)
			if c.v4 {
				wantEcho4 = 3
			}
			if c.v6 {
				wantEcho6 = 3
			}
			if u.Echo4 != wantEcho4 || u.Echo6 != wantEcho6 || u.UDP != uint64(len(wantFamilies(c.v4, c.v6))) {
				t.Errorf("UPF answered %d ICMP, %d ICMPv6, %d UDP", u.Echo4, u.Echo6, u.UDP)
			}
			t.Logf("gNB %+v; UPF %+v", g, u)

			if err := tn.Close(); err != nil {
				t.Fatal(err)
			}
			links, err := uens.Links()
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(links, "pdu1") {
				t.Errorf("pdu1 still in the namespace after Close: %v", links)
			}
		})
	}
}

func wantFamilies(v4, v6 bool) []int {
	var f []int
	if v4 {
		f = append(f, 4)
	}
	if v6 {
		f = append(f, 6)
	}
	return f
}

var rttRE = regexp.MustCompile(`= [0-9.]+/([0-9.]+)/`)

// ping runs ping -c 3 in the namespace and returns the average RTT.
func ping(t *testing.T, ns, family, dst string) time.Duration {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", ns, "ping", family, "-n", "-c", "3", "-i", "0.2", "-W", "2", dst).CombinedOutput()
	if err != nil {
		t.Fatalf("ping %s: %v\n%s", dst, err, out)
	}
	m := rttRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no RTT in ping output:\n%s", out)
	}
	ms, _ := strconv.ParseFloat(string(m[1]), 64)
	return time.Duration(ms * float64(time.Millisecond))
}

// udpRoundTrip sends a datagram from the UE's namespace and expects it back.
func udpRoundTrip(t *testing.T, ns *netns.NS, dst string) {
	t.Helper()
	c, err := ns.Dial("udp", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := []byte("through the gNB and back " + dst)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 2048)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("UDP to %s: %v", dst, err)
	}
	if !bytes.Equal(buf[:n], msg) {
		t.Errorf("UDP echo %q, want %q", buf[:n], msg)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// routerAdvertisement is an RA from fe80::1 to all nodes with one Prefix
// Information option (on-link, autonomous). Spec: RFC 4861 §4.2, §4.6.2
func routerAdvertisement(p netip.Prefix) []byte {
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
	var s uint32
	for _, b := range [][]byte{h[8:40], icmp} {
		for i := 0; i+1 < len(b); i += 2 {
			s += uint32(b[i])<<8 | uint32(b[i+1])
		}
	}
	s += uint32(len(icmp)) + 58
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	binary.BigEndian.PutUint16(icmp[2:], ^uint16(s))
	return append(h, icmp...)
}

// TestTUNUDPWindow pushes UDP datagrams from the UE's namespace through
// the gNB to the fake UPF and back with a window in flight, checks each
// comes back intact, and logs the rate (the fake UPF, one socket read per
// datagram and a fresh allocation per reply, is the slower end).
func TestTUNUDPWindow(t *testing.T) {
	tp := netnstest.New(t)
	uens := tp.NS("ue")
	e := gnbtest.Setup(t, tp.NS("core"), n2.PDUSessionIPv4, qfi)
	tn, err := ue.OpenTUN(e.Conn, ue.Session{ID: 1, Type: n1.PDUSessionTypeIPv4, QFI: qfi, IPv4: ue4}, ue.TUNConfig{NS: uens})
	if err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	c, err := uens.Dial("udp", net.JoinHostPort(far4, "9"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const total, window, size = 20000, 32, 1200
	msg := make([]byte, size)
	buf := make([]byte, 2048)
	sent, got := 0, 0
	start := time.Now()
	for got < total {
		for sent < total && sent-got < window {
			binary.BigEndian.PutUint32(msg, uint32(sent))
			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			sent++
		}
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("after %d of %d echoes: %v (gNB %+v, UPF %+v)", got, total, err, tn.Stats(), e.UPF.Stats())
		}
		if n != size || binary.BigEndian.Uint32(buf) != uint32(got) {
			t.Fatalf("echo %d: %d octets, sequence %d", got, n, binary.BigEndian.Uint32(buf))
		}
		got++
	}
	d := time.Since(start)
	t.Logf("%d UDP round trips of %d octets in %v: %.0f packets/s each way, %.1f Mbit/s each way",
		total, size, d.Round(time.Millisecond), total/d.Seconds(), total*size*8/d.Seconds()/1e6)
	if st := tn.Stats(); st.ULPackets < total || st.DLPackets < total {
		t.Errorf("gNB counters %+v, want at least %d each way", st, total)
	}
}
