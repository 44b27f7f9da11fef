package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go5g/internal/store"
)

// TestDemoOnce runs the README's one-command network to the end of its
// table, twice on one data directory: the second run reuses what the first
// provisioned.
func TestDemoOnce(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		var stdout, stderr bytes.Buffer
		code := run(ctx, []string{"demo", "--once", "--ues", "6", "--gnbs", "3", "--n2-udp-port", "0", "--api", "127.0.0.1:0", "--user-plane=false", "--data-dir", dir}, &stdout, &stderr)
		cancel()
		if code != 0 {
			t.Fatalf("run %d: exit %d\nstdout:\n%s\nstderr:\n%s", i, code, stdout.String(), stderr.String())
		}
		out := stdout.String()
		for _, want := range []string{"imsi-001010000000006", "demo-gnb-3", "6 UEs: 6 registered, 0 failed"} {
			if !strings.Contains(out, want) {
				t.Errorf("run %d: output lacks %q:\n%s", i, want, out)
			}
		}
	}
	st, err := store.Open(dir + "/go5g.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.CountSubscribers(context.Background(), "", 0)
	if err != nil || n != 6 {
		t.Errorf("store holds %d subscribers (%v), want 6", n, err)
	}
	keys, err := st.HomeNetworkKeys(context.Background())
	if err != nil || len(keys) != 1 {
		t.Errorf("store holds %d home network keys (%v), want 1", len(keys), err)
	}
}

// TestDemoMasterKey: with GO5G_MASTER_KEY_FILE set, as for the other
// commands, the demo seals what it provisions and its core reads it back
// (every UE registers).
func TestDemoMasterKey(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("cd", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(store.MasterKeyFileEnv, keyFile)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"demo", "--once", "--ues", "3", "--gnbs", "1", "--n2-udp-port", "0", "--api", "127.0.0.1:0", "--user-plane=false", "--data-dir", dir}, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "3 UEs: 3 registered, 0 failed") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if _, err := store.Open(filepath.Join(dir, "go5g.db")); !errors.Is(err, store.ErrMasterKey) {
		t.Errorf("store opened without the master key: %v, want ErrMasterKey (secrets not sealed)", err)
	}
}

// TestDemoUsage: bad counts are usage errors.
func TestDemoUsage(t *testing.T) {
	for _, args := range [][]string{{"demo", "--ues", "0"}, {"demo", "--gnbs", "100"}, {"demo", "extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2; stderr %s", args, code, stderr.String())
		}
	}
}
