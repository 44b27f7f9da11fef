package udr_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go5g/internal/suci"
)

// TestKeyCacheInvalidate: a deleted key is served from the snapshot until
// the TTL (the clock does not move here), and not at all once the cache is
// invalidated; the next call reads the store once.
func TestKeyCacheInvalidate(t *testing.T) {
	u, cs, _ := newKeyUDR(t, time.Hour)
	a := genKey(t, suci.ProfileA, 1)
	if err := cs.AddHomeNetworkKey(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	mustKey(t, u, suci.ProfileA, 1, a)
	if err := cs.DeleteHomeNetworkKey(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	mustKey(t, u, suci.ProfileA, 1, a) // the snapshot still has it: what the hook is for
	before := cs.reads.Load()
	u.InvalidateHomeNetworkKeys()
	noKey(t, u, suci.ProfileA, 1)
	if n := cs.reads.Load() - before; n != 1 {
		t.Errorf("%d store reads after invalidation, want 1", n)
	}
	// A new key with the deleted one's id is the new key, at once.
	b := genKey(t, suci.ProfileB, 1)
	if err := cs.AddHomeNetworkKey(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	u.InvalidateHomeNetworkKeys()
	noKey(t, u, suci.ProfileA, 1)
	mustKey(t, u, suci.ProfileB, 1, b)
}

// TestKeyCacheInvalidateConcurrent runs lookups against invalidations and
// deletions (for -race): after the last deletion and invalidation no
// lookup may find the key.
func TestKeyCacheInvalidateConcurrent(t *testing.T) {
	u, cs, _ := newKeyUDR(t, time.Hour)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				u.HomeNetworkKey(ctx, suci.ProfileA, 7)
			}
		})
	}
	for range 20 {
		if err := cs.AddHomeNetworkKey(ctx, genKey(t, suci.ProfileA, 7)); err != nil {
			t.Fatal(err)
		}
		u.InvalidateHomeNetworkKeys()
		if err := cs.DeleteHomeNetworkKey(ctx, 7); err != nil {
			t.Fatal(err)
		}
		u.InvalidateHomeNetworkKeys()
		noKey(t, u, suci.ProfileA, 7)
	}
	close(stop)
	wg.Wait()
	noKey(t, u, suci.ProfileA, 7)
}
