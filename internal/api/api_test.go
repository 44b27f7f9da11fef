package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go5g/internal/auth"
	"go5g/internal/pgtest"
	"go5g/internal/store"
	"go5g/internal/store/storetest"
)

// cheap argon2id parameters keep the tests fast; the PHC string carries them.
var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// syncBuffer is a log sink the handlers and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cred is how a test request authenticates.
type cred struct {
	name   string
	cookie string // session token
	csrf   string
	bearer string
}

type env struct {
	t       *testing.T
	api     *API
	st      store.Store
	log     *syncBuffer
	adminPW string
	// secrets are strings that must never appear in a response body or the log.
	secrets                                []string
	anon, readOnly, operator, admin, token cred
}

func openSQLite(t *testing.T) store.Store {
	s, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func pgOpener(t *testing.T) func(t *testing.T) store.Store {
	server := pgtest.Start(t)
	return func(t *testing.T) store.Store {
		s, err := store.Open(pgtest.NewDatabase(t, server))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func newEnv(t *testing.T, st store.Store) *env {
	t.Helper()
	logs := &syncBuffer{}
	a, err := New(Config{Auth: auth.Config{Params: cheap}}, Deps{Store: st, Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, api: a, st: st, log: logs, anon: cred{name: "anonymous"}}
	pw, created, err := a.EnsureAdmin(t.Context())
	if err != nil || !created {
		t.Fatalf("EnsureAdmin: %v, %v", created, err)
	}
	e.adminPW = pw
	e.secrets = append(e.secrets, pw)
	e.admin = e.login("admin", pw)
	for _, u := range []struct{ name, role string }{{"olivia", "operator"}, {"rita", "read-only"}} {
		pw := "password-of-" + u.name
		e.secrets = append(e.secrets, pw)
		e.mustStatus(e.admin, "POST", "/api/v1/users", fmt.Sprintf(`{"name":%q,"role":%q,"password":%q}`, u.name, u.role, pw), 201)
	}
	e.operator = e.login("olivia", "password-of-olivia")
	e.readOnly = e.login("rita", "password-of-rita")
	var tok tokenOut
	e.decode(e.mustStatus(e.admin, "POST", "/api/v1/tokens", `{"name":"ci","role":"operator"}`, 201), &tok)
	e.token = cred{name: "token", bearer: tok.Token}
	e.secrets = append(e.secrets, tok.Token, e.admin.cookie, e.operator.cookie, e.readOnly.cookie)
	return e
}

func (e *env) login(name, pw string) cred {
	e.t.Helper()
	rec := e.do(e.anon, "POST", "/api/v1/login", fmt.Sprintf(`{"username":%q,"password":%q}`, name, pw))
	if rec.Code != 200 {
		e.t.Fatalf("login %s: %d %s", name, rec.Code, rec.Body)
	}
	var me meOut
	e.decode(rec, &me)
	c := cred{name: name, csrf: me.CSRFToken}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == auth.CookieName {
			c.cookie = ck.Value
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure {
				e.t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, not Secure without TLS", ck)
			}
		}
	}
	if c.cookie == "" || c.csrf == "" {
		e.t.Fatalf("login %s: no cookie or CSRF token", name)
	}
	return c
}

func (e *env) request(c cred, method, path string, body string, contentType string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if c.cookie != "" {
		r.AddCookie(&http.Cookie{Name: auth.CookieName, Value: c.cookie})
		r.Header.Set(auth.CSRFHeader, c.csrf)
	}
	if c.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	w := httptest.NewRecorder()
	e.api.ServeHTTP(w, r)
	for _, s := range e.secrets {
		if s != "" && strings.Contains(w.Body.String(), s) && !(method == "POST" && path == "/api/v1/tokens") {
			e.t.Errorf("%s %s: a secret is in the response body", method, path)
		}
	}
	return w
}

func (e *env) do(c cred, method, path, body string) *httptest.ResponseRecorder {
	return e.request(c, method, path, body, "application/json")
}

func (e *env) mustStatus(c cred, method, path, body string, want int) *httptest.ResponseRecorder {
	e.t.Helper()
	w := e.do(c, method, path, body)
	if w.Code != want {
		e.t.Fatalf("%s %s as %s: %d %s, want %d", method, path, c.name, w.Code, w.Body, want)
	}
	return w
}

func (e *env) decode(w *httptest.ResponseRecorder, v any) {
	e.t.Helper()
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		e.t.Fatalf("decode %s: %v", w.Body, err)
	}
}

// problemOf checks the problem+json form and returns it.
func (e *env) problemOf(w *httptest.ResponseRecorder, status int, field string) problem {
	e.t.Helper()
	var p problem
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		e.t.Fatalf("Content-Type %q, want application/problem+json (status %d, body %s)", ct, w.Code, w.Body)
	}
	e.decode(w, &p)
	if w.Code != status || p.Status != status || p.Title == "" || p.Field != field {
		e.t.Fatalf("problem %d %+v, want status %d field %q", w.Code, p, status, field)
	}
	return p
}

// TestAccessTable: every registered route has an access rule, every rule a
// route, and the OpenAPI document lists exactly these routes.
func TestAccessTable(t *testing.T) {
	a := &API{}
	routes, table := a.routes(), accessTable()
	for p := range routes {
		if _, ok := table[p]; !ok {
			t.Errorf("route %s has no access rule", p)
		}
	}
	for p := range table {
		if _, ok := routes[p]; !ok {
			t.Errorf("access rule %s has no route", p)
		}
	}
	b, err := openAPIFiles.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v (version %q)", err, doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" {
				documented[strings.ToUpper(m)+" "+path] = true
			}
		}
	}
	for p := range routes {
		if !documented[p] {
			t.Errorf("route %s is not in openapi.json", p)
		}
	}
	for p := range documented {
		if _, ok := routes[p]; !ok {
			t.Errorf("openapi.json documents %s, which is not a route", p)
		}
	}
}

func TestSQLite(t *testing.T) { runSuite(t, openSQLite) }

func TestPostgres(t *testing.T) { runSuite(t, pgOpener(t)) }

func runSuite(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range []struct {
		name string
		f    func(*testing.T, *env)
	}{
		{"Roles", testRoles},
		{"SubscriberCRUD", testSubscriberCRUD},
		{"SubscriberErrors", testSubscriberErrors},
		{"ListPaging", testListPaging},
		{"Import", testImport},
		{"Export", testExport},
		{"UsersTokensAudit", testUsersTokensAudit},
		{"SessionAndCSRF", testSessionAndCSRF},
		{"Profiles", testProfiles},
		{"Policies", testPolicies},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, open(t))
			tc.f(t, e)
			logs := e.log.String()
			for _, s := range e.secrets {
				if strings.Contains(logs, s) {
					t.Errorf("a secret is in the log")
				}
			}
			for _, k := range []string{"000102030405060708090a0b0c0d0e0f", "101112131415161718191a1b1c1d1e1f", "0f0e0d0c0b0a09080706050403020100"} {
				if strings.Contains(logs, k) {
					t.Errorf("a subscriber key is in the log")
				}
			}
		})
	}
}

func subJSON(supi string) string {
	return fmt.Sprintf(`{"supi":%q,"k":"000102030405060708090a0b0c0d0e0f","opc":"101112131415161718191a1b1c1d1e1f"}`, supi)
}

// testRoles calls every route as anonymous, read-only, operator and admin
// and checks 401/403 against the access table.
func testRoles(t *testing.T, e *env) {
	storetest.Sample("imsi-001010000000001")
	e.mustStatus(e.admin, "POST", "/api/v1/subscribers", subJSON("imsi-001010000000001"), 201)
	calls := map[string]struct{ path, body string }{
		"POST /api/v1/login":                {"/api/v1/login", `{"username":"rita","password":"password-of-rita"}`},
		"GET /api/v1/openapi.json":          {"/api/v1/openapi.json", ""},
		"POST /api/v1/logout":               {"/api/v1/logout", ""},
		"GET /api/v1/me":                    {"/api/v1/me", ""},
		"GET /api/v1/subscribers":           {"/api/v1/subscribers", ""},
		"GET /api/v1/subscribers/{supi}":    {"/api/v1/subscribers/imsi-001010000000001", ""},
		"GET /api/v1/subscribers:export":    {"/api/v1/subscribers:export", ""},
		"POST /api/v1/subscribers":          {"/api/v1/subscribers", `{}`},
		"PUT /api/v1/subscribers/{supi}":    {"/api/v1/subscribers/imsi-001010000000009", `{}`},
		"DELETE /api/v1/subscribers/{supi}": {"/api/v1/subscribers/imsi-001010000000009", ""},
		"POST /api/v1/subscribers:import":   {"/api/v1/subscribers:import", `[]`},
		"GET /api/v1/users":                 {"/api/v1/users", ""},
		"POST /api/v1/users":                {"/api/v1/users", `{}`},
		"PUT /api/v1/users/{name}":          {"/api/v1/users/nobody", `{}`},
		"DELETE /api/v1/users/{name}":       {"/api/v1/users/nobody", ""},
		"GET /api/v1/tokens":                {"/api/v1/tokens", ""},
		"POST /api/v1/tokens":               {"/api/v1/tokens", `{}`},
		"DELETE /api/v1/tokens/{id}":        {"/api/v1/tokens/nope", ""},
		"GET /api/v1/audit":                 {"/api/v1/audit", ""},
		"GET /api/v1/profiles":              {"/api/v1/profiles", ""},
		"GET /api/v1/profiles/{name}":       {"/api/v1/profiles/none", ""},
		"POST /api/v1/profiles":             {"/api/v1/profiles", `{}`},
		"PUT /api/v1/profiles/{name}":       {"/api/v1/profiles/none", `{}`},
		"DELETE /api/v1/profiles/{name}":    {"/api/v1/profiles/none", ""},
		"GET /api/v1/policies":              {"/api/v1/policies", ""},
		"GET /api/v1/policies/{name}":       {"/api/v1/policies/none", ""},
		"POST /api/v1/policies":             {"/api/v1/policies", `{}`},
		"PUT /api/v1/policies/{name}":       {"/api/v1/policies/none", `{}`},
		"DELETE /api/v1/policies/{name}":    {"/api/v1/policies/none", ""},
		"GET /api/v1/keys":                  {"/api/v1/keys", ""},
		"POST /api/v1/keys":                 {"/api/v1/keys", `{}`},
		"DELETE /api/v1/keys/{id}":          {"/api/v1/keys/200", ""},
		"GET /api/v1/gnbs":                  {"/api/v1/gnbs", ""},
		"GET /api/v1/ues":                   {"/api/v1/ues", ""},
		"GET /api/v1/ues/{supi}":            {"/api/v1/ues/imsi-001010000000001", ""},
		"GET /api/v1/ues/{supi}/trace":      {"/api/v1/ues/imsi-001010000000001/trace", ""},
		"GET /api/v1/sessions":              {"/api/v1/sessions", ""},
		"GET /api/v1/status":                {"/api/v1/status", ""},
	}
	withLiveFakes(e) // live.go's routes answer 503 without NFs
	table := accessTable()
	for pattern, need := range table {
		c, ok := calls[pattern]
		if !ok {
			t.Errorf("no role test for %s", pattern)
			continue
		}
		method, _, _ := strings.Cut(pattern, " ")
		for _, who := range []struct {
			c   cred
			lvl level
		}{{e.anon, public}, {e.readOnly, readOnly}, {e.operator, operator}, {e.admin, admin}} {
			if pattern == "POST /api/v1/logout" {
				continue // would end the shared sessions; tested in SessionAndCSRF
			}
			w := e.do(who.c, method, c.path, c.body)
			switch {
			case need > public && who.lvl == public:
				if w.Code != 401 || w.Header().Get("WWW-Authenticate") == "" {
					t.Errorf("%s as %s: %d, want 401 with WWW-Authenticate", pattern, who.c.name, w.Code)
				}
			case who.lvl < need:
				if w.Code != 403 {
					t.Errorf("%s as %s: %d, want 403", pattern, who.c.name, w.Code)
				}
			default:
				if w.Code == 401 || w.Code == 403 || w.Code >= 500 {
					t.Errorf("%s as %s: %d %s, want access", pattern, who.c.name, w.Code, w.Body)
				}
			}
		}
	}
	// An operator API token acts as an operator.
	if w := e.do(e.token, "POST", "/api/v1/subscribers", subJSON("imsi-001010000000002")); w.Code != 201 {
		t.Errorf("operator token create: %d %s", w.Code, w.Body)
	}
	if w := e.do(e.token, "GET", "/api/v1/users", ""); w.Code != 403 {
		t.Errorf("operator token on users: %d", w.Code)
	}
	// Unknown path and method are JSON problems.
	e.problemOf(e.do(e.admin, "GET", "/api/v1/nothing", ""), 404, "")
	w := e.do(e.admin, "PATCH", "/api/v1/subscribers", "")
	e.problemOf(w, 405, "")
	if w.Header().Get("Allow") == "" {
		t.Error("405 without Allow")
	}
}
