package storetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"go5g/internal/store"
)

// RunAccountsSuite runs the behaviour of store.Accounts against stores from
// open (a new, empty store per subtest).
func RunAccountsSuite(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		f    func(*testing.T, store.Accounts)
	}{
		{"Users", testUsers},
		{"FirstUserOnce", testFirstUserOnce},
		{"Sessions", testSessions},
		{"APITokens", testAPITokens},
		{"Audit", testAudit},
		{"AuditConcurrent", testAuditConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := store.AccountsOf(open(t))
			if err != nil {
				t.Fatal(err)
			}
			tt.f(t, a)
		})
	}
}

var t0 = time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)

func testUsers(t *testing.T, a store.Accounts) {
	u := store.User{Name: "alice", Role: store.RoleOperator, PasswordHash: "$argon2id$x", CreatedAt: t0}
	if err := a.AddUser(ctx(t), u); err != nil {
		t.Fatal(err)
	}
	if err := a.AddUser(ctx(t), u); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second AddUser: %v, want ErrExists", err)
	}
	got, err := a.GetUser(ctx(t), "alice")
	if err != nil || got != u {
		t.Fatalf("GetUser = %+v, %v; want %+v", got, err, u)
	}
	bad := u
	bad.Name, bad.Role = "bob", "root"
	var fe *store.FieldError
	if err := a.AddUser(ctx(t), bad); !errors.As(err, &fe) || fe.Field != "role" {
		t.Fatalf("AddUser with role root: %v, want a role FieldError", err)
	}
	bad.Role, bad.Name = store.RoleAdmin, "Bob Smith"
	if err := a.AddUser(ctx(t), bad); !errors.As(err, &fe) || fe.Field != "name" {
		t.Fatalf("AddUser with name %q: %v, want a name FieldError", bad.Name, err)
	}
	u.Role, u.PasswordHash = store.RoleAdmin, "$argon2id$y"
	if err := a.UpdateUser(ctx(t), u); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.GetUser(ctx(t), "alice"); got != u {
		t.Fatalf("after update %+v, want %+v", got, u)
	}
	if err := a.AddUser(ctx(t), store.User{Name: "aaron", Role: store.RoleReadOnly, PasswordHash: "h", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	list, err := a.ListUsers(ctx(t))
	if err != nil || len(list) != 2 || list[0].Name != "aaron" || list[1].Name != "alice" {
		t.Fatalf("ListUsers = %+v, %v", list, err)
	}
	se := store.Session{TokenHash: []byte{1, 2, 3}, UserName: "alice", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := a.AddSession(ctx(t), se); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteUser(ctx(t), "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetUser(ctx(t), "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUser after delete: %v", err)
	}
	if _, err := a.GetSession(ctx(t), se.TokenHash, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session of a deleted user: %v, want ErrNotFound", err)
	}
	if err := a.DeleteUser(ctx(t), "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second DeleteUser: %v", err)
	}
	if err := a.UpdateUser(ctx(t), u); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateUser of a deleted user: %v", err)
	}
}

func testFirstUserOnce(t *testing.T, a store.Accounts) {
	const n = 4
	var wg sync.WaitGroup
	created := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created[i], errs[i] = a.CreateFirstUser(ctx(t), store.User{Name: "admin", Role: store.RoleAdmin, PasswordHash: "h", CreatedAt: t0})
		}()
	}
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("CreateFirstUser %d: %v", i, errs[i])
		}
		if created[i] {
			total++
		}
	}
	if total != 1 {
		t.Fatalf("%d callers created the first user, want 1", total)
	}
	ok, err := a.CreateFirstUser(ctx(t), store.User{Name: "other", Role: store.RoleAdmin, PasswordHash: "h", CreatedAt: t0})
	if err != nil || ok {
		t.Fatalf("CreateFirstUser with a user present = %v, %v; want false", ok, err)
	}
}

func testSessions(t *testing.T, a store.Accounts) {
	se := store.Session{TokenHash: bytes.Repeat([]byte{7}, 32), UserName: "alice", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := a.AddSession(ctx(t), se); err != nil {
		t.Fatal(err)
	}
	got, err := a.GetSession(ctx(t), se.TokenHash, t0.Add(time.Minute))
	if err != nil || got.UserName != "alice" || !got.ExpiresAt.Equal(se.ExpiresAt) {
		t.Fatalf("GetSession = %+v, %v", got, err)
	}
	if _, err := a.GetSession(ctx(t), []byte{9}, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown session: %v", err)
	}
	if _, err := a.GetSession(ctx(t), se.TokenHash, t0.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session: %v, want ErrNotFound", err)
	}
	se2 := se
	se2.TokenHash = bytes.Repeat([]byte{8}, 32)
	if err := a.AddSession(ctx(t), se2); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteSession(ctx(t), se2.TokenHash); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetSession(ctx(t), se2.TokenHash, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
	se3 := se
	se3.TokenHash = bytes.Repeat([]byte{9}, 32)
	if err := a.AddSession(ctx(t), se3); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteExpiredSessions(ctx(t), t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetSession(ctx(t), se3.TokenHash, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session after DeleteExpiredSessions: %v", err)
	}
}

func testAPITokens(t *testing.T, a store.Accounts) {
	tok := store.APIToken{ID: "0123abcd", TokenHash: bytes.Repeat([]byte{1}, 32), Name: "ci", Role: store.RoleOperator, CreatedBy: "admin", CreatedAt: t0}
	if err := a.AddAPIToken(ctx(t), tok); err != nil {
		t.Fatal(err)
	}
	if err := a.AddAPIToken(ctx(t), tok); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate token: %v", err)
	}
	got, err := a.APITokenByHash(ctx(t), tok.TokenHash)
	if err != nil || got.ID != tok.ID || got.Role != tok.Role || !got.RevokedAt.IsZero() || !bytes.Equal(got.TokenHash, tok.TokenHash) {
		t.Fatalf("APITokenByHash = %+v, %v", got, err)
	}
	if err := a.RevokeAPIToken(ctx(t), tok.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.APITokenByHash(ctx(t), tok.TokenHash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked token: %v, want ErrNotFound", err)
	}
	if err := a.RevokeAPIToken(ctx(t), tok.ID, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second revoke: %v", err)
	}
	list, err := a.ListAPITokens(ctx(t))
	if err != nil || len(list) != 1 || !list[0].RevokedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("ListAPITokens = %+v, %v", list, err)
	}
}

func testAudit(t *testing.T, a store.Accounts) {
	for i := range 5 {
		e, err := a.AddAudit(ctx(t), store.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), Actor: "user:admin", Action: "subscriber.create", Target: "imsi-00101000000000" + string(rune('0'+i))})
		if err != nil || e.ID != int64(i+1) {
			t.Fatalf("AddAudit %d = id %d, %v", i, e.ID, err)
		}
	}
	page, err := a.ListAudit(ctx(t), 0, 2)
	if err != nil || len(page) != 2 || page[0].ID != 5 || page[1].ID != 4 || page[0].Target != "imsi-001010000000004" || !page[0].At.Equal(t0.Add(4*time.Second)) {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page, err = a.ListAudit(ctx(t), page[1].ID, 10)
	if err != nil || len(page) != 3 || page[0].ID != 3 || page[2].ID != 1 {
		t.Fatalf("second page = %+v, %v", page, err)
	}
	if _, err := a.AddAudit(ctx(t), store.AuditEntry{At: t0}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("entry without actor: %v", err)
	}
}

func testAuditConcurrent(t *testing.T, a store.Accounts) {
	const workers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := a.AddAudit(ctx(t), store.AuditEntry{At: t0, Actor: "user:x", Action: "test"}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all, err := a.ListAudit(ctx(t), 0, 1000)
	if err != nil || len(all) != workers*each || all[0].ID != workers*each {
		t.Fatalf("after concurrent adds: %d entries, newest id %v, %v", len(all), all, err)
	}
}
