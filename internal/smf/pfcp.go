package smf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"

	"go5g/internal/n4"
	"go5g/internal/rules"
)

// N4Config configures the SMF's PFCP node (a CP function, TS 29.244).
type N4Config struct {
	// NodeID is the SMF's Node ID: an IP address (also put in its CP
	// F-SEIDs) or an FQDN. Required.
	NodeID string
	// Addr is the UDP address to listen on; default ":8805" (TS 29.244
	// §4.2.2: the UPF sends its requests to port 8805).
	Addr string
	// Conn replaces Addr (tests).
	Conn net.PacketConn
	// UPFs are the UPFs to associate with, by name.
	UPFs []N4Peer
	// T1, N1 and HeartbeatInterval as in n4.Config (0: its defaults).
	T1                time.Duration
	N1                int
	HeartbeatInterval time.Duration
	// RetryInterval is how often an association setup is retried with a
	// UPF that has none; default 5 s.
	RetryInterval time.Duration
	// Timeout bounds one PFCP transaction set (request and its
	// retransmissions) done for restoration; default 10 s.
	Timeout time.Duration
	Log     *slog.Logger
}

// N4Peer is a UPF's name and N4 address.
type N4Peer struct {
	Name string
	Addr netip.AddrPort
}

// N4 is the SMF's PFCP node. It holds an association with each configured
// UPF: set up at Run, set up again after a UPF was declared dead or
// released it, and after a UPF restart (its Recovery Time Stamp changed,
// TS 29.244 §19.2) it re-establishes every session it had there with the
// same rules and the same F-TEIDs, so neither the gNB's tunnel nor the
// UE's addresses change. Its UPF values implement the SMF's UPF
// interface.
type N4 struct {
	cfg   N4Config
	node  *n4.Node
	log   *slog.Logger
	upfs  []*PFCPUPF
	byAdr map[netip.AddrPort]*PFCPUPF
	wake  chan struct{}
}

// NewN4 opens the node's socket. Call Run to associate.
func NewN4(cfg N4Config) (*N4, error) {
	if cfg.NodeID == "" {
		return nil, errors.New("smf: N4Config.NodeID is required")
	}
	if cfg.Addr == "" {
		cfg.Addr = fmt.Sprintf(":%d", n4.Port)
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 5 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	x := &N4{cfg: cfg, log: cfg.Log.With("nf", "smf", "ref", "N4"), byAdr: map[netip.AddrPort]*PFCPUPF{},
		wake: make(chan struct{}, 1)}
	for i, p := range cfg.UPFs {
		if p.Name == "" || !p.Addr.IsValid() {
			return nil, fmt.Errorf("smf: N4Config.UPFs[%d]: name and address are required", i)
		}
		a := netip.AddrPortFrom(p.Addr.Addr().Unmap(), p.Addr.Port())
		if x.byAdr[a] != nil {
			return nil, fmt.Errorf("smf: N4Config.UPFs[%d]: address %s configured twice", i, a)
		}
		u := &PFCPUPF{x: x, name: p.Name, addr: a, sessions: map[uint64]*pfcpSession{}}
		x.upfs = append(x.upfs, u)
		x.byAdr[a] = u
	}
	node, err := n4.New(n4.Config{
		Function: n4.CP, NodeID: cfg.NodeID, Addr: cfg.Addr, Conn: cfg.Conn,
		T1: cfg.T1, N1: cfg.N1, HeartbeatInterval: cfg.HeartbeatInterval, Log: cfg.Log,
		// Spec: TS 29.244 §8.2.58: CP Function Features (none of the
		// optional ones).
		SetupIEs:          []*ie.IE{ie.NewCPFunctionFeatures(0)},
		AcceptAssociation: x.accept,
		Events: n4.Events{
			AssociationUp:       func(p *n4.Peer) { x.poke() },
			AssociationReleased: x.lost,
			PeerDead:            func(p *n4.Peer) { x.poke() },
			PeerRestarted:       func(p *n4.Peer, _, _ uint32) { x.lost(p) },
		},
	})
	if err != nil {
		return nil, fmt.Errorf("smf: %w", err)
	}
	x.node = node
	return x, nil
}

// Node is the PFCP node (for its address and Stats).
func (x *N4) Node() *n4.Node { return x.node }

// UPF returns the configured UPF of that name, or nil.
func (x *N4) UPF(name string) *PFCPUPF {
	for _, u := range x.upfs {
		if u.name == name {
			return u
		}
	}
	return nil
}

// UPFs returns every configured UPF by name, for Deps.UPFs.
func (x *N4) UPFs() map[string]UPF {
	m := make(map[string]UPF, len(x.upfs))
	for _, u := range x.upfs {
		m[u.name] = u
	}
	return m
}

// accept takes Association Setup Requests from configured UPFs only.
// Spec: TS 29.244 §6.2.6.3.2 (the CP function may reject)
func (x *N4) accept(p *n4.Peer, _ *message.AssociationSetupRequest) *n4.CauseError {
	if x.byAdr[p.Addr()] == nil {
		return &n4.CauseError{Cause: ie.CauseRequestRejected, Err: errors.New("not a configured UPF")}
	}
	return nil
}

func (x *N4) poke() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// lost marks the sessions with p as gone from the UPF: it restarted or
// released the association (n4 has closed their PFCP sessions).
func (x *N4) lost(p *n4.Peer) {
	if u := x.byAdr[p.Addr()]; u != nil {
		u.mu.Lock()
		for _, s := range u.sessions {
			s.lost.Store(true)
		}
		u.mu.Unlock()
	}
	x.poke()
}

// Run associates with every UPF and keeps the associations up until ctx
// ends, then releases them and closes the node.
//
// Spec: TS 29.244 §6.2.6.2 (CP function initiated setup), §19.2
func (x *N4) Run(ctx context.Context) error {
	t := time.NewTicker(x.cfg.RetryInterval)
	defer t.Stop()
	for {
		for _, u := range x.upfs {
			u.maintain(ctx)
		}
		select {
		case <-ctx.Done():
			x.release()
			x.node.Close()
			return nil
		case <-x.wake:
		case <-t.C:
		}
	}
}

// release ends the associations: the UPFs delete the sessions.
// Spec: TS 29.244 §6.2.8.2
func (x *N4) release() {
	for _, u := range x.upfs {
		u.mu.Lock()
		p := u.peer
		u.mu.Unlock()
		if p != nil && p.Associated() {
			ctx, cancel := context.WithTimeout(context.Background(), x.cfg.Timeout)
			if err := p.Release(ctx); err != nil {
				x.log.Debug("PFCP association release", "upf", u.name, "err", err)
			}
			cancel()
		}
	}
}

// Close closes the node without releasing (Run does both).
func (x *N4) Close() error { return x.node.Close() }

// PFCPUPF is one UPF over N4: the SMF's UPF interface as PFCP session
// procedures. It is safe for concurrent use.
type PFCPUPF struct {
	x    *N4
	name string
	addr netip.AddrPort

	mu       sync.Mutex
	peer     *n4.Peer
	up       bool // last known association state, for logging changes
	sessions map[uint64]*pfcpSession
	restored uint64
	dropped  uint64
	onDL     atomic.Pointer[func(upSEID uint64)] // pfcpreport.go
}

// pfcpSession is a session the SMF has on the UPF: its PFCP session and
// its whole current rules, to install again after a UPF restart.
type pfcpSession struct {
	mu   sync.Mutex // one procedure at a time
	ns   *n4.Session
	est  rules.Establishment
	lost atomic.Bool // the UPF lost it (restart, release): restore
	gone bool        // deleted by the SMF
	// handle is the SMF's handle (its key in PFCPUPF.sessions), set once
	// established. The UPF's requests for any PFCP session of it (the
	// first, or one of a restoration) reach it through that session's
	// handler, so a report finds its handle in O(1) (pfcpreport.go).
	handle atomic.Uint64
}

// UPFStats are a UPF's N4 counts.
type UPFStats struct {
	Associated bool
	Sessions   int
	// Restored counts sessions re-established after a UPF restart,
	// Dropped those that could not be (the UPF refused them).
	Restored, Dropped uint64
}

// Stats returns the UPF's counts.
func (u *PFCPUPF) Stats() UPFStats {
	u.mu.Lock()
	defer u.mu.Unlock()
	return UPFStats{Associated: u.peer != nil && u.peer.Associated(), Sessions: len(u.sessions),
		Restored: u.restored, Dropped: u.dropped}
}

// Associated reports whether the PFCP association with the UPF is up.
func (u *PFCPUPF) Associated() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.peer != nil && u.peer.Associated()
}

// maintain sets the association up when it is down and restores lost
// sessions once it is up.
func (u *PFCPUPF) maintain(ctx context.Context) {
	x := u.x
	u.mu.Lock()
	p := u.peer
	u.mu.Unlock()
	if p == nil || !p.Associated() {
		actx, cancel := context.WithTimeout(ctx, x.cfg.Timeout)
		np, err := x.node.Associate(actx, u.addr)
		cancel()
		u.mu.Lock()
		was := u.up
		u.up = err == nil
		if np != nil {
			u.peer = np
		}
		u.mu.Unlock()
		if err != nil {
			if was || p == nil {
				x.log.Warn("no PFCP association with UPF", "upf", u.name, "addr", u.addr, "err", err)
			}
			return
		}
		x.log.Info("PFCP association up", "upf", u.name, "addr", u.addr, "node_id", np.NodeID())
	}
	u.restore(ctx)
}

// restore re-establishes the sessions the UPF lost, with the F-TEIDs it
// had chosen before (given explicitly now, not CHOOSE), so the gNB's
// uplink tunnel stays valid. A session the UPF refuses is forgotten here;
// the SMF learns it at its next request for it (the UPF's "session
// context not found").
//
// Spec: TS 23.527 §4.3.2 (restoration of PFCP sessions after a UPF
// restart); TS 29.244 §19.2
func (u *PFCPUPF) restore(ctx context.Context) {
	u.mu.Lock()
	var todo []*pfcpSession
	for _, s := range u.sessions {
		if s.lost.Load() {
			todo = append(todo, s)
		}
	}
	u.mu.Unlock()
	restored := 0
	defer func() {
		if restored > 0 {
			u.x.log.Info("PFCP sessions restored after UPF restart", "upf", u.name, "sessions", restored)
		}
	}()
	for _, s := range todo {
		s.mu.Lock()
		if s.gone || !s.lost.Load() {
			s.mu.Unlock()
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, u.x.cfg.Timeout)
		ns, _, err := u.establish(rctx, s.est, s)
		cancel()
		if err == nil {
			s.ns = ns
			s.lost.Store(false)
		}
		s.mu.Unlock()
		u.mu.Lock()
		if err == nil {
			u.restored++
			restored++
		} else if !errors.Is(err, n4.ErrNotAssociated) && ctx.Err() == nil {
			u.dropped++
			if h := s.handle.Swap(0); u.sessions[h] == s {
				delete(u.sessions, h)
			}
		}
		u.mu.Unlock()
		if err != nil {
			u.x.log.Warn("PFCP session not restored", "upf", u.name, "err", err)
			if errors.Is(err, n4.ErrNotAssociated) {
				return
			}
		}
	}
}

// associatedPeer returns the peer when associated.
func (u *PFCPUPF) associatedPeer() (*n4.Peer, error) {
	u.mu.Lock()
	p := u.peer
	u.mu.Unlock()
	if p == nil || !p.Associated() {
		return nil, &UnavailableError{UPF: u.name, Err: n4.ErrNotAssociated}
	}
	return p, nil
}

// cpFSEIDAddrs are the addresses of the CP F-SEID: the node's bound
// address, else the Node ID's. Spec: TS 29.244 §8.2.37
func (u *PFCPUPF) cpFSEIDAddrs() (net.IP, net.IP) {
	a := netip.Addr{}
	if ua, ok := u.x.node.Addr().(*net.UDPAddr); ok && ua.IP != nil && !ua.IP.IsUnspecified() {
		a, _ = netip.AddrFromSlice(ua.IP)
	}
	if !a.IsValid() {
		a, _ = netip.ParseAddr(u.x.cfg.NodeID)
	}
	a = a.Unmap()
	switch {
	case a.Is4():
		return a.AsSlice(), nil
	case a.Is6():
		return nil, a.AsSlice()
	}
	return net.IPv4zero.To4(), nil
}

// establish sends a Session Establishment Request and returns the PFCP
// session and the UPF's answer. The UPF's requests for the PFCP session
// are handled for owner.
// Spec: TS 29.244 §7.5.2, §7.5.3
func (u *PFCPUPF) establish(ctx context.Context, e rules.Establishment, owner *pfcpSession) (*n4.Session, rules.Established, error) {
	p, err := u.associatedPeer()
	if err != nil {
		return nil, rules.Established{}, err
	}
	ns, err := p.NewSession(0, n4.SessionHandlerFunc(func(ns *n4.Session, m message.Message) (message.Message, error) {
		return u.handle(owner, ns, m)
	}))
	if err != nil {
		return nil, rules.Established{}, &UnavailableError{UPF: u.name, Err: err}
	}
	v4, v6 := u.cpFSEIDAddrs()
	req := establishmentRequest(p.Node().NodeID(), ns.FSEID(v4, v6), e, u.addr.Addr().Is6())
	m, err := ns.Request(ctx, req)
	if err != nil {
		ns.Close()
		return nil, rules.Established{}, fmt.Errorf("smf: PFCP session establishment with %s: %w", u.name, err)
	}
	r, ok := m.(*message.SessionEstablishmentResponse)
	if !ok {
		ns.Close()
		return nil, rules.Established{}, fmt.Errorf("smf: PFCP session establishment with %s: answered by %T", u.name, m)
	}
	if err := rejectOf(u.name, req.MessageType(), n4.Cause(r), r.OffendingIE, r.FailedRuleID); err != nil {
		ns.Close()
		return nil, rules.Established{}, err
	}
	if r.UPFSEID == nil || ns.RemoteSEID() == 0 {
		ns.Close()
		return nil, rules.Established{}, fmt.Errorf("smf: PFCP session establishment with %s: no UP F-SEID", u.name)
	}
	created, err := createdPDRs(r.CreatedPDR)
	if err != nil {
		// The UPF has the session: delete it rather than leak it.
		u.delete(ctx, ns)
		return nil, rules.Established{}, fmt.Errorf("smf: PFCP session establishment with %s: %w", u.name, err)
	}
	return ns, rules.Established{UPSEID: ns.RemoteSEID(), Created: created}, nil
}

// handle answers the UPF's requests for a session: Session Report
// Requests (pfcpreport.go).
// Spec: TS 29.244 §7.5.8, §7.5.9
func (u *PFCPUPF) handle(owner *pfcpSession, ns *n4.Session, m message.Message) (message.Message, error) {
	if r, ok := m.(*message.SessionReportRequest); ok {
		return u.sessionReport(owner, ns, r)
	}
	return nil, &n4.CauseError{Cause: ie.CauseServiceNotSupported}
}

// EstablishSession installs a session's rules on the UPF. The CP F-SEID
// is the PFCP node's own SEID for the session (it routes the UPF's
// requests), not req.CPSEID. The returned UPSEID is the UPF's SEID and
// stays the SMF's handle for the session even if a UPF restart makes the
// UPF give it another one.
//
// Spec: TS 29.244 §7.5.2, §5.5.3 (F-TEID allocation by the UP function)
func (u *PFCPUPF) EstablishSession(ctx context.Context, req rules.Establishment) (rules.Established, error) {
	s := &pfcpSession{}
	ns, est, err := u.establish(ctx, req, s)
	if err != nil {
		return est, err
	}
	s.ns, s.est = ns, withChosen(req, est.Created)
	u.mu.Lock()
	if u.sessions[est.UPSEID] != nil {
		// The UPF gave an SEID that is already a handle (after a
		// restart): refuse rather than confuse two sessions.
		u.mu.Unlock()
		u.delete(ctx, ns)
		return rules.Established{}, fmt.Errorf("smf: UPF %s reused SEID %#x", u.name, est.UPSEID)
	}
	u.sessions[est.UPSEID] = s
	s.handle.Store(est.UPSEID)
	u.mu.Unlock()
	return est, nil
}

// withChosen returns e with every CHOOSE F-TEID replaced by the one the
// UPF chose, as restoration gives them back.
func withChosen(e rules.Establishment, created []rules.CreatedPDR) rules.Establishment {
	e = cloneEstablishment(e)
	byChid := map[uint8]rules.FTEID{}
	for i := range e.PDRs {
		f := e.PDRs[i].PDI.FTEID
		if f == nil || !f.Choose {
			continue
		}
		for _, c := range created {
			if c.ID == e.PDRs[i].ID {
				cf := c.FTEID
				e.PDRs[i].PDI.FTEID = &cf
				if f.ChooseID != 0 {
					byChid[f.ChooseID] = cf
				}
			}
		}
	}
	// PDRs sharing a CHID got one Created PDR at most (§5.5.3).
	for i := range e.PDRs {
		if f := e.PDRs[i].PDI.FTEID; f != nil && f.Choose && f.ChooseID != 0 {
			if cf, ok := byChid[f.ChooseID]; ok {
				e.PDRs[i].PDI.FTEID = &cf
			}
		}
	}
	return e
}

func cloneEstablishment(e rules.Establishment) rules.Establishment {
	e.PDRs = slices.Clone(e.PDRs)
	e.FARs = slices.Clone(e.FARs)
	e.QERs = slices.Clone(e.QERs)
	e.URRs = slices.Clone(e.URRs)
	return e
}

// apply records a modification in the session's rules: removals, then
// creations, then updates (each update replaces the rule of its ID), as
// the UPF applies them (TS 29.244 §7.5.4).
func apply(e rules.Establishment, m rules.Modification) rules.Establishment {
	e = cloneEstablishment(e)
	e.PDRs = slices.DeleteFunc(e.PDRs, func(p rules.PDR) bool { return slices.Contains(m.RemovePDRs, p.ID) })
	e.FARs = slices.DeleteFunc(e.FARs, func(f rules.FAR) bool { return slices.Contains(m.RemoveFARs, f.ID) })
	e.QERs = slices.DeleteFunc(e.QERs, func(q rules.QER) bool { return slices.Contains(m.RemoveQERs, q.ID) })
	e.PDRs = append(e.PDRs, m.CreatePDRs...)
	e.FARs = append(e.FARs, m.CreateFARs...)
	e.QERs = append(e.QERs, m.CreateQERs...)
	for _, p := range m.UpdatePDRs {
		if i := slices.IndexFunc(e.PDRs, func(x rules.PDR) bool { return x.ID == p.ID }); i >= 0 {
			if old := e.PDRs[i].PDI.FTEID; p.PDI.FTEID != nil && p.PDI.FTEID.Choose && old != nil && !old.Choose {
				p.PDI.FTEID = old // keep the chosen one
			}
			e.PDRs[i] = p
		}
	}
	for _, f := range m.UpdateFARs {
		if i := slices.IndexFunc(e.FARs, func(x rules.FAR) bool { return x.ID == f.ID }); i >= 0 {
			e.FARs[i] = f
		}
	}
	for _, q := range m.UpdateQERs {
		if i := slices.IndexFunc(e.QERs, func(x rules.QER) bool { return x.ID == q.ID }); i >= 0 {
			e.QERs[i] = q
		}
	}
	return e
}

func (u *PFCPUPF) session(handle uint64) (*pfcpSession, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	s := u.sessions[handle]
	if s == nil {
		return nil, fmt.Errorf("smf: no PFCP session %#x with UPF %s", handle, u.name)
	}
	return s, nil
}

// ModifySession changes the session's rules. While the session waits to
// be restored after a UPF restart, the change is recorded and installed
// with the restoration.
//
// Spec: TS 29.244 §7.5.4, §7.5.5
func (u *PFCPUPF) ModifySession(ctx context.Context, handle uint64, m rules.Modification) error {
	s, err := u.session(handle)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lost.Load() {
		s.est = apply(s.est, m)
		return nil
	}
	req := modificationRequest(m, u.addr.Addr().Is6())
	r, err := s.ns.Request(ctx, req)
	if err != nil {
		return fmt.Errorf("smf: PFCP session modification with %s: %w", u.name, err)
	}
	mr, ok := r.(*message.SessionModificationResponse)
	if !ok {
		return fmt.Errorf("smf: PFCP session modification with %s: answered by %T", u.name, r)
	}
	if err := rejectOf(u.name, req.MessageType(), n4.Cause(mr), mr.OffendingIE, mr.FailedRuleID); err != nil {
		return err
	}
	created, err := createdPDRs(mr.CreatedPDR)
	if err != nil {
		return fmt.Errorf("smf: PFCP session modification with %s: %w", u.name, err)
	}
	s.est = withChosen(apply(s.est, m), created)
	return nil
}

// DeleteSession deletes the session on the UPF. One the UPF had lost is
// only forgotten.
//
// Spec: TS 29.244 §7.5.6, §7.5.7
func (u *PFCPUPF) DeleteSession(ctx context.Context, handle uint64) error {
	s, err := u.session(handle)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = true
	s.handle.Store(0)
	u.mu.Lock()
	delete(u.sessions, handle)
	u.mu.Unlock()
	if s.lost.Load() {
		return nil
	}
	return u.delete(ctx, s.ns)
}

func (u *PFCPUPF) delete(ctx context.Context, ns *n4.Session) error {
	defer ns.Close()
	req := message.NewSessionDeletionRequest(0, 0, 0, 0, 0)
	r, err := ns.Request(ctx, req)
	if err != nil {
		return fmt.Errorf("smf: PFCP session deletion with %s: %w", u.name, err)
	}
	dr, ok := r.(*message.SessionDeletionResponse)
	if !ok {
		return fmt.Errorf("smf: PFCP session deletion with %s: answered by %T", u.name, r)
	}
	c := n4.Cause(dr)
	if c == ie.CauseSessionContextNotFound {
		return nil // already gone: the goal is reached
	}
	return rejectOf(u.name, req.MessageType(), c, dr.OffendingIE, nil)
}
