package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"go5g/internal/store"
	"go5g/internal/suci"
)

// Opener returns a new, empty store and the target it was opened from (a
// SQLite path or a postgres:// URL), which BreakAudit needs.
type Opener func(t *testing.T) (store.Store, string)

// BreakAudit makes every later insert into the audit log of the database
// at target fail, as a full disk or a lost connection would at that moment,
// with a trigger that raises an error. Reads keep working.
func BreakAudit(t testing.TB, target string) {
	t.Helper()
	driver, dsn, stmts := "sqlite", "", []string{`CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log
BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END`}
	if store.IsPostgresURL(target) {
		driver, dsn = "pgx", target
		stmts = []string{
			`CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'injected audit failure'; END$$`,
			`CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_fail()`,
		}
	} else {
		dsn = target + "?" + url.Values{"_pragma": {"busy_timeout(10000)"}}.Encode()
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("BreakAudit: %v", err)
		}
	}
}

// auditedChange is one kind of audited change: setup stores what it needs
// first, change makes it, applied says whether it is in the store.
type auditedChange struct {
	name    string
	setup   func(ctx context.Context, s store.Store, a store.Accounts) error
	change  func(ctx context.Context, s store.Store, a store.Accounts) error
	applied func(ctx context.Context, s store.Store, a store.Accounts) (bool, error)
}

const auditSUPI = "imsi-001010000000077"

func auditedChanges() []auditedChange {
	none := func(context.Context, store.Store, store.Accounts) error { return nil }
	addSub := func(ctx context.Context, s store.Store, _ store.Accounts) error {
		return s.AddSubscribers(ctx, Sample(auditSUPI))
	}
	subStored := func(ctx context.Context, s store.Store, _ store.Accounts) (bool, error) {
		_, err := s.GetSubscriber(ctx, auditSUPI)
		return err == nil, ignoreNotFound(err)
	}
	user := store.User{Name: "ann", Role: store.RoleOperator, PasswordHash: "$argon2id$x", CreatedAt: t0}
	key, err := suci.GenerateKey(suci.ProfileA, 7, rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return []auditedChange{
		{"subscriber.create", none, addSub, subStored},
		{"subscriber.update", addSub, func(ctx context.Context, s store.Store, _ store.Accounts) error {
			sub := Sample(auditSUPI)
			sub.DNNs = []string{"edited"}
			return s.UpdateSubscriber(ctx, sub)
		}, func(ctx context.Context, s store.Store, _ store.Accounts) (bool, error) {
			sub, err := s.GetSubscriber(ctx, auditSUPI)
			return err == nil && len(sub.DNNs) == 1 && sub.DNNs[0] == "edited", err
		}},
		{"subscriber.delete", addSub, func(ctx context.Context, s store.Store, _ store.Accounts) error {
			return s.DeleteSubscriber(ctx, auditSUPI)
		}, func(ctx context.Context, s store.Store, a store.Accounts) (bool, error) {
			ok, err := subStored(ctx, s, a)
			return !ok, err
		}},
		{"profile.create", none, func(ctx context.Context, s store.Store, _ store.Accounts) error {
			return s.AddProfile(ctx, SampleProfile("gold"))
		}, func(ctx context.Context, s store.Store, _ store.Accounts) (bool, error) {
			_, err := s.GetProfile(ctx, "gold")
			return err == nil, ignoreNotFound(err)
		}},
		{"policy.create", none, func(ctx context.Context, s store.Store, _ store.Accounts) error {
			return s.AddPolicy(ctx, SamplePolicy("video"))
		}, func(ctx context.Context, s store.Store, _ store.Accounts) (bool, error) {
			_, err := s.GetPolicy(ctx, "video")
			return err == nil, ignoreNotFound(err)
		}},
		{"key.create", none, func(ctx context.Context, s store.Store, _ store.Accounts) error {
			return s.AddHomeNetworkKey(ctx, key)
		}, func(ctx context.Context, s store.Store, _ store.Accounts) (bool, error) {
			keys, err := s.HomeNetworkKeys(ctx)
			return len(keys) == 1, err
		}},
		{"user.create", none, func(ctx context.Context, _ store.Store, a store.Accounts) error {
			return a.AddUser(ctx, user)
		}, func(ctx context.Context, _ store.Store, a store.Accounts) (bool, error) {
			_, err := a.GetUser(ctx, user.Name)
			return err == nil, ignoreNotFound(err)
		}},
		{"token.revoke", func(ctx context.Context, _ store.Store, a store.Accounts) error {
			return a.AddAPIToken(ctx, store.APIToken{ID: "t1", TokenHash: []byte{1}, Name: "ci", Role: store.RoleAdmin, CreatedAt: t0})
		}, func(ctx context.Context, _ store.Store, a store.Accounts) error {
			return a.RevokeAPIToken(ctx, "t1", t0)
		}, func(ctx context.Context, _ store.Store, a store.Accounts) (bool, error) {
			_, err := a.APITokenByHash(ctx, []byte{1})
			return errors.Is(err, store.ErrNotFound), ignoreNotFound(err)
		}},
	}
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// RunAuditedSuite checks store.Accounts.Audited against stores from open:
// a change and its audit entry are stored together, and neither when the
// change or the audit insert fails.
func RunAuditedSuite(t *testing.T, open Opener) {
	for _, c := range auditedChanges() {
		t.Run(c.name, func(t *testing.T) { testAudited(t, open, c) })
	}
	t.Run("Concurrent", func(t *testing.T) { testAuditedConcurrent(t, open) })
	t.Run("Nested", func(t *testing.T) { testAuditedNested(t, open) })
}

func accountsOf(t *testing.T, s store.Store) store.Accounts {
	t.Helper()
	a, err := store.AccountsOf(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func testAudited(t *testing.T, open Opener, c auditedChange) {
	entry := store.AuditEntry{At: t0, Actor: "user:admin", Action: c.name, Target: "x"}
	check := func(t *testing.T, s store.Store, a store.Accounts, wantApplied bool, wantEntries int) {
		t.Helper()
		got, err := c.applied(ctx(t), s, a)
		if err != nil || got != wantApplied {
			t.Fatalf("change applied = %v, %v; want %v", got, err, wantApplied)
		}
		es, err := a.ListAudit(ctx(t), 0, 10)
		if err != nil || len(es) != wantEntries {
			t.Fatalf("audit log = %+v, %v; want %d entries", es, err, wantEntries)
		}
	}
	setup := func(t *testing.T) (store.Store, store.Accounts, string) {
		s, target := open(t)
		a := accountsOf(t, s)
		if err := c.setup(ctx(t), s, a); err != nil {
			t.Fatalf("setup: %v", err)
		}
		return s, a, target
	}
	t.Run("Committed", func(t *testing.T) {
		s, a, _ := setup(t)
		e, err := a.Audited(ctx(t), entry, func(ctx context.Context, e *store.AuditEntry) error {
			e.Detail = "filled in by the change"
			return c.change(ctx, s, a)
		})
		if err != nil || e.ID != 1 || e.Detail != "filled in by the change" {
			t.Fatalf("Audited = %+v, %v", e, err)
		}
		check(t, s, a, true, 1)
		es, _ := a.ListAudit(ctx(t), 0, 1)
		if es[0].Action != c.name || es[0].Detail != "filled in by the change" {
			t.Fatalf("entry = %+v", es[0])
		}
	})
	t.Run("ChangeFails", func(t *testing.T) {
		s, a, _ := setup(t)
		boom := errors.New("boom")
		_, err := a.Audited(ctx(t), entry, func(ctx context.Context, _ *store.AuditEntry) error {
			if err := c.change(ctx, s, a); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Audited = %v, want boom", err)
		}
		check(t, s, a, false, 0)
	})
	t.Run("AuditFails", func(t *testing.T) {
		s, a, target := setup(t)
		BreakAudit(t, target)
		_, err := a.Audited(ctx(t), entry, func(ctx context.Context, _ *store.AuditEntry) error {
			return c.change(ctx, s, a)
		})
		if err == nil {
			t.Fatal("Audited succeeded with a failing audit log")
		}
		t.Logf("error: %v", err)
		check(t, s, a, false, 0)
		// The store still works after the rollback.
		if _, err := s.ListProfiles(ctx(t)); err != nil {
			t.Fatalf("after a rollback: %v", err)
		}
	})
}

// testAuditedConcurrent runs audited changes from several goroutines: every
// change and entry lands, with distinct ids.
func testAuditedConcurrent(t *testing.T, open Opener) {
	s, _ := open(t)
	a := accountsOf(t, s)
	const workers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				supi := fmt.Sprintf("imsi-0010100000%02d%03d", w, i)
				_, err := a.Audited(ctx(t), store.AuditEntry{At: t0, Actor: "user:x", Action: "subscriber.create", Target: supi},
					func(ctx context.Context, _ *store.AuditEntry) error { return s.AddSubscribers(ctx, Sample(supi)) })
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	es, err := a.ListAudit(ctx(t), 0, 1000)
	if err != nil || len(es) != workers*each || es[0].ID != workers*each {
		t.Fatalf("audit log: %d entries, %v", len(es), err)
	}
	if n := count(t, s); n != workers*each {
		t.Fatalf("%d subscribers, want %d", n, workers*each)
	}
}

// testAuditedNested: an Audited inside another joins it; both entries and
// the change commit together, or, when the outer one fails, none of them.
func testAuditedNested(t *testing.T, open Opener) {
	s, _ := open(t)
	a := accountsOf(t, s)
	e := store.AuditEntry{At: t0, Actor: "user:x", Action: "outer"}
	boom := errors.New("boom")
	for _, fail := range []bool{true, false} {
		_, err := a.Audited(ctx(t), e, func(ctx context.Context, _ *store.AuditEntry) error {
			inner := e
			inner.Action = "inner"
			if _, err := a.Audited(ctx, inner, func(ctx context.Context, _ *store.AuditEntry) error {
				return s.AddSubscribers(ctx, Sample(auditSUPI))
			}); err != nil {
				return err
			}
			if fail {
				return boom
			}
			return nil
		})
		es, lerr := a.ListAudit(ctx(t), 0, 10)
		if fail && (!errors.Is(err, boom) || len(es) != 0 || count(t, s) != 0) {
			t.Fatalf("failed outer: %v, %d entries, %d subscribers, %v", err, len(es), count(t, s), lerr)
		}
		if !fail && (err != nil || len(es) != 2 || count(t, s) != 1) {
			t.Fatalf("outer: %v, %d entries, %d subscribers, %v", err, len(es), count(t, s), lerr)
		}
	}
}
