package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// APITokenPrefix starts every API token, so secret scanners and people can
// tell one apart: "go5g_" and 43 characters of base64url (256 bits).
const APITokenPrefix = "go5g_"

// tokenBytes is the entropy of every session and API token.
const tokenBytes = 32

// newToken returns 256 random bits as unpadded base64url.
func newToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newID returns a short random public id (16 hex digits) for an API token.
func newID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// hashToken is what the store keeps of a token: SHA-256 of its text.
func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// csrfToken derives the session's CSRF token from the session token, so it
// needs no storage and dies with the session: hex of
// SHA-256("go5g-csrf" || 0 || session token). It cannot be turned back
// into the session token.
func csrfToken(session string) string {
	h := sha256.Sum256([]byte("go5g-csrf\x00" + session))
	return hex.EncodeToString(h[:])
}

// looksLikeAPIToken checks the shape before any database lookup.
func looksLikeAPIToken(s string) bool {
	body, ok := strings.CutPrefix(s, APITokenPrefix)
	if !ok || len(body) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(body)
	return err == nil
}

// newPassword returns a random password for the first admin: 20
// characters of base64url, 120 bits.
func newPassword() string {
	b := make([]byte, 15)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
