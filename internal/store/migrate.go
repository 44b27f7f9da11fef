package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationFiles holds the schema, one numbered file per step
// (NNNN_name.sql), in the SQL SQLite and PostgreSQL share.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one schema step.
type migration struct {
	version    int
	name       string
	statements []string
}

// migrations parses the embedded files, ordered by version.
func migrations() ([]migration, error) {
	names, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range names {
		base := strings.TrimSuffix(f.Name(), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration file %q is not NNNN_name.sql", f.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", f.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, statements: splitStatements(string(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := range out {
		if out[i].version != i+1 {
			return nil, fmt.Errorf("migrations are not numbered 1, 2, 3...: found %d at position %d", out[i].version, i+1)
		}
	}
	return out, nil
}

// splitStatements splits a migration at semicolons that end a line and
// drops "--" comment lines; the files keep semicolons out of anything else,
// so no driver has to accept several statements in one Exec.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// pgMigrationLock, run first in the migration transaction on PostgreSQL,
// keeps two processes from migrating at once: transactional DDL alone would
// let both see an empty schema_migrations and race on CREATE TABLE. The key
// is "go5g" in ASCII; the lock ends with the transaction. SQLite needs none:
// its writer pool begins IMMEDIATE, which takes the database's write lock.
const pgMigrationLock = `SELECT pg_advisory_xact_lock(1735341415)`

// migrate brings the schema up to date in one transaction: every pending
// step and its schema_migrations row, or nothing. A database written by a
// newer go5g is refused rather than used with a schema this binary does not
// know. lock, if not empty, is run first (pgMigrationLock).
func migrate(ctx context.Context, db *sql.DB, lock string) (version int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return 0, fmt.Errorf("migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name    TEXT NOT NULL
)`); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	var cur sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&cur); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	have := int(cur.Int64)
	if have > len(ms) {
		return 0, fmt.Errorf("the database has schema version %d, this go5g knows up to %d: use a newer go5g", have, len(ms))
	}
	for _, m := range ms[have:] {
		for _, st := range m.statements {
			if _, err := tx.ExecContext(ctx, st); err != nil {
				return 0, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return 0, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return len(ms), nil
}
