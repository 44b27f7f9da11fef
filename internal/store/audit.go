package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AuditEntry records one change: who (Actor, e.g. "user:admin" or
// "token:3f2a..."), what (Action, e.g. "subscriber.update"), when, and on
// which Target. Detail never holds key material or passwords.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string
	Action string
	Target string
	Detail string
}

// auditRetries bounds AddAudit's retries when a concurrent writer (another
// process on PostgreSQL) took the same id.
const auditRetries = 10

// AddAudit records e on its own, for what changes nothing in the database
// (an export of secrets: record it first, and refuse if that fails).
// Changes use Audited instead.
func (s *sqlStore) AddAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if e.Actor == "" || e.Action == "" {
		return e, fieldErr("audit", "actor and action are required")
	}
	return insertAudit(ctx, s.wq(ctx), e)
}

// insertAudit takes MAX(id)+1 in the INSERT itself (WHERE true keeps
// SQLite from reading ON CONFLICT as a join constraint); on PostgreSQL two
// transactions can pick the same id, and the loser's ON CONFLICT DO
// NOTHING (which waits for the winner to commit) inserts no row, so it
// tries again with a fresh MAX: every statement of a READ COMMITTED
// transaction sees what committed before it began. SQLite's single writer
// never collides.
func insertAudit(ctx context.Context, q querier, e AuditEntry) (AuditEntry, error) {
	for range auditRetries {
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO audit_log (id, at, actor, action, target, detail)
SELECT COALESCE(MAX(id), 0) + 1, CAST($1 AS BIGINT), $2, $3, $4, $5 FROM audit_log WHERE true
ON CONFLICT (id) DO NOTHING RETURNING id`, ms(e.At), e.Actor, e.Action, e.Target, e.Detail).Scan(&id)
		if err == nil {
			e.ID = id
			return e, nil
		}
		if !isNoRows(err) {
			return e, fmt.Errorf("store: add audit entry: %w", err)
		}
	}
	return e, fmt.Errorf("store: add audit entry: %d concurrent writers took every id", auditRetries)
}

// ListAudit pages newest first by id.
func (s *sqlStore) ListAudit(ctx context.Context, before int64, limit int) ([]AuditEntry, error) {
	switch {
	case limit < 0:
		return nil, fieldErr("limit", "must not be negative")
	case limit == 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	return queryAll(ctx, s.rq(ctx), "list audit", scanAudit, `SELECT id, at, actor, action, target, detail FROM audit_log
WHERE id < $1 ORDER BY id DESC LIMIT $2`, before, limit)
}

func scanAudit(sc scanner) (AuditEntry, error) {
	var e AuditEntry
	var at int64
	err := sc.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail)
	e.At = fromMS(at)
	return e, err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
