package n3

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

func needIPv6(t testing.TB) {
	t.Helper()
	uc, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	uc.Close()
}

// readN reads until n datagrams arrived (or the deadline), copying them.
func readN(t *testing.T, c *Conn, n int) []Message {
	t.Helper()
	_ = c.UDPConn().SetReadDeadline(time.Now().Add(5 * time.Second))
	var got []Message
	for len(got) < n {
		ms, err := c.ReadBatch()
		if err != nil {
			t.Fatalf("after %d of %d datagrams: %v", len(got), n, err)
		}
		for _, m := range ms {
			got = append(got, Message{Buf: append([]byte(nil), m.Buf...), Addr: m.Addr, Trunc: m.Trunc})
		}
	}
	return got
}

func TestConnBatch(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			if host == "::1" {
				needIPv6(t)
			}
			a, b := connPair(t, host)
			// 150 datagrams: more than two batches, sizes 0..1499.
			var ms []Message
			for i := 0; i < 150; i++ {
				p := NewGPDU(uint32(i), bytes.Repeat([]byte{byte(i)}, i*10))
				buf := make([]byte, p.MarshalLen())
				if _, err := p.MarshalTo(buf); err != nil {
					t.Fatal(err)
				}
				ms = append(ms, Message{Buf: buf, Addr: b.LocalAddr()})
			}
			if n, err := a.WriteBatch(ms); err != nil || n != len(ms) {
				t.Fatalf("WriteBatch = %d, %v", n, err)
			}
			got := readN(t, b, len(ms))
			var p Packet
			for i, m := range got {
				if m.Addr != a.LocalAddr() {
					t.Errorf("datagram %d from %v, want %v", i, m.Addr, a.LocalAddr())
				}
				if err := p.Parse(m.Buf); err != nil {
					t.Fatalf("datagram %d: %v", i, err)
				}
				// Loopback keeps order.
				if p.TEID != uint32(i) || len(p.Payload) != i*10 || m.Trunc {
					t.Errorf("datagram %d: TEID %d, %d octets, trunc %v", i, p.TEID, len(p.Payload), m.Trunc)
				}
			}
		})
	}
}

func TestConnTruncated(t *testing.T) {
	a, b := connPair(t, "127.0.0.1")
	big := make([]byte, DefaultSlotSize+100)
	if _, err := a.WriteBatch([]Message{{Buf: big, Addr: b.LocalAddr()}}); err != nil {
		t.Fatal(err)
	}
	got := readN(t, b, 1)
	if !got[0].Trunc || len(got[0].Buf) != DefaultSlotSize {
		t.Errorf("oversized datagram: trunc %v, %d octets", got[0].Trunc, len(got[0].Buf))
	}
}

func TestConnAddressFamily(t *testing.T) {
	a, _ := connPair(t, "127.0.0.1")
	dst := netip.MustParseAddrPort("[2001:db8::1]:2152")
	if _, err := a.WriteBatch([]Message{{Buf: []byte{1}, Addr: dst}}); !errors.Is(err, ErrAddressFamily) {
		t.Errorf("IPv6 destination on an IPv4 socket: %v", err)
	}
}

// TestConnDualStack: an IPv6 wildcard socket talks to IPv4 peers, which it
// sees (and addresses) as plain IPv4.
func TestConnDualStack(t *testing.T) {
	needIPv6(t)
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv6unspecified})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewConn(uc, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	v4, _ := connPair(t, "127.0.0.1")
	dAddr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), d.LocalAddr().Port())
	if _, err := v4.WriteBatch([]Message{{Buf: []byte("ping"), Addr: dAddr}}); err != nil {
		t.Fatal(err)
	}
	got := readN(t, d, 1)
	if got[0].Addr != v4.LocalAddr() {
		t.Fatalf("source %v, want %v", got[0].Addr, v4.LocalAddr())
	}
	if _, err := d.WriteBatch([]Message{{Buf: []byte("pong"), Addr: got[0].Addr}}); err != nil {
		t.Fatal(err)
	}
	if back := readN(t, v4, 1); string(back[0].Buf) != "pong" {
		t.Errorf("reply %q", back[0].Buf)
	}
}

// TestConnSteadyStateAllocs: a batch written and read back allocates
// nothing once the Conns exist.
func TestConnSteadyStateAllocs(t *testing.T) {
	a, b := connPair(t, "127.0.0.1")
	ms := make([]Message, DefaultBatch)
	payload := make([]byte, 100)
	for i := range ms {
		ms[i] = Message{Buf: payload, Addr: b.LocalAddr()}
	}
	_ = b.UDPConn().SetReadDeadline(time.Now().Add(10 * time.Second))
	var failed error
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := a.WriteBatch(ms); err != nil {
			failed = err
			return
		}
		for got := 0; got < len(ms); {
			rx, err := b.ReadBatch()
			if err != nil {
				failed = err
				return
			}
			got += len(rx)
		}
	})
	if failed != nil {
		t.Fatal(failed)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per batch of %d, want 0", allocs, len(ms))
	}
}
