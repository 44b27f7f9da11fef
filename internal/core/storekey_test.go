package core

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go5g/internal/store"
)

// TestStoreKeyFile checks store_key_file: a readable-by-others file is a
// field error with its path, a private one gives the options that seal.
func TestStoreKeyFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "master.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("5a", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keyFile, 0o640); err != nil {
		t.Fatal(err)
	}
	c := Defaults()
	c.StoreKeyFile = keyFile
	err := c.Validate()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "store_key_file" || !strings.Contains(fe.Msg, "chmod 600") {
		t.Fatalf("group-readable key file: got %v, want a store_key_file error", err)
	}
	if _, err := c.StoreOptions(); !errors.As(err, &fe) || fe.Path != "store_key_file" {
		t.Errorf("StoreOptions: got %v, want a store_key_file error", err)
	}

	if err := os.Chmod(keyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("private key file: %v", err)
	}
	opts, err := c.StoreOptions()
	if err != nil || len(opts) != 1 {
		t.Fatalf("StoreOptions: %d options, %v", len(opts), err)
	}
	dbPath := filepath.Join(dir, "go5g.db")
	s, err := store.Open(dbPath, opts...)
	if err != nil {
		t.Fatal(err)
	}
	sub := store.Subscriber{SUPI: "imsi-001010000000001", K: make([]byte, 16), OPc: make([]byte, 16),
		AuthMethod: store.AuthMethod5GAKA, SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
		DNNs: []string{"internet"}, AMBR: store.AMBR{Uplink: 1e6, Downlink: 1e6}}
	if err := s.AddSubscribers(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := store.Open(dbPath); !errors.Is(err, store.ErrMasterKey) {
		t.Errorf("reopen without the key: got %v, want ErrMasterKey", err)
	}
	if opts, err := Defaults().StoreOptions(); err != nil || opts != nil {
		t.Errorf("no store_key_file: %v, %v; want no options", opts, err)
	}
}
