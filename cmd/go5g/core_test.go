package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go5g/internal/core"
)

// runCore runs `go5g args...` and returns exit code, stdout and stderr.
func runCoreCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestCorePrintConfig: --print-config prints the effective configuration,
// which loads back to the same thing, with the store resolved to the path
// `go5g subscriber` uses by default.
func TestCorePrintConfig(t *testing.T) {
	t.Setenv(storeEnv, "")
	code, out, errOut := runCoreCmd(t, "core", "--print-config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, err := core.Parse("printed", []byte(out))
	if err != nil {
		t.Fatalf("printed config does not load: %v\n%s", err, out)
	}
	want := core.Defaults()
	want.Store = defaultStorePath
	if !reflect.DeepEqual(got, want) {
		t.Errorf("printed config:\n%+v\nwant\n%+v", got, want)
	}
	if !strings.HasPrefix(out, "# go5g core configuration") {
		t.Errorf("no header comment:\n%s", out)
	}
}

// TestCorePrintConfigLayers: the file overrides the defaults, --data-dir the
// file, and GO5G_STORE and --store the store path, in that order.
func TestCorePrintConfigLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "core.yaml")
	if err := os.WriteFile(file, []byte("plmn: {mcc: \"208\", mnc: \"93\"}\ndata_dir: /from/file\namf:\n  n2: {transport: udp}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		env       string
		args      []string
		wantStore string
		wantDir   string
	}{
		{"", nil, "/from/file/go5g.db", "/from/file"},
		{"", []string{"--data-dir", "/from/flag"}, "/from/flag/go5g.db", "/from/flag"},
		{"/from/env.db", []string{"--data-dir", "/from/flag"}, "/from/env.db", "/from/flag"},
		{"/from/env.db", []string{"--store", "/from/flag.db"}, "/from/flag.db", "/from/file"},
	}
	for _, c := range cases {
		t.Setenv(storeEnv, c.env)
		args := append([]string{"core", "--config", file, "--print-config"}, c.args...)
		code, out, errOut := runCoreCmd(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		got, err := core.Parse("printed", []byte(out))
		if err != nil {
			t.Fatal(err)
		}
		if got.Store != c.wantStore || got.DataDir != c.wantDir || got.PLMN.MCC != "208" || got.AMF.N2.Transport != "udp" {
			t.Errorf("%v (env %q): store %q data_dir %q plmn %v transport %q; want store %q data_dir %q",
				args, c.env, got.Store, got.DataDir, got.PLMN, got.AMF.N2.Transport, c.wantStore, c.wantDir)
		}
	}
}

// TestCoreBadConfig: a bad file fails with exit 1 (not a command-line
// mistake) naming the file, line and field, and saying what to do next.
func TestCoreBadConfig(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, src string
		want      []string
	}{
		{"bad value", "amf:\n  n2:\n    transport: sctpx\n",
			[]string{"core.yaml:3: amf.n2.transport: \"sctpx\": want kernel, udp, ip or auto", "--print-config"}},
		{"unknown key", "plmn:\n  mcc: \"001\"\n  mnx: \"01\"\n",
			[]string{"core.yaml:3: plmn.mnx: unknown key; this section takes mcc, mnc"}},
	}
	for _, c := range cases {
		file := filepath.Join(dir, "core.yaml")
		if err := os.WriteFile(file, []byte(c.src), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := runCoreCmd(t, "core", "--config", file)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", c.name, code)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", c.name, w, errOut)
			}
		}
	}
	code, _, errOut := runCoreCmd(t, "core", "--config", filepath.Join(dir, "missing.yaml"))
	if code != 1 || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
}

func TestCoreUsage(t *testing.T) {
	for _, args := range [][]string{{"core", "core.yaml"}, {"core", "--bogus"}} {
		if code, _, errOut := runCoreCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage): %s", args, code, errOut)
		}
	}
	code, out, _ := runCoreCmd(t, "core", "-h")
	if code != 0 || !strings.Contains(out, "--print-config") || !strings.Contains(out, "-data-dir") {
		t.Errorf("core -h: exit %d:\n%s", code, out)
	}
}

// syncBuffer is a bytes.Buffer safe for the core's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCoreRunStops runs `go5g core` on loopback until its context (SIGINT
// or SIGTERM in main) is cancelled: it starts with the store in --data-dir,
// logs its start line and exits 0.
func TestCoreRunStops(t *testing.T) {
	t.Setenv(storeEnv, "")
	dir := t.TempDir()
	file := filepath.Join(dir, "core.yaml")
	cfg := "log: {format: json}\napi: {address: \"127.0.0.1:0\"}\nupf: {enabled: false}\nsmf: {upfs: []}\namf:\n  n2: {address: \"127.0.0.1:38412\", transport: udp, udp_port: 0}\n"
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"core", "--config", file, "--data-dir", dir}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), `"msg":"go5g core running"`) {
		select {
		case code := <-done:
			t.Fatalf("exited %d before running:\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no start line after 10 s:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after cancel, want 0:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("go5g core did not stop 10 s after cancel")
	}
	logged := stderr.String()
	for _, w := range []string{`"transport":"udp"`, `"store":"` + filepath.Join(dir, "go5g.db") + `"`, `"msg":"go5g core stopped"`} {
		if !strings.Contains(logged, w) {
			t.Errorf("log lacks %s:\n%s", w, logged)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "go5g.db")); err != nil {
		t.Errorf("store not in --data-dir: %v", err)
	}
}
