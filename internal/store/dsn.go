package store

import (
	"net/url"
	"regexp"
	"strings"
)

// IsPostgresURL reports whether Open treats target as a PostgreSQL
// connection URL rather than a SQLite file path.
func IsPostgresURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// MaskDSN returns dsn with any password replaced by "xxxxx", for messages
// and logs. A string that does not parse as a URL is replaced whole.
func MaskDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable PostgreSQL URL)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	changed := false
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// dsnPasswords returns the password values of dsn, parsed or not, so error
// text from the driver can be scrubbed of them too.
func dsnPasswords(dsn string) []string {
	var out []string
	if u, err := url.Parse(dsn); err == nil {
		if p, ok := u.User.Password(); ok && p != "" {
			out = append(out, p, url.QueryEscape(p), url.PathEscape(p))
		}
		q := u.Query()
		for _, k := range []string{"password", "sslpassword"} {
			if p := q.Get(k); p != "" {
				out = append(out, p, url.QueryEscape(p))
			}
		}
		return out
	}
	// Unparsable: mask whatever sits between "user:" and "@", and any
	// password= value.
	pat := regexp.MustCompile(`://[^:/@]*:([^@]*)@|password=([^&\s]*)`)
	for _, m := range pat.FindAllStringSubmatch(dsn, -1) {
		for _, g := range m[1:] {
			if g != "" {
				out = append(out, g)
			}
		}
	}
	return out
}

// redactedError shows a message scrubbed of secrets while errors.Is and
// errors.As still see the driver's error.
type redactedError struct {
	msg    string
	secret []string
	err    error
}

func (e *redactedError) Error() string {
	m := e.msg
	for _, s := range e.secret {
		if len(s) >= 1 {
			m = strings.ReplaceAll(m, s, "xxxxx")
		}
	}
	return m
}

func (e *redactedError) Unwrap() error { return e.err }
