// Package store keeps go5g's provisioned state: subscribers (the UDR's
// authentication and subscription data), the home network keys the UDM
// uses to deconceal SUCIs, subscriber profiles (templates the API copies
// into new subscribers, profile.go) and operator PCF policies (policy.go). Store is the one interface the NFs and the
// operations tools (CLI, later the REST API) use; Open gives the embedded
// SQLite implementation for a file path and the PostgreSQL one for a
// postgres:// URL (the shared store of `go5g nf`).
//
// One schema for every database. The SQL in this package (migrations/*.sql
// and the statements in sql*.go) keeps to what SQLite and PostgreSQL both
// accept: TEXT, BIGINT, INTEGER, BYTEA (in SQLite a name with NUMERIC
// affinity that stores blobs unchanged), CHECK constraints, $n placeholders
// (modernc.org/sqlite binds $n as the n-th argument), INSERT ... ON CONFLICT
// DO NOTHING [RETURNING] and UPDATE ... RETURNING. So one migration set runs
// unchanged on both, recorded in one schema_migrations table; what differs
// is only how a database is opened, the migration lock (PostgreSQL takes an
// advisory lock, SQLite its write lock) and how many rows one INSERT of
// AddSubscribers carries. The suite in storetest runs against both.
//
// PostgreSQL goes through github.com/jackc/pgx/v5: a pgxpool pool under
// database/sql (pgx's stdlib adapter), so the same sqlStore serves both
// databases. NextSQN is one UPDATE ... RETURNING, atomic under the row lock
// in either. Connection URLs are shown with their passwords masked (MaskDSN).
//
// Dependency: modernc.org/sqlite, a pure-Go translation of SQLite, so the
// go5g binary stays a static, cgo-free build. The database runs in WAL mode
// (readers never wait for the writer) with synchronous=NORMAL: a process
// crash loses nothing committed; a power loss may lose the last commits,
// which for SQN means the AuC may step back and the UE answers with a
// synchronisation failure that ResyncSQN recovers from (TS 33.102 §6.3.5),
// never with an accepted replay.
//
// Secrets (K, OPc, home network private keys) pass through one seam,
// secretBox in secret.go, on their way into and out of the database. With
// a master key (WithMasterKeys, WithMasterKeyFile) each is sealed with
// AES-256-GCM under a random nonce, tagged with the id of the key that
// sealed it, and bound to its column and row as associated data, so a value
// copied to another subscriber does not open. Several keys may be
// configured for rotation (the first seals); Reseal rewrites everything
// with it in one transaction. Values written before a key was configured
// stay readable and are sealed when rewritten. Subscriber formats K and
// OPc as hidden in every fmt verb, in slog and in JSON.
//
// Audited changes (tx.go): Accounts.Audited runs a change and appends its
// audit entry in one transaction, so no change is stored unaudited and no
// entry records a change that was not made. The transaction travels in the
// context the change function gets; every method reads and writes through
// it when present (wq, rq), so the write methods exist once, and Store
// keeps its size.
package store
