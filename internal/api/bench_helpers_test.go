package api

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for VACUUM

	"go5g/internal/auth"
	"go5g/internal/pgtest"
	"go5g/internal/store"
)

func authCheap() auth.Config { return auth.Config{Params: cheap} }

func newReq(method, path string) *http.Request { return httptest.NewRequest(method, path, nil) }

func newRec() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func benchSQLite(tb testing.TB) store.Store {
	s, err := store.Open(filepath.Join(tb.TempDir(), "go5g.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func benchPG(tb testing.TB) store.Store {
	s, err := store.Open(pgtest.Start(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// vacuumedPG is benchPG whose subscribers table is vacuumed after loading,
// as autovacuum leaves it in service: COUNT(*) then reads the primary key
// index only instead of every row.
func vacuumedPG(tb testing.TB) (store.Store, func()) {
	dsn := pgtest.Start(tb)
	s, err := store.Open(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, func() {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			tb.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`VACUUM ANALYZE subscribers`); err != nil {
			tb.Fatal(err)
		}
	}
}
