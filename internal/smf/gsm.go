package smf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/free5gc/nas"

	"go5g/internal/n1"
)

// The SMF's side of N1 SM (5GSM, TS 24.501 §8.3): uplink messages are
// decoded with the free5gc/nas library (n1.Decode, panics recovered);
// downlink ones are encoded here from the message tables. The simulated UE
// does the opposite, so the two ends of N1 do not share an encoder.

// gsm starts a 5GSM message: EPD, PDU session ID, PTI, type.
// Spec: TS 24.501 §9.1.1, §9.4, §9.6
func gsm(psi, pti, msgType uint8, size int) []byte {
	b := make([]byte, 4, 4+size)
	b[0], b[1], b[2], b[3] = n1.EPD5GSM, psi, pti, msgType
	return b
}

func appendTLVE(b []byte, iei byte, v []byte) []byte {
	b = append(b, iei)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

func appendTLV(b []byte, iei byte, v []byte) []byte {
	b = append(b, iei, byte(len(v)))
	return append(b, v...)
}

// request is what the SMF reads from PDU SESSION ESTABLISHMENT REQUEST.
type request struct {
	psi, pti uint8
	pduType  uint8 // 0: not requested
	sscMode  uint8 // 0: not requested
	dnsV4    bool  // ePCO asks for IPv4 DNS server addresses
	dnsV6    bool
}

// errGSM is an uplink 5GSM message the SMF cannot use, with the cause.
type errGSM struct {
	cause uint8
	err   error
}

func (e *errGSM) Error() string { return fmt.Sprintf("5GSM cause #%d: %v", e.cause, e.err) }
func (e *errGSM) Unwrap() error { return e.err }

// decodeGSM decodes an uplink 5GSM message with the library; b is the
// payload container of UL NAS TRANSPORT.
//
// Spec: TS 24.501 §7.3, §7.4, §7.5
func decodeGSM(b []byte) (*nas.Message, error) {
	if len(b) < 4 || b[0] != n1.EPD5GSM {
		return nil, &errGSM{n1.SMCauseInvalidMandatoryInfo, errors.New("not a 5GSM message")}
	}
	m, err := n1.Decode(b)
	if err != nil {
		cause := uint8(n1.SMCauseInvalidMandatoryInfo)
		var pe *n1.ProtocolError
		if errors.As(err, &pe) && pe.Cause != 0 {
			cause = pe.Cause
		}
		return nil, &errGSM{cause, err}
	}
	if m.GsmMessage == nil {
		return nil, &errGSM{n1.SMCauseInvalidMandatoryInfo, errors.New("no 5GSM message")}
	}
	return m, nil
}

// parseEstablishmentRequest reads PDU SESSION ESTABLISHMENT REQUEST.
// Spec: TS 24.501 §8.3.1
func parseEstablishmentRequest(b []byte) (request, error) {
	m, err := decodeGSM(b)
	if err != nil {
		return request{}, err
	}
	r := m.PDUSessionEstablishmentRequest
	if m.GsmHeader.GetMessageType() != n1.MsgPDUSessionEstablishmentRequest || r == nil {
		return request{}, &errGSM{n1.SMCauseMessageTypeNotExist, fmt.Errorf("message type 0x%02x, want establishment request", b[3])}
	}
	q := request{psi: r.PDUSessionID.GetPDUSessionID(), pti: r.PTI.GetPTI()}
	if r.PDUSessionType != nil {
		q.pduType = r.PDUSessionType.GetPDUSessionTypeValue()
	}
	if r.SSCMode != nil {
		q.sscMode = r.SSCMode.GetSSCMode()
	}
	if r.ExtendedProtocolConfigurationOptions != nil {
		q.dnsV4, q.dnsV6 = pcoDNSRequests(r.ExtendedProtocolConfigurationOptions.GetExtendedProtocolConfigurationOptionsContents())
	}
	// §6.4.1.2: PSI 1..15 and a PTI of 1..254 for UE-requested procedures.
	if q.psi < 1 || q.psi > 15 {
		return q, &errGSM{n1.SMCauseInvalidPDUSessionIdentity, fmt.Errorf("PDU session ID %d", q.psi)}
	}
	if q.pti == 0 || q.pti == 0xff {
		return q, &errGSM{n1.SMCauseInvalidPTI, fmt.Errorf("PTI %d", q.pti)}
	}
	return q, nil
}

// PCO container identifiers. Spec: TS 24.008 §10.5.6.3 (Table 10.5.154)
const (
	pcoDNSv6 = 0x0003 // DNS Server IPv6 Address (request: empty; answer: 16 octets)
	pcoDNSv4 = 0x000d // DNS Server IPv4 Address (request: empty; answer: 4 octets)
)

// pcoDNSRequests reads the DNS server address requests in (e)PCO contents:
// octet 1 is the configuration protocol octet, then protocol or container
// identifiers (2 octets), each with a length octet and contents.
//
// Spec: TS 24.008 §10.5.6.3; TS 24.501 §9.11.4.6
func pcoDNSRequests(c []byte) (v4, v6 bool) {
	if len(c) < 1 || c[0]&0x80 == 0 {
		return false, false
	}
	for i := 1; i+3 <= len(c); {
		id := binary.BigEndian.Uint16(c[i:])
		n := int(c[i+2])
		switch id {
		case pcoDNSv4:
			v4 = true
		case pcoDNSv6:
			v6 = true
		}
		i += 3 + n
	}
	return v4, v6
}

// pcoDNS builds ePCO contents with the DNS server addresses asked for.
func pcoDNS(servers []netip.Addr, v4, v6 bool) []byte {
	b := []byte{0x80} // ext 1, configuration protocol PPP (0)
	for _, s := range servers {
		switch {
		case s.Is4() && v4:
			a := s.As4()
			b = append(b, 0x00, pcoDNSv4, 4)
			b = append(b, a[:]...)
		case s.Is6() && v6:
			a := s.As16()
			b = append(b, 0x00, pcoDNSv6, 16)
			b = append(b, a[:]...)
		}
	}
	if len(b) == 1 {
		return nil
	}
	return b
}

// dnn encodes a DNN as APN labels. Spec: TS 24.501 §9.11.2.1B; TS 23.003 §9.1
func dnn(s string) []byte {
	var b []byte
	for _, l := range strings.Split(s, ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return b
}

// ambr encodes a bit rate in bit/s as a unit octet and a 16-bit value: the
// smallest unit (1 kbit/s times a power of 4) in which the rate fits,
// rounded down.
//
// Spec: TS 24.501 §9.11.4.14 (units 1 Kbps = 0x01 ... 4 Pbps, ×4 each)
func ambr(bps uint64) (unit byte, value uint16) {
	k := bps / 1000
	unit, step := 1, uint64(1)
	for k/step > 0xffff && unit < 0x19 {
		unit++
		step *= 4
	}
	v := k / step
	if v > 0xffff {
		v = 0xffff
	}
	return byte(unit), uint16(v)
}

// sessionAMBR is the Session-AMBR value: downlink then uplink.
func sessionAMBR(ul, dl uint64) []byte {
	b := make([]byte, 0, 6)
	u, v := ambr(dl)
	b = append(b, u)
	b = binary.BigEndian.AppendUint16(b, v)
	u, v = ambr(ul)
	b = append(b, u)
	return binary.BigEndian.AppendUint16(b, v)
}

// defaultQoSRule is the one QoS rule of a session's default QoS flow:
// rule 1, "create new QoS rule", default rule (DQR), one bidirectional
// match-all packet filter, precedence 255, the QFI.
//
// Spec: TS 24.501 §9.11.4.13 (Figure 9.11.4.13.2, Table 9.11.4.13.1)
func defaultQoSRule(qfi uint8) []byte {
	return []byte{
		1,    // QoS rule identifier
		0, 6, // length of the QoS rule
		0x20 | 0x10 | 1, // operation code 001 (create), DQR, 1 packet filter
		0x30 | 1,        // direction 11 (bidirectional), packet filter identifier 1
		1,               // length of packet filter contents
		0x01,            // component type: match-all
		255,             // QoS rule precedence
		qfi & 0x3f,      // segregation 0, QFI
	}
}

// qosFlowDescription describes the default QoS flow: create, with its 5QI.
// Spec: TS 24.501 §9.11.4.12 (parameter identifier 0x01: 5QI)
func qosFlowDescription(qfi, fiveQI uint8) []byte {
	return []byte{qfi & 0x3f, 0x20, 0x40 | 1, 0x01, 1, fiveQI}
}

// pduAddress is the PDU address IE value: the type, then the IPv4 address,
// the IPv6 interface identifier, or both (IID first).
//
// Spec: TS 24.501 §9.11.4.10
func pduAddress(t uint8, v4 netip.Addr, iid [8]byte) []byte {
	b := []byte{t & 0x07}
	switch t {
	case n1.PDUSessionTypeIPv4:
		a := v4.As4()
		b = append(b, a[:]...)
	case n1.PDUSessionTypeIPv6:
		b = append(b, iid[:]...)
	case n1.PDUSessionTypeIPv4v6:
		a := v4.As4()
		b = append(b, iid[:]...)
		b = append(b, a[:]...)
	}
	return b
}

// snssaiValue is an S-NSSAI IE value (SST, or SST and SD).
// Spec: TS 24.501 §9.11.2.8
func snssaiValue(sst uint8, sd uint32, hasSD bool) []byte {
	if !hasSD {
		return []byte{sst}
	}
	return []byte{sst, byte(sd >> 16), byte(sd >> 8), byte(sd)}
}

// acceptParams are the contents of PDU SESSION ESTABLISHMENT ACCEPT.
type acceptParams struct {
	psi, pti    uint8
	pduType     uint8
	sscMode     uint8
	qfi, fiveQI uint8
	ambrUL      uint64
	ambrDL      uint64
	cause       uint8 // #50/#51, or 0
	v4          netip.Addr
	iid         [8]byte
	sst         uint8
	sd          uint32
	hasSD       bool
	pco         []byte
	dnn         string
	// flows are the session's GBR QoS flows: their QoS rules and QoS flow
	// descriptions follow the default flow's (TS 24.501 §6.4.1.3).
	flows []*qosFlow
}

// establishmentAccept builds PDU SESSION ESTABLISHMENT ACCEPT.
// Spec: TS 24.501 §8.3.2
func establishmentAccept(p acceptParams) []byte {
	b := gsm(p.psi, p.pti, n1.MsgPDUSessionEstablishmentAccept, 96)
	b = append(b, p.sscMode<<4|p.pduType&0x07)
	qr := defaultQoSRule(p.qfi)
	for _, f := range p.flows {
		qr = append(qr, f.qosRule(qosRuleCreate)...)
	}
	b = appendLVE(b, qr)
	s := sessionAMBR(p.ambrUL, p.ambrDL)
	b = append(b, byte(len(s)))
	b = append(b, s...)
	if p.cause != 0 {
		b = append(b, 0x59, p.cause)
	}
	b = appendTLV(b, 0x29, pduAddress(p.pduType, p.v4, p.iid))
	b = appendTLV(b, 0x22, snssaiValue(p.sst, p.sd, p.hasSD))
	fd := qosFlowDescription(p.qfi, p.fiveQI)
	for _, f := range p.flows {
		fd = append(fd, f.flowDescription(qosFlowCreate)...)
	}
	b = appendTLVE(b, 0x79, fd)
	if p.pco != nil {
		b = appendTLVE(b, 0x7b, p.pco)
	}
	return appendTLV(b, 0x25, dnn(p.dnn))
}

func appendLVE(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// establishmentReject builds PDU SESSION ESTABLISHMENT REJECT.
// Spec: TS 24.501 §8.3.3
func establishmentReject(psi, pti, cause uint8) []byte {
	return append(gsm(psi, pti, n1.MsgPDUSessionEstablishmentReject, 1), cause)
}

// releaseCommand builds PDU SESSION RELEASE COMMAND (PTI 0 when the
// network starts the release). Spec: TS 24.501 §8.3.14
func releaseCommand(psi, pti, cause uint8) []byte {
	return append(gsm(psi, pti, n1.MsgPDUSessionReleaseCommand, 1), cause)
}

// releaseReject builds PDU SESSION RELEASE REJECT. Spec: TS 24.501 §8.3.13
func releaseReject(psi, pti, cause uint8) []byte {
	return append(gsm(psi, pti, n1.MsgPDUSessionReleaseReject, 1), cause)
}

// modificationCommand builds PDU SESSION MODIFICATION COMMAND with a new
// Session-AMBR and/or QoS rules (for later QoS changes).
// Spec: TS 24.501 §8.3.9
func modificationCommand(psi, pti uint8, ambrUL, ambrDL uint64, rules []byte) []byte {
	b := gsm(psi, pti, n1.MsgPDUSessionModificationCommand, 16+len(rules))
	if ambrUL != 0 || ambrDL != 0 {
		b = appendTLV(b, 0x2a, sessionAMBR(ambrUL, ambrDL))
	}
	if rules != nil {
		b = appendTLVE(b, 0x7a, rules)
	}
	return b
}

// status5GSM builds 5GSM STATUS. Spec: TS 24.501 §8.3.16
func status5GSM(psi, pti, cause uint8) []byte {
	return append(gsm(psi, pti, n1.MsgStatus5GSM, 1), cause)
}
