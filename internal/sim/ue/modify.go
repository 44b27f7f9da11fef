package ue

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/free5gc/nas"
	"github.com/free5gc/nas/nasMessage"

	"go5g/internal/n1"
)

// QoSRule is a QoS rule as the UE holds it: identifier, QFI, precedence,
// whether it is the default rule, and its packet filters (each the
// direction and the raw packet filter contents).
//
// Spec: TS 24.501 §9.11.4.13
type QoSRule struct {
	ID, QFI, Precedence uint8
	Default             bool
	Filters             []PacketFilter
}

// PacketFilter is one packet filter of a QoS rule: direction (1 downlink,
// 2 uplink, 3 bidirectional), identifier and the component octets.
type PacketFilter struct {
	Direction, ID uint8
	Contents      []byte
}

// QoSFlow is a QoS flow description: the QFI, 5QI and the GBR flow's bit
// rates (bit/s; 0 when absent).
//
// Spec: TS 24.501 §9.11.4.12
type QoSFlow struct {
	QFI, FiveQI              uint8
	GFBRUplink, GFBRDownlink uint64
	MFBRUplink, MFBRDownlink uint64
}

// ModifyOptions are what a UE-requested modification asks for.
type ModifyOptions struct {
	// RequestedQoSRules is the Requested QoS rules IE value (encoded QoS
	// rules), sent when not nil.
	RequestedQoSRules []byte
}

// ModifyPDUSession asks the network to modify a PDU session (PDU SESSION
// MODIFICATION REQUEST) and returns the session as the network's PDU
// SESSION MODIFICATION COMMAND left it (the UE answered COMPLETE), or a
// *SessionRejectError for PDU SESSION MODIFICATION REJECT.
//
// Spec: TS 24.501 §6.4.2.2, §6.4.2.3, §8.3.7
func (u *UE) ModifyPDUSession(ctx context.Context, psi uint8, opt ModifyOptions) (Session, error) {
	var p *smProc
	var err error
	if cerr := u.do(func() {
		if _, ok := u.sessions[psi]; !ok {
			err = fmt.Errorf("ue: no PDU session %d", psi)
			return
		}
		if u.link == nil || u.sec == nil {
			err = errors.New("ue: not connected")
			return
		}
		pti := u.newPTI()
		p = &smProc{psi: psi, kind: n1.MsgPDUSessionModificationRequest, done: make(chan smResult, 1)}
		err = u.sendSM(ulNASTransport(modificationRequest(psi, pti, opt), psi, 0, nil, ""), p, pti)
	}); cerr != nil {
		return Session{}, cerr
	}
	if err != nil {
		return Session{}, err
	}
	return u.waitSM(ctx, p)
}

// modificationRequest builds PDU SESSION MODIFICATION REQUEST.
// Spec: TS 24.501 §8.3.7 (IEI 7A Requested QoS rules)
func modificationRequest(psi, pti uint8, opt ModifyOptions) []byte {
	b := gsmMsg(psi, pti, n1.MsgPDUSessionModificationRequest)
	if opt.RequestedQoSRules != nil {
		b = append(b, 0x7a)
		b = binary.BigEndian.AppendUint16(b, uint16(len(opt.RequestedQoSRules)))
		b = append(b, opt.RequestedQoSRules...)
	}
	return b
}

// onModificationCommand applies PDU SESSION MODIFICATION COMMAND to the
// session (Session-AMBR, QoS rules, QoS flow descriptions) and answers
// COMPLETE; a command the UE cannot apply is answered COMMAND REJECT with
// #83/#84 (semantic or syntactical error in the QoS operation). A command
// with the PTI of the UE's request ends that procedure.
//
// Spec: TS 24.501 §6.3.2.3, §6.3.2.4, §8.3.9-§8.3.11
func (u *UE) onModificationCommand(psi, pti uint8, gm *nas.Message) {
	m := gm.PDUSessionModificationCommand
	s := u.sessions[psi]
	if m == nil || s == nil {
		u.sendSMReply(psi, append(gsmMsg(psi, pti, n1.MsgStatus5GSM), n1.SMCauseInvalidPDUSessionIdentity))
		return
	}
	next := *s
	next.QoSRules, next.Flows = slices.Clone(s.QoSRules), slices.Clone(s.Flows)
	if a := m.SessionAMBR; a != nil {
		ul, dl := a.GetSessionAMBRForUplink(), a.GetSessionAMBRForDownlink()
		next.AMBRUplink = ambrBPS(a.GetUnitForSessionAMBRForUplink(), binary.BigEndian.Uint16(ul[:]))
		next.AMBRDownlink = ambrBPS(a.GetUnitForSessionAMBRForDownlink(), binary.BigEndian.Uint16(dl[:]))
	}
	var err error
	if r := m.AuthorizedQosRules; r != nil {
		next.QoSRules, err = applyQoSRules(next.QoSRules, r.GetQosRule())
	}
	if d := m.AuthorizedQosFlowDescriptions; d != nil && err == nil {
		next.Flows, err = applyFlowDescriptions(next.Flows, d.GetQoSFlowDescriptions())
	}
	if err != nil {
		u.log.Info("PDU SESSION MODIFICATION COMMAND rejected", "psi", psi, "err", err)
		u.sendSMReply(psi, append(gsmMsg(psi, pti, msgModificationCommandReject), 84))
		return
	}
	*s = next
	u.sendSMReply(psi, gsmMsg(psi, pti, n1.MsgPDUSessionModificationComplete))
	if p := u.smProcs[pti]; pti != 0 && p != nil && p.kind == n1.MsgPDUSessionModificationRequest {
		u.endSM(pti, smResult{s: next})
	}
}

// msgModificationCommandReject is PDU SESSION MODIFICATION COMMAND REJECT.
// Spec: TS 24.501 Table 9.7.2
const msgModificationCommandReject = 0xcd

// sendSMReply sends a 5GSM answer in UL NAS TRANSPORT.
func (u *UE) sendSMReply(psi uint8, msg []byte) {
	if u.sec == nil || u.link == nil {
		return
	}
	if b, err := u.sec.Protect(ulNASTransport(msg, psi, 0, nil, ""), n1.HeaderIntegrityCiphered); err == nil {
		u.link.UplinkNAS(context.Background(), b)
	}
}

// applyQoSRules applies encoded QoS rules (TS 24.501 §9.11.4.13) to l:
// create (001) adds or replaces, delete (010) removes, modify and replace
// all packet filters (011) replaces the filters, precedence and QFI.
func applyQoSRules(l []QoSRule, b []byte) ([]QoSRule, error) {
	for len(b) > 0 {
		if len(b) < 4 {
			return l, errors.New("truncated QoS rule")
		}
		id, n := b[0], int(binary.BigEndian.Uint16(b[1:3]))
		if len(b) < 3+n || n < 1 {
			return l, errors.New("truncated QoS rule")
		}
		body := b[3 : 3+n]
		b = b[3+n:]
		op, dqr, nf := body[0]>>5, body[0]&0x10 != 0, int(body[0]&0x0f)
		i := slices.IndexFunc(l, func(r QoSRule) bool { return r.ID == id })
		switch op {
		case 2: // delete existing QoS rule
			if i >= 0 {
				l = slices.Delete(l, i, i+1)
			}
			continue
		case 1, 3:
		default:
			return l, fmt.Errorf("QoS rule %d: operation code %d not supported", id, op)
		}
		r := QoSRule{ID: id, Default: dqr}
		k := 1
		for f := 0; f < nf; f++ {
			if k+2 > len(body) {
				return l, fmt.Errorf("QoS rule %d: truncated packet filter", id)
			}
			dir, pid, cl := body[k]>>4&0x03, body[k]&0x0f, int(body[k+1])
			if k+2+cl > len(body) {
				return l, fmt.Errorf("QoS rule %d: truncated packet filter", id)
			}
			r.Filters = append(r.Filters, PacketFilter{Direction: dir, ID: pid, Contents: slices.Clone(body[k+2 : k+2+cl])})
			k += 2 + cl
		}
		if k+2 > len(body) {
			return l, fmt.Errorf("QoS rule %d: no precedence and QFI", id)
		}
		r.Precedence, r.QFI = body[k], body[k+1]&0x3f
		switch {
		case op == 3 && i < 0:
			return l, fmt.Errorf("QoS rule %d: modify of an unknown rule", id)
		case i >= 0:
			r.Default = r.Default || l[i].Default
			l[i] = r
		default:
			l = append(l, r)
		}
	}
	return l, nil
}

// applyFlowDescriptions applies encoded QoS flow descriptions (TS 24.501
// §9.11.4.12) to l: create adds, delete removes, modify changes the
// parameters given.
func applyFlowDescriptions(l []QoSFlow, b []byte) ([]QoSFlow, error) {
	for len(b) > 0 {
		if len(b) < 3 {
			return l, errors.New("truncated QoS flow description")
		}
		qfi, op, np := b[0]&0x3f, b[1]>>5, int(b[2]&0x3f)
		b = b[3:]
		i := slices.IndexFunc(l, func(f QoSFlow) bool { return f.QFI == qfi })
		f := QoSFlow{QFI: qfi}
		if i >= 0 {
			f = l[i]
		}
		for k := 0; k < np; k++ {
			if len(b) < 2 || len(b) < 2+int(b[1]) {
				return l, fmt.Errorf("QoS flow %d: truncated parameter", qfi)
			}
			id, v := b[0], b[2:2+int(b[1])]
			b = b[2+len(v):]
			rate := func() uint64 {
				if len(v) != 3 {
					return 0
				}
				return ambrBPS(v[0], binary.BigEndian.Uint16(v[1:]))
			}
			switch id {
			case 0x01:
				if len(v) == 1 {
					f.FiveQI = v[0]
				}
			case 0x02:
				f.GFBRUplink = rate()
			case 0x03:
				f.GFBRDownlink = rate()
			case 0x04:
				f.MFBRUplink = rate()
			case 0x05:
				f.MFBRDownlink = rate()
			}
		}
		switch {
		case op == 2:
			if i >= 0 {
				l = slices.Delete(l, i, i+1)
			}
		case i >= 0:
			l[i] = f
		case op == 1 || op == 3:
			l = append(l, f)
		default:
			return l, fmt.Errorf("QoS flow %d: operation code %d not supported", qfi, op)
		}
	}
	return l, nil
}

// acceptQoS reads every QoS rule and QoS flow description of PDU SESSION
// ESTABLISHMENT ACCEPT into s (parseAccept reads the default rule's QFI
// and 5QI). Spec: TS 24.501 §6.4.1.3, §8.3.2
func acceptQoS(s *Session, m *nasMessage.PDUSessionEstablishmentAccept) {
	if r, err := applyQoSRules(nil, m.AuthorizedQosRules.GetQosRule()); err == nil {
		s.QoSRules = r
	}
	if d := m.AuthorizedQosFlowDescriptions; d != nil {
		if f, err := applyFlowDescriptions(nil, d.GetQoSFlowDescriptions()); err == nil {
			s.Flows = f
		}
	}
}
