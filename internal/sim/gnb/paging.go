package gnb

import (
	"go5g/internal/n2"
)

// Pager is a UE in RRC_IDLE camped on the gNB's cell: it listens for
// paging with its 5G-S-TMSI. Paged is called from the gNB's reader and
// must not block.
type Pager interface {
	Paged()
}

// Camp makes a UE in RRC_IDLE with 5G-S-TMSI s reachable by paging
// through this gNB (it camps on its cell); camping again with the same
// identity replaces the earlier one.
//
// Spec: TS 38.304 §5.2 (cell selection, camping), §7 (paging)
func (g *GNB) Camp(s n2.FiveGSTMSI, p Pager) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.camped == nil {
		g.camped = map[n2.FiveGSTMSI]Pager{}
	}
	g.camped[s] = p
}

// Leave ends a UE's camping under identity s (it left the cell or changed
// its 5G-S-TMSI), if p is what camps there.
func (g *GNB) Leave(s n2.FiveGSTMSI, p Pager) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.camped[s] == p {
		delete(g.camped, s)
	}
}

// PagingStats counts Paging messages received from the AMF: in all, for
// a TAI list without the gNB's TA, and delivered to a camped UE.
type PagingStats struct {
	Received, OtherArea, Delivered uint64
}

// Pagings returns the paging counters.
func (g *GNB) Pagings() PagingStats {
	return PagingStats{Received: g.paging.received.Load(), OtherArea: g.paging.otherArea.Load(),
		Delivered: g.paging.delivered.Load()}
}

// onPaging pages the UE if the gNB's cell is in the TAI list: a camped UE
// with the UE paging identity is told (its RRC paging). Paging has no
// answer in NGAP: the UE answers with a SERVICE REQUEST. A UE the gNB does
// not know is not an error (it may camp elsewhere).
//
// Spec: TS 38.413 §8.5.1.2; TS 38.331 §5.3.2
func (g *GNB) onPaging(pdu n2.PDU) {
	if pdu.Type != n2.InitiatingMessage {
		return
	}
	g.paging.received.Add(1)
	m, err := n2.ParsePaging(pdu)
	if err != nil {
		g.log.Warn("bad PAGING", "err", err)
		return
	}
	here := false
	for _, t := range m.TAIs {
		here = here || t == g.loc.TAI
	}
	if !here {
		g.paging.otherArea.Add(1)
		return
	}
	g.mu.Lock()
	p := g.camped[m.STMSI]
	g.mu.Unlock()
	if p != nil {
		g.paging.delivered.Add(1)
		p.Paged()
	}
}
