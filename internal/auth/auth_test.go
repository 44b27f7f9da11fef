package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go5g/internal/store"
)

// cheap keeps tests fast; the encoded string carries its parameters.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || len(strings.Split(h, "$")) != 6 {
		t.Fatalf("hash %q is not the PHC form with the default parameters", h)
	}
	if ok, err := VerifyPassword("correct horse battery", h); !ok || err != nil {
		t.Fatalf("right password: %v, %v", ok, err)
	}
	if ok, err := VerifyPassword("correct horse batterY", h); ok || err != nil {
		t.Fatalf("wrong password: %v, %v", ok, err)
	}
	h2, _ := HashPassword("correct horse battery", DefaultParams())
	if h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 43),
		strings.Replace(h, "m=19456", "m=99999999", 1), strings.Replace(h, "v=19", "v=16", 1), h[:len(h)-30]} {
		if _, err := VerifyPassword("x", bad); err == nil {
			t.Errorf("VerifyPassword accepted the malformed hash %q", bad)
		}
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(3, time.Minute)
	now := time.Unix(1000, 0)
	for range 3 {
		if b, _ := l.blocked("k", now); b {
			t.Fatal("blocked before the limit")
		}
		l.fail("k", now)
	}
	if b, until := l.blocked("k", now.Add(59*time.Second)); !b || !until.Equal(now.Add(time.Minute)) {
		t.Fatalf("after 3 failures: blocked %v until %v", b, until)
	}
	if b, _ := l.blocked("other", now); b {
		t.Fatal("another key is blocked")
	}
	if b, _ := l.blocked("k", now.Add(time.Minute)); b {
		t.Fatal("still blocked after the window")
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T) (*Service, store.Accounts, *clock) {
	st, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	acc, err := store.AccountsOf(st)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	s, err := New(acc, Config{Params: cheap, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return s, acc, c
}

func TestEnsureAdminLoginLogout(t *testing.T) {
	s, _, c := newService(t)
	pw, created, err := s.EnsureAdmin(t.Context())
	if err != nil || !created || len(pw) < MinPasswordLen {
		t.Fatalf("EnsureAdmin = %d chars, %v, %v", len(pw), created, err)
	}
	if pw2, created, err := s.EnsureAdmin(t.Context()); err != nil || created || pw2 != "" {
		t.Fatalf("second EnsureAdmin = %d chars, %v, %v", len(pw2), created, err)
	}
	if _, err := s.Login(t.Context(), FirstAdmin, pw+"x", "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := s.Login(t.Context(), "nobody", pw, "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("unknown user: %v", err)
	}
	res, err := s.Login(t.Context(), FirstAdmin, pw, "192.0.2.1")
	if err != nil || res.Principal.Role != store.RoleAdmin || len(res.Token) != 43 || res.CSRF == "" {
		t.Fatalf("Login = %+v, %v", res, err)
	}
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.AddCookie(SessionCookie(res.Token, res.ExpiresAt, false))
	p, err := s.Authenticate(req)
	if err != nil || p.Name != FirstAdmin || p.Actor() != "user:admin" || !p.CheckCSRF(res.CSRF) || p.CheckCSRF("") || p.CheckCSRF(res.CSRF[1:]) {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	c.t = c.t.Add(DefaultSessionTTL)
	if _, err := s.Authenticate(req); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("expired session: %v", err)
	}
	c.t = c.t.Add(-DefaultSessionTTL)
	res, _ = s.Login(t.Context(), FirstAdmin, pw, "192.0.2.1")
	req = httptest.NewRequest("GET", "/api/v1/me", nil)
	req.AddCookie(SessionCookie(res.Token, res.ExpiresAt, false))
	p, _ = s.Authenticate(req)
	if err := s.Logout(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(req); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("after logout: %v", err)
	}
}

func TestLoginRateLimit(t *testing.T) {
	s, acc, c := newService(t)
	u, err := s.NewUser("bob", store.RoleOperator, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.AddUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	for i := range MaxFailuresPerUser {
		if _, err := s.Login(t.Context(), "bob", "wrong", "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	var rl *RateLimitedError
	if _, err := s.Login(t.Context(), "bob", "a long enough password", "192.0.2.2"); !errors.As(err, &rl) || !rl.Until.Equal(c.t.Add(FailureWindow)) {
		t.Fatalf("right password after %d failures: %v, want rate limited", MaxFailuresPerUser, err)
	}
	c.t = c.t.Add(FailureWindow)
	if _, err := s.Login(t.Context(), "bob", "a long enough password", "192.0.2.2"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// Per address: many names from one IP.
	for i := range MaxFailuresPerIP {
		s.Login(t.Context(), "user"+string(rune('a'+i)), "wrong", "198.51.100.7")
	}
	if _, err := s.Login(t.Context(), "bob", "a long enough password", "198.51.100.7"); !errors.As(err, &rl) {
		t.Fatalf("after %d failures from one address: %v", MaxFailuresPerIP, err)
	}
}

func TestAPIToken(t *testing.T) {
	s, acc, _ := newService(t)
	tok, rec, err := s.CreateAPIToken(t.Context(), "ci", store.RoleReadOnly, "user:admin")
	if err != nil || !strings.HasPrefix(tok, APITokenPrefix) || len(tok) != len(APITokenPrefix)+43 {
		t.Fatalf("CreateAPIToken = %d chars, %v", len(tok), err)
	}
	req := func(h string) *http.Request {
		r := httptest.NewRequest("GET", "/api/v1/me", nil)
		r.Header.Set("Authorization", h)
		return r
	}
	p, err := s.Authenticate(req("Bearer " + tok))
	if err != nil || p.Role != store.RoleReadOnly || p.Actor() != "token:"+rec.ID || p.ViaCookie() || !p.CheckCSRF("") {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	// Change one character of the secret (to one it is not already).
	other := "A"
	if tok[len(APITokenPrefix)] == 'A' {
		other = "B"
	}
	tampered := APITokenPrefix + other + tok[len(APITokenPrefix)+1:]
	for _, h := range []string{"Bearer " + tampered, "Basic " + tok, "Bearer", tok} {
		if _, err := s.Authenticate(req(h)); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("Authorization %q: %v", h[:min(len(h), 12)], err)
		}
	}
	if err := acc.RevokeAPIToken(t.Context(), rec.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(req("Bearer " + tok)); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("revoked token: %v", err)
	}
}
