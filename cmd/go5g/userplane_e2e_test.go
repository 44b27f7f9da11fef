package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"go5g/internal/netns"
	"go5g/internal/netns/netnstest"
	"go5g/internal/testenv"
	"go5g/internal/tun"
)

// The data network of TestUserPlaneEndToEnd: a namespace "dn" joined to the
// core's namespace by a veth; the core forwards between the UPF's N6 TUN
// and the veth, and the DN routes the UE pool back through the core.
const (
	upCoreDN = "198.18.2.1"
	upDNHost = "198.18.2.2"
)

// TestUserPlaneEndToEnd runs the built binary as a user would (issue 4):
// `go5g core` with its embedded UPF in a throwaway namespace, a data
// network namespace behind the UPF's N6, and `go5g sim --tun` with UEs in
// namespaces of their own. IPv4 packets travel UE TUN → simulated gNB →
// GTP-U → real UPF → N6 TUN → kernel forwarding → DN host, and back.
//
// Spec: TS 23.501 §5.7.1.8 (Session-AMBR enforced by the UPF), TS 29.244
// §5.4.6 (QER gating and MBR), TS 23.502 §4.3.4 (release)
func TestUserPlaneEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs 100 UEs with TUNs")
	}
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ping")
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	tp := netnstest.New(t)
	tp.Link(netnstest.End{Role: "core", Name: "dn", Addrs: []string{upCoreDN + "/24"}},
		netnstest.End{Role: "dn", Name: "core", Addrs: []string{upDNHost + "/24"}})
	tp.Router("core")
	tp.Route("dn", "10.45.0.0/16", upCoreDN)
	dn := tp.NS("dn")

	bin := buildBinary(t)
	dir := t.TempDir()
	inCore := nsWrapper(t, bin, tp.Name("core"))
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()

	db := filepath.Join(dir, "go5g.db")
	mustRun(t, ctx, bin, "subscriber", "add", "--supi", "imsi-001010000000001", "--count", "100",
		"--k", demoK, "--opc", demoOPc, "--store", db)
	mustRun(t, ctx, bin, "subscriber", "add", "--supi", "imsi-001010000000901",
		"--k", demoK, "--opc", demoOPc, "--ambr-ul", "10Mbps", "--ambr-dl", "10Mbps", "--store", db)
	cfg := filepath.Join(dir, "core.yaml")
	writeFile(t, cfg, upCoreConfig(db, "10.45.0.0/16", "10.45.255.254/32"))
	core := startCore(t, ctx, inCore, cfg)

	sim := startTUNSim(t, ctx, inCore, core, "001010000000001", 100)
	ues := sim.sessions(t)
	t.Run("100UEsPing", func(t *testing.T) {
		if len(ues) != 100 {
			t.Fatalf("sim table has %d UEs with a session, want 100:\n%s", len(ues), sim.stdout.String())
		}
		pool := netip.MustParsePrefix("10.45.0.0/16")
		seen := map[netip.Addr]string{}
		for _, u := range ues {
			if !pool.Contains(u.addr) {
				t.Errorf("%s got %v, outside %v", u.supi, u.addr, pool)
			}
			if o, dup := seen[u.addr]; dup {
				t.Errorf("%s and %s both got %v", o, u.supi, u.addr)
			}
			seen[u.addr] = u.supi
		}
		for _, i := range []int{0, len(ues) / 2, len(ues) - 1} {
			u := ues[i]
			out, err := exec.CommandContext(ctx, "ip", "netns", "exec", u.ns, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "5", upDNHost).CombinedOutput()
			if err != nil {
				t.Errorf("ping %s from %s (%v): %v\n%s", upDNHost, u.ns, u.addr, err, out)
				continue
			}
			t.Logf("%s (%v) → DN %s: %s", u.ns, u.addr, upDNHost, lastLine(string(out)))
		}
	})
	t.Run("TCP100MB", func(t *testing.T) {
		if len(ues) == 0 {
			t.Skip("no UE session")
		}
		tcpTransfer(t, ues[len(ues)/2].ns, dn, 100<<20)
	})
	sim.stop(t, 100)

	t.Run("SessionAMBR", func(t *testing.T) {
		s := startTUNSim(t, ctx, inCore, core, "001010000000901", 1)
		defer s.stop(t, 1)
		u := s.sessions(t)
		if len(u) != 1 {
			t.Fatalf("AMBR UE: %d sessions in the table:\n%s", len(u), s.stdout.String())
		}
		ue, err := netns.Open(u[0].ns)
		if err != nil {
			t.Fatal(err)
		}
		defer ue.Close()
		for _, d := range []struct {
			dir      string
			from, to *netns.NS
			dst      netip.Addr
		}{{"uplink", ue, dn, netip.MustParseAddr(upDNHost)}, {"downlink", dn, ue, u[0].addr}} {
			// A sender descheduled for longer than the bucket's 50 ms burst
			// window loses rate for good, so a loaded machine can measure
			// low: up to five tries. Without enforcement every try
			// measures ~30 Mbit/s.
			var bps, off float64
			for try := 1; try <= 5; try++ {
				bps, off = udpRate(t, d.from, d.to, d.dst)
				t.Logf("Session-AMBR 10 Mbit/s %s, try %d: measured %.2f Mbit/s, offered %.1f", d.dir, try, bps/1e6, off/1e6)
				if bps >= 9e6 && bps <= 11e6 && off >= 20e6 {
					break
				}
			}
			if bps < 9e6 || bps > 11e6 || off < 20e6 {
				t.Errorf("%s: %.2f Mbit/s of %.1f offered, want 10 Mbit/s ± 10 %% of 20 or more", d.dir, bps/1e6, off/1e6)
			}
		}
	})
	core.stop(t)

	t.Run("ReleaseReturnsAddress", func(t *testing.T) {
		db2 := filepath.Join(t.TempDir(), "go5g.db")
		mustRun(t, ctx, bin, "subscriber", "add", "--supi", "imsi-001010000000001", "--count", "10",
			"--k", demoK, "--opc", demoOPc, "--store", db2)
		cfg2 := filepath.Join(t.TempDir(), "core.yaml")
		// A /28: 16 addresses, room for 10 UEs once but not twice.
		writeFile(t, cfg2, upCoreConfig(db2, "10.45.0.0/28", "10.45.1.1/32"))
		ns2 := tp.NS("core2")
		inCore2 := nsWrapper(t, bin, tp.Name("core2"))
		c := startCore(t, ctx, inCore2, cfg2)
		defer c.stop(t)
		pool := netip.MustParsePrefix("10.45.0.0/28")
		for run := 1; run <= 3; run++ {
			out := string(mustRun(t, ctx, inCore2, "sim", "--amf", "127.0.0.1:38412", "--transport", "udp", "--amf-udp-port", "9899",
				"--ues", "10", "--k", demoK, "--opc", demoOPc, "--pdu-session", "--switch-off", "--table", "full"))
			got := parseSessions(out, "")
			addrs := map[netip.Addr]bool{}
			for _, u := range got {
				if pool.Contains(u.addr) {
					addrs[u.addr] = true
				}
			}
			if len(got) != 10 || len(addrs) != 10 || !strings.Contains(out, "10 UEs: 10 registered and switched off, 0 failed") {
				t.Fatalf("run %d: %d sessions, %d distinct addresses in %v, want 10:\n%s\ncore:\n%s", run, len(got), len(addrs), pool, out, c.logsNow())
			}
			// Switch-off awaits no answer: let the SMF release the sessions
			// (and free their addresses) before the next run asks again.
			waitMetrics(t, ns2, c, 30*time.Second, fmt.Sprintf(`(?m)^go5g_smf_pdu_session_releases_total %d$`, 10*run),
				`(?m)^go5g_smf_pdu_sessions 0$`)
			t.Logf("run %d: 10 UEs got 10 distinct addresses from %v", run, pool)
		}
	})
}

// upCoreConfig is a core with the embedded UPF: N2 over SCTP over UDP on
// loopback, N3 on 127.0.0.2, the given IPv4 pool and N6 address.
func upCoreConfig(db, pool, n6 string) string {
	return fmt.Sprintf(`store: %s
log: {level: info, format: json}
api: {address: "127.0.0.1:0"}
amf:
  n2: {address: "127.0.0.1:38412", transport: udp, udp_port: 9899}
smf:
  dnns:
    - {name: internet, ipv4_pool: %s, ipv6_pool: "", dns: [8.8.8.8]}
upf:
  enabled: true
  n4: {address: "127.0.0.1:8805"}
  n3: {address: "127.0.0.2:2152"}
  n6: {device: n6sim, addresses: [%q]}
  workers: 1
`, db, pool, n6)
}

// nsWrapper writes a script that runs bin inside namespace name, as
// TestSimTUN explains (nsenter keeps the mount namespace, so the UE
// namespaces the sim mounts are visible here).
func nsWrapper(t *testing.T, bin, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "go5g-in-ns")
	writeFile(t, p, fmt.Sprintf("#!/bin/sh\nexec nsenter --net=%s %s \"$@\"\n", filepath.Join(netns.RunDir, name), bin))
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// lockedBuffer is a bytes.Buffer a process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tunSim is a running `go5g sim --tun`.
type tunSim struct {
	cmd            *exec.Cmd
	prefix         string
	n              int
	stdout, stderr lockedBuffer
	done           chan error
}

// startTUNSim starts n UEs from imsi with TUNs in namespaces of a unique
// prefix and returns once they are up.
// Further flags in extra (--pdu-type, --n3, --gnb-id) override the defaults.
func startTUNSim(t *testing.T, ctx context.Context, inCore string, core *coreProcess, imsi string, n int, extra ...string) *tunSim {
	t.Helper()
	s := &tunSim{
		prefix: fmt.Sprintf("%s%d-%x-ue", netnstest.Prefix, os.Getpid(), time.Now().UnixNano()&0xffffff),
		n:      n, done: make(chan error, 1),
	}
	s.cmd = exec.Command(inCore, "sim", "--amf", "127.0.0.1:38412", "--transport", "udp", "--amf-udp-port", "9899",
		"--ues", fmt.Sprint(n), "--imsi", imsi, "--k", demoK, "--opc", demoOPc, "--tun", "--n3", "127.0.0.1",
		"--ue-netns", s.prefix, "--table", "full", "--timeout", "60s")
	s.cmd.Args = append(s.cmd.Args, extra...)
	s.cmd.Stdout = &s.stdout
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.done
		}
		for i := 1; i <= n; i++ {
			netns.Delete(fmt.Sprintf("%s%d", s.prefix, i)) // only if the sim left it behind
		}
	})
	up := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		once := sync.OnceFunc(func() { close(up) })
		for sc.Scan() {
			s.stderr.Write([]byte(sc.Text() + "\n"))
			if strings.Contains(sc.Text(), "UEs are up") {
				once()
			}
		}
		once()
		io.Copy(io.Discard, pipe)
		s.done <- s.cmd.Wait()
	}()
	select {
	case <-up:
	case <-ctx.Done():
	case <-time.After(4 * time.Minute):
	}
	if !strings.Contains(s.stderr.String(), "UEs are up") {
		t.Fatalf("go5g sim did not bring %d UEs up:\n%s\n%s\ncore:\n%s", n, s.stdout.String(), s.stderr.String(), core.logsNow())
	}
	return s
}

// sessions parses the sim's table. The table is printed before "UEs are
// up", but stdout and stderr are copied by separate goroutines: wait for
// the summary line.
func (s *tunSim) sessions(t *testing.T) []ueSession {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.stdout.String(), fmt.Sprintf("%d UEs: ", s.n)) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	return parseSessions(s.stdout.String(), s.prefix)
}

// stop interrupts the sim: exit status 0 and every UE namespace gone.
func (s *tunSim) stop(t *testing.T, n int) {
	t.Helper()
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("go5g sim after SIGINT: %v\n%s", err, s.stderr.String())
		}
	case <-time.After(90 * time.Second):
		t.Errorf("go5g sim did not stop within 90 s of SIGINT")
		return
	}
	for i := 1; i <= n; i++ {
		if _, err := os.Stat(filepath.Join(netns.RunDir, fmt.Sprintf("%s%d", s.prefix, i))); err == nil {
			t.Errorf("namespace %s%d left behind", s.prefix, i)
		}
	}
}

// ueSession is one row of the sim's table: SUPI, address and, with --tun,
// the UE's namespace.
type ueSession struct {
	supi, ns string
	addr     netip.Addr
}

var sessionRow = regexp.MustCompile(`(?m)^(imsi-\d+)\s+\S+\s+ok\s+\S+\s+\S+\s+(\d+\.\d+\.\d+\.\d+)(?:\s+(\S+)/\S+)?`)

// parseSessions reads the successful rows of a sim table; with a prefix,
// only rows whose TUN is in a namespace of that prefix.
func parseSessions(out, prefix string) []ueSession {
	var r []ueSession
	for _, m := range sessionRow.FindAllStringSubmatch(out, -1) {
		a, err := netip.ParseAddr(m[2])
		if err != nil || (prefix != "" && !strings.HasPrefix(m[3], prefix)) {
			continue
		}
		r = append(r, ueSession{supi: m[1], addr: a, ns: m[3]})
	}
	return r
}

// waitMetrics waits until the core's /metrics, fetched from inside its
// namespace ns, matches every regular expression in want.
func waitMetrics(t *testing.T, ns *netns.NS, c *coreProcess, d time.Duration, want ...string) {
	t.Helper()
	base := regexp.MustCompile(`"api":"(http://[^"]+)"`).FindStringSubmatch(c.logsNow())
	if base == nil {
		t.Fatalf("core printed no API address:\n%s", c.logsNow())
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(_ context.Context, network, addr string) (net.Conn, error) { return ns.Dial(network, addr) },
	}}
	defer client.CloseIdleConnections()
	var text []byte
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		text = nil
		if resp, err := client.Get(base[1] + "/metrics"); err == nil {
			text, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		ok := true
		for _, re := range want {
			ok = ok && regexp.MustCompile(re).Match(text)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			break
		}
	}
	t.Fatalf("core /metrics does not match %q within %s:\n%s", want, d, text)
}

// tcpTransfer sends size random octets over TCP from a client in namespace
// ueName to a server in dn and checks the SHA-256 of what arrived.
func tcpTransfer(t *testing.T, ueName string, dn *netns.NS, size int64) {
	ue, err := netns.Open(ueName)
	if err != nil {
		t.Fatal(err)
	}
	defer ue.Close()
	ln, err := dn.Listen("tcp4", net.JoinHostPort(upDNHost, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		n   int64
		sum []byte
		err error
	}
	got := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- result{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Minute))
		h := sha256.New()
		n, err := io.Copy(h, c)
		got <- result{n, h.Sum(nil), err}
	}()
	c, err := ue.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial the DN from %s: %v", ueName, err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	h := sha256.New()
	start := time.Now()
	n, err := io.Copy(c, io.TeeReader(io.LimitReader(rand.Reader, size), h))
	if err == nil {
		err = c.(*net.TCPConn).CloseWrite()
	}
	if err != nil {
		c.Close()
		t.Fatalf("send %d of %d octets: %v", n, size, err)
	}
	r := <-got
	elapsed := time.Since(start)
	c.Close()
	if r.err != nil || r.n != size {
		t.Fatalf("DN received %d of %d octets: %v", r.n, size, r.err)
	}
	if !bytes.Equal(r.sum, h.Sum(nil)) {
		t.Fatalf("SHA-256 of the received octets %x, sent %x", r.sum, h.Sum(nil))
	}
	t.Logf("%d MB over TCP from %s to the DN in %s: %.0f Mbit/s, SHA-256 equal", size>>20, ueName,
		elapsed.Round(time.Millisecond), float64(size)*8/elapsed.Seconds()/1e6)
}

// udpRate offers 30 Mbit/s of UDP from namespace from to a listener on
// address dst in namespace to for 3 s and returns the rate,
// in IP bit/s, at which it arrived (octets after the first datagram over
// the time from the first to the last) and the rate offered.
func udpRate(t *testing.T, from, to *netns.NS, dst netip.Addr) (float64, float64) {
	t.Helper()
	const payload, ipUDP = 1200, 28
	const offered, dur = 30e6, 3 * time.Second
	pc, err := to.ListenPacket("udp4", netip.AddrPortFrom(dst, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	c, err := from.Dial("udp4", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type result struct {
		octets      int64
		first, last time.Time
	}
	got := make(chan result, 1)
	go func() {
		var r result
		buf := make([]byte, 2048)
		for {
			pc.SetReadDeadline(time.Now().Add(time.Second))
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				got <- r
				return
			}
			now := time.Now()
			if r.first.IsZero() {
				r.first = now
			} else {
				r.octets += int64(n + ipUDP)
			}
			r.last = now
		}
	}()
	msg := make([]byte, payload)
	sent := 0
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	for time.Since(start) < dur {
		<-tick.C
		// Every 10 ms (or later, under load): what 30 Mbit/s earned so far.
		due := int(time.Since(start).Seconds()*offered/8/(payload+ipUDP)) - sent
		for range due {
			if _, err := c.Write(msg); err != nil && !errors.Is(err, syscall.ENOBUFS) {
				t.Fatalf("UDP send: %v", err)
			}
			sent++
		}
	}
	tick.Stop()
	off := float64(sent*(payload+ipUDP)*8) / time.Since(start).Seconds()
	r := <-got
	if r.last.Sub(r.first) < dur/2 {
		t.Fatalf("received %d octets over %s of a %s flow", r.octets, r.last.Sub(r.first), dur)
	}
	return float64(r.octets*8) / r.last.Sub(r.first).Seconds(), off
}

// The IPv6 side of the data network of TestUserPlaneIPv6EndToEnd, and the
// UE pool its DN routes back through the core.
const (
	upCoreDN6 = "2001:db8:2::1"
	upDNHost6 = "2001:db8:2::2"
	upPool6   = "fd00:45::/48"
)

// TestUserPlaneIPv6EndToEnd: IPv6 through the real binary's UPF (issue
// 4). `go5g core` with an IPv6 pool runs in a namespace, a DN host behind
// its N6 in another; two UEs with IPv6 PDU sessions and two with IPv4v6
// sessions (two sims, two gNBs, held at once) learn their /64 from the
// UPF's Router Advertisement and ping the DN host over IPv6 (and, with
// IPv4v6, over IPv4). Every UE has its own /64 with the SMF's interface
// identifier.
// Spec: TS 23.501 §5.8.2.2 (a /64 per PDU session, prefix by Router
// Advertisement); TS 29.061 §11.2.1.3.2
func TestUserPlaneIPv6EndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs UEs with TUNs")
	}
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ping")
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	tp := netnstest.New(t)
	tp.Link(netnstest.End{Role: "core", Name: "dn", Addrs: []string{upCoreDN + "/24", upCoreDN6 + "/64"}},
		netnstest.End{Role: "dn", Name: "core", Addrs: []string{upDNHost + "/24", upDNHost6 + "/64"}})
	tp.Router("core")
	tp.Route("dn", "10.45.0.0/16", upCoreDN)
	tp.Route("dn", upPool6, upCoreDN6)

	bin := buildBinary(t)
	dir := t.TempDir()
	inCore := nsWrapper(t, bin, tp.Name("core"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db := filepath.Join(dir, "go5g.db")
	mustRun(t, ctx, bin, "subscriber", "add", "--supi", "imsi-001010000000001", "--count", "4",
		"--k", demoK, "--opc", demoOPc, "--store", db)
	cfg := filepath.Join(dir, "core.yaml")
	writeFile(t, cfg, upCoreConfig6(db))
	core := startCore(t, ctx, inCore, cfg)
	defer core.stop(t)

	// Two sims at once, each its own gNB with its own N3 address.
	v6 := startTUNSim(t, ctx, inCore, core, "001010000000001", 2, "--pdu-type", "ipv6")
	v4v6 := startTUNSim(t, ctx, inCore, core, "001010000000003", 2, "--pdu-type", "ipv4v6", "--gnb-id", "2", "--n3", "127.0.0.3")
	pool6, pool4 := netip.MustParsePrefix(upPool6), netip.MustParsePrefix("10.45.0.0/16")
	prefixes := map[netip.Prefix]string{}
	for _, s := range []*tunSim{v6, v4v6} {
		iids := parseIIDs(s, t)
		for i := 1; i <= s.n; i++ {
			ns := fmt.Sprintf("%s%d", s.prefix, i)
			a6 := waitUEAddr(t, ns, pool6, 30*time.Second)
			if !a6.IsValid() {
				t.Errorf("%s: no IPv6 address from %v within 30 s (no Router Advertisement?)\nsim:\n%s\ncore:\n%s", ns, pool6, s.stderr.String(), core.logsNow())
				continue
			}
			if iid, ok := iids[ns]; !ok || [8]byte(a6.AsSlice()[8:]) != [8]byte(iid.AsSlice()[8:]) {
				t.Errorf("%s: address %v, want the interface identifier %v the SMF gave (sim table:\n%s)", ns, a6, iid, s.stdout.String())
			}
			p := netip.PrefixFrom(a6, 64).Masked()
			if o, dup := prefixes[p]; dup {
				t.Errorf("%s and %s share the prefix %v", o, ns, p)
			}
			prefixes[p] = ns
			out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "ping", "-6", "-n", "-c", "3", "-i", "0.2", "-W", "5", upDNHost6).CombinedOutput()
			if err != nil {
				t.Errorf("ping -6 %s from %s (%v): %v\n%s\ncore:\n%s", upDNHost6, ns, a6, err, out, core.logsNow())
				continue
			}
			t.Logf("%s (%v) → DN %s: %s", ns, a6, upDNHost6, lastLine(string(out)))
			if s != v4v6 {
				if a4 := waitUEAddr(t, ns, pool4, 0); a4.IsValid() {
					t.Errorf("%s: IPv6 session has IPv4 address %v", ns, a4)
				}
				continue
			}
			a4 := waitUEAddr(t, ns, pool4, 5*time.Second)
			if !a4.IsValid() {
				t.Errorf("%s: IPv4v6 session without an IPv4 address from %v", ns, pool4)
				continue
			}
			out, err = exec.CommandContext(ctx, "ip", "netns", "exec", ns, "ping", "-4", "-n", "-c", "3", "-i", "0.2", "-W", "5", upDNHost).CombinedOutput()
			if err != nil {
				t.Errorf("ping -4 %s from %s (%v): %v\n%s", upDNHost, ns, a4, err, out)
				continue
			}
			t.Logf("%s (%v) → DN %s: %s", ns, a4, upDNHost, lastLine(string(out)))
		}
	}
	if len(prefixes) != 4 {
		t.Errorf("%d distinct /64 prefixes, want 4: %v", len(prefixes), prefixes)
	}
	v6.stop(t, 2)
	v4v6.stop(t, 2)
}

// iidRow is a sim table row's IPv6 interface identifier and TUN namespace.
var iidRow = regexp.MustCompile(`(?m)^imsi-\d+\s.*?(\S+) \(IID\)\s+(\S+)/\S+`)

// parseIIDs maps each UE namespace of s to the interface identifier the
// SMF gave its session, from the sim's table.
func parseIIDs(s *tunSim, t *testing.T) map[string]netip.Addr {
	t.Helper()
	s.sessions(t) // waits for the table
	m := map[string]netip.Addr{}
	for _, r := range iidRow.FindAllStringSubmatch(s.stdout.String(), -1) {
		if a, err := netip.ParseAddr(r[1]); err == nil {
			m[r[2]] = a
		}
	}
	return m
}

// waitUEAddr waits up to d for a global address of pool on any link of the
// UE namespace name and returns it (invalid when none came).
func waitUEAddr(t *testing.T, name string, pool netip.Prefix, d time.Duration) netip.Addr {
	t.Helper()
	ns, err := netns.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	h, err := ns.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for deadline := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		addrs, err := h.AddrList(nil, netlink.FAMILY_ALL)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range addrs {
			if ip, ok := netip.AddrFromSlice(a.IP); ok && pool.Contains(ip.Unmap()) {
				return ip.Unmap()
			}
		}
		if time.Now().After(deadline) {
			return netip.Addr{}
		}
	}
}

// upCoreConfig6 is upCoreConfig with the IPv6 pool upPool6 next to the
// IPv4 one: the SMF hands out /64s of it, and the embedded UPF's N6 TUN
// routes it.
func upCoreConfig6(db string) string {
	return strings.Replace(upCoreConfig(db, "10.45.0.0/16", "10.45.255.254/32"),
		`ipv6_pool: ""`, `ipv6_pool: "`+upPool6+`"`, 1)
}
