package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go5g/internal/store"
	"go5g/internal/store/storetest"
)

func testUsersTokensAudit(t *testing.T, e *env) {
	var users struct{ Items []userOut }
	e.decode(e.mustStatus(e.admin, "GET", "/api/v1/users", "", 200), &users)
	if len(users.Items) != 3 || users.Items[0].Name != "admin" || strings.Contains(fmt.Sprint(users.Items), "argon2") {
		t.Fatalf("users: %+v", users.Items)
	}
	e.problemOf(e.do(e.admin, "POST", "/api/v1/users", `{"name":"rita","role":"operator","password":"long enough password"}`), 409, "")
	e.problemOf(e.do(e.admin, "POST", "/api/v1/users", `{"name":"sam","role":"operator","password":"short"}`), 400, "password")
	e.problemOf(e.do(e.admin, "POST", "/api/v1/users", `{"name":"sam","role":"god","password":"long enough password"}`), 400, "role")
	e.problemOf(e.do(e.admin, "POST", "/api/v1/users", `{"name":"Sam Smith","role":"operator","password":"long enough password"}`), 400, "name")
	// The last admin can be neither demoted nor deleted.
	e.problemOf(e.do(e.admin, "PUT", "/api/v1/users/admin", `{"role":"operator"}`), 409, "role")
	e.problemOf(e.do(e.admin, "DELETE", "/api/v1/users/admin", ""), 409, "")
	// Promote rita; her session now has admin rights.
	e.mustStatus(e.admin, "PUT", "/api/v1/users/rita", `{"role":"admin"}`, 200)
	e.mustStatus(e.readOnly, "GET", "/api/v1/users", "", 200)
	e.mustStatus(e.admin, "PUT", "/api/v1/users/rita", `{"role":"read-only","password":"a new password for rita"}`, 200)
	e.problemOf(e.do(e.anon, "POST", "/api/v1/login", `{"username":"rita","password":"password-of-rita"}`), 401, "")
	e.secrets = append(e.secrets, "a new password for rita")
	e.login("rita", "a new password for rita")
	e.mustStatus(e.admin, "DELETE", "/api/v1/users/rita", "", 204)
	e.problemOf(e.do(e.readOnly, "GET", "/api/v1/me", ""), 401, "") // her sessions died with her
	e.problemOf(e.do(e.admin, "DELETE", "/api/v1/users/rita", ""), 404, "")

	// Tokens: shown once, listed without text, revocable.
	var tok tokenOut
	e.decode(e.mustStatus(e.admin, "POST", "/api/v1/tokens", `{"name":"reader","role":"read-only"}`, 201), &tok)
	ro := cred{name: "ro-token", bearer: tok.Token}
	e.secrets = append(e.secrets, tok.Token)
	e.mustStatus(ro, "GET", "/api/v1/subscribers", "", 200)
	e.problemOf(e.do(ro, "POST", "/api/v1/subscribers", subJSON("imsi-001010000000001")), 403, "")
	w := e.mustStatus(e.admin, "GET", "/api/v1/tokens", "", 200)
	if strings.Contains(w.Body.String(), "go5g_") || !strings.Contains(w.Body.String(), tok.ID) {
		t.Fatalf("token list: %s", w.Body)
	}
	e.problemOf(e.do(e.admin, "POST", "/api/v1/tokens", `{"name":"x","role":"root"}`), 400, "role")
	e.mustStatus(e.admin, "DELETE", "/api/v1/tokens/"+tok.ID, "", 204)
	e.problemOf(e.do(ro, "GET", "/api/v1/subscribers", ""), 401, "")
	e.problemOf(e.do(e.admin, "DELETE", "/api/v1/tokens/"+tok.ID, ""), 404, "")

	// The audit log recorded every change above, by whom, on what.
	var page struct {
		Items      []auditOut
		NextBefore int64
	}
	e.decode(e.mustStatus(e.admin, "GET", "/api/v1/audit?limit=1000", "", 200), &page)
	var got []string
	for i := len(page.Items) - 1; i >= 0; i-- {
		it := page.Items[i]
		if it.At.IsZero() || time.Since(it.At) > time.Hour {
			t.Errorf("audit entry %d at %v", it.ID, it.At)
		}
		got = append(got, it.Actor+" "+it.Action+" "+it.Target)
	}
	want := []string{
		"user:admin user.create olivia", "user:admin user.create rita", "user:admin token.create " + page.Items[len(page.Items)-3].Target,
		"user:admin user.update rita", "user:admin user.update rita", "user:admin user.delete rita",
		"user:admin token.create " + tok.ID, "user:admin token.revoke " + tok.ID,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	e.decode(e.mustStatus(e.admin, "GET", "/api/v1/audit?limit=3", "", 200), &page)
	if len(page.Items) != 3 || page.NextBefore != page.Items[2].ID {
		t.Fatalf("audit page: %+v", page)
	}
	e.problemOf(e.do(e.admin, "GET", "/api/v1/audit?before=x", ""), 400, "before")
}

func testSessionAndCSRF(t *testing.T, e *env) {
	var me meOut
	e.decode(e.mustStatus(e.operator, "GET", "/api/v1/me", "", 200), &me)
	if me.Name != "olivia" || me.Role != store.RoleOperator || me.Via != "session" || me.CSRFToken != e.operator.csrf {
		t.Fatalf("me: %+v", me)
	}
	me = meOut{}
	e.decode(e.mustStatus(e.token, "GET", "/api/v1/me", "", 200), &me)
	if me.Via != "token" || me.CSRFToken != "" || me.Role != store.RoleOperator {
		t.Fatalf("me by token: %+v", me)
	}
	noCSRF := e.operator
	noCSRF.csrf = ""
	e.problemOf(e.do(noCSRF, "POST", "/api/v1/subscribers", subJSON("imsi-001010000000001")), 403, "")
	wrong := e.operator
	wrong.csrf = e.admin.csrf
	e.problemOf(e.do(wrong, "DELETE", "/api/v1/subscribers/imsi-001010000000001", ""), 403, "")
	e.mustStatus(noCSRF, "GET", "/api/v1/subscribers", "", 200) // safe methods need none
	// Login needs JSON, so a cross-site form cannot post it.
	e.problemOf(e.request(e.anon, "POST", "/api/v1/login", "username=admin&password=x", "application/x-www-form-urlencoded"), 415, "")
	e.problemOf(e.do(e.anon, "POST", "/api/v1/login", `{"password":"x"}`), 400, "username")
	// Rate limiting: 5 failures lock the name, even with the right password.
	for range 5 {
		e.problemOf(e.do(e.anon, "POST", "/api/v1/login", `{"username":"olivia","password":"wrong"}`), 401, "")
	}
	w := e.do(e.anon, "POST", "/api/v1/login", `{"username":"olivia","password":"password-of-olivia"}`)
	e.problemOf(w, 429, "")
	if w.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if !strings.Contains(e.log.String(), "login refused") {
		t.Error("refused logins are not logged")
	}
	e.mustStatus(e.operator, "POST", "/api/v1/logout", "", 204)
	e.problemOf(e.do(e.operator, "GET", "/api/v1/me", ""), 401, "")
	e.mustStatus(e.anon, "GET", "/api/v1/openapi.json", "", 200)
}

// TestImport100k imports 100,000 subscribers from one CSV on each store.
func TestImport100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 subscribers")
	}
	for _, tc := range []struct {
		name string
		open func(*testing.T) store.Store
	}{{"SQLite", openSQLite}, {"Postgres", pgOpener(t)}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.open(t))
			body := csvOf(1010000000001, 100_000)
			start := time.Now()
			w := e.request(e.operator, "POST", "/api/v1/subscribers:import", body, "text/csv")
			if w.Code != 201 {
				t.Fatalf("import: %d %.300s", w.Code, w.Body)
			}
			t.Logf("%s: imported 100,000 subscribers (%d MB CSV) in %v", tc.name, len(body)>>20, time.Since(start))
			if n, _ := e.st.CountSubscribers(t.Context(), "", 0); n != 100_000 {
				t.Fatalf("%d subscribers, want 100000", n)
			}
			// Three bad rows in another 100,000: nothing written, three lines.
			w = e.request(e.operator, "POST", "/api/v1/subscribers:import", csvOf(2010000000001, 100_000, 7, 50_000, 99_999), "text/csv")
			p := e.problemOf(w, 400, "k")
			if len(p.Errors) != 3 || p.Errors[0].Line != 9 || p.Errors[1].Line != 50_002 || p.Errors[2].Line != 100_001 {
				t.Fatalf("errors %+v", p.Errors)
			}
			if n, _ := e.st.CountSubscribers(t.Context(), "", 0); n != 100_000 {
				t.Fatalf("%d subscribers after a refused import", n)
			}
		})
	}
}

// BenchmarkList100k: GET /api/v1/subscribers at 100,000 subscribers, the
// first page and a page 90,000 deep by cursor, on both stores.
func BenchmarkList100k(b *testing.B) {
	subs, err := storetest.Sample("imsi-001010000000001").Range(100_000)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		open func(testing.TB) (store.Store, func())
	}{
		{"SQLite", func(tb testing.TB) (store.Store, func()) { return benchSQLite(tb), func() {} }},
		{"Postgres", func(tb testing.TB) (store.Store, func()) { return benchPG(tb), func() {} }},
		{"PostgresVacuumed", vacuumedPG},
	} {
		b.Run(tc.name, func(b *testing.B) {
			st, loaded := tc.open(b)
			if err := st.AddSubscribers(b.Context(), subs...); err != nil {
				b.Fatal(err)
			}
			loaded()
			a, err := New(Config{Auth: authCheap()}, Deps{Store: st})
			if err != nil {
				b.Fatal(err)
			}
			tok, _, err := a.auth.CreateAPIToken(b.Context(), "bench", store.RoleReadOnly, "bench")
			if err != nil {
				b.Fatal(err)
			}
			deep := encodeCursor("imsi-001010000090000")
			for _, page := range []struct{ name, query string }{{"FirstPage", ""}, {"Deep90k", "&cursor=" + deep}} {
				b.Run(page.name, func(b *testing.B) {
					for b.Loop() {
						r := newReq("GET", "/api/v1/subscribers?limit=100"+page.query)
						r.Header.Set("Authorization", "Bearer "+tok)
						w := newRec()
						a.ServeHTTP(w, r)
						if w.Code != 200 {
							b.Fatalf("%d %s", w.Code, w.Body)
						}
					}
				})
			}
		})
	}
}

// TestSecureCookie: over TLS the session cookie is Secure, and logout
// clears it.
func TestSecureCookie(t *testing.T) {
	a, err := New(Config{TLS: true, Auth: authCheap()}, Deps{Store: openSQLite(t)})
	if err != nil {
		t.Fatal(err)
	}
	pw, created, err := a.EnsureAdmin(t.Context())
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if n := FirstAdminNotice("https://core:8443", pw); !strings.Contains(n, pw) || !strings.Contains(n, "https://core:8443/api/v1/login") {
		t.Fatalf("notice: %s", n)
	}
	r := newReq("POST", "/api/v1/login")
	r.Body = io.NopCloser(strings.NewReader(`{"username":"admin","password":"` + pw + `"}`))
	r.Header.Set("Content-Type", "application/json")
	w := newRec()
	a.ServeHTTP(w, r)
	cs := w.Result().Cookies()
	if w.Code != 200 || len(cs) != 1 || !cs[0].Secure || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteStrictMode || cs[0].Path != "/" {
		t.Fatalf("login over TLS: %d, cookies %+v", w.Code, cs)
	}
	var me meOut
	json.Unmarshal(w.Body.Bytes(), &me)
	r = newReq("POST", "/api/v1/logout")
	r.AddCookie(cs[0])
	r.Header.Set("X-CSRF-Token", me.CSRFToken)
	w = newRec()
	a.ServeHTTP(w, r)
	if cs := w.Result().Cookies(); w.Code != 204 || len(cs) != 1 || cs[0].MaxAge >= 0 || !cs[0].Secure {
		t.Fatalf("logout: %d, cookies %+v", w.Code, cs)
	}
}
