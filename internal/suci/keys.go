package suci

import (
	"crypto/ecdh"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// HomeNetworkKey is a home network private key for Profile A or B with its
// public key identifier; the UDM's SIDF deconceals SUCIs with it.
//
// Spec: TS 33.501 §6.12.2, §C.3.3
type HomeNetworkKey struct {
	Scheme Scheme
	ID     uint8
	priv   *ecdh.PrivateKey
}

// PublicKey is a home network public key as provisioned in the USIM, with
// its scheme and identifier; the UE conceals SUPIs with it.
type PublicKey struct {
	Scheme Scheme
	ID     uint8
	key    *ecdh.PublicKey
}

// maxKeyTries bounds the P-256 rejection sampling in newPrivate; a source of
// random bytes that fails it this often is broken.
const maxKeyTries = 64

// GenerateKey makes a home network key pair for scheme (ProfileA or
// ProfileB) and identifier id, reading 32-octet private keys from rand
// (crypto/rand.Reader in production; fixed bytes in tests).
func GenerateKey(scheme Scheme, id uint8, rand io.Reader) (HomeNetworkKey, error) {
	p, err := profileOf(scheme)
	if err != nil {
		return HomeNetworkKey{}, err
	}
	priv, err := newPrivate(p.curve, rand)
	if err != nil {
		return HomeNetworkKey{}, err
	}
	return HomeNetworkKey{Scheme: scheme, ID: id, priv: priv}, nil
}

// NewHomeNetworkKey returns the key whose private part is the 32-octet
// scalar priv (X25519 or P-256, as stored by `go5g keys`).
func NewHomeNetworkKey(scheme Scheme, id uint8, priv []byte) (HomeNetworkKey, error) {
	p, err := profileOf(scheme)
	if err != nil {
		return HomeNetworkKey{}, err
	}
	k, err := p.curve.NewPrivateKey(priv)
	if err != nil {
		return HomeNetworkKey{}, fmt.Errorf("%w: private key: %v", ErrBadPoint, err)
	}
	return HomeNetworkKey{Scheme: scheme, ID: id, priv: k}, nil
}

// PrivateBytes returns the 32-octet private scalar, for storage.
func (k HomeNetworkKey) PrivateBytes() []byte {
	if k.priv == nil {
		return nil
	}
	return k.priv.Bytes()
}

// PublicKey returns the public key to provision in USIMs.
func (k HomeNetworkKey) PublicKey() PublicKey {
	if k.priv == nil {
		return PublicKey{Scheme: k.Scheme, ID: k.ID}
	}
	return PublicKey{Scheme: k.Scheme, ID: k.ID, key: k.priv.PublicKey()}
}

// ParsePublicKey parses a home network public key: 32 octets for Profile A;
// for Profile B a compressed (33) or uncompressed (65) SEC 1 point.
func ParsePublicKey(scheme Scheme, id uint8, b []byte) (PublicKey, error) {
	p, err := profileOf(scheme)
	if err != nil {
		return PublicKey{}, err
	}
	ok := len(b) == 32
	if scheme == ProfileB {
		ok = len(b) == 33 || len(b) == 65
	}
	if !ok {
		return PublicKey{}, fmt.Errorf("%w: profile %v public key of %d octets", ErrLength, scheme, len(b))
	}
	k, err := decodePublic(p.curve, b)
	if err != nil {
		return PublicKey{}, err
	}
	return PublicKey{Scheme: scheme, ID: id, key: k}, nil
}

// ParsePublicKeyHex is ParsePublicKey for hex text, as SIM tools print it.
func ParsePublicKeyHex(scheme Scheme, id uint8, s string) (PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%w: public key is not hex", ErrFormat)
	}
	return ParsePublicKey(scheme, id, b)
}

// Bytes returns the public key as SIM tools take it: the raw 32 octets of
// X25519, or the compressed 33-octet P-256 point.
func (p PublicKey) Bytes() []byte {
	if p.key == nil {
		return nil
	}
	return encodePublic(p.key)
}

// String returns Bytes in lowercase hex.
func (p PublicKey) String() string { return hex.EncodeToString(p.Bytes()) }

// newPrivate reads a private key for curve c from rand. Every 32 octets are
// an X25519 key; P-256 retries until the scalar is in [1, n-1].
func newPrivate(c ecdh.Curve, rand io.Reader) (*ecdh.PrivateKey, error) {
	if rand == nil {
		return nil, errors.New("suci: no source of random bytes")
	}
	b := make([]byte, 32)
	for range maxKeyTries {
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, fmt.Errorf("suci: reading a private key: %w", err)
		}
		if k, err := c.NewPrivateKey(b); err == nil {
			return k, nil
		}
	}
	return nil, errors.New("suci: random source gave no valid P-256 scalar")
}
