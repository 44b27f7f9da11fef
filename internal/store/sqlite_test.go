package store_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"go5g/internal/store"
	"go5g/internal/store/storetest"
)

func openTemp(t *testing.T) store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "data", "go5g.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteSuite(t *testing.T) { storetest.RunSuite(t, openTemp) }

// TestSQLiteReopen opens one file twice: the migrations run once, the data
// stays, and the file is private to its owner.
func TestSQLiteReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "go5g.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	want := storetest.Sample("imsi-001010000000001")
	if err := s.AddSubscribers(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	// A second handle while the first is open (the CLI next to the core).
	s2, err := store.Open(path)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	if _, _, err := s2.NextSQN(t.Context(), want.SUPI, 32); err != nil {
		t.Fatalf("NextSQN through the second handle: %v", err)
	}
	s2.Close()
	s.Close()

	s, err = store.Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.GetSubscriber(t.Context(), want.SUPI)
	if err != nil || got.SQN != 32 {
		t.Fatalf("after reopen: SQN %d, %v", got.SQN, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestOpenBadPath(t *testing.T) {
	// A file where the directory should be.
	notDir := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"", "x?mode=memory", filepath.Join(notDir, "go5g.db")} {
		if s, err := store.Open(p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

// TestSQLiteTwoHandles is two processes on one file (the core and the CLI,
// or two cores): separate pools meet only in SQLite's file locks, and SQNs
// still never repeat.
func TestSQLiteTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "go5g.db")
	var handles [2]store.Store
	for i := range handles {
		s, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		handles[i] = s
	}
	supi := "imsi-001010000000001"
	if err := handles[0].AddSubscribers(t.Context(), storetest.Sample(supi)); err != nil {
		t.Fatal(err)
	}
	const perWorker, workers = 100, 4
	results := make(chan uint64, 2*workers*perWorker)
	errs := make(chan error, 2*workers)
	var wg sync.WaitGroup
	for _, s := range handles {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perWorker {
					_, after, err := s.NextSQN(t.Context(), supi, store.DefaultSQNStep)
					if err != nil {
						errs <- err
						return
					}
					results <- after
				}
			}()
		}
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Fatalf("NextSQN: %v", err)
	}
	seen := map[uint64]bool{}
	for sqn := range results {
		if seen[sqn] {
			t.Fatalf("SQN %#x handed out twice", sqn)
		}
		seen[sqn] = true
	}
	if len(seen) != 2*workers*perWorker {
		t.Errorf("%d distinct SQNs, want %d", len(seen), 2*workers*perWorker)
	}
}
