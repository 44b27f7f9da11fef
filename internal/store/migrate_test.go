package store

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	got := splitStatements("-- a comment\nCREATE TABLE a (\n  x INTEGER -- trailing\n);\n\n  -- another\nCREATE INDEX i ON a (x);\nSELECT 1")
	want := []string{"CREATE TABLE a (\n  x INTEGER -- trailing\n);", "CREATE INDEX i ON a (x);", "SELECT 1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestMigrations checks the embedded set parses, is numbered from 1 and is
// recorded once however often the store is opened.
func TestMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].version != 1 || ms[0].name != "initial" || len(ms[0].statements) != 2 {
		t.Fatalf("unexpected migrations: %+v", ms)
	}
	path := filepath.Join(t.TempDir(), "go5g.db")
	for range 3 {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	s, err := Open(path)
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
	// A database from a newer go5g is refused, not used.
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, len(ms)+1, "future"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer go5g") {
		if err == nil {
			s.Close()
		}
		t.Errorf("Open of a newer schema: got %v, want a 'newer go5g' error", err)
	}
}
