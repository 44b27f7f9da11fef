package store

import (
	"strings"
	"testing"

	"go5g/internal/pgtest"
)

// TestPostgresMigrations: on PostgreSQL too the migrations are recorded
// once however often the store is opened, and a newer schema is refused.
func TestPostgresMigrations(t *testing.T) {
	dsn := pgtest.Start(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		s, err := Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	s, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := s.(*sqlStore).w
	var rows, max int
	if err := db.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&rows, &max); err != nil {
		t.Fatal(err)
	}
	if rows != len(ms) || max != len(ms) {
		t.Errorf("schema_migrations has %d rows up to %d, want %d", rows, max, len(ms))
	}
	// The tables are PostgreSQL's native types, not text look-alikes.
	var typ string
	if err := db.QueryRow(`SELECT data_type FROM information_schema.columns WHERE table_name = 'subscribers' AND column_name = 'k'`).Scan(&typ); err != nil || typ != "bytea" {
		t.Errorf("subscribers.k is %q (%v), want bytea", typ, err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, len(ms)+1, "future"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(dsn); err == nil || !strings.Contains(err.Error(), "newer go5g") {
		if err == nil {
			s.Close()
		}
		t.Errorf("Open of a newer schema: got %v, want a 'newer go5g' error", err)
	}
}
