package n3

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fresh func() codec
		wire  []byte
		want  error
	}{
		{"empty", newPacket, nil, ErrTooShort},
		{"7 octets", newPacket, []byte{0x30, 0xff, 0, 0, 0, 0, 0}, ErrTooShort},
		{"version 2", newPacket, []byte{0x50, 0xff, 0, 0, 0, 0, 0, 1}, ErrVersion},
		{"version 0", newPacket, []byte{0x10, 0xff, 0, 0, 0, 0, 0, 1}, ErrVersion},
		{"PT 0 (GTP')", newPacket, []byte{0x20, 0xff, 0, 0, 0, 0, 0, 1}, ErrProtocolType},
		{"length beyond packet", newPacket, []byte{0x30, 0xff, 0, 2, 0, 0, 0, 1, 0xaa}, ErrLengthBeyondPacket},
		{"length shorter than packet", newPacket, []byte{0x30, 0xff, 0, 0, 0, 0, 0, 1, 0xaa}, ErrLengthMismatch},
		{"S set, length 2", newPacket, []byte{0x32, 0xff, 0, 2, 0, 0, 0, 1, 0, 1}, ErrOptionalTruncated},
		{"E set, no extension header octets", newPacket,
			[]byte{0x34, 0xff, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x85}, ErrExtensionTruncated},
		{"extension length 0", newPacket,
			[]byte{0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 0, 0x10, 0x01, 0}, ErrExtensionLengthZero},
		{"extension length beyond packet", newPacket,
			[]byte{0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 2, 0x10, 0x01, 0}, ErrExtensionTruncated},
		{"chain continues past the end", newPacket,
			[]byte{0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0x10, 0x01, 0x40}, ErrExtensionTruncated},
		{"DL container PPP without PPI room", newPacket,
			[]byte{0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0x00, 0x81, 0}, ErrExtensionContent},
		{"UL container QMP without time stamps", newPacket,
			[]byte{0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0x18, 0x01, 0}, ErrExtensionContent},
		{"UL container D1 ind missing", newPacket, cat(
			[]byte{0x34, 0xff, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0x85},
			[]byte{2, 0x11, 0x41}, // length 2; UL, SNP; New IE flag, QFI 1
			[]byte{0, 0, 1},       // UL QFI sequence number
			[]byte{0x01, 0},       // New IE flags: D1 ind follows, but the next-type octet comes
		), ErrExtensionContent},
		{"UL container New IE flag without its octet", newPacket,
			[]byte{0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0x10, 0x41, 0}, ErrExtensionContent},
		{"nine extension headers", newPacket, cat(
			[]byte{0x34, 0xff, 0, 40, 0, 0, 0, 1, 0, 0, 0, 0x40},
			bytes.Repeat([]byte{1, 0, 0, 0x40}, 8), []byte{1, 0, 0, 0}),
			ErrTooManyExtensions},
		{"Echo Response without Recovery", func() codec { return new(EchoResponse) },
			[]byte{0x32, 0x02, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0}, ErrMissingIE},
		{"Echo Response Recovery truncated", func() codec { return new(EchoResponse) },
			[]byte{0x32, 0x02, 0, 5, 0, 0, 0, 0, 0, 1, 0, 0, 0x0e}, ErrIETruncated},
		{"Echo Request unknown TV IE", func() codec { return new(EchoRequest) },
			[]byte{0x32, 0x01, 0, 6, 0, 0, 0, 0, 0, 1, 0, 0, 0x05, 0}, ErrUnknownTVIE},
		{"Echo Request TLV length beyond message", func() codec { return new(EchoRequest) },
			[]byte{0x32, 0x01, 0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0xff, 0, 9}, ErrIETruncated},
		{"Echo Request TLV header truncated", func() codec { return new(EchoRequest) },
			[]byte{0x32, 0x01, 0, 6, 0, 0, 0, 0, 0, 1, 0, 0, 0xff, 0}, ErrIETruncated},
		{"Private Extension without identifier", func() codec { return new(EchoRequest) },
			[]byte{0x32, 0x01, 0, 8, 0, 0, 0, 0, 0, 1, 0, 0, 0xff, 0, 1, 7}, ErrIELength},
		{"Error Indication without Peer Address", func() codec { return new(ErrorIndication) },
			[]byte{0x32, 0x1a, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 1}, ErrMissingIE},
		{"Error Indication without TEID Data I", func() codec { return new(ErrorIndication) },
			[]byte{0x32, 0x1a, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0x85, 0, 4, 1, 2, 3, 4}, ErrMissingIE},
		{"Error Indication TEID Data I truncated", func() codec { return new(ErrorIndication) },
			[]byte{0x32, 0x1a, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0}, ErrIETruncated},
		{"Peer Address of 5 octets", func() codec { return new(ErrorIndication) },
			[]byte{0x32, 0x1a, 0, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 1, 0x85, 0, 5, 1, 2, 3, 4, 5}, ErrIELength},
		{"SEHN type list truncated", func() codec { return new(SupportedExtensionHeadersNotification) },
			[]byte{0x32, 0x1f, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0x8d, 2, 0x40}, ErrIETruncated},
		{"SEHN without type list", func() codec { return new(SupportedExtensionHeadersNotification) },
			[]byte{0x32, 0x1f, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0}, ErrMissingIE},
		{"Echo Request parsed as End Marker", func() codec { return new(EndMarker) },
			[]byte{0x32, 0x01, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0}, ErrMessageType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.fresh().Parse(tc.wire); !errors.Is(err, tc.want) {
				t.Errorf("Parse = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestMarshalInvalid(t *testing.T) {
	b := make([]byte, 2048)
	for _, tc := range []struct {
		name string
		v    codec
		want error
	}{
		{"QFI 64", gpdu(Header{NumExt: 1, Exts: exts(ExtensionHeader{Type: ExtPDUSessionContainer,
			PDUSession: PDUSessionContainer{QFI: 64}})}), ErrInvalidValue},
		{"UDP port above 16 bits", gpdu(Header{NumExt: 1, Exts: exts(ExtensionHeader{Type: ExtUDPPort, Value: 1 << 16})}), ErrInvalidValue},
		{"long PDCP above 18 bits", gpdu(Header{NumExt: 1, Exts: exts(ExtensionHeader{Type: ExtLongPDCPPDUNumber, Value: 1 << 18})}), ErrInvalidValue},
		{"extension content above 1018 octets", gpdu(Header{NumExt: 1, Exts: exts(ExtensionHeader{Type: 0x11, Raw: make([]byte, 1019)})}), ErrTooLong},
		{"NumExt 9", &Packet{Header: Header{Type: TypeGPDU, NumExt: 9}}, ErrTooManyExtensions},
		{"payload above 65535", &Packet{Header: Header{Type: TypeGPDU}, Payload: make([]byte, 1<<16)}, ErrTooLong},
		{"Error Indication without address", &ErrorIndication{Header: Header{Type: TypeErrorIndication}}, ErrInvalidValue},
		{"Private Extension of 1 octet", &EchoRequest{Header: Header{Type: TypeEchoRequest}, PrivateExtension: []byte{1}}, ErrInvalidValue},
		{"unknown TV IE kept", &EchoRequest{Header: Header{Type: TypeEchoRequest}, Extra: []IE{{Type: 5, Value: []byte{1}}}}, ErrInvalidValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := b
			if n := tc.v.MarshalLen(); n > len(buf) {
				buf = make([]byte, n)
			}
			if _, err := tc.v.MarshalTo(buf); !errors.Is(err, tc.want) {
				t.Errorf("MarshalTo = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestParseResets checks that a reused Packet carries nothing over from the
// previous packet.
func TestParseResets(t *testing.T) {
	g := goldens()
	var reused Packet
	for _, tc := range g {
		fresh := new(Packet)
		errFresh := fresh.Parse(tc.wire)
		errReused := reused.Parse(tc.wire)
		if errFresh != errReused {
			t.Fatalf("%s: errors differ: %v vs %v", tc.name, errFresh, errReused)
		}
		if errFresh != nil && errFresh != ErrUnsupportedExtension {
			continue
		}
		if !reflect.DeepEqual(normalize(fresh), normalize(&reused)) {
			t.Errorf("%s: reused Packet differs from a fresh one", tc.name)
		}
	}
}

// normalize returns p without the unused extension slots.
func normalize(p *Packet) Packet {
	q := *p
	for i := q.NumExt; i < MaxExtensionHeaders; i++ {
		q.Exts[i] = ExtensionHeader{}
	}
	return q
}
