package n3

import "encoding/binary"

// Extension header types. Spec: TS 29.281 §5.2.1 (Figure 5.2.1-3), §5.2.2
const (
	ExtNone                  uint8 = 0x00
	ExtLongPDCPPDUNumberNC   uint8 = 0x03 // Long PDCP PDU Number, comprehension not required
	ExtServiceClassIndicator uint8 = 0x20
	ExtUDPPort               uint8 = 0x40
	ExtRANContainer          uint8 = 0x81
	ExtLongPDCPPDUNumber     uint8 = 0x82
	ExtXwRANContainer        uint8 = 0x83
	ExtNRRANContainer        uint8 = 0x84
	ExtPDUSessionContainer   uint8 = 0x85
	ExtPDCPPDUNumber         uint8 = 0xC0
)

// ComprehensionRequired reports whether a receiving endpoint must
// understand extension header type t: bit 8 of the type set (patterns 10
// and 11 of §5.2.1). Spec: TS 29.281 §5.2.1
func ComprehensionRequired(t uint8) bool { return t&0x80 != 0 }

// Supported reports whether this package decodes extension header type t.
// The RAN containers are kept as opaque octets only: a UPF does not
// understand them, so they count as unsupported when comprehension is
// required.
func Supported(t uint8) bool {
	switch t {
	case ExtLongPDCPPDUNumberNC, ExtServiceClassIndicator, ExtUDPPort,
		ExtLongPDCPPDUNumber, ExtPDUSessionContainer, ExtPDCPPDUNumber:
		return true
	}
	return false
}

// SupportedTypes lists Supported in the order a Supported Extension Headers
// Notification carries it.
func SupportedTypes() []uint8 {
	a := supportedTypes()
	return a[:]
}

func supportedTypes() [6]uint8 {
	return [6]uint8{ExtLongPDCPPDUNumberNC, ExtServiceClassIndicator, ExtUDPPort,
		ExtLongPDCPPDUNumber, ExtPDUSessionContainer, ExtPDCPPDUNumber}
}

// ExtensionHeader is one element of the extension header chain. Which field
// holds the content depends on Type:
//
//	ExtPDUSessionContainer                        PDUSession
//	ExtUDPPort, ExtPDCPPDUNumber                  Value (16 bits)
//	ExtLongPDCPPDUNumber, ExtLongPDCPPDUNumberNC  Value (18 bits)
//	ExtServiceClassIndicator                      Value (8 bits)
//	anything else (RAN containers, unknown)       Raw
//
// Raw is the content between the length octet and the next-type octet
// (padding included); after Parse it aliases the parsed buffer. Unknown
// types are kept, not dropped. Spec: TS 29.281 §5.2
type ExtensionHeader struct {
	Type       uint8
	Value      uint32
	PDUSession PDUSessionContainer
	Raw        []byte
}

// MarshalLen is the encoded length: a multiple of 4 octets including the
// length and next-type octets. Spec: TS 29.281 §5.2.1
func (e *ExtensionHeader) MarshalLen() int {
	switch e.Type {
	case ExtUDPPort, ExtPDCPPDUNumber, ExtServiceClassIndicator:
		return 4
	case ExtLongPDCPPDUNumber, ExtLongPDCPPDUNumberNC:
		return 8
	case ExtPDUSessionContainer:
		return pad4(2 + e.PDUSession.contentLen())
	}
	return pad4(2 + len(e.Raw))
}

func pad4(n int) int { return (n + 3) &^ 3 }

func (e *ExtensionHeader) marshalTo(b []byte, next uint8) (int, error) {
	n := e.MarshalLen()
	if len(b) < n {
		return 0, ErrBufferTooShort
	}
	if n > 255*4 {
		return 0, ErrTooLong
	}
	c := b[1 : n-1]
	clear(c)
	b[0] = byte(n / 4)
	b[n-1] = next
	switch e.Type {
	case ExtUDPPort, ExtPDCPPDUNumber:
		if e.Value > 0xffff {
			return 0, ErrInvalidValue
		}
		binary.BigEndian.PutUint16(c, uint16(e.Value))
	case ExtServiceClassIndicator:
		if e.Value > 0xff {
			return 0, ErrInvalidValue
		}
		c[0] = byte(e.Value)
	case ExtLongPDCPPDUNumber, ExtLongPDCPPDUNumberNC:
		// Octet 2 bits 8-3 spare, then 18 bits of number, then 3 spare octets.
		if e.Value > 0x3ffff {
			return 0, ErrInvalidValue
		}
		c[0], c[1], c[2] = byte(e.Value>>16), byte(e.Value>>8), byte(e.Value)
	case ExtPDUSessionContainer:
		if err := e.PDUSession.marshalTo(c); err != nil {
			return 0, err
		}
	default:
		copy(c, e.Raw)
	}
	return n, nil
}

// parse decodes content c (the octets between length and next type) of an
// extension header of type t. Content longer than a fixed-size type needs
// is accepted and its excess ignored.
func (e *ExtensionHeader) parse(t uint8, c []byte) error {
	*e = ExtensionHeader{Type: t}
	switch t {
	case ExtUDPPort, ExtPDCPPDUNumber:
		if len(c) < 2 {
			return ErrExtensionContent
		}
		e.Value = uint32(binary.BigEndian.Uint16(c))
	case ExtServiceClassIndicator:
		if len(c) < 1 {
			return ErrExtensionContent
		}
		e.Value = uint32(c[0])
	case ExtLongPDCPPDUNumber, ExtLongPDCPPDUNumberNC:
		if len(c) < 3 {
			return ErrExtensionContent
		}
		e.Value = (uint32(c[0])<<16 | uint32(c[1])<<8 | uint32(c[2])) & 0x3ffff
	case ExtPDUSessionContainer:
		return e.PDUSession.parse(c)
	default:
		e.Raw = c
	}
	return nil
}

// PDU types of the PDU Session Container. Spec: TS 38.415 §5.5.3.1
const (
	PDUTypeDL uint8 = 0 // DL PDU SESSION INFORMATION
	PDUTypeUL uint8 = 1 // UL PDU SESSION INFORMATION
)

// PDUSessionContainer is the content of the PDU Session Container extension
// header: the PDU Session user plane protocol frame of TS 38.415.
// Spec: TS 38.415 §5.5.2.1 (DL), §5.5.2.2 (UL), §5.5.3
//
// Fields marked DL or UL exist only in that PDU type; the optional fields
// are present when their flag is set. PDU types other than DL and UL are
// kept whole in Raw (first octet included) and written back unchanged.
// Octets after the last DL field are read as padding: fields of later
// releases announced by bits this struct does not hold (e.g. Rel-18 burst
// information) are not decoded, so a UPF relaying such a frame should
// forward the received octets rather than re-encode them.
type PDUSessionContainer struct {
	PDUType uint8
	QFI     uint8 // 6 bits
	QMP     bool  // QoS Monitoring Packet: time stamps present

	// DL PDU SESSION INFORMATION.
	PPP  bool  // Paging Policy Presence: PPI present
	RQI  bool  // Reflective QoS Indicator
	PPI  uint8 // Paging Policy Indicator, 3 bits
	MSNP bool  // MBS sequence number present

	// SNP: the DL or UL QFI Sequence Number (24 bits) is present.
	SNP   bool
	QFISN uint32

	// DL: DL Sending Time Stamp. UL: DL Sending Time Stamp Repeated,
	// DL Received Time Stamp and UL Sending Time Stamp (NTP format).
	DLSendingTimestamp  uint64
	DLReceivedTimestamp uint64 // UL
	ULSendingTimestamp  uint64 // UL

	MBSQFISN uint32 // DL MBS QFI Sequence Number, with MSNP

	// UL PDU SESSION INFORMATION delay measurement.
	DLDelayInd, ULDelayInd, N3N9DelayInd bool
	DLDelayResult                        uint32
	ULDelayResult                        uint32
	N3N9DelayResult                      uint32
	// UL New IE Flags (Rel-16 on): bit 1 announces the D1 UL PDCP Delay
	// Result Ind octet; the later fields it announces (congestion
	// information, ...) are kept undecoded in NewIEs, which runs to the
	// end of the content minus trailing zero octets (padding and a zero
	// final field cannot be told apart).
	NewIEFlag              bool
	NewIEFlags             uint8
	D1ULPDCPDelayResultInd uint8
	NewIEs                 []byte

	Raw []byte // content of PDU types other than DL and UL
}

// d1Present is New IE Flag 0: the D1 UL PDCP Delay Result Ind octet follows.
const d1Present = 0x01

func (p *PDUSessionContainer) contentLen() int {
	switch p.PDUType {
	case PDUTypeDL:
		n := 2
		if p.PPP {
			n++
		}
		if p.QMP {
			n += 8
		}
		if p.SNP {
			n += 3
		}
		if p.MSNP {
			n += 4
		}
		return n
	case PDUTypeUL:
		n := 2
		if p.QMP {
			n += 24
		}
		if p.DLDelayInd {
			n += 4
		}
		if p.ULDelayInd {
			n += 4
		}
		if p.SNP {
			n += 3
		}
		if p.N3N9DelayInd {
			n += 4
		}
		if p.NewIEFlag {
			n++
			if p.NewIEFlags&d1Present != 0 {
				n++
			}
			n += len(p.NewIEs)
		}
		return n
	}
	return len(p.Raw)
}

func put24(b []byte, v uint32) { b[0], b[1], b[2] = byte(v>>16), byte(v>>8), byte(v) }
func get24(b []byte) uint32    { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }

// marshalTo writes the frame into c, which is zeroed and at least
// contentLen() long; what remains is padding. Spec: TS 38.415 §5.5.2
func (p *PDUSessionContainer) marshalTo(c []byte) error {
	if p.QFI > 0x3f || p.PPI > 7 || p.QFISN > 0xffffff {
		return ErrInvalidValue
	}
	switch p.PDUType {
	case PDUTypeDL:
		c[0] = PDUTypeDL<<4 | bit(p.QMP, 0x08) | bit(p.SNP, 0x04) | bit(p.MSNP, 0x02)
		c[1] = bit(p.PPP, 0x80) | bit(p.RQI, 0x40) | p.QFI
		o := 2
		if p.PPP {
			c[o] = p.PPI << 5
			o++
		}
		if p.QMP {
			binary.BigEndian.PutUint64(c[o:], p.DLSendingTimestamp)
			o += 8
		}
		if p.SNP {
			put24(c[o:], p.QFISN)
			o += 3
		}
		if p.MSNP {
			binary.BigEndian.PutUint32(c[o:], p.MBSQFISN)
		}
	case PDUTypeUL:
		c[0] = PDUTypeUL<<4 | bit(p.QMP, 0x08) | bit(p.DLDelayInd, 0x04) | bit(p.ULDelayInd, 0x02) | bit(p.SNP, 0x01)
		c[1] = bit(p.N3N9DelayInd, 0x80) | bit(p.NewIEFlag, 0x40) | p.QFI
		o := 2
		if p.QMP {
			binary.BigEndian.PutUint64(c[o:], p.DLSendingTimestamp)
			binary.BigEndian.PutUint64(c[o+8:], p.DLReceivedTimestamp)
			binary.BigEndian.PutUint64(c[o+16:], p.ULSendingTimestamp)
			o += 24
		}
		for _, f := range [...]struct {
			on bool
			v  uint32
		}{{p.DLDelayInd, p.DLDelayResult}, {p.ULDelayInd, p.ULDelayResult}} {
			if f.on {
				binary.BigEndian.PutUint32(c[o:], f.v)
				o += 4
			}
		}
		if p.SNP {
			put24(c[o:], p.QFISN)
			o += 3
		}
		if p.N3N9DelayInd {
			binary.BigEndian.PutUint32(c[o:], p.N3N9DelayResult)
			o += 4
		}
		if p.NewIEFlag {
			c[o] = p.NewIEFlags
			o++
			if p.NewIEFlags&d1Present != 0 {
				c[o] = p.D1ULPDCPDelayResultInd
				o++
			}
			copy(c[o:], p.NewIEs)
		}
	default:
		if p.PDUType > 0x0f {
			return ErrInvalidValue
		}
		copy(c, p.Raw)
	}
	return nil
}

func bit(on bool, mask uint8) uint8 {
	if on {
		return mask
	}
	return 0
}

// parse decodes content c; octets after the fields are padding.
// Spec: TS 38.415 §5.5.2
func (p *PDUSessionContainer) parse(c []byte) error {
	*p = PDUSessionContainer{}
	if len(c) < 2 {
		return ErrExtensionContent
	}
	p.PDUType = c[0] >> 4
	p.QFI = c[1] & 0x3f
	switch p.PDUType {
	case PDUTypeDL:
		p.QMP, p.SNP, p.MSNP = c[0]&0x08 != 0, c[0]&0x04 != 0, c[0]&0x02 != 0
		p.PPP, p.RQI = c[1]&0x80 != 0, c[1]&0x40 != 0
	case PDUTypeUL:
		p.QMP, p.DLDelayInd, p.ULDelayInd, p.SNP = c[0]&0x08 != 0, c[0]&0x04 != 0, c[0]&0x02 != 0, c[0]&0x01 != 0
		p.N3N9DelayInd, p.NewIEFlag = c[1]&0x80 != 0, c[1]&0x40 != 0
	default:
		p.QFI = 0
		p.Raw = c
		return nil
	}
	// The flags fix the length; check it once before reading.
	if len(c) < p.contentLen() {
		// contentLen counts what follows New IE Flags only once known.
		return ErrExtensionContent
	}
	o := 2
	if p.PDUType == PDUTypeDL {
		if p.PPP {
			p.PPI = c[o] >> 5
			o++
		}
		if p.QMP {
			p.DLSendingTimestamp = binary.BigEndian.Uint64(c[o:])
			o += 8
		}
		if p.SNP {
			p.QFISN = get24(c[o:])
			o += 3
		}
		if p.MSNP {
			p.MBSQFISN = binary.BigEndian.Uint32(c[o:])
		}
		return nil
	}
	if p.QMP {
		p.DLSendingTimestamp = binary.BigEndian.Uint64(c[o:])
		p.DLReceivedTimestamp = binary.BigEndian.Uint64(c[o+8:])
		p.ULSendingTimestamp = binary.BigEndian.Uint64(c[o+16:])
		o += 24
	}
	if p.DLDelayInd {
		p.DLDelayResult = binary.BigEndian.Uint32(c[o:])
		o += 4
	}
	if p.ULDelayInd {
		p.ULDelayResult = binary.BigEndian.Uint32(c[o:])
		o += 4
	}
	if p.SNP {
		p.QFISN = get24(c[o:])
		o += 3
	}
	if p.N3N9DelayInd {
		p.N3N9DelayResult = binary.BigEndian.Uint32(c[o:])
		o += 4
	}
	if p.NewIEFlag {
		p.NewIEFlags = c[o]
		o++
		if p.NewIEFlags&d1Present != 0 {
			if len(c) < o+1 {
				return ErrExtensionContent
			}
			p.D1ULPDCPDelayResultInd = c[o]
			o++
		}
		end := len(c)
		for end > o && c[end-1] == 0 {
			end--
		}
		if end > o {
			p.NewIEs = c[o:end]
		}
	}
	return nil
}
