package wire

import (
	"encoding/binary"
	"fmt"
)

// Fixed lengths of chunk header plus fixed part. Spec: RFC 9260 §3.3.
const (
	chunkHeaderLen = 4
	dataHeaderLen  = 16 // §3.3.1
	initHeaderLen  = 20 // §3.3.2
	sackHeaderLen  = 16 // §3.3.4
)

// Every chunk type implements Chunk through its pointer.
var (
	_ Chunk = (*Data)(nil)
	_ Chunk = (*Init)(nil)
	_ Chunk = (*InitAck)(nil)
	_ Chunk = (*Sack)(nil)
	_ Chunk = (*Heartbeat)(nil)
	_ Chunk = (*HeartbeatAck)(nil)
	_ Chunk = (*Abort)(nil)
	_ Chunk = (*Shutdown)(nil)
	_ Chunk = (*ShutdownAck)(nil)
	_ Chunk = (*Error)(nil)
	_ Chunk = (*CookieEcho)(nil)
	_ Chunk = (*CookieAck)(nil)
	_ Chunk = (*ShutdownComplete)(nil)
	_ Chunk = (*Unknown)(nil)
)

// Chunk flag bit T of ABORT and SHUTDOWN COMPLETE. Spec: RFC 9260 §3.3.7, §3.3.13.
const flagT = 0x01

// parseChunk decodes the value v of one chunk of type t. v is the chunk's
// value without header and padding, its capacity capped at its length.
func parseChunk(t ChunkType, flags uint8, v []byte) (Chunk, error) {
	switch t {
	case TypeData:
		// A DATA chunk with no user data is well formed here: the
		// association answers it with an ABORT, No User Data (§6.2).
		if len(v) < dataHeaderLen-chunkHeaderLen {
			return nil, short(t, len(v))
		}
		return &Data{
			Flags:    flags,
			TSN:      binary.BigEndian.Uint32(v[0:]),
			StreamID: binary.BigEndian.Uint16(v[4:]),
			SSN:      binary.BigEndian.Uint16(v[6:]),
			PPID:     binary.BigEndian.Uint32(v[8:]),
			UserData: v[12:],
		}, nil
	case TypeInit:
		i := new(Init)
		if err := i.parse(t, v); err != nil {
			return nil, err
		}
		return i, nil
	case TypeInitAck:
		i := new(InitAck)
		if err := (*Init)(i).parse(t, v); err != nil {
			return nil, err
		}
		return i, nil
	case TypeSack:
		return parseSack(v)
	case TypeHeartbeat:
		info, err := parseHeartbeatInfo(t, v)
		if err != nil {
			return nil, err
		}
		return &Heartbeat{Info: info}, nil
	case TypeHeartbeatAck:
		info, err := parseHeartbeatInfo(t, v)
		if err != nil {
			return nil, err
		}
		return &HeartbeatAck{Info: info}, nil
	case TypeAbort:
		cs, err := parseCauses(v)
		if err != nil {
			return nil, fmt.Errorf("%w (in %s chunk)", err, t)
		}
		return &Abort{T: flags&flagT != 0, Causes: cs}, nil
	case TypeShutdown:
		if len(v) < 4 {
			return nil, short(t, len(v))
		}
		return &Shutdown{CumTSNAck: binary.BigEndian.Uint32(v)}, nil
	case TypeShutdownAck:
		return &ShutdownAck{}, nil
	case TypeError:
		cs, err := parseCauses(v)
		if err != nil {
			return nil, fmt.Errorf("%w (in %s chunk)", err, t)
		}
		return &Error{Causes: cs}, nil
	case TypeCookieEcho:
		return &CookieEcho{Cookie: v}, nil
	case TypeCookieAck:
		return &CookieAck{}, nil
	case TypeShutdownComplete:
		return &ShutdownComplete{T: flags&flagT != 0}, nil
	}
	return &Unknown{ChunkType: t, Flags: flags, Value: v}, nil
}

func short(t ChunkType, n int) error {
	return fmt.Errorf("%w: %s chunk value of %d bytes is shorter than its fixed part", ErrMalformed, t, n)
}

// putChunkHeader writes type, flags and length l (header and value, no padding).
func putChunkHeader(b []byte, t ChunkType, flags uint8, l int) {
	b[0] = byte(t)
	b[1] = flags
	binary.BigEndian.PutUint16(b[2:], uint16(l))
}

// pad zeroes the padding after a chunk of length l in b and returns the
// padded length.
func pad(b []byte, l int) int {
	p := Padded(l)
	clear(b[l:p])
	return p
}

// Type implements Chunk.
func (*Data) Type() ChunkType { return TypeData }

// MarshalLen implements Chunk.
func (d *Data) MarshalLen() int { return dataHeaderLen + len(d.UserData) }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.1.
func (d *Data) MarshalTo(b []byte) int {
	l := d.MarshalLen()
	_ = b[Padded(l)-1]
	putChunkHeader(b, TypeData, d.Flags, l)
	binary.BigEndian.PutUint32(b[4:], d.TSN)
	binary.BigEndian.PutUint16(b[8:], d.StreamID)
	binary.BigEndian.PutUint16(b[10:], d.SSN)
	binary.BigEndian.PutUint32(b[12:], d.PPID)
	copy(b[dataHeaderLen:], d.UserData)
	return pad(b, l)
}

func (i *Init) parse(t ChunkType, v []byte) error {
	if len(v) < initHeaderLen-chunkHeaderLen {
		return short(t, len(v))
	}
	i.InitiateTag = binary.BigEndian.Uint32(v[0:])
	i.ARwnd = binary.BigEndian.Uint32(v[4:])
	i.OutStreams = binary.BigEndian.Uint16(v[8:])
	i.InStreams = binary.BigEndian.Uint16(v[10:])
	i.InitialTSN = binary.BigEndian.Uint32(v[12:])
	ps, err := ParseParams(v[16:])
	if err != nil {
		return fmt.Errorf("%w (in %s chunk)", err, t)
	}
	i.Params = ps
	return nil
}

func (i *Init) marshalTo(b []byte, t ChunkType) int {
	l := i.MarshalLen()
	_ = b[Padded(l)-1]
	putChunkHeader(b, t, 0, l)
	binary.BigEndian.PutUint32(b[4:], i.InitiateTag)
	binary.BigEndian.PutUint32(b[8:], i.ARwnd)
	binary.BigEndian.PutUint16(b[12:], i.OutStreams)
	binary.BigEndian.PutUint16(b[14:], i.InStreams)
	binary.BigEndian.PutUint32(b[16:], i.InitialTSN)
	return initHeaderLen + putParams(b[initHeaderLen:], i.Params)
}

// Type implements Chunk.
func (*Init) Type() ChunkType { return TypeInit }

// MarshalLen implements Chunk: the length counts the padding of every
// parameter but the last (RFC 9260 §3.2).
func (i *Init) MarshalLen() int { return initHeaderLen + paramsLen(i.Params) }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.2.
func (i *Init) MarshalTo(b []byte) int { return i.marshalTo(b, TypeInit) }

// Type implements Chunk.
func (*InitAck) Type() ChunkType { return TypeInitAck }

// MarshalLen implements Chunk.
func (a *InitAck) MarshalLen() int { return (*Init)(a).MarshalLen() }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.3.
func (a *InitAck) MarshalTo(b []byte) int { return (*Init)(a).marshalTo(b, TypeInitAck) }

// parseSack decodes a SACK; bytes after the declared gap blocks and
// duplicate TSNs are ignored. Empty lists are nil.
func parseSack(v []byte) (*Sack, error) {
	if len(v) < sackHeaderLen-chunkHeaderLen {
		return nil, short(TypeSack, len(v))
	}
	s := &Sack{
		CumTSNAck: binary.BigEndian.Uint32(v[0:]),
		ARwnd:     binary.BigEndian.Uint32(v[4:]),
	}
	nGap := int(binary.BigEndian.Uint16(v[8:]))
	nDup := int(binary.BigEndian.Uint16(v[10:]))
	if need := 12 + 4*(nGap+nDup); need > len(v) {
		return nil, fmt.Errorf("%w: SACK declares %d gap blocks and %d duplicate TSNs, %d bytes, in a %d-byte value",
			ErrMalformed, nGap, nDup, need-12, len(v)-12)
	}
	v = v[12:]
	if nGap > 0 {
		s.Gaps = make([]GapBlock, nGap)
		for i := range s.Gaps {
			s.Gaps[i] = GapBlock{Start: binary.BigEndian.Uint16(v[4*i:]), End: binary.BigEndian.Uint16(v[4*i+2:])}
		}
		v = v[4*nGap:]
	}
	if nDup > 0 {
		s.DupTSNs = make([]uint32, nDup)
		for i := range s.DupTSNs {
			s.DupTSNs[i] = binary.BigEndian.Uint32(v[4*i:])
		}
	}
	return s, nil
}

// Type implements Chunk.
func (*Sack) Type() ChunkType { return TypeSack }

// MarshalLen implements Chunk.
func (s *Sack) MarshalLen() int { return sackHeaderLen + 4*len(s.Gaps) + 4*len(s.DupTSNs) }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.4.
func (s *Sack) MarshalTo(b []byte) int {
	l := s.MarshalLen()
	_ = b[l-1]
	putChunkHeader(b, TypeSack, 0, l)
	binary.BigEndian.PutUint32(b[4:], s.CumTSNAck)
	binary.BigEndian.PutUint32(b[8:], s.ARwnd)
	binary.BigEndian.PutUint16(b[12:], uint16(len(s.Gaps)))
	binary.BigEndian.PutUint16(b[14:], uint16(len(s.DupTSNs)))
	n := sackHeaderLen
	for _, g := range s.Gaps {
		binary.BigEndian.PutUint16(b[n:], g.Start)
		binary.BigEndian.PutUint16(b[n+2:], g.End)
		n += 4
	}
	for _, d := range s.DupTSNs {
		binary.BigEndian.PutUint32(b[n:], d)
		n += 4
	}
	return n
}

// parseHeartbeatInfo returns the value of the single Heartbeat Info
// parameter a HEARTBEAT or HEARTBEAT ACK carries. Spec: RFC 9260 §3.3.5, §3.3.6.
func parseHeartbeatInfo(t ChunkType, v []byte) ([]byte, error) {
	pt, info, rest, err := nextTLV(v)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s chunk)", err, t)
	}
	if ParamType(pt) != ParamHeartbeatInfo {
		return nil, fmt.Errorf("%w: %s chunk carries parameter type %d, not Heartbeat Info", ErrMalformed, t, pt)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: %s chunk has %d bytes after its Heartbeat Info", ErrMalformed, t, len(rest))
	}
	return info, nil
}

func marshalHeartbeat(b []byte, t ChunkType, info []byte) int {
	l := chunkHeaderLen + 4 + len(info)
	_ = b[Padded(l)-1]
	putChunkHeader(b, t, 0, l)
	return chunkHeaderLen + putTLV(b[chunkHeaderLen:], uint16(ParamHeartbeatInfo), info)
}

// Type implements Chunk.
func (*Heartbeat) Type() ChunkType { return TypeHeartbeat }

// MarshalLen implements Chunk.
func (h *Heartbeat) MarshalLen() int { return chunkHeaderLen + 4 + len(h.Info) }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.5.
func (h *Heartbeat) MarshalTo(b []byte) int { return marshalHeartbeat(b, TypeHeartbeat, h.Info) }

// Type implements Chunk.
func (*HeartbeatAck) Type() ChunkType { return TypeHeartbeatAck }

// MarshalLen implements Chunk.
func (h *HeartbeatAck) MarshalLen() int { return chunkHeaderLen + 4 + len(h.Info) }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.6.
func (h *HeartbeatAck) MarshalTo(b []byte) int { return marshalHeartbeat(b, TypeHeartbeatAck, h.Info) }

func marshalCauses(b []byte, t ChunkType, flags uint8, cs []Cause) int {
	l := chunkHeaderLen + causesLen(cs)
	_ = b[Padded(l)-1]
	putChunkHeader(b, t, flags, l)
	n := chunkHeaderLen
	for _, c := range cs {
		n += putTLV(b[n:], uint16(c.Code), c.Info)
	}
	return n
}

// Type implements Chunk.
func (*Abort) Type() ChunkType { return TypeAbort }

// MarshalLen implements Chunk.
func (a *Abort) MarshalLen() int { return chunkHeaderLen + causesLen(a.Causes) }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.7.
func (a *Abort) MarshalTo(b []byte) int {
	var flags uint8
	if a.T {
		flags = flagT
	}
	return marshalCauses(b, TypeAbort, flags, a.Causes)
}

// Type implements Chunk.
func (*Shutdown) Type() ChunkType { return TypeShutdown }

// MarshalLen implements Chunk.
func (*Shutdown) MarshalLen() int { return 8 }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.8.
func (s *Shutdown) MarshalTo(b []byte) int {
	_ = b[7]
	putChunkHeader(b, TypeShutdown, 0, 8)
	binary.BigEndian.PutUint32(b[4:], s.CumTSNAck)
	return 8
}

func marshalEmpty(b []byte, t ChunkType, flags uint8) int {
	_ = b[3]
	putChunkHeader(b, t, flags, chunkHeaderLen)
	return chunkHeaderLen
}

// Type implements Chunk.
func (*ShutdownAck) Type() ChunkType { return TypeShutdownAck }

// MarshalLen implements Chunk.
func (*ShutdownAck) MarshalLen() int { return chunkHeaderLen }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.9.
func (*ShutdownAck) MarshalTo(b []byte) int { return marshalEmpty(b, TypeShutdownAck, 0) }

// Type implements Chunk.
func (*Error) Type() ChunkType { return TypeError }

// MarshalLen implements Chunk.
func (e *Error) MarshalLen() int { return chunkHeaderLen + causesLen(e.Causes) }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.10.
func (e *Error) MarshalTo(b []byte) int { return marshalCauses(b, TypeError, 0, e.Causes) }

// Type implements Chunk.
func (*CookieEcho) Type() ChunkType { return TypeCookieEcho }

// MarshalLen implements Chunk.
func (c *CookieEcho) MarshalLen() int { return chunkHeaderLen + len(c.Cookie) }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.11.
func (c *CookieEcho) MarshalTo(b []byte) int {
	l := c.MarshalLen()
	_ = b[Padded(l)-1]
	putChunkHeader(b, TypeCookieEcho, 0, l)
	copy(b[chunkHeaderLen:], c.Cookie)
	return pad(b, l)
}

// Type implements Chunk.
func (*CookieAck) Type() ChunkType { return TypeCookieAck }

// MarshalLen implements Chunk.
func (*CookieAck) MarshalLen() int { return chunkHeaderLen }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.12.
func (*CookieAck) MarshalTo(b []byte) int { return marshalEmpty(b, TypeCookieAck, 0) }

// Type implements Chunk.
func (*ShutdownComplete) Type() ChunkType { return TypeShutdownComplete }

// MarshalLen implements Chunk.
func (*ShutdownComplete) MarshalLen() int { return chunkHeaderLen }

// MarshalTo implements Chunk. Spec: RFC 9260 §3.3.13.
func (s *ShutdownComplete) MarshalTo(b []byte) int {
	var flags uint8
	if s.T {
		flags = flagT
	}
	return marshalEmpty(b, TypeShutdownComplete, flags)
}

// Type implements Chunk.
func (u *Unknown) Type() ChunkType { return u.ChunkType }

// MarshalLen implements Chunk.
func (u *Unknown) MarshalLen() int { return chunkHeaderLen + len(u.Value) }

// MarshalTo implements Chunk: it writes the chunk back as received, so it
// can be echoed in an Unrecognized Chunk Type cause (see UnknownChunkCause).
func (u *Unknown) MarshalTo(b []byte) int {
	l := u.MarshalLen()
	_ = b[Padded(l)-1]
	putChunkHeader(b, u.ChunkType, u.Flags, l)
	copy(b[chunkHeaderLen:], u.Value)
	return pad(b, l)
}
