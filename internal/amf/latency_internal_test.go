package amf

import (
	"testing"
	"time"
)

// latencyLog records observations.
type latencyLog struct{ got []string }

func (l *latencyLog) Observe(procedure string, seconds float64) {
	if seconds < 0 {
		procedure += " (negative)"
	}
	l.got = append(l.got, procedure)
}

// TestLatencyClocks: each procedure's clock is observed once, at its last
// message, and only for the procedure it was started for; what a release
// cuts short is never observed.
func TestLatencyClocks(t *testing.T) {
	l := &latencyLog{}
	s := &shard{a: &AMF{deps: Deps{Latency: l}}}
	newUE := func() *ue { return &ue{conn: &ueConn{}, sessions: map[uint8]*smSession{}} }
	check := func(step string, want ...string) {
		t.Helper()
		if len(l.got) != len(want) {
			t.Fatalf("%s: observed %v, want %v", step, l.got, want)
		}
		for i := range want {
			if l.got[i] != want[i] {
				t.Fatalf("%s: observed %v, want %v", step, l.got, want)
			}
		}
		l.got = nil
	}

	// Service request from CM-IDLE: SERVICE REQUEST to INITIAL CONTEXT SETUP RESPONSE.
	u := newUE()
	s.timeServiceRequest(u)
	s.releaseTimed(u) // not a deregistration: nothing
	check("release during service request")
	s.contextSetUpTimed(u)
	check("service request", procNameServiceRequest)
	s.contextSetUpTimed(u)
	check("second context setup")

	// A connected UE's service request has no Initial Context Setup.
	u = newUE()
	u.conn.contextSetUp = true
	s.timeServiceRequest(u)
	s.contextSetUpTimed(u)
	check("connected UE")

	// Deregistration: DEREGISTRATION REQUEST to UE CONTEXT RELEASE COMPLETE.
	u = newUE()
	s.timeServiceRequest(u)
	s.timeDeregistration(u) // the service request never finished
	s.contextSetUpTimed(u)
	check("context setup during deregistration")
	s.releaseTimed(u)
	check("deregistration", procNameDeregistration)

	// PDU session establishment: once, at its setup response.
	u = newUE()
	u.sessions[1] = &smSession{id: 1, started: time.Now()}
	u.sessions[2] = &smSession{id: 2, started: time.Now()}
	s.sessionSetUpTimed(u, 1)
	s.sessionSetUpTimed(u, 1) // a later setup of session 1
	s.sessionSetUpTimed(u, 9) // no such session
	check("session 1", procNamePDUSessionEstablishment)
	s.releaseTimed(u) // session 2 cut short
	s.sessionSetUpTimed(u, 2)
	check("session 2 after release")

	// No Latency: nothing to do, nothing breaks.
	s.a.deps.Latency = nil
	u = newUE()
	s.timeServiceRequest(u)
	s.contextSetUpTimed(u)
}

// TestLatencyNoAlloc: timing a procedure allocates nothing.
func TestLatencyNoAlloc(t *testing.T) {
	s := &shard{a: &AMF{deps: Deps{Latency: nopLatency{}}}}
	u := &ue{conn: &ueConn{}, sessions: map[uint8]*smSession{5: {id: 5}}}
	n := testing.AllocsPerRun(100, func() {
		s.timeServiceRequest(u)
		s.contextSetUpTimed(u)
		s.timeDeregistration(u)
		s.releaseTimed(u)
		u.sessions[5].started = time.Now()
		s.sessionSetUpTimed(u, 5)
	})
	if n != 0 {
		t.Errorf("%v allocations per procedure set", n)
	}
}

type nopLatency struct{}

func (nopLatency) Observe(string, float64) {}
