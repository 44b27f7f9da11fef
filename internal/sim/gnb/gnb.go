// Package gnb is a simulated NG-RAN node for go5g's simulator: it sets up N2
// with an AMF over SCTP (NG Setup), gives each UE a RAN UE NGAP ID, relays
// NAS between its UEs and the AMF (Initial UE Message, Uplink and Downlink
// NAS Transport), answers Initial Context Setup and UE Context Release,
// and reports Error Indications. There is no radio: a UE object calls the
// gNB directly, as its RRC layer would. StartUserPlane opens N3 (GTP-U,
// userplane.go): each PDU session's bearer carries the UE's IP packets to
// and from the UPF. UEs released to RRC_IDLE camp on it and hear the
// AMF's Paging (paging.go); with Config.Inactivity it asks the AMF to
// release UEs whose user plane is quiet (inactivity.go); downlink that
// arrives before a UE's bearer is bound waits for it (earlydl.go).
//
// It talks to the core only over the wire, like a real gNB: it imports the
// protocol packages (n2, n3, sctp), never an NF.
//
// Spec: TS 38.413, TS 38.412
package gnb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"go5g/internal/n2"
	"go5g/internal/sctp"
)

// Config describes the gNB and where its AMF is.
type Config struct {
	// AMF is the AMF's N2 address, host:port (SCTP port, default 38412).
	AMF string
	// Transport is the SCTP transport; default udp.
	Transport sctp.Transport
	// SCTP carries the RemoteUDPPort of the AMF for transport udp, and
	// SCTP tuning.
	SCTP sctp.Options

	ID     n2.GlobalGNBID // IDLength 22..32; default 22
	Name   string         // RAN Node Name, optional
	PLMN   n2.PLMN
	TAC    uint32
	Slices []n2.SNSSAI
	CellID uint64 // NR Cell Identity (36 bits) of its one cell
	// N3Addr is the gNB's GTP-U address given to UPFs; default the local
	// address of the N2 association (127.0.0.1 if it has none).
	N3Addr netip.Addr
	// N3Port is the UDP port StartUserPlane binds; default 2152. UPFs
	// always send to 2152 (TS 29.281 §4.4.2.0): change it only for tests.
	N3Port int

	// Inactivity, when positive, makes the gNB ask the AMF to release a
	// UE (UE CONTEXT RELEASE REQUEST, cause user-inactivity) whose user
	// plane and signalling have been quiet that long (inactivity.go).
	Inactivity time.Duration

	// SetupTimeout bounds the wait for the NG Setup answer; default 5 s.
	SetupTimeout time.Duration
	Log          *slog.Logger
}

// SetupFailure is the AMF's NG SETUP FAILURE.
type SetupFailure struct {
	Cause      n2.Cause
	TimeToWait n2.TimeToWait
}

func (e *SetupFailure) Error() string { return "gnb: NG Setup failed: " + e.Cause.String() }

// GNB is one connected NG-RAN node.
type GNB struct {
	cfg  Config
	conn sctp.Conn
	log  *slog.Logger
	loc  n2.UserLocation

	mu      sync.Mutex
	ues     map[uint32]*Connection // by RAN UE NGAP ID
	nextRAN uint32
	amf     *n2.NGSetupResponse
	errInds []n2.ErrorIndication
	// byTEID are the PDU sessions by DL TEID (pdusession.go).
	byTEID   map[uint32]*Session
	nextTEID uint32
	up       *userPlane // N3, once StartUserPlane ran (userplane.go)
	// camped are the UEs in RRC_IDLE reachable by paging (paging.go).
	camped map[n2.FiveGSTMSI]Pager
	paging struct{ received, otherArea, delivered atomic.Uint64 }

	setup  chan n2.PDU // the NG Setup outcome, for Connect
	reset  chan n2.PDU // NG RESET ACKNOWLEDGE, for Reset
	done   chan struct{}
	err    error // why the association ended, once done is closed
	closed atomic.Bool
}

// Connect opens the N2 association, runs NG Setup and starts serving.
// Spec: TS 38.413 §8.7.1
func Connect(ctx context.Context, cfg Config) (*GNB, error) {
	if cfg.Transport == "" {
		cfg.Transport = sctp.TransportUDP
	}
	if cfg.ID.IDLength == 0 {
		cfg.ID.IDLength = 22
	}
	if cfg.ID.PLMN == (n2.PLMN{}) {
		cfg.ID.PLMN = cfg.PLMN
	}
	if cfg.SetupTimeout == 0 {
		cfg.SetupTimeout = 5 * time.Second
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, _, err := sctp.Dial(ctx, cfg.Transport, cfg.AMF, cfg.SCTP)
	if err != nil {
		return nil, fmt.Errorf("gnb: %w", err)
	}
	g := &GNB{
		cfg: cfg, conn: conn, log: log.With("gnb", cfg.Name),
		loc: n2.UserLocation{CGI: n2.NRCGI{PLMN: cfg.PLMN, CellID: cfg.CellID},
			TAI: n2.TAI{PLMN: cfg.PLMN, TAC: cfg.TAC}},
		ues:    make(map[uint32]*Connection),
		byTEID: make(map[uint32]*Session),
		setup:  make(chan n2.PDU, 1),
		reset:  make(chan n2.PDU, 1),
		done:   make(chan struct{}),
	}
	go g.read()
	if err := g.ngSetup(ctx); err != nil {
		g.Abort()
		return nil, err
	}
	if cfg.Inactivity > 0 {
		go g.watchInactivity(cfg.Inactivity)
	}
	return g, nil
}

// ngSetup sends NG SETUP REQUEST on stream 0 and waits for the answer.
func (g *GNB) ngSetup(ctx context.Context) error {
	req := n2.NGSetupRequest{
		GlobalRANNodeID: g.cfg.ID,
		RANNodeName:     g.cfg.Name,
		SupportedTAs: []n2.SupportedTA{{TAC: g.cfg.TAC,
			PLMNs: []n2.BroadcastPLMN{{PLMN: g.cfg.PLMN, Slices: g.cfg.Slices}}}},
		DefaultPagingDRX: n2.PagingDRX128,
	}
	b, err := req.Marshal()
	if err != nil {
		return fmt.Errorf("gnb: NG SETUP REQUEST: %w", err)
	}
	if err := g.send(ctx, 0, b); err != nil {
		return fmt.Errorf("gnb: send NG SETUP REQUEST: %w", err)
	}
	t := time.NewTimer(g.cfg.SetupTimeout)
	defer t.Stop()
	select {
	case pdu := <-g.setup:
		if pdu.Type == n2.UnsuccessfulOutcome {
			f, err := n2.ParseNGSetupFailure(pdu)
			if err != nil {
				return fmt.Errorf("gnb: NG SETUP FAILURE: %w", err)
			}
			return &SetupFailure{Cause: f.Cause, TimeToWait: f.TimeToWait}
		}
		resp, err := n2.ParseNGSetupResponse(pdu)
		if err != nil {
			return fmt.Errorf("gnb: NG SETUP RESPONSE: %w", err)
		}
		g.mu.Lock()
		g.amf = resp
		g.mu.Unlock()
		return nil
	case <-g.done:
		return fmt.Errorf("gnb: association ended during NG Setup: %w", g.err)
	case <-t.C:
		return errors.New("gnb: no answer to NG SETUP REQUEST")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// AMF returns the NG SETUP RESPONSE the AMF sent.
func (g *GNB) AMF() n2.NGSetupResponse {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.amf == nil {
		return n2.NGSetupResponse{}
	}
	return *g.amf
}

// Name is the configured RAN node name.
func (g *GNB) Name() string { return g.cfg.Name }

// Done is closed when the association has ended.
func (g *GNB) Done() <-chan struct{} { return g.done }

// Close shuts the association down gracefully.
func (g *GNB) Close(ctx context.Context) error {
	g.closed.Store(true)
	err := g.conn.Close(ctx)
	<-g.done
	g.stopUserPlane()
	return err
}

// Abort ends the association at once (ABORT chunk), as a gNB that crashes
// or loses its transport would.
func (g *GNB) Abort() error {
	g.closed.Store(true)
	err := g.conn.Abort("gNB going away")
	<-g.done
	g.stopUserPlane()
	return err
}

// SendRaw sends bytes as an NGAP PDU on a stream, whatever they are: for
// tests of how the AMF handles a misbehaving gNB.
func (g *GNB) SendRaw(ctx context.Context, stream uint16, b []byte) error {
	return g.send(ctx, stream, b)
}

// ErrorIndications returns the Error Indications received so far.
func (g *GNB) ErrorIndications() []n2.ErrorIndication {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]n2.ErrorIndication(nil), g.errInds...)
}

// Connections is the number of UE contexts the gNB holds.
func (g *GNB) Connections() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.ues)
}

func (g *GNB) send(ctx context.Context, stream uint16, b []byte) error {
	return g.conn.Send(ctx, sctp.Message{Stream: stream, PPID: sctp.PPIDNGAP, Data: b})
}

// read is the association's one reader.
func (g *GNB) read() {
	ctx := context.Background()
	var err error
	for {
		var m sctp.Message
		if m, err = g.conn.Recv(ctx); err != nil {
			break
		}
		if m.PPID != sctp.PPIDNGAP {
			continue
		}
		g.onPDU(ctx, m)
	}
	g.err = err
	if !g.closed.Load() {
		g.log.Info("N2 association ended", "err", err)
		g.conn.Close(ctx)
	}
	// Every UE loses its connection with the association.
	g.mu.Lock()
	ues := g.ues
	g.ues = map[uint32]*Connection{}
	g.mu.Unlock()
	for _, c := range ues {
		c.t.Released()
	}
	close(g.done)
}

func (g *GNB) onPDU(ctx context.Context, m sctp.Message) {
	pdu, err := n2.Decode(m.Data)
	if err != nil {
		g.log.Warn("malformed NGAP from AMF", "err", err)
		if b, _ := n2.ErrorIndicationFor(err, n2.UEIDs{}); b != nil {
			g.send(ctx, m.Stream, b)
		}
		return
	}
	switch pdu.Procedure {
	case n2.ProcNGSetup:
		select {
		case g.setup <- pdu:
		default:
		}
	case n2.ProcDownlinkNASTransport:
		g.onDownlinkNAS(pdu)
	case n2.ProcInitialContextSetup:
		g.onInitialContextSetup(ctx, m.Stream, pdu)
	case n2.ProcUEContextRelease:
		g.onReleaseCommand(ctx, m.Stream, pdu)
	case n2.ProcErrorIndication:
		if ei, err := n2.ParseErrorIndication(pdu); err == nil {
			g.mu.Lock()
			g.errInds = append(g.errInds, *ei)
			g.mu.Unlock()
		}
	case n2.ProcNGReset:
		g.onNGReset(ctx, pdu)
	case n2.ProcPDUSessionResourceSetup:
		g.onPDUSessionResourceSetup(ctx, pdu)
	case n2.ProcPDUSessionResourceModify:
		g.onPDUSessionResourceModify(ctx, pdu) // modify.go
	case n2.ProcPDUSessionResourceRelease:
		g.onPDUSessionResourceRelease(ctx, pdu)
	case n2.ProcPaging:
		g.onPaging(pdu)
	default:
		g.log.Info("NGAP not handled", "procedure", pdu.Procedure, "type", pdu.Type)
	}
}
