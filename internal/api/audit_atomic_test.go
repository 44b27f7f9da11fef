package api

import (
	"path/filepath"
	"testing"

	"go5g/internal/pgtest"
	"go5g/internal/store"
	"go5g/internal/store/storetest"
)

// TestAuditAtomicSQLite and TestAuditAtomicPostgres: every audited change
// through the API is stored with its audit record or not at all. With the
// audit log failing (a trigger that raises on insert), each change answers
// 500 and leaves the store as it was.
func TestAuditAtomicSQLite(t *testing.T) {
	testAuditAtomic(t, func(t *testing.T) (store.Store, string) {
		path := filepath.Join(t.TempDir(), "go5g.db")
		s, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, path
	})
}

func TestAuditAtomicPostgres(t *testing.T) {
	server := pgtest.Start(t)
	testAuditAtomic(t, func(t *testing.T) (store.Store, string) {
		dsn := pgtest.NewDatabase(t, server)
		s, err := store.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, dsn
	})
}

func testAuditAtomic(t *testing.T, open storetest.Opener) {
	const supi = "imsi-001010000000042"
	type call struct {
		method, path, body string
		want               int
	}
	cases := []struct {
		action string
		setup  []call // made before the audit log breaks
		change call
		check  call // what the unchanged store answers
	}{
		{"subscriber.create", nil, call{"POST", "/api/v1/subscribers", subJSON(supi), 201},
			call{"GET", "/api/v1/subscribers/" + supi, "", 404}},
		{"subscriber.update", []call{{"POST", "/api/v1/subscribers", subJSON(supi), 201}},
			call{"PUT", "/api/v1/subscribers/" + supi, `{"k":"ffffffffffffffffffffffffffffffff","opc":"101112131415161718191a1b1c1d1e1f","dnns":["edited"]}`, 200},
			call{"GET", "/api/v1/subscribers/" + supi, "", 200}},
		{"subscriber.delete", []call{{"POST", "/api/v1/subscribers", subJSON(supi), 201}},
			call{"DELETE", "/api/v1/subscribers/" + supi, "", 204},
			call{"GET", "/api/v1/subscribers/" + supi, "", 200}},
		{"subscriber.import", nil, call{"POST", "/api/v1/subscribers:import", "[" + subJSON(supi) + "]", 201},
			call{"GET", "/api/v1/subscribers/" + supi, "", 404}},
		{"profile.create", nil, call{"POST", "/api/v1/profiles", `{"name":"gold","snssais":[{"sst":1}],"ambr":{"uplink":"1 Mbps","downlink":"2 Mbps"}}`, 201},
			call{"GET", "/api/v1/profiles/gold", "", 404}},
		{"profile.delete", []call{{"POST", "/api/v1/profiles", `{"name":"gold","snssais":[{"sst":1}],"ambr":{"uplink":"1 Mbps","downlink":"2 Mbps"}}`, 201}},
			call{"DELETE", "/api/v1/profiles/gold", "", 204},
			call{"GET", "/api/v1/profiles/gold", "", 200}},
		{"policy.create", nil, call{"POST", "/api/v1/policies", `{"name":"video","precedence":10}`, 201},
			call{"GET", "/api/v1/policies/video", "", 404}},
		{"key.create", nil, call{"POST", "/api/v1/keys", `{"id":3,"profile":"A"}`, 201},
			call{"DELETE", "/api/v1/keys/3", "", 404}},
		{"user.create", nil, call{"POST", "/api/v1/users", `{"name":"ann","role":"operator","password":"a-long-password"}`, 201},
			call{"DELETE", "/api/v1/users/ann", "", 404}},
		{"user.delete", []call{{"POST", "/api/v1/users", `{"name":"ann","role":"operator","password":"a-long-password"}`, 201}},
			call{"DELETE", "/api/v1/users/ann", "", 204},
			call{"PUT", "/api/v1/users/ann", `{"role":"read-only"}`, 500}}, // still there: the update fails on audit, not 404
		{"token.create", nil, call{"POST", "/api/v1/tokens", `{"name":"ci2","role":"operator"}`, 201},
			call{"GET", "/api/v1/tokens", "", 200}},
	}
	for _, c := range cases {
		t.Run(c.action, func(t *testing.T) {
			st, target := open(t)
			e := newEnv(t, st)
			acc, err := store.AccountsOf(st)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.setup {
				e.mustStatus(e.admin, s.method, s.path, s.body, s.want)
			}
			before, err := acc.ListAudit(t.Context(), 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			tokens, _ := acc.ListAPITokens(t.Context())
			storetest.BreakAudit(t, target)
			e.mustStatus(e.admin, c.change.method, c.change.path, c.change.body, 500)
			e.mustStatus(e.admin, c.check.method, c.check.path, c.check.body, c.check.want)
			after, err := acc.ListAudit(t.Context(), 0, 1000)
			if err != nil || len(after) != len(before) {
				t.Fatalf("audit log grew from %d to %d entries (%v)", len(before), len(after), err)
			}
			if c.action == "subscriber.update" {
				s, err := st.GetSubscriber(t.Context(), supi)
				if err != nil || s.K[0] == 0xff {
					t.Fatalf("the update was stored: %v", err)
				}
			}
			if ts, _ := acc.ListAPITokens(t.Context()); len(ts) != len(tokens) {
				t.Fatalf("tokens: %d, were %d", len(ts), len(tokens))
			}
		})
	}
	// The normal path, on a healthy log: the change answers as it should
	// and its record is the newest.
	t.Run("Committed", func(t *testing.T) {
		st, _ := open(t)
		e := newEnv(t, st)
		acc, _ := store.AccountsOf(st)
		for _, c := range cases {
			for _, s := range c.setup {
				e.do(e.admin, s.method, s.path, s.body) // may exist already from an earlier case
			}
			e.mustStatus(e.admin, c.change.method, c.change.path, c.change.body, c.change.want)
			es, err := acc.ListAudit(t.Context(), 0, 1)
			if err != nil || len(es) != 1 || es[0].Action != c.action || es[0].Actor != "user:admin" {
				t.Fatalf("%s: newest audit entry %+v, %v", c.action, es, err)
			}
			if c.action == "subscriber.delete" || c.action == "profile.delete" || c.action == "user.delete" {
				continue
			}
			// undo creations so the next case's setup starts clean
			switch c.action {
			case "subscriber.create", "subscriber.import", "subscriber.update":
				e.do(e.admin, "DELETE", "/api/v1/subscribers/"+supi, "")
			case "profile.create":
				e.do(e.admin, "DELETE", "/api/v1/profiles/gold", "")
			case "user.create":
				e.do(e.admin, "DELETE", "/api/v1/users/ann", "")
			}
		}
	})
}
