package suci

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
)

// Sizes shared by both ECIES profiles.
//
// Spec: TS 33.501 §C.3.4.1, §C.3.4.2
const (
	encKeyLen = 16 // AES-128
	icbLen    = 16 // initial counter block of CTR mode
	macKeyLen = 32 // HMAC-SHA-256 key
	macLen    = 8  // MAC tag: HMAC-SHA-256 truncated to 64 bits
)

// profile describes one ECIES profile.
type profile struct {
	curve  ecdh.Curve
	ephLen int // ephemeral public key as sent: 32 (X25519) or 33 (compressed P-256)
}

func profileOf(s Scheme) (profile, error) {
	switch s {
	case ProfileA:
		return profile{curve: ecdh.X25519(), ephLen: 32}, nil
	case ProfileB:
		return profile{curve: ecdh.P256(), ephLen: 33}, nil
	}
	return profile{}, fmt.Errorf("%w: %v", ErrScheme, s)
}

// x963KDF is the ANSI X9.63 key derivation function with SHA-256:
// Hash(Z || Counter || SharedInfo) for Counter = 1, 2, ... (32 bits,
// big-endian), concatenated and cut to n octets.
//
// Spec: TS 33.501 §C.3.4.1 (KDF), SECG SEC 1 v2 §3.6.1
func x963KDF(z, sharedInfo []byte, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	for counter := uint32(1); len(out) < n; counter++ {
		h := sha256.New()
		h.Write(z)
		h.Write(binary.BigEndian.AppendUint32(nil, counter))
		h.Write(sharedInfo)
		out = h.Sum(out)
	}
	return out[:n]
}

// eciesKeys derives the encryption key, ICB and MAC key from the shared
// secret; SharedInfo1 is the ephemeral public key exactly as sent.
//
// Spec: TS 33.501 §C.3.2, §C.3.3
func eciesKeys(shared, ephSent []byte) (encKey, icb, macKey []byte) {
	k := x963KDF(shared, ephSent, encKeyLen+icbLen+macKeyLen)
	return k[:encKeyLen], k[encKeyLen : encKeyLen+icbLen], k[encKeyLen+icbLen:]
}

// ctr encrypts or decrypts with AES-128-CTR starting at the ICB.
func ctr(encKey, icb, in []byte) []byte {
	block, err := aes.NewCipher(encKey)
	if err != nil {
		panic("suci: AES-128 key of the wrong size: " + err.Error()) // encKey is always 16 octets
	}
	out := make([]byte, len(in))
	cipher.NewCTR(block, icb).XORKeyStream(out, in)
	return out
}

func macTag(macKey, ciphertext []byte) []byte {
	m := hmac.New(sha256.New, macKey)
	m.Write(ciphertext)
	return m.Sum(nil)[:macLen]
}

// seal is the UE side of ECIES: scheme output = eph public key (as sent) ||
// ciphertext || MAC tag.
//
// Spec: TS 33.501 §C.3.2
func seal(p profile, hn *ecdh.PublicKey, eph *ecdh.PrivateKey, plaintext []byte) ([]byte, error) {
	shared, err := eph.ECDH(hn)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPoint, err)
	}
	ephSent := encodePublic(eph.PublicKey())
	encKey, icb, macKey := eciesKeys(shared, ephSent)
	ct := ctr(encKey, icb, plaintext)
	out := append(ephSent, ct...)
	return append(out, macTag(macKey, ct)...), nil
}

// open is the home network side of ECIES. The MAC is checked before
// decryption; an ephemeral key off the curve or of low order is ErrBadPoint.
// Profile B also accepts an uncompressed (0x04) ephemeral key, as some UEs
// send it; SharedInfo1 is then that uncompressed encoding.
//
// Spec: TS 33.501 §C.3.3
func open(p profile, priv *ecdh.PrivateKey, output []byte) ([]byte, error) {
	ephLen := p.ephLen
	if p.curve == ecdh.P256() && len(output) > 0 && output[0] == 0x04 {
		ephLen = 65
	}
	if len(output) < ephLen+1+macLen {
		return nil, fmt.Errorf("%w: scheme output of %d octets, need at least %d", ErrLength, len(output), ephLen+1+macLen)
	}
	ephSent := output[:ephLen]
	ct, tag := output[ephLen:len(output)-macLen], output[len(output)-macLen:]
	eph, err := decodePublic(p.curve, ephSent)
	if err != nil {
		return nil, err
	}
	shared, err := priv.ECDH(eph)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPoint, err)
	}
	encKey, icb, macKey := eciesKeys(shared, ephSent)
	if !hmac.Equal(tag, macTag(macKey, ct)) {
		return nil, ErrMAC
	}
	return ctr(encKey, icb, ct), nil
}

// encodePublic gives a public key as SUCI and SIM tools carry it: raw 32
// octets for X25519, compressed SEC 1 (33 octets) for P-256.
//
// Spec: TS 33.501 §C.3.4.2 (point compression)
func encodePublic(k *ecdh.PublicKey) []byte {
	b := k.Bytes()
	if k.Curve() != ecdh.P256() {
		return b
	}
	// b is 0x04 || X || Y; compressed is (0x02 | parity of Y) || X.
	out := make([]byte, 33)
	out[0] = 0x02 | b[64]&1
	copy(out[1:], b[1:33])
	return out
}

// decodePublic parses a public key: 32 octets for X25519; 33 (compressed) or
// 65 (uncompressed) octets for P-256, which must be a point on the curve.
func decodePublic(c ecdh.Curve, b []byte) (*ecdh.PublicKey, error) {
	if c == ecdh.P256() && len(b) == 33 {
		u, err := decompressP256(b)
		if err != nil {
			return nil, err
		}
		b = u
	}
	k, err := c.NewPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPoint, err)
	}
	return k, nil
}

// decompressP256 recovers Y from a compressed P-256 point:
// Y² = X³ - 3X + b (mod p), choosing the root whose parity the prefix gives.
//
// Spec: SECG SEC 1 v2 §2.3.4
func decompressP256(b []byte) ([]byte, error) {
	params := elliptic.P256().Params()
	if b[0] != 0x02 && b[0] != 0x03 {
		return nil, fmt.Errorf("%w: compressed point prefix %#02x", ErrBadPoint, b[0])
	}
	x := new(big.Int).SetBytes(b[1:])
	if x.Cmp(params.P) >= 0 {
		return nil, fmt.Errorf("%w: X not below p", ErrBadPoint)
	}
	y2 := new(big.Int).Exp(x, big.NewInt(3), params.P)
	y2.Sub(y2, new(big.Int).Lsh(x, 1))
	y2.Sub(y2, x)
	y2.Add(y2, params.B)
	y2.Mod(y2, params.P)
	y := new(big.Int).ModSqrt(y2, params.P)
	if y == nil {
		return nil, fmt.Errorf("%w: X is not on P-256", ErrBadPoint)
	}
	if y.Bit(0) != uint(b[0]&1) {
		y.Sub(params.P, y)
	}
	out := make([]byte, 65)
	out[0] = 0x04
	x.FillBytes(out[1:33])
	y.FillBytes(out[33:])
	return out, nil
}
