package gnb

import (
	"context"
	"time"

	"go5g/internal/n2"
)

// The gNB's user inactivity release: like a real gNB (its RRC inactivity
// timer), it asks the AMF to release a UE whose user plane and signalling
// have been quiet for Config.Inactivity. The AMF then releases the UE
// context (AN release): the UE enters CM-IDLE and its PDU sessions' user
// plane is deactivated.
//
// Spec: TS 38.413 §8.3.2 (UE Context Release Request, cause
// user-inactivity); TS 23.502 §4.2.6

// touch records activity of the UE now.
func (c *Connection) touch() { c.lastActive.Store(time.Now().UnixNano()) }

// watchInactivity checks the UEs every quarter of d until the
// association ends.
func (g *GNB) watchInactivity(d time.Duration) {
	t := time.NewTicker(max(d/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-g.done:
			return
		case now := <-t.C:
			g.releaseInactive(now, d)
		}
	}
}

// releaseInactive sends UE CONTEXT RELEASE REQUEST for every connected UE
// (AS context set up) quiet for d, once per connection.
func (g *GNB) releaseInactive(now time.Time, d time.Duration) {
	g.mu.Lock()
	var quiet []*Connection
	for _, c := range g.ues {
		if now.Sub(time.Unix(0, c.lastActive.Load())) < d {
			continue
		}
		c.mu.Lock()
		if c.ctxUp && c.hasAMF && !c.released && !c.relAsked {
			c.relAsked = true
			quiet = append(quiet, c)
		}
		c.mu.Unlock()
	}
	g.mu.Unlock()
	for _, c := range quiet {
		g.log.Debug("user inactivity: asking for release", "ran_ue_ngap_id", c.ranID)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := c.RequestRelease(ctx, n2.CauseUserInactivity); err != nil {
			g.log.Info("UE CONTEXT RELEASE REQUEST", "err", err)
		}
		cancel()
	}
}
