package amf

import (
	"context"
	"time"
)

// call runs one request to a home network NF in its own goroutine and
// posts the answer back to the worker as an sbiResult for the UE's
// current step, so the worker never waits on the network. Only the answer
// to the UE's latest call is taken: one for a step the UE has left, an
// earlier call, or a UE that is gone is dropped by handle. With u nil the
// answer is only logged.
func (s *shard) call(u *ue, proc procedure, timeout time.Duration, f func(ctx context.Context) (any, error)) {
	run := s.a.runCtx
	var amfID, seq uint64
	if u != nil {
		u.calls++
		amfID, seq = u.conn.amfID, u.calls
	}
	go func() {
		ctx, cancel := context.WithTimeout(run, timeout)
		res, err := f(ctx)
		cancel()
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
