package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// defaultPGConns is the connection pool size when the URL does not set
// pool_max_conns: enough for the AMF workers' NextSQN and GetSubscriber
// calls to overlap their round trips, small next to PostgreSQL's default
// max_connections of 100 shared by every NF process.
const defaultPGConns = 16

// openPostgres connects to the server at dsn (a postgres:// URL in pgx's
// syntax, pool_* parameters included) and brings the schema up to date.
//
// The store is the same sqlStore as for SQLite, over database/sql on a
// pgxpool pool (pgx's stdlib adapter): one set of SQL statements for both
// databases. Reads and writes share the pool, since PostgreSQL has no
// single-writer lock to queue for.
func openPostgres(dsn string, box secretBox) (Store, error) {
	masked := MaskDSN(dsn)
	fail := func(err error) error {
		return &redactedError{msg: fmt.Sprintf("store: postgres %s: %v", masked, err), secret: dsnPasswords(dsn), err: err}
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fail(err)
	}
	if !strings.Contains(dsn, "pool_max_conns=") {
		cfg.MaxConns = defaultPGConns
	}
	ctx, cancel := context.WithTimeout(context.Background(), openDeadline)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fail(err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fail(err)
	}
	db := stdlib.OpenDBFromPool(pool)
	// OpenDBFromPool keeps no idle database/sql connections, so every call
	// re-prepared its statement on a fresh one (NextSQN 370-500 µs instead
	// of 150-200 µs here); keep them, bounded by the pool.
	db.SetMaxOpenConns(int(cfg.MaxConns))
	db.SetMaxIdleConns(int(cfg.MaxConns))
	if _, err := migrate(ctx, db, pgMigrationLock); err != nil {
		db.Close()
		pool.Close()
		return nil, fail(err)
	}
	s, err := newSQLStore(ctx, db, db, box, pgAddBatch)
	if err != nil {
		db.Close()
		pool.Close()
		return nil, fail(err)
	}
	s.onClose = pool.Close
	return s, nil
}
