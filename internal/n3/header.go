package n3

import (
	"encoding/binary"
	"errors"
)

// Port is the registered GTP-U UDP port. Spec: TS 29.281 §4.4.2
const Port = 2152

// Message types. Spec: TS 29.281 §6.1
const (
	TypeEchoRequest                           uint8 = 1
	TypeEchoResponse                          uint8 = 2
	TypeErrorIndication                       uint8 = 26
	TypeSupportedExtensionHeadersNotification uint8 = 31
	TypeEndMarker                             uint8 = 254
	TypeGPDU                                  uint8 = 255
)

// HeaderLen is the mandatory part of the header; OptionalLen the sequence
// number, N-PDU number and next-extension-type octets present when any of
// E, S or PN is set. Spec: TS 29.281 §5.1
const (
	HeaderLen   = 8
	OptionalLen = 4
)

// MaxExtensionHeaders bounds the extension header chain a Header holds. The
// spec sets no limit; a fixed array is what keeps Parse allocation-free, and
// real traffic carries one or two (PDU Session Container, UDP Port).
const MaxExtensionHeaders = 8

// Malformed-input causes. Parse wraps none of them, so errors.Is and plain
// == both work and the UPF can count drops per cause.
var (
	ErrTooShort             = errors.New("n3: shorter than the 8-octet GTP-U header")
	ErrVersion              = errors.New("n3: GTP version is not 1")
	ErrProtocolType         = errors.New("n3: protocol type 0 (GTP')")
	ErrLengthBeyondPacket   = errors.New("n3: length field beyond the end of the packet")
	ErrLengthMismatch       = errors.New("n3: length field shorter than the packet")
	ErrOptionalTruncated    = errors.New("n3: E, S or PN set but length leaves no room for the optional fields")
	ErrExtensionTruncated   = errors.New("n3: extension header beyond the end of the packet")
	ErrExtensionLengthZero  = errors.New("n3: extension header length 0")
	ErrExtensionContent     = errors.New("n3: extension header content shorter than its fields")
	ErrTooManyExtensions    = errors.New("n3: more extension headers than MaxExtensionHeaders")
	ErrUnsupportedExtension = errors.New("n3: unsupported extension header with comprehension required")
	ErrIETruncated          = errors.New("n3: information element beyond the end of the message")
	ErrIELength             = errors.New("n3: information element length invalid for its type")
	ErrUnknownTVIE          = errors.New("n3: unknown TV information element (length unknowable)")
	ErrMissingIE            = errors.New("n3: mandatory information element missing")
	ErrMessageType          = errors.New("n3: unexpected message type")

	// Marshal errors: our own caller's mistakes, not the peer's.
	ErrBufferTooShort = errors.New("n3: buffer too short")
	ErrTooLong        = errors.New("n3: message longer than the 16-bit length field")
	ErrInvalidValue   = errors.New("n3: field value out of range")
)

// Header is the GTP-U header with its extension header chain.
// Spec: TS 29.281 §5.1, §5.2
//
// The E flag is not a field: it is set on the wire when NumExt > 0.
// The sequence number and N-PDU number are meaningful only with S and PN
// (§5.1: "shall be evaluated only when" the flag is set), so Parse leaves
// them zero when their flag is clear.
type Header struct {
	Type   uint8
	TEID   uint32
	S      bool   // sequence number present
	PN     bool   // N-PDU number present
	Seq    uint16 // valid when S
	NPDU   uint8  // valid when PN
	NumExt int    // extension headers used in Exts
	Exts   [MaxExtensionHeaders]ExtensionHeader
}

// Extensions returns the used part of the extension header chain.
func (h *Header) Extensions() []ExtensionHeader { return h.Exts[:h.NumExt] }

// AddExtension appends e to the chain (ErrTooManyExtensions when full).
func (h *Header) AddExtension(e ExtensionHeader) error {
	if h.NumExt >= MaxExtensionHeaders {
		return ErrTooManyExtensions
	}
	h.Exts[h.NumExt] = e
	h.NumExt++
	return nil
}

// PDUSession returns the first PDU Session Container, or nil.
func (h *Header) PDUSession() *PDUSessionContainer {
	for i := 0; i < h.NumExt; i++ {
		if h.Exts[i].Type == ExtPDUSessionContainer {
			return &h.Exts[i].PDUSession
		}
	}
	return nil
}

// Unsupported returns the type of the first extension header that needs
// comprehension and that this package does not understand. Spec: TS 29.281 §5.2.1
func (h *Header) Unsupported() (uint8, bool) {
	for i := 0; i < h.NumExt; i++ {
		t := h.Exts[i].Type
		if ComprehensionRequired(t) && !Supported(t) {
			return t, true
		}
	}
	return 0, false
}

// HeaderLen is the number of octets MarshalHeaderTo writes.
func (h *Header) HeaderLen() int {
	if !h.hasOptional() {
		return HeaderLen
	}
	n := HeaderLen + OptionalLen
	for i := 0; i < min(h.NumExt, MaxExtensionHeaders); i++ {
		n += h.Exts[i].MarshalLen()
	}
	return n
}

func (h *Header) hasOptional() bool { return h.S || h.PN || h.NumExt > 0 }

// MarshalHeaderTo writes the header for a message whose octets after the
// header (T-PDU or IEs) are payloadLen long. The UPF uses it to encapsulate
// in place: reserve HeaderLen() octets of headroom, then write the header.
func (h *Header) MarshalHeaderTo(b []byte, payloadLen int) (int, error) {
	if h.NumExt < 0 || h.NumExt > MaxExtensionHeaders {
		return 0, ErrTooManyExtensions
	}
	hl := h.HeaderLen()
	if len(b) < hl {
		return 0, ErrBufferTooShort
	}
	length := hl - HeaderLen + payloadLen
	if length > 0xffff || payloadLen < 0 {
		return 0, ErrTooLong
	}
	// Octet 1: version 1 (bits 8-6), PT 1 (bit 5), spare 0, E, S, PN.
	flags := byte(0x30)
	if h.NumExt > 0 {
		flags |= 0x04
	}
	if h.S {
		flags |= 0x02
	}
	if h.PN {
		flags |= 0x01
	}
	b[0] = flags
	b[1] = h.Type
	binary.BigEndian.PutUint16(b[2:4], uint16(length))
	binary.BigEndian.PutUint32(b[4:8], h.TEID)
	if !h.hasOptional() {
		return HeaderLen, nil
	}
	seq, npdu := uint16(0), uint8(0)
	if h.S {
		seq = h.Seq
	}
	if h.PN {
		npdu = h.NPDU
	}
	binary.BigEndian.PutUint16(b[8:10], seq)
	b[10] = npdu
	b[11] = ExtNone
	if h.NumExt > 0 {
		b[11] = h.Exts[0].Type
	}
	off := HeaderLen + OptionalLen
	for i := 0; i < h.NumExt; i++ {
		next := ExtNone
		if i+1 < h.NumExt {
			next = h.Exts[i+1].Type
		}
		n, err := h.Exts[i].marshalTo(b[off:], next)
		if err != nil {
			return 0, err
		}
		off += n
	}
	return off, nil
}

// parse decodes the header of the whole message b and returns the offset of
// the payload. It returns ErrUnsupportedExtension only after decoding every
// field, so the caller can still answer with a Supported Extension Headers
// Notification.
func (h *Header) parse(b []byte) (int, error) {
	if len(b) < HeaderLen {
		return 0, ErrTooShort
	}
	flags := b[0]
	if flags>>5 != 1 {
		return 0, ErrVersion
	}
	if flags&0x10 == 0 {
		return 0, ErrProtocolType
	}
	length := int(binary.BigEndian.Uint16(b[2:4]))
	switch {
	case HeaderLen+length > len(b):
		return 0, ErrLengthBeyondPacket
	case HeaderLen+length < len(b):
		return 0, ErrLengthMismatch
	}
	h.Type = b[1]
	h.TEID = binary.BigEndian.Uint32(b[4:8])
	h.S = flags&0x02 != 0
	h.PN = flags&0x01 != 0
	h.Seq, h.NPDU, h.NumExt = 0, 0, 0
	if flags&0x07 == 0 {
		return HeaderLen, nil
	}
	if length < OptionalLen {
		return 0, ErrOptionalTruncated
	}
	if h.S {
		h.Seq = binary.BigEndian.Uint16(b[8:10])
	}
	if h.PN {
		h.NPDU = b[10]
	}
	off := HeaderLen + OptionalLen
	if flags&0x04 == 0 {
		// The next-extension-type octet is evaluated only with E set.
		return off, nil
	}
	unsupported := false
	for next := b[11]; next != ExtNone; {
		if off >= len(b) {
			return 0, ErrExtensionTruncated
		}
		n := int(b[off]) * 4
		if n == 0 {
			return 0, ErrExtensionLengthZero
		}
		if off+n > len(b) {
			return 0, ErrExtensionTruncated
		}
		if h.NumExt == MaxExtensionHeaders {
			return 0, ErrTooManyExtensions
		}
		e := &h.Exts[h.NumExt]
		if err := e.parse(next, b[off+1:off+n-1]); err != nil {
			return 0, err
		}
		h.NumExt++
		if ComprehensionRequired(next) && !Supported(next) {
			unsupported = true
		}
		next = b[off+n-1]
		off += n
	}
	if unsupported {
		return off, ErrUnsupportedExtension
	}
	return off, nil
}

// Packet is any GTP-U message as the fast path sees it: the header and the
// octets after it (the T-PDU of a G-PDU, the IEs otherwise). After Parse,
// Payload aliases the parsed buffer: nothing is copied.
type Packet struct {
	Header
	Payload []byte
}

// NewGPDU returns a G-PDU carrying payload on the tunnel teid.
func NewGPDU(teid uint32, payload []byte) *Packet {
	return &Packet{Header: Header{Type: TypeGPDU, TEID: teid}, Payload: payload}
}

// Parse decodes b into p without allocating. On ErrUnsupportedExtension p
// is fully decoded (see Header.Unsupported).
func (p *Packet) Parse(b []byte) error {
	off, err := p.Header.parse(b)
	if err != nil && err != ErrUnsupportedExtension {
		return err
	}
	p.Payload = b[off:]
	return err
}

// MarshalLen is the encoded length of p.
func (p *Packet) MarshalLen() int { return p.HeaderLen() + len(p.Payload) }

// MarshalTo encodes p into b and returns the octets written. Payload may
// already sit at b[HeaderLen():], in which case nothing moves.
func (p *Packet) MarshalTo(b []byte) (int, error) {
	if len(b) < p.MarshalLen() {
		return 0, ErrBufferTooShort
	}
	n, err := p.MarshalHeaderTo(b, len(p.Payload))
	if err != nil {
		return 0, err
	}
	return n + copy(b[n:], p.Payload), nil
}
