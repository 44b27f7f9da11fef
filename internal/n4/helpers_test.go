package n4

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// lossyConn is a PacketConn that drops the outgoing datagrams drop
// chooses, so tests can lose chosen packets on a real socket.
type lossyConn struct {
	net.PacketConn
	mu      sync.Mutex
	drop    func(b []byte) bool
	dropped int
}

func (c *lossyConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	c.mu.Lock()
	d := c.drop != nil && c.drop(b)
	if d {
		c.dropped++
	}
	c.mu.Unlock()
	if d {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, addr)
}

func (c *lossyConn) setDrop(f func(b []byte) bool) {
	c.mu.Lock()
	c.drop = f
	c.mu.Unlock()
}

func (c *lossyConn) droppedCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

// dropFirst drops the first k datagrams carrying message type typ.
func dropFirst(typ uint8, k int) func(b []byte) bool {
	seen := 0
	return func(b []byte) bool {
		if len(b) < 2 || b[1] != typ {
			return false
		}
		seen++
		return seen <= k
	}
}

func listenLossy(t testing.TB) *lossyConn {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return &lossyConn{PacketConn: c}
}

// testConfig is a node on loopback with short timers and no heartbeats.
func testConfig(f Function, conn net.PacketConn) Config {
	id := "127.0.0.1"
	if f == UP {
		id = "upf.test.example"
	}
	return Config{
		Function:          f,
		NodeID:            id,
		Conn:              conn,
		T1:                100 * time.Millisecond,
		N1:                3,
		HeartbeatInterval: -1,
	}
}

func newNode(t testing.TB, cfg Config) *Node {
	t.Helper()
	if cfg.Conn == nil && cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func addrOf(t testing.TB, n *Node) netip.AddrPort {
	t.Helper()
	ap, ok := addrPortOf(n.Addr())
	if !ok {
		t.Fatalf("address %v", n.Addr())
	}
	return ap
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pair is a CP node associated with a UP node.
type pair struct {
	cp, up   *Node
	cpPeer   *Peer // the UP as seen by the CP
	upLossy  *lossyConn
	cpLossy  *lossyConn
	upCalls  atomic.Int64 // Session Modification requests handled by UP sessions
	upEstabs atomic.Int64
}

// newPair associates a CP and a UP node. The UP answers Session
// Establishment by creating a session whose handler accepts Modification
// and Deletion requests.
func newPair(t testing.TB, tweak func(cp, up *Config)) *pair {
	t.Helper()
	pr := &pair{cpLossy: listenLossy(t), upLossy: listenLossy(t)}
	cpCfg := testConfig(CP, pr.cpLossy)
	upCfg := testConfig(UP, pr.upLossy)
	upCfg.SetupIEs = []*ie.IE{ie.NewUPFunctionFeatures(0x01, 0x00)}
	upCfg.Handlers = map[uint8]HandlerFunc{
		message.MsgTypeSessionEstablishmentRequest: pr.upEstablish,
	}
	if tweak != nil {
		tweak(&cpCfg, &upCfg)
	}
	pr.cp = newNode(t, cpCfg)
	pr.up = newNode(t, upCfg)
	p, err := pr.cp.Associate(ctxT(t, 5*time.Second), addrOf(t, pr.up))
	if err != nil {
		t.Fatal(err)
	}
	pr.cpPeer = p
	return pr
}

func (pr *pair) upEstablish(p *Peer, req message.Message) (message.Message, error) {
	pr.upEstabs.Add(1)
	r := req.(*message.SessionEstablishmentRequest)
	if r.CPFSEID == nil {
		return nil, &CauseError{Cause: ie.CauseMandatoryIEMissing, Offending: ie.FSEID}
	}
	f, err := r.CPFSEID.FSEID()
	if err != nil {
		return nil, &CauseError{Cause: ie.CauseMandatoryIEIncorrect, Offending: ie.FSEID}
	}
	s, err := p.NewSession(f.SEID, SessionHandlerFunc(func(s *Session, req message.Message) (message.Message, error) {
		switch req.MessageType() {
		case message.MsgTypeSessionModificationRequest:
			pr.upCalls.Add(1)
			return message.NewSessionModificationResponse(0, 0, 0, 0, 0, ie.NewCause(ie.CauseRequestAccepted)), nil
		case message.MsgTypeSessionDeletionRequest:
			s.Close()
			return message.NewSessionDeletionResponse(0, 0, 0, 0, 0, ie.NewCause(ie.CauseRequestAccepted)), nil
		}
		return nil, &CauseError{Cause: ie.CauseServiceNotSupported}
	}))
	if err != nil {
		return nil, err
	}
	return message.NewSessionEstablishmentResponse(0, 0, 0, 0, 0,
		p.Node().NodeID(), ie.NewCause(ie.CauseRequestAccepted),
		s.FSEID(net.IPv4(127, 0, 0, 1), nil)), nil
}

// establish creates a CP session and establishes it on the UP.
func (pr *pair) establish(t testing.TB, h SessionHandler) *Session {
	t.Helper()
	s, err := pr.cpPeer.NewSession(0, h)
	if err != nil {
		t.Fatal(err)
	}
	req := message.NewSessionEstablishmentRequest(0, 0, 0, 0, 0,
		pr.cp.NodeID(), s.FSEID(net.IPv4(127, 0, 0, 1), nil))
	resp, err := s.Request(ctxT(t, 5*time.Second), req)
	if err != nil {
		t.Fatal(err)
	}
	if c := Cause(resp); c != ie.CauseRequestAccepted {
		t.Fatalf("establishment cause %d", c)
	}
	if s.RemoteSEID() == 0 {
		t.Fatal("CP did not learn the UP SEID")
	}
	return s
}

func modify(ctx context.Context, s *Session) (message.Message, error) {
	return s.Request(ctx, message.NewSessionModificationRequest(0, 0, 0, 0, 0))
}

// rawPeer is a plain UDP socket speaking to a node byte by byte.
type rawPeer struct {
	t    testing.TB
	conn *net.UDPConn
	to   *net.UDPAddr
}

func newRawPeer(t testing.TB, n *Node) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{t: t, conn: c, to: net.UDPAddrFromAddrPort(addrOf(t, n))}
}

func (r *rawPeer) send(b []byte) {
	r.t.Helper()
	if _, err := r.conn.WriteToUDP(b, r.to); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawPeer) sendMsg(m message.Message) []byte {
	r.t.Helper()
	b, err := marshal(m)
	if err != nil {
		r.t.Fatal(err)
	}
	r.send(b)
	return b
}

// recv returns the next datagram, or nil if none comes within d.
func (r *rawPeer) recv(d time.Duration) []byte {
	r.t.Helper()
	buf := make([]byte, 65536)
	r.conn.SetReadDeadline(time.Now().Add(d))
	k, _, err := r.conn.ReadFromUDP(buf)
	if err != nil {
		return nil
	}
	return buf[:k]
}

func (r *rawPeer) recvMsg(d time.Duration) message.Message {
	r.t.Helper()
	b := r.recv(d)
	if b == nil {
		r.t.Fatal("no response")
	}
	m, err := message.Parse(b)
	if err != nil {
		r.t.Fatalf("response does not parse: %v", err)
	}
	return m
}

// associate sets up an association from the raw peer.
func (r *rawPeer) associate(rts time.Time) {
	r.t.Helper()
	r.sendMsg(message.NewAssociationSetupRequest(1, ie.NewNodeID("127.0.0.9", "", ""), ie.NewRecoveryTimeStamp(rts)))
	m := r.recvMsg(2 * time.Second)
	if m.MessageType() != message.MsgTypeAssociationSetupResponse || Cause(m) != ie.CauseRequestAccepted {
		r.t.Fatalf("association setup: %s cause %d", typeName(m.MessageType()), Cause(m))
	}
}
