package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// sqlStore is Store over database/sql with the SQL both SQLite and
// PostgreSQL accept (see the package doc); only opening differs.
type sqlStore struct {
	// db serves reads; w serves writes. They are one pool for a server
	// database; SQLite gets a one-connection writer pool, so in-process
	// writers queue in Go instead of sleeping in SQLite's busy handler
	// (NextSQN from 8 goroutines: 53 µs per call instead of 95).
	db, w *sql.DB
	box   secretBox
	// Statements of the per-registration path, parsed once per connection
	// rather than per call (parsing was a fifth of a GetSubscriber).
	getStmt, nextSQNStmt *sql.Stmt
	// onClose, if set, releases what lies under db (the pgx pool).
	onClose func()
	// addBatch is how many subscribers one INSERT of AddSubscribers carries.
	addBatch int
}

const (
	getSQL     = `SELECT ` + subscriberColumns + ` FROM subscribers WHERE supi = $1`
	nextSQNSQL = `UPDATE subscribers SET sqn = (sqn + $2) % 281474976710656 WHERE supi = $1 RETURNING sqn`
)

// newSQLStore wraps a migrated database: reads through db, writes through
// w (which may be db).
func newSQLStore(ctx context.Context, db, w *sql.DB, box secretBox, addBatch int) (*sqlStore, error) {
	s := &sqlStore{db: db, w: w, box: box, addBatch: addBatch}
	var err error
	if s.getStmt, err = db.PrepareContext(ctx, getSQL); err != nil {
		return nil, err
	}
	if s.nextSQNStmt, err = w.PrepareContext(ctx, nextSQNSQL); err != nil {
		s.getStmt.Close()
		return nil, err
	}
	if err := s.checkSealed(ctx); err != nil {
		s.getStmt.Close()
		s.nextSQNStmt.Close()
		return nil, err
	}
	return s, nil
}

const subscriberColumns = `supi, k, opc, amf, sqn, auth_method, snssais, default_snssai, dnns, ambr_uplink, ambr_downlink`

// sqnModulus is 2^48: SQN arithmetic wraps at 48 bits.
const sqnModulus = MaxSQN + 1

func (s *sqlStore) Close() error {
	s.getStmt.Close()
	s.nextSQNStmt.Close()
	err := s.db.Close()
	if s.w != s.db {
		err = errors.Join(err, s.w.Close())
	}
	if s.onClose != nil {
		s.onClose()
	}
	return err
}

// subscriberRow is a Subscriber in column form.
type subscriberRow struct {
	supi, authMethod, snssais, defaultSNSSAI, dnns string
	k, opc                                         []byte
	amf, sqn, ambrUL, ambrDL                       int64
}

func (s *sqlStore) toRow(sub Subscriber) (subscriberRow, error) {
	r := subscriberRow{
		supi: sub.SUPI, authMethod: string(sub.AuthMethod),
		amf: int64(sub.AMF[0])<<8 | int64(sub.AMF[1]), sqn: int64(sub.SQN),
		ambrUL: int64(sub.AMBR.Uplink), ambrDL: int64(sub.AMBR.Downlink),
	}
	if sub.AMBR.Uplink > 1<<63-1 {
		return r, fieldErr("ambr_uplink", "bit rate too large")
	}
	if sub.AMBR.Downlink > 1<<63-1 {
		return r, fieldErr("ambr_downlink", "bit rate too large")
	}
	sl := make([]SNSSAI, len(sub.SNSSAIs))
	for i, n := range sub.SNSSAIs {
		sl[i] = SNSSAI{SST: n.SST, SD: strings.ToLower(n.SD)}
	}
	def := SNSSAI{SST: sub.DefaultSNSSAI.SST, SD: strings.ToLower(sub.DefaultSNSSAI.SD)}
	dnns := sub.DNNs
	if dnns == nil {
		dnns = []string{}
	}
	var err error
	if r.snssais, err = jsonText(sl); err != nil {
		return r, err
	}
	if r.defaultSNSSAI, err = jsonText(def); err != nil {
		return r, err
	}
	if r.dnns, err = jsonText(dnns); err != nil {
		return r, err
	}
	if r.k, err = s.box.seal(secretAAD("subscribers.k", sub.SUPI), sub.K); err != nil {
		return r, err
	}
	if r.opc, err = s.box.seal(secretAAD("subscribers.opc", sub.SUPI), sub.OPc); err != nil {
		return r, err
	}
	return r, nil
}

func (s *sqlStore) fromRow(r subscriberRow) (Subscriber, error) {
	sub := Subscriber{
		SUPI: r.supi, AuthMethod: AuthMethod(r.authMethod),
		AMF: [2]byte{byte(r.amf >> 8), byte(r.amf)}, SQN: uint64(r.sqn),
		AMBR: AMBR{Uplink: BitRate(r.ambrUL), Downlink: BitRate(r.ambrDL)},
	}
	if err := json.Unmarshal([]byte(r.snssais), &sub.SNSSAIs); err != nil {
		return sub, fmt.Errorf("snssais column: %w", err)
	}
	if err := json.Unmarshal([]byte(r.defaultSNSSAI), &sub.DefaultSNSSAI); err != nil {
		return sub, fmt.Errorf("default_snssai column: %w", err)
	}
	if err := json.Unmarshal([]byte(r.dnns), &sub.DNNs); err != nil {
		return sub, fmt.Errorf("dnns column: %w", err)
	}
	k, err := s.box.open(secretAAD("subscribers.k", r.supi), r.k)
	if err != nil {
		return sub, fmt.Errorf("k column: %w", err)
	}
	opc, err := s.box.open(secretAAD("subscribers.opc", r.supi), r.opc)
	if err != nil {
		return sub, fmt.Errorf("opc column: %w", err)
	}
	sub.K, sub.OPc = k, opc
	return sub, nil
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs q and scans every row with scan; what names the operation
// in errors ("list users").
func queryAll[T any](ctx context.Context, db querier, what string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

func scanRow(sc scanner) (subscriberRow, error) {
	var r subscriberRow
	err := sc.Scan(&r.supi, &r.k, &r.opc, &r.amf, &r.sqn, &r.authMethod,
		&r.snssais, &r.defaultSNSSAI, &r.dnns, &r.ambrUL, &r.ambrDL)
	return r, err
}

func (s *sqlStore) AddSubscribers(ctx context.Context, subs ...Subscriber) error {
	rows := make([]subscriberRow, len(subs))
	for i, sub := range subs {
		if err := sub.Validate(); err != nil {
			return fmt.Errorf("subscriber %d (%s): %w", i+1, sub.SUPI, err)
		}
		r, err := s.toRow(sub)
		if err != nil {
			return fmt.Errorf("subscriber %s: %w", sub.SUPI, err)
		}
		rows[i] = r
	}
	if s.addBatch <= 1 {
		return s.withTx(ctx, func(tx *sql.Tx) error { return insertRows(ctx, tx, rows) })
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var full *sql.Stmt
		for start := 0; start < len(rows); start += s.addBatch {
			batch := rows[start:min(start+s.addBatch, len(rows))]
			st := full
			if len(batch) < s.addBatch || full == nil {
				var err error
				if st, err = tx.PrepareContext(ctx, insertSQL(len(batch))); err != nil {
					return fmt.Errorf("store: add subscribers: %w", err)
				}
				defer st.Close()
				if len(batch) == s.addBatch {
					full = st
				}
			}
			if err := insertBatch(ctx, st, batch); err != nil {
				return err
			}
		}
		return nil
	})
}

// Subscribers per INSERT. On PostgreSQL a round trip per row made 100,000
// subscribers take 13 s; 500 rows are 5,500 parameters, under its 65,535.
// SQLite has no round trip to save: one prepared single-row INSERT per
// subscriber cost it the least CPU (19 µs per subscriber against 21 µs in
// batches of 16, 23 µs of 64; batches of 500 took 94 s for 100,000, as
// binding $n parameters grows with their number per statement).
const (
	pgAddBatch     = 500
	sqliteAddBatch = 1
)

// insertRows adds rows one prepared INSERT at a time (SQLite).
func insertRows(ctx context.Context, tx *sql.Tx, rows []subscriberRow) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO subscribers (`+subscriberColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (supi) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("store: add subscribers: %w", err)
	}
	defer st.Close()
	for _, r := range rows {
		res, err := st.ExecContext(ctx, r.supi, r.k, r.opc, r.amf, r.sqn, r.authMethod,
			r.snssais, r.defaultSNSSAI, r.dnns, r.ambrUL, r.ambrDL)
		if err != nil {
			return fmt.Errorf("store: add subscriber %s: %w", r.supi, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: add subscriber %s: %w", r.supi, err)
		} else if n == 0 {
			return fmt.Errorf("subscriber %s: %w", r.supi, ErrExists)
		}
	}
	return nil
}

// insertSQL is a multi-row INSERT of n subscribers that skips existing
// SUPIs and returns the ones it inserted.
func insertSQL(n int) string {
	const cols = 11 // subscriberColumns
	var b strings.Builder
	b.WriteString(`INSERT INTO subscribers (` + subscriberColumns + `) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(i*cols + c + 1))
		}
		b.WriteByte(')')
	}
	b.WriteString(` ON CONFLICT (supi) DO NOTHING RETURNING supi`)
	return b.String()
}

// insertBatch runs st (insertSQL(len(rows))) over rows and maps a skipped row, already stored or
// repeated in rows, to ErrExists naming its SUPI (the first in rows order).
func insertBatch(ctx context.Context, st *sql.Stmt, rows []subscriberRow) error {
	args := make([]any, 0, 11*len(rows))
	for _, r := range rows {
		args = append(args, r.supi, r.k, r.opc, r.amf, r.sqn, r.authMethod,
			r.snssais, r.defaultSNSSAI, r.dnns, r.ambrUL, r.ambrDL)
	}
	rs, err := st.QueryContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("store: add subscribers from %s: %w", rows[0].supi, err)
	}
	inserted := make(map[string]int, len(rows))
	for rs.Next() {
		var supi string
		if err := rs.Scan(&supi); err != nil {
			rs.Close()
			return fmt.Errorf("store: add subscribers from %s: %w", rows[0].supi, err)
		}
		inserted[supi]++
	}
	if err := errors.Join(rs.Err(), rs.Close()); err != nil {
		return fmt.Errorf("store: add subscribers from %s: %w", rows[0].supi, err)
	}
	for _, r := range rows {
		if inserted[r.supi] == 0 {
			return fmt.Errorf("subscriber %s: %w", r.supi, ErrExists)
		}
		inserted[r.supi]--
	}
	return nil
}

func (s *sqlStore) GetSubscriber(ctx context.Context, supi string) (Subscriber, error) {
	if err := ValidSUPI(supi); err != nil {
		return Subscriber{}, err
	}
	r, err := scanRow(s.stmt(ctx, s.getStmt).QueryRowContext(ctx, supi))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("subscriber %s: %w", supi, ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("store: get subscriber %s: %w", supi, err)
	}
	sub, err := s.fromRow(r)
	if err != nil {
		return Subscriber{}, fmt.Errorf("store: subscriber %s: %w", supi, err)
	}
	return sub, nil
}

// prefixBounds turns a SUPI prefix into the half-open range [lo, hi) that
// an index serves in every database (LIKE is case-insensitive in SQLite and
// case-sensitive in PostgreSQL, and both treat _ and % specially).
func prefixBounds(prefix string) (lo, hi string, err error) {
	if strings.Trim(prefix, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return "", "", fieldErr("prefix", "a SUPI prefix has only lower-case letters, digits and '-'")
	}
	if prefix == "" {
		return "", "", nil
	}
	return prefix, prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1), nil
}

func (s *sqlStore) ListSubscribers(ctx context.Context, opt ListOptions) ([]Subscriber, error) {
	lo, hi, err := prefixBounds(opt.Prefix)
	if err != nil {
		return nil, err
	}
	limit := opt.Limit
	switch {
	case limit < 0:
		return nil, fieldErr("limit", "must not be negative")
	case limit == 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	// One lower bound, the tighter of cursor and prefix: given two on one
	// column, SQLite picks one without knowing the parameters, and
	// "supi > ''" had it read the index from the start up to the prefix
	// (138 ms for a prefix in the middle of 1,000,000 subscribers, 1.5 ms
	// with one bound).
	q := `SELECT ` + subscriberColumns + ` FROM subscribers WHERE supi > $1`
	args := []any{opt.After}
	if lo > opt.After {
		q, args = `SELECT `+subscriberColumns+` FROM subscribers WHERE supi >= $1`, []any{lo}
	}
	args = append(args, limit)
	if hi != "" {
		q += ` AND supi < $3`
		args = append(args, hi)
	}
	rows, err := s.rq(ctx).QueryContext(ctx, q+` ORDER BY supi LIMIT $2`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list subscribers: %w", err)
	}
	defer rows.Close()
	var out []Subscriber
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list subscribers: %w", err)
		}
		sub, err := s.fromRow(r)
		if err != nil {
			return nil, fmt.Errorf("store: subscriber %s: %w", r.supi, err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list subscribers: %w", err)
	}
	return out, nil
}

// CountSubscribers with upTo counts the rows of a LIMITed subquery, so
// both databases stop reading the primary key index after upTo entries.
func (s *sqlStore) CountSubscribers(ctx context.Context, prefix string, upTo int) (int, error) {
	lo, hi, err := prefixBounds(prefix)
	if err != nil {
		return 0, err
	}
	if upTo < 0 {
		return 0, fieldErr("limit", "must not be negative")
	}
	where, args := ``, []any{}
	if hi != "" {
		where, args = ` WHERE supi >= $1 AND supi < $2`, []any{lo, hi}
	}
	q := `SELECT COUNT(*) FROM subscribers` + where
	if upTo > 0 {
		q = `SELECT COUNT(*) FROM (SELECT 1 FROM subscribers` + where + ` LIMIT ` + strconv.Itoa(upTo) + `) AS capped`
	}
	var n int
	err = s.rq(ctx).QueryRowContext(ctx, q, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count subscribers: %w", err)
	}
	return n, nil
}

func (s *sqlStore) UpdateSubscriber(ctx context.Context, sub Subscriber) error {
	if err := sub.Validate(); err != nil {
		return fmt.Errorf("subscriber %s: %w", sub.SUPI, err)
	}
	r, err := s.toRow(sub)
	if err != nil {
		return fmt.Errorf("subscriber %s: %w", sub.SUPI, err)
	}
	res, err := s.wq(ctx).ExecContext(ctx, `UPDATE subscribers SET k = $2, opc = $3, amf = $4,
auth_method = $5, snssais = $6, default_snssai = $7, dnns = $8, ambr_uplink = $9, ambr_downlink = $10
WHERE supi = $1`, r.supi, r.k, r.opc, r.amf, r.authMethod, r.snssais, r.defaultSNSSAI, r.dnns, r.ambrUL, r.ambrDL)
	return affectedOne(res, err, "update", sub.SUPI)
}

func (s *sqlStore) DeleteSubscriber(ctx context.Context, supi string) error {
	if err := ValidSUPI(supi); err != nil {
		return err
	}
	res, err := s.wq(ctx).ExecContext(ctx, `DELETE FROM subscribers WHERE supi = $1`, supi)
	return affectedOne(res, err, "delete", supi)
}

// affectedOne maps a write that matched no row to ErrNotFound.
func affectedOne(res sql.Result, err error, op, supi string) error {
	if err != nil {
		return fmt.Errorf("store: %s subscriber %s: %w", op, supi, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s subscriber %s: %w", op, supi, err)
	}
	if n == 0 {
		return fmt.Errorf("subscriber %s: %w", supi, ErrNotFound)
	}
	return nil
}

// NextSQN is one UPDATE ... RETURNING: the database's row lock makes the
// read-increment-write atomic, whichever worker or process calls it.
func (s *sqlStore) NextSQN(ctx context.Context, supi string, step uint64) (sqnBefore, sqnAfter uint64, err error) {
	if err := ValidSUPI(supi); err != nil {
		return 0, 0, err
	}
	if step == 0 || step > MaxSQN {
		return 0, 0, fieldErr("sqn_step", "must be 1 to 2^48-1")
	}
	var after int64
	err = s.stmt(ctx, s.nextSQNStmt).QueryRowContext(ctx, supi, int64(step)).Scan(&after)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("subscriber %s: %w", supi, ErrNotFound)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: next SQN of %s: %w", supi, err)
	}
	sqnAfter = uint64(after)
	return (sqnAfter + sqnModulus - step) % sqnModulus, sqnAfter, nil
}

func (s *sqlStore) ResyncSQN(ctx context.Context, supi string, sqnMS, step uint64) (uint64, error) {
	if err := ValidSUPI(supi); err != nil {
		return 0, err
	}
	if sqnMS > MaxSQN {
		return 0, fieldErr("sqn", "SQN_MS must fit in 48 bits")
	}
	if step == 0 || step > MaxSQN {
		return 0, fieldErr("sqn_step", "must be 1 to 2^48-1")
	}
	sqn := (sqnMS + step) % sqnModulus
	res, err := s.wq(ctx).ExecContext(ctx, `UPDATE subscribers SET sqn = $2 WHERE supi = $1`, supi, int64(sqn))
	if err := affectedOne(res, err, "resync SQN of", supi); err != nil {
		return 0, err
	}
	return sqn, nil
}
