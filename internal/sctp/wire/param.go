package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// nextTLV reads one type-length-value (a parameter or an error cause) at the
// start of b and returns its type, its value (capacity capped) and what
// follows it and its padding. The last TLV may lack its padding.
// Spec: RFC 9260 §3.2.1, §3.3.10.
func nextTLV(b []byte) (t uint16, v, rest []byte, err error) {
	if len(b) < 4 {
		return 0, nil, nil, fmt.Errorf("%w: %d bytes left, shorter than a parameter/cause header", ErrMalformed, len(b))
	}
	t = binary.BigEndian.Uint16(b)
	l := int(binary.BigEndian.Uint16(b[2:]))
	if l < 4 || l > len(b) {
		return 0, nil, nil, fmt.Errorf("%w: parameter/cause type %d length %d outside 4..%d", ErrMalformed, t, l, len(b))
	}
	return t, b[4:l:l], b[min(Padded(l), len(b)):], nil
}

// countTLVs validates the TLVs of b and counts them.
func countTLVs(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		var err error
		if _, _, b, err = nextTLV(b); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// ParseParams decodes a list of parameters, as in INIT and INIT ACK or in
// the value of an Unrecognized Parameter parameter. The values alias b. An
// empty list is nil. Spec: RFC 9260 §3.2.1.
func ParseParams(b []byte) ([]Param, error) {
	n, err := countTLVs(b)
	if err != nil || n == 0 {
		return nil, err
	}
	ps := make([]Param, n)
	for i := range ps {
		var t uint16
		t, ps[i].Value, b, _ = nextTLV(b)
		ps[i].Type = ParamType(t)
	}
	return ps, nil
}

// parseCauses decodes the error causes of an ABORT or ERROR chunk. The
// infos alias b. An empty list is nil. Spec: RFC 9260 §3.3.10.
func parseCauses(b []byte) ([]Cause, error) {
	n, err := countTLVs(b)
	if err != nil || n == 0 {
		return nil, err
	}
	cs := make([]Cause, n)
	for i := range cs {
		var t uint16
		t, cs[i].Info, b, _ = nextTLV(b)
		cs[i].Code = CauseCode(t)
	}
	return cs, nil
}

// putTLV writes one TLV and its zero padding and returns the padded length.
func putTLV(b []byte, t uint16, v []byte) int {
	l := 4 + len(v)
	_ = b[Padded(l)-1]
	binary.BigEndian.PutUint16(b, t)
	binary.BigEndian.PutUint16(b[2:], uint16(l))
	copy(b[4:], v)
	return pad(b, l)
}

// paramsLen is the length of a parameter list as counted in a chunk length:
// every parameter padded but the last. Spec: RFC 9260 §3.2.
func paramsLen(ps []Param) int {
	n := 0
	for _, p := range ps {
		n = Padded(n) + 4 + len(p.Value)
	}
	return n
}

// causesLen is paramsLen for error causes.
func causesLen(cs []Cause) int {
	n := 0
	for _, c := range cs {
		n = Padded(n) + 4 + len(c.Info)
	}
	return n
}

// putParams writes ps, each padded, and returns the bytes written.
func putParams(b []byte, ps []Param) int {
	n := 0
	for _, p := range ps {
		n += putTLV(b[n:], uint16(p.Type), p.Value)
	}
	return n
}

// MarshalParams returns ps encoded as TLVs, each with its padding, as the
// value of an Unrecognized Parameter parameter or cause carries them. The
// last one is padded too: Wireshark flags a nested parameter whose padding
// is missing, and receivers (usrsctp, Linux) read the TLV length either way.
func MarshalParams(ps []Param) []byte {
	b := make([]byte, Padded(paramsLen(ps)))
	putParams(b, ps)
	return b
}

// FindParam returns the first parameter of type t in ps.
func FindParam(ps []Param, t ParamType) (Param, bool) {
	for _, p := range ps {
		if p.Type == t {
			return p, true
		}
	}
	return Param{}, false
}

// AddrParam is the IPv4 or IPv6 Address parameter for a. Spec: RFC 9260 §3.3.2.1.
func AddrParam(a netip.Addr) Param {
	if a.Is4() || a.Is4In6() {
		v := a.Unmap().As4()
		return Param{Type: ParamIPv4Address, Value: v[:]}
	}
	v := a.As16()
	return Param{Type: ParamIPv6Address, Value: v[:]}
}

// Addr decodes an IPv4 or IPv6 Address parameter; ok is false for any other
// parameter or a value of the wrong length. Spec: RFC 9260 §3.3.2.1.
func (p Param) Addr() (a netip.Addr, ok bool) {
	switch {
	case p.Type == ParamIPv4Address && len(p.Value) == 4:
		return netip.AddrFrom4([4]byte(p.Value)), true
	case p.Type == ParamIPv6Address && len(p.Value) == 16:
		return netip.AddrFrom16([16]byte(p.Value)), true
	}
	return netip.Addr{}, false
}

// SupportedAddrTypesParam lists the address types the sender supports
// (ParamIPv4Address, ParamIPv6Address, ParamHostNameAddress).
// Spec: RFC 9260 §3.3.2.1.
func SupportedAddrTypesParam(ts ...ParamType) Param {
	v := make([]byte, 2*len(ts))
	for i, t := range ts {
		binary.BigEndian.PutUint16(v[2*i:], uint16(t))
	}
	return Param{Type: ParamSupportedAddrTypes, Value: v}
}

// CookiePreservativeParam asks the peer for msec more cookie lifetime.
// Spec: RFC 9260 §3.3.2.1.
func CookiePreservativeParam(msec uint32) Param {
	return Param{Type: ParamCookiePreservative, Value: binary.BigEndian.AppendUint32(nil, msec)}
}

// UnrecognizedParam wraps one parameter of a received INIT that the
// receiver does not know and whose type bits ask for a report, for the
// INIT ACK; each reported parameter gets its own wrapper.
// Spec: RFC 9260 §3.3.3.1, §3.2.1.
func UnrecognizedParam(p Param) Param {
	return Param{Type: ParamUnrecognized, Value: MarshalParams([]Param{p})}
}

// UnrecognizedParamsCause reports parameters of a received INIT ACK that the
// receiver does not know. Spec: RFC 9260 §3.3.10.8.
func UnrecognizedParamsCause(ps ...Param) Cause {
	return Cause{Code: CauseUnrecognizedParams, Info: MarshalParams(ps)}
}

// UnrecognizedChunkCause reports an unrecognized chunk; raw is the whole
// chunk as received (header and value, no padding), and the cause aliases
// it. Spec: RFC 9260 §3.3.10.6.
func UnrecognizedChunkCause(raw []byte) Cause {
	return Cause{Code: CauseUnrecognizedChunk, Info: raw}
}

// UnknownChunkCause is UnrecognizedChunkCause for a parsed unknown chunk,
// re-encoded into a new buffer.
func UnknownChunkCause(u *Unknown) Cause {
	b := make([]byte, Padded(u.MarshalLen()))
	u.MarshalTo(b)
	return UnrecognizedChunkCause(b[:u.MarshalLen()])
}

// InvalidStreamCause reports DATA sent to a stream that does not exist.
// Spec: RFC 9260 §3.3.10.1.
func InvalidStreamCause(stream uint16) Cause {
	v := make([]byte, 4) // stream id, 16 reserved bits
	binary.BigEndian.PutUint16(v, stream)
	return Cause{Code: CauseInvalidStream, Info: v}
}

// MissingParamCause reports mandatory parameters missing from an INIT or
// INIT ACK. Spec: RFC 9260 §3.3.10.2.
func MissingParamCause(ts ...ParamType) Cause {
	v := binary.BigEndian.AppendUint32(make([]byte, 0, 4+2*len(ts)), uint32(len(ts)))
	for _, t := range ts {
		v = binary.BigEndian.AppendUint16(v, uint16(t))
	}
	return Cause{Code: CauseMissingParam, Info: v}
}

// StaleCookieCause reports a cookie that expired usec microseconds ago.
// Spec: RFC 9260 §3.3.10.3.
func StaleCookieCause(usec uint32) Cause {
	return Cause{Code: CauseStaleCookie, Info: binary.BigEndian.AppendUint32(nil, usec)}
}

// NoUserDataCause reports a DATA chunk with no user data. Spec: RFC 9260 §3.3.10.9.
func NoUserDataCause(tsn uint32) Cause {
	return Cause{Code: CauseNoUserData, Info: binary.BigEndian.AppendUint32(nil, tsn)}
}

// UserInitiatedAbortCause carries the upper layer's reason for an ABORT.
// Spec: RFC 9260 §3.3.10.12.
func UserInitiatedAbortCause(reason []byte) Cause {
	return Cause{Code: CauseUserInitiatedAbort, Info: reason}
}

// ProtocolViolationCause carries a description of a protocol violation.
// Spec: RFC 9260 §3.3.10.13.
func ProtocolViolationCause(info []byte) Cause {
	return Cause{Code: CauseProtocolViolation, Info: info}
}

// String names the chunk type for logs, as RFC 9260 §3.2 and its
// extensions do; other types print in hex.
func (t ChunkType) String() string {
	switch t {
	case TypeData:
		return "DATA"
	case TypeInit:
		return "INIT"
	case TypeInitAck:
		return "INIT ACK"
	case TypeSack:
		return "SACK"
	case TypeHeartbeat:
		return "HEARTBEAT"
	case TypeHeartbeatAck:
		return "HEARTBEAT ACK"
	case TypeAbort:
		return "ABORT"
	case TypeShutdown:
		return "SHUTDOWN"
	case TypeShutdownAck:
		return "SHUTDOWN ACK"
	case TypeError:
		return "ERROR"
	case TypeCookieEcho:
		return "COOKIE ECHO"
	case TypeCookieAck:
		return "COOKIE ACK"
	case 12:
		return "ECNE"
	case 13:
		return "CWR"
	case TypeShutdownComplete:
		return "SHUTDOWN COMPLETE"
	case 15:
		return "AUTH" // RFC 4895
	case 0x40:
		return "I-DATA" // RFC 8260
	case 0x80:
		return "ASCONF ACK" // RFC 5061
	case 0x82:
		return "RE-CONFIG" // RFC 6525
	case 0x84:
		return "PAD" // RFC 4820
	case 0xC0:
		return "FORWARD TSN" // RFC 3758
	case 0xC1:
		return "ASCONF" // RFC 5061
	case 0xC2:
		return "I-FORWARD TSN" // RFC 8260
	}
	return fmt.Sprintf("chunk type 0x%02x", uint8(t))
}

// String names the cause code for logs. Spec: RFC 9260 §3.3.10.
func (c CauseCode) String() string {
	switch c {
	case CauseInvalidStream:
		return "Invalid Stream Identifier"
	case CauseMissingParam:
		return "Missing Mandatory Parameter"
	case CauseStaleCookie:
		return "Stale Cookie Error"
	case CauseOutOfResource:
		return "Out of Resource"
	case CauseUnresolvableAddress:
		return "Unresolvable Address"
	case CauseUnrecognizedChunk:
		return "Unrecognized Chunk Type"
	case CauseInvalidMandatoryParam:
		return "Invalid Mandatory Parameter"
	case CauseUnrecognizedParams:
		return "Unrecognized Parameters"
	case CauseNoUserData:
		return "No User Data"
	case CauseCookieWhileShutdown:
		return "Cookie Received While Shutting Down"
	case CauseRestartNewAddresses:
		return "Restart of an Association with New Addresses"
	case CauseUserInitiatedAbort:
		return "User-Initiated Abort"
	case CauseProtocolViolation:
		return "Protocol Violation"
	}
	return fmt.Sprintf("cause code %d", uint16(c))
}
