package n1

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"

	"github.com/free5gc/nas/security/snow3g"
	"github.com/free5gc/nas/security/zuc"
)

// CipherAlg is a 5G NAS encryption algorithm identifier, coded as in the
// NAS security algorithms IE.
//
// Spec: TS 24.501 §9.11.3.34
type CipherAlg uint8

// The 5G encryption algorithms (TS 33.501 §5.11.1.1, Annex D.2).
const (
	NEA0 CipherAlg = 0 // null ciphering
	NEA1 CipherAlg = 1 // 128-NEA1, SNOW 3G
	NEA2 CipherAlg = 2 // 128-NEA2, AES-128-CTR
	NEA3 CipherAlg = 3 // 128-NEA3, ZUC
)

func (a CipherAlg) String() string {
	switch a {
	case NEA0:
		return "NEA0"
	case NEA1, NEA2, NEA3:
		return fmt.Sprintf("128-NEA%d", uint8(a))
	}
	return fmt.Sprintf("NEA(%d)", uint8(a))
}

// IntegrityAlg is a 5G NAS integrity algorithm identifier, coded as in the
// NAS security algorithms IE.
//
// Spec: TS 24.501 §9.11.3.34
type IntegrityAlg uint8

// The 5G integrity algorithms (TS 33.501 §5.11.1.2, Annex D.3).
const (
	NIA0 IntegrityAlg = 0 // null integrity, emergency sessions only
	NIA1 IntegrityAlg = 1 // 128-NIA1, SNOW 3G
	NIA2 IntegrityAlg = 2 // 128-NIA2, AES-128-CMAC
	NIA3 IntegrityAlg = 3 // 128-NIA3, ZUC
)

func (a IntegrityAlg) String() string {
	switch a {
	case NIA0:
		return "NIA0"
	case NIA1, NIA2, NIA3:
		return fmt.Sprintf("128-NIA%d", uint8(a))
	}
	return fmt.Sprintf("NIA(%d)", uint8(a))
}

// Direction is the 1-bit DIRECTION input of NEA and NIA.
//
// Spec: TS 33.501 §D.2.1.1, §D.3.1.1
type Direction uint8

const (
	Uplink   Direction = 0
	Downlink Direction = 1
)

func (d Direction) String() string {
	switch d {
	case Uplink:
		return "uplink"
	case Downlink:
		return "downlink"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// Key is a 128-bit NAS key (KNASenc or KNASint). Every fmt verb, slog and
// encoding/json print it redacted, so a key that reaches a log line by
// accident does not leak. Code that stores a key copies its octets (k[:]).
type Key [16]byte

// MarshalText keeps the key out of JSON (and slog's JSON handler).
func (Key) MarshalText() ([]byte, error) { return []byte("redacted"), nil }

// Format prints the key redacted whatever the verb (%v, %x, %#v, ...).
func (Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, "Key(redacted)") }

// LogValue keeps the key out of slog output.
func (Key) LogValue() slog.Value { return slog.StringValue("redacted") }

// maxBits bounds LENGTH, a 32-bit input of 128-EEA3/EIA3 (TS 35.221).
const maxBits = 1<<32 - 1

// Errors of the algorithm layer.
var (
	ErrAlgorithm = errors.New("n1: unknown NAS security algorithm")
	ErrInput     = errors.New("n1: invalid NAS security algorithm input")
)

func checkInput(bearer uint8, dir Direction, n, bits int) error {
	switch {
	case bearer > 31:
		return fmt.Errorf("%w: BEARER %d is not 5 bits", ErrInput, bearer)
	case dir > Downlink:
		return fmt.Errorf("%w: DIRECTION %d is not 1 bit", ErrInput, dir)
	case bits < 0 || bits > 8*n || int64(bits) > maxBits:
		return fmt.Errorf("%w: length %d bits for %d octets", ErrInput, bits, n)
	}
	return nil
}

// Encrypt ciphers (or, being a stream cipher, deciphers) whole octets.
func Encrypt(alg CipherAlg, key Key, count uint32, bearer uint8, dir Direction, data []byte) ([]byte, error) {
	return EncryptBits(alg, key, count, bearer, dir, data, 8*len(data))
}

// EncryptBits ciphers the first bits bits of data with 128-NEA alg. The
// result holds ceil(bits/8) octets; the bits after bits in its last octet are
// zero. NEA0 returns the input bits unchanged.
//
// Spec: TS 33.501 §D.2 (NEA1/2/3 are 128-EEA1/2/3 of TS 33.401 §B.1)
func EncryptBits(alg CipherAlg, key Key, count uint32, bearer uint8, dir Direction, data []byte, bits int) ([]byte, error) {
	if err := checkInput(bearer, dir, len(data), bits); err != nil {
		return nil, err
	}
	out := make([]byte, (bits+7)/8)
	copy(out, data)
	switch alg {
	case NEA0:
	case NEA1:
		nea1(&key, count, bearer, dir, out, bits)
	case NEA2:
		if err := nea2(&key, count, bearer, dir, out); err != nil {
			return nil, err
		}
	case NEA3:
		nea3(&key, count, bearer, dir, out, bits)
	default:
		return nil, fmt.Errorf("%w: %v", ErrAlgorithm, alg)
	}
	maskTail(out, bits)
	return out, nil
}

// MAC computes the 32-bit NAS-MAC of whole octets.
func MAC(alg IntegrityAlg, key Key, count uint32, bearer uint8, dir Direction, msg []byte) ([4]byte, error) {
	return MACBits(alg, key, count, bearer, dir, msg, 8*len(msg))
}

// MACBits computes the 32-bit NAS-MAC of the first bits bits of msg with
// 128-NIA alg; the bits of msg after them are not input. NIA0 gives a MAC of
// all zeros (TS 33.501 §D.1).
//
// Spec: TS 33.501 §D.3 (NIA1/2/3 are 128-EIA1/2/3 of TS 33.401 §B.2)
func MACBits(alg IntegrityAlg, key Key, count uint32, bearer uint8, dir Direction, msg []byte, bits int) ([4]byte, error) {
	var mac [4]byte
	if err := checkInput(bearer, dir, len(msg), bits); err != nil {
		return mac, err
	}
	switch alg {
	case NIA0:
		return mac, nil
	case NIA1:
		return nia1(&key, count, bearer, dir, msg, bits), nil
	case NIA2:
		return nia2(&key, count, bearer, dir, msg, bits)
	case NIA3:
		return nia3(&key, count, bearer, dir, msg, bits), nil
	}
	return mac, fmt.Errorf("%w: %v", ErrAlgorithm, alg)
}

// maskTail zeroes the bits of b after the first bits bits.
func maskTail(b []byte, bits int) {
	if r := bits % 8; r != 0 {
		b[len(b)-1] &= 0xff << (8 - r)
	}
}

// snowKey loads a key into SNOW 3G's K0..K3 (TS 35.216), K3 being its first
// 32 bits; the library takes K0 first.
func snowKey(key *Key) [4]uint32 {
	var k [4]uint32
	for i := range k {
		k[i] = binary.BigEndian.Uint32(key[12-4*i:])
	}
	return k
}

// xorWords XORs big-endian keystream words into b.
func xorWords(b []byte, ks []uint32) {
	for i := range b {
		b[i] ^= byte(ks[i/4] >> (24 - 8*(i%4)))
	}
}

// nea1 is 128-EEA1: the UEA2 f8 keystream (TS 35.215) with a 5-bit BEARER.
//
// Spec: TS 33.401 §B.1.2
func nea1(key *Key, count uint32, bearer uint8, dir Direction, b []byte, bits int) {
	bd := uint32(bearer)<<27 | uint32(dir)<<26
	// IV0..IV3 = BEARER||DIRECTION||0, COUNT, BEARER||DIRECTION||0, COUNT.
	ks := snow3g.GetKeyStream(snowKey(key), [4]uint32{bd, count, bd, count}, (bits+31)/32)
	xorWords(b, ks)
}

// nea2 is 128-EEA2: AES-128 in CTR mode, initial counter block
// COUNT||BEARER||DIRECTION||0^26||0^64.
//
// Spec: TS 33.401 §B.1.3
func nea2(key *Key, count uint32, bearer uint8, dir Direction, b []byte) error {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return err
	}
	var iv [aes.BlockSize]byte
	binary.BigEndian.PutUint32(iv[:], count)
	iv[4] = bearer<<3 | uint8(dir)<<2
	cipher.NewCTR(block, iv[:]).XORKeyStream(b, b)
	return nil
}

// zucIV builds the 128-EEA3 IV (TS 35.221): COUNT||BEARER||DIRECTION||0^26,
// twice.
func zucIV(count uint32, bearer uint8, dir Direction) []byte {
	iv := make([]byte, 16)
	binary.BigEndian.PutUint32(iv, count)
	iv[4] = bearer<<3 | uint8(dir)<<2
	copy(iv[8:], iv[:8])
	return iv
}

// nea3 is 128-EEA3 (ZUC).
//
// Spec: TS 33.401 §B.1.4
func nea3(key *Key, count uint32, bearer uint8, dir Direction, b []byte, bits int) {
	ks := zuc.Zuc(key[:], zucIV(count, bearer, dir), uint32((bits+31)/32))
	xorWords(b, ks)
}

// block64 returns the i-th 64-bit block of the first bits bits of msg,
// zero-padded.
func block64(msg []byte, bits, i int) uint64 {
	var tmp [8]byte
	copy(tmp[:], msg[min(8*i, len(msg)):min(8*i+8, (bits+7)/8)])
	v := binary.BigEndian.Uint64(tmp[:])
	if end := 64 * (i + 1); end > bits {
		v &^= 1<<(end-bits) - 1
	}
	return v
}

// mul64 multiplies in GF(2^64) with reduction constant c: MUL64 of UIA2
// (TS 35.215).
func mul64(v, p, c uint64) uint64 {
	var r uint64
	for i := 0; i < 64; i++ {
		if p>>i&1 == 1 {
			r ^= v
		}
		if v>>63 == 1 {
			v = v<<1 ^ c
		} else {
			v <<= 1
		}
	}
	return r
}

// nia1 is 128-EIA1: UIA2 f9 (TS 35.215) with FRESH = BEARER||0^27.
//
// Spec: TS 33.401 §B.2.2
func nia1(key *Key, count uint32, bearer uint8, dir Direction, msg []byte, bits int) [4]byte {
	fresh := uint32(bearer) << 27
	d := uint32(dir)
	z := snow3g.GetKeyStream(snowKey(key), [4]uint32{fresh ^ d<<15, count ^ d<<31, fresh, count}, 5)
	p := uint64(z[0])<<32 | uint64(z[1])
	q := uint64(z[2])<<32 | uint64(z[3])
	const c = 0x1b
	var eval uint64
	for i := 0; i < (bits+63)/64; i++ {
		eval = mul64(eval^block64(msg, bits, i), p, c)
	}
	eval = mul64(eval^uint64(bits), q, c)
	var mac [4]byte
	binary.BigEndian.PutUint32(mac[:], uint32(eval>>32)^z[4])
	return mac
}

// nia2 is 128-EIA2: AES-128-CMAC (NIST SP 800-38B, bit-granular) over
// COUNT||BEARER||DIRECTION||0^26||MESSAGE, truncated to 32 bits.
//
// Spec: TS 33.401 §B.2.3
func nia2(key *Key, count uint32, bearer uint8, dir Direction, msg []byte, bits int) ([4]byte, error) {
	var mac [4]byte
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return mac, err
	}
	m := make([]byte, 8+(bits+7)/8)
	binary.BigEndian.PutUint32(m, count)
	m[4] = bearer<<3 | uint8(dir)<<2
	copy(m[8:], msg)
	t := cmac(block, m, 64+bits)
	copy(mac[:], t[:4])
	return mac, nil
}

// cmac computes the AES-CMAC tag of the first bits bits of m.
//
// Spec: NIST SP 800-38B §6.1, §6.2
func cmac(block cipher.Block, m []byte, bits int) [16]byte {
	const bs = aes.BlockSize
	var k1, k2 [bs]byte
	block.Encrypt(k1[:], k1[:])
	dbl(&k1)
	k2 = k1
	dbl(&k2)

	n := (bits + 8*bs - 1) / (8 * bs)
	complete := n > 0 && bits%(8*bs) == 0
	if n == 0 {
		n = 1
	}
	var x, last [bs]byte
	for i := 0; i < n-1; i++ {
		for j := range x {
			x[j] ^= m[bs*i+j]
		}
		block.Encrypt(x[:], x[:])
	}
	rem := bits - 8*bs*(n-1) // bits in the last block, 0..128
	copy(last[:], m[bs*(n-1):min(len(m), bs*n)])
	if complete {
		subtleXOR(&last, &k1)
	} else {
		// Keep rem bits, then a single 1 bit, then zeros.
		keep := byte(0)
		if rem%8 != 0 {
			keep = 0xff << (8 - rem%8)
		}
		last[rem/8] = last[rem/8]&keep | 0x80>>(rem%8)
		for j := rem/8 + 1; j < bs; j++ {
			last[j] = 0
		}
		subtleXOR(&last, &k2)
	}
	subtleXOR(&x, &last)
	block.Encrypt(x[:], x[:])
	return x
}

// dbl multiplies by x in GF(2^128) with R = 0x87 (SP 800-38B §6.1).
func dbl(b *[16]byte) {
	carry := b[0] >> 7
	for i := 0; i < 15; i++ {
		b[i] = b[i]<<1 | b[i+1]>>7
	}
	b[15] = b[15]<<1 ^ 0x87*carry
}

func subtleXOR(dst, src *[16]byte) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}

// nia3 is 128-EIA3 (ZUC, TS 35.221).
//
// Spec: TS 33.401 §B.2.4
func nia3(key *Key, count uint32, bearer uint8, dir Direction, msg []byte, bits int) [4]byte {
	iv := make([]byte, 16)
	binary.BigEndian.PutUint32(iv, count)
	iv[4] = bearer << 3
	copy(iv[8:14], iv[0:6])
	iv[8] ^= uint8(dir) << 7
	iv[14] = uint8(dir) << 7
	l := (bits+31)/32 + 2
	z := zuc.Zuc(key[:], iv, uint32(l))
	// word returns the 32 keystream bits starting at bit i.
	word := func(i int) uint32 {
		w := z[i/32]
		if s := i % 32; s != 0 {
			w = w<<s | z[i/32+1]>>(32-s)
		}
		return w
	}
	var t uint32
	for i := 0; i < bits; i++ {
		if msg[i/8]>>(7-i%8)&1 == 1 {
			t ^= word(i)
		}
	}
	t ^= word(bits)
	var mac [4]byte
	binary.BigEndian.PutUint32(mac[:], t^z[l-1])
	return mac
}
