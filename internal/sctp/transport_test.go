package sctp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

func TestTransportParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Transport
		wantErr bool
	}{
		{"kernel", TransportKernel, false},
		{"udp", TransportUDP, false},
		{"ip", TransportIP, false},
		{"auto", TransportAuto, false},
		{"", "", true},
		{"UDP", "", true},
		{"tcp", "", true},
		{"sctp", "", true},
		{" udp", "", true},
	} {
		got, err := ParseTransport(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseTransport(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
			continue
		}
		if err != nil {
			// The error lists every valid value.
			for _, v := range []string{"kernel", "udp", "ip", "auto"} {
				if !strings.Contains(err.Error(), v) {
					t.Errorf("ParseTransport(%q) error %q does not name %q", tc.in, err, v)
				}
			}
		}
	}
}

func TestTransportAddrString(t *testing.T) {
	for _, tc := range []struct {
		a    Addr
		want string
	}{
		{Addr{IP: netip.MustParseAddr("127.0.0.1"), Port: 38412}, "127.0.0.1:38412"},
		{Addr{IP: netip.MustParseAddr("::1"), Port: 38412}, "[::1]:38412"},
		{Addr{IP: netip.MustParseAddr("10.0.0.1"), Port: 38412, UDPPort: 9899}, "10.0.0.1:38412 (udp 9899)"},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
		if tc.a.Network() != "sctp" {
			t.Errorf("Network() = %q, want sctp", tc.a.Network())
		}
	}
}

func TestTransportBadAddress(t *testing.T) {
	ctx := context.Background()
	for _, addr := range []string{"127.0.0.1", "127.0.0.1:port", "127.0.0.1:70000", "[::1"} {
		if _, _, err := Dial(ctx, TransportUDP, addr, Options{}); err == nil || !strings.Contains(err.Error(), addr) {
			t.Errorf("Dial(%q) error %v, want one naming the address", addr, err)
		}
		if _, _, err := Listen(ctx, TransportUDP, addr, Options{}); err == nil {
			t.Errorf("Listen(%q) succeeded", addr)
		}
	}
	if _, _, err := Listen(ctx, "carrier-pigeon", "127.0.0.1:38412", Options{}); err == nil || !strings.Contains(err.Error(), "auto") {
		t.Errorf("Listen with unknown transport: error %v, want one naming the valid transports", err)
	}
}

func TestTransportAutoPicksUDPWithoutKernel(t *testing.T) {
	if KernelAvailable() == nil {
		t.Skip("kernel has SCTP: auto picks kernel here")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, tr, err := Listen(ctx, TransportAuto, "127.0.0.1:38412", Options{UDPPort: freeUDPPort(t)})
	if err != nil {
		t.Fatalf("Listen auto: %v", err)
	}
	defer l.Close()
	if tr != TransportUDP {
		t.Fatalf("auto chose %q, want udp (no kernel SCTP here)", tr)
	}
	la := l.Addr().(Addr)
	c, tr, err := Dial(ctx, TransportAuto, "127.0.0.1:38412", Options{RemoteUDPPort: int(la.UDPPort)})
	if err != nil {
		t.Fatalf("Dial auto: %v", err)
	}
	if tr != TransportUDP {
		t.Errorf("Dial auto chose %q, want udp", tr)
	}
	s, err := l.Accept(ctx)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	checkExchange(t, ctx, c, s)
	closePair(t, ctx, c, s)
}

func TestTransportUDP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	port := freeUDPPort(t)
	l, tr, err := Listen(ctx, TransportUDP, "127.0.0.1:38412", Options{UDPPort: port})
	if err != nil || tr != TransportUDP {
		t.Fatalf("Listen udp: %v, %q", err, tr)
	}
	defer l.Close()
	if got := l.Addr().String(); got != fmt.Sprintf("127.0.0.1:38412 (udp %d)", port) {
		t.Errorf("listener Addr %q", got)
	}
	c, _, err := Dial(ctx, TransportUDP, "127.0.0.1:38412", Options{
		RemoteUDPPort: port, LocalAddr: "127.0.0.1:5000", Config: Config{OutStreams: 3, MaxInStreams: 3},
	})
	if err != nil {
		t.Fatalf("Dial udp: %v", err)
	}
	s, err := l.Accept(ctx)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	if a := c.LocalAddr().(Addr); a.Port != 5000 || a.IP != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("dialer LocalAddr %v, want 127.0.0.1 port 5000 (Options.LocalAddr)", a)
	}
	if a := s.RemoteAddr().(Addr); a.Port != 5000 {
		t.Errorf("server sees peer %v, want SCTP port 5000", a)
	}
	checkExchange(t, ctx, c, s)
	closePair(t, ctx, c, s)
}

// checkExchange sends messages on three streams with the NGAP PPID both
// ways at once and checks that each side reads them whole, in order per stream.
func checkExchange(t *testing.T, ctx context.Context, a, b Conn) {
	t.Helper()
	msgs := func(from string) []Message {
		var ms []Message
		for i := range 12 {
			ms = append(ms, Message{
				Stream: uint16(i % 3), PPID: PPIDNGAP,
				Data: fmt.Appendf(nil, "%s message %d %s", from, i, strings.Repeat("x", i*300)),
			})
		}
		return ms
	}
	errc := make(chan error, 4)
	send := func(c Conn, ms []Message) {
		for _, m := range ms {
			if err := c.Send(ctx, m); err != nil {
				errc <- fmt.Errorf("Send: %w", err)
				return
			}
		}
		errc <- nil
	}
	recv := func(c Conn, want []Message) {
		next := map[uint16][]Message{}
		for _, m := range want {
			next[m.Stream] = append(next[m.Stream], m)
		}
		for range want {
			m, err := c.Recv(ctx)
			if err != nil {
				errc <- fmt.Errorf("Recv: %w", err)
				return
			}
			q := next[m.Stream]
			if len(q) == 0 {
				errc <- fmt.Errorf("unexpected message on stream %d: %.30q", m.Stream, m.Data)
				return
			}
			if w := q[0]; m.PPID != w.PPID || !bytes.Equal(m.Data, w.Data) {
				errc <- fmt.Errorf("stream %d: got ppid %d %.30q, want ppid %d %.30q", m.Stream, m.PPID, m.Data, w.PPID, w.Data)
				return
			}
			next[m.Stream] = q[1:]
		}
		errc <- nil
	}
	am, bm := msgs("a"), msgs("b")
	go send(a, am)
	go send(b, bm)
	go recv(b, am)
	go recv(a, bm)
	for range 4 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

// closePair closes a gracefully and checks that b sees a graceful end.
func closePair(t *testing.T, ctx context.Context, a, b Conn) {
	t.Helper()
	peer := make(chan error, 1)
	go func() {
		_, err := b.Recv(ctx)
		peer <- err
	}()
	if err := a.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-peer; !errors.Is(err, ErrClosed) || errors.Is(err, ErrAborted) {
		t.Errorf("peer Recv after Close = %v, want ErrClosed, not ErrAborted", err)
	}
	if err := b.Close(ctx); err != nil && !errors.Is(err, ErrClosed) {
		t.Errorf("peer Close: %v", err)
	}
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// skipOrFail skips a test whose environment is missing, except under CI,
// where a missing environment is a failure.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI: "+format, args...)
	}
	t.Skipf(format, args...)
}
