package amf

import (
	"time"

	"go5g/internal/n2"
)

// releaseConn starts the AMF-initiated UE context release: UE CONTEXT
// RELEASE COMMAND, then the context goes on COMPLETE (or when the guard
// timer gives up on it).
//
// Spec: TS 38.413 §8.3.3.2; TS 23.502 §4.2.6
func (s *shard) releaseConn(u *ue, cause n2.Cause) {
	c := u.conn
	if c == nil || c.releasing {
		return
	}
	u.timer.stop()
	b, err := n2.UEContextReleaseCommand{IDs: c.ids(), Cause: cause}.Marshal()
	if err != nil {
		s.a.log.Error("build UE CONTEXT RELEASE COMMAND", append(u.logAttrs(), "err", err)...)
		s.connReleased(u)
		return
	}
	s.sendNGAP(u, b)
	c.releasing = true
	ev, ctx := releaseGuardExpired{amfID: c.amfID}, s.a.runCtx
	c.guard = time.AfterFunc(s.a.cfg.ReleaseGuard, func() { s.post(ctx, ev) })
}

// onUEContextReleaseComplete ends the release. Spec: TS 38.413 §8.3.3.2
func (s *shard) onUEContextReleaseComplete(u *ue, pdu n2.PDU) {
	if _, err := n2.ParseUEContextReleaseComplete(pdu); err != nil {
		s.a.log.Info("bad UE CONTEXT RELEASE COMPLETE", append(u.logAttrs(), "err", err)...)
	}
	s.releaseTimed(u)
	s.connReleased(u)
}

// onUEContextReleaseRequest: the gNB asks to release the UE (user
// inactivity, radio link lost). A registration under way is aborted.
//
// Spec: TS 38.413 §8.3.2.2; TS 23.502 §4.2.6 (AN release)
func (s *shard) onUEContextReleaseRequest(u *ue, pdu n2.PDU) {
	cause := n2.CauseUnspecifiedRadioNetwork
	if req, err := n2.ParseUEContextReleaseRequest(pdu); err == nil {
		cause = req.Cause
	}
	s.a.log.Info("UE CONTEXT RELEASE REQUEST", append(u.logAttrs(), "cause", cause.String())...)
	if u.state != gmmRegistered {
		s.forget(u)
		s.setState(u, gmmDeregistered)
	}
	s.releaseConn(u, cause)
}

// connReleased drops the UE-associated N2 connection: the UE enters
// CM-IDLE. A registered UE keeps its context (5GMM-REGISTERED, CM-IDLE);
// any other is forgotten.
//
// Spec: TS 23.501 §5.3.3.2.2
func (s *shard) connReleased(u *ue) {
	if u.conn == nil {
		return
	}
	s.dropConn(u)
	switch u.state {
	case gmmRegistered:
		u.proc = procNone
		s.smConnReleased(u)
	case gmmDeregisteredInitiated:
		// §5.5.2.3.5 b: lower layer failure before DEREGISTRATION ACCEPT:
		// the procedure ends, the UE is deregistered.
		s.deregistered(u)
	default:
		s.forget(u)
	}
}

// dropConn forgets the UE's N2 connection and stops what ran on it.
func (s *shard) dropConn(u *ue) {
	c := u.conn
	if c.guard != nil {
		c.guard.Stop()
	}
	u.timer.stop()
	delete(s.byID, c.amfID)
	s.a.stats.connected.Add(-1)
	u.conn = nil
	s.a.stats.uesReleased.Add(1)
}

// forget removes the UE from the lookups by SUPI and 5G-TMSI.
func (s *shard) forget(u *ue) {
	s.leaveHome(u)
	s.smForget(u)
	if supi := u.sub.supi; supi != "" && s.bySUPI[supi] == u {
		delete(s.bySUPI, supi)
		s.a.supis.CompareAndDelete(supi, s)
	}
	if u.sub.hasGUTI && s.byTMSI[u.sub.tmsi] == u {
		delete(s.byTMSI, u.sub.tmsi)
	}
	s.dropOldTMSI(u)
}

// discard ends everything the AMF holds for the UE: its 5GMM context and,
// if connected, its N2 connection (released with cause).
func (s *shard) discard(u *ue, cause n2.Cause) {
	s.forget(u)
	s.setState(u, gmmDeregistered)
	u.proc = procNone
	u.timer.stop()
	s.releaseConn(u, cause)
}

// claimSUPI makes u the one context of supi: an older one, in this worker
// or another, is discarded (a UE registering again after losing its
// context, or a duplicate).
func (s *shard) claimSUPI(u *ue, supi string) {
	u.sub.supi = supi
	if old := s.bySUPI[supi]; old != nil && old != u {
		s.discard(old, n2.CauseUnspecifiedNAS)
	}
	s.bySUPI[supi] = u
	if prev, loaded := s.a.supis.Swap(supi, s); loaded && prev.(*shard) != s {
		prev.(*shard).post(s.a.runCtx, evictSUPI{supi: supi})
	}
}

// onRANLost releases, in this worker, every UE connection of a gNB whose
// association ended or that reset the whole interface. No NGAP can be
// sent: the connections simply end.
//
// Spec: TS 38.413 §8.7.4.2.1 (reset), TS 23.502 §4.2.6
func (s *shard) onRANLost(r *ranNode) {
	for _, u := range s.byID {
		if u.conn.ran == r {
			s.connReleased(u)
		}
	}
}

// onResetConn releases one connection named in a partial NG Reset.
func (s *shard) onResetConn(ev resetConn) {
	if u := s.byID[ev.ids.AMF]; u != nil && u.conn.ran == ev.ran {
		if ev.out != nil {
			*ev.out = u.conn.ids()
		}
		s.connReleased(u)
	}
	close(ev.done)
}
