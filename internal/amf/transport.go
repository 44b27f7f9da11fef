package amf

import (
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// onInitialUE opens a UE-associated logical NG connection for the first NAS
// message of a UE: a new AMF UE NGAP ID in this shard, and the UE context
// it belongs to.
//
// The message joins the context of the UE its 5G-S-TMSI (from NGAP, else
// from the NAS message) names only if it passes the integrity check with
// that context's NAS security context: whoever cannot protect a message
// with the UE's keys must not take over its context, its connection or its
// NAS COUNTs. Anything else starts in a new context; a registration there
// replaces the old context only once authentication succeeds (claimSUPI),
// and a SERVICE REQUEST there is rejected (onServiceRequest).
//
// Spec: TS 38.413 §8.6.1.2; TS 24.501 §4.4.4.3, §4.4.6
func (s *shard) onInitialUE(ev initialUE) {
	m := ev.msg
	if old := s.knownUE(m); old != nil {
		if plain, ok := s.verifyInitialNAS(old, m.NASPDU); ok {
			if old.conn != nil {
				// The UE left its old connection without a release: drop it.
				s.dropConn(old)
			}
			s.openConn(old, ev)
			// §4.4.4.3: the message passed the integrity check, so the
			// secure exchange of NAS messages is established on this new
			// NAS signalling connection.
			old.sec.secured = true
			old.trace.nasUp(m.NASPDU, plain, false)
			s.onNASMessage(old, plain, true)
			return
		}
	}
	u := &ue{}
	s.openConn(u, ev)
	s.onUplinkNAS(u, m.NASPDU)
}

// openConn gives the UE its new UE-associated logical NG connection.
func (s *shard) openConn(u *ue, ev initialUE) {
	m := ev.msg
	u.conn = &ueConn{ran: ev.ran, amfID: s.newID(), ranID: m.RANUENGAPID}
	u.loc = ueLocation{tai: m.Location.TAI, cgi: m.Location.CGI, seen: time.Now()}
	s.byID[u.conn.amfID] = u
	s.a.stats.connected.Add(1)
	u.trace.ngap(false, n2.ProcInitialUEMessage, n2.InitiatingMessage, 0)
}

// knownUE is the context named by the 5G-S-TMSI of an initial message.
func (s *shard) knownUE(m *n2.InitialUEMessage) *ue {
	t := m.STMSI
	if t == nil {
		t = initialNASSTMSI(m.NASPDU)
	}
	if t == nil || t.SetID != s.a.cfg.SetID || t.Pointer != s.a.cfg.Pointer {
		return nil
	}
	return s.byTMSI[t.TMSI]
}

// verifyInitialNAS checks an initial NAS message against the NAS security
// context of u and returns the plain message. Nothing of u changes unless
// the check passes (then its uplink NAS COUNT advances).
//
// Spec: TS 24.501 §4.4.3.2, §4.4.6
func (s *shard) verifyInitialNAS(u *ue, b []byte) ([]byte, bool) {
	if u.sec.nas == nil || len(b) < 3 || b[0] != n1.EPD5GMM || n1.HeaderType(b[1]&0x0f) == n1.HeaderPlain {
		return nil, false
	}
	plain, _, err := u.sec.nas.Unprotect(b)
	if err != nil {
		s.a.log.Info("initial NAS message not verified with the context its 5G-S-TMSI names: new context",
			append(u.logAttrs(), "err", err)...)
		return nil, false
	}
	return plain, true
}

// initialNASSTMSI reads the 5G-S-TMSI out of an initial NAS message that
// names the UE by 5G-GUTI (REGISTRATION REQUEST, DEREGISTRATION REQUEST)
// or 5G-S-TMSI (SERVICE REQUEST), plain or integrity protected (an initial
// message is never ciphered, §4.4.6); nil if there is none.
//
// Spec: TS 24.501 §8.2.6, §8.2.12, §8.2.16, §9.11.3.4
func initialNASSTMSI(b []byte) *n2.FiveGSTMSI {
	if len(b) > 7 && b[0] == n1.EPD5GMM && n1.HeaderType(b[1]&0x0f) != n1.HeaderPlain {
		b = b[7:]
	}
	if len(b) < 6 || b[0] != n1.EPD5GMM || b[1] != 0 {
		return nil
	}
	n := int(b[4])<<8 | int(b[5])
	id := b[6:]
	if len(id) < n {
		return nil
	}
	id = id[:n]
	var sp []byte
	switch {
	case (b[2] == n1.MsgRegistrationRequest || b[2] == n1.MsgDeregistrationRequestUE) && n == 11 && id[0]&0x07 == idGUTI:
		sp = id[5:]
	case b[2] == n1.MsgServiceRequest && n == 7 && id[0]&0x07 == idSTMSI:
		sp = id[1:]
	default:
		return nil
	}
	return &n2.FiveGSTMSI{SetID: uint16(sp[0])<<2 | uint16(sp[1])>>6, Pointer: sp[1] & 0x3f,
		TMSI: uint32(sp[2])<<24 | uint32(sp[3])<<16 | uint32(sp[4])<<8 | uint32(sp[5])}
}

// onUEPDU handles UE-associated NGAP after the initial message. The UE must
// be one this gNB holds, with the same RAN UE NGAP ID; otherwise the IDs are
// unknown or inconsistent and an Error Indication goes back.
//
// Spec: TS 38.413 §10.6
func (s *shard) onUEPDU(ev uePDU) {
	ids := ev.pdu.IDs
	u := s.byID[ids.AMF]
	if u == nil || u.conn.ran != ev.ran {
		s.a.sendErrorIndication(s.a.runCtx, ev.ran, 0, ids, n2.CauseUnknownLocalUENGAPID)
		return
	}
	if ids.HasRAN && ids.RAN != u.conn.ranID {
		s.a.sendErrorIndication(s.a.runCtx, ev.ran, 0, ids, n2.CauseInconsistentRemoteUENGAPID)
		return
	}
	u.trace.ngap(false, ev.pdu.Procedure, ev.pdu.Type, 0)
	switch ev.pdu.Procedure {
	case n2.ProcUplinkNASTransport:
		m, err := n2.ParseUplinkNASTransport(ev.pdu)
		if err != nil {
			s.ueErrorIndication(u, semanticCause(err))
			return
		}
		u.loc = ueLocation{tai: m.Location.TAI, cgi: m.Location.CGI, seen: time.Now()}
		s.onUplinkNAS(u, m.NASPDU)
	case n2.ProcInitialContextSetup:
		s.onInitialContextSetupOutcome(u, ev.pdu)
	case n2.ProcUEContextRelease:
		if ev.pdu.Type == n2.SuccessfulOutcome {
			s.onUEContextReleaseComplete(u, ev.pdu)
		}
	case n2.ProcUEContextReleaseRequest:
		s.onUEContextReleaseRequest(u, ev.pdu)
	case n2.ProcPDUSessionResourceSetup:
		if ev.pdu.Type == n2.SuccessfulOutcome {
			s.onPDUSessionResourceSetupResponse(u, ev.pdu)
		}
	case n2.ProcPDUSessionResourceRelease:
		if ev.pdu.Type == n2.SuccessfulOutcome {
			s.onPDUSessionResourceReleaseResponse(u, ev.pdu)
		}
	case n2.ProcPDUSessionResourceModify:
		if ev.pdu.Type == n2.SuccessfulOutcome {
			s.onPDUSessionResourceModifyResponse(u, ev.pdu) // modify.go
		}
	case n2.ProcErrorIndication:
		// Reported by the reader before routing; nothing more per UE.
	default:
		s.a.log.Info("UE-associated NGAP not handled", append(u.logAttrs(), "procedure", ev.pdu.Procedure)...)
		if ev.pdu.Type == n2.InitiatingMessage {
			s.ueErrorIndication(u, n2.CauseMessageNotCompatibleWithReceiverState)
		}
	}
}

// onBadUEPDU answers an undecodable PDU whose AMF UE NGAP ID was readable:
// the IDs are echoed only when they name a UE of this gNB (§8.7.5.2), so a
// gNB cannot learn or disturb another gNB's UEs.
func (s *shard) onBadUEPDU(ev badUEPDU) {
	var ids n2.UEIDs
	var stream uint16
	if pe, ok := ev.err.(*n2.ProtocolError); ok {
		if u := s.byID[pe.IDs.AMF]; u != nil && u.conn.ran == ev.ran {
			ids = pe.IDs
			stream = u.conn.stream()
		}
	}
	s.a.reportProtocolError(s.a.runCtx, ev.ran, stream, ev.err, ids)
}

// ueErrorIndication reports an error in a UE-associated message.
func (s *shard) ueErrorIndication(u *ue, cause n2.Cause) {
	u.trace.ngap(true, n2.ProcErrorIndication, n2.InitiatingMessage, cause)
	s.a.sendErrorIndication(s.a.runCtx, u.conn.ran, u.conn.stream(), u.conn.ids(), cause)
}
