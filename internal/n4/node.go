package n4

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// Port is the PFCP UDP port.
//
// Spec: TS 29.244 §4.2.2 ("The UDP Destination Port number for a Request
// message shall be 8805")
const Port = 8805

// Function is the role of a node on N4.
type Function uint8

const (
	CP Function = iota // control plane function: the SMF
	UP                 // user plane function: the UPF
)

func (f Function) String() string {
	if f == UP {
		return "UP"
	}
	return "CP"
}

// Timer defaults. TS 29.244 leaves T1 and N1 to configuration (§6.4); these
// are the values common in deployments.
const (
	DefaultT1                = 3 * time.Second
	DefaultN1                = 3
	DefaultHeartbeatInterval = 10 * time.Second
	DefaultHeartbeatMisses   = 1
	DefaultMaxPeers          = 1024
	defaultQueueLen          = 256
)

// HandlerFunc answers one request. It returns the response without its
// sequence number (the node sets it) or an error: a *CauseError becomes a
// rejection with that cause, any other error cause #77 "System failure".
// A nil response and nil error sends nothing.
type HandlerFunc func(p *Peer, req message.Message) (message.Message, error)

// Events are the node's callbacks. Each may be nil. They run on the node's
// goroutines (a peer's worker or heartbeat loop), so they should return
// soon; they may call back into the node.
type Events struct {
	// AssociationUp follows a successful Association Setup in either
	// direction; p.SetupMessage holds the peer's request or response.
	AssociationUp func(p *Peer)
	// AssociationReleased follows a release by either side.
	AssociationReleased func(p *Peer)
	// PeerDead follows HeartbeatMisses heartbeat transactions in a row that
	// got no answer. The association is down; sessions are kept.
	PeerDead func(p *Peer)
	// PeerRestarted is a peer whose Recovery Time Stamp changed: it lost
	// its state (TS 29.244 §19.2). The association and the sessions with it
	// are gone; the SMF re-establishes them.
	PeerRestarted func(p *Peer, old, new uint32)
}

// Config is a Node's configuration. Function and NodeID are required.
type Config struct {
	Function Function
	// NodeID is an IPv4 or IPv6 address or an FQDN (TS 29.244 §8.2.38).
	NodeID string
	// Addr is the UDP address to listen on; default ":8805".
	Addr string
	// Conn, when set, is used instead of listening on Addr (tests wrap
	// a socket to drop packets). The node closes it.
	Conn net.PacketConn
	// StartTime is the Recovery Time Stamp; default the time of New.
	StartTime time.Time

	T1                time.Duration // retransmission timer; default 3 s
	N1                int           // retransmissions; default 3 (use -1 for none)
	HeartbeatInterval time.Duration // default 10 s; negative disables heartbeats
	HeartbeatMisses   int           // failed heartbeat transactions before dead; default 1
	MaxPeers          int           // default 1024
	QueueLen          int           // per-peer request queue; default 256

	// SetupIEs are added to this node's Association Setup Request and
	// Response: UP or CP Function Features, User Plane IP Resource
	// Information and the like (TS 29.244 §7.4.4.1, §7.4.4.2).
	SetupIEs []*ie.IE
	// AcceptAssociation decides an incoming Association Setup Request;
	// nil accepts every request with its mandatory IEs.
	AcceptAssociation func(p *Peer, req *message.AssociationSetupRequest) *CauseError
	// Handlers answer requests by type from associated peers: Session
	// Establishment (SEID 0), Node Report, PFD Management, Session Set
	// Deletion, Association Update. Heartbeat, Association Setup and
	// Release are answered by the node itself. Session requests with an
	// SEID go to the Session's handler. A request type with no handler
	// is rejected with cause #76 "Service not supported".
	Handlers map[uint8]HandlerFunc
	Events   Events
	Log      *slog.Logger
}

// Stats are the node's counters; a snapshot is returned by Node.Stats.
type Stats struct {
	RxPackets, TxPackets uint64
	Requests, Responses  uint64 // messages received
	Retransmissions      uint64 // our requests sent again after T1
	Timeouts             uint64 // our requests that failed after N1
	Duplicates           uint64 // peer requests seen again (answered from the cache or dropped while pending)
	Unsolicited          uint64 // responses matching no outstanding request
	Malformed            uint64 // datagrams or messages that did not decode
	DecoderPanics        uint64 // of which go-pfcp panicked
	VersionNotSupported  uint64 // messages of another version, answered per §7.6.2
	UnknownType          uint64 // discarded per §7.6.4
	NoAssociation        uint64 // requests rejected with cause #72
	SessionNotFound      uint64 // session requests for an unknown SEID, cause #65
	Overload             uint64 // requests dropped because a peer's queue was full
	HandlerErrors        uint64 // handlers that failed (not a *CauseError), panicked or answered the wrong type
}

type counters struct {
	rx, tx, requests, responses, retrans, timeouts, dups, unsolicited atomic.Uint64
	malformed, panics, version, unknown, noAssoc, noSession, overload atomic.Uint64
	handlerErrs                                                       atomic.Uint64
}

// Node is one PFCP entity: a socket, its Node ID and Recovery Time Stamp,
// and its peers.
type Node struct {
	cfg      Config
	conn     net.PacketConn
	nodeID   *ie.IE
	rts      uint32 // Recovery Time Stamp, NTP seconds
	log      *slog.Logger
	seq      atomic.Uint32
	stats    counters
	closed   chan struct{}
	closing  sync.Once
	wg       sync.WaitGroup
	readDone chan struct{}

	mu       sync.Mutex
	peers    map[netip.AddrPort]*Peer
	sessions map[uint64]*Session // by local SEID
	rng      *rand.Rand
}

// New opens the node's socket and starts reading it.
func New(cfg Config) (*Node, error) {
	if cfg.NodeID == "" {
		return nil, errors.New("n4: Config.NodeID is required")
	}
	nodeID := ie.NewNodeIDHeuristic(cfg.NodeID)
	if cfg.T1 <= 0 {
		cfg.T1 = DefaultT1
	}
	if cfg.N1 == 0 {
		cfg.N1 = DefaultN1
	} else if cfg.N1 < 0 {
		cfg.N1 = 0
	}
	if cfg.HeartbeatInterval == 0 {
		cfg.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if cfg.HeartbeatMisses <= 0 {
		cfg.HeartbeatMisses = DefaultHeartbeatMisses
	}
	if cfg.MaxPeers <= 0 {
		cfg.MaxPeers = DefaultMaxPeers
	}
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = defaultQueueLen
	}
	if cfg.StartTime.IsZero() {
		cfg.StartTime = time.Now()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	conn := cfg.Conn
	if conn == nil {
		addr := cfg.Addr
		if addr == "" {
			addr = fmt.Sprintf(":%d", Port)
		}
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("n4: listen %s: %w", addr, err)
		}
		conn = c
	}
	var seed [2]uint64
	seed[0] = uint64(time.Now().UnixNano())
	seed[1] = rand.Uint64()
	n := &Node{
		cfg:      cfg,
		conn:     conn,
		nodeID:   nodeID,
		rts:      ntpSeconds(cfg.StartTime),
		log:      cfg.Log.With("node_id", cfg.NodeID, "function", cfg.Function.String()),
		closed:   make(chan struct{}),
		readDone: make(chan struct{}),
		peers:    make(map[netip.AddrPort]*Peer),
		sessions: make(map[uint64]*Session),
		rng:      rand.New(rand.NewPCG(seed[0], seed[1])),
	}
	n.seq.Store(rand.Uint32() & 0xffffff)
	go n.readLoop()
	n.wg.Add(1)
	go n.sweepLoop()
	return n, nil
}

// ntpSeconds is t in seconds since 1900-01-01, the Recovery Time Stamp
// encoding (era 0, wrapping in 2036 like NTP itself).
//
// Spec: TS 29.244 §8.2.65 (Recovery Time Stamp), RFC 5905 §6
func ntpSeconds(t time.Time) uint32 { return uint32(t.Unix() + 2208988800) }

// Addr is the node's local UDP address.
func (n *Node) Addr() net.Addr { return n.conn.LocalAddr() }

// NodeID is the node's Node ID IE.
func (n *Node) NodeID() *ie.IE { return n.nodeID }

// RecoveryTimeStamp is the node's Recovery Time Stamp in NTP seconds.
func (n *Node) RecoveryTimeStamp() uint32 { return n.rts }

func (n *Node) rtsIE() *ie.IE { return ie.New(ie.RecoveryTimeStamp, be32(n.rts)) }

func be32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

// Stats returns a snapshot of the counters.
func (n *Node) Stats() Stats {
	c := &n.stats
	return Stats{
		RxPackets: c.rx.Load(), TxPackets: c.tx.Load(),
		Requests: c.requests.Load(), Responses: c.responses.Load(),
		Retransmissions: c.retrans.Load(), Timeouts: c.timeouts.Load(),
		Duplicates: c.dups.Load(), Unsolicited: c.unsolicited.Load(),
		Malformed: c.malformed.Load(), DecoderPanics: c.panics.Load(),
		VersionNotSupported: c.version.Load(), UnknownType: c.unknown.Load(),
		NoAssociation: c.noAssoc.Load(), SessionNotFound: c.noSession.Load(),
		Overload: c.overload.Load(), HandlerErrors: c.handlerErrs.Load(),
	}
}

// Close stops the node: outstanding requests fail with ErrClosed, workers
// and heartbeats stop, the socket is closed.
func (n *Node) Close() error {
	var err error
	n.closing.Do(func() {
		close(n.closed)
		err = n.conn.Close()
		<-n.readDone
		n.wg.Wait()
	})
	return err
}

// nextSeq allocates a 24-bit sequence number.
//
// Spec: TS 29.244 §7.2.2.2 (Sequence Number, 3 octets)
func (n *Node) nextSeq() uint32 { return n.seq.Add(1) & 0xffffff }

// send writes one datagram to a peer.
func (n *Node) send(b []byte, to netip.AddrPort) error {
	_, err := n.conn.WriteTo(b, net.UDPAddrFromAddrPort(to))
	if err == nil {
		n.stats.tx.Add(1)
	}
	return err
}

// sendMsg marshals and sends m, logging a failure (there is nobody to
// return it to: the peer will retransmit).
func (n *Node) sendMsg(m message.Message, to netip.AddrPort) []byte {
	b, err := marshal(m)
	if err != nil {
		n.log.Error("encode PFCP message", "type", typeName(m.MessageType()), "err", err)
		return nil
	}
	if err := n.send(b, to); err != nil {
		n.log.Debug("send PFCP message", "peer", to, "err", err)
	}
	return b
}

// sweepLoop drops cached responses older than N1*T1 (§6.4: a duplicate
// request can arrive until the peer's retransmissions are over).
func (n *Node) sweepLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.T1)
	defer t.Stop()
	for {
		select {
		case <-n.closed:
			return
		case now := <-t.C:
			n.mu.Lock()
			peers := make([]*Peer, 0, len(n.peers))
			for _, p := range n.peers {
				peers = append(peers, p)
			}
			n.mu.Unlock()
			for _, p := range peers {
				p.sweep(now)
			}
		}
	}
}

// cacheTTL is how long a response stays cached for duplicate requests:
// the peer's last retransmission comes N1*T1 after its first copy; one
// more T1 covers the transit.
func (n *Node) cacheTTL() time.Duration { return time.Duration(n.cfg.N1+1) * n.cfg.T1 }

func addrPortOf(a net.Addr) (netip.AddrPort, bool) {
	if u, ok := a.(*net.UDPAddr); ok {
		ap := u.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// readLoop is the node's only reader of the socket.
func (n *Node) readLoop() {
	defer close(n.readDone)
	buf := make([]byte, 65536)
	for {
		k, from, err := n.conn.ReadFrom(buf)
		if err != nil {
			select {
			case <-n.closed:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			n.log.Warn("read N4 socket", "err", err)
			continue
		}
		ap, ok := addrPortOf(from)
		if !ok {
			continue
		}
		n.stats.rx.Add(1)
		// The messages keep slices of their datagram: give each its own.
		n.receive(append([]byte(nil), buf[:k]...), ap)
	}
}
