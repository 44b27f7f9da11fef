package amf

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// call runs one request to a home network NF in its own goroutine and
// posts the answer back to the worker as an sbiResult for the UE's
// current step, so the worker never waits on the network. Only the answer
// to the UE's latest call is taken: one for a step the UE has left, an
// earlier call, or a UE that is gone is dropped by handle. With u nil the
// answer is only logged.
//
// Calls in flight are bounded (Overload.MaxSBIInFlight): a UE's call
// beyond the bound is not made and its step gets errCongested at once. A
// call without a UE (a purge the AMF owes the UDM) is always made, and
// counted. A call that runs out of time reports context.DeadlineExceeded
// in its error, whatever the producer wrapped it in, so the step can tell
// overload from a fault (overloaded).
//
// Spec: TS 24.501 §5.3.9; TS 29.500 §6.4
func (s *shard) call(u *ue, proc procedure, timeout time.Duration, f func(ctx context.Context) (any, error)) {
	run := s.a.runCtx
	var amfID, seq uint64
	lim := &s.a.overload.sbi
	if u != nil {
		u.calls++
		amfID, seq = u.conn.amfID, u.calls
		if !lim.acquire() {
			s.onSBIResult(u, sbiResult{amfID: amfID, seq: seq, proc: proc,
				err: fmt.Errorf("%w: %d home network calls in flight", errCongested, lim.max)})
			return
		}
	} else {
		lim.n.Add(1)
	}
	go func() {
		ctx, cancel := context.WithTimeout(run, timeout)
		res, err := f(ctx)
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (%w)", err, context.DeadlineExceeded)
		}
		cancel()
		lim.release()
		if u == nil {
			if err != nil {
				s.a.log.Warn("home network request", "err", err)
			}
			return
		}
		s.post(run, sbiResult{amfID: amfID, seq: seq, proc: proc, res: res, err: err})
	}()
}

// onSBIResult hands a home network answer to the step that asked for it.
func (s *shard) onSBIResult(u *ue, ev sbiResult) {
	switch ev.proc {
	case procAuthVector:
		s.onAuthVector(u, ev.res, ev.err)
	case procAuthConfirm:
		s.onAuthResult(u, ev.res, ev.err)
	case procSubscription:
		s.onSubscription(u, ev.res, ev.err)
	}
}
