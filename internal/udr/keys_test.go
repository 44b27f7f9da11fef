package udr_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go5g/internal/problem"
	"go5g/internal/store"
	"go5g/internal/suci"
	"go5g/internal/udr"
)

// countingStore counts the UDR's reads of the home network keys.
type countingStore struct {
	store.Store
	reads atomic.Int64
}

func (c *countingStore) HomeNetworkKeys(ctx context.Context) ([]suci.HomeNetworkKey, error) {
	c.reads.Add(1)
	return c.Store.HomeNetworkKeys(ctx)
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func newKeyUDR(t testing.TB, ttl time.Duration) (*udr.UDR, *countingStore, *fakeClock) {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cs := &countingStore{Store: s}
	clk := &fakeClock{}
	clk.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	u, err := udr.New(udr.Config{KeyCacheTTL: ttl}, udr.Deps{Store: cs, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return u, cs, clk
}

func genKey(t testing.TB, scheme suci.Scheme, id uint8) suci.HomeNetworkKey {
	t.Helper()
	k, err := suci.GenerateKey(scheme, id, bytes.NewReader(bytes.Repeat([]byte{id + 1}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustKey(t *testing.T, u *udr.UDR, scheme suci.Scheme, id uint8, want suci.HomeNetworkKey) {
	t.Helper()
	got, err := u.HomeNetworkKey(t.Context(), scheme, id)
	if err != nil {
		t.Fatalf("HomeNetworkKey(%v, %d): %v", scheme, id, err)
	}
	if !bytes.Equal(got.PrivateBytes(), want.PrivateBytes()) {
		t.Fatalf("HomeNetworkKey(%v, %d): another key", scheme, id)
	}
}

func noKey(t *testing.T, u *udr.UDR, scheme suci.Scheme, id uint8) {
	t.Helper()
	_, err := u.HomeNetworkKey(t.Context(), scheme, id)
	wantCause(t, err, problem.InvalidHNPublicKeyIdentifier, 403)
}

// TestKeyCacheHits: within the TTL, known keys are served without reading
// the store; after it, one read refreshes them.
func TestKeyCacheHits(t *testing.T) {
	u, cs, clk := newKeyUDR(t, 5*time.Second)
	a, b := genKey(t, suci.ProfileA, 1), genKey(t, suci.ProfileB, 2)
	for _, k := range []suci.HomeNetworkKey{a, b} {
		if err := cs.AddHomeNetworkKey(t.Context(), k); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		mustKey(t, u, suci.ProfileA, 1, a)
		mustKey(t, u, suci.ProfileB, 2, b)
	}
	if n := cs.reads.Load(); n != 1 {
		t.Errorf("%d store reads for 100 lookups within the TTL, want 1", n)
	}
	clk.Advance(5 * time.Second)
	mustKey(t, u, suci.ProfileA, 1, a)
	mustKey(t, u, suci.ProfileB, 2, b)
	if n := cs.reads.Load(); n != 2 {
		t.Errorf("%d store reads after the TTL, want 2", n)
	}
}

// TestKeyCacheNewKey: a key added while the UDR runs is used at once, even
// right after a lookup that missed it.
func TestKeyCacheNewKey(t *testing.T) {
	u, cs, _ := newKeyUDR(t, time.Hour)
	a := genKey(t, suci.ProfileA, 1)
	noKey(t, u, suci.ProfileA, 1)
	if err := cs.AddHomeNetworkKey(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	mustKey(t, u, suci.ProfileA, 1, a)
	// The same id under the other scheme is still no key.
	noKey(t, u, suci.ProfileB, 1)
}

// TestKeyCacheDeletedKey: a deleted key may be served until the TTL runs
// out, never after.
func TestKeyCacheDeletedKey(t *testing.T) {
	const ttl = 3 * time.Second
	u, cs, clk := newKeyUDR(t, ttl)
	a, b := genKey(t, suci.ProfileA, 1), genKey(t, suci.ProfileB, 2)
	for _, k := range []suci.HomeNetworkKey{a, b} {
		if err := cs.AddHomeNetworkKey(t.Context(), k); err != nil {
			t.Fatal(err)
		}
	}
	mustKey(t, u, suci.ProfileA, 1, a)
	if err := cs.DeleteHomeNetworkKey(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(ttl - time.Millisecond)
	mustKey(t, u, suci.ProfileA, 1, a) // documented staleness
	clk.Advance(time.Millisecond)
	noKey(t, u, suci.ProfileA, 1)
	mustKey(t, u, suci.ProfileB, 2, b)
}

// TestKeyCacheOff: a negative TTL reads the store on every lookup, so a
// deleted key is gone at once.
func TestKeyCacheOff(t *testing.T) {
	u, cs, _ := newKeyUDR(t, -1)
	a := genKey(t, suci.ProfileA, 1)
	if err := cs.AddHomeNetworkKey(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	mustKey(t, u, suci.ProfileA, 1, a)
	mustKey(t, u, suci.ProfileA, 1, a)
	if err := cs.DeleteHomeNetworkKey(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	noKey(t, u, suci.ProfileA, 1)
	if n := cs.reads.Load(); n != 3 {
		t.Errorf("%d store reads, want 3", n)
	}
}

// TestKeyCacheConcurrent: many SUCIs at once on an expired cache share
// reloads instead of each reading the store.
func TestKeyCacheConcurrent(t *testing.T) {
	u, cs, clk := newKeyUDR(t, time.Second)
	a := genKey(t, suci.ProfileA, 1)
	if err := cs.AddHomeNetworkKey(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	const workers, calls = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				if w == 0 && i%50 == 0 {
					clk.Advance(time.Second)
				}
				k, err := u.HomeNetworkKey(context.Background(), suci.ProfileA, 1)
				if err == nil && !bytes.Equal(k.PrivateBytes(), a.PrivateBytes()) {
					err = fmt.Errorf("another key")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// 4 expiries; a reload per expiry per worker at the very most.
	if n := cs.reads.Load(); n > 5*workers {
		t.Errorf("%d store reads for %d lookups and 4 expiries", n, workers*calls)
	}
}

// TestKeyCacheStoreFailure: a failed reload is a system failure, not a
// missing key.
func TestKeyCacheStoreFailure(t *testing.T) {
	u, cs, _ := newKeyUDR(t, time.Second)
	cs.Close()
	_, err := u.HomeNetworkKey(t.Context(), suci.ProfileA, 1)
	wantCause(t, err, problem.SystemFailure, 500)
}

// BenchmarkHomeNetworkKey is one SUCI's key lookup with four keys stored:
// "uncached" reads the store on every call (the UDR before the cache).
func BenchmarkHomeNetworkKey(b *testing.B) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"uncached", -1}, {"cached", 0}} {
		b.Run(c.name, func(b *testing.B) {
			s, err := store.Open(filepath.Join(b.TempDir(), "go5g.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for i := range uint8(4) {
				scheme := suci.ProfileA
				if i%2 == 1 {
					scheme = suci.ProfileB
				}
				if err := s.AddHomeNetworkKey(b.Context(), genKey(b, scheme, i)); err != nil {
					b.Fatal(err)
				}
			}
			u, err := udr.New(udr.Config{KeyCacheTTL: c.ttl}, udr.Deps{Store: s})
			if err != nil {
				b.Fatal(err)
			}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := u.HomeNetworkKey(context.Background(), suci.ProfileB, 3); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
