package n4

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// memConn is a PacketConn that reads nothing (the fuzz target feeds the
// receive path directly) and counts what is written.
type memConn struct {
	mu     sync.Mutex
	writes int
	closed chan struct{}
	once   sync.Once
}

func newMemConn() *memConn { return &memConn{closed: make(chan struct{})} }

func (c *memConn) ReadFrom([]byte) (int, net.Addr, error) {
	<-c.closed
	return 0, nil, net.ErrClosed
}

func (c *memConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return len(b), nil
}

func (c *memConn) Close() error                     { c.once.Do(func() { close(c.closed) }); return nil }
func (c *memConn) LocalAddr() net.Addr              { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: Port} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// seedMessages are valid messages of every type the node handles, the
// seed corpus besides testdata/fuzz/FuzzReceive.
func seedMessages() []message.Message {
	id := ie.NewNodeID("127.0.0.2", "", "")
	rts := ie.NewRecoveryTimeStamp(time.Unix(1_700_000_000, 0))
	fseid := ie.NewFSEID(0x1234, net.IPv4(127, 0, 0, 2), nil)
	return []message.Message{
		message.NewHeartbeatRequest(1, rts, nil),
		message.NewHeartbeatResponse(2, rts),
		message.NewAssociationSetupRequest(3, id, rts, ie.NewCPFunctionFeatures(1)),
		message.NewAssociationSetupResponse(4, id, ie.NewCause(1), rts),
		message.NewAssociationUpdateRequest(5, id),
		message.NewAssociationReleaseRequest(6, id),
		message.NewNodeReportRequest(7, id, ie.NewNodeReportType(1)),
		message.NewSessionEstablishmentRequest(0, 0, 0, 8, 0, id, fseid,
			ie.NewCreatePDR(ie.NewPDRID(1), ie.NewPrecedence(100),
				ie.NewPDI(ie.NewSourceInterface(ie.SrcInterfaceAccess), ie.NewFTEID(0x01, 0x11111111, net.IPv4(127, 0, 0, 3), nil, 0))),
			ie.NewCreateFAR(ie.NewFARID(1), ie.NewApplyAction(2))),
		message.NewSessionModificationRequest(0, 0, 0x1234, 9, 0, ie.NewUpdateFAR(ie.NewFARID(1), ie.NewApplyAction(2))),
		message.NewSessionDeletionRequest(0, 0, 0x1234, 10, 0),
		message.NewSessionReportRequest(0, 0, 0x1234, 11, 0, ie.NewReportType(0, 0, 1, 0)),
		message.NewSessionModificationResponse(0, 0, 0x1234, 12, 0, ie.NewCause(1)),
		message.NewVersionNotSupportedResponse(13),
	}
}

// FuzzReceive feeds datagrams to the receive path, from an associated peer
// (with a live session whose SEID the input may borrow) and from a
// stranger. The node must survive everything and keep answering.
func FuzzReceive(f *testing.F) {
	for _, m := range seedMessages() {
		b, err := marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	conn := newMemConn()
	cfg := testConfig(UP, conn)
	cfg.Handlers = map[uint8]HandlerFunc{
		message.MsgTypeSessionEstablishmentRequest: func(p *Peer, req message.Message) (message.Message, error) {
			return nil, &CauseError{Cause: ie.CauseRequestRejected}
		},
	}
	n, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	defer n.Close()
	friend := netip.MustParseAddrPort("127.0.0.2:8805")
	stranger := netip.MustParseAddrPort("127.0.0.3:8805")
	var (
		setupSeq uint32 = 0x800000
		sess     *Session
	)
	// associate (again, after a fuzzed release or restart) and open a
	// session whose SEID inputs can borrow.
	associate := func() {
		setupSeq++
		setup, _ := marshal(message.NewAssociationSetupRequest(setupSeq,
			ie.NewNodeID("127.0.0.2", "", ""), ie.NewRecoveryTimeStamp(time.Unix(1_700_000_000, 0))))
		n.receive(setup, friend)
		deadline := time.Now().Add(5 * time.Second)
		resend := time.Now().Add(50 * time.Millisecond)
		for {
			if time.Now().After(resend) {
				// As a real peer would after T1: the first copy can be
				// lost to a peer entry forgotten meanwhile.
				n.receive(setup, friend)
				resend = time.Now().Add(50 * time.Millisecond)
			}
			if p := n.peerAt(friend); p != nil && p.Associated() {
				s, err := p.NewSession(0x1234, SessionHandlerFunc(func(s *Session, req message.Message) (message.Message, error) {
					return nil, &CauseError{Cause: ie.CauseRequestRejected}
				}))
				if err == nil {
					sess = s
					return
				}
			}
			if time.Now().After(deadline) {
				f.Fatal("fuzz peer did not associate")
			}
			time.Sleep(time.Millisecond)
		}
	}
	associate()
	f.Fuzz(func(t *testing.T, b []byte, useSession bool) {
		in := append([]byte(nil), b...)
		if useSession && len(in) >= 16 && in[0]&0x01 != 0 {
			seid := sess.LocalSEID()
			for i := 0; i < 8; i++ {
				in[4+i] = byte(seid >> (56 - 8*i))
			}
		}
		n.receive(in, friend)
		n.receive(append([]byte(nil), b...), stranger)
		// Let the workers keep up: the fuzzer feeds faster than a peer's
		// worker answers, and a full queue only drops (and counts).
		for _, a := range []netip.AddrPort{friend, stranger} {
			p := n.peerAt(a)
			for p != nil && len(p.queue) > 0 && n.peerAt(a) == p {
				time.Sleep(10 * time.Microsecond)
			}
		}
		if p := n.peerAt(friend); p == nil || !p.Associated() || sess.Closed() {
			associate()
		}
	})
}
