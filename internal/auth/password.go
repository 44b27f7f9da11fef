// Package auth is who may use go5g's console and REST API: passwords
// hashed with argon2id, console login sessions, API tokens for scripts, the
// first-start admin, and login rate limiting. The API package decides what
// each role may do; this package only says who is calling.
//
// Secrets never leave this package in clear except once, to the caller who
// created them (a new session token, API token or first admin password);
// the store holds only argon2id hashes (passwords) and SHA-256 digests
// (256-bit random tokens, for which a fast hash is enough: they cannot be
// guessed, so there is nothing to slow down).
//
// Dependency: golang.org/x/crypto/argon2 (the standard library has no
// memory-hard password hash).
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
//
// Spec: RFC 9106 §3.1 (inputs), §4 (parameter choice)
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen int
	KeyLen  uint32
}

// DefaultParams follow OWASP's argon2id baseline (19 MiB, 2 passes, 1
// lane): 70 ms per hash measured here (2 shared cores under load), and
// the rate limiter bounds how many a client can make us compute. RFC 9106 §4's second recommendation (64 MiB, 3 passes) is
// within reach on a server but costs 64 MiB per concurrent login.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// maxMemory bounds what a stored hash may ask for, so a tampered row
// cannot make a login allocate gigabytes.
const maxMemory = 1 << 20 // 1 GiB in KiB

// HashPassword returns the PHC string form
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash> (unpadded
// standard base64), which carries its parameters, so they can change
// without breaking stored hashes.
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// errBadHash is a stored hash this package cannot read.
var errBadHash = errors.New("auth: malformed password hash")

// VerifyPassword reports whether password matches the PHC string encoded,
// comparing the derived key in constant time.
func VerifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

func decodeHash(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	if p.Time == 0 || p.Threads == 0 || p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory {
		return p, nil, nil, errBadHash
	}
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}
