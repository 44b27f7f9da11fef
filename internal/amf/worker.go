package amf

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"go5g/internal/n2"
)

// shard is one UE worker. It owns the contexts of the UEs whose key maps to
// it and handles their events one at a time, in arrival order, so a UE's
// procedures need no locks. A UE's key is fixed at its first contact: every
// AMF UE NGAP ID and 5G-TMSI it is given later maps back to the same shard
// (id mod number of shards), so all its inputs (NGAP, NAS, home network
// answers, timer expiries) reach the same worker.
type shard struct {
	a      *AMF
	idx    int
	events chan event
	exited chan struct{}

	byID   map[uint64]*ue // connected UEs by AMF UE NGAP ID
	byTMSI map[uint32]*ue // registered UEs by 5G-TMSI
	bySUPI map[string]*ue
	nextID uint64
}

func newShard(a *AMF, idx int) *shard {
	return &shard{
		a: a, idx: idx,
		events: make(chan event, a.cfg.QueueLength),
		exited: make(chan struct{}),
		byID:   make(map[uint64]*ue),
		byTMSI: make(map[uint32]*ue),
		bySUPI: make(map[string]*ue),
	}
}

// event is anything a UE's owner handles: NGAP and NAS from the gNB, home
// network answers, timer expiries, association loss, queries.
type event interface{}

// Events. Those about one UE carry its AMF UE NGAP ID; the worker looks the
// UE up again, so an event for a released UE finds nothing and is dropped.
type (
	initialUE struct {
		ran *ranNode
		msg *n2.InitialUEMessage
	}
	uePDU struct {
		ran *ranNode
		pdu n2.PDU
	}
	badUEPDU struct { // undecodable PDU naming a UE: answer per TS 38.413 §10
		ran *ranNode
		err error
	}
	sbiResult struct {
		amfID uint64
		seq   uint64    // the UE's call number
		proc  procedure // the step the call was made for
		res   any
		err   error
	}
	timerExpired struct {
		amfID uint64
		kind  timerKind
		gen   uint64
	}
	releaseGuardExpired struct{ amfID uint64 }
	ranLost             struct {
		ran  *ranNode
		done chan<- struct{}
	}
	evictSUPI struct{ supi string }
	inspect   struct { // runs f in the worker (tests)
		f    func(*shard)
		done chan struct{}
	}
	queryUE struct {
		supi  string
		reply chan<- queryReply
	}
)

type queryReply struct {
	info UEInfo
	ok   bool
}

// post queues ev for the worker; false if the worker has stopped or ctx is done.
func (s *shard) post(ctx context.Context, ev event) bool {
	select {
	case s.events <- ev:
		return true
	case <-s.exited:
		return false
	case <-ctx.Done():
		return false
	}
}

func (s *shard) run(ctx context.Context) {
	defer close(s.exited)
	for {
		select {
		case ev := <-s.events:
			s.handle(ev)
		case <-ctx.Done():
			for _, u := range s.byID {
				u.timer.stop()
				if u.conn.guard != nil {
					u.conn.guard.Stop()
				}
			}
			return
		}
	}
}

func (s *shard) handle(ev event) {
	switch ev := ev.(type) {
	case initialUE:
		s.onInitialUE(ev)
	case uePDU:
		s.onUEPDU(ev)
	case badUEPDU:
		s.onBadUEPDU(ev)
	case sbiResult:
		if u := s.byID[ev.amfID]; u != nil && u.proc == ev.proc && u.calls == ev.seq {
			s.onSBIResult(u, ev)
		}
	case timerExpired:
		if u := s.byID[ev.amfID]; u != nil && u.timer.kind == ev.kind && u.timer.gen == ev.gen && u.timer.t != nil {
			u.timer.t = nil
			s.onTimer(u, ev.kind)
		}
	case releaseGuardExpired:
		if u := s.byID[ev.amfID]; u != nil && u.conn.releasing {
			s.a.log.Warn("no UE CONTEXT RELEASE COMPLETE: released locally", u.logAttrs()...)
			s.connReleased(u)
		}
	case ranLost:
		s.onRANLost(ev.ran)
		close(ev.done)
	case resetConn:
		s.onResetConn(ev)
	case ueCommand:
		s.onUECommand(ev)
	case smDone:
		s.onSMDone(ev)
	case n1n2Transfer:
		s.onN1N2Transfer(ev)
	case smStatus:
		s.onSMStatus(ev)
	case pagingExpired:
		s.onPagingExpired(ev)
	case smActivated:
		s.onSMActivated(ev)
	case inspect:
		ev.f(s)
		close(ev.done)
	case evictSUPI:
		if u := s.bySUPI[ev.supi]; u != nil {
			s.discard(u, n2.CauseUnspecifiedNAS)
		}
	case queryUE:
		u := s.bySUPI[ev.supi]
		ev.reply <- queryReply{info: u.info(), ok: u != nil}
	}
}

// newID allocates an AMF UE NGAP ID that maps to this shard.
// Spec: TS 38.413 §9.3.3.1 (0..2^40-1, unique within the AMF)
func (s *shard) newID() uint64 {
	s.nextID++
	return s.nextID*uint64(len(s.a.shards)) + uint64(s.idx)
}

// newTMSI allocates a 5G-TMSI that maps to this shard and is not in use.
// It is random so that it cannot be guessed from earlier ones.
// Spec: TS 23.003 §2.10.1, TS 33.501 §6.12.3
func (s *shard) newTMSI() uint32 {
	n := uint32(len(s.a.shards))
	for {
		t := rand.Uint32N(math.MaxUint32/n)*n + uint32(s.idx)
		if _, used := s.byTMSI[t]; !used {
			return t
		}
	}
}

// info is the snapshot UE returns.
func (u *ue) info() UEInfo {
	if u == nil {
		return UEInfo{}
	}
	i := UEInfo{SUPI: u.sub.supi, Registered: u.state == gmmRegistered, TMSI: u.sub.tmsi, Procedure: u.proc.String()}
	if u.conn != nil {
		i.Connected = true
		i.AMFUENGAPID, i.RANUENGAPID = u.conn.amfID, u.conn.ranID
		i.GNBName = u.conn.ran.name()
	}
	return i
}

// timerKind names the 5GMM network-side timers. Spec: TS 24.501 Table 10.2.2
type timerKind uint8

const (
	timerNone timerKind = iota
	t3550
	t3560
	t3570
	t3522
	t3555
)

func (k timerKind) String() string {
	return [...]string{"none", "T3550", "T3560", "T3570", "T3522", "T3555"}[k]
}

// nasTimer is the retransmission timer of the UE's current 5GMM procedure.
// On expiry the worker sends msg again (protected anew, with a new NAS
// COUNT) or, after the last retransmission, aborts the procedure.
type nasTimer struct {
	kind     timerKind
	t        *time.Timer
	gen      uint64
	expiries int
	msg      []byte // plain NAS message to send again
}

func (t *nasTimer) stop() {
	if t.t != nil {
		t.t.Stop()
		t.t = nil
	}
	t.kind = timerNone
	t.msg = nil
}

// startTimer (re)starts the UE's NAS timer; expiries counts from zero for a
// new message and is kept across retransmissions of the same one.
func (s *shard) startTimer(u *ue, kind timerKind, msg []byte, restart bool) {
	expiries := 0
	if restart {
		expiries = u.timer.expiries
	}
	u.timer.stop()
	u.timer.kind, u.timer.msg, u.timer.expiries = kind, msg, expiries
	u.timer.gen++
	var d time.Duration
	switch kind {
	case t3550:
		d = s.a.cfg.T3550
	case t3560:
		d = s.a.cfg.T3560
	case t3570:
		d = s.a.cfg.T3570
	case t3522:
		d = s.a.cfg.T3522
	case t3555:
		d = s.a.cfg.T3555
	}
	ev := timerExpired{amfID: u.conn.amfID, kind: kind, gen: u.timer.gen}
	ctx := s.a.runCtx
	u.timer.t = time.AfterFunc(d, func() { s.post(ctx, ev) })
}

// onTimer handles the expiry of the UE's NAS timer: retransmit, or abort
// on the expiry after the last retransmission.
//
// Spec: TS 24.501 §5.4.1.3.7 (T3560, authentication), §5.4.2.7 (T3560,
// security mode), §5.5.1.2.8 and §5.5.1.3.8 (T3550), §5.4.3.6 (T3570),
// §5.4.4.5 (T3555), §5.5.2.3.5 (T3522)
func (s *shard) onTimer(u *ue, kind timerKind) {
	u.timer.expiries++
	if u.timer.expiries <= s.a.cfg.MaxRetransmissions {
		msg := u.timer.msg
		s.a.log.Debug("NAS timer expired: retransmitting", append(u.logAttrs(), "timer", kind, "expiry", u.timer.expiries)...)
		if u.proc == procSecurityMode {
			s.sendSecurityModeCommand(u, msg) // with the new context, header type 3
		} else {
			s.sendNAS(u, msg)
		}
		s.startTimer(u, kind, msg, true)
		return
	}
	s.a.log.Info("NAS timer expired: procedure aborted", append(u.logAttrs(), "timer", kind, "procedure", u.proc)...)
	u.timer.stop()
	switch kind {
	case t3550:
		// §5.5.1.2.8 a: "the AMF shall abort the procedure"; the new 5G-GUTI
		// stays valid, and so does the registration.
		s.registrationCompleted(u, false)
	case t3555:
		// §5.4.4.5 a: abort; the old and the new 5G-GUTI both stay valid
		// until the UE shows which one it uses.
		u.proc = procNone
	case t3522:
		// §5.5.2.3.5 a: abort the procedure and enter 5GMM-DEREGISTERED.
		s.deregistered(u)
	default:
		// §5.4.1.3.7 b, §5.4.2.7 b: abort the procedure and the registration.
		s.abortRegistration(u, n2.CauseUnspecifiedNAS)
	}
}
