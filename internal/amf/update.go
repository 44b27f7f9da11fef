package amf

import (
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// isUpdate reports whether a request is a mobility or periodic registration
// update rather than an initial registration.
func isUpdate(r *registrationRequest) bool {
	return r.regType == regMobilityUpdate || r.regType == regPeriodic
}

// onRegistrationUpdate accepts a mobility or periodic registration update
// from a registered UE whose request passed the integrity check with the
// current 5G NAS security context: no new authentication, no new security
// mode control, no home network call (this AMF keeps serving the UE, so
// neither the UDM registration nor the subscription changes). The UE gets
// a new 5G-GUTI (TS 33.501 §6.12.3: "shall" for mobility updates, "should"
// for periodic ones; this AMF always does), so REGISTRATION COMPLETE is
// expected under T3550. The allowed NSSAI stays what the initial
// registration granted.
//
// Without a follow-on request the accept goes in DOWNLINK NAS TRANSPORT and
// the connection is released once the procedure ends (updateCompleted);
// with one, INITIAL CONTEXT SETUP carries it with a new KgNB.
//
// Spec: TS 24.501 §5.5.1.3.2, §5.5.1.3.4, §5.3.1.3; TS 23.502 §4.2.2.2.2
func (s *shard) onRegistrationUpdate(u *ue, req *registrationRequest) {
	if g := req.guti; g == nil || !s.ownGUTI(*g) || (g.tmsi != u.sub.tmsi && !(u.sub.hasOldTMSI && g.tmsi == u.sub.oldTMSI)) {
		// The UE names itself with an identity not of this context.
		s.rejectRegistration(u, n1.CauseUEIdentityNotDerived)
		return
	}
	u.timer.stop()
	u.regReq = req
	u.started = time.Now()
	s.a.log.Info("registration update", append(u.logAttrs(), "type", req.regType, "follow_on", req.followOn)...)
	s.reallocateTMSI(u)
	accept, err := registrationAccept{plmn: s.a.cfg.PLMN, guti: s.guti(u.sub.tmsi), tacs: s.a.cfg.TACs,
		allowed: u.sub.allowed, t3512: s.a.cfg.T3512}.marshal()
	if err != nil {
		s.a.log.Error("build REGISTRATION ACCEPT", append(u.logAttrs(), "err", err)...)
		s.abortRegistration(u, n2.CauseUnspecifiedNAS)
		return
	}
	u.proc = procRegistrationComplete
	if u.conn.contextSetUp || !req.followOn {
		s.sendNAS(u, accept)
	} else if !s.initialContextSetup(u, accept) {
		return
	}
	s.startTimer(u, t3550, accept, false)
}

// updateCompleted ends the N1 signalling connection of an update that asked
// for nothing more (no follow-on request) and that needed no AS context.
// Spec: TS 24.501 §5.3.1.3, §5.5.1.3.4
func (s *shard) updateCompleted(u *ue, req *registrationRequest) {
	if u.conn != nil && !u.conn.contextSetUp && !req.followOn {
		s.releaseConn(u, n2.CauseNormalRelease)
	}
}

// ownGUTI reports whether a 5G-GUTI was assigned by this AMF (its GUAMI).
func (s *shard) ownGUTI(g guti) bool {
	c := s.a.cfg
	return g.plmn == c.PLMN && g.region == c.RegionID && g.set == c.SetID && g.pointer == c.Pointer
}

// guti is the UE's 5G-GUTI with a 5G-TMSI of this AMF.
func (s *shard) guti(tmsi uint32) guti {
	c := s.a.cfg
	return guti{plmn: c.PLMN, region: c.RegionID, set: c.SetID, pointer: c.Pointer, tmsi: tmsi}
}

// supiOfGUTI is the SUPI of the registered UE a 5G-GUTI of this AMF names,
// or "". A 5G-TMSI routes to the worker owning it (shardForInitialUE), so
// this worker's map is the one to look in.
func (s *shard) supiOfGUTI(g guti) string {
	if !s.ownGUTI(g) {
		return ""
	}
	if u := s.byTMSI[g.tmsi]; u != nil && u.state == gmmRegistered {
		return u.sub.supi
	}
	return ""
}

// reallocateTMSI gives the UE a new 5G-TMSI and keeps the current one valid
// (in byTMSI) until the UE confirms the new one; a still older one goes.
// Spec: TS 24.501 §5.4.4.2, §5.5.1.3.4; TS 33.501 §6.12.3
func (s *shard) reallocateTMSI(u *ue) {
	s.dropOldTMSI(u)
	if u.sub.hasGUTI {
		u.sub.oldTMSI, u.sub.hasOldTMSI = u.sub.tmsi, true
	}
	u.sub.tmsi, u.sub.hasGUTI = s.newTMSI(), true
	s.byTMSI[u.sub.tmsi] = u
}

// dropOldTMSI makes the previous 5G-GUTI invalid.
func (s *shard) dropOldTMSI(u *ue) {
	if !u.sub.hasOldTMSI {
		return
	}
	if s.byTMSI[u.sub.oldTMSI] == u {
		delete(s.byTMSI, u.sub.oldTMSI)
	}
	u.sub.hasOldTMSI = false
}
