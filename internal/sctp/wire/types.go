// Package wire is the SCTP packet codec: the common header, every chunk type
// the go5g stack speaks, their parameters and error causes, and the CRC32c
// checksum. It knows nothing of associations; package sctp drives it.
//
// Parsed values alias the input buffer (DATA user data, cookies, parameter
// values): callers that keep them past the next read must copy.
//
// Spec: RFC 9260 §3 (SCTP packet format).
package wire

// ChunkType is the 8-bit chunk type of RFC 9260 §3.2.
type ChunkType uint8

// Chunk types. Spec: RFC 9260 §3.2.
const (
	TypeData             ChunkType = 0
	TypeInit             ChunkType = 1
	TypeInitAck          ChunkType = 2
	TypeSack             ChunkType = 3
	TypeHeartbeat        ChunkType = 4
	TypeHeartbeatAck     ChunkType = 5
	TypeAbort            ChunkType = 6
	TypeShutdown         ChunkType = 7
	TypeShutdownAck      ChunkType = 8
	TypeError            ChunkType = 9
	TypeCookieEcho       ChunkType = 10
	TypeCookieAck        ChunkType = 11
	TypeShutdownComplete ChunkType = 14
)

// UnknownAction is what RFC 9260 §3.2 says to do with a chunk type (or
// §3.2.1, a parameter type) the receiver does not know, from its two
// high-order bits.
type UnknownAction uint8

const (
	// ActionStop: stop processing the packet, discard it and everything after.
	ActionStop UnknownAction = 0
	// ActionStopReport: as ActionStop, and report it (ERROR / Unrecognized Parameter).
	ActionStopReport UnknownAction = 1
	// ActionSkip: skip it and continue processing.
	ActionSkip UnknownAction = 2
	// ActionSkipReport: skip it, continue, and report it.
	ActionSkipReport UnknownAction = 3
)

// Action returns the handling RFC 9260 §3.2 prescribes for an unknown chunk type.
func (t ChunkType) Action() UnknownAction { return UnknownAction(t >> 6) }

// Chunk is one chunk of a packet. Every chunk type below implements it.
type Chunk interface {
	// Type is the chunk type on the wire.
	Type() ChunkType
	// MarshalLen is the chunk length field: header and value, without padding.
	MarshalLen() int
	// MarshalTo writes the chunk and its padding to b, which must hold at
	// least Padded(MarshalLen()) bytes, and returns the bytes written.
	MarshalTo(b []byte) int
}

// Packet is one SCTP packet: the common header and its chunks.
// Spec: RFC 9260 §3.1.
type Packet struct {
	SrcPort, DstPort uint16
	VerificationTag  uint32
	Chunks           []Chunk
}

// DATA chunk flags. Spec: RFC 9260 §3.3.1.
const (
	FlagEnd       = 0x01 // E: last fragment
	FlagBegin     = 0x02 // B: first fragment
	FlagUnordered = 0x04 // U
	FlagImmediate = 0x08 // I: SACK immediately (RFC 7053)
)

// Data is a DATA chunk (type 0). Spec: RFC 9260 §3.3.1.
type Data struct {
	Flags    uint8 // FlagEnd | FlagBegin | FlagUnordered | FlagImmediate
	TSN      uint32
	StreamID uint16
	SSN      uint16
	PPID     uint32
	UserData []byte
}

// Init is an INIT chunk (type 1); InitAck (type 2) has the same body.
// Spec: RFC 9260 §3.3.2, §3.3.3.
type Init struct {
	InitiateTag uint32
	ARwnd       uint32
	OutStreams  uint16
	InStreams   uint16
	InitialTSN  uint32
	Params      []Param
}

// InitAck is an INIT ACK chunk (type 2). Its Params carry the State Cookie.
type InitAck Init

// GapBlock is one Gap Ack Block of a SACK, offsets from the cumulative TSN ack.
type GapBlock struct{ Start, End uint16 }

// Sack is a SACK chunk (type 3). Spec: RFC 9260 §3.3.4.
type Sack struct {
	CumTSNAck uint32
	ARwnd     uint32
	Gaps      []GapBlock
	DupTSNs   []uint32
}

// Heartbeat is a HEARTBEAT chunk (type 4); Info is the value of the
// Heartbeat Info parameter (type 1), opaque to the peer. Spec: RFC 9260 §3.3.5.
type Heartbeat struct{ Info []byte }

// HeartbeatAck is a HEARTBEAT ACK chunk (type 5). Spec: RFC 9260 §3.3.6.
type HeartbeatAck struct{ Info []byte }

// Abort is an ABORT chunk (type 6). T set means the verification tag is the
// sender's own (reflected). Spec: RFC 9260 §3.3.7.
type Abort struct {
	T      bool
	Causes []Cause
}

// Shutdown is a SHUTDOWN chunk (type 7). Spec: RFC 9260 §3.3.8.
type Shutdown struct{ CumTSNAck uint32 }

// ShutdownAck is a SHUTDOWN ACK chunk (type 8). Spec: RFC 9260 §3.3.9.
type ShutdownAck struct{}

// Error is an Operation Error chunk (type 9). Spec: RFC 9260 §3.3.10.
type Error struct{ Causes []Cause }

// CookieEcho is a COOKIE ECHO chunk (type 10). Spec: RFC 9260 §3.3.11.
type CookieEcho struct{ Cookie []byte }

// CookieAck is a COOKIE ACK chunk (type 11). Spec: RFC 9260 §3.3.12.
type CookieAck struct{}

// ShutdownComplete is a SHUTDOWN COMPLETE chunk (type 14). Spec: RFC 9260 §3.3.13.
type ShutdownComplete struct{ T bool }

// Unknown is a chunk of a type this codec does not decode, kept whole so the
// receiver can act on its type bits and report it in an ERROR chunk.
type Unknown struct {
	ChunkType ChunkType
	Flags     uint8
	Value     []byte
}

// ParamType is a 16-bit parameter type. Spec: RFC 9260 §3.2.1.
type ParamType uint16

// Parameter types of INIT / INIT ACK and HEARTBEAT. Spec: RFC 9260 §3.3.2, §3.3.3.
const (
	ParamHeartbeatInfo       ParamType = 1
	ParamIPv4Address         ParamType = 5
	ParamIPv6Address         ParamType = 6
	ParamStateCookie         ParamType = 7
	ParamUnrecognized        ParamType = 8
	ParamCookiePreservative  ParamType = 9
	ParamHostNameAddress     ParamType = 11
	ParamSupportedAddrTypes  ParamType = 12
	ParamECNCapable          ParamType = 0x8000
	ParamForwardTSNSupported ParamType = 0xC000
	ParamSupportedExtensions ParamType = 0x8008
)

// Action returns the handling RFC 9260 §3.2.1 prescribes for an unknown parameter type.
func (t ParamType) Action() UnknownAction { return UnknownAction(t >> 14) }

// Param is one type-length-value parameter; Value excludes header and padding.
type Param struct {
	Type  ParamType
	Value []byte
}

// CauseCode is an error cause code. Spec: RFC 9260 §3.3.10.
type CauseCode uint16

// Error cause codes. Spec: RFC 9260 §3.3.10.1-§3.3.10.13.
const (
	CauseInvalidStream         CauseCode = 1
	CauseMissingParam          CauseCode = 2
	CauseStaleCookie           CauseCode = 3
	CauseOutOfResource         CauseCode = 4
	CauseUnresolvableAddress   CauseCode = 5
	CauseUnrecognizedChunk     CauseCode = 6
	CauseInvalidMandatoryParam CauseCode = 7
	CauseUnrecognizedParams    CauseCode = 8
	CauseNoUserData            CauseCode = 9
	CauseCookieWhileShutdown   CauseCode = 10
	CauseRestartNewAddresses   CauseCode = 11
	CauseUserInitiatedAbort    CauseCode = 12
	CauseProtocolViolation     CauseCode = 13
)

// Cause is one error cause TLV; Info excludes header and padding.
type Cause struct {
	Code CauseCode
	Info []byte
}

// Padded rounds n up to the 4-byte boundary chunks and parameters are padded to.
func Padded(n int) int { return (n + 3) &^ 3 }
