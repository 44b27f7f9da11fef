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
		ra       bool // learn the prefix from an unsolicited Router Advertisement
		rs       bool // learn it from the answer to the UE's Router Solicitation
		prefixed bool // give the prefix in TUNConfig
	}{
		{"IPv4", n1.PDUSessionTypeIPv4, n2.PDUSessionIPv4, true, false, false, false, false},
		{"IPv6-RA", n1.PDUSessionTypeIPv6, n2.PDUSessionIPv6, false, true, true, false, false},
		{"IPv6-RS", n1.PDUSessionTypeIPv6, n2.PDUSessionIPv6, false, true, false, true, false},
		{"IPv4v6", n1.PDUSessionTypeIPv4v6, n2.PDUSessionIPv4v6, true, true, false, false, true},
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
			if c.rs {
				e.UPF.AnswerRS(prefix6)
			}
			start := time.Now()
			tn, err := ue.OpenTUN(e.Conn, s, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tn.Close()
			if tn.Name() != "pdu1" {
				t.Errorf("name %q", tn.Name())
			}
			ll := netip.MustParseAddr("fe80::4507") // the UE's link-local, from ueIID
			want6 := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0x45, 0, 1, 0, 0, 0, 0, 0, 0, 0x45, 0x07})
			if c.ra {
				if _, ok := tn.IPv6(); ok {
					t.Fatal("IPv6 address before any Router Advertisement")
				}
				if err := e.UPF.SendDL(gnbtest.RouterAdvertisement(prefix6)); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "IPv6 address from the RA", func() bool { _, ok := tn.IPv6(); return ok })
				// Unanswered, the UE's solicitation still reached the UPF.
				waitFor(t, "a Router Solicitation from "+ll.String(), func() bool {
					return slices.Contains(e.UPF.Solicitors(), ll)
				})
			}
			if c.rs {
				waitFor(t, "IPv6 address from the solicited RA", func() bool { _, ok := tn.IPv6(); return ok })
				t.Logf("IPv6 prefix learnt %s after OpenTUN", time.Since(start))
				waitFor(t, "a Router Solicitation from "+ll.String(), func() bool {
					return slices.Contains(e.UPF.Solicitors(), ll)
				})
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
