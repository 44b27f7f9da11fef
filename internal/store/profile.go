package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Profile is a subscriber template: the subscription values a new
// subscriber takes for every field its request leaves out. The values are
// copied, so changing or deleting a profile never changes a subscriber
// created from it.
type Profile struct {
	Name          string // 1 to 64 of a-z, 0-9, '.', '_', '-'
	AuthMethod    AuthMethod
	SNSSAIs       []SNSSAI
	DefaultSNSSAI SNSSAI // one of SNSSAIs
	DNNs          []string
	AMBR          AMBR // subscribed UE-AMBR
}

// ValidName checks the name of a profile or policy (field "name"): 1 to 64
// of a-z, 0-9, '.', '_', '-', so it is safe in a URL path.
func ValidName(name string) error { return ValidUserName(name) }

// Validate checks every field and returns a *FieldError (column names, as
// for Subscriber) for the first bad one.
func (p Profile) Validate() error {
	if err := ValidName(p.Name); err != nil {
		return err
	}
	if p.AuthMethod != AuthMethod5GAKA && p.AuthMethod != AuthMethodEAPAKAPrime {
		return fieldErr("auth_method", "must be %s or %s", AuthMethod5GAKA, AuthMethodEAPAKAPrime)
	}
	if err := validSNSSAIs(p.SNSSAIs, p.DefaultSNSSAI); err != nil {
		return err
	}
	if err := validDNNs(p.DNNs); err != nil {
		return err
	}
	return validAMBR(p.AMBR, "ambr_uplink", "ambr_downlink")
}

// validAMBR wants both directions above 0 and within a BIGINT.
func validAMBR(a AMBR, ulField, dlField string) error {
	switch {
	case a.Uplink == 0:
		return fieldErr(ulField, "must be above 0")
	case a.Uplink > 1<<63-1:
		return fieldErr(ulField, "bit rate too large")
	case a.Downlink == 0:
		return fieldErr(dlField, "must be above 0")
	case a.Downlink > 1<<63-1:
		return fieldErr(dlField, "bit rate too large")
	}
	return nil
}

const profileColumns = `name, auth_method, snssais, default_snssai, dnns, ambr_uplink, ambr_downlink`

// profileArgs are p's column values in profileColumns order; SDs are
// stored in lower case, as for subscribers.
func profileArgs(p Profile) ([]any, error) {
	sl := make([]SNSSAI, len(p.SNSSAIs))
	for i, n := range p.SNSSAIs {
		sl[i] = SNSSAI{SST: n.SST, SD: strings.ToLower(n.SD)}
	}
	def := SNSSAI{SST: p.DefaultSNSSAI.SST, SD: strings.ToLower(p.DefaultSNSSAI.SD)}
	dnns := p.DNNs
	if dnns == nil {
		dnns = []string{}
	}
	a, err := jsonText(sl)
	if err != nil {
		return nil, err
	}
	b, err := jsonText(def)
	if err != nil {
		return nil, err
	}
	c, err := jsonText(dnns)
	if err != nil {
		return nil, err
	}
	return []any{p.Name, string(p.AuthMethod), a, b, c, int64(p.AMBR.Uplink), int64(p.AMBR.Downlink)}, nil
}

func scanProfile(sc scanner) (Profile, error) {
	var p Profile
	var auth, sl, def, dnns string
	var ul, dl int64
	if err := sc.Scan(&p.Name, &auth, &sl, &def, &dnns, &ul, &dl); err != nil {
		return p, err
	}
	p.AuthMethod, p.AMBR = AuthMethod(auth), AMBR{Uplink: BitRate(ul), Downlink: BitRate(dl)}
	if err := json.Unmarshal([]byte(sl), &p.SNSSAIs); err != nil {
		return p, fmt.Errorf("profile %s: snssais column: %w", p.Name, err)
	}
	if err := json.Unmarshal([]byte(def), &p.DefaultSNSSAI); err != nil {
		return p, fmt.Errorf("profile %s: default_snssai column: %w", p.Name, err)
	}
	if err := json.Unmarshal([]byte(dnns), &p.DNNs); err != nil {
		return p, fmt.Errorf("profile %s: dnns column: %w", p.Name, err)
	}
	return p, nil
}

func (s *sqlStore) AddProfile(ctx context.Context, p Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	args, err := profileArgs(p)
	if err != nil {
		return err
	}
	res, err := s.wq(ctx).ExecContext(ctx, `INSERT INTO profiles (`+profileColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING`, args...)
	return insertedOne(res, err, "profile", p.Name)
}

func (s *sqlStore) GetProfile(ctx context.Context, name string) (Profile, error) {
	p, err := scanProfile(s.rq(ctx).QueryRowContext(ctx, `SELECT `+profileColumns+` FROM profiles WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{}, fmt.Errorf("profile %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Profile{}, fmt.Errorf("store: get profile %s: %w", name, err)
	}
	return p, nil
}

func (s *sqlStore) ListProfiles(ctx context.Context) ([]Profile, error) {
	return queryAll(ctx, s.rq(ctx), "list profiles", scanProfile, `SELECT `+profileColumns+` FROM profiles ORDER BY name`)
}

func (s *sqlStore) UpdateProfile(ctx context.Context, p Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	args, err := profileArgs(p)
	if err != nil {
		return err
	}
	res, err := s.wq(ctx).ExecContext(ctx, `UPDATE profiles SET auth_method = $2, snssais = $3, default_snssai = $4,
dnns = $5, ambr_uplink = $6, ambr_downlink = $7 WHERE name = $1`, args...)
	return oneRow(res, err, "update", "profile", p.Name)
}

func (s *sqlStore) DeleteProfile(ctx context.Context, name string) error {
	res, err := s.wq(ctx).ExecContext(ctx, `DELETE FROM profiles WHERE name = $1`, name)
	return oneRow(res, err, "delete", "profile", name)
}
