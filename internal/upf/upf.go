package upf

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"go5g/internal/n3"
)

// Device is the N6 side: one whole IP packet per Read and Write, as
// internal/tun's Device and Queue provide.
type Device interface {
	Read(b []byte) (int, error)
	Write(b []byte) (int, error)
}

// BatchReader is a Device that can return a burst of packets in one call
// (tun.Queue): packet i into bufs[i], its length in sizes[i]. The
// downlink loop uses it when the device has it, so that one wake-up and
// one sendmmsg serve a burst.
type BatchReader interface {
	ReadBatch(bufs [][]byte, sizes []int) (int, error)
}

// DLBatch is how many N6 packets the downlink loop takes per read and
// sends per sendmmsg.
const DLBatch = 32

// Reporter receives what the UPF owes the SMF outside a request: Session
// Report Requests for downlink data and usage. The N4 glue implements it.
// It runs on the UPF's report goroutine, one report at a time.
type Reporter interface {
	Report(s *Session, r Report)
}

// Report is one Session Report Request's content. Spec: TS 29.244 §7.5.8
type Report struct {
	// DLData: a packet arrived for a BUFF FAR with NOCP (§5.2.3.1);
	// PDRID is the PDR it matched.
	DLData bool
	PDRID  uint16
	Usage  []Usage
}

// Config configures a UPF. N3Addr is required.
type Config struct {
	// N3Addr is the UPF's GTP-U address: the address put in the F-TEIDs
	// it allocates and in Error Indications.
	N3Addr netip.Addr
	// N3Addr6 is the IPv6 address for F-TEIDs, optional.
	N3Addr6 netip.Addr
	// Now is the clock; default time.Now. Tests pass a fake clock.
	Now      func() time.Time
	Reporter Reporter
	// ReportTick is how often time thresholds are checked; default 1 s.
	ReportTick time.Duration
	Log        *slog.Logger
	// Rand allocates TEIDs; default a random source.
	Rand *rand.Rand
	// PeerPort, when set, replaces the port of every outer header
	// creation (2152 on the wire, TS 29.281 §4.4.2): tests run several
	// GTP-U endpoints on one host.
	PeerPort uint16
	// RAInterval, when set, replaces the 3-4 s between the initial
	// Router Advertisements of an IPv6 session (tests).
	RAInterval time.Duration
}

// UPF is the user plane function: the session rules, their lookup
// tables and the packet workers.
type UPF struct {
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	resp    *n3.Responder
	ul      table[uint32]     // local TEID -> session
	dl      table[netip.Addr] // UE address (IPv6: /64) -> session
	rngMu   sync.Mutex
	rng     *rand.Rand
	smu     sync.Mutex
	sess    map[uint64]*Session
	reports chan reportEvent
	workers []*Worker
	wmu     sync.Mutex
	lost    atomic.Uint64 // reports dropped: queue full
}

type reportEvent struct {
	s    *Session
	urr  *urrRT
	why  UsageTrigger
	dl   bool
	pdr  uint16
	when int64
}

// New returns a UPF with no sessions.
func New(cfg Config) (*UPF, error) {
	if !cfg.N3Addr.IsValid() {
		return nil, errors.New("upf: Config.N3Addr is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReportTick <= 0 {
		cfg.ReportTick = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	u := &UPF{cfg: cfg, now: cfg.Now, log: cfg.Log, rng: cfg.Rand, resp: n3.NewResponder(n3.ResponderConfig{}),
		sess: make(map[uint64]*Session), reports: make(chan reportEvent, 4096)}
	u.ul.hash, u.dl.hash = hashTEID, hashAddr
	return u, nil
}

// N3Addr is the UPF's GTP-U address.
func (u *UPF) N3Addr() netip.Addr { return u.cfg.N3Addr }

// Session returns the session with local SEID seid, or nil.
func (u *UPF) Session(seid uint64) *Session {
	u.smu.Lock()
	defer u.smu.Unlock()
	return u.sess[seid]
}

// Sessions is the number of sessions.
func (u *UPF) Sessions() int {
	u.smu.Lock()
	defer u.smu.Unlock()
	return len(u.sess)
}

// Establish creates a session with local SEID seid and installs r. It
// allocates the TEIDs of PDRs with CHOOSE and returns the rules as
// installed (with those TEIDs). Spec: TS 29.244 §5.5.3, §7.5.2
func (u *UPF) Establish(seid uint64, r Rules) (*Session, Rules, error) {
	s := &Session{SEID: seid, u: u, qers: map[uint32]*qerRT{}, urrs: map[uint32]*urrRT{}}
	u.smu.Lock()
	if _, dup := u.sess[seid]; dup {
		u.smu.Unlock()
		return nil, Rules{}, errors.New("upf: SEID in use")
	}
	u.sess[seid] = s
	u.smu.Unlock()
	got, err := s.Install(r)
	if err != nil {
		u.smu.Lock()
		delete(u.sess, seid)
		u.smu.Unlock()
		return nil, Rules{}, err
	}
	return s, got, nil
}

// Install replaces the session's rules with r (a modification: the caller
// edits a copy of Rules()). Meters of unchanged QERs and URRs continue;
// URRs no longer present are returned as final usage. Buffered packets
// whose FAR now forwards are sent (in order) by the caller's call to
// Release. Spec: TS 29.244 §7.5.4
func (s *Session) Install(r Rules) (Rules, error) {
	u := s.u
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return Rules{}, errors.New("upf: session deleted")
	}
	now := u.now().UnixNano()
	old := s.rules.Load()
	if u.cfg.PeerPort != 0 {
		for i := range r.FARs {
			if o := r.FARs[i].OHC; o != nil {
				r.FARs[i].OHC = &OuterHeader{TEID: o.TEID, Addr: netip.AddrPortFrom(o.Addr.Addr(), u.cfg.PeerPort)}
			}
		}
	}
	// Allocate CHOOSE TEIDs: one per CHOOSE ID, reusing the TEID an
	// existing PDR of the same ID already has.
	chosen := map[uint8]uint32{}
	for i := range r.PDRs {
		p := &r.PDRs[i]
		if !p.Choose {
			continue
		}
		if t, ok := chosen[p.ChooseID]; ok && p.ChooseID != 0 {
			p.TEID, p.HasTEID = t, true
			continue
		}
		if old != nil {
			if op := findPDR(old.rules.PDRs, p.ID); op != nil && op.Choose && op.HasTEID {
				p.TEID, p.HasTEID = op.TEID, true
				chosen[p.ChooseID] = p.TEID
				continue
			}
		}
		p.TEID, p.HasTEID = u.allocTEID(s), true
		chosen[p.ChooseID] = p.TEID
	}
	qers := make(map[uint32]*qerRT, len(r.QERs))
	for _, q := range r.QERs {
		if _, dup := qers[q.ID]; dup {
			return Rules{}, &RuleError{"QER", q.ID, "duplicate QER ID"}
		}
		if cur := s.qers[q.ID]; cur != nil && cur.QER == q {
			qers[q.ID] = cur
		} else {
			qers[q.ID] = newQERRT(q)
		}
	}
	urrs := make(map[uint32]*urrRT, len(r.URRs))
	for _, x := range r.URRs {
		if _, dup := urrs[x.ID]; dup {
			return Rules{}, &RuleError{"URR", x.ID, "duplicate URR ID"}
		}
		if cur := s.urrs[x.ID]; cur != nil {
			c := x
			cur.cfg.Store(&c)
			urrs[x.ID] = cur
		} else {
			urrs[x.ID] = newURRRT(x, now)
		}
	}
	rs, err := compile(r, qers, urrs)
	if err != nil {
		u.releaseNewTEIDs(s, r, old)
		return Rules{}, err
	}
	// Publish the keys: first the new ones (so no packet of the new rules
	// misses), then the rules, then remove keys no longer used.
	for _, t := range rs.teids {
		if !u.ul.set(t, s, false) {
			u.releaseNewTEIDs(s, r, old)
			return Rules{}, &RuleError{"PDR", 0, "local F-TEID in use by another session"}
		}
	}
	for _, a := range rs.ues {
		u.dl.set(a, s, true)
	}
	s.rules.Store(rs)
	if old != nil {
		for _, t := range old.teids {
			if !contains(rs.teids, t) {
				u.ul.del(t, s)
			}
		}
		for _, a := range old.ues {
			if !contains(rs.ues, a) {
				u.dl.del(a, s)
			}
		}
	}
	s.qers, s.urrs = qers, urrs
	// A FAR that no longer buffers re-arms the Downlink Data Report.
	if !anyBuff(rs) {
		s.buf.reported.Store(false)
	}
	return rs.rules.Clone(), nil
}

// releaseNewTEIDs undoes the UL table entries a failed install added.
func (u *UPF) releaseNewTEIDs(s *Session, r Rules, old *ruleSet) {
	for _, p := range r.PDRs {
		if p.HasTEID && (old == nil || !contains(old.teids, p.TEID)) {
			u.ul.del(p.TEID, s)
		}
	}
}

// FinalUsage ends the measurement of the URRs in ids (all when ids is
// nil) and returns their usage (Remove URR, Session Deletion).
// Spec: TS 29.244 §5.2.2.3.1
func (s *Session) FinalUsage(ids []uint32) []Usage {
	now := s.u.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Usage
	for id, r := range s.urrs {
		if ids == nil || contains(ids, id) {
			out = append(out, r.take(now, UsageTermination))
		}
	}
	return out
}

// QueryUsage reports the usage of every URR now and starts new
// measurement periods (an immediate report, as for Query URR).
// Spec: TS 29.244 §5.2.2.3.1 ("immediate report")
func (s *Session) QueryUsage() []Usage {
	now := s.u.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Usage
	for _, r := range s.urrs {
		u := r.take(now, UsageImmediate)
		out = append(out, u)
	}
	return out
}

// DropBuffer discards the session's buffered packets.
func (s *Session) DropBuffer() {
	s.buf.mu.Lock()
	n := len(s.buf.pkts)
	s.buf.pkts, s.buf.pdr, s.buf.bytes = nil, nil, 0
	s.buf.mu.Unlock()
	s.Stats.Drops[DropFAR].Add(uint64(n))
}

// Delete removes the session: its keys leave the lookup tables and the
// final usage of every URR is returned for the Session Deletion Response.
// Spec: TS 29.244 §7.5.6, §5.2.2.3.1
func (u *UPF) Delete(s *Session) []Usage {
	usage := s.FinalUsage(nil)
	s.mu.Lock()
	s.dead = true
	if rs := s.rules.Load(); rs != nil {
		for _, t := range rs.teids {
			u.ul.del(t, s)
		}
		for _, a := range rs.ues {
			u.dl.del(a, s)
		}
	}
	s.mu.Unlock()
	s.buf.mu.Lock()
	s.buf.pkts, s.buf.pdr, s.buf.bytes = nil, nil, 0
	s.buf.mu.Unlock()
	u.smu.Lock()
	if u.sess[s.SEID] == s {
		delete(u.sess, s.SEID)
	}
	u.smu.Unlock()
	return usage
}

// allocTEID returns a random TEID that no session uses, reserving it for
// s. TEID 0 is never allocated: it marks signalling (TS 29.281 §5.1).
func (u *UPF) allocTEID(s *Session) uint32 {
	for {
		u.rngMu.Lock()
		t := u.rng.Uint32()
		u.rngMu.Unlock()
		if t != 0 && u.ul.set(t, s, false) {
			return t
		}
	}
}

func findPDR(ps []PDR, id uint16) *PDR {
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i]
		}
	}
	return nil
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func anyBuff(rs *ruleSet) bool {
	for i := range rs.rules.FARs {
		if rs.rules.FARs[i].Action&ActBuff != 0 {
			return true
		}
	}
	return false
}

// queueReport hands a report to the report goroutine without blocking
// the packet path; a full queue loses it (counted) and re-arms it.
func (u *UPF) queueReport(ev reportEvent) {
	select {
	case u.reports <- ev:
	default:
		u.lost.Add(1)
		if ev.urr != nil {
			ev.urr.pending.Store(false)
		}
		if ev.dl {
			ev.s.buf.reported.Store(false)
		}
	}
}
