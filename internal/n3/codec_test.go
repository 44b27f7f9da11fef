package n3

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

// codec is what every message type implements.
type codec interface {
	Parse(b []byte) error
	MarshalLen() int
	MarshalTo(b []byte) (int, error)
}

// innerIP is a valid 24-octet IPv4 packet (protocol 253, experimental) so
// tshark dissects the T-PDU cleanly.
var innerIP = cat(
	[]byte{0x45, 0x00, 0x00, 0x18}, // version 4, IHL 5, TOS 0, total length 24
	[]byte{0x00, 0x01, 0x00, 0x00}, // id 1, no fragmentation
	[]byte{0x40, 0xfd, 0x5f, 0xaa}, // TTL 64, protocol 253, header checksum
	[]byte{10, 45, 0, 2},           // source 10.45.0.2
	[]byte{8, 8, 8, 8},             // destination 8.8.8.8
	[]byte{0xde, 0xad, 0xbe, 0xef}, // data
)

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func gpdu(h Header) *Packet { h.Type = TypeGPDU; return &Packet{Header: h, Payload: innerIP} }

func exts(es ...ExtensionHeader) (a [MaxExtensionHeaders]ExtensionHeader) {
	copy(a[:], es)
	return a
}

type golden struct {
	name  string
	value codec
	fresh func() codec
	wire  []byte
	err   error // Parse's expected error (the value is still fully decoded)
	shark bool  // part of the tshark oracle pcap
}

func newPacket() codec { return new(Packet) }

func goldens() []golden {
	return []golden{
		{
			name:  "G-PDU without optional fields",
			value: gpdu(Header{TEID: 1}),
			fresh: newPacket,
			wire: cat(
				[]byte{0x30},                   // version 1, PT 1, E S PN 0
				[]byte{0xff},                   // G-PDU
				[]byte{0x00, 0x18},             // length 24
				[]byte{0x00, 0x00, 0x00, 0x01}, // TEID 1
				innerIP),
			shark: true,
		},
		{
			name: "G-PDU with UL PDU Session Container QFI 9",
			value: gpdu(Header{TEID: 2, NumExt: 1, Exts: exts(
				ExtensionHeader{Type: ExtPDUSessionContainer, PDUSession: PDUSessionContainer{PDUType: PDUTypeUL, QFI: 9}})}),
			fresh: newPacket,
			wire: cat(
				[]byte{0x34, 0xff, 0x00, 0x20}, // E; G-PDU; length 4+4+24
				[]byte{0x00, 0x00, 0x00, 0x02}, // TEID 2
				[]byte{0x00, 0x00, 0x00},       // sequence number, N-PDU number (unused)
				[]byte{0x85},                   // next: PDU Session Container
				[]byte{0x01},                   // length 1 (4 octets)
				[]byte{0x10},                   // PDU type 1 (UL), no flags
				[]byte{0x09},                   // QFI 9
				[]byte{0x00},                   // next: none
				innerIP),
			shark: true,
		},
		{
			name: "G-PDU with sequence number and DL container RQI PPP PPI",
			value: gpdu(Header{TEID: 3, S: true, Seq: 0x0102, NumExt: 1, Exts: exts(
				ExtensionHeader{Type: ExtPDUSessionContainer, PDUSession: PDUSessionContainer{
					PDUType: PDUTypeDL, QFI: 5, RQI: true, PPP: true, PPI: 3}})}),
			fresh: newPacket,
			wire: cat(
				[]byte{0x36, 0xff, 0x00, 0x24}, // E S; G-PDU; length 4+8+24
				[]byte{0x00, 0x00, 0x00, 0x03}, // TEID 3
				[]byte{0x01, 0x02},             // sequence number 258
				[]byte{0x00},                   // N-PDU number (unused)
				[]byte{0x85},                   // next: PDU Session Container
				[]byte{0x02},                   // length 2 (8 octets)
				[]byte{0x00},                   // PDU type 0 (DL), QMP SNP MSNP 0
				[]byte{0xc5},                   // PPP, RQI, QFI 5
				[]byte{0x60},                   // PPI 3, spare
				[]byte{0x00, 0x00, 0x00},       // padding
				[]byte{0x00},                   // next: none
				innerIP),
			shark: true,
		},
		{
			name: "G-PDU with N-PDU number, UDP Port then DL container",
			value: gpdu(Header{TEID: 4, PN: true, NPDU: 7, NumExt: 2, Exts: exts(
				ExtensionHeader{Type: ExtUDPPort, Value: 2152},
				ExtensionHeader{Type: ExtPDUSessionContainer, PDUSession: PDUSessionContainer{PDUType: PDUTypeDL, QFI: 1}})}),
			fresh: newPacket,
			wire: cat(
				[]byte{0x35, 0xff, 0x00, 0x24}, // E PN; G-PDU; length 4+4+4+24
				[]byte{0x00, 0x00, 0x00, 0x04}, // TEID 4
				[]byte{0x00, 0x00},             // sequence number (unused)
				[]byte{0x07},                   // N-PDU number 7
				[]byte{0x40},                   // next: UDP Port
				[]byte{0x01, 0x08, 0x68},       // length 1, port 2152
				[]byte{0x85},                   // next: PDU Session Container
				[]byte{0x01, 0x00, 0x01},       // length 1, DL, QFI 1
				[]byte{0x00},                   // next: none
				innerIP),
			shark: true,
		},
		{
			name: "G-PDU with UL container carrying every optional field",
			value: gpdu(Header{TEID: 5, NumExt: 1, Exts: exts(
				ExtensionHeader{Type: ExtPDUSessionContainer, PDUSession: PDUSessionContainer{
					PDUType: PDUTypeUL, QFI: 1, QMP: true, DLDelayInd: true, ULDelayInd: true, SNP: true,
					N3N9DelayInd: true, NewIEFlag: true, NewIEFlags: 0x03, D1ULPDCPDelayResultInd: 1,
					NewIEs:             []byte{0x25, 0x66},
					DLSendingTimestamp: 0x1111111111111111, DLReceivedTimestamp: 0x2222222222222222,
					ULSendingTimestamp: 0x3333333333333333, DLDelayResult: 0x44444444, ULDelayResult: 0x55555555,
					QFISN: 0x666666, N3N9DelayResult: 0x77777777}})}),
			fresh: newPacket,
			wire: cat(
				[]byte{0x34, 0xff, 0x00, 0x4c}, // E; G-PDU; length 4+48+24
				[]byte{0x00, 0x00, 0x00, 0x05}, // TEID 5
				[]byte{0x00, 0x00, 0x00, 0x85}, // unused; next: PDU Session Container
				[]byte{0x0c},                   // length 12 (48 octets)
				[]byte{0x1f},                   // UL; QMP, DL delay, UL delay, SNP
				[]byte{0xc1},                   // N3/N9 delay, New IE flag, QFI 1
				bytes.Repeat([]byte{0x11}, 8),  // DL sending time stamp repeated
				bytes.Repeat([]byte{0x22}, 8),  // DL received time stamp
				bytes.Repeat([]byte{0x33}, 8),  // UL sending time stamp
				bytes.Repeat([]byte{0x44}, 4),  // DL delay result
				bytes.Repeat([]byte{0x55}, 4),  // UL delay result
				bytes.Repeat([]byte{0x66}, 3),  // UL QFI sequence number
				bytes.Repeat([]byte{0x77}, 4),  // N3/N9 delay result
				[]byte{0x03},                   // New IE flags 0 and 1
				[]byte{0x01},                   // D1 UL PDCP delay result ind (flag 0)
				[]byte{0x25, 0x66},             // UL congestion information (flag 1), kept undecoded
				[]byte{0x00},                   // padding
				[]byte{0x00},                   // next: none
				innerIP),
			shark: true,
		},
		{
			name: "G-PDU with DL container QMP SNP MSNP",
			value: gpdu(Header{TEID: 6, NumExt: 1, Exts: exts(
				ExtensionHeader{Type: ExtPDUSessionContainer, PDUSession: PDUSessionContainer{
					PDUType: PDUTypeDL, QFI: 63, QMP: true, SNP: true, MSNP: true,
					DLSendingTimestamp: 0x0102030405060708, QFISN: 0x0a0b0c, MBSQFISN: 0xdeadbeef}})}),
			fresh: newPacket,
			wire: cat(
				[]byte{0x34, 0xff, 0x00, 0x30}, // E; G-PDU; length 4+20+24
				[]byte{0x00, 0x00, 0x00, 0x06}, // TEID 6
				[]byte{0x00, 0x00, 0x00, 0x85}, // unused; next: PDU Session Container
				[]byte{0x05},                   // length 5 (20 octets)
				[]byte{0x0e},                   // DL; QMP, SNP, MSNP
				[]byte{0x3f},                   // QFI 63
				[]byte{1, 2, 3, 4, 5, 6, 7, 8}, // DL sending time stamp
				[]byte{0x0a, 0x0b, 0x0c},       // DL QFI sequence number
				[]byte{0xde, 0xad, 0xbe, 0xef}, // DL MBS QFI sequence number
				[]byte{0x00},                   // padding
				[]byte{0x00},                   // next: none
				innerIP),
			shark: true,
		},
		{
			name: "G-PDU with PDCP, long PDCP, service class, RAN container and unknown headers",
			value: gpdu(Header{TEID: 7, NumExt: 6, Exts: exts(
				ExtensionHeader{Type: ExtPDCPPDUNumber, Value: 300},
				ExtensionHeader{Type: ExtLongPDCPPDUNumber, Value: 0x2abcd},
				ExtensionHeader{Type: ExtLongPDCPPDUNumberNC, Value: 1},
				ExtensionHeader{Type: ExtServiceClassIndicator, Value: 7},
				ExtensionHeader{Type: 0x11, Raw: []byte{0xaa, 0xbb}},
				ExtensionHeader{Type: ExtRANContainer, Raw: []byte{1, 2, 3, 4, 5, 6}})}),
			fresh: newPacket,
			wire: cat(
				[]byte{0x34, 0xff, 0x00, 0x40}, // E; G-PDU; length 4+36+24
				[]byte{0x00, 0x00, 0x00, 0x07}, // TEID 7
				[]byte{0x00, 0x00, 0x00, 0xc0}, // unused; next: PDCP PDU Number
				[]byte{0x01, 0x01, 0x2c, 0x82}, // length 1, number 300; next: Long PDCP PDU Number
				[]byte{0x02, 0x02, 0xab, 0xcd}, // length 2, number 0x2abcd
				[]byte{0x00, 0x00, 0x00, 0x03}, // spare; next: Long PDCP PDU Number (not required)
				[]byte{0x02, 0x00, 0x00, 0x01}, // length 2, number 1
				[]byte{0x00, 0x00, 0x00, 0x20}, // spare; next: Service Class Indicator
				[]byte{0x01, 0x07, 0x00, 0x11}, // length 1, class 7, spare; next: 0x11 (unknown, not required)
				[]byte{0x01, 0xaa, 0xbb, 0x81}, // length 1, kept content; next: RAN Container
				[]byte{0x02, 1, 2, 3, 4, 5, 6}, // length 2, kept content
				[]byte{0x00},                   // next: none
				innerIP),
			// A UPF keeps a RAN Container but does not comprehend it.
			err:   ErrUnsupportedExtension,
			shark: true,
		},
		{
			name: "G-PDU with unknown comprehension-required header",
			value: gpdu(Header{TEID: 8, NumExt: 1, Exts: exts(
				ExtensionHeader{Type: 0xa0, Raw: []byte{0x12, 0x34}})}),
			fresh: newPacket,
			wire: cat(
				[]byte{0x34, 0xff, 0x00, 0x20}, // E; G-PDU; length 4+4+24
				[]byte{0x00, 0x00, 0x00, 0x08}, // TEID 8
				[]byte{0x00, 0x00, 0x00, 0xa0}, // unused; next: 0xa0 (unknown, comprehension required)
				[]byte{0x01, 0x12, 0x34, 0x00}, // length 1, kept content; next: none
				innerIP),
			err: ErrUnsupportedExtension,
		},
		{
			name:  "Echo Request",
			value: NewEchoRequest(1),
			fresh: func() codec { return new(EchoRequest) },
			wire: []byte{
				0x32, 0x01, 0x00, 0x04, // S; Echo Request; length 4
				0x00, 0x00, 0x00, 0x00, // TEID 0
				0x00, 0x01, 0x00, 0x00, // sequence number 1, N-PDU, next none
			},
			shark: true,
		},
		{
			name: "Echo Request with Private Extension",
			value: &EchoRequest{Header: Header{Type: TypeEchoRequest, S: true, Seq: 2},
				PrivateExtension: []byte{0x00, 0x01, 0xab, 0xcd}},
			fresh: func() codec { return new(EchoRequest) },
			wire: []byte{
				0x32, 0x01, 0x00, 0x0b, // S; Echo Request; length 11
				0x00, 0x00, 0x00, 0x00, // TEID 0
				0x00, 0x02, 0x00, 0x00, // sequence number 2
				0xff, 0x00, 0x04, // Private Extension, length 4
				0x00, 0x01, 0xab, 0xcd, // extension identifier 1, value
			},
			shark: true,
		},
		{
			name: "Echo Request keeps IEs it does not carry, as received",
			value: &EchoRequest{Header: Header{Type: TypeEchoRequest, S: true, Seq: 3},
				Extra: []IE{{Type: IERecovery, Value: []byte{5}}, {Type: IEGTPUPeerAddress, Value: []byte{1, 2, 3, 4, 5}}}},
			fresh: func() codec { return new(EchoRequest) },
			wire: []byte{
				0x32, 0x01, 0x00, 0x0e, // S; Echo Request; length 14
				0x00, 0x00, 0x00, 0x00, // TEID 0
				0x00, 0x03, 0x00, 0x00, // sequence number 3
				0x0e, 0x05, // Recovery 5 (not an Echo Request IE): kept
				0x85, 0x00, 0x05, 1, 2, 3, 4, 5, // type 133 with 5 octets: kept, not judged
			},
		},
		{
			name:  "Echo Response",
			value: NewEchoResponse(1),
			fresh: func() codec { return new(EchoResponse) },
			wire: []byte{
				0x32, 0x02, 0x00, 0x06, // S; Echo Response; length 6
				0x00, 0x00, 0x00, 0x00, // TEID 0
				0x00, 0x01, 0x00, 0x00, // sequence number 1
				0x0e, 0x00, // Recovery, restart counter 0
			},
			shark: true,
		},
		{
			name: "Echo Response with an unknown TLV kept",
			value: &EchoResponse{Header: Header{Type: TypeEchoResponse, S: true, Seq: 9},
				Extra: []IE{{Type: 0xe7, Value: []byte{1, 2, 3, 4}}}},
			fresh: func() codec { return new(EchoResponse) },
			wire: []byte{
				0x32, 0x02, 0x00, 0x0d, // S; Echo Response; length 13
				0x00, 0x00, 0x00, 0x00, // TEID 0
				0x00, 0x09, 0x00, 0x00, // sequence number 9
				0x0e, 0x00, // Recovery 0
				0xe7, 0x00, 0x04, 1, 2, 3, 4, // type 231 (unknown here), length 4, kept
			},
		},
		{
			name: "Error Indication IPv4 with UDP Port",
			value: &ErrorIndication{Header: Header{Type: TypeErrorIndication, S: true, NumExt: 1,
				Exts: exts(ExtensionHeader{Type: ExtUDPPort, Value: 54321})},
				TEIDDataI: 0x42, PeerAddress: netip.MustParseAddr("192.168.0.1")},
			fresh: func() codec { return new(ErrorIndication) },
			wire: []byte{
				0x36, 0x1a, 0x00, 0x14, // E S; Error Indication; length 20
				0x00, 0x00, 0x00, 0x00, // TEID 0
				0x00, 0x00, 0x00, 0x40, // sequence number 0, N-PDU; next: UDP Port
				0x01, 0xd4, 0x31, 0x00, // length 1, port 54321; next: none
				0x10, 0x00, 0x00, 0x00, 0x42, // TEID Data I 0x42
				0x85, 0x00, 0x04, 192, 168, 0, 1, // GTP-U Peer Address, length 4
			},
			shark: true,
		},
		{
			name: "Error Indication IPv6",
			value: &ErrorIndication{Header: Header{Type: TypeErrorIndication, S: true},
				TEIDDataI: 0xfffffffe, PeerAddress: netip.MustParseAddr("2001:db8::1")},
			fresh: func() codec { return new(ErrorIndication) },
			wire: cat([]byte{
				0x32, 0x1a, 0x00, 0x1c, // S; Error Indication; length 28
				0x00, 0x00, 0x00, 0x00, // TEID 0
				0x00, 0x00, 0x00, 0x00, // sequence number 0
				0x10, 0xff, 0xff, 0xff, 0xfe, // TEID Data I
				0x85, 0x00, 0x10, // GTP-U Peer Address, length 16
			}, netip.MustParseAddr("2001:db8::1").AsSlice()),
			shark: true,
		},
		{
			name: "Supported Extension Headers Notification",
			value: &SupportedExtensionHeadersNotification{Header: Header{Type: TypeSupportedExtensionHeadersNotification, S: true},
				Types: []uint8{ExtUDPPort, ExtPDUSessionContainer}},
			fresh: func() codec { return new(SupportedExtensionHeadersNotification) },
			wire: []byte{
				0x32, 0x1f, 0x00, 0x08, // S; Supported Extension Headers Notification; length 8
				0x00, 0x00, 0x00, 0x00, // TEID 0
				0x00, 0x00, 0x00, 0x00, // sequence number 0
				0x8d, 0x02, 0x40, 0x85, // Extension Header Type List, 2 types: UDP Port, PDU Session Container
			},
			shark: true,
		},
		{
			name:  "End Marker",
			value: &EndMarker{Header: Header{Type: TypeEndMarker, TEID: 0x1234}},
			fresh: func() codec { return new(EndMarker) },
			wire: []byte{
				0x30, 0xfe, 0x00, 0x00, // End Marker; length 0
				0x00, 0x00, 0x12, 0x34, // TEID 0x1234
			},
			shark: true,
		},
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range goldens() {
		t.Run(tc.name, func(t *testing.T) {
			if n := tc.value.MarshalLen(); n != len(tc.wire) {
				t.Errorf("MarshalLen = %d, want %d", n, len(tc.wire))
			}
			b := make([]byte, len(tc.wire)+5)
			n, err := tc.value.MarshalTo(b)
			if err != nil {
				t.Fatalf("MarshalTo: %v", err)
			}
			if !bytes.Equal(b[:n], tc.wire) {
				t.Errorf("MarshalTo\n got % x\nwant % x", b[:n], tc.wire)
			}
			got := tc.fresh()
			if err := got.Parse(tc.wire); err != tc.err {
				t.Fatalf("Parse error = %v, want %v", err, tc.err)
			}
			if !reflect.DeepEqual(got, tc.value) {
				t.Errorf("Parse\n got %+v\nwant %+v", got, tc.value)
			}
			if _, err := tc.value.MarshalTo(b[:len(tc.wire)-1]); !errors.Is(err, ErrBufferTooShort) {
				t.Errorf("MarshalTo into a short buffer: %v, want ErrBufferTooShort", err)
			}
		})
	}
}

func TestUnsupportedReported(t *testing.T) {
	var p Packet
	g := goldens()
	for _, tc := range g {
		if tc.err == nil {
			continue
		}
		if err := p.Parse(tc.wire); err != ErrUnsupportedExtension {
			t.Fatalf("Parse: %v", err)
		}
		typ, ok := p.Unsupported()
		if !ok || !ComprehensionRequired(typ) || Supported(typ) {
			t.Errorf("Unsupported = %#x, %v; want an unsupported comprehension-required type", typ, ok)
		}
		if len(p.Payload) != len(innerIP) {
			t.Errorf("payload %d octets, want %d", len(p.Payload), len(innerIP))
		}
	}
}

func TestComprehensionBits(t *testing.T) {
	for _, tc := range []struct {
		typ            uint8
		required, have bool
	}{
		{0x11, false, false}, // 00: not required
		{0x41, false, false}, // 01: not required, discard
		{0xa0, true, false},  // 10: required at the endpoint
		{0xe0, true, false},  // 11: required everywhere
		{ExtPDUSessionContainer, true, true},
		{ExtUDPPort, false, true},
		{ExtNRRANContainer, true, false},
	} {
		if ComprehensionRequired(tc.typ) != tc.required || Supported(tc.typ) != tc.have {
			t.Errorf("type %#x: required %v supported %v, want %v %v", tc.typ,
				ComprehensionRequired(tc.typ), Supported(tc.typ), tc.required, tc.have)
		}
	}
}
