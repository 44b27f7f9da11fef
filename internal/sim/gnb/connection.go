package gnb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"go5g/internal/n2"
)

// Terminal is the UE side of an RRC connection: what the gNB tells the UE.
// Calls come from the gNB's reader and must not block.
type Terminal interface {
	// DownlinkNAS delivers a NAS PDU from the AMF.
	DownlinkNAS(pdu []byte)
	// ASSecurity is the AS security activation that follows Initial
	// Context Setup: the UE checks that its own KgNB equals the gNB's
	// (a real AS Security Mode Command would fail integrity otherwise).
	ASSecurity(kgNB [32]byte)
	// Released says the RRC connection is gone (UE context released).
	Released()
}

// AttachOptions are what the UE gives in RRC connection setup.
type AttachOptions struct {
	// STMSI is the UE's 5G-S-TMSI when it has a 5G-GUTI (TS 38.331
	// ng-5G-S-TMSI), passed on in the Initial UE Message.
	STMSI *n2.FiveGSTMSI
	Cause n2.RRCEstablishmentCause
}

// Connection is one UE's RRC connection and UE-associated logical NG
// connection: the gNB's UE context.
type Connection struct {
	g     *GNB
	t     Terminal
	ranID uint32
	opt   AttachOptions

	mu       sync.Mutex
	started  bool // Initial UE Message sent
	amfID    uint64
	hasAMF   bool
	released bool
	sessions map[uint8]*Session // PDU sessions set up, by ID
	// Inactivity (inactivity.go): when the UE last sent or received
	// anything (unix ns), whether its AS context is set up, and whether
	// its release was asked for.
	lastActive atomic.Int64
	ctxUp      bool
	relAsked   bool
}

// ErrReleased is returned for a connection the network has released.
var ErrReleased = errors.New("gnb: UE connection released")

// Attach sets up an RRC connection for a UE; nothing reaches the AMF until
// the UE's first NAS message.
func (g *GNB) Attach(t Terminal, opt AttachOptions) *Connection {
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		g.nextRAN++
		if _, used := g.ues[g.nextRAN]; !used {
			break
		}
	}
	c := &Connection{g: g, t: t, ranID: g.nextRAN, opt: opt}
	c.touch()
	g.ues[c.ranID] = c
	return c
}

// RANUENGAPID is the gNB's ID of the connection.
func (c *Connection) RANUENGAPID() uint32 { return c.ranID }

// AMFUENGAPID is the AMF's ID of the connection, once the AMF has sent one.
func (c *Connection) AMFUENGAPID() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.amfID, c.hasAMF
}

// stream is the SCTP stream of the UE's signalling. Spec: TS 38.412 §7
func (c *Connection) stream() uint16 {
	n := c.g.conn.Streams()
	if n <= 1 {
		return 0
	}
	return uint16(1 + c.ranID%uint32(n-1))
}

// UplinkNAS sends a NAS PDU from the UE: the first in an INITIAL UE MESSAGE,
// later ones in UPLINK NAS TRANSPORT (which needs the AMF's ID, given in
// the AMF's first answer).
//
// Spec: TS 38.413 §8.6.1, §8.6.3
func (c *Connection) UplinkNAS(ctx context.Context, nas []byte) error {
	c.touch()
	c.mu.Lock()
	switch {
	case c.released:
		c.mu.Unlock()
		return ErrReleased
	case !c.started:
		c.started = true
		c.mu.Unlock()
		b, err := n2.InitialUEMessage{RANUENGAPID: c.ranID, NASPDU: nas, Location: c.g.loc,
			RRCCause: c.opt.Cause, STMSI: c.opt.STMSI}.Marshal()
		if err != nil {
			return fmt.Errorf("gnb: INITIAL UE MESSAGE: %w", err)
		}
		return c.g.send(ctx, c.stream(), b)
	case !c.hasAMF:
		c.mu.Unlock()
		return errors.New("gnb: no AMF UE NGAP ID yet for uplink NAS transport")
	}
	amfID := c.amfID
	c.mu.Unlock()
	b, err := n2.UplinkNASTransport{AMFUENGAPID: amfID, RANUENGAPID: c.ranID, NASPDU: nas, Location: c.g.loc}.Marshal()
	if err != nil {
		return fmt.Errorf("gnb: UPLINK NAS TRANSPORT: %w", err)
	}
	return c.g.send(ctx, c.stream(), b)
}

// RequestRelease asks the AMF to release the UE (gNB-initiated), e.g. for
// user inactivity. Spec: TS 38.413 §8.3.2
func (c *Connection) RequestRelease(ctx context.Context, cause n2.Cause) error {
	c.mu.Lock()
	amfID, ok := c.amfID, c.hasAMF && !c.released
	c.mu.Unlock()
	if !ok {
		return errors.New("gnb: no UE-associated NG connection to release")
	}
	b, err := n2.UEContextReleaseRequest{AMFUENGAPID: amfID, RANUENGAPID: c.ranID, Cause: cause}.Marshal()
	if err != nil {
		return err
	}
	return c.g.send(ctx, c.stream(), b)
}

// conn finds a UE context by RAN UE NGAP ID and learns the AMF's ID.
func (g *GNB) lookup(ids n2.UEIDs) *Connection {
	g.mu.Lock()
	c := g.ues[ids.RAN]
	g.mu.Unlock()
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ids.HasAMF {
		if c.hasAMF && c.amfID != ids.AMF {
			return nil // inconsistent
		}
		c.amfID, c.hasAMF = ids.AMF, true
	}
	return c
}

// onDownlinkNAS relays a NAS PDU to its UE. Spec: TS 38.413 §8.6.2
func (g *GNB) onDownlinkNAS(pdu n2.PDU) {
	m, err := n2.ParseDownlinkNASTransport(pdu)
	if err != nil {
		g.log.Warn("bad DOWNLINK NAS TRANSPORT", "err", err)
		return
	}
	c := g.lookup(n2.UEIDs{AMF: m.AMFUENGAPID, RAN: m.RANUENGAPID, HasAMF: true, HasRAN: true})
	if c == nil {
		g.errorIndication(pdu.IDs, n2.CauseUnknownLocalUENGAPID)
		return
	}
	c.t.DownlinkNAS(m.NASPDU)
}

// onInitialContextSetup activates AS security with the UE and delivers the
// NAS PDU, then answers. Spec: TS 38.413 §8.3.1.2
func (g *GNB) onInitialContextSetup(ctx context.Context, stream uint16, pdu n2.PDU) {
	if pdu.Type != n2.InitiatingMessage {
		return
	}
	m, err := n2.ParseInitialContextSetupRequest(pdu)
	if err != nil {
		g.log.Warn("bad INITIAL CONTEXT SETUP REQUEST", "err", err)
		return
	}
	c := g.lookup(n2.UEIDs{AMF: m.AMFUENGAPID, RAN: m.RANUENGAPID, HasAMF: true, HasRAN: true})
	if c == nil {
		b, _ := n2.InitialContextSetupFailure{AMFUENGAPID: m.AMFUENGAPID, RANUENGAPID: m.RANUENGAPID,
			Cause: n2.CauseUnknownLocalUENGAPID}.Marshal()
		g.send(ctx, stream, b)
		return
	}
	// The PDU sessions first (pdusession.go), so that the UE finds their
	// bearers when SERVICE ACCEPT arrives.
	resp := n2.InitialContextSetupResponse{AMFUENGAPID: m.AMFUENGAPID, RANUENGAPID: m.RANUENGAPID}
	var sessNAS [][]byte
	for _, it := range m.Sessions {
		r, ok := g.setupSession(c, it)
		if !ok {
			resp.Failed = append(resp.Failed, r)
			continue
		}
		resp.Setup = append(resp.Setup, r)
		if it.NASPDU != nil {
			sessNAS = append(sessNAS, it.NASPDU)
		}
	}
	c.mu.Lock()
	c.ctxUp = true
	c.mu.Unlock()
	c.touch()
	c.t.ASSecurity(m.SecurityKey)
	if m.NASPDU != nil {
		c.t.DownlinkNAS(m.NASPDU)
	}
	for _, b := range sessNAS {
		c.t.DownlinkNAS(b)
	}
	b, err := resp.Marshal()
	if err == nil {
		g.send(ctx, c.stream(), b)
	}
}

// onReleaseCommand releases the UE context and confirms.
// Spec: TS 38.413 §8.3.3.2
func (g *GNB) onReleaseCommand(ctx context.Context, stream uint16, pdu n2.PDU) {
	if pdu.Type != n2.InitiatingMessage {
		return
	}
	m, err := n2.ParseUEContextReleaseCommand(pdu)
	if err != nil {
		g.log.Warn("bad UE CONTEXT RELEASE COMMAND", "err", err)
		return
	}
	var c *Connection
	g.mu.Lock()
	if m.IDs.HasRAN {
		c = g.ues[m.IDs.RAN]
	} else {
		for _, x := range g.ues {
			if id, ok := x.AMFUENGAPID(); ok && id == m.IDs.AMF {
				c = x
				break
			}
		}
	}
	if c != nil {
		delete(g.ues, c.ranID)
		g.dropSessions(c)
	}
	g.mu.Unlock()
	ran := m.IDs.RAN
	if c != nil {
		ran = c.ranID
		c.mu.Lock()
		c.released = true
		c.mu.Unlock()
	}
	b, err := n2.UEContextReleaseComplete{AMFUENGAPID: m.IDs.AMF, RANUENGAPID: ran, Location: &g.loc}.Marshal()
	if err == nil {
		g.send(ctx, stream, b)
	}
	if c != nil {
		c.t.Released()
	}
}

// onNGReset releases the UE contexts the AMF names (all when none), each by
// its RAN UE NGAP ID or else its AMF UE NGAP ID, and acknowledges.
// Spec: TS 38.413 §8.7.4.2.1
func (g *GNB) onNGReset(ctx context.Context, pdu n2.PDU) {
	if pdu.Type == n2.SuccessfulOutcome {
		select {
		case g.reset <- pdu:
		default:
		}
		return
	}
	if pdu.Type != n2.InitiatingMessage {
		return
	}
	r, err := n2.ParseNGReset(pdu)
	if err != nil {
		return
	}
	var gone []*Connection
	g.mu.Lock()
	if len(r.Part) == 0 {
		for _, c := range g.ues {
			gone = append(gone, c)
		}
		g.ues = map[uint32]*Connection{}
	} else {
		for _, id := range r.Part {
			c := g.ues[id.RAN]
			if !id.HasRAN {
				c = nil
				for _, x := range g.ues {
					if amf, ok := x.AMFUENGAPID(); ok && id.HasAMF && amf == id.AMF {
						c = x
						break
					}
				}
			}
			if c != nil {
				gone = append(gone, c)
				delete(g.ues, c.ranID)
			}
		}
	}
	g.mu.Unlock()
	for _, c := range gone {
		c.mu.Lock()
		c.released = true
		c.mu.Unlock()
		c.t.Released()
	}
	if b, err := r.Acknowledge().Marshal(); err == nil {
		g.send(ctx, 0, b)
	}
}

// errorIndication reports a UE-associated error to the AMF.
func (g *GNB) errorIndication(ids n2.UEIDs, cause n2.Cause) {
	b, err := n2.ErrorIndication{IDs: ids, Cause: &cause}.Marshal()
	if err == nil {
		g.send(context.Background(), 0, b)
	}
}

// Reset is an NG-RAN node initiated NG Reset: the gNB releases the UE
// contexts with the given RAN UE NGAP IDs (all of them when none are
// given), sends NG RESET and waits for NG RESET ACKNOWLEDGE.
//
// Spec: TS 38.413 §8.7.4.2.2
func (g *GNB) Reset(ctx context.Context, cause n2.Cause, ranIDs ...uint32) (*n2.NGResetAcknowledge, error) {
	var gone []*Connection
	var part []n2.UEIDs
	g.mu.Lock()
	if len(ranIDs) == 0 {
		for _, c := range g.ues {
			gone = append(gone, c)
		}
		g.ues = map[uint32]*Connection{}
	}
	for _, id := range ranIDs {
		ids := n2.UEIDs{RAN: id, HasRAN: true}
		if c := g.ues[id]; c != nil {
			gone = append(gone, c)
			delete(g.ues, id)
			ids.AMF, ids.HasAMF = c.AMFUENGAPID()
		}
		part = append(part, ids)
	}
	g.mu.Unlock()
	for _, c := range gone {
		c.mu.Lock()
		c.released = true
		c.mu.Unlock()
		c.t.Released()
	}
	b, err := n2.NGReset{Cause: cause, Part: part}.Marshal()
	if err != nil {
		return nil, fmt.Errorf("gnb: NG RESET: %w", err)
	}
	if err := g.send(ctx, 0, b); err != nil {
		return nil, err
	}
	select {
	case pdu := <-g.reset:
		return n2.ParseNGResetAcknowledge(pdu)
	case <-g.done:
		return nil, fmt.Errorf("gnb: association ended during NG Reset: %w", g.err)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
