package amf

import (
	"context"
	"slices"
	"sync"
	"time"

	"go5g/internal/n2"
)

// onNGSetup answers an NG SETUP REQUEST. The gNB is accepted when one of its
// tracking areas is ours: our PLMN broadcast with one of our TACs and at
// least one slice we support there. Otherwise NG SETUP FAILURE with cause
// "unknown PLMN or SNPN": NGAP has no TAC- or slice-specific cause for NG
// Setup, and §8.7.1.4 asks for "an appropriate cause value".
//
// A repeated NG Setup on the same association replaces the stored
// configuration and keeps the UE contexts (§8.7.1.2).
//
// Spec: TS 38.413 §8.7.1.2, §8.7.1.3, §8.7.1.4
func (a *AMF) onNGSetup(ctx context.Context, r *ranNode, pdu n2.PDU) {
	req, err := n2.ParseNGSetupRequest(pdu)
	if err != nil {
		r.log.Warn("bad NG SETUP REQUEST", "err", err)
		a.ngSetupFailure(ctx, r, semanticCause(err))
		return
	}
	log := r.log.With("gnb_id", req.GlobalRANNodeID.ID, "gnb_name", req.RANNodeName)
	if !a.servesAnyTA(req) {
		log.Warn("NG Setup rejected: no tracking area with our PLMN, a TAC and a slice of ours",
			"plmn", a.cfg.PLMN, "gnb_plmn", req.GlobalRANNodeID.PLMN)
		a.ngSetupFailure(ctx, r, n2.CauseUnknownPLMNOrSNPN)
		return
	}
	resp := n2.NGSetupResponse{
		AMFName:             a.cfg.Name,
		ServedGUAMIs:        []n2.ServedGUAMI{{GUAMI: a.cfg.guami()}},
		RelativeAMFCapacity: a.cfg.RelativeCapacity,
		PLMNSupport:         []n2.PLMNSupport{{PLMN: a.cfg.PLMN, Slices: a.cfg.Slices}},
	}
	b, err := resp.Marshal()
	if err != nil {
		log.Error("build NG SETUP RESPONSE", "err", err)
		return
	}
	r.mu.Lock()
	r.id, r.nodeName, r.tas, r.setUpAt = req.GlobalRANNodeID, req.RANNodeName, req.SupportedTAs, time.Now()
	r.mu.Unlock()
	r.setUp.Store(true)
	if err := r.send(ctx, 0, b); err != nil {
		log.Warn("send NG SETUP RESPONSE", "err", err)
		return
	}
	a.stats.ngSetupAccepted.Add(1)
	log.Info("NG Setup accepted", "tas", len(req.SupportedTAs))
}

func (a *AMF) servesAnyTA(req *n2.NGSetupRequest) bool {
	for _, ta := range req.SupportedTAs {
		if !slices.Contains(a.cfg.TACs, ta.TAC) {
			continue
		}
		for _, bp := range ta.PLMNs {
			if bp.PLMN != a.cfg.PLMN {
				continue
			}
			for _, s := range bp.Slices {
				if slices.Contains(a.cfg.Slices, s) {
					return true
				}
			}
		}
	}
	return false
}

func (a *AMF) ngSetupFailure(ctx context.Context, r *ranNode, cause n2.Cause) {
	b, err := n2.NGSetupFailure{Cause: cause}.Marshal()
	if err != nil {
		r.log.Error("build NG SETUP FAILURE", "err", err)
		return
	}
	a.stats.ngSetupRejected.Add(1)
	if err := r.send(ctx, 0, b); err != nil {
		r.log.Warn("send NG SETUP FAILURE", "err", err)
	}
}

// onNGReset handles an NG RESET from the gNB: the UE-associated connections
// it names (or all of this gNB's) are released in the AMF, then NG RESET
// ACKNOWLEDGE goes back.
//
// Spec: TS 38.413 §8.7.4.2.2
func (a *AMF) onNGReset(ctx context.Context, r *ranNode, pdu n2.PDU) {
	reset, err := n2.ParseNGReset(pdu)
	if err != nil {
		r.log.Warn("bad NG RESET", "err", err)
		a.sendErrorIndication(ctx, r, 0, n2.UEIDs{}, semanticCause(err))
		return
	}
	r.log.Info("NG Reset from gNB", "cause", reset.Cause.String(), "connections", len(reset.Part))
	var wg sync.WaitGroup
	wait := func(s *shard, ev event, done chan struct{}) {
		if s.post(ctx, ev) {
			wg.Go(func() {
				select {
				case <-done:
				case <-ctx.Done():
				}
			})
		}
	}
	if len(reset.Part) == 0 {
		for _, s := range a.shards {
			done := make(chan struct{})
			wait(s, ranLost{ran: r, done: done}, done)
		}
	} else {
		for _, id := range reset.Part {
			if !id.HasAMF {
				continue // only the gNB's ID: not a connection the AMF can find
			}
			done := make(chan struct{})
			wait(a.shardOf(id.AMF), resetConn{ran: r, ids: id, done: done}, done)
		}
	}
	wg.Wait()
	b, err := reset.Acknowledge().Marshal()
	if err != nil {
		r.log.Error("build NG RESET ACKNOWLEDGE", "err", err)
		return
	}
	if err := r.send(ctx, 0, b); err != nil {
		r.log.Warn("send NG RESET ACKNOWLEDGE", "err", err)
	}
}

// resetConn releases one UE-associated connection named in an NG Reset.
// With out set, the worker writes there the connection's IDs (both, when
// it found it) before closing done.
type resetConn struct {
	ran  *ranNode
	ids  n2.UEIDs
	done chan<- struct{}
	out  *n2.UEIDs
}
