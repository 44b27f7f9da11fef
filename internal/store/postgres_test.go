package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"go5g/internal/pgtest"
	"go5g/internal/store"
	"go5g/internal/store/storetest"
)

// openPG opens a store on a fresh database of the server at server.
func openPG(t testing.TB, server string) store.Store {
	t.Helper()
	s, err := store.Open(pgtest.NewDatabase(t, server))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPostgresSuite runs the behaviour every store has against a real
// PostgreSQL server, one fresh database per subtest.
func TestPostgresSuite(t *testing.T) {
	server := pgtest.Start(t)
	storetest.RunSuite(t, func(t *testing.T) store.Store { return openPG(t, server) })
}

// TestPostgresHandles is several go5g processes on one database: they open
// it at the same time (the migration runs once) and step one subscriber's
// SQN together without a repeat.
func TestPostgresHandles(t *testing.T) {
	dsn := pgtest.NewDatabase(t, pgtest.Start(t))
	const handles, workers, perWorker = 3, 4, 50
	stores := make([]store.Store, handles)
	errs := make([]error, handles)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = store.Open(dsn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	supi := "imsi-001010000000001"
	if err := stores[0].AddSubscribers(t.Context(), storetest.Sample(supi)); err != nil {
		t.Fatal(err)
	}
	results := make(chan uint64, handles*workers*perWorker)
	fail := make(chan error, handles*workers)
	for _, s := range stores {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perWorker {
					_, after, err := s.NextSQN(t.Context(), supi, store.DefaultSQNStep)
					if err != nil {
						fail <- err
						return
					}
					results <- after
				}
			}()
		}
	}
	wg.Wait()
	close(results)
	close(fail)
	for err := range fail {
		t.Fatalf("NextSQN: %v", err)
	}
	seen := map[uint64]bool{}
	for sqn := range results {
		if seen[sqn] {
			t.Fatalf("SQN %#x handed out twice", sqn)
		}
		seen[sqn] = true
	}
	got, err := stores[2].GetSubscriber(t.Context(), supi)
	if err != nil || got.SQN != handles*workers*perWorker*store.DefaultSQNStep || len(seen) != handles*workers*perWorker {
		t.Errorf("%d distinct SQNs, final SQN %#x (%v)", len(seen), got.SQN, err)
	}
}

// TestPostgresOpenMasksPassword: a failed connection names the server but
// never the password, wherever the URL carries it.
func TestPostgresOpenMasksPassword(t *testing.T) {
	const pw = "s3cr3t-Pw"
	for _, dsn := range []string{
		"postgres://go5g:" + pw + "@127.0.0.1:1/go5g?connect_timeout=2",
		"postgresql://go5g@127.0.0.1:1/go5g?password=" + pw + "&connect_timeout=2",
		"postgres://go5g:" + pw + "@127.0.0.1:1/go5g?pool_max_conns=zero",
		"postgres://go5g:" + pw + "@[::1/go5g", // does not parse
	} {
		s, err := store.Open(dsn)
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded", store.MaskDSN(dsn))
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error shows the password: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "store: postgres ") {
			t.Errorf("error %q does not say which store failed", err)
		}
	}
}

func TestMaskDSN(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://go5g:pw@db.example:5432/go5g?sslmode=require", "postgres://go5g:xxxxx@db.example:5432/go5g?sslmode=require"},
		{"postgres://go5g@db/go5g?password=pw&sslpassword=k", "postgres://go5g@db/go5g?password=xxxxx&sslpassword=xxxxx"},
		{"postgres://go5g@db/go5g", "postgres://go5g@db/go5g"},
		{"postgres://u:pw@[::1/x", "(unparsable PostgreSQL URL)"},
	}
	for _, c := range cases {
		if got := store.MaskDSN(c.in); got != c.want {
			t.Errorf("MaskDSN(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestOpenPicksBackend: only postgres:// and postgresql:// URLs go to
// PostgreSQL; a file whose name merely mentions postgres stays SQLite.
func TestOpenPicksBackend(t *testing.T) {
	for in, want := range map[string]bool{
		"postgres://h/db": true, "postgresql://h/db": true,
		"postgres.db": false, "/var/lib/go5g/postgres://x": false, "pg://h/db": false,
	} {
		if got := store.IsPostgresURL(in); got != want {
			t.Errorf("IsPostgresURL(%q) = %v, want %v", in, got, want)
		}
	}
	path := t.TempDir() + "/postgres.db"
	s, err := store.Open(path)
	if err != nil {
		t.Fatalf("SQLite file named postgres.db: %v", err)
	}
	s.Close()
	if _, err := store.Open("postgres://u@127.0.0.1:1/x?connect_timeout=1"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Open of an unreachable server: %v", err)
	}
}
