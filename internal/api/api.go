// Package api is go5g's REST API under /api/v1: subscribers (list, search,
// create, update, delete, bulk import and export), console login, users,
// API tokens, the audit log, and the live network (gNBs, UEs, PDU sessions,
// NF status; live.go), as JSON over net/http. Errors are RFC 9457
// problem details naming the bad field. internal/auth says who is calling;
// this package's access table says what each role may do, checked for every
// route by one middleware (ServeHTTP).
//
// Subscriber profiles (profiles.go) are templates a create or import names
// to fill the fields it leaves out; operator PCF policies (policies.go) are
// stored and, through Deps.Policies, put in force in the running PCF.
//
// CSRF: a browser attaches the session cookie by itself, so every
// cookie-authenticated POST, PUT, PATCH or DELETE must also carry the
// header X-CSRF-Token with the session's CSRF token (returned by login and
// by GET /api/v1/me; a script on another site can read neither). Bearer
// tokens are never attached by a browser and need no CSRF token. Login
// itself needs none: it requires Content-Type application/json, which a
// cross-site form cannot send without a CORS preflight this API never
// grants, and the cookie is SameSite=Strict.
package api

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go5g/internal/auth"
	"go5g/internal/store"
)

// Config tunes the API.
type Config struct {
	// TLS says the API is served over HTTPS: the session cookie gets Secure.
	TLS bool
	// Auth tunes password hashing, session lifetime and the clock.
	Auth auth.Config
}

// Deps are what the API uses.
type Deps struct {
	Store store.Store // must come from store.Open (it also keeps the accounts)
	Log   *slog.Logger
	// The live state (live.go); each may be nil when its NF is absent.
	RAN      RAN
	UEs      UEs
	Sessions Sessions
	Status   Status
	// Caches are told when the API changes home network keys or
	// subscribers (keys.go); nil when nothing caches them.
	Caches Caches
	// Policies puts policy changes in force (policies.go); nil: they are
	// only stored.
	Policies PolicyApplier
}

// API is the REST API; it is an http.Handler for paths under /api/v1/.
type API struct {
	cfg   Config
	st    store.Store
	acc   store.Accounts
	auth  *auth.Service
	log   *slog.Logger
	now   func() time.Time
	mux   *http.ServeMux
	roles map[string]level

	ran      RAN
	ues      UEs
	sessions Sessions
	status   Status
	caches   Caches
	policies PolicyApplier
	policyMu sync.Mutex // policies.go
	// userMu holds the last-admin check and the change it allows together
	// (accounts.go), so two admins removed at once cannot both pass it.
	userMu sync.Mutex
}

// level is the least a caller must be to use a route.
type level int

const (
	public   level = iota // no authentication
	readOnly              // any role
	operator              // operator or admin
	admin                 // admin only
)

func roleLevel(r store.Role) level {
	switch r {
	case store.RoleAdmin:
		return admin
	case store.RoleOperator:
		return operator
	case store.RoleReadOnly:
		return readOnly
	}
	return public
}

// access is the permission table: every route's pattern and who may call
// it. New refuses a route missing here, and TestAccessTable checks both ways.
func accessTable() map[string]level {
	return map[string]level{
		"POST /api/v1/login":                public,
		"GET /api/v1/openapi.json":          public,
		"POST /api/v1/logout":               readOnly,
		"GET /api/v1/me":                    readOnly,
		"GET /api/v1/subscribers":           readOnly,
		"GET /api/v1/subscribers/{supi}":    readOnly,
		"GET /api/v1/subscribers:export":    readOnly, // ?secrets=true: admin, checked in the handler
		"POST /api/v1/subscribers":          operator,
		"PUT /api/v1/subscribers/{supi}":    operator,
		"DELETE /api/v1/subscribers/{supi}": operator,
		"POST /api/v1/subscribers:import":   operator,
		"GET /api/v1/users":                 admin,
		"POST /api/v1/users":                admin,
		"PUT /api/v1/users/{name}":          admin,
		"DELETE /api/v1/users/{name}":       admin,
		"GET /api/v1/tokens":                admin,
		"POST /api/v1/tokens":               admin,
		"DELETE /api/v1/tokens/{id}":        admin,
		"GET /api/v1/audit":                 admin,
		"GET /api/v1/profiles":              readOnly,
		"GET /api/v1/profiles/{name}":       readOnly,
		"POST /api/v1/profiles":             operator,
		"PUT /api/v1/profiles/{name}":       operator,
		"DELETE /api/v1/profiles/{name}":    operator,
		"GET /api/v1/policies":              readOnly,
		"GET /api/v1/policies/{name}":       readOnly,
		"POST /api/v1/policies":             operator,
		"PUT /api/v1/policies/{name}":       operator,
		"DELETE /api/v1/policies/{name}":    operator,
		"GET /api/v1/keys":                  readOnly,
		"POST /api/v1/keys":                 admin,
		"DELETE /api/v1/keys/{id}":          admin,
		"GET /api/v1/gnbs":                  readOnly,
		"GET /api/v1/ues":                   readOnly,
		"GET /api/v1/ues/{supi}":            readOnly,
		"GET /api/v1/ues/{supi}/trace":      readOnly,
		"GET /api/v1/sessions":              readOnly,
		"GET /api/v1/status":                readOnly,
	}
}

// routes lists every handler by its ServeMux pattern.
func (a *API) routes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"POST /api/v1/login":                a.login,
		"GET /api/v1/openapi.json":          a.openAPI,
		"POST /api/v1/logout":               a.logout,
		"GET /api/v1/me":                    a.me,
		"GET /api/v1/subscribers":           a.listSubscribers,
		"GET /api/v1/subscribers/{supi}":    a.getSubscriber,
		"GET /api/v1/subscribers:export":    a.exportSubscribers,
		"POST /api/v1/subscribers":          a.createSubscriber,
		"PUT /api/v1/subscribers/{supi}":    a.updateSubscriber,
		"DELETE /api/v1/subscribers/{supi}": a.deleteSubscriber,
		"POST /api/v1/subscribers:import":   a.importSubscribers,
		"GET /api/v1/users":                 a.listUsers,
		"POST /api/v1/users":                a.createUser,
		"PUT /api/v1/users/{name}":          a.updateUser,
		"DELETE /api/v1/users/{name}":       a.deleteUser,
		"GET /api/v1/tokens":                a.listTokens,
		"POST /api/v1/tokens":               a.createToken,
		"DELETE /api/v1/tokens/{id}":        a.revokeToken,
		"GET /api/v1/audit":                 a.listAudit,
		"GET /api/v1/profiles":              a.listProfiles,
		"GET /api/v1/profiles/{name}":       a.getProfile,
		"POST /api/v1/profiles":             a.createProfile,
		"PUT /api/v1/profiles/{name}":       a.updateProfile,
		"DELETE /api/v1/profiles/{name}":    a.deleteProfile,
		"GET /api/v1/policies":              a.listPolicies,
		"GET /api/v1/policies/{name}":       a.getPolicy,
		"POST /api/v1/policies":             a.createPolicy,
		"PUT /api/v1/policies/{name}":       a.updatePolicy,
		"DELETE /api/v1/policies/{name}":    a.deletePolicy,
		"GET /api/v1/keys":                  a.listKeys,
		"POST /api/v1/keys":                 a.createKey,
		"DELETE /api/v1/keys/{id}":          a.deleteKey,
		"GET /api/v1/gnbs":                  a.listGNBs,
		"GET /api/v1/ues":                   a.listUEs,
		"GET /api/v1/ues/{supi}":            a.getUE,
		"GET /api/v1/ues/{supi}/trace":      a.getTrace,
		"GET /api/v1/sessions":              a.listSessions,
		"GET /api/v1/status":                a.getStatus,
	}
}

//go:embed openapi.json
var openAPIFiles embed.FS

// New builds the API over deps.Store.
func New(cfg Config, deps Deps) (*API, error) {
	if deps.Store == nil {
		return nil, errors.New("api: no store")
	}
	acc, err := store.AccountsOf(deps.Store)
	if err != nil {
		return nil, err
	}
	svc, err := auth.New(acc, cfg.Auth)
	if err != nil {
		return nil, err
	}
	a := &API{cfg: cfg, st: deps.Store, acc: acc, auth: svc, log: deps.Log, now: cfg.Auth.Now,
		mux: http.NewServeMux(), roles: accessTable(),
		ran: deps.RAN, ues: deps.UEs, sessions: deps.Sessions, status: deps.Status}
	a.caches = deps.Caches
	a.policies = deps.Policies
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	for pattern, h := range a.routes() {
		if _, ok := a.roles[pattern]; !ok {
			return nil, errors.New("api: route " + pattern + " has no entry in the access table")
		}
		a.mux.HandleFunc(pattern, h)
	}
	return a, nil
}

// EnsureAdmin creates the user "admin" with a random password when there is
// no user yet and returns the password, to be shown once.
func (a *API) EnsureAdmin(ctx context.Context) (password string, created bool, err error) {
	return a.auth.EnsureAdmin(ctx)
}

type principalKey struct{}

func principal(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(principalKey{}).(auth.Principal)
	return p
}

// ServeHTTP is the one middleware: find the route, authenticate, check the
// role against the access table and the CSRF token, then run the handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, pattern := a.mux.Handler(r)
	if pattern == "" {
		// Let the mux decide between 404 and 405 (with Allow), then say it in JSON.
		sw := &statusWriter{h: http.Header{}}
		a.mux.ServeHTTP(sw, r)
		if allow := sw.h.Get("Allow"); allow != "" {
			h.Set("Allow", allow)
		}
		writeProblem(w, problem{Status: sw.status, Detail: "no such endpoint or method: " + r.Method + " " + r.URL.Path})
		return
	}
	need, ok := a.roles[pattern]
	if !ok { // New makes this unreachable; refuse rather than serve unguarded
		writeProblem(w, problem{Status: http.StatusForbidden, Detail: "endpoint has no access rule"})
		return
	}
	if need > public {
		p, err := a.auth.Authenticate(r)
		if err != nil {
			if !errors.Is(err, auth.ErrUnauthenticated) {
				a.log.Error("api: authenticate", "err", err)
				writeProblem(w, problem{Status: http.StatusInternalServerError, Detail: "internal error"})
				return
			}
			h.Set("WWW-Authenticate", `Bearer realm="go5g"`)
			writeProblem(w, problem{Status: http.StatusUnauthorized, Detail: err.Error()})
			return
		}
		if roleLevel(p.Role) < need {
			writeProblem(w, problem{Status: http.StatusForbidden, Detail: "role " + string(p.Role) + " may not " + r.Method + " " + r.URL.Path})
			return
		}
		if unsafe(r.Method) && !p.CheckCSRF(r.Header.Get(auth.CSRFHeader)) {
			writeProblem(w, problem{Status: http.StatusForbidden, Detail: "missing or wrong " + auth.CSRFHeader + " header (see GET /api/v1/me)"})
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
	}
	a.mux.ServeHTTP(w, r)
}

func unsafe(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// statusWriter records the status the mux would send.
type statusWriter struct {
	h      http.Header
	status int
}

func (s *statusWriter) Header() http.Header { return s.h }
func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return len(b), nil
}
func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) {
	b, err := openAPIFiles.ReadFile("openapi.json")
	if err != nil {
		a.internal(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// entry is the audit record of an action by the caller of r.
func (a *API) entry(r *http.Request, action, target, detail string) store.AuditEntry {
	return store.AuditEntry{At: a.now(), Actor: principal(r).Actor(), Action: action, Target: target, Detail: detail}
}

// audited makes change (store calls with the context it gets) and its audit
// record one transaction (store.Accounts.Audited): a change is never stored
// unaudited; if the record cannot be written, the change is undone and the
// error returned. Side effects outside the store (caches, the PCF) belong
// after it returns nil.
func (a *API) audited(r *http.Request, action, target, detail string, change func(ctx context.Context) error) error {
	_, err := a.acc.Audited(r.Context(), a.entry(r, action, target, detail),
		func(ctx context.Context, _ *store.AuditEntry) error { return change(ctx) })
	return err
}

// FirstAdminNotice is what `go5g core` prints, once, when EnsureAdmin
// created the admin: the password exists nowhere else. base is the API's
// URL, e.g. "http://127.0.0.1:8080".
func FirstAdminNotice(base, password string) string {
	return "go5g: created the console user \"admin\" with password " + password + "\n" +
		"      it is shown only this once; change it after logging in (PUT " + base + "/api/v1/users/admin).\n" +
		"      log in: curl -c cookies -H 'Content-Type: application/json' -d '{\"username\":\"admin\",\"password\":\"" + password + "\"}' " + base + "/api/v1/login\n" +
		"      scripts: create an API token (POST /api/v1/tokens) and send Authorization: Bearer go5g_...\n"
}
