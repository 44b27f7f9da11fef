package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// SQLite connection settings. busyTimeout is how long a writer waits for
// another process's write (the CLI while the core runs) before failing.
const (
	busyTimeout  = 10 * time.Second
	readConns    = 8
	openDeadline = 30 * time.Second
)

// Open opens the store at target and brings the schema up to date: a
// postgres:// or postgresql:// URL is a PostgreSQL database (see
// openPostgres; passwords are masked in every error), anything else the path
// of a SQLite file.
//
// Options: WithMasterKeys (or WithMasterKeyFile) encrypts key material at
// rest. Without one, a store whose first subscriber or any home network key
// is sealed is refused (ErrMasterKey), rather than failing at the first
// registration.
func Open(target string, opts ...Option) (Store, error) {
	box, err := collectOptions(opts).box()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if IsPostgresURL(target) {
		return openPostgres(target, box)
	}
	return openSQLiteFile(target, box)
}

// openSQLiteFile opens (creating if needed) the SQLite store at path, its
// directory included. The file is created readable by its owner only: it
// holds subscriber keys.
func openSQLiteFile(path string, box secretBox) (Store, error) {
	if path == "" {
		return nil, errors.New("store: no database path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: database path %q: '?' and '#' are not allowed", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// Create the file ourselves so SQLite's default mode (0644) never
	// applies; the -wal and -shm files take the database file's mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	f.Close()

	w, err := openSQLite(abs, 1, true)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), openDeadline)
	defer cancel()
	if _, err := migrate(ctx, w, ""); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	r, err := openSQLite(abs, readConns, false)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s, err := newSQLStore(ctx, r, w, box, sqliteAddBatch)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return s, nil
}

// openSQLite opens a pool of n connections to the file at abs. Every
// connection gets the pragmas through the DSN (a PRAGMA run once through a
// pool sets one connection). The writer pool also takes the write lock at
// BEGIN (_txlock=immediate), so a transaction waits for busy_timeout instead
// of failing when it would upgrade from reading to writing; the reader pool
// is query_only.
func openSQLite(abs string, n int, writer bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	db, err := sql.Open("sqlite", abs+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	return db, nil
}
