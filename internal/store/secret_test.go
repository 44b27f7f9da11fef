package store_test

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for raw reads

	"go5g/internal/pgtest"
	"go5g/internal/store"
	"go5g/internal/store/storetest"
	"go5g/internal/suci"
)

// masterKey returns a fixed 32-octet key whose octets are all b.
func masterKey(b byte) []byte { return bytes.Repeat([]byte{b}, store.MasterKeyLen) }

// backend opens stores on one database (target) and reads its raw rows.
type backend struct {
	name   string
	target func(t *testing.T) string // a fresh, empty database
	driver string                    // database/sql driver for raw reads
	rawDSN func(target string) string
}

func backends(t *testing.T) []backend {
	sqlite := backend{
		name:   "sqlite",
		target: func(t *testing.T) string { return filepath.Join(t.TempDir(), "go5g.db") },
		driver: "sqlite",
		rawDSN: func(p string) string { return p },
	}
	pg := backend{
		name:   "postgres",
		driver: "pgx",
		rawDSN: func(dsn string) string { return dsn },
	}
	var server string
	pg.target = func(t *testing.T) string {
		if server == "" {
			server = pgtest.Start(t)
			return server
		}
		return pgtest.NewDatabase(t, server)
	}
	return []backend{sqlite, pg}
}

func openWith(t *testing.T, target string, opts ...store.Option) store.Store {
	t.Helper()
	s, err := store.Open(target, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// raw opens the database under the store, to see what it really holds.
func raw(t *testing.T, b backend, target string) *sql.DB {
	t.Helper()
	db, err := sql.Open(b.driver, b.rawDSN(target))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func rawSecrets(t *testing.T, db *sql.DB, supi string) (k, opc []byte) {
	t.Helper()
	if err := db.QueryRowContext(t.Context(), `SELECT k, opc FROM subscribers WHERE supi = $1`, supi).Scan(&k, &opc); err != nil {
		t.Fatalf("raw read of %s: %v", supi, err)
	}
	return k, opc
}

// TestSealedSuite runs the shared suite with a master key on both backends.
func TestSealedSuite(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			target := b.target(t) // starts the server once, outside the subtests
			first := true
			storetest.RunSuite(t, func(t *testing.T) store.Store {
				tg := target
				if !first {
					tg = b.target(t)
				}
				first = false
				s := openWith(t, tg, store.WithMasterKeys([][]byte{masterKey(1)}))
				t.Cleanup(func() { s.Close() })
				return s
			})
		})
	}
}

// TestSealedAtRest checks the stored columns, the round trip, the binding
// of each value to its row, a wrong and a missing key, and rotation.
func TestSealedAtRest(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			target := b.target(t)
			ctx := t.Context()
			keyA := store.WithMasterKeys([][]byte{masterKey(0xa)})
			s := openWith(t, target, keyA)
			one, two := storetest.Sample("imsi-001010000000001"), storetest.Sample("imsi-001010000000002")
			two.K, two.OPc = bytes.Repeat([]byte{0x77}, 16), bytes.Repeat([]byte{0x88}, 16)
			if err := s.AddSubscribers(ctx, one, two); err != nil {
				t.Fatal(err)
			}
			hn, err := suci.GenerateKey(suci.ProfileA, 3, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.AddHomeNetworkKey(ctx, hn); err != nil {
				t.Fatal(err)
			}
			db := raw(t, b, target)
			k1, opc1 := rawSecrets(t, db, one.SUPI)
			for name, v := range map[string][]byte{"k": k1, "opc": opc1} {
				if len(v) <= 16 || bytes.Contains(v, one.K) || bytes.Contains(v, one.OPc) {
					t.Errorf("%s column holds %d octets containing the plaintext, want a sealed value", name, len(v))
				}
			}
			var hnRaw []byte
			if err := db.QueryRowContext(ctx, `SELECT private_key FROM home_network_keys WHERE id = 3`).Scan(&hnRaw); err != nil {
				t.Fatal(err)
			}
			if len(hnRaw) <= 32 || bytes.Contains(hnRaw, hn.PrivateBytes()) {
				t.Errorf("private_key column holds the plaintext (%d octets)", len(hnRaw))
			}
			// Random nonces: the same K for another SUPI seals differently.
			if err := s.AddSubscribers(ctx, storetest.Sample("imsi-001010000000003")); err != nil {
				t.Fatal(err)
			}
			if k3, _ := rawSecrets(t, db, "imsi-001010000000003"); bytes.Equal(k3[len(k3)-32:], k1[len(k1)-32:]) {
				t.Error("two seals of one K are equal: nonce reused")
			}
			got, err := s.GetSubscriber(ctx, one.SUPI)
			if err != nil || !bytes.Equal(got.K, one.K) || !bytes.Equal(got.OPc, one.OPc) {
				t.Fatalf("round trip: keys differ (%v)", err)
			}
			keys, err := s.HomeNetworkKeys(ctx)
			if err != nil || len(keys) != 1 || !bytes.Equal(keys[0].PrivateBytes(), hn.PrivateBytes()) {
				t.Fatalf("home network key round trip failed: %v", err)
			}

			// Swap: subscriber two's sealed K copied into one's row.
			k2, _ := rawSecrets(t, db, two.SUPI)
			if _, err := db.ExecContext(ctx, `UPDATE subscribers SET k = $1 WHERE supi = $2`, k2, one.SUPI); err != nil {
				t.Fatal(err)
			}
			if _, err := s.GetSubscriber(ctx, one.SUPI); !errors.Is(err, store.ErrMasterKey) {
				t.Errorf("swapped K: got %v, want ErrMasterKey", err)
			} else if strings.Contains(err.Error(), hex.EncodeToString(two.K)) {
				t.Errorf("error shows the key: %v", err)
			}
			// Put one's K back for the rest of the test.
			if _, err := db.ExecContext(ctx, `UPDATE subscribers SET k = $1 WHERE supi = $2`, k1, one.SUPI); err != nil {
				t.Fatal(err)
			}
			s.Close()

			if _, err := store.Open(target, store.WithMasterKeys([][]byte{masterKey(0xb)})); !errors.Is(err, store.ErrMasterKey) {
				t.Errorf("Open with the wrong key: got %v, want ErrMasterKey", err)
			}
			_, err = store.Open(target)
			if !errors.Is(err, store.ErrMasterKey) || !strings.Contains(err.Error(), "store_key_file") ||
				!strings.Contains(err.Error(), store.MasterKeyFileEnv) {
				t.Errorf("Open without a key: got %v, want ErrMasterKey naming the option", err)
			}

			// Rotation: B seals, A still opens; Reseal moves everything to B.
			s = openWith(t, target, store.WithMasterKeys([][]byte{masterKey(0xb), masterKey(0xa)}))
			n, err := s.(store.Resealer).Reseal(ctx)
			if err != nil || n != 7 { // 3 subscribers × (K, OPc) + 1 private key
				t.Fatalf("Reseal: %d values, %v; want 7", n, err)
			}
			s.Close()
			s = openWith(t, target, store.WithMasterKeys([][]byte{masterKey(0xb)}))
			defer s.Close()
			for _, want := range []store.Subscriber{one, two} {
				got, err := s.GetSubscriber(ctx, want.SUPI)
				if err != nil || !bytes.Equal(got.K, want.K) || !bytes.Equal(got.OPc, want.OPc) {
					t.Errorf("%s after rotation: keys differ (%v)", want.SUPI, err)
				}
			}
			if keys, err := s.HomeNetworkKeys(ctx); err != nil || len(keys) != 1 || !bytes.Equal(keys[0].PrivateBytes(), hn.PrivateBytes()) {
				t.Errorf("home network key after rotation: %v", err)
			}
			if _, err := store.Open(target, keyA); !errors.Is(err, store.ErrMasterKey) {
				t.Errorf("old key alone after Reseal: got %v, want ErrMasterKey", err)
			}
		})
	}
}

// TestPlaintextStoreUpgrade opens a store written without a key with one:
// it reads, seals what is rewritten, and Reseal seals the rest.
func TestPlaintextStoreUpgrade(t *testing.T) {
	b := backends(t)[0]
	target := b.target(t)
	ctx := t.Context()
	s := openWith(t, target)
	one, two := storetest.Sample("imsi-001010000000001"), storetest.Sample("imsi-001010000000002")
	if err := s.AddSubscribers(ctx, one, two); err != nil {
		t.Fatal(err)
	}
	if _, err := s.(store.Resealer).Reseal(ctx); !errors.Is(err, store.ErrMasterKey) {
		t.Errorf("Reseal without a key: got %v, want ErrMasterKey", err)
	}
	s.Close()
	db := raw(t, b, target)
	if k, _ := rawSecrets(t, db, one.SUPI); !bytes.Equal(k, one.K) {
		t.Fatal("without a key K is not stored as it is")
	}

	s = openWith(t, target, store.WithMasterKeys([][]byte{masterKey(5)}))
	defer s.Close()
	if got, err := s.GetSubscriber(ctx, one.SUPI); err != nil || !bytes.Equal(got.K, one.K) {
		t.Fatalf("plaintext row through a keyed store: %v", err)
	}
	if err := s.UpdateSubscriber(ctx, one); err != nil {
		t.Fatal(err)
	}
	if k, _ := rawSecrets(t, db, one.SUPI); bytes.Equal(k, one.K) {
		t.Error("K not sealed when rewritten")
	}
	if k, _ := rawSecrets(t, db, two.SUPI); !bytes.Equal(k, two.K) {
		t.Error("an untouched row changed")
	}
	if n, err := s.(store.Resealer).Reseal(ctx); err != nil || n != 4 {
		t.Fatalf("Reseal: %d, %v; want 4", n, err)
	}
	if k, _ := rawSecrets(t, db, two.SUPI); bytes.Equal(k, two.K) {
		t.Error("K not sealed by Reseal")
	}
	if got, err := s.GetSubscriber(ctx, two.SUPI); err != nil || !bytes.Equal(got.OPc, two.OPc) {
		t.Errorf("after Reseal: %v", err)
	}
}

func TestLoadMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // umask-proof
			t.Fatal(err)
		}
		return p
	}
	a, b := masterKey(0xa), masterKey(0xb)
	rawKey := bytes.Repeat([]byte{0xfe, 0x01}, 16) // not hex text
	hexKeys := "# new key first\n" + hex.EncodeToString(b) + "\n\n" + strings.ToUpper(hex.EncodeToString(a)) + "\n"
	tests := []struct {
		name    string
		data    []byte
		mode    os.FileMode
		want    [][]byte
		wantErr string
	}{
		{"raw", rawKey, 0o600, [][]byte{rawKey}, ""},
		{"hex", []byte(hexKeys), 0o400, [][]byte{b, a}, ""},
		{"group readable", []byte(hexKeys), 0o640, nil, "chmod 600"},
		{"world readable", rawKey, 0o604, nil, "chmod 600"},
		{"short hex", []byte("abcd\n"), 0o600, nil, "line 1"},
		{"empty", []byte("# nothing\n"), 0o600, nil, "no key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := store.LoadMasterKeyFile(write(strings.ReplaceAll(tt.name, " ", "_"), tt.data, tt.mode))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, store.ErrMasterKey) {
					t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), hex.EncodeToString(a)) {
					t.Errorf("error shows the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d keys, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !bytes.Equal(got[i], tt.want[i]) {
					t.Errorf("key %d differs", i)
				}
			}
		})
	}
	if _, err := store.LoadMasterKeyFile(filepath.Join(dir, "missing")); !errors.Is(err, store.ErrMasterKey) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := store.Open(filepath.Join(dir, "x.db"), store.WithMasterKeys([][]byte{make([]byte, 16)})); !errors.Is(err, store.ErrMasterKey) {
		t.Errorf("16-octet master key: got %v, want ErrMasterKey", err)
	}
}
