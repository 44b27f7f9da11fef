package ue

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/free5gc/nas/nasMessage"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
)

// Session is a PDU session as the UE holds it after PDU SESSION
// ESTABLISHMENT ACCEPT.
//
// Spec: TS 24.501 §6.4.1.3, §8.3.2
type Session struct {
	ID      uint8
	Type    uint8 // n1.PDUSessionType*: the type the network selected
	SSCMode uint8
	DNN     string
	SNSSAI  n2.SNSSAI
	// IPv4 address; IPv6 interface identifier (the prefix comes in a
	// router advertisement over the user plane).
	IPv4    netip.Addr
	IPv6IID [8]byte
	HasIPv6 bool
	// QFI and 5QI of the default QoS rule's flow.
	QFI, FiveQI uint8
	// Session-AMBR in bit/s (TS 24.501 §9.11.4.14 units).
	AMBRUplink, AMBRDownlink uint64
	DNS                      []netip.Addr
	// Cause is the 5GSM cause of the accept (#50, #51), 0 if none.
	Cause uint8
	// QoSRules and Flows are every QoS rule and QoS flow description the
	// network authorized, as established and modified (modify.go).
	QoSRules []QoSRule
	Flows    []QoSFlow
}

// SessionRejectError is PDU SESSION ESTABLISHMENT REJECT or RELEASE
// REJECT, or a 5GSM message the network sent back with a 5GMM cause.
type SessionRejectError struct {
	Cause    uint8 // 5GSM cause
	GMMCause uint8 // 5GMM cause of DL NAS TRANSPORT when the AMF did not forward
}

func (e *SessionRejectError) Error() string {
	if e.GMMCause != 0 {
		return fmt.Sprintf("ue: 5GSM message not forwarded, 5GMM cause #%d", e.GMMCause)
	}
	return fmt.Sprintf("ue: PDU session request rejected with 5GSM cause #%d", e.Cause)
}

// smProc is a UE-requested 5GSM procedure under way, by PTI.
type smProc struct {
	psi   uint8
	kind  uint8 // message type sent
	dnn   string
	sn    n2.SNSSAI
	done  chan smResult
	timer *time.Timer
}

type smResult struct {
	s   Session
	err error
}

// T3580 and T3582 guard establishment and release (TS 24.501 Table 10.3.1).
const defaultT358x = 16 * time.Second

// EstablishPDUSession asks for a PDU session through the UE's current
// connection (g must be the gNB it is connected through): PDU SESSION
// ESTABLISHMENT REQUEST in UL NAS TRANSPORT (request type "initial
// request", with the DNN and S-NSSAI when given and an ePCO asking for
// DNS servers). It returns the session on ACCEPT, a *SessionRejectError on
// REJECT, or ErrTimeout when T3580 expires.
//
// Spec: TS 24.501 §6.4.1.2, §5.4.5.2.2
func (u *UE) EstablishPDUSession(ctx context.Context, g *gnb.GNB, dnn string, sn *n2.SNSSAI, pduType uint8) (Session, error) {
	var p *smProc
	var err error
	if cerr := u.do(func() {
		switch {
		case !u.registered || u.sec == nil:
			err = errors.New("ue: not registered")
			return
		case u.link == nil || u.g != g:
			err = errors.New("ue: not connected through this gNB")
			return
		}
		psi := uint8(0)
		for i := uint8(1); i <= 15; i++ {
			if _, used := u.sessions[i]; !used && !u.smPSIBusy(i) {
				psi = i
				break
			}
		}
		if psi == 0 {
			err = errors.New("ue: no free PDU session ID")
			return
		}
		pti := u.newPTI()
		p = &smProc{psi: psi, kind: n1.MsgPDUSessionEstablishmentRequest, dnn: dnn, done: make(chan smResult, 1)}
		if sn != nil {
			p.sn = *sn
		}
		req := establishmentRequest(psi, pti, pduType)
		err = u.sendSM(ulNASTransport(req, psi, n1.RequestInitial, sn, dnn), p, pti)
	}); cerr != nil {
		return Session{}, cerr
	}
	if err != nil {
		return Session{}, err
	}
	return u.waitSM(ctx, p)
}

// ReleasePDUSession asks the network to release a PDU session (PDU
// SESSION RELEASE REQUEST) and returns once the UE has answered PDU
// SESSION RELEASE COMMAND with COMPLETE.
//
// Spec: TS 24.501 §6.4.3.2, §6.3.3.3
func (u *UE) ReleasePDUSession(ctx context.Context, psi uint8) error {
	var p *smProc
	var err error
	if cerr := u.do(func() {
		if _, ok := u.sessions[psi]; !ok {
			err = fmt.Errorf("ue: no PDU session %d", psi)
			return
		}
		if u.link == nil {
			err = errors.New("ue: not connected")
			return
		}
		pti := u.newPTI()
		p = &smProc{psi: psi, kind: n1.MsgPDUSessionReleaseRequest, done: make(chan smResult, 1)}
		msg := gsmMsg(psi, pti, n1.MsgPDUSessionReleaseRequest)
		msg = append(msg, 0x59, n1.SMCauseRegularDeactivation)
		err = u.sendSM(ulNASTransport(msg, psi, 0, nil, ""), p, pti)
	}); cerr != nil {
		return cerr
	}
	if err != nil {
		return err
	}
	_, err = u.waitSM(ctx, p)
	return err
}

// Sessions lists the UE's PDU sessions.
func (u *UE) Sessions() []Session {
	var out []Session
	u.do(func() {
		for i := uint8(1); i <= 15; i++ {
			if s, ok := u.sessions[i]; ok {
				out = append(out, *s)
			}
		}
	})
	return out
}

func (u *UE) smPSIBusy(psi uint8) bool {
	for _, p := range u.smProcs {
		if p.psi == psi {
			return true
		}
	}
	return false
}

// newPTI allocates a procedure transaction identity, 1..254.
// Spec: TS 24.007 §11.2.3.1a
func (u *UE) newPTI() uint8 {
	for {
		u.pti++
		if u.pti == 0 || u.pti == 255 {
			u.pti = 1
		}
		if _, used := u.smProcs[u.pti]; !used {
			return u.pti
		}
	}
}

// sendSM sends an UL NAS TRANSPORT and registers the procedure with its
// guard timer. On the UE's goroutine.
func (u *UE) sendSM(msg []byte, p *smProc, pti uint8) error {
	if u.smProcs == nil {
		u.smProcs = map[uint8]*smProc{}
	}
	b, err := u.sec.Protect(msg, n1.HeaderIntegrityCiphered)
	if err != nil {
		return fmt.Errorf("ue: protect: %w", err)
	}
	if u.cfg.Faults.TamperSM && !u.smTampered {
		// A bit of the (ciphered) 5GSM container flipped on the way.
		u.smTampered = true
		b[len(b)-1] ^= 0x01
	}
	if err := u.link.UplinkNAS(context.Background(), b); err != nil {
		return err
	}
	u.smProcs[pti] = p
	d := u.cfg.T3580
	if d == 0 {
		d = defaultT358x
	}
	p.timer = time.AfterFunc(d, func() {
		select {
		case u.calls <- func() { u.endSM(pti, smResult{err: fmt.Errorf("%w: T3580/T3582 expired", ErrTimeout)}) }:
		case <-u.quit:
		}
	})
	return nil
}

func (u *UE) waitSM(ctx context.Context, p *smProc) (Session, error) {
	select {
	case r := <-p.done:
		return r.s, r.err
	case <-ctx.Done():
		u.do(func() {
			for pti, x := range u.smProcs {
				if x == p {
					u.endSM(pti, smResult{err: ctx.Err()})
				}
			}
		})
		return Session{}, ctx.Err()
	case <-u.quit:
		return Session{}, ErrClosed
	}
}

// endSM ends the procedure of pti with r.
func (u *UE) endSM(pti uint8, r smResult) {
	p := u.smProcs[pti]
	if p == nil {
		return
	}
	delete(u.smProcs, pti)
	p.timer.Stop()
	p.done <- r
}

// onDLNASTransport handles DL NAS TRANSPORT with N1 SM information: a
// 5GSM message for a procedure of the UE, a network-requested release, or
// a message the AMF could not forward (5GMM cause).
//
// Spec: TS 24.501 §5.4.5.3.3, §8.2.11
func (u *UE) onDLNASTransport(m *nasMessage.DLNASTransport) {
	if m == nil || m.SpareHalfOctetAndPayloadContainerType.GetPayloadContainerType() != n1.PayloadN1SMInformation {
		return
	}
	b := m.PayloadContainer.GetPayloadContainerContents()
	if m.Cause5GMM != nil {
		// §5.4.5.3.3: the 5GSM message we sent was not forwarded.
		if len(b) >= 3 {
			u.endSM(b[2], smResult{err: &SessionRejectError{GMMCause: m.Cause5GMM.GetCauseValue()}})
		}
		return
	}
	gm, err := n1.Decode(b)
	if err != nil || gm.GsmMessage == nil {
		u.log.Info("undecodable 5GSM message", "err", err)
		return
	}
	psi, pti := b[1], b[2]
	switch gm.GsmHeader.GetMessageType() {
	case n1.MsgPDUSessionEstablishmentAccept:
		p := u.smProcs[pti]
		if p == nil || p.psi != psi || p.kind != n1.MsgPDUSessionEstablishmentRequest {
			return
		}
		s, err := parseAccept(gm.PDUSessionEstablishmentAccept)
		if err != nil {
			u.endSM(pti, smResult{err: err})
			return
		}
		s.ID = psi
		acceptQoS(&s, gm.PDUSessionEstablishmentAccept) // modify.go
		if s.DNN == "" {
			s.DNN = p.dnn
		}
		if u.sessions == nil {
			u.sessions = map[uint8]*Session{}
		}
		u.sessions[psi] = &s
		u.endSM(pti, smResult{s: s})
	case n1.MsgPDUSessionEstablishmentReject:
		u.endSM(pti, smResult{err: &SessionRejectError{Cause: gm.PDUSessionEstablishmentReject.Cause5GSM.GetCauseValue()}})
	case n1.MsgPDUSessionReleaseReject:
		u.endSM(pti, smResult{err: &SessionRejectError{Cause: gm.PDUSessionReleaseReject.Cause5GSM.GetCauseValue()}})
	case n1.MsgPDUSessionReleaseCommand:
		// §6.3.3.3: release the session and answer COMPLETE (also for a
		// network-requested release, PTI 0).
		delete(u.sessions, psi)
		u.closeTUN(psi)
		complete := gsmMsg(psi, pti, n1.MsgPDUSessionReleaseComplete)
		if b, err := u.sec.Protect(ulNASTransport(complete, psi, 0, nil, ""), n1.HeaderIntegrityCiphered); err == nil && u.link != nil {
			u.link.UplinkNAS(context.Background(), b)
		}
		if pti != 0 {
			u.endSM(pti, smResult{})
		}
	case n1.MsgPDUSessionModificationCommand:
		u.onModificationCommand(psi, pti, gm) // modify.go
	case n1.MsgPDUSessionModificationReject:
		u.endSM(pti, smResult{err: &SessionRejectError{Cause: gm.PDUSessionModificationReject.Cause5GSM.GetCauseValue()}})
	case n1.MsgStatus5GSM:
		u.endSM(pti, smResult{err: &SessionRejectError{Cause: gm.Status5GSM.Cause5GSM.GetCauseValue()}})
	}
}

// parseAccept reads PDU SESSION ESTABLISHMENT ACCEPT (decoded by the
// library) into a Session, reading the QoS rules, QoS flow descriptions,
// PDU address and ePCO from their octets.
//
// Spec: TS 24.501 §8.3.2, §9.11.4.10, §9.11.4.12, §9.11.4.13, §9.11.4.14
func parseAccept(m *nasMessage.PDUSessionEstablishmentAccept) (Session, error) {
	var s Session
	o := m.SelectedSSCModeAndSelectedPDUSessionType.Octet
	s.Type, s.SSCMode = o&0x07, o>>4&0x07
	rules := m.AuthorizedQosRules.GetQosRule()
	// QRI, length(2), op|DQR|n, filters..., precedence, QFI
	if len(rules) < 4 {
		return s, errors.New("ue: no QoS rule in accept")
	}
	n := int(binary.BigEndian.Uint16(rules[1:3]))
	if len(rules) < 3+n || n < 3 {
		return s, errors.New("ue: truncated QoS rule")
	}
	s.QFI = rules[3+n-1] & 0x3f
	ul, dl := m.SessionAMBR.GetSessionAMBRForUplink(), m.SessionAMBR.GetSessionAMBRForDownlink()
	s.AMBRUplink = ambrBPS(m.SessionAMBR.GetUnitForSessionAMBRForUplink(), binary.BigEndian.Uint16(ul[:]))
	s.AMBRDownlink = ambrBPS(m.SessionAMBR.GetUnitForSessionAMBRForDownlink(), binary.BigEndian.Uint16(dl[:]))
	if m.Cause5GSM != nil {
		s.Cause = m.Cause5GSM.GetCauseValue()
	}
	if a := m.PDUAddress; a != nil {
		info := a.GetPDUAddressInformation()
		switch a.GetPDUSessionTypeValue() {
		case n1.PDUSessionTypeIPv4:
			s.IPv4 = netip.AddrFrom4([4]byte(info[:4]))
		case n1.PDUSessionTypeIPv6:
			copy(s.IPv6IID[:], info[:8])
			s.HasIPv6 = true
		case n1.PDUSessionTypeIPv4v6:
			copy(s.IPv6IID[:], info[:8])
			s.HasIPv6 = true
			s.IPv4 = netip.AddrFrom4([4]byte(info[8:12]))
		}
	}
	if m.SNSSAI != nil {
		s.SNSSAI = n2.SNSSAI{SST: m.SNSSAI.GetSST()}
		if m.SNSSAI.GetLen() >= 4 {
			sd := m.SNSSAI.GetSD()
			s.SNSSAI.SD, s.SNSSAI.HasSD = uint32(sd[0])<<16|uint32(sd[1])<<8|uint32(sd[2]), true
		}
	}
	if d := m.AuthorizedQosFlowDescriptions; d != nil {
		// QFI, op, E|n, then parameters (id, length, contents).
		f := d.GetQoSFlowDescriptions()
		if len(f) >= 3 {
			np := int(f[2] & 0x3f)
			for i, k := 3, 0; k < np && i+2 <= len(f); k++ {
				id, l := f[i], int(f[i+1])
				if i+2+l > len(f) {
					break
				}
				if id == 0x01 && l == 1 {
					s.FiveQI = f[i+2]
				}
				i += 2 + l
			}
		}
	}
	if e := m.ExtendedProtocolConfigurationOptions; e != nil {
		s.DNS = pcoDNSServers(e.GetExtendedProtocolConfigurationOptionsContents())
	}
	if m.DNN != nil {
		s.DNN = m.DNN.GetDNN()
	}
	return s, nil
}

// ambrBPS converts a Session-AMBR unit and value to bit/s: unit 1 is
// 1 kbit/s, each next unit 4 times the previous (to unit 0x19).
// Spec: TS 24.501 §9.11.4.14
func ambrBPS(unit uint8, v uint16) uint64 {
	if unit == 0 || unit > 0x19 {
		return 0
	}
	m := uint64(1000)
	for i := uint8(1); i < unit; i++ {
		m *= 4
	}
	return uint64(v) * m
}

// pcoDNSServers reads the DNS server addresses of (e)PCO contents.
// Spec: TS 24.008 §10.5.6.3
func pcoDNSServers(c []byte) []netip.Addr {
	var out []netip.Addr
	if len(c) < 1 {
		return nil
	}
	for i := 1; i+3 <= len(c); {
		id, n := binary.BigEndian.Uint16(c[i:]), int(c[i+2])
		if i+3+n > len(c) {
			break
		}
		v := c[i+3 : i+3+n]
		switch {
		case id == 0x000d && n == 4:
			out = append(out, netip.AddrFrom4([4]byte(v)))
		case id == 0x0003 && n == 16:
			out = append(out, netip.AddrFrom16([16]byte(v)))
		}
		i += 3 + n
	}
	return out
}

// The uplink 5GSM messages, encoded from TS 24.501 §8.3.

// gsmMsg starts a 5GSM message. Spec: TS 24.501 §9.1.1
func gsmMsg(psi, pti, t uint8) []byte { return []byte{n1.EPD5GSM, psi, pti, t} }

// establishmentRequest builds PDU SESSION ESTABLISHMENT REQUEST: integrity
// protection maximum data rate "full data rate" both ways, the PDU session
// type if given, SSC mode 1, and an ePCO asking for IPv4 and IPv6 DNS
// servers.
//
// Spec: TS 24.501 §8.3.1, §9.11.4.7, §9.11.4.11, §9.11.4.16; TS 24.008 §10.5.6.3
func establishmentRequest(psi, pti, pduType uint8) []byte {
	b := gsmMsg(psi, pti, n1.MsgPDUSessionEstablishmentRequest)
	b = append(b, 0xff, 0xff)
	if pduType != 0 {
		b = append(b, 0x90|pduType&0x07)
	}
	b = append(b, 0xa0|1)
	pco := []byte{0x80, 0x00, 0x0d, 0x00, 0x00, 0x03, 0x00}
	b = append(b, 0x7b)
	b = binary.BigEndian.AppendUint16(b, uint16(len(pco)))
	return append(b, pco...)
}

// ulNASTransport builds UL NAS TRANSPORT with a 5GSM message: payload type
// N1 SM information, PDU session ID, and for an initial request the
// request type, S-NSSAI and DNN.
//
// Spec: TS 24.501 §8.2.10
func ulNASTransport(sm []byte, psi, reqType uint8, sn *n2.SNSSAI, dnn string) []byte {
	b := gmm(n1.MsgULNASTransport, 16+len(sm)+len(dnn))
	b = append(b, n1.PayloadN1SMInformation)
	b = binary.BigEndian.AppendUint16(b, uint16(len(sm)))
	b = append(b, sm...)
	b = append(b, n1.IEIPDUSessionID, psi)
	if reqType != 0 {
		b = append(b, n1.IEIRequestType<<4|reqType&0x07)
	}
	if sn != nil {
		ns := nssai([]n2.SNSSAI{*sn}) // length, SST[, SD]
		b = append(b, n1.IEISNSSAI)
		b = append(b, ns...)
	}
	if dnn != "" {
		var v []byte
		for i, j := 0, 0; j <= len(dnn); j++ {
			if j == len(dnn) || dnn[j] == '.' {
				v = append(v, byte(j-i))
				v = append(v, dnn[i:j]...)
				i = j + 1
			}
		}
		b = append(b, n1.IEIDNN, byte(len(v)))
		b = append(b, v...)
	}
	return b
}
