package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// testHeader is the common header packetWith puts before chunks.
var testHeader = []byte{
	0x13, 0x89, // source port 5001
	0x96, 0x0c, // destination port 38412 (NGAP)
	0x01, 0x02, 0x03, 0x04, // verification tag
	0x00, 0x00, 0x00, 0x00, // checksum, set by packetWith
}

// packetWith returns testHeader followed by chunks, with its checksum set.
func packetWith(chunks ...[]byte) []byte {
	b := append([]byte(nil), testHeader...)
	for _, c := range chunks {
		b = append(b, c...)
	}
	SetChecksum(b)
	return b
}

// normalize sets every empty slice reachable from v to nil, so values that
// differ only in nil versus empty compare equal.
func normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			normalize(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			normalize(v.Field(i))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			if v.CanSet() {
				v.SetZero()
			}
			return
		}
		for i := range v.Len() {
			normalize(v.Index(i))
		}
	}
}

func equalChunk(a, b Chunk) bool {
	normalize(reflect.ValueOf(a))
	normalize(reflect.ValueOf(b))
	return reflect.DeepEqual(a, b)
}

func equalPacket(a, b *Packet) bool {
	normalize(reflect.ValueOf(a))
	normalize(reflect.ValueOf(b))
	return reflect.DeepEqual(a, b)
}

// dump prints a chunk's type and fields, not its pointer.
func dump(c Chunk) string {
	if c == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%T%+v", c, reflect.ValueOf(c).Elem().Interface())
}

func dumpPacket(p *Packet) string {
	s := make([]string, len(p.Chunks))
	for i, c := range p.Chunks {
		s[i] = dump(c)
	}
	return fmt.Sprintf("{%d>%d vtag %#x [%s]}", p.SrcPort, p.DstPort, p.VerificationTag, strings.Join(s, " "))
}

// crc32cBitwise is an independent CRC32c (reflected polynomial 0x82F63B78,
// init and final xor all ones), one bit at a time, to check Checksum by.
func crc32cBitwise(b []byte) uint32 {
	c := ^uint32(0)
	for _, x := range b {
		c ^= uint32(x)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x82f63b78
			} else {
				c >>= 1
			}
		}
	}
	return ^c
}

func TestChecksumCheckValue(t *testing.T) {
	// The CRC-32C check value of the catalogue of parametrised CRCs.
	if got := crc32cBitwise([]byte("123456789")); got != 0xe3069283 {
		t.Fatalf("reference CRC32c(123456789) = %#08x, want 0xe3069283", got)
	}
	// Up to 8 bytes, no checksum field is covered: a plain CRC32c.
	if got := Checksum([]byte("12345678")); got != crc32cBitwise([]byte("12345678")) {
		t.Errorf("Checksum(12345678) = %#08x, want %#08x", got, crc32cBitwise([]byte("12345678")))
	}
	// Bytes 8..11 count as zero, even in a truncated header.
	for _, in := range []string{"123456789", "123456789ab", "123456789abc", "123456789abcdef"} {
		z := []byte(in)
		for i := 8; i < min(12, len(z)); i++ {
			z[i] = 0
		}
		if got, want := Checksum([]byte(in)), crc32cBitwise(z); got != want {
			t.Errorf("Checksum(%q) = %#08x, want %#08x", in, got, want)
		}
	}
}

// usrsctpInit is an INIT sent by Debian's libusrsctp 0.9.5 (an independent
// implementation) over UDP encapsulation on this host, captured from the UDP
// payload: a real packet, and a real checksum, in the wild byte order.
var usrsctpInit = []byte{
	0x13, 0x89, 0x96, 0x0c, // source port 5001, destination port 38412
	0x00, 0x00, 0x00, 0x00, // verification tag 0 (INIT)
	0xaf, 0xa4, 0x29, 0x26, // CRC32c 0x2629a4af, least significant byte first
	0x01, 0x00, 0x00, 0x62, // INIT, flags 0, length 98
	0x76, 0x7d, 0x73, 0xb1, // initiate tag
	0x00, 0x02, 0x00, 0x00, // a_rwnd 131072
	0x00, 0x0a, 0x08, 0x00, // outbound streams 10, inbound 2048
	0x49, 0xc1, 0x9d, 0xd5, // initial TSN
	0x80, 0x00, 0x00, 0x04, // ECN Capable
	0xc0, 0x00, 0x00, 0x04, // Forward-TSN Supported
	0x80, 0x08, 0x00, 0x09, 0xc0, 0x0f, 0xc1, 0x80, 0x82, 0x00, 0x00, 0x00, // Supported Extensions, padded
	0x80, 0x02, 0x00, 0x24, // Random (RFC 4895), length 36
	0x4c, 0x24, 0x29, 0xd8, 0x3f, 0x43, 0x7a, 0x0c, 0x1f, 0xe0, 0xb9, 0xab, 0xd6, 0x66, 0xdf, 0x81,
	0x17, 0xec, 0xcd, 0xc2, 0xf4, 0x08, 0x2f, 0xf5, 0x3e, 0xd2, 0x7d, 0x7c, 0x1f, 0xc3, 0x2e, 0x37,
	0x80, 0x04, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, // Requested HMAC Algorithm: SHA-1, padded
	0x80, 0x03, 0x00, 0x06, 0x80, 0xc1, 0x00, 0x00, // Chunk List: ASCONF ACK, ASCONF, padded
	0x00, 0x0c, 0x00, 0x06, 0x00, 0x05, // Supported Address Types: IPv4 (last, padding not counted)
	0x00, 0x00, // chunk padding
}

func TestRealPacket(t *testing.T) {
	if got, want := Checksum(usrsctpInit), binary.LittleEndian.Uint32(usrsctpInit[8:]); got != want {
		t.Fatalf("Checksum = %#08x, usrsctp wrote %#08x", got, want)
	}
	z := bytes.Clone(usrsctpInit)
	clear(z[8:12])
	if got, want := crc32cBitwise(z), binary.LittleEndian.Uint32(usrsctpInit[8:]); got != want {
		t.Fatalf("reference CRC32c = %#08x, usrsctp wrote %#08x", got, want)
	}
	p, err := Parse(usrsctpInit)
	if err != nil {
		t.Fatal(err)
	}
	want := &Packet{SrcPort: 5001, DstPort: 38412, Chunks: []Chunk{&Init{
		InitiateTag: 0x767d73b1, ARwnd: 131072, OutStreams: 10, InStreams: 2048, InitialTSN: 0x49c19dd5,
		Params: []Param{
			{Type: ParamECNCapable},
			{Type: ParamForwardTSNSupported},
			{Type: ParamSupportedExtensions, Value: []byte{0xc0, 0x0f, 0xc1, 0x80, 0x82}},
			{Type: 0x8002, Value: usrsctpInit[56:88]},
			{Type: 0x8004, Value: []byte{0x00, 0x01}},
			{Type: 0x8003, Value: []byte{0x80, 0xc1}},
			{Type: ParamSupportedAddrTypes, Value: []byte{0x00, 0x05}},
		},
	}}}
	if !equalPacket(&p, want) {
		t.Errorf("Parse:\n got %s\nwant %s", dumpPacket(&p), dumpPacket(want))
	}
	// Our encoding of it is byte for byte usrsctp's.
	if got := p.Marshal(); !bytes.Equal(got, usrsctpInit) {
		t.Errorf("Marshal\n got % x\nwant % x", got, usrsctpInit)
	}
}

// TestInitChecksum checks a whole INIT packet we build against a checksum
// computed by the bitwise reference, stored least significant byte first.
func TestInitChecksum(t *testing.T) {
	p := Packet{SrcPort: 38412, DstPort: 38412, Chunks: []Chunk{&Init{
		InitiateTag: 0xcafef00d, ARwnd: 65536, OutStreams: 2, InStreams: 2, InitialTSN: 0xcafef00d,
		Params: []Param{{Type: ParamIPv4Address, Value: []byte{10, 0, 0, 1}}},
	}}}
	b := p.Marshal()
	z := bytes.Clone(b)
	clear(z[8:12])
	want := crc32cBitwise(z)
	if got := []byte{b[8], b[9], b[10], b[11]}; !bytes.Equal(got, []byte{byte(want), byte(want >> 8), byte(want >> 16), byte(want >> 24)}) {
		t.Errorf("checksum field % x, want %#08x little-endian", got, want)
	}
}

func TestBadChecksum(t *testing.T) {
	good := packetWith(goldenChunks[0].wire)
	for name, mutate := range map[string]func(b []byte){
		"checksum bit flipped": func(b []byte) { b[8] ^= 0x01 },
		"payload bit flipped":  func(b []byte) { b[len(b)-4] ^= 0x80 },
		"header bit flipped":   func(b []byte) { b[0] ^= 0x40 },
		"checksum zero":        func(b []byte) { clear(b[8:12]) },
		"checksum big-endian": func(b []byte) {
			binary.BigEndian.PutUint32(b[8:], binary.LittleEndian.Uint32(b[8:]))
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := bytes.Clone(good)
			mutate(b)
			if _, err := Parse(b); !errors.Is(err, ErrChecksum) {
				t.Errorf("Parse: %v, want ErrChecksum", err)
			}
		})
	}
}

func TestBundling(t *testing.T) {
	cookieEcho := []byte{
		0x0a, 0x00, 0x00, 0x07, // COOKIE ECHO, length 7
		0x01, 0x02, 0x03, 0x00, // cookie, padding
	}
	data := []byte{
		0x00, 0x03, 0x00, 0x11, // DATA, flags B|E, length 17
		0x00, 0x00, 0x00, 0x01, // TSN 1
		0x00, 0x00, 0x00, 0x00, // stream 0, SSN 0
		0x00, 0x00, 0x00, 0x3c, // PPID 60
		0xaa, 0x00, 0x00, 0x00, // user data, padding
	}
	sack := []byte{
		0x03, 0x00, 0x00, 0x10, // SACK, length 16
		0x00, 0x00, 0x00, 0x09, // cumulative TSN ack 9
		0x00, 0x00, 0x10, 0x00, // a_rwnd 4096
		0x00, 0x00, 0x00, 0x00, // no gaps, no duplicates
	}
	unknown := []byte{
		0x80, 0x00, 0x00, 0x05, // type 0x80 (skip), length 5
		0x01, 0x00, 0x00, 0x00, // value, padding
	}
	b := packetWith(cookieEcho, sack, unknown, data)
	want := &Packet{SrcPort: 5001, DstPort: 38412, VerificationTag: 0x01020304, Chunks: []Chunk{
		&CookieEcho{Cookie: []byte{1, 2, 3}},
		&Sack{CumTSNAck: 9, ARwnd: 4096},
		&Unknown{ChunkType: 0x80, Value: []byte{1}},
		&Data{Flags: FlagBegin | FlagEnd, TSN: 1, PPID: 60, UserData: []byte{0xaa}},
	}}
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !equalPacket(&p, want) {
		t.Errorf("Parse:\n got %s\nwant %s", dumpPacket(&p), dumpPacket(want))
	}
	if got := want.Marshal(); !bytes.Equal(got, b) {
		t.Errorf("Marshal\n got % x\nwant % x", got, b)
	}
	if got := want.MarshalLen(); got != len(b) {
		t.Errorf("MarshalLen() = %d, want %d", got, len(b))
	}

	// The last chunk may come without its padding.
	short := packetWith(cookieEcho, data[:17])
	p, err = Parse(short)
	if err != nil {
		t.Fatalf("unpadded last chunk: %v", err)
	}
	if len(p.Chunks) != 2 || !equalChunk(p.Chunks[1], want.Chunks[3]) {
		t.Errorf("unpadded last chunk: got %s", dumpPacket(&p))
	}
}

func TestMarshalToDirtyBuffer(t *testing.T) {
	p := Packet{SrcPort: 1, DstPort: 2, VerificationTag: 3, Chunks: []Chunk{
		&Data{Flags: FlagBegin | FlagEnd, TSN: 1, UserData: []byte{1}},
		&Error{Causes: []Cause{{Code: CauseProtocolViolation, Info: []byte{'a'}}}},
		&Init{Params: []Param{{Type: 0x4444, Value: []byte{1}}, {Type: 0x4445, Value: []byte{1, 2}}}},
	}}
	clean := p.Marshal()
	dirty := bytes.Repeat([]byte{0xff}, p.MarshalLen()+5)
	if n := p.MarshalTo(dirty); n != len(clean) || !bytes.Equal(dirty[:n], clean) {
		t.Errorf("MarshalTo into a dirty buffer\n got % x\nwant % x", dirty[:n], clean)
	}
}

func TestParseHeader(t *testing.T) {
	src, dst, vtag, err := ParseHeader(usrsctpInit)
	if err != nil || src != 5001 || dst != 38412 || vtag != 0 {
		t.Errorf("ParseHeader(usrsctp INIT) = %d, %d, %#x, %v", src, dst, vtag, err)
	}
	// Only the header is read: a bad checksum does not matter.
	src, dst, vtag, err = ParseHeader(testHeader)
	if err != nil || src != 5001 || dst != 38412 || vtag != 0x01020304 {
		t.Errorf("ParseHeader(testHeader) = %d, %d, %#x, %v", src, dst, vtag, err)
	}
	if _, _, _, err := ParseHeader(testHeader[:11]); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseHeader(11 bytes): %v, want ErrMalformed", err)
	}
}

func TestParseAliasesInput(t *testing.T) {
	b := packetWith(goldenChunks[0].wire, goldenChunks[1].wire)
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	d := p.Chunks[0].(*Data)
	if &d.UserData[0] != &b[HeaderLen+16] {
		t.Error("UserData does not alias the input")
	}
	// Capacity is capped: appending reallocates instead of overwriting the padding.
	before := bytes.Clone(b)
	_ = append(d.UserData, 0x55)
	if !bytes.Equal(b, before) {
		t.Error("append to UserData wrote into the input")
	}
}

// malformed lists packets (after the common header; the checksum is made
// right) that Parse must reject with ErrMalformed.
var malformed = []struct {
	name   string
	chunks []byte
}{
	{"no chunk", nil},
	{"trailing bytes shorter than a chunk header", []byte{0x0b, 0x00, 0x00, 0x04, 0x0b, 0x00, 0x00}},
	{"chunk length 0", []byte{0x0b, 0x00, 0x00, 0x00}},
	{"chunk length 3", []byte{0x0b, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00}},
	{"chunk length beyond packet", []byte{0x0a, 0x00, 0x00, 0x09, 0x01, 0x02, 0x03, 0x04}},
	{"second chunk beyond packet", []byte{0x0b, 0x00, 0x00, 0x04, 0x0a, 0x00, 0x00, 0x0c, 0x01, 0x02, 0x03, 0x04}},
	{"DATA shorter than its header", []byte{0x00, 0x03, 0x00, 0x0f, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
	{"INIT shorter than its fixed part", append([]byte{0x01, 0x00, 0x00, 0x13}, make([]byte, 16)...)},
	{"INIT ACK shorter than its fixed part", []byte{0x02, 0x00, 0x00, 0x04}},
	{"INIT parameter length 3", append(append([]byte{0x01, 0x00, 0x00, 0x18}, make([]byte, 16)...), 0x00, 0x05, 0x00, 0x03)},
	{"INIT parameter beyond chunk", append(append([]byte{0x01, 0x00, 0x00, 0x18}, make([]byte, 16)...), 0x00, 0x05, 0x00, 0x08)},
	{"INIT bytes after last parameter", append(append([]byte{0x01, 0x00, 0x00, 0x1a}, make([]byte, 16)...), 0x80, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00)},
	{"INIT ACK truncated parameter header", append(append([]byte{0x02, 0x00, 0x00, 0x16}, make([]byte, 16)...), 0x00, 0x07, 0x00, 0x00)},
	{"SACK shorter than its fixed part", []byte{0x03, 0x00, 0x00, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0}},
	{"SACK gap block beyond length", []byte{0x03, 0x00, 0x00, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0x00, 0x01, 0x00, 0x00}},
	{"SACK duplicate TSNs beyond length", []byte{0x03, 0x00, 0x00, 0x14, 0, 0, 0, 1, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x02, 0, 0, 0, 5}},
	{"SACK counts overflowing", []byte{0x03, 0x00, 0x00, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}},
	{"HEARTBEAT without parameter", []byte{0x04, 0x00, 0x00, 0x04}},
	{"HEARTBEAT with a parameter of another type", []byte{0x04, 0x00, 0x00, 0x08, 0x00, 0x02, 0x00, 0x04}},
	{"HEARTBEAT parameter length 2", []byte{0x04, 0x00, 0x00, 0x08, 0x00, 0x01, 0x00, 0x02}},
	{"HEARTBEAT parameter beyond chunk", []byte{0x04, 0x00, 0x00, 0x08, 0x00, 0x01, 0x00, 0x0c, 0, 0, 0, 0}},
	{"HEARTBEAT with a second parameter", []byte{0x04, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x04, 0x00, 0x01, 0x00, 0x04}},
	{"HEARTBEAT ACK truncated parameter header", []byte{0x05, 0x00, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00}},
	{"ABORT cause length 2", []byte{0x06, 0x00, 0x00, 0x08, 0x00, 0x0c, 0x00, 0x02}},
	{"ABORT cause beyond chunk", []byte{0x06, 0x01, 0x00, 0x08, 0x00, 0x0c, 0x00, 0x09, 0, 0, 0, 0}},
	{"ERROR truncated cause header", []byte{0x09, 0x00, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00}},
	{"SHUTDOWN without cumulative TSN ack", []byte{0x07, 0x00, 0x00, 0x04}},
	{"SHUTDOWN with 3-byte value", []byte{0x07, 0x00, 0x00, 0x07, 0, 0, 0, 0}},
	{"malformed chunk after a good one", append(bytes.Clone(goldenChunks[0].wire), 0x07, 0x00, 0x00, 0x05, 0, 0, 0, 0)},
}

func TestMalformed(t *testing.T) {
	for _, tc := range malformed {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(packetWith(tc.chunks))
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("Parse = %s, %v; want ErrMalformed", dumpPacket(&p), err)
			}
		})
	}
	for _, n := range []int{0, 1, 11} {
		if _, err := Parse(make([]byte, n)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%d bytes): %v, want ErrMalformed", n, err)
		}
	}
}

func TestParamHelpers(t *testing.T) {
	ps := []Param{{Type: ParamStateCookie, Value: []byte{1}}, {Type: ParamIPv4Address, Value: []byte{1, 2, 3, 4}}, {Type: ParamStateCookie, Value: []byte{2}}}
	if p, ok := FindParam(ps, ParamStateCookie); !ok || !bytes.Equal(p.Value, []byte{1}) {
		t.Errorf("FindParam(State Cookie) = %v, %v; want the first", p, ok)
	}
	if _, ok := FindParam(ps, ParamIPv6Address); ok {
		t.Error("FindParam(IPv6) found one")
	}
	for _, tc := range []struct {
		name string
		got  Param
		want []byte // TLV as MarshalParams writes it, padded
	}{
		{"IPv4", AddrParam(netip.MustParseAddr("192.0.2.1")), []byte{0x00, 0x05, 0x00, 0x08, 192, 0, 2, 1}},
		{"IPv4-mapped IPv6", AddrParam(netip.MustParseAddr("::ffff:192.0.2.1")), []byte{0x00, 0x05, 0x00, 0x08, 192, 0, 2, 1}},
		{"IPv6", AddrParam(netip.MustParseAddr("2001:db8::1")), append([]byte{0x00, 0x06, 0x00, 0x14, 0x20, 0x01, 0x0d, 0xb8}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)},
		{"supported address types", SupportedAddrTypesParam(ParamIPv4Address), []byte{0x00, 0x0c, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00}},
		{"cookie preservative", CookiePreservativeParam(10000), []byte{0x00, 0x09, 0x00, 0x08, 0x00, 0x00, 0x27, 0x10}},
		{"unrecognized parameter", UnrecognizedParam(Param{Type: 0x4001, Value: []byte{0xaa, 0xbb, 0xcc}}),
			[]byte{0x00, 0x08, 0x00, 0x0c, 0x40, 0x01, 0x00, 0x07, 0xaa, 0xbb, 0xcc, 0x00}},
	} {
		if b := MarshalParams([]Param{tc.got}); !bytes.Equal(b, tc.want) {
			t.Errorf("%s: % x, want % x", tc.name, b, tc.want)
		}
	}
	for _, s := range []string{"192.0.2.1", "2001:db8::1"} {
		if a, ok := AddrParam(netip.MustParseAddr(s)).Addr(); !ok || a != netip.MustParseAddr(s) {
			t.Errorf("AddrParam(%s).Addr() = %v, %v", s, a, ok)
		}
	}
	if _, ok := (Param{Type: ParamIPv4Address, Value: []byte{1, 2, 3}}).Addr(); ok {
		t.Error("Addr accepted a 3-byte IPv4 address")
	}
	// MarshalParams and ParseParams are inverse.
	got, err := ParseParams(MarshalParams(ps))
	if err != nil || !reflect.DeepEqual(got, ps) {
		t.Errorf("ParseParams(MarshalParams(ps)) = %v, %v; want %v", got, err, ps)
	}
}

func TestCauseHelpers(t *testing.T) {
	u := &Unknown{ChunkType: 0x40, Flags: 0x01, Value: []byte{0x99}}
	for _, tc := range []struct {
		name string
		got  Cause
		want []byte // the cause TLV, unpadded
	}{
		{"invalid stream", InvalidStreamCause(7), []byte{0x00, 0x01, 0x00, 0x08, 0x00, 0x07, 0x00, 0x00}},
		{"missing parameter", MissingParamCause(ParamStateCookie), []byte{0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07}},
		{"stale cookie", StaleCookieCause(1000000), []byte{0x00, 0x03, 0x00, 0x08, 0x00, 0x0f, 0x42, 0x40}},
		{"unrecognized chunk", UnknownChunkCause(u), []byte{0x00, 0x06, 0x00, 0x09, 0x40, 0x01, 0x00, 0x05, 0x99}},
		{"unrecognized chunk raw", UnrecognizedChunkCause([]byte{0x40, 0x01, 0x00, 0x05, 0x99}), []byte{0x00, 0x06, 0x00, 0x09, 0x40, 0x01, 0x00, 0x05, 0x99}},
		{"unrecognized parameters", UnrecognizedParamsCause(Param{Type: 0x8abc}, Param{Type: 0xc001, Value: []byte{1}}),
			[]byte{0x00, 0x08, 0x00, 0x10, 0x8a, 0xbc, 0x00, 0x04, 0xc0, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00}},
		{"no user data", NoUserDataCause(5), []byte{0x00, 0x09, 0x00, 0x08, 0x00, 0x00, 0x00, 0x05}},
		{"user-initiated abort", UserInitiatedAbortCause([]byte("bye")), []byte{0x00, 0x0c, 0x00, 0x07, 'b', 'y', 'e'}},
		{"protocol violation", ProtocolViolationCause([]byte("x")), []byte{0x00, 0x0d, 0x00, 0x05, 'x'}},
	} {
		e := &Error{Causes: []Cause{tc.got}}
		b := make([]byte, Padded(e.MarshalLen()))
		e.MarshalTo(b)
		if got := b[4:e.MarshalLen()]; !bytes.Equal(got, tc.want) {
			t.Errorf("%s: % x, want % x", tc.name, got, tc.want)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	pkt := benchPacket()
	buf := pkt.Marshal()
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	pkt := benchPacket()
	buf := make([]byte, 1500)
	b.SetBytes(int64(pkt.MarshalLen()))
	b.ReportAllocs()
	for b.Loop() {
		pkt.MarshalTo(buf)
	}
}

// benchPacket is an N2 packet: one DATA chunk of 200 bytes of NGAP.
func benchPacket() *Packet {
	return &Packet{SrcPort: 38412, DstPort: 38412, VerificationTag: 0x12345678, Chunks: []Chunk{
		&Data{Flags: FlagBegin | FlagEnd, TSN: 1000, StreamID: 1, SSN: 7, PPID: 60, UserData: bytes.Repeat([]byte{0x5a}, 200)},
	}}
}

// TestAllocs pins the hot path's allocations: MarshalTo none, Parse of one
// DATA chunk the chunk slice and the chunk.
func TestAllocs(t *testing.T) {
	pkt := benchPacket()
	buf := make([]byte, 1500)
	if n := testing.AllocsPerRun(100, func() { pkt.MarshalTo(buf) }); n != 0 {
		t.Errorf("MarshalTo: %v allocations, want 0", n)
	}
	b := pkt.Marshal()
	if n := testing.AllocsPerRun(100, func() { _, _ = Parse(b) }); n != 2 {
		t.Errorf("Parse: %v allocations, want 2", n)
	}
}
