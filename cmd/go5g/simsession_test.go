package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go5g/internal/netns"
	"go5g/internal/netns/netnstest"
	"go5g/internal/testenv"
	"go5g/internal/tun"
)

// TestSimSessionFlags: the session flags' mistakes are usage errors
// (exit status 2) found before any gNB connects.
func TestSimSessionFlags(t *testing.T) {
	keys := []string{"--k", demoK, "--opc", demoOPc}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--pdu-session", "--pdu-type", "ethernet"}, "--pdu-type"},
		{[]string{"--pdu-session", "--dnn", ""}, "--dnn"},
		{[]string{"--pdu-session", "--rate", "10"}, "not --rate"},
		{[]string{"--tun", "--deregister"}, "--tun keeps the UEs up"},
		{[]string{"--n3", "127.0.0.1"}, "--n3 and --ue-netns go with --tun"},
		{[]string{"--ue-netns", "x"}, "--n3 and --ue-netns go with --tun"},
	} {
		code, _, stderr := runSimCmd(t, 1, append(keys, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestSimTUN runs the built binary as a user would: `go5g core` with its
// embedded UPF and `go5g sim --tun` in one throwaway namespace (so N3 and
// N6 stay off the host), then ping from the UE's namespace through the
// TUN, the simulated gNB and the real UPF to the UPF's N6 address, then
// Ctrl-C: exit status 0 and the UE's namespace gone.
func TestSimTUN(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ping")
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	tp := netnstest.New(t)
	tp.NS("net")
	bin := buildBinary(t)
	dir := t.TempDir()
	// A wrapper that runs the binary inside the namespace. nsenter, not
	// `ip netns exec`: that one also enters a private mount namespace, in
	// which the UE namespaces the sim mounts under /run/netns would not be
	// seen from here. Both exec, so signals reach go5g itself.
	inNS := filepath.Join(dir, "go5g-in-ns")
	writeFile(t, inNS, fmt.Sprintf("#!/bin/sh\nexec nsenter --net=%s %s \"$@\"\n", filepath.Join(netns.RunDir, tp.Name("net")), bin))
	if err := os.Chmod(inNS, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "go5g.db")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	mustRun(t, ctx, bin, "subscriber", "add", "--supi", "imsi-001010000000001", "--count", "2",
		"--k", demoK, "--opc", demoOPc, "--store", db)
	cfg := filepath.Join(dir, "core.yaml")
	writeFile(t, cfg, fmt.Sprintf(`store: %s
log: {level: info, format: json}
api: {address: "127.0.0.1:0"}
amf:
  n2: {address: "127.0.0.1:38412", transport: udp, udp_port: 9899}
upf:
  enabled: true
  n4: {address: "127.0.0.1:8805"}
  n3: {address: "127.0.0.2:2152"}
  n6: {device: n6sim, addresses: ["10.45.255.254/32"]}
  workers: 1
`, db))
	core := startCore(t, ctx, inNS, cfg)
	defer core.stop(t)

	// --pdu-session alone: the table shows the address; no TUN, no hold.
	out := string(mustRun(t, ctx, inNS, "sim", "--amf", "127.0.0.1:38412", "--transport", "udp", "--amf-udp-port", "9899",
		"--ues", "1", "--imsi", "001010000000002", "--k", demoK, "--opc", demoOPc, "--pdu-session", "--deregister"))
	for _, w := range []string{"ADDRESS", "10.45.", "1 UEs: 1 registered and deregistered, 0 failed"} {
		if !strings.Contains(out, w) || strings.Contains(out, "TUN") {
			t.Errorf("sim --pdu-session output lacks %q (or has a TUN column):\n%s", w, out)
		}
	}

	prefix := fmt.Sprintf("%s%d-%x-ue", netnstest.Prefix, os.Getpid(), time.Now().UnixNano()&0xffffff)
	sim := exec.Command(inNS, "sim", "--amf", "127.0.0.1:38412", "--transport", "udp", "--amf-udp-port", "9899",
		"--ues", "2", "--k", demoK, "--opc", demoOPc, "--tun", "--n3", "127.0.0.1", "--ue-netns", prefix)
	var stdout strings.Builder
	sim.Stdout = &stdout
	stderr, err := sim.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if sim.ProcessState == nil {
			sim.Process.Kill()
			sim.Wait()
		}
		for _, n := range []string{prefix + "1", prefix + "2"} {
			netns.Delete(n) // only if the sim left it behind
		}
	}()
	up := make(chan struct{})
	var errText strings.Builder
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		once := sync.OnceFunc(func() { close(up) })
		for sc.Scan() {
			mu.Lock()
			errText.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), "UEs are up") {
				once()
			}
		}
		once() // the sim ended without bringing the UEs up: fail at once
	}()
	select {
	case <-up:
	case <-time.After(60 * time.Second):
	}
	mu.Lock()
	upText := errText.String()
	mu.Unlock()
	if !strings.Contains(upText, "UEs are up") {
		t.Fatalf("go5g sim did not bring the UEs up:\n%s\n%s\ncore:\n%s", stdout.String(), upText, core.logsNow())
	}
	for _, ue := range []string{prefix + "1", prefix + "2"} {
		out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ue, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "10.45.255.254").CombinedOutput()
		if err != nil {
			t.Errorf("ping from %s: %v\n%s\ncore:\n%s", ue, err, out, core.logsNow())
			continue
		}
		t.Logf("%s: %s", ue, lastLine(string(out)))
	}
	sim.Process.Signal(syscall.SIGINT)
	werr := make(chan error, 1)
	go func() { werr <- sim.Wait() }()
	select {
	case err := <-werr:
		if err != nil {
			mu.Lock()
			t.Errorf("go5g sim after SIGINT: %v\n%s", err, errText.String())
			mu.Unlock()
		}
	case <-time.After(20 * time.Second):
		t.Fatal("go5g sim did not stop within 20 s of SIGINT")
	}
	out = stdout.String()
	t.Logf("go5g sim output:\n%s", out)
	for _, w := range []string{"ADDRESS", "TUN", prefix + "1/pdu1", "10.45.", "2 UEs: 2 registered"} {
		if !strings.Contains(out, w) {
			t.Errorf("sim output lacks %q:\n%s", w, out)
		}
	}
	for _, n := range []string{prefix + "1", prefix + "2"} {
		if _, err := os.Stat(filepath.Join(netns.RunDir, n)); err == nil {
			t.Errorf("namespace %s left behind", n)
		}
	}
	// The UEs were switched off on the way out, so the core let go of
	// them and of their sessions.
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(core.logsNow(), `"switch_off":true`) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := strings.Count(core.logsNow(), `"switch_off":true`); n != 2 {
		t.Errorf("core logged %d switch-off deregistrations, want 2:\n%s", n, core.logsNow())
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
