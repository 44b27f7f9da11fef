package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"regexp"
	"testing"

	"go5g/internal/store"
	"go5g/internal/suci"
)

func wantKeys(ids ...uint8) func(*testing.T, store.Store) {
	return func(t *testing.T, s store.Store) {
		t.Helper()
		keys, err := s.HomeNetworkKeys(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got []uint8
		for _, k := range keys {
			got = append(got, k.ID)
		}
		if string(got) != string(ids) {
			t.Errorf("key ids %v, want %v", got, ids)
		}
	}
}

func TestKeys(t *testing.T) {
	path := storePath(t)
	runSteps(t, path, []step{
		{args: []string{"keys", "list", "--store", storePath(t)}, code: 1, want: []string{"no store at"}},
		{args: []string{"keys", "generate", "--profile", "A", "--id", "1"}, code: 0,
			want: []string{"key id      1", "profile     A (X25519)", "public key"}, check: wantKeys(1)},
		{args: []string{"keys", "generate", "--profile", "b", "--id", "255"}, code: 0,
			want: []string{"key id      255", "B (P-256"}, check: wantKeys(1, 255)},
		{args: []string{"keys", "generate", "--profile", "B", "--id", "1"}, code: 1,
			want: []string{"key id 1 is taken"}, check: wantKeys(1, 255)},
		{args: []string{"keys", "generate", "--profile", "C", "--id", "2"}, code: 1, want: []string{"--profile"}, check: wantKeys(1, 255)},
		{args: []string{"keys", "generate", "--profile", "A", "--id", "256"}, code: 1, want: []string{"--id: must be 0 to 255"}, check: wantKeys(1, 255)},
		{args: []string{"keys", "generate", "--profile", "A"}, code: 2, want: []string{"--id is required"}},
		{args: []string{"keys", "generate", "--id", "3"}, code: 2, want: []string{"--profile is required"}},
		{args: []string{"keys", "list"}, code: 0, want: []string{"ID   PROFILE  PUBLIC KEY", "1    A", "255  B"}},
		{args: []string{"keys", "delete", "--id", "1"}, code: 0, want: []string{"deleted home network key 1"}, check: wantKeys(255)},
		{args: []string{"keys", "delete", "--id", "1"}, code: 1, want: []string{"no key with id 1"}, check: wantKeys(255)},
		{args: []string{"keys", "delete"}, code: 2, want: []string{"--id is required"}},
		{args: []string{"keys"}, code: 2, want: []string{"Usage: go5g keys"}},
	})
}

// TestKeysPrintedPublicKey checks that the printed public key is the one
// matching the stored private key, and that no listing shows the private key.
func TestKeysPrintedPublicKey(t *testing.T) {
	path := storePath(t)
	for _, c := range []struct {
		profile string
		scheme  suci.Scheme
		id      string
		hexLen  int
	}{{"A", suci.ProfileA, "7", 64}, {"B", suci.ProfileB, "8", 66}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"keys", "generate", "--profile", c.profile, "--id", c.id, "--store", path}, &stdout, &stderr); code != 0 {
			t.Fatalf("generate: exit %d: %s", code, stderr.String())
		}
		m := regexp.MustCompile(`public key\s+([0-9a-f]+)\n`).FindStringSubmatch(stdout.String())
		if m == nil || len(m[1]) != c.hexLen {
			t.Fatalf("profile %s: no %d-digit public key in %q", c.profile, c.hexLen, stdout.String())
		}
		pub, err := hex.DecodeString(m[1])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := suci.ParsePublicKey(c.scheme, 0, pub); err != nil {
			t.Errorf("profile %s: printed key does not parse: %v", c.profile, err)
		}
	}
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.HomeNetworkKeys(context.Background())
	s.Close()
	if err != nil || len(keys) != 2 {
		t.Fatalf("%d keys, %v", len(keys), err)
	}
	var stdout, stderr bytes.Buffer
	for _, args := range [][]string{{"keys", "list"}, {"keys", "list", "--json"}} {
		if code := run(context.Background(), append(args, "--store", path), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
	}
	for _, k := range keys {
		if !bytes.Contains(stdout.Bytes(), []byte(k.PublicKey().String())) {
			t.Errorf("key %d: listing lacks its public key", k.ID)
		}
		if bytes.Contains(stdout.Bytes(), []byte(hex.EncodeToString(k.PrivateBytes()))) {
			t.Errorf("key %d: listing shows the private key", k.ID)
		}
	}
}
