package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go5g/internal/store"
)

// Config tunes a Service; zero values take the defaults.
type Config struct {
	Params     Params           // argon2id cost for new hashes; DefaultParams() if zero
	SessionTTL time.Duration    // console session lifetime; DefaultSessionTTL if zero
	Now        func() time.Time // clock; time.Now if nil
}

// DefaultSessionTTL is a console session's fixed lifetime (not extended by
// use): a working day.
const DefaultSessionTTL = 12 * time.Hour

// Password length bounds: the floor is NIST SP 800-63B §3.1.1.2's minimum
// for a chosen password, plus margin; the ceiling keeps argon2 input small.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// FirstAdmin is the name of the user created on first start.
const FirstAdmin = "admin"

// CookieName is the console session cookie.
const CookieName = "go5g_session"

// CSRFHeader must carry the session's CSRF token on every cookie-authenticated
// request with an unsafe method.
const CSRFHeader = "X-CSRF-Token"

// Errors of this package.
var (
	// ErrBadCredentials is a wrong user name or password; which one is not said.
	ErrBadCredentials = errors.New("wrong user name or password")
	// ErrUnauthenticated is a missing, malformed, unknown, expired or revoked
	// session or token.
	ErrUnauthenticated = errors.New("not logged in, or the session or token is no longer valid")
)

// RateLimitedError refuses a login until Until.
type RateLimitedError struct{ Until time.Time }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many failed logins; try again after %s", e.Until.UTC().Format(time.RFC3339))
}

// Service authenticates users and tokens against the store's accounts.
type Service struct {
	acc       store.Accounts
	params    Params
	ttl       time.Duration
	now       func() time.Time
	users     *limiter
	ips       *limiter
	dummyHash string // verified against when the user does not exist, so timing does not tell
}

// New returns a Service over acc.
func New(acc store.Accounts, cfg Config) (*Service, error) {
	s := &Service{acc: acc, params: cfg.Params, ttl: cfg.SessionTTL, now: cfg.Now,
		users: newLimiter(MaxFailuresPerUser, FailureWindow), ips: newLimiter(MaxFailuresPerIP, FailureWindow)}
	if s.params == (Params{}) {
		s.params = DefaultParams()
	}
	if s.ttl == 0 {
		s.ttl = DefaultSessionTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.dummyHash, err = HashPassword(newPassword(), s.params); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return s, nil
}

// Principal is who is calling.
type Principal struct {
	Name    string     // user name, or the API token's name
	Role    store.Role //
	TokenID string     // the API token's id; "" for a console session
	csrf    string     // the session's CSRF token; "" for an API token
	session []byte     // the session's token hash
}

// Actor names the principal in the audit log: "user:<name>" or
// "token:<id>".
func (p Principal) Actor() string {
	if p.TokenID != "" {
		return "token:" + p.TokenID
	}
	return "user:" + p.Name
}

// ViaCookie reports whether the principal came from a session cookie, the
// only ambient credential, and so the one CSRF applies to.
func (p Principal) ViaCookie() bool { return p.TokenID == "" }

// CheckCSRF reports whether header is the session's CSRF token (constant
// time). API tokens need none: a browser never attaches them on its own.
func (p Principal) CheckCSRF(header string) bool {
	if !p.ViaCookie() {
		return true
	}
	return p.csrf != "" && subtle.ConstantTimeCompare([]byte(header), []byte(p.csrf)) == 1
}

// CSRF is the session's CSRF token, "" for an API token.
func (p Principal) CSRF() string { return p.csrf }

// EnsureAdmin creates the user "admin" with a random password if there is
// no user at all, and returns that password (to be printed once); created
// is false, and password "", when users exist already.
func (s *Service) EnsureAdmin(ctx context.Context) (password string, created bool, err error) {
	password = newPassword()
	h, err := HashPassword(password, s.params)
	if err != nil {
		return "", false, fmt.Errorf("auth: %w", err)
	}
	created, err = s.acc.CreateFirstUser(ctx, store.User{Name: FirstAdmin, Role: store.RoleAdmin, PasswordHash: h, CreatedAt: s.now()})
	if err != nil || !created {
		return "", false, err
	}
	return password, true, nil
}

// LoginResult is a new console session. Token goes only into the cookie.
type LoginResult struct {
	Token     string
	CSRF      string
	ExpiresAt time.Time
	Principal Principal
}

// Login checks name and password, rate-limited per name and per client
// address ip, and opens a session.
func (s *Service) Login(ctx context.Context, name, password, ip string) (LoginResult, error) {
	now := s.now()
	if b, until := s.users.blocked(name, now); b {
		return LoginResult{}, &RateLimitedError{Until: until}
	}
	if b, until := s.ips.blocked(ip, now); b {
		return LoginResult{}, &RateLimitedError{Until: until}
	}
	u, err := s.acc.GetUser(ctx, name)
	hash := u.PasswordHash
	if errors.Is(err, store.ErrNotFound) {
		hash = s.dummyHash
	} else if err != nil {
		return LoginResult{}, err
	}
	ok, verr := VerifyPassword(password, hash)
	if err != nil || verr != nil || !ok || len(password) > MaxPasswordLen {
		s.users.fail(name, now)
		s.ips.fail(ip, now)
		return LoginResult{}, ErrBadCredentials
	}
	s.users.reset(name)
	tok := newToken()
	se := store.Session{TokenHash: hashToken(tok), UserName: u.Name, CreatedAt: now, ExpiresAt: now.Add(s.ttl)}
	if err := s.acc.DeleteExpiredSessions(ctx, now); err != nil {
		return LoginResult{}, err
	}
	if err := s.acc.AddSession(ctx, se); err != nil {
		return LoginResult{}, err
	}
	p := Principal{Name: u.Name, Role: u.Role, csrf: csrfToken(tok), session: se.TokenHash}
	return LoginResult{Token: tok, CSRF: p.csrf, ExpiresAt: se.ExpiresAt, Principal: p}, nil
}

// Logout ends p's session; for an API token it does nothing.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if p.session == nil {
		return nil
	}
	return s.acc.DeleteSession(ctx, p.session)
}

// Authenticate finds the caller of r: "Authorization: Bearer go5g_..." (an
// API token) or the session cookie. It returns ErrUnauthenticated when
// neither is present and valid. A Bearer header wins over a cookie.
func (s *Service) Authenticate(r *http.Request) (Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || !looksLikeAPIToken(tok) {
			return Principal{}, ErrUnauthenticated
		}
		t, err := s.acc.APITokenByHash(ctx, hashToken(tok))
		if errors.Is(err, store.ErrNotFound) {
			return Principal{}, ErrUnauthenticated
		}
		if err != nil {
			return Principal{}, err
		}
		return Principal{Name: t.Name, Role: t.Role, TokenID: t.ID}, nil
	}
	c, err := r.Cookie(CookieName)
	if err != nil || len(c.Value) != 43 {
		return Principal{}, ErrUnauthenticated
	}
	se, err := s.acc.GetSession(ctx, hashToken(c.Value), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	u, err := s.acc.GetUser(ctx, se.UserName)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	return Principal{Name: u.Name, Role: u.Role, csrf: csrfToken(c.Value), session: se.TokenHash}, nil
}

// SessionCookie is the cookie that carries a session token: HttpOnly (no
// script reads it), SameSite=Strict (no cross-site request carries it),
// Secure when the API is served over TLS, scoped to the API's path.
func SessionCookie(tok string, expires time.Time, secure bool) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: tok, Path: "/", Expires: expires,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode}
}

// ClearCookie removes the session cookie from the browser.
func ClearCookie(secure bool) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode}
}

// ValidPassword checks a new password's length.
func ValidPassword(pw string) error {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return &store.FieldError{Field: "password", Reason: fmt.Sprintf("must be %d to %d characters", MinPasswordLen, MaxPasswordLen)}
	}
	return nil
}

// NewUser hashes password and returns the user to store.
func (s *Service) NewUser(name string, role store.Role, password string) (store.User, error) {
	if err := store.ValidUserName(name); err != nil {
		return store.User{}, err
	}
	if !role.Valid() {
		return store.User{}, &store.FieldError{Field: "role", Reason: "must be admin, operator or read-only"}
	}
	if err := ValidPassword(password); err != nil {
		return store.User{}, err
	}
	h, err := HashPassword(password, s.params)
	if err != nil {
		return store.User{}, fmt.Errorf("auth: %w", err)
	}
	return store.User{Name: name, Role: role, PasswordHash: h, CreatedAt: s.now()}, nil
}

// HashNewPassword validates and hashes a changed password.
func (s *Service) HashNewPassword(password string) (string, error) {
	if err := ValidPassword(password); err != nil {
		return "", err
	}
	return HashPassword(password, s.params)
}

// CreateAPIToken stores a new token and returns its text, which exists
// nowhere else: the caller shows it once.
func (s *Service) CreateAPIToken(ctx context.Context, name string, role store.Role, createdBy string) (string, store.APIToken, error) {
	if name == "" || len(name) > 100 {
		return "", store.APIToken{}, &store.FieldError{Field: "name", Reason: "must be 1 to 100 characters"}
	}
	if !role.Valid() {
		return "", store.APIToken{}, &store.FieldError{Field: "role", Reason: "must be admin, operator or read-only"}
	}
	tok := APITokenPrefix + newToken()
	t := store.APIToken{ID: newID(), TokenHash: hashToken(tok), Name: name, Role: role, CreatedBy: createdBy, CreatedAt: s.now()}
	if err := s.acc.AddAPIToken(ctx, t); err != nil {
		return "", store.APIToken{}, err
	}
	return tok, t, nil
}
