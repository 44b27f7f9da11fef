package amf

import "time"

// Procedure latencies for Deps.Latency (metrics.ProcedureLatency), besides
// registration (registration.go) and paging (paging.go). Each procedure's
// start is a timestamp on the state it belongs to (the N2 connection, the
// PDU session), taken when its first message arrives and cleared when its
// last one does, so a procedure that fails or is cut short by a release is
// never observed, and a later one cannot end an earlier one's clock. The
// hot path costs a time.Now and, at the end, one Observe: no allocation.

// Procedure names, the histogram's "procedure" label.
const (
	procNamePDUSessionEstablishment = "pdu_session_establishment"
	procNameServiceRequest          = "service_request"
	procNameDeregistration          = "deregistration"
)

// connTimer times the procedure an N2 connection carries, if any:
// a service request (to INITIAL CONTEXT SETUP RESPONSE) or a UE-initiated
// deregistration (to UE CONTEXT RELEASE COMPLETE).
type connTimer struct {
	start time.Time
	proc  string // one of the procName constants, "" when idle
}

// observe reports that proc, begun at start, has just ended.
func (s *shard) observe(proc string, start time.Time) {
	if l := s.a.deps.Latency; l != nil && !start.IsZero() {
		l.Observe(proc, time.Since(start).Seconds())
	}
}

// timeServiceRequest starts the service request clock when SERVICE
// REQUEST arrives on a connection without an AS context yet (a UE coming
// back from CM-IDLE): it stops at INITIAL CONTEXT SETUP RESPONSE. A UE
// already connected gets SERVICE ACCEPT in DL NAS TRANSPORT, with no
// Initial Context Setup to wait for, so it is not timed. A rejected
// request's connection is released, and its clock with it.
//
// Spec: TS 23.502 §4.2.3.2 steps 1-12; TS 38.413 §8.3.1
func (s *shard) timeServiceRequest(u *ue) {
	if c := u.conn; c != nil && !c.contextSetUp && !c.releasing {
		c.timer = connTimer{start: time.Now(), proc: procNameServiceRequest}
	}
}

// contextSetUpTimed stops a service request clock: the gNB answered
// INITIAL CONTEXT SETUP (the UE has its AS context and SERVICE ACCEPT).
func (s *shard) contextSetUpTimed(u *ue) {
	if c := u.conn; c != nil && c.timer.proc == procNameServiceRequest {
		s.observe(c.timer.proc, c.timer.start)
		c.timer = connTimer{}
	}
}

// timeDeregistration starts the UE-initiated deregistration clock at
// DEREGISTRATION REQUEST; it stops when the N2 connection is released
// (UE CONTEXT RELEASE COMPLETE), the procedure's last message.
//
// Spec: TS 23.502 §4.2.2.3.2 steps 1-5
func (s *shard) timeDeregistration(u *ue) {
	if c := u.conn; c != nil && !c.releasing {
		c.timer = connTimer{start: time.Now(), proc: procNameDeregistration}
	}
}

// releaseTimed stops a deregistration clock at UE CONTEXT RELEASE
// COMPLETE. A PDU session establishment the release cut short is over
// unfinished: its clock stops unobserved.
func (s *shard) releaseTimed(u *ue) {
	if c := u.conn; c != nil && c.timer.proc == procNameDeregistration {
		s.observe(c.timer.proc, c.timer.start)
		c.timer = connTimer{}
	}
	for _, ss := range u.sessions {
		ss.started = time.Time{}
	}
}

// sessionSetUpTimed stops a PDU session's establishment clock, started
// when the UE's PDU SESSION ESTABLISHMENT REQUEST arrived in UL NAS
// TRANSPORT: the gNB answered PDU SESSION RESOURCE SETUP RESPONSE with the
// session set up (its NAS-PDU, the PDU SESSION ESTABLISHMENT ACCEPT, was
// delivered with it). Later setups of the session are not establishments.
//
// Spec: TS 23.502 §4.3.2.2.1 steps 1-14; TS 38.413 §8.2.1.2
func (s *shard) sessionSetUpTimed(u *ue, psi uint8) {
	if ss := u.sessions[psi]; ss != nil && !ss.started.IsZero() {
		s.observe(procNamePDUSessionEstablishment, ss.started)
		ss.started = time.Time{}
	}
}
