package n2

import (
	"errors"
	"fmt"
)

// This file reads the few things a receiver needs before, or without, a full decode:
// the NGAP-PDU header and the UE NGAP IDs among the top-level IEs. Every NGAP message
// shares one shape (TS 38.413 §9.4.3 NGAP-PDU, §9.4.8 ProtocolIE-Container, ALIGNED
// PER per §9.5 and X.691):
//
//	NGAP-PDU ::= CHOICE { initiatingMessage, successfulOutcome, unsuccessfulOutcome, ... }
//	  octet 0: extension bit, 2-bit choice index, padding
//	  octet 1: procedureCode INTEGER (0..255), one aligned octet
//	  octet 2: criticality ENUMERATED {reject, ignore, notify}, 2 bits, padding
//	  then:    value, an open type: length determinant + octets
//	value ::= SEQUENCE { protocolIEs ProtocolIE-Container, ... }
//	  octet 0: extension bit, padding; octets 1-2: IE count (SIZE (0..65535))
//	  per IE:  id (2 octets), criticality (2 bits, padding), value (open type)
//
// So one small reader can route every message type, including ones the codec rejects,
// which is what §8.7.5.2 needs: the UE NGAP IDs of a message that failed to decode.

// Protocol IE ids used by the scanner. Spec: TS 38.413 §9.4.7
const (
	ieAMFUENGAPID = 10
	ieRANUENGAPID = 85
	ieUENGAPIDs   = 114
)

var errScan = errors.New("truncated or malformed NGAP header")

// header is what octets 0..2 of an NGAP-PDU say.
type header struct {
	typ         MessageType
	procedure   ProcedureCode
	criticality Criticality
}

// scanHeader reads the NGAP-PDU header (octets 0..2) and the message value (the
// open type contents). When only the value is broken (truncated, bad length) it
// returns the header, whatever value octets there are, and an error; when the
// header itself is unreadable, ok is false.
func scanHeader(b []byte) (h header, val []byte, ok bool, err error) {
	if len(b) < 3 {
		return header{}, nil, false, errScan
	}
	h = header{
		typ:         MessageType(b[0] >> 5 & 3),
		procedure:   ProcedureCode(b[1]),
		criticality: Criticality(b[2] >> 6),
	}
	// An NGAP-PDU alternative beyond the root (extension bit), or index 3, is a Type
	// of Message we cannot comprehend; we report it like a transfer syntax error.
	if b[0]&0x80 != 0 || h.typ > UnsuccessfulOutcome || h.criticality > Notify {
		return h, nil, false, errScan
	}
	val, _, err = openType(b, 3)
	if err != nil && len(b) > 3 {
		// Truncated: give scanIDs what there is after the length determinant (one
		// octet, or two in the 10xxxxxx form); the IDs usually come first.
		start := 4
		if b[3]&0xc0 == 0x80 {
			start = 5
		}
		val = b[min(start, len(b)):]
	}
	return h, val, true, err
}

// scanIDs finds the AMF and RAN UE NGAP IDs among the top-level IEs of a message
// value: the AMF-UE-NGAP-ID and RAN-UE-NGAP-ID IEs, or else the UE-NGAP-IDs IE (UE
// Context Release Command). The first occurrence counts; the codec rejects repeated
// IEs anyway (§10.3.6). It stops quietly at the first IE it cannot delimit: what it
// found so far is still right. It does not know which IEs each message defines, so
// an ID IE of criticality "ignore" inside a message that has none (which the codec
// skips) still shows here; a UE's owner checks the IDs again after parsing.
//
// An ID IE whose value it cannot read is an error (errBadID): the codec does not
// check INTEGER ranges, and an AMF UE NGAP ID of 2^40 must not reach routing or be
// echoed in an Error Indication (§10.2: a value range violation is a transfer
// syntax error).
func scanIDs(val []byte) (UEIDs, error) {
	var ids, pair UEIDs
	var bad error
	if len(val) < 3 {
		return ids, nil
	}
	n := int(val[1])<<8 | int(val[2])
	off := 3
	for i := 0; i < n && off+3 <= len(val); i++ {
		id := int(val[off])<<8 | int(val[off+1])
		v, next, err := openType(val, off+3)
		if err != nil {
			break
		}
		off = next
		var ok bool
		switch id {
		case ieAMFUENGAPID:
			var a uint64
			if a, ok = readAMFID(&bitReader{b: v}); ok && !ids.HasAMF {
				ids.AMF, ids.HasAMF = a, true
			}
		case ieRANUENGAPID:
			var r uint32
			if r, ok = readRANID(&bitReader{b: v}); ok && !ids.HasRAN {
				ids.RAN, ids.HasRAN = r, true
			}
		case ieUENGAPIDs:
			var p UEIDs
			if p, ok = readUENGAPIDs(v); ok && !pair.HasAMF {
				pair = p
			}
		default:
			ok = true
		}
		if !ok && bad == nil {
			bad = fmt.Errorf("%w: IE %d = %x", errBadID, id, v)
		}
	}
	if !ids.HasAMF && !ids.HasRAN {
		return pair, bad
	}
	return ids, bad
}

var errBadID = errors.New("invalid UE NGAP ID")

// readUENGAPIDs reads UE-NGAP-IDs ::= CHOICE { uE-NGAP-ID-pair, aMF-UE-NGAP-ID,
// choice-Extensions } (no extension marker: a 2-bit index). The extension
// alternative is valid but carries no ID we know.
//
// Spec: TS 38.413 §9.2.2.5 (UE NGAP IDs), §9.4.5 (UE-NGAP-IDs)
func readUENGAPIDs(v []byte) (UEIDs, bool) {
	var ids UEIDs
	r := &bitReader{b: v}
	idx, ok := r.bits(2)
	switch {
	case !ok:
		return ids, false
	case idx == 0:
		// UE-NGAP-ID-pair ::= SEQUENCE { aMF-UE-NGAP-ID, rAN-UE-NGAP-ID, iE-Extensions OPTIONAL, ... }
		if _, ok := r.bits(2); !ok { // extension bit, optional-presence bit
			return ids, false
		}
		a, okA := readAMFID(r)
		ran, okR := readRANID(r)
		if !okA || !okR {
			return ids, false
		}
		return UEIDs{AMF: a, RAN: ran, HasAMF: true, HasRAN: true}, true
	case idx == 1:
		a, ok := readAMFID(r)
		return UEIDs{AMF: a, HasAMF: ok}, ok
	}
	return ids, idx == 2
}

// readAMFID reads AMF-UE-NGAP-ID ::= INTEGER (0..1099511627775): the range exceeds
// 64K, so X.691 §11.5.7.4 applies: the octet count (1..5) as a 3-bit field, then the
// value octet-aligned in that many octets.
func readAMFID(r *bitReader) (uint64, bool) {
	return r.lengthPrefixedUint(3, 5)
}

// readRANID reads RAN-UE-NGAP-ID ::= INTEGER (0..4294967295): octet count (1..4) in
// 2 bits, then the aligned value.
func readRANID(r *bitReader) (uint32, bool) {
	v, ok := r.lengthPrefixedUint(2, 4)
	return uint32(v), ok
}

// openType reads an X.691 §11.2 open type at b[off:] (octet-aligned, with an
// unconstrained length determinant, §11.9.3.6-8) and returns its contents and the
// offset after it. A fragmented value (16K or more) is reassembled into a new slice.
func openType(b []byte, off int) ([]byte, int, error) {
	var out []byte
	for fragments := 0; ; fragments++ {
		if off >= len(b) {
			return nil, 0, errScan
		}
		var n int
		switch c := b[off]; {
		case c&0x80 == 0:
			n, off = int(c), off+1
		case c&0xc0 == 0x80:
			if off+1 >= len(b) {
				return nil, 0, errScan
			}
			n, off = int(c&0x3f)<<8|int(b[off+1]), off+2
		default:
			m := int(c & 0x3f)
			if m < 1 || m > 4 || off+1+m*16384 > len(b) {
				return nil, 0, errScan
			}
			out = append(out, b[off+1:off+1+m*16384]...)
			off += 1 + m*16384
			continue
		}
		if off+n > len(b) {
			return nil, 0, errScan
		}
		if fragments == 0 {
			return b[off : off+n : off+n], off + n, nil
		}
		return append(out, b[off:off+n]...), off + n, nil
	}
}

// bitReader reads big-endian bit fields with X.691 octet alignment.
type bitReader struct {
	b   []byte
	off int // in bits
}

func (r *bitReader) bits(n int) (uint64, bool) {
	if r.off+n > len(r.b)*8 {
		return 0, false
	}
	var v uint64
	for i := 0; i < n; i++ {
		bit := r.b[(r.off+i)/8] >> (7 - uint(r.off+i)%8) & 1
		v = v<<1 | uint64(bit)
	}
	r.off += n
	return v, true
}

func (r *bitReader) align() { r.off = (r.off + 7) &^ 7 }

// lengthPrefixedUint reads a constrained whole number whose range exceeds 64K: an
// octet count (1..max) in lenBits, then that many aligned octets.
func (r *bitReader) lengthPrefixedUint(lenBits, max int) (uint64, bool) {
	l, ok := r.bits(lenBits)
	if !ok || int(l)+1 > max {
		return 0, false
	}
	r.align()
	return r.bits(8 * (int(l) + 1))
}
