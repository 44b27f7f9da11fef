// Package aka implements the 3GPP authentication and key agreement crypto of
// the 5G System: the Milenage functions f1..f5* (TS 35.205/35.206), the generic
// KDF of TS 33.220 Annex B.2, the key hierarchy of TS 33.501 Annex A, 5G-AKA
// vectors and the UE's answer to them (TS 33.501 §6.1.3.2, TS 33.102 §6.3),
// and EAP-AKA' (RFC 9048, TS 33.501 §6.1.3.1).
//
// Milenage is ours (milenage.go, on crypto/aes) rather than
// github.com/wmnsk/milenage: it is about a hundred lines, the only primitive is
// AES-128, and our own API takes fixed-size arrays and a precomputed OPc, so a
// subscriber's OP never has to reach the core and no length is checked twice.
// It is tested against every TS 35.208 test set in ../shared/testvectors.
//
// Everything here is pure computation on byte slices: no state, no I/O, and
// nothing is logged. Key material in errors is never formatted.
package aka
