package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Accounts holds who may use the console and REST API: users, their login
// sessions and API tokens, and the audit log (audit.go). It is a separate
// interface from Store so the NFs never see it; AccountsOf gets it from a
// Store opened by this package.
type Accounts interface {
	// CreateFirstUser adds u only if there is no user at all, atomically
	// (two processes starting on one empty database create one admin);
	// created says whether it did.
	CreateFirstUser(ctx context.Context, u User) (created bool, err error)
	// AddUser adds a user or returns ErrExists.
	AddUser(ctx context.Context, u User) error
	// GetUser returns one user or ErrNotFound.
	GetUser(ctx context.Context, name string) (User, error)
	// ListUsers returns every user ordered by name.
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser replaces the role and password hash of an existing user.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser removes a user and its sessions, or returns ErrNotFound.
	DeleteUser(ctx context.Context, name string) error

	// AddSession stores a login session.
	AddSession(ctx context.Context, s Session) error
	// GetSession returns the session with this token hash or ErrNotFound;
	// an expired session is not found (and is removed).
	GetSession(ctx context.Context, tokenHash []byte, now time.Time) (Session, error)
	// DeleteSession removes one session (logout); a missing one is no error.
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteExpiredSessions removes every session expired at now.
	DeleteExpiredSessions(ctx context.Context, now time.Time) error

	// AddAPIToken stores a token or returns ErrExists.
	AddAPIToken(ctx context.Context, t APIToken) error
	// APITokenByHash returns the unrevoked token with this hash or ErrNotFound.
	APITokenByHash(ctx context.Context, tokenHash []byte) (APIToken, error)
	// ListAPITokens returns every token, revoked ones included, by id.
	ListAPITokens(ctx context.Context) ([]APIToken, error)
	// RevokeAPIToken marks a token revoked at now, or returns ErrNotFound
	// (also for one already revoked).
	RevokeAPIToken(ctx context.Context, id string, now time.Time) error

	// Audited runs change and appends e to the audit log in one
	// transaction: both are stored or, if either fails, neither. Store and
	// Accounts calls that change makes with the context it is given join
	// the transaction; change may complete e (an id it generated) and must
	// not touch anything outside the database.
	Audited(ctx context.Context, e AuditEntry, change func(ctx context.Context, e *AuditEntry) error) (AuditEntry, error)
	// AddAudit appends an entry on its own and returns it with its id: for
	// actions that change nothing stored (an export of secrets).
	AddAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// ListAudit returns up to limit entries with ids below before (all if
	// before is 0), newest first.
	ListAudit(ctx context.Context, before int64, limit int) ([]AuditEntry, error)
}

// AccountsOf returns the Accounts of a Store opened by this package.
func AccountsOf(s Store) (Accounts, error) {
	a, ok := s.(Accounts)
	if !ok {
		return nil, fmt.Errorf("store: %T keeps no accounts", s)
	}
	return a, nil
}

// Role is what a user or API token may do; the API maps it to endpoints.
type Role string

// Roles, from most to least privileged.
const (
	RoleAdmin    Role = "admin"
	RoleOperator Role = "operator"
	RoleReadOnly Role = "read-only"
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleOperator || r == RoleReadOnly }

// User is a console/API user. PasswordHash is an argon2id PHC string,
// never the password.
type User struct {
	Name         string
	Role         Role
	PasswordHash string
	CreatedAt    time.Time
}

// Session is a console login; only the SHA-256 of its token is stored.
type Session struct {
	TokenHash []byte
	UserName  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// APIToken is a bearer token for scripts; only its SHA-256 is stored.
type APIToken struct {
	ID        string
	TokenHash []byte
	Name      string
	Role      Role
	CreatedBy string
	CreatedAt time.Time
	RevokedAt time.Time // zero while valid
}

// ValidUserName checks a user name: 1 to 64 of a-z, 0-9, '.', '_', '-'.
func ValidUserName(name string) error {
	if name == "" || len(name) > 64 {
		return fieldErr("name", "must be 1 to 64 characters")
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fieldErr("name", "may hold only a-z, 0-9, '.', '_' and '-'")
		}
	}
	return nil
}

func validUser(u User) error {
	if err := ValidUserName(u.Name); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return fieldErr("role", "must be admin, operator or read-only")
	}
	if u.PasswordHash == "" {
		return fieldErr("password", "is required")
	}
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func (s *sqlStore) CreateFirstUser(ctx context.Context, u User) (bool, error) {
	if err := validUser(u); err != nil {
		return false, err
	}
	res, err := s.wq(ctx).ExecContext(ctx, `INSERT INTO users (name, role, password_hash, created_at)
SELECT $1, $2, $3, CAST($4 AS BIGINT) WHERE NOT EXISTS (SELECT 1 FROM users)
ON CONFLICT (name) DO NOTHING`,
		u.Name, string(u.Role), u.PasswordHash, ms(u.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("store: first user: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: first user: %w", err)
	}
	return n == 1, nil
}

func (s *sqlStore) AddUser(ctx context.Context, u User) error {
	if err := validUser(u); err != nil {
		return err
	}
	res, err := s.wq(ctx).ExecContext(ctx, `INSERT INTO users (name, role, password_hash, created_at)
VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING`, u.Name, string(u.Role), u.PasswordHash, ms(u.CreatedAt))
	return insertedOne(res, err, "user", u.Name)
}

// insertedOne maps an INSERT ... ON CONFLICT DO NOTHING that added no row
// to ErrExists.
func insertedOne(res sql.Result, err error, what, key string) error {
	if err != nil {
		return fmt.Errorf("store: add %s %s: %w", what, key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: add %s %s: %w", what, key, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", what, key, ErrExists)
	}
	return nil
}

// oneRow maps an UPDATE or DELETE that matched no row to ErrNotFound.
func oneRow(res sql.Result, err error, op, what, key string) error {
	if err != nil {
		return fmt.Errorf("store: %s %s %s: %w", op, what, key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s %s %s: %w", op, what, key, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", what, key, ErrNotFound)
	}
	return nil
}

func scanUser(sc scanner) (User, error) {
	var u User
	var role string
	var created int64
	err := sc.Scan(&u.Name, &role, &u.PasswordHash, &created)
	u.Role, u.CreatedAt = Role(role), fromMS(created)
	return u, err
}

func (s *sqlStore) GetUser(ctx context.Context, name string) (User, error) {
	u, err := scanUser(s.rq(ctx).QueryRowContext(ctx,
		`SELECT name, role, password_hash, created_at FROM users WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: get user %s: %w", name, err)
	}
	return u, nil
}

func (s *sqlStore) ListUsers(ctx context.Context) ([]User, error) {
	return queryAll(ctx, s.rq(ctx), "list users", scanUser, `SELECT name, role, password_hash, created_at FROM users ORDER BY name`)
}

func (s *sqlStore) UpdateUser(ctx context.Context, u User) error {
	if err := validUser(u); err != nil {
		return err
	}
	res, err := s.wq(ctx).ExecContext(ctx, `UPDATE users SET role = $2, password_hash = $3 WHERE name = $1`,
		u.Name, string(u.Role), u.PasswordHash)
	return oneRow(res, err, "update", "user", u.Name)
}

func (s *sqlStore) DeleteUser(ctx context.Context, name string) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_name = $1`, name); err != nil {
			return fmt.Errorf("store: delete user %s: %w", name, err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE name = $1`, name)
		return oneRow(res, err, "delete", "user", name)
	})
}

func (s *sqlStore) AddSession(ctx context.Context, se Session) error {
	if len(se.TokenHash) == 0 || se.UserName == "" {
		return fieldErr("session", "token hash and user are required")
	}
	_, err := s.wq(ctx).ExecContext(ctx, `INSERT INTO sessions (token_hash, user_name, created_at, expires_at)
VALUES ($1, $2, $3, $4)`, se.TokenHash, se.UserName, ms(se.CreatedAt), ms(se.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: add session: %w", err)
	}
	return nil
}

func (s *sqlStore) GetSession(ctx context.Context, tokenHash []byte, now time.Time) (Session, error) {
	se := Session{TokenHash: tokenHash}
	var created, expires int64
	err := s.rq(ctx).QueryRowContext(ctx, `SELECT user_name, created_at, expires_at FROM sessions WHERE token_hash = $1`,
		tokenHash).Scan(&se.UserName, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: get session: %w", err)
	}
	se.CreatedAt, se.ExpiresAt = fromMS(created), fromMS(expires)
	if !now.Before(se.ExpiresAt) {
		if err := s.DeleteSession(ctx, tokenHash); err != nil {
			return Session{}, err
		}
		return Session{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	return se, nil
}

func (s *sqlStore) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.wq(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

func (s *sqlStore) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	if _, err := s.wq(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, ms(now)); err != nil {
		return fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return nil
}

func (s *sqlStore) AddAPIToken(ctx context.Context, t APIToken) error {
	if t.ID == "" || len(t.TokenHash) == 0 {
		return fieldErr("token", "id and hash are required")
	}
	if !t.Role.Valid() {
		return fieldErr("role", "must be admin, operator or read-only")
	}
	res, err := s.wq(ctx).ExecContext(ctx, `INSERT INTO api_tokens (id, token_hash, name, role, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		t.ID, t.TokenHash, t.Name, string(t.Role), t.CreatedBy, ms(t.CreatedAt))
	return insertedOne(res, err, "API token", t.ID)
}

const tokenColumns = `id, token_hash, name, role, created_by, created_at, revoked_at`

func scanToken(sc scanner) (APIToken, error) {
	var t APIToken
	var role string
	var created int64
	var revoked sql.NullInt64
	err := sc.Scan(&t.ID, &t.TokenHash, &t.Name, &role, &t.CreatedBy, &created, &revoked)
	t.Role, t.CreatedAt = Role(role), fromMS(created)
	if revoked.Valid {
		t.RevokedAt = fromMS(revoked.Int64)
	}
	return t, err
}

func (s *sqlStore) APITokenByHash(ctx context.Context, tokenHash []byte) (APIToken, error) {
	t, err := scanToken(s.rq(ctx).QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens
WHERE token_hash = $1 AND revoked_at IS NULL`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, fmt.Errorf("API token: %w", ErrNotFound)
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("store: get API token: %w", err)
	}
	return t, nil
}

func (s *sqlStore) ListAPITokens(ctx context.Context) ([]APIToken, error) {
	return queryAll(ctx, s.rq(ctx), "list API tokens", scanToken, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
}

func (s *sqlStore) RevokeAPIToken(ctx context.Context, id string, now time.Time) error {
	res, err := s.wq(ctx).ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`,
		id, ms(now))
	return oneRow(res, err, "revoke", "API token", id)
}
