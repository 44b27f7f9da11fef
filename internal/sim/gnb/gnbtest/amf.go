// Package gnbtest is a scripted stand-in for an AMF, for tests of the
// simulated gNB's user plane that need PDU session resources without a
// core: it answers NG Setup and, when told, sends PDU SESSION RESOURCE
// SETUP REQUEST (with the UPF tunnel the test names) or RELEASE COMMAND
// for a UE connection, and waits for the gNB's answer. It is not an AMF:
// NAS is not read, and it serves one gNB.
package gnbtest

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
)

// PLMN is the fake AMF's PLMN and the gNB's.
var PLMN = n2.PLMN{MCC: "001", MNC: "01"}

// AMF is the fake AMF.
type AMF struct {
	t    testing.TB
	l    sctp.Listener
	port int // its UDP encapsulation port

	mu       sync.Mutex
	conn     sctp.Conn
	initial  map[uint32]bool // RAN UE NGAP IDs seen in INITIAL UE MESSAGE
	answers  chan n2.PDU     // successful/unsuccessful outcomes
	received chan struct{}   // a new INITIAL UE MESSAGE
}

// StartAMF listens on 127.0.0.1 (SCTP over UDP, a free UDP port) until the
// test ends.
func StartAMF(t testing.TB) *AMF {
	t.Helper()
	l, err := sctp.ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"), 38412, sctp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := &AMF{t: t, l: l, port: int(l.Addr().(sctp.Addr).UDPPort), initial: map[uint32]bool{},
		answers: make(chan n2.PDU, 16), received: make(chan struct{}, 16)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go a.serve(ctx, done)
	t.Cleanup(func() {
		cancel()
		l.Close()
		<-done
	})
	return a
}

// GNBConfig is a gNB configuration aimed at this AMF.
func (a *AMF) GNBConfig() gnb.Config {
	return gnb.Config{AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP,
		SCTP: sctp.Options{RemoteUDPPort: a.port}, Name: "gnbtest", PLMN: PLMN, TAC: 1,
		Slices: []n2.SNSSAI{{SST: 1}}, CellID: 1}
}

func (a *AMF) serve(ctx context.Context, done chan struct{}) {
	defer close(done)
	c, err := a.l.Accept(ctx)
	if err != nil {
		return
	}
	defer c.Close(context.Background())
	a.mu.Lock()
	a.conn = c
	a.mu.Unlock()
	for {
		m, err := c.Recv(ctx)
		if err != nil {
			return
		}
		pdu, err := n2.Decode(m.Data)
		if err != nil {
			continue
		}
		switch {
		case pdu.Procedure == n2.ProcNGSetup && pdu.Type == n2.InitiatingMessage:
			b, err := n2.NGSetupResponse{AMFName: "gnbtest",
				ServedGUAMIs:        []n2.ServedGUAMI{{GUAMI: n2.GUAMI{PLMN: PLMN, RegionID: 1, SetID: 1}}},
				RelativeAMFCapacity: 255,
				PLMNSupport:         []n2.PLMNSupport{{PLMN: PLMN, Slices: []n2.SNSSAI{{SST: 1}}}}}.Marshal()
			if err == nil {
				c.Send(ctx, sctp.Message{Stream: 0, PPID: sctp.PPIDNGAP, Data: b})
			}
		case pdu.Procedure == n2.ProcInitialUEMessage:
			if m, err := n2.ParseInitialUEMessage(pdu); err == nil {
				a.mu.Lock()
				a.initial[m.RANUENGAPID] = true
				a.mu.Unlock()
				a.received <- struct{}{}
			}
		case pdu.Type != n2.InitiatingMessage:
			select {
			case a.answers <- pdu:
			default:
			}
		}
	}
}

// Connect attaches a UE connection to g with a dummy terminal and sends
// its first NAS message, so that the AMF knows it.
func (a *AMF) Connect(ctx context.Context, g *gnb.GNB) (*gnb.Connection, error) {
	c := g.Attach(nopTerminal{}, gnb.AttachOptions{Cause: n2.RRCMOSignalling})
	if err := c.UplinkNAS(ctx, []byte{0x7e, 0x00, 0x41}); err != nil {
		return nil, err
	}
	for {
		a.mu.Lock()
		seen := a.initial[c.RANUENGAPID()]
		a.mu.Unlock()
		if seen {
			return c, nil
		}
		select {
		case <-a.received:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// AMFUENGAPID is the fake AMF's ID for the RAN UE NGAP ID ran.
func AMFUENGAPID(ran uint32) uint64 { return uint64(ran) + 1000 }

// SetupSession sets up PDU session psi on c with the UPF tunnel ul and
// one QoS flow qfi, and waits for PDU SESSION RESOURCE SETUP RESPONSE.
func (a *AMF) SetupSession(ctx context.Context, c *gnb.Connection, psi uint8, ul n2.Tunnel, pduType, qfi uint8) (gnb.Session, error) {
	tr, err := n2.SetupRequestTransfer{AMBRUplink: 1e9, AMBRDownlink: 1e9, UL: ul, PDUSessionType: pduType,
		Flows: []n2.QosFlowRequest{{QFI: qfi, FiveQI: 9, ARPPriority: 8}}}.Marshal()
	if err != nil {
		return gnb.Session{}, err
	}
	b, err := n2.PDUSessionResourceSetupRequest{AMFUENGAPID: AMFUENGAPID(c.RANUENGAPID()), RANUENGAPID: c.RANUENGAPID(),
		Sessions: []n2.SessionItem{{ID: psi, SNSSAI: n2.SNSSAI{SST: 1}, Transfer: tr}}}.Marshal()
	if err != nil {
		return gnb.Session{}, err
	}
	if err := a.exchange(ctx, b, n2.ProcPDUSessionResourceSetup); err != nil {
		return gnb.Session{}, err
	}
	s, ok := c.Session(psi)
	if !ok {
		return gnb.Session{}, fmt.Errorf("gnbtest: the gNB did not set up session %d", psi)
	}
	return s, nil
}

// ReleaseSession releases PDU session psi on c and waits for the answer.
func (a *AMF) ReleaseSession(ctx context.Context, c *gnb.Connection, psi uint8) error {
	tr := []byte{0x00} // a Release Command Transfer is not read by the gNB here
	b, err := n2.PDUSessionResourceReleaseCommand{AMFUENGAPID: AMFUENGAPID(c.RANUENGAPID()), RANUENGAPID: c.RANUENGAPID(),
		Sessions: []n2.SessionItem{{ID: psi, Transfer: tr}}}.Marshal()
	if err != nil {
		return err
	}
	return a.exchange(ctx, b, n2.ProcPDUSessionResourceRelease)
}

func (a *AMF) exchange(ctx context.Context, b []byte, proc n2.ProcedureCode) error {
	a.mu.Lock()
	c := a.conn
	a.mu.Unlock()
	if c == nil {
		return fmt.Errorf("gnbtest: no gNB connected")
	}
	if err := c.Send(ctx, sctp.Message{Stream: 1 % max(c.Streams(), 1), PPID: sctp.PPIDNGAP, Data: b}); err != nil {
		return err
	}
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case pdu := <-a.answers:
			if pdu.Procedure != proc {
				continue
			}
			if pdu.Type != n2.SuccessfulOutcome {
				return fmt.Errorf("gnbtest: procedure %d failed", proc)
			}
			return nil
		case <-t.C:
			return fmt.Errorf("gnbtest: no answer to procedure %d", proc)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

type nopTerminal struct{}

func (nopTerminal) DownlinkNAS([]byte)  {}
func (nopTerminal) ASSecurity([32]byte) {}
func (nopTerminal) Released()           {}
