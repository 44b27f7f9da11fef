package aka

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
)

// Milenage computes the authentication functions f1, f1*, f2, f3, f4, f5 and
// f5* for one subscriber (K, OPc). The rotation and constant values are the
// ones TS 35.206 fixes for the example algorithm set.
//
// Spec: TS 35.206 §4.1
type Milenage struct {
	block cipher.Block
	opc   [16]byte
}

// ErrKeyLength is returned for a K, OP or OPc that is not 128 bits long.
var ErrKeyLength = errors.New("aka: K, OP and OPc must be 16 octets")

// NewMilenage returns the Milenage functions for the subscriber key k and the
// operator variant key opc (both 16 octets).
func NewMilenage(k, opc []byte) (*Milenage, error) {
	if len(k) != 16 || len(opc) != 16 {
		return nil, ErrKeyLength
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("aka: %w", err)
	}
	return &Milenage{block: block, opc: [16]byte(opc)}, nil
}

// OPc derives the operator variant key OPc = E_K(OP) ⊕ OP from OP.
// Operators store OPc per subscriber so that OP itself stays out of the core.
//
// Spec: TS 35.206 §4.1
func OPc(k, op []byte) ([]byte, error) {
	if len(k) != 16 || len(op) != 16 {
		return nil, ErrKeyLength
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("aka: %w", err)
	}
	opc := make([]byte, 16)
	block.Encrypt(opc, op)
	xorInto(opc, op)
	return opc, nil
}

// F1 returns the network authentication code MAC-A (f1) and the
// re-synchronisation code MAC-S (f1*); both come from the same block OUT1.
//
// Spec: TS 35.206 §4.1 (OUT1, r1 = 64, c1 = 0)
func (m *Milenage) F1(rand [16]byte, sqn [6]byte, amf [2]byte) (macA, macS [8]byte) {
	temp := m.temp(rand)
	var in1 [16]byte
	copy(in1[0:6], sqn[:])
	copy(in1[6:8], amf[:])
	copy(in1[8:14], sqn[:])
	copy(in1[14:16], amf[:])
	xorInto(in1[:], m.opc[:])
	// rot(IN1 ⊕ OPc, r1 = 64 bits) ⊕ c1 (c1 = 0)
	var out [16]byte
	for i := range out {
		out[i] = in1[(i+8)%16] ^ temp[i]
	}
	m.block.Encrypt(out[:], out[:])
	xorInto(out[:], m.opc[:])
	return [8]byte(out[0:8]), [8]byte(out[8:16])
}

// F2345 returns RES (f2), CK (f3), IK (f4) and AK (f5).
//
// Spec: TS 35.206 §4.1 (OUT2..OUT4)
func (m *Milenage) F2345(rand [16]byte) (res [8]byte, ck, ik [16]byte, ak [6]byte) {
	temp := m.temp(rand)
	out2 := m.out(temp, 0, 1)
	res = [8]byte(out2[8:16])
	ak = [6]byte(out2[0:6])
	ck = m.out(temp, 4, 2)
	ik = m.out(temp, 8, 4)
	return res, ck, ik, ak
}

// F5Star returns the re-synchronisation anonymity key AK* (f5*).
//
// Spec: TS 35.206 §4.1 (OUT5)
func (m *Milenage) F5Star(rand [16]byte) (akStar [6]byte) {
	out5 := m.out(m.temp(rand), 12, 8)
	return [6]byte(out5[0:6])
}

// temp computes TEMP = E_K(RAND ⊕ OPc).
func (m *Milenage) temp(rand [16]byte) [16]byte {
	xorInto(rand[:], m.opc[:])
	m.block.Encrypt(rand[:], rand[:])
	return rand
}

// out computes OUTn = E_K(rot(TEMP ⊕ OPc, r) ⊕ c) ⊕ OPc for a rotation of
// rotBytes octets and a constant c whose only non-zero octet is the last one.
func (m *Milenage) out(temp [16]byte, rotBytes int, c byte) [16]byte {
	var x [16]byte
	for i := range x {
		j := (i + rotBytes) % 16
		x[i] = temp[j] ^ m.opc[j]
	}
	x[15] ^= c
	m.block.Encrypt(x[:], x[:])
	xorInto(x[:], m.opc[:])
	return x
}

// xorInto sets dst[i] ^= src[i] for every i in dst.
func xorInto(dst, src []byte) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}
