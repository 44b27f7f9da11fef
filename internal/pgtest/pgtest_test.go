package pgtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestStart starts a server, uses two databases on it, and checks that the
// server is gone once the test that started it has ended.
func TestStart(t *testing.T) {
	var dsn string
	t.Run("server", func(t *testing.T) {
		dsn = Start(t)
		ctx := t.Context()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, `CREATE TABLE t (x INTEGER PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		var db string
		if err := c.QueryRow(ctx, `SELECT current_database()`).Scan(&db); err != nil {
			t.Fatal(err)
		}
		if db == "postgres" || db == "" {
			t.Errorf("Start returned the server's own database %q, want a fresh one", db)
		}
		if os.Getenv(EnvDSN) == "" {
			var listen string
			if err := c.QueryRow(ctx, `SHOW listen_addresses`).Scan(&listen); err != nil {
				t.Fatal(err)
			}
			if listen != "" {
				t.Errorf("listen_addresses = %q, want none (unix socket only)", listen)
			}
		}
		// A second database on the same server is empty.
		other := NewDatabase(t, dsn)
		c2, err := pgx.Connect(ctx, other)
		if err != nil {
			t.Fatalf("connect to the second database: %v", err)
		}
		defer c2.Close(context.Background())
		var n int
		if err := c2.QueryRow(ctx, `SELECT COUNT(*) FROM pg_tables WHERE tablename = 't'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("the second database sees the first one's table")
		}
	})
	if t.Failed() {
		return
	}
	// After cleanup the database (and, for a throwaway server, the server)
	// is gone.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if c, err := pgx.Connect(ctx, dsn); err == nil {
		c.Close(context.Background())
		t.Errorf("database still reachable after the test ended")
	}
}
