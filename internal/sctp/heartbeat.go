package sctp

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"go5g/internal/sctp/wire"
)

// heartbeatState is the one HEARTBEAT in flight, if any.
type heartbeatState struct {
	outstanding bool
	nonce       uint64
	sentAt      time.Time
}

// heartbeatInfoLen is the length of our Heartbeat Info: a random nonce and
// the send time. The peer echoes it untouched. Spec: RFC 9260 §8.3.
const heartbeatInfoLen = 16

// heartbeatPeriod is RTO + HB.interval with a jitter of ±50% of the RTO.
// Spec: RFC 9260 §8.3.
func (a *assoc) heartbeatPeriod() time.Duration {
	jitter := time.Duration(rand.Int64N(int64(a.rto)+1)) - a.rto/2
	return a.rto + a.cfg.HeartbeatInterval + jitter
}

// onHeartbeatTimer runs once per heartbeat period: an unanswered HEARTBEAT
// counts as an error and backs the RTO off; an idle path gets a new one.
// Spec: RFC 9260 §8.3, §8.1, §8.2.
func (a *assoc) onHeartbeatTimer() {
	if a.state != stateEstablished && a.state != stateShutdownPending {
		return
	}
	if a.hb.outstanding {
		a.hb.outstanding = false
		if a.countError("heartbeat") {
			return
		}
		a.rto = min(2*a.rto, a.cfg.RTOMax)
	}
	if !a.t3.running {
		// Idle: no DATA outstanding, whose T3-rtx would otherwise detect a
		// dead peer.
		a.sendHeartbeat()
		if s := &a.snd; time.Since(s.lastSent) > a.rto {
			// §7.2.1: an idle path's cwnd decays towards 4 MTU.
			s.cwnd = max(s.cwnd/2, min(4*s.mtu, s.cwnd))
		}
	}
	a.tHB.start(a.heartbeatPeriod())
}

func (a *assoc) sendHeartbeat() {
	a.hb = heartbeatState{outstanding: true, nonce: rand.Uint64(), sentAt: time.Now()}
	info := make([]byte, heartbeatInfoLen)
	binary.BigEndian.PutUint64(info, a.hb.nonce)
	binary.BigEndian.PutUint64(info[8:], uint64(a.hb.sentAt.UnixNano()))
	a.queueCtrl(&wire.Heartbeat{Info: info})
}

// onHeartbeat answers a HEARTBEAT with its info untouched. The info aliases
// the packet buffer, which outlives the flush at the end of the packet.
// Spec: RFC 9260 §8.3.
func (a *assoc) onHeartbeat(c *wire.Heartbeat) {
	if a.state == stateCookieWait {
		return
	}
	a.queueCtrl(&wire.HeartbeatAck{Info: c.Info})
}

// onHeartbeatAck verifies the echoed nonce, measures the RTT and clears the
// error counters. Spec: RFC 9260 §8.3, §8.1.
func (a *assoc) onHeartbeatAck(c *wire.HeartbeatAck) {
	if len(c.Info) != heartbeatInfoLen || !a.hb.outstanding || binary.BigEndian.Uint64(c.Info) != a.hb.nonce {
		return
	}
	a.hb.outstanding = false
	a.updateRTT(time.Since(a.hb.sentAt))
	a.errCount, a.pathErrCount = 0, 0
	a.setPathActive()
}

func (a *assoc) setPathActive() {
	if !a.pathActive {
		a.pathActive = true
		a.log.Debug("sctp: path active again")
	}
}

// countError increments the association and path error counters after a
// timeout. Past Path.Max.Retrans the (only) path is marked inactive; past
// Association.Max.Retrans the peer is unreachable and the association ends.
// It reports whether the association ended.
// Spec: RFC 9260 §8.1, §8.2.
func (a *assoc) countError(what string) bool {
	a.errCount++
	a.pathErrCount++
	if a.pathActive && a.pathErrCount > a.cfg.PathMaxRetrans {
		a.pathActive = false
		a.log.Debug("sctp: path inactive", "errors", a.pathErrCount)
	}
	if a.errCount > a.cfg.AssociationMaxRetrans {
		a.terminate(closedErr(fmt.Errorf("%w: %d consecutive timeouts, the last of %s", ErrPeerUnreachable, a.errCount, what)))
		return true
	}
	return false
}
