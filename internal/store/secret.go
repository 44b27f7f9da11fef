package store

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// secretBox turns key material (K, OPc, home network private keys) into
// what the database stores, and back. It is the one seam for encryption at
// rest: aeadBox, keyed by the operator's master key, seals with AES-256-GCM
// and binds each value to its column and row (the aad), so a ciphertext
// copied to another subscriber does not open. Without a master key plainBox
// stores the octets as they are.
type secretBox interface {
	seal(aad string, plain []byte) ([]byte, error)
	open(aad string, stored []byte) ([]byte, error)
}

// ErrMasterKey is returned when sealed values cannot be opened: no master
// key is configured, or none of the configured keys sealed them.
var ErrMasterKey = errors.New("master key")

// MasterKeyFileEnv names the environment variable through which the CLI
// (go5g subscriber, go5g keys) finds the master key file; the core's
// configuration option is store_key_file.
const MasterKeyFileEnv = "GO5G_MASTER_KEY_FILE"

// needKeyHint is what every "no master key" error says to do.
const needKeyHint = "configure the master key file (store_key_file in the core's configuration, " + MasterKeyFileEnv + " for the CLI)"

// plainBox stores secrets unencrypted; the database file is created 0600.
// It refuses to hand out a sealed value as if it were the key.
type plainBox struct{}

func (plainBox) seal(_ string, plain []byte) ([]byte, error) { return plain, nil }
func (plainBox) open(_ string, stored []byte) ([]byte, error) {
	if isSealed(stored) {
		return nil, fmt.Errorf("%w: the value is encrypted and no master key is configured: %s", ErrMasterKey, needKeyHint)
	}
	return stored, nil
}

// secretAAD names where a secret lives, e.g. "subscribers.k/imsi-001010000000001".
func secretAAD(column, row string) string { return column + "/" + row }

// Sealed value layout: sealMagic, the 8-octet key id, the 12-octet GCM
// nonce, then ciphertext and 16-octet tag. Plaintext secrets are 16 (K,
// OPc) or 32 (private key) octets, shorter than the smallest sealed value
// (sealOverhead octets), so a plaintext store written
// before a key was configured stays readable and is sealed when rewritten.
const (
	keyIDLen     = 8
	nonceLen     = 12
	tagLen       = 16
	sealOverhead = len(sealMagic) + keyIDLen + nonceLen + tagLen
	sealMagic    = "g5s1"
	// MasterKeyLen is the master key length: AES-256.
	MasterKeyLen = 32
)

func isSealed(b []byte) bool {
	return len(b) >= sealOverhead && bytes.HasPrefix(b, []byte(sealMagic))
}

// aeadBox seals with the current master key and opens with any configured
// one, found by the key id stored with each value (key rotation: configure
// the new key first and the old ones after it, then Reseal).
type aeadBox struct {
	currentID [keyIDLen]byte
	keys      map[[keyIDLen]byte]cipher.AEAD
}

// masterKeyID names a key without revealing it: a domain-separated hash.
func masterKeyID(key []byte) [keyIDLen]byte {
	h := sha256.Sum256(append([]byte("go5g master key id\x00"), key...))
	var id [keyIDLen]byte
	copy(id[:], h[:])
	return id
}

// newAEADBox makes a box from keys, the first of which seals.
func newAEADBox(keys [][]byte) (*aeadBox, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no key given", ErrMasterKey)
	}
	b := &aeadBox{keys: make(map[[keyIDLen]byte]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if len(k) != MasterKeyLen {
			return nil, fmt.Errorf("%w %d: must be %d octets, got %d", ErrMasterKey, i+1, MasterKeyLen, len(k))
		}
		blk, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		g, err := cipher.NewGCM(blk)
		if err != nil {
			return nil, err
		}
		id := masterKeyID(k)
		if i == 0 {
			b.currentID = id
		}
		b.keys[id] = g
	}
	return b, nil
}

// boxAAD is what GCM authenticates beside the ciphertext: the header and
// the value's place (column and row).
func boxAAD(header []byte, aad string) []byte {
	return append(append([]byte{}, header...), aad...)
}

func (b *aeadBox) seal(aad string, plain []byte) ([]byte, error) {
	out := make([]byte, 0, sealOverhead+len(plain))
	out = append(out, sealMagic...)
	out = append(out, b.currentID[:]...)
	header := out
	nonce := make([]byte, nonceLen)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	out = append(out, nonce...)
	return b.keys[b.currentID].Seal(out, nonce, plain, boxAAD(header, aad)), nil
}

func (b *aeadBox) open(aad string, stored []byte) ([]byte, error) {
	if !isSealed(stored) {
		return stored, nil // written before a master key was configured
	}
	hl := len(sealMagic) + keyIDLen
	var id [keyIDLen]byte
	copy(id[:], stored[len(sealMagic):hl])
	g, ok := b.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w: the value was sealed with master key id %x, which is not configured: %s", ErrMasterKey, id, needKeyHint)
	}
	nonce := stored[hl : hl+nonceLen]
	plain, err := g.Open(nil, nonce, stored[hl+nonceLen:], boxAAD(stored[:hl], aad))
	if err != nil {
		// Wrong key, a tampered value, or one copied from another row.
		return nil, fmt.Errorf("%w: the value does not authenticate for %s (tampered or moved from another row)", ErrMasterKey, aad)
	}
	return plain, nil
}

// LoadMasterKeyFile reads master keys from path: either exactly 32 raw
// octets, or lines of 64 hex digits (blank lines and lines starting with
// '#' are skipped). The first key seals; the others only open, for
// rotation. The file must not be readable by group or others. Errors never
// contain the file's content.
func LoadMasterKeyFile(path string) ([][]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w file: %w", ErrMasterKey, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w file %s: not a regular file", ErrMasterKey, path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w file %s: mode %04o lets group or others read it; run chmod 600 %s", ErrMasterKey, path, fi.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w file: %w", ErrMasterKey, err)
	}
	if len(data) == MasterKeyLen && !isHexText(data) {
		return [][]byte{data}, nil
	}
	var keys [][]byte
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(line) != 2*MasterKeyLen || !isHexText([]byte(line)) {
			return nil, fmt.Errorf("%w file %s line %d: want %d hex digits (or the file holds exactly %d raw octets)", ErrMasterKey, path, i+1, 2*MasterKeyLen, MasterKeyLen)
		}
		k, _ := hex.DecodeString(line)
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w file %s: no key in it", ErrMasterKey, path)
	}
	return keys, nil
}

func isHexText(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == '\n' || c == '\r' || c == ' ' || c == '#') {
			return false
		}
	}
	return true
}

// Option configures Open.
type Option func(*options)

type options struct {
	masterKeys [][]byte
}

// WithMasterKeys seals K, OPc and home network private keys with the first
// key (AES-256-GCM) and opens values sealed with any of them.
func WithMasterKeys(keys [][]byte) Option {
	return func(o *options) { o.masterKeys = keys }
}

// WithMasterKeyFile is WithMasterKeys with the keys of LoadMasterKeyFile;
// an empty path means no master key.
func WithMasterKeyFile(path string) (Option, error) {
	if path == "" {
		return func(*options) {}, nil
	}
	keys, err := LoadMasterKeyFile(path)
	if err != nil {
		return nil, err
	}
	return WithMasterKeys(keys), nil
}

// box builds the secret box the options ask for.
func (o options) box() (secretBox, error) {
	if o.masterKeys == nil {
		return plainBox{}, nil
	}
	return newAEADBox(o.masterKeys)
}

func collectOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}
