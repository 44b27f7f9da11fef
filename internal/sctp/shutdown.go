package sctp

import (
	"context"
	"errors"

	"go5g/internal/sctp/wire"
)

// errShutdown is the reason of an association that ended gracefully.
var errShutdown = errors.New("association shut down")

// Close implements Conn: a graceful shutdown that first delivers what is
// queued. If ctx ends first, Close returns its error and the shutdown goes
// on, bounded by T5-shutdown-guard. Spec: RFC 9260 §9.2.
func (a *assoc) Close(ctx context.Context) error {
	a.mu.Lock()
	switch a.state {
	case stateClosed:
		err := a.err
		a.mu.Unlock()
		if errors.Is(err, errShutdown) {
			return nil
		}
		return err
	case stateCookieWait, stateCookieEchoed:
		a.terminate(closedErr(errors.New("closed before establishment")))
		a.mu.Unlock()
		return nil
	case stateEstablished:
		a.closing = true
		a.state = stateShutdownPending
		a.log.Debug("sctp: shutdown pending", "queued", a.snd.queued)
		a.maybeShutdown()
		a.flush()
	}
	done := a.done
	a.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	a.mu.Lock()
	err := a.err
	a.mu.Unlock()
	if errors.Is(err, errShutdown) {
		return nil
	}
	return err
}

// maybeShutdown sends SHUTDOWN (SHUTDOWN-PENDING) or SHUTDOWN ACK
// (SHUTDOWN-RECEIVED) once every queued chunk is acknowledged.
// Spec: RFC 9260 §9.2.
func (a *assoc) maybeShutdown() {
	if len(a.snd.pending) > 0 || len(a.snd.inflight) > 0 {
		return
	}
	switch a.state {
	case stateShutdownPending:
		a.state = stateShutdownSent
		a.tHB.stop()
		a.sendShutdown()
		a.t5.start(5 * a.cfg.RTOMax)
	case stateShutdownReceived:
		a.state = stateShutdownAckSent
		a.tHB.stop()
		a.sendShutdownAck()
	}
}

// sendShutdown queues a SHUTDOWN carrying our cumulative TSN and (re)starts T2.
func (a *assoc) sendShutdown() {
	a.rcv.ackPending, a.rcv.ackNow = false, false // the SHUTDOWN acknowledges
	a.tSack.stop()
	a.queueCtrl(&wire.Shutdown{CumTSNAck: a.rcv.cumTSN})
	a.t2.start(a.rto)
}

// sendShutdownAck queues a SHUTDOWN ACK and (re)starts T2.
func (a *assoc) sendShutdownAck() {
	a.queueCtrl(&wire.ShutdownAck{})
	a.t2.start(a.rto)
}

// onShutdown handles the peer's SHUTDOWN: its cumulative TSN acknowledges
// our DATA (gap-acknowledged chunks are not taken as reneged), and we stop
// taking new data and answer with SHUTDOWN ACK once ours is delivered.
// Spec: RFC 9260 §9.2.
func (a *assoc) onShutdown(c *wire.Shutdown) {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownReceived:
		a.ackCumulative(c.CumTSNAck)
		if a.state != stateShutdownReceived {
			a.state = stateShutdownReceived
			a.log.Debug("sctp: shutdown received")
			a.wakeSend() // Send now fails
		}
		a.maybeShutdown()
	case stateShutdownSent:
		// Both ends shut down at once: answer at once.
		a.ackCumulative(c.CumTSNAck)
		a.state = stateShutdownAckSent
		a.sendShutdownAck()
	case stateShutdownAckSent:
		a.sendShutdownAck() // our SHUTDOWN ACK was lost
	}
}

// ackCumulative processes the cumulative TSN of a SHUTDOWN like that of a
// SACK without gap blocks or window.
func (a *assoc) ackCumulative(cum uint32) {
	s := &a.snd
	if tsnLT(cum, s.cumAck) || !tsnLT(cum, s.nextTSN) {
		return
	}
	sk := wire.Sack{CumTSNAck: cum, ARwnd: s.rwnd + uint32(s.unacked)}
	// Keep gap acknowledgements: present them again as blocks.
	for _, ch := range s.inflight {
		if ch.acked && tsnLT(cum, ch.data.TSN) {
			off := uint16(ch.data.TSN - cum)
			if n := len(sk.Gaps); n > 0 && sk.Gaps[n-1].End+1 == off {
				sk.Gaps[n-1].End = off
			} else {
				sk.Gaps = append(sk.Gaps, wire.GapBlock{Start: off, End: off})
			}
		}
	}
	a.onSack(&sk)
}

// onShutdownAck completes a shutdown we started (or both started).
// Spec: RFC 9260 §9.2.
func (a *assoc) onShutdownAck() {
	if a.state != stateShutdownSent && a.state != stateShutdownAckSent {
		return
	}
	a.sendPacket()
	a.add(&wire.ShutdownComplete{})
	a.sendPacket()
	a.terminate(closedErr(errShutdown))
}

// onShutdownComplete ends a shutdown the peer started. Spec: RFC 9260 §9.2.
func (a *assoc) onShutdownComplete() {
	if a.state == stateShutdownAckSent {
		a.terminate(closedErr(errShutdown))
	}
}

// onT2 retransmits SHUTDOWN or SHUTDOWN ACK, counting an error each time.
// Spec: RFC 9260 §9.2, §8.1.
func (a *assoc) onT2() {
	if a.countError("T2-shutdown") {
		return
	}
	a.rto = min(2*a.rto, a.cfg.RTOMax)
	switch a.state {
	case stateShutdownSent:
		a.sendShutdown()
	case stateShutdownAckSent:
		a.sendShutdownAck()
	}
}

// onT5 bounds the whole shutdown: at expiry the association is aborted.
// Spec: RFC 9260 §9.2 (T5-shutdown-guard, 5 × RTO.Max).
func (a *assoc) onT5() {
	if a.state != stateShutdownSent && a.state != stateShutdownAckSent {
		return
	}
	a.sendAbort()
	a.terminate(closedErr(errors.New("shutdown guard timer expired")))
}
