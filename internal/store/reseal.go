package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Resealer is implemented by every Store that Open returns. It is kept out
// of Store so that test doubles of Store need not implement it.
type Resealer interface {
	// Reseal re-encrypts every K, OPc and home network private key with the
	// current master key, in one transaction, and returns how many values
	// it rewrote. Run it after putting a new key first in the key file (the
	// old one after it); then the old key can be removed. Plaintext values
	// left from before a master key was configured are sealed too.
	Reseal(ctx context.Context) (int, error)
}

// checkSealed opens the first subscriber's K and OPc and every home network
// private key, so a missing or wrong master key is reported by Open rather
// than by the first registration.
func (s *sqlStore) checkSealed(ctx context.Context) error {
	var supi string
	var k, opc []byte
	err := s.db.QueryRowContext(ctx, `SELECT supi, k, opc FROM subscribers ORDER BY supi LIMIT 1`).Scan(&supi, &k, &opc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("check secrets: %w", err)
	default:
		if _, err := s.box.open(secretAAD("subscribers.k", supi), k); err != nil {
			return fmt.Errorf("subscriber %s k: %w", supi, err)
		}
		if _, err := s.box.open(secretAAD("subscribers.opc", supi), opc); err != nil {
			return fmt.Errorf("subscriber %s opc: %w", supi, err)
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, private_key FROM home_network_keys ORDER BY id`)
	if err != nil {
		return fmt.Errorf("check secrets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var priv []byte
		if err := rows.Scan(&id, &priv); err != nil {
			return fmt.Errorf("check secrets: %w", err)
		}
		if id < 0 || id > 255 {
			return fmt.Errorf("home network key id %d out of range", id)
		}
		if _, err := s.box.open(keyAAD(uint8(id)), priv); err != nil {
			return fmt.Errorf("home network key %d: %w", id, err)
		}
	}
	return rows.Err()
}

// sealedRow is one stored secret: its table's key, and the column values.
type sealedRow struct {
	supi   string
	id     int64
	values [][]byte
}

func (s *sqlStore) Reseal(ctx context.Context) (int, error) {
	if _, ok := s.box.(*aeadBox); !ok {
		return 0, fmt.Errorf("store: reseal: %w: none is configured: %s", ErrMasterKey, needKeyHint)
	}
	n := 0
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		// Read everything first: a pgx connection runs one query at a time.
		subs, err := readSealed(ctx, tx, `SELECT supi, k, opc FROM subscribers ORDER BY supi`, true)
		if err != nil {
			return err
		}
		keys, err := readSealed(ctx, tx, `SELECT id, private_key FROM home_network_keys ORDER BY id`, false)
		if err != nil {
			return err
		}
		if len(subs) > 0 {
			st, err := tx.PrepareContext(ctx, `UPDATE subscribers SET k = $2, opc = $3 WHERE supi = $1`)
			if err != nil {
				return fmt.Errorf("store: reseal: %w", err)
			}
			defer st.Close()
			for _, r := range subs {
				k, err := s.reseal(secretAAD("subscribers.k", r.supi), r.values[0])
				if err != nil {
					return fmt.Errorf("store: reseal subscriber %s k: %w", r.supi, err)
				}
				opc, err := s.reseal(secretAAD("subscribers.opc", r.supi), r.values[1])
				if err != nil {
					return fmt.Errorf("store: reseal subscriber %s opc: %w", r.supi, err)
				}
				if _, err := st.ExecContext(ctx, r.supi, k, opc); err != nil {
					return fmt.Errorf("store: reseal subscriber %s: %w", r.supi, err)
				}
				n += 2
			}
		}
		for _, r := range keys {
			if r.id < 0 || r.id > 255 {
				return fmt.Errorf("store: reseal: home network key id %d out of range", r.id)
			}
			priv, err := s.reseal(keyAAD(uint8(r.id)), r.values[0])
			if err != nil {
				return fmt.Errorf("store: reseal home network key %d: %w", r.id, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE home_network_keys SET private_key = $2 WHERE id = $1`, r.id, priv); err != nil {
				return fmt.Errorf("store: reseal home network key %d: %w", r.id, err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// reseal opens stored with any configured key and seals it with the
// current one.
func (s *sqlStore) reseal(aad string, stored []byte) ([]byte, error) {
	plain, err := s.box.open(aad, stored)
	if err != nil {
		return nil, err
	}
	return s.box.seal(aad, plain)
}

// readSealed reads rows of (supi, k, opc) when bySUPI, else (id, private_key).
func readSealed(ctx context.Context, tx *sql.Tx, q string, bySUPI bool) ([]sealedRow, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: reseal: %w", err)
	}
	defer rows.Close()
	var out []sealedRow
	for rows.Next() {
		var r sealedRow
		if bySUPI {
			r.values = make([][]byte, 2)
			err = rows.Scan(&r.supi, &r.values[0], &r.values[1])
		} else {
			r.values = make([][]byte, 1)
			err = rows.Scan(&r.id, &r.values[0])
		}
		if err != nil {
			return nil, fmt.Errorf("store: reseal: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reseal: %w", err)
	}
	return out, nil
}
