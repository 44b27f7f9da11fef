package aka

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
)

// KDF is the generic key derivation function of 3GPP: HMAC-SHA-256 keyed with
// key over S = FC || P0 || L0 || P1 || L1 || ..., where each Li is the length
// of Pi in two octets. The output is 32 octets; derivations of 128-bit keys
// take the last 16 (see Truncate128).
//
// Every parameter is bounded by its protocol field well below 65536 octets, so
// a longer one is a bug in the caller and panics.
//
// Spec: TS 33.220 Annex B.2.0
func KDF(key []byte, fc byte, params ...[]byte) []byte {
	n := 1
	for _, p := range params {
		n += 2 + len(p)
	}
	s := make([]byte, 0, n)
	s = append(s, fc)
	for i, p := range params {
		if len(p) > 0xffff {
			panic(fmt.Sprintf("aka: KDF parameter P%d is %d octets, more than its 2-octet length can carry", i, len(p)))
		}
		s = append(s, p...)
		s = append(s, byte(len(p)>>8), byte(len(p)))
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(s)
	return mac.Sum(nil)
}

// Truncate128 returns the 128 least significant bits (the last 16 octets) of a
// 256-bit KDF output, the form TS 33.501 and TS 33.401 use for 128-bit keys.
//
// Spec: TS 33.220 Annex B.2.2
func Truncate128(out []byte) []byte {
	return out[len(out)-16:]
}

// PRFPrime is the pseudo-random function PRF' of EAP-AKA':
// T1 = HMAC-SHA-256(K, S | 0x01), Tn = HMAC-SHA-256(K, Tn-1 | S | n), output
// T1 | T2 | ... cut to n octets. n is at most 255 * 32 octets.
//
// Spec: RFC 9048 §3.4.1
func PRFPrime(key, s []byte, n int) []byte {
	if n > 255*sha256.Size {
		panic("aka: PRF' output longer than 255 blocks")
	}
	out := make([]byte, 0, n+sha256.Size)
	var t []byte
	for i := 1; len(out) < n; i++ {
		mac := hmac.New(sha256.New, key)
		mac.Write(t)
		mac.Write(s)
		mac.Write([]byte{byte(i)})
		t = mac.Sum(nil)
		out = append(out, t...)
	}
	return out[:n]
}
