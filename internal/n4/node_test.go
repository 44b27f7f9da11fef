package n4

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

func TestAssociationSetupCPInitiated(t *testing.T) {
	var upSaw atomic.Pointer[Peer]
	pr := newPair(t, func(cp, up *Config) {
		cp.SetupIEs = []*ie.IE{ie.NewCPFunctionFeatures(0x01)}
		up.Events.AssociationUp = func(p *Peer) { upSaw.Store(p) }
	})
	if !pr.cpPeer.Associated() {
		t.Fatal("CP side not associated")
	}
	if got := pr.cpPeer.NodeID(); got != "upf.test.example" {
		t.Errorf("UP node ID = %q", got)
	}
	if got, want := pr.cpPeer.RecoveryTimeStamp(), pr.up.RecoveryTimeStamp(); got != want {
		t.Errorf("UP recovery time stamp = %d, want %d", got, want)
	}
	r, ok := pr.cpPeer.SetupMessage().(*message.AssociationSetupResponse)
	if !ok || r.UPFunctionFeatures == nil {
		t.Fatalf("setup response %T without UP function features", pr.cpPeer.SetupMessage())
	}
	waitFor(t, 2*time.Second, "UP AssociationUp", func() bool { return upSaw.Load() != nil })
	p := upSaw.Load()
	if !p.Associated() || p.NodeID() != "127.0.0.1" {
		t.Errorf("UP side: associated %v node ID %q", p.Associated(), p.NodeID())
	}
	if req, ok := p.SetupMessage().(*message.AssociationSetupRequest); !ok || req.CPFunctionFeatures == nil {
		t.Errorf("UP side setup message %T without CP function features", p.SetupMessage())
	}
}

func TestAssociationSetupUPInitiated(t *testing.T) {
	var cpSaw atomic.Pointer[Peer]
	cpCfg := testConfig(CP, nil)
	cpCfg.Events.AssociationUp = func(p *Peer) { cpSaw.Store(p) }
	cp := newNode(t, cpCfg)
	up := newNode(t, testConfig(UP, nil))
	p, err := up.Associate(ctxT(t, 5*time.Second), addrOf(t, cp))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Associated() || p.NodeID() != "127.0.0.1" {
		t.Fatalf("UP side: associated %v node ID %q", p.Associated(), p.NodeID())
	}
	waitFor(t, 2*time.Second, "CP AssociationUp", func() bool { return cpSaw.Load() != nil })
	if got := cpSaw.Load().NodeID(); got != "upf.test.example" {
		t.Errorf("CP saw node ID %q", got)
	}
}

func TestAssociationSetupRejected(t *testing.T) {
	cpCfg := testConfig(CP, nil)
	cpCfg.AcceptAssociation = func(p *Peer, req *message.AssociationSetupRequest) *CauseError {
		return &CauseError{Cause: ie.CauseRequestRejected}
	}
	cp := newNode(t, cpCfg)
	up := newNode(t, testConfig(UP, nil))
	_, err := up.Associate(ctxT(t, 5*time.Second), addrOf(t, cp))
	var re *RejectedError
	if !errors.As(err, &re) || re.Cause != ie.CauseRequestRejected {
		t.Fatalf("err = %v, want RejectedError cause 64", err)
	}
	// The CP forgets the peer right after sending its answer.
	waitFor(t, 2*time.Second, "CP to forget the refused peer", func() bool { return cp.peerAt(addrOf(t, up)) == nil })
}

func TestSessionRoundTrip(t *testing.T) {
	reports := make(chan uint64, 1)
	pr := newPair(t, nil)
	cpSess := pr.establish(t, SessionHandlerFunc(func(s *Session, req message.Message) (message.Message, error) {
		reports <- req.SEID()
		return message.NewSessionReportResponse(0, 0, 0, 0, 0, ie.NewCause(ie.CauseRequestAccepted)), nil
	}))
	upSess := pr.up.session(cpSess.RemoteSEID())
	if upSess == nil || upSess.RemoteSEID() != cpSess.LocalSEID() {
		t.Fatal("UP session not found by the SEID the CP learned, or wrong CP SEID")
	}
	resp, err := modify(ctxT(t, 5*time.Second), cpSess)
	if err != nil {
		t.Fatal(err)
	}
	if Cause(resp) != ie.CauseRequestAccepted || resp.SEID() != cpSess.LocalSEID() {
		t.Errorf("modification response cause %d SEID %#x, want 1 and %#x", Cause(resp), resp.SEID(), cpSess.LocalSEID())
	}
	// UP-initiated session report, routed by SEID to the CP session.
	resp, err = upSess.Request(ctxT(t, 5*time.Second), message.NewSessionReportRequest(0, 0, 0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if Cause(resp) != ie.CauseRequestAccepted || resp.SEID() != upSess.LocalSEID() {
		t.Errorf("report response cause %d SEID %#x", Cause(resp), resp.SEID())
	}
	if got := <-reports; got != cpSess.LocalSEID() {
		t.Errorf("report carried SEID %#x, want %#x", got, cpSess.LocalSEID())
	}
	// Deletion closes the UP session; a later request finds no context.
	resp, err = cpSess.Request(ctxT(t, 5*time.Second), message.NewSessionDeletionRequest(0, 0, 0, 0, 0))
	if err != nil || Cause(resp) != ie.CauseRequestAccepted {
		t.Fatalf("deletion: %v cause %d", err, Cause(resp))
	}
	if !upSess.Closed() {
		t.Error("UP session still open after deletion")
	}
	resp, err = modify(ctxT(t, 5*time.Second), cpSess)
	if err != nil || Cause(resp) != ie.CauseSessionContextNotFound {
		t.Fatalf("after deletion: %v cause %d, want 65", err, Cause(resp))
	}
	if got := pr.up.Stats().SessionNotFound; got != 1 {
		t.Errorf("UP SessionNotFound = %d, want 1", got)
	}
}

func TestSEIDAllocationUniqueNonZero(t *testing.T) {
	pr := newPair(t, nil)
	seen := make(map[uint64]bool)
	for i := 0; i < 5000; i++ {
		s, err := pr.cpPeer.NewSession(0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.LocalSEID() == 0 || seen[s.LocalSEID()] {
			t.Fatalf("SEID %#x zero or reused", s.LocalSEID())
		}
		seen[s.LocalSEID()] = true
	}
}

func TestAssociationReleaseDropsSessions(t *testing.T) {
	var released atomic.Int32
	pr := newPair(t, func(cp, up *Config) {
		up.Events.AssociationReleased = func(*Peer) { released.Add(1) }
	})
	cpSess := pr.establish(t, nil)
	upSess := pr.up.session(cpSess.RemoteSEID())
	if err := pr.cpPeer.Release(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "UP release callback", func() bool { return released.Load() == 1 })
	if !cpSess.Closed() || !upSess.Closed() || pr.cpPeer.Associated() {
		t.Errorf("after release: CP session closed %v, UP session closed %v, associated %v",
			cpSess.Closed(), upSess.Closed(), pr.cpPeer.Associated())
	}
	// Session requests now need a new association (§6.2.6.1).
	if _, err := pr.cpPeer.NewSession(0, nil); !errors.Is(err, ErrNotAssociated) {
		t.Errorf("NewSession after release: %v", err)
	}
}

func TestAssociationUpdate(t *testing.T) {
	var got atomic.Int32
	pr := newPair(t, func(cp, up *Config) {
		up.Handlers[message.MsgTypeAssociationUpdateRequest] = func(p *Peer, req message.Message) (message.Message, error) {
			if req.(*message.AssociationUpdateRequest).CPFunctionFeatures != nil {
				got.Add(1)
			}
			return message.NewAssociationUpdateResponse(0, p.Node().NodeID(), ie.NewCause(ie.CauseRequestAccepted)), nil
		}
	})
	if _, err := pr.cpPeer.Update(ctxT(t, 5*time.Second), ie.NewCPFunctionFeatures(0x02)); err != nil {
		t.Fatal(err)
	}
	if got.Load() != 1 {
		t.Error("update handler did not see the CP function features")
	}
}

func TestHeartbeatKeepsAlive(t *testing.T) {
	var dead atomic.Int32
	pr := newPair(t, func(cp, up *Config) {
		cp.HeartbeatInterval = 50 * time.Millisecond
		cp.Events.PeerDead = func(*Peer) { dead.Add(1) }
	})
	time.Sleep(600 * time.Millisecond)
	if dead.Load() != 0 || !pr.cpPeer.Associated() {
		t.Fatalf("peer declared dead (%d) or association down", dead.Load())
	}
	// About a dozen intervals passed: the UP answered heartbeats.
	if got := pr.up.Stats().Requests; got < 5 {
		t.Errorf("UP received %d requests, want at least 5 heartbeats", got)
	}
	if got := pr.cp.Stats().Timeouts; got != 0 {
		t.Errorf("CP timeouts = %d", got)
	}
}

func TestHeartbeatDeadPeer(t *testing.T) {
	dead := make(chan *Peer, 1)
	pr := newPair(t, func(cp, up *Config) {
		cp.HeartbeatInterval = 50 * time.Millisecond
		cp.T1 = 50 * time.Millisecond
		cp.N1 = 2
		cp.HeartbeatMisses = 2
		cp.Events.PeerDead = func(p *Peer) { dead <- p }
	})
	pr.up.Close()
	start := time.Now()
	select {
	case p := <-dead:
		if p != pr.cpPeer || p.Associated() {
			t.Errorf("dead callback for %v, associated %v", p.Addr(), p.Associated())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("peer not declared dead")
	}
	// Two heartbeat transactions of 3 transmissions 50 ms apart, plus the
	// intervals: at least 300 ms.
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("declared dead after %v, before two missed heartbeats could time out", el)
	}
	if got := pr.cp.Stats().Timeouts; got != 2 {
		t.Errorf("CP timeouts = %d, want 2", got)
	}
}

func TestPeerRestartedHeartbeat(t *testing.T) {
	type restart struct{ old, new uint32 }
	restarts := make(chan restart, 1)
	pr := newPair(t, func(cp, up *Config) {
		cp.HeartbeatInterval = 50 * time.Millisecond
		cp.Events.PeerRestarted = func(p *Peer, old, new uint32) { restarts <- restart{old, new} }
	})
	sess := pr.establish(t, nil)
	upAddr := addrOf(t, pr.up)
	oldRTS := pr.up.RecoveryTimeStamp()
	pr.up.Close()
	// The UP comes back on the same address, later.
	cfg := testConfig(UP, nil)
	cfg.Addr = upAddr.String()
	cfg.StartTime = time.Now().Add(time.Minute)
	up2 := newNode(t, cfg)
	select {
	case r := <-restarts:
		if r.old != oldRTS || r.new != up2.RecoveryTimeStamp() || r.old == r.new {
			t.Errorf("restart %d -> %d, want %d -> %d", r.old, r.new, oldRTS, up2.RecoveryTimeStamp())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("restart not detected")
	}
	if !sess.Closed() || pr.cpPeer.Associated() {
		t.Errorf("after restart: session closed %v, associated %v", sess.Closed(), pr.cpPeer.Associated())
	}
	// The SMF re-associates.
	if _, err := pr.cp.Associate(ctxT(t, 5*time.Second), upAddr); err != nil {
		t.Fatal(err)
	}
}

func TestPeerRestartedAssociationSetup(t *testing.T) {
	restarts := make(chan uint32, 1)
	cpCfg := testConfig(CP, nil)
	cpCfg.Events.PeerRestarted = func(p *Peer, old, new uint32) { restarts <- new }
	cp := newNode(t, cpCfg)
	upCfg := testConfig(UP, nil)
	upCfg.Addr = "127.0.0.1:0"
	up := newNode(t, upCfg)
	upAddr := addrOf(t, up)
	if _, err := up.Associate(ctxT(t, 5*time.Second), addrOf(t, cp)); err != nil {
		t.Fatal(err)
	}
	// Same RTS again: no restart.
	if _, err := up.Associate(ctxT(t, 5*time.Second), addrOf(t, cp)); err != nil {
		t.Fatal(err)
	}
	up.Close()
	upCfg.Addr = upAddr.String()
	upCfg.StartTime = time.Now().Add(time.Hour)
	up2 := newNode(t, upCfg)
	if _, err := up2.Associate(ctxT(t, 5*time.Second), addrOf(t, cp)); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-restarts:
		if got != up2.RecoveryTimeStamp() {
			t.Errorf("restart to %d, want %d", got, up2.RecoveryTimeStamp())
		}
	case <-time.After(2 * time.Second):
		t.Fatal("restart not reported")
	}
	if len(restarts) != 0 {
		t.Error("restart reported more than once")
	}
	if p := cp.peerAt(upAddr); p == nil || !p.Associated() {
		t.Error("new association not up after the restart")
	}
}

func TestHandlersRunInOrderOnePerPeer(t *testing.T) {
	var (
		mu       sync.Mutex
		order    []uint32
		inFlight atomic.Int32
		maxSeen  atomic.Int32
	)
	cfg := testConfig(UP, nil)
	cfg.Handlers = map[uint8]HandlerFunc{
		message.MsgTypeNodeReportRequest: func(p *Peer, req message.Message) (message.Message, error) {
			if v := inFlight.Add(1); v > maxSeen.Load() {
				maxSeen.Store(v)
			}
			time.Sleep(2 * time.Millisecond)
			mu.Lock()
			order = append(order, req.Sequence())
			mu.Unlock()
			inFlight.Add(-1)
			return message.NewNodeReportResponse(0, p.Node().NodeID(), ie.NewCause(ie.CauseRequestAccepted), nil), nil
		},
	}
	n := newNode(t, cfg)
	r := newRawPeer(t, n)
	r.associate(time.Now())
	const k = 20
	for i := uint32(1); i <= k; i++ {
		r.sendMsg(message.NewNodeReportRequest(100+i, ie.NewNodeID("127.0.0.9", "", "")))
	}
	for i := 0; i < k; i++ {
		r.recvMsg(2 * time.Second)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, seq := range order {
		if seq != uint32(101+i) {
			t.Fatalf("handler order %v", order)
		}
	}
	if len(order) != k || maxSeen.Load() != 1 {
		t.Errorf("handled %d, max concurrent %d", len(order), maxSeen.Load())
	}
}

// Close stops every goroutine a node started: reader, workers, heartbeat
// loops, the cache sweeper.
func TestCloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	cp := newNode(t, Config{Function: CP, NodeID: "127.0.0.1", Addr: "127.0.0.1:0", T1: 50 * time.Millisecond, HeartbeatInterval: 20 * time.Millisecond})
	up := newNode(t, Config{Function: UP, NodeID: "127.0.0.2", Addr: "127.0.0.1:0", T1: 50 * time.Millisecond, HeartbeatInterval: 20 * time.Millisecond})
	p, err := cp.Associate(ctxT(t, 5*time.Second), addrOf(t, up))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.NewSession(0, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // heartbeats both ways
	cp.Close()
	up.Close()
	if _, err := cp.Associate(ctxT(t, time.Second), addrOf(t, up)); !errors.Is(err, ErrClosed) {
		t.Errorf("Associate on a closed node: %v", err)
	}
	waitFor(t, 2*time.Second, "goroutines to stop", func() bool { return runtime.NumGoroutine() <= before })
}
