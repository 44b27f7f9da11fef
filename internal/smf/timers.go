package smf

import (
	"context"
	"time"
)

// The SMF's 5GSM retransmission timers: T3591 guards PDU SESSION
// MODIFICATION COMMAND, T3592 PDU SESSION RELEASE COMMAND. On each expiry
// the command is sent again (the N1 message alone, in DL NAS TRANSPORT:
// the N2 part reached the gNB or the UE has no N2 connection), four times
// at most; the fifth expiry ends the procedure.
//
// Spec: TS 24.501 §6.3.2.5 a) ("This retransmission is repeated four
// times, i.e. on the fifth expiry of timer T3591, the SMF shall abort the
// procedure"), §6.3.3.5 a) (the same for T3592, after which the SMF
// releases the PDU session locally), Table 10.3.2 (16 s each)

const (
	defaultT359x = 16 * time.Second
	// maxRetransmissions is how often a command is sent again.
	maxRetransmissions = 4
	// retransmitTimeout bounds the N1N2 transfer of a retransmission.
	retransmitTimeout = 5 * time.Second
)

// gsmTimer is one armed retransmission timer and the command it resends.
// Its fields are guarded by the context's mu.
type gsmTimer struct {
	t        *time.Timer
	expiries int
	n1       []byte
}

func (g *gsmTimer) stop() {
	if g != nil && g.t != nil {
		g.t.Stop()
	}
}

// arm starts g: on expiry expired runs with the context locked, unless the
// context is gone or g is no longer current (stale timers do nothing).
func (s *SMF) arm(c *smContext, g *gsmTimer, d time.Duration, current func() bool, expired func()) {
	g.t = time.AfterFunc(d, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.gone || !current() {
			return
		}
		expired()
	})
}

// retransmit sends g's command again and rearms it; it reports false on
// the fifth expiry, when the caller ends the procedure.
func (s *SMF) retransmit(c *smContext, g *gsmTimer, d time.Duration, name string) bool {
	g.expiries++
	if g.expiries > maxRetransmissions {
		s.log.Info(name+" expired the fifth time: procedure aborted", "supi", c.supi, "psi", c.psi)
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), retransmitTimeout)
	defer cancel()
	if err := s.transfer(ctx, c, g.n1, nil, ""); err != nil {
		s.log.Info(name+" retransmission not sent", "supi", c.supi, "psi", c.psi, "err", err)
	}
	g.t.Reset(d)
	return true
}

// startT3592 guards the release command n1b just sent. Caller holds c.mu.
// Spec: TS 24.501 §6.3.3.2 (T3592 starts with the command), §6.3.3.5 a)
func (s *SMF) startT3592(c *smContext, n1b []byte) {
	c.t3592.stop()
	g := &gsmTimer{n1: n1b}
	c.t3592 = g
	s.arm(c, g, s.cfg.T3592, func() bool { return c.t3592 == g }, func() {
		if !s.retransmit(c, g, s.cfg.T3592, "T3592") {
			// The procedure is aborted and the PDU session released
			// locally.
			c.t3592 = nil
			s.finish(context.Background(), c)
		}
	})
}

// stopTimers stops the context's timers (it is released). Caller holds c.mu.
func (c *smContext) stopTimers() {
	c.t3592.stop()
	c.t3592 = nil
	if c.mod != nil {
		c.mod.stop()
		c.mod = nil
	}
}

// releaseCommandSent is the hook of startRelease: T3592 guards the
// command, and a modification under way ends. Caller holds c.mu.
func (s *SMF) releaseCommandSent(c *smContext, n1b []byte) {
	if c.mod != nil {
		c.mod.stop()
		c.mod = nil
	}
	s.startT3592(c, n1b)
}
