package store

import (
	"context"
	"database/sql"
	"fmt"
)

// querier is what both *sql.DB and *sql.Tx offer; every statement runs on
// the one conn picks for its context.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// txKey finds, in a context, the transaction Audited opened on this store
// (keyed by the store, so it never leaks into another one).
type txKey struct{ s *sqlStore }

// tx returns the transaction ctx carries for s, if any.
func (s *sqlStore) tx(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{s}).(*sql.Tx)
	return tx
}

// wq is where a write runs: inside Audited's transaction, or on the
// writer pool.
func (s *sqlStore) wq(ctx context.Context) querier {
	if tx := s.tx(ctx); tx != nil {
		return tx
	}
	return s.w
}

// rq is where a read runs: inside Audited's transaction (so it sees the
// change being made, and SQLite's single writer connection is never
// waited for by its own holder), or on the reader pool.
func (s *sqlStore) rq(ctx context.Context) querier {
	if tx := s.tx(ctx); tx != nil {
		return tx
	}
	return s.db
}

// stmt runs a statement prepared on the pool inside ctx's transaction, if any.
func (s *sqlStore) stmt(ctx context.Context, st *sql.Stmt) *sql.Stmt {
	if tx := s.tx(ctx); tx != nil {
		return tx.StmtContext(ctx, st)
	}
	return st
}

// Audited makes change and its audit entry e one transaction: every store
// call change makes with the context it is given joins it, the entry is
// inserted after change returns nil (change may complete it through the
// pointer, e.g. with an id it generated), and both commit or neither does.
// A failed audit insert therefore undoes the change. An Audited inside
// another joins the outer transaction.
//
// change must use only this store through the context it gets (on SQLite
// the transaction holds the one writer connection) and must not have side
// effects outside the database: do those after Audited returns nil.
func (s *sqlStore) Audited(ctx context.Context, e AuditEntry, change func(ctx context.Context, e *AuditEntry) error) (AuditEntry, error) {
	if e.Actor == "" || e.Action == "" {
		return e, fieldErr("audit", "actor and action are required")
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		ctx := context.WithValue(ctx, txKey{s}, tx)
		if err := change(ctx, &e); err != nil {
			return err
		}
		var err error
		e, err = insertAudit(ctx, tx, e)
		return err
	})
	return e, err
}

// withTx runs f in one transaction and commits if it returns nil; inside
// Audited it joins that transaction instead.
func (s *sqlStore) withTx(ctx context.Context, f func(*sql.Tx) error) error {
	if tx := s.tx(ctx); tx != nil {
		return f(tx)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
