package n3

import (
	"encoding/binary"
	"net/netip"
)

// Information element types. Types below 128 are TV with a length fixed
// by the type, 128 and above TLV with a 2-octet length, except the
// Extension Header Type List's 1-octet length. Spec: TS 29.281 §8.1
const (
	IERecovery                uint8 = 14
	IETEIDDataI               uint8 = 16
	IEGTPUPeerAddress         uint8 = 133
	IEExtensionHeaderTypeList uint8 = 141
	IEPrivateExtension        uint8 = 255
)

// IE is a TLV information element this package does not interpret, kept
// verbatim so nothing a peer sent is lost. Value aliases the parsed buffer.
type IE struct {
	Type  uint8
	Value []byte
}

// ies describes, for one message type, where its known IEs live. Only the
// signalling messages use it, never the G-PDU path.
type ies struct {
	recovery  *uint8
	teid      *uint32
	peer      *netip.Addr
	typeList  *[]uint8
	private   *[]byte // nil slice: absent
	extra     *[]IE
	mandatory []uint8
}

func (f *ies) parse(b []byte) error {
	seen := [4]bool{} // recovery, teid, peer, typeList
	f.reset()
	for len(b) > 0 {
		t := b[0]
		if t < 128 {
			n := tvLen(t)
			if n < 0 {
				// Its length is not knowable, so nothing after it is either.
				return ErrUnknownTVIE
			}
			if len(b) < 1+n {
				return ErrIETruncated
			}
			v := b[1 : 1+n]
			b = b[1+n:]
			switch {
			case t == IERecovery && f.recovery != nil:
				*f.recovery, seen[0] = v[0], true
			case t == IETEIDDataI && f.teid != nil:
				*f.teid, seen[1] = binary.BigEndian.Uint32(v), true
			default:
				*f.extra = append(*f.extra, IE{Type: t, Value: v})
			}
			continue
		}
		if t == IEExtensionHeaderTypeList {
			// The one TLV with a 1-octet length. Spec: TS 29.281 §8.5
			if len(b) < 2 || len(b) < 2+int(b[1]) {
				return ErrIETruncated
			}
			v := b[2 : 2+int(b[1])]
			b = b[2+int(b[1]):]
			if f.typeList != nil {
				*f.typeList, seen[3] = v, true
			} else {
				*f.extra = append(*f.extra, IE{Type: t, Value: v})
			}
			continue
		}
		if len(b) < 3 {
			return ErrIETruncated
		}
		n := int(binary.BigEndian.Uint16(b[1:3]))
		if len(b) < 3+n {
			return ErrIETruncated
		}
		v := b[3 : 3+n]
		b = b[3+n:]
		switch {
		case t == IEGTPUPeerAddress && f.peer != nil:
			a, ok := netip.AddrFromSlice(v)
			if !ok {
				return ErrIELength
			}
			*f.peer, seen[2] = a, true
		case t == IEPrivateExtension && f.private != nil:
			// Extension Identifier (2 octets) then the value. Spec: TS 29.281 §8.6
			if n < 2 {
				return ErrIELength
			}
			*f.private = v
		default:
			*f.extra = append(*f.extra, IE{Type: t, Value: v})
		}
	}
	for _, m := range f.mandatory {
		var ok bool
		switch m {
		case IERecovery:
			ok = seen[0]
		case IETEIDDataI:
			ok = seen[1]
		case IEGTPUPeerAddress:
			ok = seen[2]
		case IEExtensionHeaderTypeList:
			ok = seen[3]
		}
		if !ok {
			return ErrMissingIE
		}
	}
	return nil
}

// each calls fn for every IE to encode, in ascending type order as §8.1
// asks: known IEs by type, with the kept ones merged in by type.
// known tells fn whether the IE comes from a field (whose value must be
// valid) or from Extra (kept as received).
func (f *ies) each(fn func(t uint8, v []byte, known bool)) {
	extra := *f.extra
	emitExtraBelow := func(t int) {
		for len(extra) > 0 && int(extra[0].Type) < t {
			fn(extra[0].Type, extra[0].Value, false)
			extra = extra[1:]
		}
	}
	var tmp [16]byte
	if f.recovery != nil {
		emitExtraBelow(int(IERecovery))
		fn(IERecovery, []byte{*f.recovery}, true)
	}
	if f.teid != nil {
		emitExtraBelow(int(IETEIDDataI))
		binary.BigEndian.PutUint32(tmp[:4], *f.teid)
		fn(IETEIDDataI, tmp[:4], true)
	}
	if f.peer != nil {
		emitExtraBelow(int(IEGTPUPeerAddress))
		s := f.peer.AsSlice()
		fn(IEGTPUPeerAddress, s, true)
	}
	if f.typeList != nil {
		emitExtraBelow(int(IEExtensionHeaderTypeList))
		fn(IEExtensionHeaderTypeList, *f.typeList, true)
	}
	if f.private != nil && *f.private != nil {
		emitExtraBelow(int(IEPrivateExtension))
		fn(IEPrivateExtension, *f.private, true)
	}
	emitExtraBelow(256)
}

// tvLen is the value length of a TV IE type, -1 when unknown. Spec: TS 29.281 §8.2, §8.3
func tvLen(t uint8) int {
	switch t {
	case IERecovery:
		return 1
	case IETEIDDataI:
		return 4
	}
	return -1
}

func (f *ies) reset() {
	*f.extra = (*f.extra)[:0]
	if f.recovery != nil {
		*f.recovery = 0
	}
	if f.teid != nil {
		*f.teid = 0
	}
	if f.peer != nil {
		*f.peer = netip.Addr{}
	}
	if f.typeList != nil {
		*f.typeList = nil
	}
	if f.private != nil {
		*f.private = nil
	}
}

func ieLen(t uint8, v []byte) int {
	switch t {
	case IERecovery, IETEIDDataI:
		return 1 + len(v)
	case IEExtensionHeaderTypeList:
		return 2 + len(v)
	}
	return 3 + len(v)
}

func (f *ies) marshalLen() int {
	n := 0
	f.each(func(t uint8, v []byte, _ bool) { n += ieLen(t, v) })
	return n
}

func (f *ies) marshalTo(b []byte) (int, error) {
	off := 0
	var err error
	f.each(func(t uint8, v []byte, known bool) {
		if err != nil {
			return
		}
		switch {
		case t == IEExtensionHeaderTypeList && len(v) > 0xff,
			t >= 128 && len(v) > 0xffff,
			t < 128 && tvLen(t) != len(v):
			err = ErrInvalidValue
			return
		case known && t == IEGTPUPeerAddress && len(v) != 4 && len(v) != 16:
			err = ErrInvalidValue // an invalid netip.Addr
			return
		case known && t == IEPrivateExtension && len(v) < 2:
			err = ErrInvalidValue
			return
		}
		if len(b)-off < ieLen(t, v) {
			err = ErrBufferTooShort
			return
		}
		b[off] = t
		off++
		switch t {
		case IERecovery, IETEIDDataI:
		case IEExtensionHeaderTypeList:
			b[off] = byte(len(v))
			off++
		default:
			binary.BigEndian.PutUint16(b[off:], uint16(len(v)))
			off += 2
		}
		off += copy(b[off:], v)
	})
	return off, err
}

// parseSignalling and marshalSignalling are the shared body of the
// messages other than the G-PDU.
func parseSignalling(h *Header, want uint8, f ies, b []byte) error {
	off, err := h.parse(b)
	if err != nil && err != ErrUnsupportedExtension {
		return err
	}
	if h.Type != want {
		return ErrMessageType
	}
	if perr := f.parse(b[off:]); perr != nil {
		return perr
	}
	return err
}

func marshalSignalling(h *Header, typ uint8, f ies, b []byte) (int, error) {
	h.Type = typ
	n := f.marshalLen()
	if len(b) < h.HeaderLen()+n {
		return 0, ErrBufferTooShort
	}
	hl, err := h.MarshalHeaderTo(b, n)
	if err != nil {
		return 0, err
	}
	m, err := f.marshalTo(b[hl:])
	return hl + m, err
}

// EchoRequest probes a GTP-U path. The header's TEID is 0 and S is set.
// Spec: TS 29.281 §7.2.1
type EchoRequest struct {
	Header
	PrivateExtension []byte // Extension Identifier and value; nil when absent
	Extra            []IE
}

// NewEchoRequest returns an Echo Request with sequence number seq.
func NewEchoRequest(seq uint16) *EchoRequest {
	return &EchoRequest{Header: Header{Type: TypeEchoRequest, S: true, Seq: seq}}
}

func (m *EchoRequest) ies() ies {
	return ies{private: &m.PrivateExtension, extra: &m.Extra}
}

// Parse decodes b into m.
func (m *EchoRequest) Parse(b []byte) error {
	return parseSignalling(&m.Header, TypeEchoRequest, m.ies(), b)
}

// MarshalLen is the encoded length of m.
func (m *EchoRequest) MarshalLen() int { f := m.ies(); return m.HeaderLen() + f.marshalLen() }

// MarshalTo encodes m into b.
func (m *EchoRequest) MarshalTo(b []byte) (int, error) {
	return marshalSignalling(&m.Header, TypeEchoRequest, m.ies(), b)
}

// EchoResponse answers an Echo Request with its sequence number. The
// Recovery IE is mandatory; its restart counter is sent as 0 and ignored on
// receipt. Spec: TS 29.281 §7.2.2, §8.2
type EchoResponse struct {
	Header
	Recovery         uint8
	PrivateExtension []byte
	Extra            []IE
}

// NewEchoResponse returns the Echo Response to a request with sequence
// number seq.
func NewEchoResponse(seq uint16) *EchoResponse {
	return &EchoResponse{Header: Header{Type: TypeEchoResponse, S: true, Seq: seq}}
}

func (m *EchoResponse) ies() ies {
	return ies{recovery: &m.Recovery, private: &m.PrivateExtension, extra: &m.Extra,
		mandatory: []uint8{IERecovery}}
}

// Parse decodes b into m.
func (m *EchoResponse) Parse(b []byte) error {
	return parseSignalling(&m.Header, TypeEchoResponse, m.ies(), b)
}

// MarshalLen is the encoded length of m.
func (m *EchoResponse) MarshalLen() int { f := m.ies(); return m.HeaderLen() + f.marshalLen() }

// MarshalTo encodes m into b.
func (m *EchoResponse) MarshalTo(b []byte) (int, error) {
	return marshalSignalling(&m.Header, TypeEchoResponse, m.ies(), b)
}

// ErrorIndication tells a peer that a G-PDU arrived for a TEID we do not
// have: TEIDDataI is that TEID, PeerAddress the address the G-PDU was sent
// to (ours). Spec: TS 29.281 §7.3.1, §8.3, §8.4
type ErrorIndication struct {
	Header
	TEIDDataI        uint32
	PeerAddress      netip.Addr
	PrivateExtension []byte
	Extra            []IE
}

func (m *ErrorIndication) ies() ies {
	return ies{teid: &m.TEIDDataI, peer: &m.PeerAddress, private: &m.PrivateExtension,
		extra: &m.Extra, mandatory: []uint8{IETEIDDataI, IEGTPUPeerAddress}}
}

// Parse decodes b into m.
func (m *ErrorIndication) Parse(b []byte) error {
	return parseSignalling(&m.Header, TypeErrorIndication, m.ies(), b)
}

// MarshalLen is the encoded length of m.
func (m *ErrorIndication) MarshalLen() int { f := m.ies(); return m.HeaderLen() + f.marshalLen() }

// MarshalTo encodes m into b.
func (m *ErrorIndication) MarshalTo(b []byte) (int, error) {
	return marshalSignalling(&m.Header, TypeErrorIndication, m.ies(), b)
}

// SupportedExtensionHeadersNotification lists the extension header types a
// node supports, sent after a message carried one it must but cannot
// comprehend. Spec: TS 29.281 §7.3.2, §8.5
type SupportedExtensionHeadersNotification struct {
	Header
	Types []uint8
	Extra []IE
}

func (m *SupportedExtensionHeadersNotification) ies() ies {
	return ies{typeList: &m.Types, extra: &m.Extra, mandatory: []uint8{IEExtensionHeaderTypeList}}
}

// Parse decodes b into m.
func (m *SupportedExtensionHeadersNotification) Parse(b []byte) error {
	return parseSignalling(&m.Header, TypeSupportedExtensionHeadersNotification, m.ies(), b)
}

// MarshalLen is the encoded length of m.
func (m *SupportedExtensionHeadersNotification) MarshalLen() int {
	f := m.ies()
	return m.HeaderLen() + f.marshalLen()
}

// MarshalTo encodes m into b.
func (m *SupportedExtensionHeadersNotification) MarshalTo(b []byte) (int, error) {
	return marshalSignalling(&m.Header, TypeSupportedExtensionHeadersNotification, m.ies(), b)
}

// EndMarker is the last packet on a tunnel before a path switch, on the
// tunnel's TEID. Spec: TS 29.281 §7.3.3
type EndMarker struct {
	Header
	PrivateExtension []byte
	Extra            []IE
}

func (m *EndMarker) ies() ies { return ies{private: &m.PrivateExtension, extra: &m.Extra} }

// Parse decodes b into m.
func (m *EndMarker) Parse(b []byte) error {
	return parseSignalling(&m.Header, TypeEndMarker, m.ies(), b)
}

// MarshalLen is the encoded length of m.
func (m *EndMarker) MarshalLen() int { f := m.ies(); return m.HeaderLen() + f.marshalLen() }

// MarshalTo encodes m into b.
func (m *EndMarker) MarshalTo(b []byte) (int, error) {
	return marshalSignalling(&m.Header, TypeEndMarker, m.ies(), b)
}
