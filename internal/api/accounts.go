package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"go5g/internal/auth"
	"go5g/internal/store"
)

type loginIn struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type meOut struct {
	Name      string     `json:"name"`
	Role      store.Role `json:"role"`
	Via       string     `json:"via"` // "session" or "token"
	CSRFToken string     `json:"csrfToken,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// clientIP is the TCP peer's address: the login limiter's per-address key.
// X-Forwarded-For is not trusted (a client could rotate it at will).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var in loginIn
	if decode(w, r, &in) != nil {
		return
	}
	if in.Username == "" {
		a.fail(w, fieldErr("username", "is required"))
		return
	}
	res, err := a.auth.Login(r.Context(), in.Username, in.Password, clientIP(r))
	if err != nil {
		// The name is logged to spot attacks; the password never is.
		a.log.Warn("api: login refused", "user", in.Username, "ip", clientIP(r), "reason", err)
		a.fail(w, err)
		return
	}
	a.log.Info("api: login", "user", in.Username, "ip", clientIP(r))
	http.SetCookie(w, auth.SessionCookie(res.Token, res.ExpiresAt, a.cfg.TLS))
	exp := res.ExpiresAt
	writeJSON(w, http.StatusOK, meOut{Name: res.Principal.Name, Role: res.Principal.Role, Via: "session",
		CSRFToken: res.CSRF, ExpiresAt: &exp})
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.auth.Logout(r.Context(), principal(r)); err != nil {
		a.fail(w, err)
		return
	}
	http.SetCookie(w, auth.ClearCookie(a.cfg.TLS))
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	out := meOut{Name: p.Name, Role: p.Role, Via: "token"}
	if p.ViaCookie() {
		out.Via, out.CSRFToken = "session", p.CSRF()
	}
	writeJSON(w, http.StatusOK, out)
}

type userOut struct {
	Name      string     `json:"name"`
	Role      store.Role `json:"role"`
	CreatedAt time.Time  `json:"createdAt"`
}

type userIn struct {
	Name     string      `json:"name"`
	Role     *store.Role `json:"role"`
	Password *string     `json:"password"`
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := a.acc.ListUsers(r.Context())
	if err != nil {
		a.fail(w, err)
		return
	}
	out := make([]userOut, len(us))
	for i, u := range us {
		out[i] = userOut{Name: u.Name, Role: u.Role, CreatedAt: u.CreatedAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	var in userIn
	if decode(w, r, &in) != nil {
		return
	}
	if in.Role == nil {
		a.fail(w, fieldErr("role", "is required: admin, operator or read-only"))
		return
	}
	if in.Password == nil {
		a.fail(w, fieldErr("password", "is required"))
		return
	}
	u, err := a.auth.NewUser(in.Name, *in.Role, *in.Password)
	if err != nil {
		a.fail(w, err)
		return
	}
	if err := a.audited(r, "user.create", u.Name, "role "+string(u.Role), func(ctx context.Context) error {
		return a.acc.AddUser(ctx, u)
	}); err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, userOut{Name: u.Name, Role: u.Role, CreatedAt: u.CreatedAt})
}

// errLastAdmin keeps the API from locking every admin out.
var errLastAdmin = errors.New("this is the last admin; make another user admin first")

// wouldOrphan reports whether taking admin away from name leaves no admin.
func (a *API) wouldOrphan(r *http.Request, name string) (bool, error) {
	us, err := a.acc.ListUsers(r.Context())
	if err != nil {
		return false, err
	}
	others := 0
	for _, u := range us {
		if u.Role == store.RoleAdmin && u.Name != name {
			others++
		}
	}
	return others == 0, nil
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) {
	var in userIn
	if decode(w, r, &in) != nil {
		return
	}
	name := r.PathValue("name")
	if in.Name != "" && in.Name != name {
		a.fail(w, fieldErr("name", "differs from the name in the path; a user cannot be renamed"))
		return
	}
	a.userMu.Lock()
	defer a.userMu.Unlock()
	u, err := a.acc.GetUser(r.Context(), name)
	if err != nil {
		a.fail(w, err)
		return
	}
	detail := ""
	if in.Role != nil && *in.Role != u.Role {
		if !in.Role.Valid() {
			a.fail(w, fieldErr("role", "must be admin, operator or read-only"))
			return
		}
		if u.Role == store.RoleAdmin {
			if orphan, err := a.wouldOrphan(r, name); err != nil {
				a.fail(w, err)
				return
			} else if orphan {
				writeProblem(w, problem{Status: http.StatusConflict, Field: "role", Detail: errLastAdmin.Error()})
				return
			}
		}
		detail = "role " + string(u.Role) + " -> " + string(*in.Role)
		u.Role = *in.Role
	}
	if in.Password != nil {
		if u.PasswordHash, err = a.auth.HashNewPassword(*in.Password); err != nil {
			a.fail(w, err)
			return
		}
		detail += " password changed"
	}
	if err := a.audited(r, "user.update", name, detail, func(ctx context.Context) error {
		return a.acc.UpdateUser(ctx, u)
	}); err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, userOut{Name: u.Name, Role: u.Role, CreatedAt: u.CreatedAt})
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a.userMu.Lock()
	defer a.userMu.Unlock()
	u, err := a.acc.GetUser(r.Context(), name)
	if err != nil {
		a.fail(w, err)
		return
	}
	if u.Role == store.RoleAdmin {
		if orphan, err := a.wouldOrphan(r, name); err != nil {
			a.fail(w, err)
			return
		} else if orphan {
			writeProblem(w, problem{Status: http.StatusConflict, Detail: errLastAdmin.Error()})
			return
		}
	}
	if err := a.audited(r, "user.delete", name, "", func(ctx context.Context) error {
		return a.acc.DeleteUser(ctx, name)
	}); err != nil {
		a.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type tokenOut struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      store.Role `json:"role"`
	CreatedBy string     `json:"createdBy"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	Token     string     `json:"token,omitempty"` // only in the answer to its creation
}

func toTokenOut(t store.APIToken) tokenOut {
	o := tokenOut{ID: t.ID, Name: t.Name, Role: t.Role, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt}
	if !t.RevokedAt.IsZero() {
		rv := t.RevokedAt
		o.RevokedAt = &rv
	}
	return o
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := a.acc.ListAPITokens(r.Context())
	if err != nil {
		a.fail(w, err)
		return
	}
	out := make([]tokenOut, len(ts))
	for i, t := range ts {
		out[i] = toTokenOut(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string     `json:"name"`
		Role store.Role `json:"role"`
	}
	if decode(w, r, &in) != nil {
		return
	}
	var tok string
	var t store.APIToken
	_, err := a.acc.Audited(r.Context(), a.entry(r, "token.create", "", ""), func(ctx context.Context, e *store.AuditEntry) error {
		var err error
		if tok, t, err = a.auth.CreateAPIToken(ctx, in.Name, in.Role, principal(r).Actor()); err != nil {
			return err
		}
		e.Target, e.Detail = t.ID, "name "+t.Name+", role "+string(t.Role)
		return nil
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	out := toTokenOut(t)
	out.Token = tok
	writeJSON(w, http.StatusCreated, out)
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := a.audited(r, "token.revoke", id, "", func(ctx context.Context) error {
		return a.acc.RevokeAPIToken(ctx, id, a.now())
	}); err != nil {
		a.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type auditOut struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultPage
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxPage {
			a.fail(w, fieldErr("limit", "must be 1 to %d", maxPage))
			return
		}
	}
	var before int64
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 1 {
			a.fail(w, fieldErr("before", "must be an audit entry id"))
			return
		}
	}
	es, err := a.acc.ListAudit(r.Context(), before, limit)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := struct {
		Items      []auditOut `json:"items"`
		NextBefore int64      `json:"nextBefore,omitempty"`
	}{Items: make([]auditOut, len(es))}
	for i, e := range es {
		out.Items[i] = auditOut{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail}
	}
	if len(es) == limit {
		out.NextBefore = es[len(es)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}
