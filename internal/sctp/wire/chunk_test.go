package wire

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// goldenChunk is one chunk in structured and wire form. wire includes the
// chunk's padding. parseOnly marks a valid encoding that Parse accepts but
// MarshalTo writes differently (padding counted in a length, ignored bits).
type goldenChunk struct {
	name      string
	chunk     Chunk
	wire      []byte
	parseOnly bool
}

var goldenChunks = []goldenChunk{
	{
		name:  "DATA ordered, unfragmented",
		chunk: &Data{Flags: FlagBegin | FlagEnd, TSN: 1, StreamID: 0, SSN: 0, PPID: 60, UserData: []byte("hello")},
		wire: []byte{
			0x00, 0x03, 0x00, 0x15, // type DATA, flags B|E, length 21
			0x00, 0x00, 0x00, 0x01, // TSN 1
			0x00, 0x00, // stream identifier 0
			0x00, 0x00, // stream sequence number 0
			0x00, 0x00, 0x00, 0x3c, // PPID 60 (NGAP)
			'h', 'e', 'l', 'l', 'o', // user data
			0x00, 0x00, 0x00, // padding
		},
	},
	{
		name:  "DATA unordered middle fragment",
		chunk: &Data{Flags: FlagUnordered, TSN: 0xfffffffe, StreamID: 7, SSN: 0x1234, PPID: 0, UserData: []byte{0xde, 0xad, 0xbe, 0xef}},
		wire: []byte{
			0x00, 0x04, 0x00, 0x14, // type DATA, flags U, length 20
			0xff, 0xff, 0xff, 0xfe, // TSN
			0x00, 0x07, // stream identifier 7
			0x12, 0x34, // stream sequence number (kept, unused when unordered)
			0x00, 0x00, 0x00, 0x00, // PPID 0
			0xde, 0xad, 0xbe, 0xef, // user data, no padding needed
		},
	},
	{
		name:  "DATA first fragment, SACK immediately",
		chunk: &Data{Flags: FlagBegin | FlagImmediate, TSN: 0x10, StreamID: 1, SSN: 2, PPID: 60, UserData: []byte{0x01}},
		wire: []byte{
			0x00, 0x0a, 0x00, 0x11, // type DATA, flags I|B, length 17
			0x00, 0x00, 0x00, 0x10, // TSN 16
			0x00, 0x01, // stream identifier 1
			0x00, 0x02, // stream sequence number 2
			0x00, 0x00, 0x00, 0x3c, // PPID 60
			0x01,             // user data
			0x00, 0x00, 0x00, // padding
		},
	},
	{
		name:  "DATA last fragment",
		chunk: &Data{Flags: FlagEnd, TSN: 0x11, StreamID: 1, SSN: 2, PPID: 60, UserData: []byte{0x02, 0x03}},
		wire: []byte{
			0x00, 0x01, 0x00, 0x12, // type DATA, flags E, length 18
			0x00, 0x00, 0x00, 0x11, // TSN 17
			0x00, 0x01, // stream identifier 1
			0x00, 0x02, // stream sequence number 2
			0x00, 0x00, 0x00, 0x3c, // PPID 60
			0x02, 0x03, // user data
			0x00, 0x00, // padding
		},
	},
	{
		name:  "DATA with no user data",
		chunk: &Data{Flags: FlagBegin | FlagEnd, TSN: 5, PPID: 60},
		wire: []byte{
			0x00, 0x03, 0x00, 0x10, // type DATA, flags B|E, length 16: no user data
			0x00, 0x00, 0x00, 0x05, // TSN 5
			0x00, 0x00, // stream identifier 0
			0x00, 0x00, // stream sequence number 0
			0x00, 0x00, 0x00, 0x3c, // PPID 60
		},
	},
	{
		name:      "DATA with non-zero padding",
		parseOnly: true,
		chunk:     &Data{Flags: FlagBegin | FlagEnd, TSN: 6, UserData: []byte{0x07}},
		wire: []byte{
			0x00, 0x03, 0x00, 0x11, // type DATA, flags B|E, length 17
			0x00, 0x00, 0x00, 0x06, // TSN 6
			0x00, 0x00, 0x00, 0x00, // stream 0, SSN 0
			0x00, 0x00, 0x00, 0x00, // PPID 0
			0x07,             // user data
			0xff, 0xff, 0xff, // padding the receiver ignores (§3.2)
		},
	},
	{
		name: "INIT with addresses, supported address types, cookie preservative, unknown parameters",
		chunk: &Init{
			InitiateTag: 0x11223344, ARwnd: 0x20000, OutStreams: 10, InStreams: 0xffff, InitialTSN: 0xa0b0c0d0,
			Params: []Param{
				{Type: ParamIPv4Address, Value: []byte{192, 0, 2, 1}},
				{Type: ParamIPv6Address, Value: []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
				{Type: ParamCookiePreservative, Value: []byte{0x00, 0x00, 0x27, 0x10}},
				{Type: ParamSupportedAddrTypes, Value: []byte{0x00, 0x05, 0x00, 0x06}},
				{Type: ParamECNCapable, Value: []byte{}},
				{Type: 0x4001, Value: []byte{0xaa, 0xbb, 0xcc}},
				{Type: 0xc0ff, Value: []byte{0x01}},
			},
		},
		wire: []byte{
			0x01, 0x00, 0x00, 0x51, // type INIT, flags 0, length 81 (last parameter's padding not counted)
			0x11, 0x22, 0x33, 0x44, // initiate tag
			0x00, 0x02, 0x00, 0x00, // a_rwnd 131072
			0x00, 0x0a, // outbound streams 10
			0xff, 0xff, // maximum inbound streams 65535
			0xa0, 0xb0, 0xc0, 0xd0, // initial TSN
			0x00, 0x05, 0x00, 0x08, // IPv4 Address, length 8
			192, 0, 2, 1, // 192.0.2.1
			0x00, 0x06, 0x00, 0x14, // IPv6 Address, length 20
			0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // 2001:db8::1
			0x00, 0x09, 0x00, 0x08, // Cookie Preservative, length 8
			0x00, 0x00, 0x27, 0x10, // 10000 ms
			0x00, 0x0c, 0x00, 0x08, // Supported Address Types, length 8
			0x00, 0x05, 0x00, 0x06, // IPv4, IPv6
			0x80, 0x00, 0x00, 0x04, // ECN Capable (0x8000), length 4
			0x40, 0x01, 0x00, 0x07, // unknown type 0x4001 (stop and report), length 7
			0xaa, 0xbb, 0xcc, 0x00, // value, padding
			0xc0, 0xff, 0x00, 0x05, // unknown type 0xc0ff (skip and report), length 5
			0x01, 0x00, 0x00, 0x00, // value, padding
		},
	},
	{
		name:  "INIT without parameters",
		chunk: &Init{InitiateTag: 1, ARwnd: 1500, OutStreams: 1, InStreams: 1, InitialTSN: 0},
		wire: []byte{
			0x01, 0x00, 0x00, 0x14, // type INIT, flags 0, length 20
			0x00, 0x00, 0x00, 0x01, // initiate tag 1
			0x00, 0x00, 0x05, 0xdc, // a_rwnd 1500
			0x00, 0x01, 0x00, 0x01, // outbound 1, inbound 1
			0x00, 0x00, 0x00, 0x00, // initial TSN 0
		},
	},
	{
		name: "INIT with an odd-length last parameter",
		chunk: &Init{InitiateTag: 2, ARwnd: 1500, OutStreams: 1, InStreams: 1, InitialTSN: 9,
			Params: []Param{{Type: ParamSupportedAddrTypes, Value: []byte{0x00, 0x05}}}},
		wire: []byte{
			0x01, 0x00, 0x00, 0x1a, // type INIT, flags 0, length 26
			0x00, 0x00, 0x00, 0x02, // initiate tag 2
			0x00, 0x00, 0x05, 0xdc, // a_rwnd 1500
			0x00, 0x01, 0x00, 0x01, // outbound 1, inbound 1
			0x00, 0x00, 0x00, 0x09, // initial TSN 9
			0x00, 0x0c, 0x00, 0x06, // Supported Address Types, length 6
			0x00, 0x05, // IPv4
			0x00, 0x00, // padding (of parameter and chunk)
		},
	},
	{
		name:      "INIT whose length counts the last parameter's padding",
		parseOnly: true,
		chunk: &Init{InitiateTag: 2, ARwnd: 1500, OutStreams: 1, InStreams: 1, InitialTSN: 9,
			Params: []Param{{Type: ParamSupportedAddrTypes, Value: []byte{0x00, 0x05}}}},
		wire: []byte{
			0x01, 0x00, 0x00, 0x1c, // type INIT, flags 0, length 28
			0x00, 0x00, 0x00, 0x02, // initiate tag 2
			0x00, 0x00, 0x05, 0xdc, // a_rwnd 1500
			0x00, 0x01, 0x00, 0x01, // outbound 1, inbound 1
			0x00, 0x00, 0x00, 0x09, // initial TSN 9
			0x00, 0x0c, 0x00, 0x06, // Supported Address Types, length 6
			0x00, 0x05, // IPv4
			0x00, 0x00, // padding, counted in the chunk length
		},
	},
	{
		name: "INIT ACK with state cookie and unrecognized parameter",
		chunk: &InitAck{InitiateTag: 0xdeadbeef, ARwnd: 0xffff, OutStreams: 2, InStreams: 2, InitialTSN: 1,
			Params: []Param{
				{Type: ParamStateCookie, Value: []byte{1, 2, 3, 4, 5, 6, 7}},
				{Type: ParamUnrecognized, Value: []byte{0x40, 0x01, 0x00, 0x07, 0xaa, 0xbb, 0xcc, 0x00}},
			}},
		wire: []byte{
			0x02, 0x00, 0x00, 0x2c, // type INIT ACK, flags 0, length 44
			0xde, 0xad, 0xbe, 0xef, // initiate tag
			0x00, 0x00, 0xff, 0xff, // a_rwnd 65535
			0x00, 0x02, 0x00, 0x02, // outbound 2, inbound 2
			0x00, 0x00, 0x00, 0x01, // initial TSN 1
			0x00, 0x07, 0x00, 0x0b, // State Cookie, length 11
			1, 2, 3, 4, 5, 6, 7, 0x00, // cookie, padding
			0x00, 0x08, 0x00, 0x0c, // Unrecognized Parameter, length 12
			0x40, 0x01, 0x00, 0x07, 0xaa, 0xbb, 0xcc, // the INIT's parameter 0x4001 as received,
			0x00, // with its padding
		},
	},
	{
		name:  "SACK without gap blocks or duplicates",
		chunk: &Sack{CumTSNAck: 100, ARwnd: 0x10000},
		wire: []byte{
			0x03, 0x00, 0x00, 0x10, // type SACK, flags 0, length 16
			0x00, 0x00, 0x00, 0x64, // cumulative TSN ack 100
			0x00, 0x01, 0x00, 0x00, // a_rwnd 65536
			0x00, 0x00, // 0 gap ack blocks
			0x00, 0x00, // 0 duplicate TSNs
		},
	},
	{
		name: "SACK with gap blocks and duplicate TSNs",
		chunk: &Sack{CumTSNAck: 0xfffffff0, ARwnd: 4096,
			Gaps:    []GapBlock{{2, 3}, {5, 5}, {0x10, 0x20}},
			DupTSNs: []uint32{0xffffffee, 1}},
		wire: []byte{
			0x03, 0x00, 0x00, 0x24, // type SACK, flags 0, length 36
			0xff, 0xff, 0xff, 0xf0, // cumulative TSN ack
			0x00, 0x00, 0x10, 0x00, // a_rwnd 4096
			0x00, 0x03, // 3 gap ack blocks
			0x00, 0x02, // 2 duplicate TSNs
			0x00, 0x02, 0x00, 0x03, // gap 1: start 2, end 3
			0x00, 0x05, 0x00, 0x05, // gap 2: start 5, end 5
			0x00, 0x10, 0x00, 0x20, // gap 3: start 16, end 32
			0xff, 0xff, 0xff, 0xee, // duplicate TSN 1
			0x00, 0x00, 0x00, 0x01, // duplicate TSN 2
		},
	},
	{
		name:  "SACK with duplicate TSNs only",
		chunk: &Sack{CumTSNAck: 7, ARwnd: 0, DupTSNs: []uint32{6}},
		wire: []byte{
			0x03, 0x00, 0x00, 0x14, // type SACK, flags 0, length 20
			0x00, 0x00, 0x00, 0x07, // cumulative TSN ack 7
			0x00, 0x00, 0x00, 0x00, // a_rwnd 0
			0x00, 0x00, // 0 gap ack blocks
			0x00, 0x01, // 1 duplicate TSN
			0x00, 0x00, 0x00, 0x06, // duplicate TSN 6
		},
	},
	{
		name:      "SACK with bytes after its lists",
		parseOnly: true,
		chunk:     &Sack{CumTSNAck: 7, ARwnd: 0},
		wire: []byte{
			0x03, 0x00, 0x00, 0x14, // type SACK, flags 0, length 20
			0x00, 0x00, 0x00, 0x07, // cumulative TSN ack 7
			0x00, 0x00, 0x00, 0x00, // a_rwnd 0
			0x00, 0x00, 0x00, 0x00, // 0 gap ack blocks, 0 duplicate TSNs
			0x01, 0x02, 0x03, 0x04, // ignored
		},
	},
	{
		name:  "HEARTBEAT",
		chunk: &Heartbeat{Info: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		wire: []byte{
			0x04, 0x00, 0x00, 0x12, // type HEARTBEAT, flags 0, length 18
			0x00, 0x01, 0x00, 0x0e, // Heartbeat Info, length 14
			0, 1, 2, 3, 4, 5, 6, 7, 8, 9, // sender-specific information
			0x00, 0x00, // padding
		},
	},
	{
		name:      "HEARTBEAT whose length counts the parameter padding",
		parseOnly: true,
		chunk:     &Heartbeat{Info: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		wire: []byte{
			0x04, 0x00, 0x00, 0x14, // type HEARTBEAT, flags 0, length 20
			0x00, 0x01, 0x00, 0x0e, // Heartbeat Info, length 14
			0, 1, 2, 3, 4, 5, 6, 7, 8, 9, // sender-specific information
			0x00, 0x00, // padding, counted in the chunk length
		},
	},
	{
		name:  "HEARTBEAT ACK",
		chunk: &HeartbeatAck{Info: []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1}},
		wire: []byte{
			0x05, 0x00, 0x00, 0x10, // type HEARTBEAT ACK, flags 0, length 16
			0x00, 0x01, 0x00, 0x0c, // Heartbeat Info, length 12
			0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1, // the HEARTBEAT's information, echoed
		},
	},
	{
		name:  "HEARTBEAT ACK with empty information",
		chunk: &HeartbeatAck{},
		wire: []byte{
			0x05, 0x00, 0x00, 0x08, // type HEARTBEAT ACK, flags 0, length 8
			0x00, 0x01, 0x00, 0x04, // Heartbeat Info, length 4
		},
	},
	{
		name:  "ABORT with T bit, no causes",
		chunk: &Abort{T: true},
		wire: []byte{
			0x06, 0x01, 0x00, 0x04, // type ABORT, flags T, length 4
		},
	},
	{
		name: "ABORT with causes",
		chunk: &Abort{Causes: []Cause{
			{Code: CauseUserInitiatedAbort, Info: []byte("bye")},
			{Code: CauseProtocolViolation, Info: []byte("x")},
		}},
		wire: []byte{
			0x06, 0x00, 0x00, 0x11, // type ABORT, flags 0, length 17
			0x00, 0x0c, 0x00, 0x07, // User-Initiated Abort, length 7
			'b', 'y', 'e', 0x00, // reason, padding
			0x00, 0x0d, 0x00, 0x05, // Protocol Violation, length 5
			'x', 0x00, 0x00, 0x00, // information, padding
		},
	},
	{
		name:  "ABORT with T bit and No User Data",
		chunk: &Abort{T: true, Causes: []Cause{{Code: CauseNoUserData, Info: []byte{0, 0, 0, 5}}}},
		wire: []byte{
			0x06, 0x01, 0x00, 0x0c, // type ABORT, flags T, length 12
			0x00, 0x09, 0x00, 0x08, // No User Data, length 8
			0x00, 0x00, 0x00, 0x05, // TSN 5
		},
	},
	{
		name:      "ABORT with reserved flags set",
		parseOnly: true,
		chunk:     &Abort{T: false},
		wire: []byte{
			0x06, 0xfe, 0x00, 0x04, // type ABORT, flags: all but T, ignored (§3.2)
		},
	},
	{
		name:  "SHUTDOWN",
		chunk: &Shutdown{CumTSNAck: 0x12345678},
		wire: []byte{
			0x07, 0x00, 0x00, 0x08, // type SHUTDOWN, flags 0, length 8
			0x12, 0x34, 0x56, 0x78, // cumulative TSN ack
		},
	},
	{
		name:  "SHUTDOWN ACK",
		chunk: &ShutdownAck{},
		wire: []byte{
			0x08, 0x00, 0x00, 0x04, // type SHUTDOWN ACK, flags 0, length 4
		},
	},
	{
		name:      "SHUTDOWN ACK with flags set",
		parseOnly: true,
		chunk:     &ShutdownAck{},
		wire: []byte{
			0x08, 0xff, 0x00, 0x04, // type SHUTDOWN ACK, flags ignored, length 4
		},
	},
	{
		name: "ERROR with Invalid Stream Identifier and Stale Cookie",
		chunk: &Error{Causes: []Cause{
			{Code: CauseInvalidStream, Info: []byte{0x00, 0x07, 0x00, 0x00}},
			{Code: CauseStaleCookie, Info: []byte{0x00, 0x0f, 0x42, 0x40}},
		}},
		wire: []byte{
			0x09, 0x00, 0x00, 0x14, // type ERROR, flags 0, length 20
			0x00, 0x01, 0x00, 0x08, // Invalid Stream Identifier, length 8
			0x00, 0x07, 0x00, 0x00, // stream 7, reserved
			0x00, 0x03, 0x00, 0x08, // Stale Cookie Error, length 8
			0x00, 0x0f, 0x42, 0x40, // measure of staleness 1000000 us
		},
	},
	{
		name:  "ERROR with Unrecognized Chunk Type",
		chunk: &Error{Causes: []Cause{{Code: CauseUnrecognizedChunk, Info: []byte{0x40, 0x00, 0x00, 0x05, 0x99}}}},
		wire: []byte{
			0x09, 0x00, 0x00, 0x0d, // type ERROR, flags 0, length 13
			0x00, 0x06, 0x00, 0x09, // Unrecognized Chunk Type, length 9
			0x40, 0x00, 0x00, 0x05, 0x99, // the chunk: type 0x40, flags 0, length 5, value
			0x00, 0x00, 0x00, // padding
		},
	},
	{
		name:  "ERROR with Unrecognized Parameters",
		chunk: &Error{Causes: []Cause{{Code: CauseUnrecognizedParams, Info: []byte{0x8a, 0xbc, 0x00, 0x04}}}},
		wire: []byte{
			0x09, 0x00, 0x00, 0x0c, // type ERROR, flags 0, length 12
			0x00, 0x08, 0x00, 0x08, // Unrecognized Parameters, length 8
			0x8a, 0xbc, 0x00, 0x04, // parameter 0x8abc, length 4, as received
		},
	},
	{
		name:  "ERROR without causes",
		chunk: &Error{},
		wire: []byte{
			0x09, 0x00, 0x00, 0x04, // type ERROR, flags 0, length 4
		},
	},
	{
		name:  "COOKIE ECHO",
		chunk: &CookieEcho{Cookie: []byte{0xc0, 0x01, 0xc0, 0x02, 0xc0, 0x03}},
		wire: []byte{
			0x0a, 0x00, 0x00, 0x0a, // type COOKIE ECHO, flags 0, length 10
			0xc0, 0x01, 0xc0, 0x02, 0xc0, 0x03, // cookie
			0x00, 0x00, // padding
		},
	},
	{
		name:  "COOKIE ECHO with empty cookie",
		chunk: &CookieEcho{},
		wire: []byte{
			0x0a, 0x00, 0x00, 0x04, // type COOKIE ECHO, flags 0, length 4
		},
	},
	{
		name:  "COOKIE ACK",
		chunk: &CookieAck{},
		wire: []byte{
			0x0b, 0x00, 0x00, 0x04, // type COOKIE ACK, flags 0, length 4
		},
	},
	{
		name:      "COOKIE ACK with a value",
		parseOnly: true,
		chunk:     &CookieAck{},
		wire: []byte{
			0x0b, 0x00, 0x00, 0x08, // type COOKIE ACK, flags 0, length 8
			0x01, 0x02, 0x03, 0x04, // ignored
		},
	},
	{
		name:  "SHUTDOWN COMPLETE with T bit",
		chunk: &ShutdownComplete{T: true},
		wire: []byte{
			0x0e, 0x01, 0x00, 0x04, // type SHUTDOWN COMPLETE, flags T, length 4
		},
	},
	{
		name:  "SHUTDOWN COMPLETE",
		chunk: &ShutdownComplete{},
		wire: []byte{
			0x0e, 0x00, 0x00, 0x04, // type SHUTDOWN COMPLETE, flags 0, length 4
		},
	},
	{
		name:  "unknown chunk 0x0f (00: stop, discard)",
		chunk: &Unknown{ChunkType: 0x0f, Flags: 0x00, Value: []byte{1, 2, 3, 4}},
		wire: []byte{
			0x0f, 0x00, 0x00, 0x08, // type 15 (AUTH, not decoded), flags 0, length 8
			0x01, 0x02, 0x03, 0x04, // value
		},
	},
	{
		name:  "unknown chunk 0x3f without value",
		chunk: &Unknown{ChunkType: 0x3f},
		wire: []byte{
			0x3f, 0x00, 0x00, 0x04, // type 63, flags 0, length 4
		},
	},
	{
		name:  "unknown chunk 0x40 (01: stop, report)",
		chunk: &Unknown{ChunkType: 0x40, Flags: 0x03, Value: []byte{0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0x3c, 0xab}},
		wire: []byte{
			0x40, 0x03, 0x00, 0x11, // type 0x40 (I-DATA), flags kept, length 17
			0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0x3c, 0xab, // value as received
			0x00, 0x00, 0x00, // padding
		},
	},
	{
		name:  "unknown chunk 0x84 (10: skip)",
		chunk: &Unknown{ChunkType: 0x84, Value: []byte{0, 0, 0, 0, 0}},
		wire: []byte{
			0x84, 0x00, 0x00, 0x09, // type 0x84 (PAD), flags 0, length 9
			0x00, 0x00, 0x00, 0x00, 0x00, // value
			0x00, 0x00, 0x00, // padding
		},
	},
	{
		name:  "unknown chunk 0xc0 (11: skip, report)",
		chunk: &Unknown{ChunkType: 0xc0, Flags: 0x80, Value: []byte{0, 0, 0, 0x10}},
		wire: []byte{
			0xc0, 0x80, 0x00, 0x08, // type 0xc0 (FORWARD TSN), flags kept, length 8
			0x00, 0x00, 0x00, 0x10, // value
		},
	},
}

func TestGoldenChunks(t *testing.T) {
	for _, tc := range goldenChunks {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.wire)%4 != 0 {
				t.Fatalf("bad test case: wire of %d bytes is not padded", len(tc.wire))
			}
			// Parse, inside a packet.
			p, err := Parse(packetWith(tc.wire))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(p.Chunks) != 1 {
				t.Fatalf("Parse: %d chunks, want 1", len(p.Chunks))
			}
			if !equalChunk(p.Chunks[0], tc.chunk) {
				t.Errorf("Parse:\n got %s\nwant %s", dump(p.Chunks[0]), dump(tc.chunk))
			}
			if got, want := p.Chunks[0].Type(), ChunkType(tc.wire[0]); got != want {
				t.Errorf("Type() = %v, want %v", got, want)
			}
			if tc.parseOnly {
				return
			}
			// Length.
			if got, want := tc.chunk.MarshalLen(), int(binary.BigEndian.Uint16(tc.wire[2:])); got != want {
				t.Errorf("MarshalLen() = %d, want %d", got, want)
			}
			// Marshal, into a dirty buffer so unwritten padding shows.
			b := bytes.Repeat([]byte{0xee}, len(tc.wire)+8)
			n := tc.chunk.MarshalTo(b)
			if n != len(tc.wire) || !bytes.Equal(b[:n], tc.wire) {
				t.Errorf("MarshalTo wrote %d bytes\n got % x\nwant % x", n, b[:n], tc.wire)
			}
			if !bytes.Equal(b[n:], bytes.Repeat([]byte{0xee}, 8)) {
				t.Errorf("MarshalTo wrote past its %d bytes: % x", n, b[n:])
			}
			// The same through Packet.
			pkt := Packet{SrcPort: 5001, DstPort: 38412, VerificationTag: 0x01020304, Chunks: []Chunk{tc.chunk}}
			if got, want := pkt.Marshal(), packetWith(tc.wire); !bytes.Equal(got, want) {
				t.Errorf("Packet.Marshal\n got % x\nwant % x", got, want)
			}
			if got, want := pkt.MarshalLen(), HeaderLen+len(tc.wire); got != want {
				t.Errorf("Packet.MarshalLen() = %d, want %d", got, want)
			}
		})
	}
}

func TestUnknownActions(t *testing.T) {
	for _, tc := range []struct {
		t    ChunkType
		want UnknownAction
	}{
		{0x0f, ActionStop}, {0x3f, ActionStop},
		{0x40, ActionStopReport}, {0x7f, ActionStopReport},
		{0x84, ActionSkip}, {0xbf, ActionSkip},
		{0xc0, ActionSkipReport}, {0xff, ActionSkipReport},
	} {
		if got := tc.t.Action(); got != tc.want {
			t.Errorf("ChunkType(%#x).Action() = %d, want %d", uint8(tc.t), got, tc.want)
		}
	}
	for _, tc := range []struct {
		t    ParamType
		want UnknownAction
	}{
		{0x0001, ActionStop}, {0x4001, ActionStopReport}, {ParamECNCapable, ActionSkip}, {0xc0ff, ActionSkipReport},
	} {
		if got := tc.t.Action(); got != tc.want {
			t.Errorf("ParamType(%#x).Action() = %d, want %d", uint16(tc.t), got, tc.want)
		}
	}
}

func TestChunkTypeString(t *testing.T) {
	for ct, want := range map[ChunkType]string{
		TypeData: "DATA", TypeInitAck: "INIT ACK", TypeShutdownComplete: "SHUTDOWN COMPLETE",
		0xc0: "FORWARD TSN", 0x3e: "chunk type 0x3e", 0x05: "HEARTBEAT ACK",
	} {
		if got := ct.String(); got != want {
			t.Errorf("ChunkType(%d).String() = %q, want %q", uint8(ct), got, want)
		}
	}
	if got, want := CauseNoUserData.String(), "No User Data"; got != want {
		t.Errorf("CauseNoUserData.String() = %q, want %q", got, want)
	}
	if got, want := CauseCode(99).String(), "cause code 99"; got != want {
		t.Errorf("CauseCode(99).String() = %q, want %q", got, want)
	}
}
