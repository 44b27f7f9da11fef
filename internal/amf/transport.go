package amf

import (
	"time"

	"go5g/internal/n2"
)

// onInitialUE opens a UE-associated logical NG connection for the first NAS
// message of a UE: a new AMF UE NGAP ID in this shard, and the UE context
// it belongs to: an idle registered UE named by its 5G-S-TMSI, or a new one.
//
// Spec: TS 38.413 §8.6.1.2
func (s *shard) onInitialUE(ev initialUE) {
	m := ev.msg
	var u *ue
	if t := m.STMSI; t != nil && t.SetID == s.a.cfg.SetID && t.Pointer == s.a.cfg.Pointer {
		if old := s.byTMSI[t.TMSI]; old != nil {
			if old.conn != nil {
				// The UE left its old connection without a release: drop it.
				s.connReleased(old)
			}
			u = old
			// §4.4.4.3: the secure exchange of NAS messages belongs to a
			// NAS signalling connection; this is a new one.
			u.sec.secured = false
		}
	}
	if u == nil {
		u = &ue{}
	}
	u.conn = &ueConn{ran: ev.ran, amfID: s.newID(), ranID: m.RANUENGAPID}
	u.loc = ueLocation{tai: m.Location.TAI, cgi: m.Location.CGI, seen: time.Now()}
	s.byID[u.conn.amfID] = u
	s.onUplinkNAS(u, m.NASPDU)
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
	s.a.sendErrorIndication(s.a.runCtx, u.conn.ran, u.conn.stream(), u.conn.ids(), cause)
}
