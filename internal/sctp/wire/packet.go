package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Errors of Parse. They are wrapped with detail; test with errors.Is.
var (
	// ErrChecksum: the CRC32c does not match. Spec: RFC 9260 §6.8 says the
	// receiver silently discards such a packet.
	ErrChecksum = errors.New("sctp wire: bad checksum")
	// ErrMalformed: the packet's structure is invalid (lengths, truncation).
	ErrMalformed = errors.New("sctp wire: malformed packet")
)

// HeaderLen is the length of the common header. Spec: RFC 9260 §3.1.
const HeaderLen = 12

// castagnoli is the CRC32c table; crc32.MakeTable returns the library's
// shared, read-only table for this polynomial.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checksum is the CRC32c of the packet b computed with its checksum field
// (bytes 8..11) taken as zero, as the sender and receiver both do. The value
// is stored little-endian in the header (the byte order of RFC 9260
// Appendix A's reference code and of Linux and usrsctp). A b shorter than
// the header is summed as far as it goes.
//
// Spec: RFC 9260 §6.8, Appendix A.
func Checksum(b []byte) uint32 {
	if len(b) <= 8 {
		return crc32.Checksum(b, castagnoli)
	}
	c := updateZeros(crc32.Update(0, castagnoli, b[:8]), min(len(b), HeaderLen)-8)
	if len(b) <= HeaderLen {
		return c
	}
	return crc32.Update(c, castagnoli, b[HeaderLen:])
}

// updateZeros is crc32.Update over n zero bytes, table driven so that no
// buffer of zeros escapes to the heap.
func updateZeros(c uint32, n int) uint32 {
	c = ^c
	for range n {
		c = castagnoli[byte(c)] ^ c>>8
	}
	return ^c
}

// SetChecksum computes the CRC32c of the packet b and stores it in its
// checksum field. b must hold at least the common header.
func SetChecksum(b []byte) {
	binary.LittleEndian.PutUint32(b[8:HeaderLen], Checksum(b))
}

// ParseHeader reads the ports and verification tag of the common header
// without checking the checksum or the chunks, so a receiver can find the
// association a packet belongs to cheaply; Parse does the rest.
//
// Spec: RFC 9260 §3.1.
func ParseHeader(b []byte) (src, dst uint16, vtag uint32, err error) {
	if len(b) < HeaderLen {
		return 0, 0, 0, fmt.Errorf("%w: %d bytes, shorter than the common header", ErrMalformed, len(b))
	}
	return binary.BigEndian.Uint16(b[0:]), binary.BigEndian.Uint16(b[2:]), binary.BigEndian.Uint32(b[4:]), nil
}

// Parse decodes an SCTP packet: it verifies the CRC32c first (a mismatch
// returns an error wrapping ErrChecksum), then the common header and every
// chunk (structural errors, including a packet without any chunk, wrap
// ErrMalformed). Chunk types this codec does not decode come back as
// *Unknown, in order, so the caller applies their type bits (RFC 9260
// §3.2). The last chunk may lack its padding.
//
// Parse checks the wire format only: bundling rules (INIT alone in a
// packet), verification tag rules and values such as a zero Initiate Tag
// are the association's to enforce.
//
// The returned chunks alias b (user data, cookies, parameter values, cause
// information); copy what must outlive b. Aliased slices have their capacity
// capped, so an append never writes into b.
//
// Spec: RFC 9260 §3, §6.8.
func Parse(b []byte) (Packet, error) {
	src, dst, vtag, err := ParseHeader(b)
	if err != nil {
		return Packet{}, err
	}
	if got, want := binary.LittleEndian.Uint32(b[8:]), Checksum(b); got != want {
		return Packet{}, fmt.Errorf("%w: got %#08x, computed %#08x", ErrChecksum, got, want)
	}
	// First pass: validate chunk lengths and count, so the chunk slice is
	// allocated once at its exact size.
	n := 0
	for rest := b[HeaderLen:]; len(rest) > 0; n++ {
		if rest, err = nextChunk(rest); err != nil {
			return Packet{}, err
		}
	}
	if n == 0 {
		return Packet{}, fmt.Errorf("%w: packet carries no chunk", ErrMalformed)
	}
	p := Packet{SrcPort: src, DstPort: dst, VerificationTag: vtag, Chunks: make([]Chunk, n)}
	rest := b[HeaderLen:]
	for i := range p.Chunks {
		l := int(binary.BigEndian.Uint16(rest[2:]))
		c, err := parseChunk(ChunkType(rest[0]), rest[1], rest[4:l:l])
		if err != nil {
			return Packet{}, err
		}
		p.Chunks[i] = c
		rest, _ = nextChunk(rest)
	}
	return p, nil
}

// nextChunk checks the chunk header at the start of b and returns what
// follows the chunk and its padding.
func nextChunk(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: %d trailing bytes, shorter than a chunk header", ErrMalformed, len(b))
	}
	l := int(binary.BigEndian.Uint16(b[2:]))
	if l < 4 {
		return nil, fmt.Errorf("%w: %s chunk length %d < 4", ErrMalformed, ChunkType(b[0]), l)
	}
	if l > len(b) {
		return nil, fmt.Errorf("%w: %s chunk length %d beyond the %d bytes left", ErrMalformed, ChunkType(b[0]), l, len(b))
	}
	return b[min(Padded(l), len(b)):], nil
}

// MarshalLen is the packet's length on the wire: the header and every chunk
// with its padding.
func (p *Packet) MarshalLen() int {
	n := HeaderLen
	for _, c := range p.Chunks {
		n += Padded(c.MarshalLen())
	}
	return n
}

// MarshalTo writes the packet, checksum included, to b, which must hold at
// least MarshalLen bytes, and returns the bytes written. It does not
// allocate. Values longer than a 16-bit length field can carry are the
// caller's error.
func (p *Packet) MarshalTo(b []byte) int {
	_ = b[HeaderLen-1]
	binary.BigEndian.PutUint16(b[0:], p.SrcPort)
	binary.BigEndian.PutUint16(b[2:], p.DstPort)
	binary.BigEndian.PutUint32(b[4:], p.VerificationTag)
	n := HeaderLen
	for _, c := range p.Chunks {
		n += c.MarshalTo(b[n:])
	}
	SetChecksum(b[:n])
	return n
}

// Marshal returns the packet in a new buffer.
func (p *Packet) Marshal() []byte {
	b := make([]byte, p.MarshalLen())
	return b[:p.MarshalTo(b)]
}
