-- Console and REST API accounts (issue 5). Times are Unix milliseconds in
-- BIGINT, which both databases store and compare the same way. Tokens and
-- passwords are never stored: token_hash is SHA-256 of the token, and
-- password_hash an argon2id PHC string.
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'read-only')),
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Console login sessions; a session dies with its user (DeleteUser removes
-- them in the same transaction: SQLite does not enforce foreign keys here).
CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_name  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_name);

-- API tokens for scripts, each with its own role; revoked ones are kept
-- (revoked_at set) so the audit log's token ids still resolve.
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'read-only')),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- Every change made through the API: who, what, when, on which target.
-- id is assigned by AddAudit as MAX(id)+1 (no AUTOINCREMENT/SERIAL syntax
-- is common to both databases), so it orders entries.
CREATE TABLE audit_log (
    id     BIGINT PRIMARY KEY,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
