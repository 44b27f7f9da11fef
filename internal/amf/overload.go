package amf

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/problem"
)

// General NAS level mobility management congestion control. The AMF takes
// on only the home network work it can finish: at most
// Overload.MaxSBIInFlight calls to the AUSF and UDM at once, and at most
// Overload.MaxAuthenticating UEs in the home network part of a
// registration. A registration that finds either bound reached, or whose
// call the home network answers with overload (503 NF_CONGESTION, 504, or
// no answer within SBITimeout), is rejected with 5GMM cause #22
// "congestion" and a back-off timer T3346 drawn at random from the
// configured range, rather than being left to time out or being rejected
// with #111. A Service Request that cannot be queued to its worker gets
// SERVICE REJECT #22 the same way.
//
// Spec: TS 24.501 §5.3.9, §5.5.1.2.5, §5.5.1.3.5, §5.6.1.5; TS 29.500 §5.2.7.2

// errCongested is a home network call the AMF did not make because a
// bound was reached, or one that failed from overload (see overloaded).
var errCongested = errors.New("amf: home network congested")

// limiter is a counting bound shared by all workers.
type limiter struct {
	n   atomic.Int64
	max int64
}

// acquire takes one unit unless the bound is reached.
func (l *limiter) acquire() bool {
	for {
		n := l.n.Load()
		if n >= l.max {
			return false
		}
		if l.n.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (l *limiter) release() { l.n.Add(-1) }

// overloadState is the AMF's admission control and its counts.
type overloadState struct {
	sbi  limiter // home network calls in flight
	auth limiter // UEs admitted into a registration's home network part
	// Counts, for Stats.
	congestionRejects atomic.Uint64 // REGISTRATION/SERVICE REJECT #22 sent
	queueFull         atomic.Uint64 // NGAP PDUs a full worker queue could not take
}

func newOverloadState(c OverloadConfig) *overloadState {
	o := &overloadState{}
	o.sbi.max, o.auth.max = int64(c.MaxSBIInFlight), int64(c.MaxAuthenticating)
	return o
}

// admit gives the UE a place in the home network part of a registration
// (authentication and the subscription fetch); false when none is free.
// A UE keeps its place until leaveHome.
func (s *shard) admit(u *ue) bool {
	if u.admitted {
		return true
	}
	if !s.a.overload.auth.acquire() {
		return false
	}
	u.admitted = true
	return true
}

// leaveHome gives the UE's place back: its registration has its
// subscription, or has ended.
func (s *shard) leaveHome(u *ue) {
	if u.admitted {
		u.admitted = false
		s.a.overload.auth.release()
	}
}

// overloaded tells whether a home network call failed from overload rather
// than from a fault or a refusal: not made for a bound (errCongested), 503
// NF_CONGESTION or 504 from the producer, or no answer in time (the
// AMF's own deadline, whatever error the producer wrapped it in).
//
// Spec: TS 29.500 §5.2.7.2 (503 NF_CONGESTION, 504 TIMED_OUT_REQUEST),
// §6.4 (overload control)
func overloaded(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errCongested) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pe *problem.Error
	if errors.As(err, &pe) {
		return pe.Cause == problem.NFCongestion || pe.Status == http.StatusServiceUnavailable ||
			pe.Status == http.StatusGatewayTimeout
	}
	return false
}

// t3346 draws the back-off timer for a UE turned away, uniformly among
// the GPRS timer 2 values inside the configured range, so that rejected UEs
// do not come back in lockstep.
//
// Spec: TS 24.501 §5.3.9 ("the AMF should select the value for the timer
// T3346 for the rejected UEs so that timeouts are not synchronised")
func (a *AMF) t3346() byte {
	code, lo, hi, _ := gprsTimer2Range(a.cfg.Overload.T3346Min, a.cfg.Overload.T3346Max) // Validate checked ok
	return code<<5 | byte(lo+rand.IntN(hi-lo+1))
}

// congestionReject turns the UE's registration away with #22 and T3346.
// Spec: TS 24.501 §5.5.1.2.5, §5.5.1.3.5 (cause #22), §5.3.9
func (s *shard) congestionReject(u *ue, err error) {
	s.a.overload.congestionRejects.Add(1)
	s.a.stats.registrationRejects.Add(1)
	t := s.a.t3346()
	s.a.log.Info("registration rejected: congestion", append(u.logAttrs(), "err", err,
		"t3346", gprsTimer2Duration(t))...)
	s.sendNAS(u, registrationRejectT3346(n1.CauseCongestion, t))
	s.discard(u, n2.CauseUnspecifiedNAS)
}

// maxGPRSTimer2 is the longest GPRS timer 2 value: 31 decihours.
const maxGPRSTimer2 = 31 * 6 * time.Minute

// gprsTimer2Units are the GPRS timer 2 units (octet 3 bits 8-6), finest first.
// Spec: TS 24.008 §10.5.7.4
var gprsTimer2Units = [...]struct {
	code byte
	step time.Duration
}{{0, 2 * time.Second}, {1, time.Minute}, {2, 6 * time.Minute}}

// gprsTimer2Range is the finest GPRS timer 2 unit that can express max
// and has values in [min, max], and those values (lo to hi); false when
// no unit has any.
// Spec: TS 24.008 §10.5.7.4
func gprsTimer2Range(min, max time.Duration) (code byte, lo, hi int, ok bool) {
	for _, u := range gprsTimer2Units {
		l, h := (min+u.step-1)/u.step, max/u.step
		if h > 31 {
			continue
		}
		if l <= h {
			return u.code, int(l), int(h), true
		}
	}
	return 0, 0, 0, false
}

// gprsTimer2Duration decodes a GPRS timer 2 octet; -1 for "deactivated" or
// a unit this release does not define (TS 24.008: read as 1 minute).
// Spec: TS 24.008 §10.5.7.4
func gprsTimer2Duration(b byte) time.Duration {
	v := time.Duration(b & 0x1f)
	switch b >> 5 {
	case 0:
		return v * 2 * time.Second
	case 2:
		return v * 6 * time.Minute
	case 7:
		return -1
	}
	return v * time.Minute
}

// tryPost queues ev for the worker without waiting; false if the queue is
// full or the worker has stopped. The N2 reader uses it: one association's
// reader serves all of its UEs and must not stall on one busy worker.
func (s *shard) tryPost(ev event) bool {
	select {
	case s.events <- ev:
		return true
	default:
		return false
	}
}
