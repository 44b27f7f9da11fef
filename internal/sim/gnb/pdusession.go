package gnb

import (
	"context"
	"net/netip"
	"sort"

	"go5g/internal/n2"
	"go5g/internal/sctp"
)

// Session is a PDU session's user plane as the gNB set it up: the UPF's
// N3 tunnel endpoint for uplink, the gNB's own DL TEID, the QoS flows and
// the PDU session type. The GTP-U forwarder reads it.
//
// Spec: TS 38.413 §8.2.1.2, §9.3.4.1, §9.3.4.2
type Session struct {
	RANUENGAPID  uint32
	ID           uint8
	SNSSAI       n2.SNSSAI
	UL           n2.Tunnel // the UPF's endpoint: send uplink here
	DL           n2.Tunnel // the gNB's endpoint: DL TEID and N3 address
	QFIs         []uint8
	Type         uint8 // n2.PDUSessionIPv4, IPv6, IPv4v6
	AMBRUplink   uint64
	AMBRDownlink uint64
	// Flows are the QoS flows with their parameters (QFIs lists their
	// identifiers), as set up and modified (modify.go).
	Flows []n2.QosFlowRequest
}

// n3Addr is the gNB's N3 address: configured, else the N2 association's
// local address, else 127.0.0.1.
func (g *GNB) n3Addr() netip.Addr {
	if g.cfg.N3Addr.IsValid() {
		return g.cfg.N3Addr
	}
	if g.conn != nil {
		if a, ok := g.conn.LocalAddr().(sctp.Addr); ok && a.IP.IsValid() && !a.IP.IsUnspecified() {
			return a.IP.Unmap()
		}
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// Sessions lists the PDU sessions the gNB holds, by RAN UE NGAP ID then ID.
func (g *GNB) Sessions() []Session {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Session
	for _, c := range g.ues {
		c.mu.Lock()
		for _, s := range c.sessions {
			out = append(out, *s)
		}
		c.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].RANUENGAPID != out[j].RANUENGAPID {
			return out[i].RANUENGAPID < out[j].RANUENGAPID
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// SessionByDLTEID finds the session whose DL tunnel has teid, for the
// GTP-U forwarder's downlink.
func (g *GNB) SessionByDLTEID(teid uint32) (Session, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s := g.byTEID[teid]; s != nil {
		return *s, true
	}
	return Session{}, false
}

// Session returns a PDU session of this UE connection.
func (c *Connection) Session(id uint8) (Session, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.sessions[id]; s != nil {
		return *s, true
	}
	return Session{}, false
}

// newTEID allocates a DL TEID not in use (never 0). Caller holds g.mu.
func (g *GNB) newTEID() uint32 {
	for {
		g.nextTEID++
		if g.nextTEID == 0 {
			continue
		}
		if _, used := g.byTEID[g.nextTEID]; !used {
			return g.nextTEID
		}
	}
}

// onPDUSessionResourceSetup sets up each PDU session: it reads the UPF's
// tunnel and the QoS flows from the transfer, allocates a DL TEID, hands
// the NAS PDU to the UE and answers with a Setup Response Transfer (or an
// Unsuccessful Transfer for a session it cannot read).
//
// Spec: TS 38.413 §8.2.1.2
func (g *GNB) onPDUSessionResourceSetup(ctx context.Context, pdu n2.PDU) {
	if pdu.Type != n2.InitiatingMessage {
		return
	}
	m, err := n2.ParsePDUSessionResourceSetupRequest(pdu)
	if err != nil {
		g.log.Warn("bad PDU SESSION RESOURCE SETUP REQUEST", "err", err)
		return
	}
	c := g.lookup(n2.UEIDs{AMF: m.AMFUENGAPID, RAN: m.RANUENGAPID, HasAMF: true, HasRAN: true})
	if c == nil {
		g.errorIndication(pdu.IDs, n2.CauseUnknownLocalUENGAPID)
		return
	}
	resp := n2.PDUSessionResourceSetupResponse{AMFUENGAPID: m.AMFUENGAPID, RANUENGAPID: m.RANUENGAPID}
	for _, it := range m.Sessions {
		r, ok := g.setupSession(c, it)
		if !ok {
			resp.Failed = append(resp.Failed, r)
			continue
		}
		resp.Setup = append(resp.Setup, r)
		if it.NASPDU != nil {
			c.t.DownlinkNAS(it.NASPDU)
		}
	}
	if su, ok := c.t.(SessionsNotifier); ok && len(resp.Setup) > 0 {
		su.SessionsUp()
	}
	if b, err := resp.Marshal(); err == nil {
		g.send(ctx, c.stream(), b)
	}
}

// SessionsNotifier is a Terminal told when PDU sessions were set up
// without a NAS message for it (e.g. user plane re-activation on a live
// connection), so that it binds their bearers. Called from the gNB's
// reader; must not block.
type SessionsNotifier interface {
	SessionsUp()
}

// setupSession sets up one PDU session of a setup request (PDU Session
// Resource Setup or Initial Context Setup): it reads the UPF's tunnel and
// the QoS flows, allocates a DL TEID, and returns the Setup Response
// Transfer, or (false) a Setup Unsuccessful Transfer.
//
// Spec: TS 38.413 §8.2.1.2, §8.3.1.2, §9.3.4.2, §9.3.4.16
func (g *GNB) setupSession(c *Connection, it n2.SessionItem) (n2.SessionItem, bool) {
	fail := func() (n2.SessionItem, bool) {
		f, _ := n2.SetupUnsuccessfulTransfer{Cause: n2.MakeCause(n2.CauseProtocol, 1)}.Marshal()
		return n2.SessionItem{ID: it.ID, Transfer: f}, false
	}
	t, err := n2.ParseSetupRequestTransfer(it.Transfer)
	if err != nil || it.ID == 0 {
		g.log.Warn("bad PDU session resource setup request transfer", "psi", it.ID, "err", err)
		return fail()
	}
	s := &Session{RANUENGAPID: c.ranID, ID: it.ID, SNSSAI: it.SNSSAI, UL: t.UL, Type: t.PDUSessionType,
		AMBRUplink: t.AMBRUplink, AMBRDownlink: t.AMBRDownlink}
	for _, f := range t.Flows {
		s.QFIs = append(s.QFIs, f.QFI)
	}
	s.Flows = t.Flows
	g.mu.Lock()
	s.DL = n2.Tunnel{Addr: g.n3Addr(), TEID: g.newTEID()}
	g.byTEID[s.DL.TEID] = s
	g.mu.Unlock()
	c.mu.Lock()
	if c.sessions == nil {
		c.sessions = map[uint8]*Session{}
	}
	old := c.sessions[it.ID]
	c.sessions[it.ID] = s
	c.mu.Unlock()
	if old != nil {
		g.mu.Lock()
		delete(g.byTEID, old.DL.TEID)
		g.dropBearer(old.DL.TEID)
		g.mu.Unlock()
	}
	b, err := n2.SetupResponseTransfer{DL: s.DL, QFIs: s.QFIs}.Marshal()
	if err != nil {
		g.log.Warn("setup response transfer", "err", err)
		return fail()
	}
	return n2.SessionItem{ID: it.ID, Transfer: b}, true
}

// onPDUSessionResourceRelease releases the named sessions, hands the NAS
// PDU to the UE and confirms.
//
// Spec: TS 38.413 §8.2.2.2
func (g *GNB) onPDUSessionResourceRelease(ctx context.Context, pdu n2.PDU) {
	if pdu.Type != n2.InitiatingMessage {
		return
	}
	m, err := n2.ParsePDUSessionResourceReleaseCommand(pdu)
	if err != nil {
		g.log.Warn("bad PDU SESSION RESOURCE RELEASE COMMAND", "err", err)
		return
	}
	c := g.lookup(n2.UEIDs{AMF: m.AMFUENGAPID, RAN: m.RANUENGAPID, HasAMF: true, HasRAN: true})
	if c == nil {
		g.errorIndication(pdu.IDs, n2.CauseUnknownLocalUENGAPID)
		return
	}
	empty, err := n2.ReleaseResponseTransfer()
	if err != nil {
		return
	}
	resp := n2.PDUSessionResourceReleaseResponse{AMFUENGAPID: m.AMFUENGAPID, RANUENGAPID: m.RANUENGAPID}
	for _, it := range m.Sessions {
		c.mu.Lock()
		s := c.sessions[it.ID]
		delete(c.sessions, it.ID)
		c.mu.Unlock()
		if s != nil {
			g.mu.Lock()
			delete(g.byTEID, s.DL.TEID)
			g.dropBearer(s.DL.TEID)
			g.mu.Unlock()
		}
		resp.Released = append(resp.Released, n2.SessionItem{ID: it.ID, Transfer: empty})
	}
	if m.NASPDU != nil {
		c.t.DownlinkNAS(m.NASPDU)
	}
	if b, err := resp.Marshal(); err == nil {
		g.send(ctx, c.stream(), b)
	}
}

// dropSessions forgets a released connection's sessions. Caller holds g.mu.
func (g *GNB) dropSessions(c *Connection) {
	c.mu.Lock()
	for _, s := range c.sessions {
		delete(g.byTEID, s.DL.TEID)
		g.dropBearer(s.DL.TEID)
	}
	c.sessions = nil
	c.mu.Unlock()
}
