package store

import (
	"context"
	"fmt"
	"strconv"

	"go5g/internal/suci"
)

// profileName is the profile column value of a SUCI protection scheme.
func profileName(s suci.Scheme) (string, bool) {
	switch s {
	case suci.ProfileA:
		return "A", true
	case suci.ProfileB:
		return "B", true
	}
	return "", false
}

func keyAAD(id uint8) string {
	return secretAAD("home_network_keys.private_key", strconv.Itoa(int(id)))
}

func (s *sqlStore) AddHomeNetworkKey(ctx context.Context, k suci.HomeNetworkKey) error {
	profile, ok := profileName(k.Scheme)
	if !ok {
		return fieldErr("profile", "must be A or B")
	}
	priv := k.PrivateBytes()
	if len(priv) != 32 {
		return fieldErr("private_key", "the key pair has no private key")
	}
	sealed, err := s.box.seal(keyAAD(k.ID), priv)
	if err != nil {
		return fmt.Errorf("store: home network key %d: %w", k.ID, err)
	}
	res, err := s.wq(ctx).ExecContext(ctx, `INSERT INTO home_network_keys (id, profile, private_key)
VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, int64(k.ID), profile, sealed)
	if err != nil {
		return fmt.Errorf("store: add home network key %d: %w", k.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: add home network key %d: %w", k.ID, err)
	} else if n == 0 {
		return fmt.Errorf("home network key %d: %w", k.ID, ErrExists)
	}
	return nil
}

func (s *sqlStore) HomeNetworkKeys(ctx context.Context) ([]suci.HomeNetworkKey, error) {
	rows, err := s.rq(ctx).QueryContext(ctx, `SELECT id, profile, private_key FROM home_network_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: home network keys: %w", err)
	}
	defer rows.Close()
	var out []suci.HomeNetworkKey
	for rows.Next() {
		var id int64
		var profile string
		var sealed []byte
		if err := rows.Scan(&id, &profile, &sealed); err != nil {
			return nil, fmt.Errorf("store: home network keys: %w", err)
		}
		if id < 0 || id > 255 {
			return nil, fmt.Errorf("store: home network key id %d out of range", id)
		}
		k, err := s.homeNetworkKey(uint8(id), profile, sealed)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: home network keys: %w", err)
	}
	return out, nil
}

func (s *sqlStore) homeNetworkKey(id uint8, profile string, sealed []byte) (suci.HomeNetworkKey, error) {
	scheme := suci.ProfileA
	switch profile {
	case "A":
	case "B":
		scheme = suci.ProfileB
	default:
		return suci.HomeNetworkKey{}, fmt.Errorf("store: home network key %d: unknown profile %q", id, profile)
	}
	priv, err := s.box.open(keyAAD(id), sealed)
	if err != nil {
		return suci.HomeNetworkKey{}, fmt.Errorf("store: home network key %d: %w", id, err)
	}
	k, err := suci.NewHomeNetworkKey(scheme, id, priv)
	if err != nil {
		// The suci error names the curve problem, never the key's octets.
		return suci.HomeNetworkKey{}, fmt.Errorf("store: home network key %d: %w", id, err)
	}
	return k, nil
}

func (s *sqlStore) DeleteHomeNetworkKey(ctx context.Context, id uint8) error {
	res, err := s.wq(ctx).ExecContext(ctx, `DELETE FROM home_network_keys WHERE id = $1`, int64(id))
	if err != nil {
		return fmt.Errorf("store: delete home network key %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: delete home network key %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("home network key %d: %w", id, ErrNotFound)
	}
	return nil
}
