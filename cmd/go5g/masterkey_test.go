package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go5g/internal/store"
)

// TestMasterKeyEnv checks that GO5G_MASTER_KEY_FILE seals what `go5g
// subscriber` writes, and that without it the sealed store is refused with
// an error naming the variable.
func TestMasterKeyEnv(t *testing.T) {
	path := storePath(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(storeEnv, path)
	t.Setenv(store.MasterKeyFileEnv, keyFile)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), add("imsi-001010000000001"), &stdout, &stderr); code != 0 {
		t.Fatalf("add with a master key: exit %d: %s", code, stderr.String())
	}
	if _, err := store.Open(path); !errors.Is(err, store.ErrMasterKey) {
		t.Fatalf("Open without the key: got %v, want ErrMasterKey", err)
	}
	opt, err := store.WithMasterKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	wantCount(1)(t, s)
	s.Close()

	t.Setenv(store.MasterKeyFileEnv, "")
	stderr.Reset()
	if code := run(context.Background(), []string{"subscriber", "list"}, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), store.MasterKeyFileEnv) {
		t.Errorf("list without the key: exit %d, stderr %q; want a failure naming %s", code, stderr.String(), store.MasterKeyFileEnv)
	}

	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(store.MasterKeyFileEnv, keyFile)
	stderr.Reset()
	if code := run(context.Background(), []string{"subscriber", "list"}, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), "chmod 600") {
		t.Errorf("world-readable key file: exit %d, stderr %q; want a refusal", code, stderr.String())
	}
}

// rawSecrets reads the stored K, OPc and home network private key columns
// straight from the SQLite file, keyed by row, to see what is at rest.
func rawSecrets(t *testing.T, path string) map[string][]byte {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]byte{}
	rows, err := db.Query(`SELECT supi, k, opc FROM subscribers`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var supi string
		var k, opc []byte
		if err := rows.Scan(&supi, &k, &opc); err != nil {
			t.Fatal(err)
		}
		out[supi+"/k"], out[supi+"/opc"] = k, opc
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	rows, err = db.Query(`SELECT id, private_key FROM home_network_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var priv []byte
		if err := rows.Scan(&id, &priv); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("key %d", id)] = priv
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readKeyFile checks a file written by master-generate and returns its line.
func readKeyFile(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %04o, want 0600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSuffix(string(b), "\n")
	if k, err := hex.DecodeString(line); err != nil || len(k) != store.MasterKeyLen || len(b) != len(line)+1 {
		t.Fatalf("%s holds %d bytes, want 64 hex digits and a newline", path, len(b))
	}
	return line
}

// TestMasterKeyRotation walks the documented procedure: generate a key,
// provision with it, generate a second, put it first with the old one
// after it, reseal, drop the old one.
func TestMasterKeyRotation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := storePath(t)
	t.Setenv(storeEnv, path)
	var stdout, stderr bytes.Buffer
	cli := func(args ...string) int {
		t.Helper()
		stdout.Reset()
		stderr.Reset()
		return run(ctx, args, &stdout, &stderr)
	}

	oldFile := filepath.Join(dir, "old.key")
	if code := cli("keys", "master-generate", "--out", oldFile); code != 0 {
		t.Fatalf("master-generate: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"store_key_file: " + oldFile, store.MasterKeyFileEnv + "=" + oldFile, "keys reseal"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("master-generate output lacks %q:\n%s", want, stdout.String())
		}
	}
	oldLine := readKeyFile(t, oldFile)
	if code := cli("keys", "master-generate", "--out", oldFile); code != 1 || !strings.Contains(stderr.String(), "refusing to overwrite") {
		t.Errorf("master-generate over an existing file: exit %d, stderr %q; want 1 and a refusal", code, stderr.String())
	}
	if got := readKeyFile(t, oldFile); got != oldLine {
		t.Error("master-generate changed an existing key file")
	}

	t.Setenv(store.MasterKeyFileEnv, oldFile)
	for _, args := range [][]string{add("imsi-001010000000001"), add("imsi-001010000000002"),
		{"keys", "generate", "--profile", "A", "--id", "1"}} {
		if code := cli(args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
	}
	before := rawSecrets(t, path)
	if len(before) != 5 {
		t.Fatalf("store holds %d secrets, want 5", len(before))
	}

	newFile := filepath.Join(dir, "new.key")
	if code := cli("keys", "master-generate", "--out", newFile); code != 0 {
		t.Fatalf("master-generate: exit %d: %s", code, stderr.String())
	}
	newLine := readKeyFile(t, newFile)
	if newLine == oldLine {
		t.Fatal("two generated master keys are equal")
	}
	both := filepath.Join(dir, "rotating.key")
	if err := os.WriteFile(both, []byte(newLine+"\n"+oldLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := cli("keys", "reseal", "--master-key", both); code != 0 {
		t.Fatalf("reseal: exit %d: %s", code, stderr.String())
	}
	if want := "resealed 5 values"; !strings.Contains(stdout.String(), want) {
		t.Errorf("reseal printed %q, want %q", stdout.String(), want)
	}
	after := rawSecrets(t, path)
	for row, b := range before {
		if bytes.Equal(after[row], b) {
			t.Errorf("%s: stored value unchanged by reseal", row)
		}
	}

	opt, err := store.WithMasterKeyFile(newFile)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(path, opt)
	if err != nil {
		t.Fatalf("Open with only the new key: %v", err)
	}
	wantSubscriber("imsi-001010000000002", func(t *testing.T, sub store.Subscriber) {
		if hex.EncodeToString(sub.K) != testK || hex.EncodeToString(sub.OPc) != testOPc {
			t.Errorf("K, OPc after reseal = %x, %x", sub.K, sub.OPc)
		}
	})(t, s)
	if keys, err := s.HomeNetworkKeys(ctx); err != nil || len(keys) != 1 {
		t.Errorf("home network keys after reseal: %d, %v; want 1", len(keys), err)
	}
	s.Close()

	opt, err = store.WithMasterKeyFile(oldFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, opt); !errors.Is(err, store.ErrMasterKey) {
		t.Errorf("Open with only the old key: got %v, want ErrMasterKey", err)
	}
	if code := cli("keys", "reseal", "--master-key", oldFile); code != 1 ||
		!strings.Contains(stderr.String(), "put that key's line after the new one") {
		t.Errorf("reseal with only the old key: exit %d, stderr %q; want 1 and what to do", code, stderr.String())
	}
	// The environment variable is the default for --master-key.
	t.Setenv(store.MasterKeyFileEnv, newFile)
	if code := cli("keys", "reseal"); code != 0 || !strings.Contains(stdout.String(), "resealed 5 values") {
		t.Errorf("reseal with %s: exit %d, stdout %q, stderr %q", store.MasterKeyFileEnv, code, stdout.String(), stderr.String())
	}
}

// TestMasterKeyUsage checks that command-line mistakes exit 2 and say what
// to give.
func TestMasterKeyUsage(t *testing.T) {
	t.Setenv(storeEnv, storePath(t))
	t.Setenv(store.MasterKeyFileEnv, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "master-generate"}, "--out is required"},
		{[]string{"keys", "master-generate", "--out", "a", "b"}, "unexpected argument"},
		{[]string{"keys", "master-generate", "--bogus"}, "bogus"},
		{[]string{"keys", "reseal"}, store.MasterKeyFileEnv},
		{[]string{"keys", "reseal", "extra"}, "unexpected argument"},
		{[]string{"keys", "reseal", "--master-key"}, "master-key"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"keys", "reseal", "-h"}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "put new.key's line FIRST") {
		t.Errorf("reseal -h: exit %d, stdout %q; want the rotation procedure", code, stdout.String())
	}
}
