//go:build linux

// The raw IP tests need root and run in a private network namespace (a
// Linux feature) when they can: see inPrivateNetns.

package sctp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// requireRawIP skips (fails under CI) unless raw SCTP sockets open on ip.
func requireRawIP(t *testing.T, ip netip.Addr) {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "raw IP tests need root (CAP_NET_RAW); run as root to test SCTP over raw IP")
	}
	c, err := NewRawIPConn(ip)
	if err != nil {
		skipOrFail(t, "raw SCTP socket on %s: %v", ip, err)
	}
	c.Close()
}

// testPort is a random SCTP port for a raw IP test, below the ephemeral
// range so it cannot meet a dialer's port.
func testPort() uint16 { return uint16(20000 + mrand.IntN(20000)) }

// netnsEnv marks a test binary re-run inside a private network namespace.
const netnsEnv = "GO5G_SCTP_NETNS"

// inPrivateNetns re-runs the calling top-level test in a new network
// namespace with only loopback up. A raw SCTP socket sees every SCTP packet
// of its namespace, and other SCTP stacks on a shared host (usrsctp opens
// raw sockets when run as root, and answers packets for ports it does not
// own with ABORT) would disturb the associations under test; in a private
// namespace only this test's processes take part. It returns true in the
// parent once the re-run is over (the test is done), false where the test
// body is to run: in the re-run, or when no namespace can be made (then on
// the host's, as logged).
func inPrivateNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) != "" {
		if err := loopbackUp(); err != nil {
			t.Fatalf("private network namespace: %v", err)
		}
		return false
	}
	if os.Geteuid() != 0 {
		return false // the test body skips: no raw sockets either
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), netnsEnv+"=1", "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err != nil && !errors.As(err, &exit):
		t.Logf("no private network namespace (%v): testing in the host's, where other SCTP stacks may interfere", err)
		return false
	case err != nil:
		t.Fatalf("in a private network namespace: %v\n%s", err, out)
	case bytes.Contains(out, []byte("--- SKIP: "+t.Name())):
		skipOrFail(t, "in a private network namespace: skipped:\n%s", out)
	case !bytes.Contains(out, []byte("--- PASS: "+t.Name())):
		t.Fatalf("in a private network namespace: the test did not run:\n%s", out)
	}
	return true
}

// loopbackUp brings up lo, which a new network namespace starts with
// down; the kernel then gives it 127.0.0.1 and ::1.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	return nil
}

func TestRawIPStripIPv4(t *testing.T) {
	sctp := []byte{0x13, 0x88, 0x96, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8} // common header
	hdr := func(ihl int, total int, proto byte) []byte {
		h := make([]byte, ihl)
		h[0] = 0x40 | byte(ihl/4) // version 4, IHL
		binary.BigEndian.PutUint16(h[2:], uint16(total))
		h[8], h[9] = 64, proto // TTL, protocol
		return h
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want []byte // nil: rejected
	}{
		{"plain header", append(hdr(20, 32, 132), sctp...), sctp},
		{"with options", append(hdr(24, 36, 132), sctp...), sctp},
		{"total length ignored", append(hdr(20, 99, 132), sctp...), sctp},
		{"other protocol", append(hdr(20, 32, 6), sctp...), nil},
		{"IPv6 version", append([]byte{0x60}, make([]byte, 40)...), nil},
		{"IHL below 5", append([]byte{0x44}, make([]byte, 30)...), nil},
		{"header only", hdr(20, 20, 132), []byte{}},
		{"short", []byte{0x45, 0}, nil},
	} {
		got, err := stripIPv4(tc.in)
		if tc.want == nil {
			if err == nil {
				t.Errorf("%s: accepted, got % x", tc.name, got)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%s: got % x, %v; want % x", tc.name, got, err, tc.want)
		}
	}
	// An IHL that claims more than the bytes read.
	b := append(hdr(20, 40, 132), 1, 2)
	b[0] = 0x4f // IHL 60
	if _, err := stripIPv4(b); err == nil {
		t.Error("IHL beyond the packet accepted")
	}
}

// TestTransportIP: Listen and Dial over transport ip, that is ListenIP and
// DialIP, exchange messages.
func TestTransportIP(t *testing.T) {
	if inPrivateNetns(t) {
		return
	}
	requireRawIP(t, netip.MustParseAddr("127.0.0.1"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	port := testPort()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	l, tr, err := Listen(ctx, TransportIP, addr, Options{})
	if err != nil || tr != TransportIP {
		t.Fatalf("Listen ip: %v, %q", err, tr)
	}
	defer l.Close()
	if got := l.Addr().String(); got != addr {
		t.Errorf("listener Addr %q, want %q", got, addr)
	}
	c, _, err := Dial(ctx, TransportIP, addr, Options{})
	if err != nil {
		t.Fatalf("Dial ip: %v", err)
	}
	s, err := l.Accept(ctx)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	if p := c.LocalAddr().(Addr).Port; p < 49152 {
		t.Errorf("dialer port %d, want a dynamic port (RFC 6335: 49152-65535)", p)
	}
	checkExchange(t, ctx, c, s)
	closePair(t, ctx, c, s)
}

// TestRawIPConnPacket checks the PacketConn itself: what one socket sends
// another reads back byte for byte, without the IP header, from port 0.
func TestRawIPConnPacket(t *testing.T) {
	if inPrivateNetns(t) {
		return
	}
	for _, ip := range []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()} {
		t.Run(ip.String(), func(t *testing.T) {
			requireRawIP(t, ip)
			a, err := NewRawIPConn(ip)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := NewRawIPConn(ip)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if got := a.LocalAddr(); got != netip.AddrPortFrom(ip, 0) {
				t.Errorf("LocalAddr %v", got)
			}
			// Not a valid SCTP packet (bad checksum): nobody answers it.
			pkt := make([]byte, 64)
			rand.Read(pkt)
			if err := a.WriteTo(pkt, netip.AddrPortFrom(ip, 9)); err != nil {
				t.Fatalf("WriteTo: %v", err)
			}
			// The socket sees every SCTP packet to ip: skip other tests' traffic.
			done := make(chan struct{})
			go func() {
				select {
				case <-done:
				case <-time.After(5 * time.Second):
					b.Close()
				}
			}()
			defer close(done)
			buf := make([]byte, 1500)
			for {
				n, from, err := b.ReadFrom(buf)
				if err != nil {
					t.Fatalf("ReadFrom: %v (packet never arrived)", err)
				}
				if !bytes.Equal(buf[:n], pkt) {
					continue
				}
				if from != netip.AddrPortFrom(ip, 0) {
					t.Errorf("from %v, want %v", from, netip.AddrPortFrom(ip, 0))
				}
				break
			}
			// A read buffer too small for a packet drops it and keeps reading.
			small := make([]byte, 32)
			if err := a.WriteTo(pkt, netip.AddrPortFrom(ip, 0)); err != nil {
				t.Fatal(err)
			}
			pkt2 := pkt[:16]
			if err := a.WriteTo(pkt2, netip.AddrPortFrom(ip, 0)); err != nil {
				t.Fatal(err)
			}
			for {
				n, _, err := b.ReadFrom(small)
				if err != nil {
					t.Fatalf("ReadFrom: %v", err)
				}
				if bytes.Equal(small[:n], pkt2) {
					break
				}
				if n > 0 && bytes.Equal(small[:n], pkt[:n]) {
					t.Fatalf("oversized packet returned truncated (%d bytes)", n)
				}
			}
			other := netip.MustParseAddr("::1")
			if ip.Is6() {
				other = netip.MustParseAddr("127.0.0.1")
			}
			if err := a.WriteTo(pkt, netip.AddrPortFrom(other, 0)); err == nil {
				t.Errorf("WriteTo %v on a %v socket succeeded", other, ip)
			}
		})
	}
}

func TestRawIPExchangeIPv4(t *testing.T) {
	if !inPrivateNetns(t) {
		testRawIPExchange(t, netip.MustParseAddr("127.0.0.1"))
	}
}

func TestRawIPExchangeIPv6(t *testing.T) {
	if !inPrivateNetns(t) {
		testRawIPExchange(t, netip.IPv6Loopback())
	}
}

// testRawIPExchange runs an association between two of our raw IP
// endpoints on ip while a child process runs a third association between
// two other ports on the same address. Each side watches its own sockets:
// ours must read the child's packets and never write one to or from the
// child's ports; the child must finish its exchange with no ABORT seen.
// (Our endpoints are built as ListenIP and DialIP build them, with a tap
// on the socket; TestTransportIP covers those two functions themselves.)
func testRawIPExchange(t *testing.T, ip netip.Addr) {
	requireRawIP(t, ip)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	port := testPort()
	childPorts := [2]uint16{port + 1, port + 2}

	child := startRawIPHelper(t, ctx, ip, childPorts)
	child.expect("READY")

	w := newPortWatch(childPorts)
	cfg := rawIPConfig(Config{OutStreams: 4, MaxInStreams: 4}, ip)
	newEndpoint := func() *Endpoint {
		pc, err := NewRawIPConn(ip)
		if err != nil {
			t.Fatal(err)
		}
		e := NewEndpoint(w.tap(pc), cfg)
		t.Cleanup(func() { e.Close() })
		return e
	}
	e1, e2 := newEndpoint(), newEndpoint()
	l, err := e1.Listen(port)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	c, err := e2.Dial(ctx, netip.AddrPortFrom(ip, 0), port, 0)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	s, err := l.Accept(ctx)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	if c.Streams() != 4 || s.Streams() != 4 {
		t.Errorf("streams %d/%d, want 4", c.Streams(), s.Streams())
	}
	if got, want := c.RemoteAddr().String(), netip.AddrPortFrom(ip, port).String(); got != want {
		t.Errorf("RemoteAddr %q, want %q", got, want)
	}
	checkExchange(t, ctx, c, s)
	// The child completes a ping round while our association is up.
	child.send("mark")
	child.expect("PINGED")
	checkExchange(t, ctx, s, c)

	child.send("stop") // the child shuts its association down while ours runs
	child.expect("CLOSED")
	closePair(t, ctx, c, s)

	child.send("exit")
	res := child.expect("OK")
	if n, _ := strconv.Atoi(strings.TrimPrefix(res, "others=")); n == 0 {
		t.Errorf("child saw none of our packets (%q): the test did not share the address", res)
	}
	child.wait()
	wrote, seen, _, _ := w.counts()
	if wrote != 0 {
		t.Errorf("our endpoints wrote %d packets to or from the child's ports %v", wrote, childPorts)
	}
	if seen == 0 {
		t.Errorf("our endpoints read none of the child's packets: the test did not share the address")
	}
}

// rawIPHelper is the child process of testRawIPExchange.
type rawIPHelper struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *bytes.Buffer
}

func startRawIPHelper(t *testing.T, ctx context.Context, ip netip.Addr, ports [2]uint16) *rawIPHelper {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestRawIPHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("GO5G_SCTP_RAWIP_HELPER=%s,%d,%d", ip, ports[0], ports[1]),
		// Under -race the child would otherwise sleep a second at exit.
		"GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	h := &rawIPHelper{t: t, cmd: cmd, lines: make(chan string, 16), stderr: new(bytes.Buffer)}
	cmd.Stderr = h.stderr
	var err error
	if h.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper process: %v", err)
	}
	var log bytes.Buffer
	var mu sync.Mutex
	go func() {
		defer close(h.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if rest, ok := strings.CutPrefix(sc.Text(), "HELPER "); ok {
				h.lines <- rest
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("helper process output:\n%s%s", log.String(), h.stderr)
			mu.Unlock()
		}
	})
	return h
}

func (h *rawIPHelper) send(cmd string) {
	h.t.Helper()
	if _, err := fmt.Fprintln(h.stdin, cmd); err != nil {
		h.t.Fatalf("helper process: %v", err)
	}
}

// expect waits for the line "HELPER <word> ..." and returns the rest.
func (h *rawIPHelper) expect(word string) string {
	h.t.Helper()
	select {
	case line, ok := <-h.lines:
		if !ok {
			h.t.Fatalf("helper process ended before %s", word)
		}
		got, rest, _ := strings.Cut(line, " ")
		if got != word {
			h.t.Fatalf("helper process said %q, want %s", line, word)
		}
		return rest
	case <-time.After(20 * time.Second):
		h.t.Fatalf("helper process: no %s within 20s", word)
	}
	return ""
}

func (h *rawIPHelper) wait() {
	h.t.Helper()
	h.stdin.Close()
	if err := h.cmd.Wait(); err != nil {
		h.t.Errorf("helper process: %v", err)
	}
}

// TestRawIPHelperProcess is the child of testRawIPExchange, not a test of
// its own: it runs an association between two endpoints on its own ports
// over raw IP, pinging until told to stop, and fails if an ABORT reaches
// its ports or its exchange breaks.
func TestRawIPHelperProcess(t *testing.T) {
	spec := os.Getenv("GO5G_SCTP_RAWIP_HELPER")
	if spec == "" {
		t.Skip("child process of TestRawIPExchange*; runs only when started by it")
	}
	var ipStr string
	var p1, p2 uint16
	if _, err := fmt.Sscanf(strings.ReplaceAll(spec, ",", " "), "%s %d %d", &ipStr, &p1, &p2); err != nil {
		t.Fatalf("GO5G_SCTP_RAWIP_HELPER=%q: %v", spec, err)
	}
	ip := netip.MustParseAddr(ipStr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	say := func(format string, args ...any) { fmt.Printf("HELPER "+format+"\n", args...) }
	cmds := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			cmds <- sc.Text()
		}
		close(cmds)
	}()

	w := newPortWatch([2]uint16{p1, p2})
	cfg := rawIPConfig(Config{OutStreams: 2, MaxInStreams: 2}, ip)
	newEndpoint := func() *Endpoint {
		pc, err := NewRawIPConn(ip)
		if err != nil {
			t.Fatal(err)
		}
		return NewEndpoint(w.tap(pc), cfg)
	}
	e1, e2 := newEndpoint(), newEndpoint()
	defer e1.Close()
	defer e2.Close()
	l, err := e1.Listen(p2)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e2.Dial(ctx, netip.AddrPortFrom(ip, 0), p2, p1)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	s, err := l.Accept(ctx)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	echoErr := make(chan error, 1)
	go func() { // echo server
		for {
			m, err := s.Recv(ctx)
			if err != nil {
				echoErr <- err
				return
			}
			m.Data = append([]byte("pong "), m.Data...)
			if err := s.Send(ctx, m); err != nil {
				echoErr <- err
				return
			}
		}
	}()
	say("READY")

	marked, pings := false, 0
	ping := func() {
		want := fmt.Appendf(nil, "ping %d", pings)
		if err := c.Send(ctx, Message{Stream: uint16(pings % 2), PPID: PPIDNGAP, Data: want}); err != nil {
			t.Fatalf("ping %d: Send: %v", pings, err)
		}
		m, err := c.Recv(ctx)
		if err != nil {
			t.Fatalf("ping %d: Recv: %v", pings, err)
		}
		if !bytes.Equal(m.Data, append([]byte("pong "), want...)) || m.PPID != PPIDNGAP {
			t.Fatalf("ping %d: got %q ppid %d", pings, m.Data, m.PPID)
		}
		pings++
		if marked {
			marked = false
			say("PINGED")
		}
	}
pinging:
	for {
		select {
		case cmd := <-cmds:
			if cmd == "mark" {
				marked = true
			} else {
				break pinging
			}
		default:
			ping()
		}
	}
	if err := c.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-echoErr; !errors.Is(err, ErrClosed) || errors.Is(err, ErrAborted) {
		t.Fatalf("echo side ended with %v, want a graceful close", err)
	}
	say("CLOSED pings=%d", pings)
	<-cmds // "exit" or EOF: the parent's association is done; our sockets watched it all
	_, _, aborts, others := w.counts()
	if aborts != 0 {
		t.Fatalf("%d ABORT chunks reached ports %d, %d", aborts, p1, p2)
	}
	say("OK others=%d", others)
}

// portWatch counts, on the raw sockets it taps, the packets that involve a
// pair of ports (either as source or destination port).
type portWatch struct {
	ports [2]uint16

	mu     sync.Mutex
	wrote  int // packets written to or from ports
	seen   int // packets read to or from ports
	aborts int // ABORT chunks read, sent to ports
	others int // packets read that do not involve ports
}

func newPortWatch(ports [2]uint16) *portWatch { return &portWatch{ports: ports} }

func (w *portWatch) tap(pc PacketConn) PacketConn { return &tapConn{PacketConn: pc, w: w} }

func (w *portWatch) has(p uint16) bool { return p == w.ports[0] || p == w.ports[1] }

func (w *portWatch) record(b []byte, written bool) {
	if len(b) < 12 {
		return
	}
	src, dst := binary.BigEndian.Uint16(b[0:]), binary.BigEndian.Uint16(b[2:])
	involved := w.has(src) || w.has(dst)
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case written && involved:
		w.wrote++
	case written:
	case involved:
		w.seen++
		if w.has(dst) && bytes.IndexByte(chunkTypes(b), 6) >= 0 { // ABORT
			w.aborts++
		}
	default:
		w.others++
	}
}

func (w *portWatch) counts() (wrote, seen, aborts, others int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.wrote, w.seen, w.aborts, w.others
}

// chunkTypes lists the chunk types of an SCTP packet. Spec: RFC 9260 §3.2.
func chunkTypes(b []byte) []byte {
	var types []byte
	for i := 12; i+4 <= len(b); {
		types = append(types, b[i])
		l := int(binary.BigEndian.Uint16(b[i+2:]))
		if l < 4 {
			break
		}
		i += (l + 3) &^ 3
	}
	return types
}

// tapConn shows a portWatch every packet a PacketConn reads and writes.
type tapConn struct {
	PacketConn
	w *portWatch
}

func (c *tapConn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	n, addr, err := c.PacketConn.ReadFrom(b)
	if err == nil {
		c.w.record(b[:n], false)
	}
	return n, addr, err
}

func (c *tapConn) WriteTo(b []byte, addr netip.AddrPort) error {
	c.w.record(b, true)
	return c.PacketConn.WriteTo(b, addr)
}
