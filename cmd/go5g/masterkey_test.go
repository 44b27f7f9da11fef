package main

import (
	"bytes"
	"context"
	"errors"
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
