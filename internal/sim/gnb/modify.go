package gnb

import (
	"context"
	"slices"

	"go5g/internal/n2"
)

// onPDUSessionResourceModify changes each named session as the Modify
// Request Transfer says: the PDU session AMBR, QoS flows added or
// modified (by QFI) and QoS flows released; hands the NAS PDU (PDU
// SESSION MODIFICATION COMMAND) to the UE and answers with a Modify
// Response Transfer listing the flows added or modified, or a Modify
// Unsuccessful Transfer for a session it does not have (cause "unknown
// PDU session ID") or cannot read.
//
// Spec: TS 38.413 §8.2.3.2, §9.3.4.3, §9.3.4.4, §9.3.4.17; §9.3.1.2
// (radio network cause 26 "unknown PDU session ID")
func (g *GNB) onPDUSessionResourceModify(ctx context.Context, pdu n2.PDU) {
	if pdu.Type != n2.InitiatingMessage {
		return
	}
	m, err := n2.ParsePDUSessionResourceModifyRequest(pdu)
	if err != nil {
		g.log.Warn("bad PDU SESSION RESOURCE MODIFY REQUEST", "err", err)
		return
	}
	c := g.lookup(n2.UEIDs{AMF: m.AMFUENGAPID, RAN: m.RANUENGAPID, HasAMF: true, HasRAN: true})
	if c == nil {
		g.errorIndication(pdu.IDs, n2.CauseUnknownLocalUENGAPID)
		return
	}
	resp := n2.PDUSessionResourceModifyResponse{AMFUENGAPID: m.AMFUENGAPID, RANUENGAPID: m.RANUENGAPID}
	fail := func(id uint8, cause n2.Cause) {
		f, _ := n2.ModifyUnsuccessfulTransfer{Cause: cause}.Marshal()
		resp.Failed = append(resp.Failed, n2.SessionItem{ID: id, Transfer: f})
	}
	for _, it := range m.Sessions {
		t, err := n2.ParseModifyRequestTransfer(it.Transfer)
		if err != nil {
			g.log.Warn("bad PDU session resource modify request transfer", "psi", it.ID, "err", err)
			fail(it.ID, n2.MakeCause(n2.CauseProtocol, 1))
			continue
		}
		var done []uint8
		c.mu.Lock()
		s := c.sessions[it.ID]
		if s != nil {
			// Copies: Sessions() hands out the old slices.
			s.Flows, s.QFIs = slices.Clone(s.Flows), slices.Clone(s.QFIs)
			if t.AMBRUplink != 0 || t.AMBRDownlink != 0 {
				s.AMBRUplink, s.AMBRDownlink = t.AMBRUplink, t.AMBRDownlink
			}
			for _, f := range t.AddOrModify {
				i := slices.IndexFunc(s.Flows, func(x n2.QosFlowRequest) bool { return x.QFI == f.QFI })
				switch {
				case i >= 0 && f.ARPPriority != 0:
					s.Flows[i] = f
				case i < 0:
					s.Flows = append(s.Flows, f)
				}
				if !slices.Contains(s.QFIs, f.QFI) {
					s.QFIs = append(s.QFIs, f.QFI)
				}
				done = append(done, f.QFI)
			}
			for _, r := range t.Release {
				s.Flows = slices.DeleteFunc(s.Flows, func(x n2.QosFlowRequest) bool { return x.QFI == r.QFI })
				s.QFIs = slices.DeleteFunc(s.QFIs, func(q uint8) bool { return q == r.QFI })
			}
		}
		c.mu.Unlock()
		if s == nil {
			fail(it.ID, n2.MakeCause(n2.CauseRadioNetwork, 26))
			continue
		}
		b, err := n2.ModifyResponseTransfer{AddedOrModified: done}.Marshal()
		if err != nil {
			g.log.Warn("modify response transfer", "err", err)
			continue
		}
		resp.Modified = append(resp.Modified, n2.SessionItem{ID: it.ID, Transfer: b})
		if it.NASPDU != nil {
			c.t.DownlinkNAS(it.NASPDU)
		}
	}
	if b, err := resp.Marshal(); err == nil {
		g.send(ctx, c.stream(), b)
	}
}
