package fleet

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// UEResult is what happened to one UE in a scenario.
type UEResult struct {
	SUPI string // imsi-...
	GNB  string // name of the gNB that served it
	OK   bool
	// Reason says why the UE failed: the reject cause, a timeout, ...
	// "not started" when the run was canceled before its turn.
	Reason string
	GUTI   string // 5G-GUTI assigned, TS 29.571 form
	// Latency is the registration's, from REGISTRATION REQUEST to
	// REGISTRATION COMPLETE (or to the failure).
	Latency time.Duration
	// Deregistration is how long the deregistration took, when one ran.
	Deregistration time.Duration
	// The PDU session's IPv4 address and IPv6 interface identifier (as
	// ::iid), and the TUN as namespace/device, when a session was asked for.
	IPv4, IPv6IID netip.Addr
	TUN           string
}

// ScenarioOptions says what each UE does after registering.
type ScenarioOptions struct {
	Deregistration Deregistration
	// Session, when set, makes each UE establish a PDU session (session.go).
	Session *SessionOptions
}

// ScenarioReport is the outcome of a scenario: one row per UE, in SUPI
// order.
type ScenarioReport struct {
	UEs     []UEResult
	OK      int
	Failed  int // including those not started
	Elapsed time.Duration
	// Latency is over the registrations of the UEs that succeeded.
	Latency Percentiles
}

// AllOK reports whether every UE succeeded.
func (r *ScenarioReport) AllOK() bool { return r.Failed == 0 && r.OK == len(r.UEs) }

// Scenario registers every UE, at most Concurrency at a time, each through
// its gNB, and deregisters it as opts say. A UE's failure is its row's, not
// the run's: the error is ctx's when the run was canceled (the report then
// holds what finished), else nil.
func (f *Fleet) Scenario(ctx context.Context, opts ScenarioOptions) (*ScenarioReport, error) {
	n := f.cfg.UEs
	rep := &ScenarioReport{UEs: make([]UEResult, n)}
	for i := range rep.UEs {
		rep.UEs[i] = UEResult{SUPI: f.SUPI(i).String(), GNB: f.gnbOf(i).Name(), Reason: "not started"}
	}
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(f.cfg.Concurrency, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				a := f.runUE(ctx, i, opts.Deregistration, opts.Session)
				r := &rep.UEs[i] // this goroutine's alone
				r.OK, r.Reason, r.GUTI, r.Latency, r.Deregistration = a.ok, a.reason, a.guti, a.latency, a.dereg
				r.IPv4, r.IPv6IID, r.TUN = a.ipv4, a.ipv6IID, a.tun
			}
		})
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	var lat []time.Duration
	for _, r := range rep.UEs {
		if r.OK {
			rep.OK++
			lat = append(lat, r.Latency)
		} else {
			rep.Failed++
		}
	}
	rep.Latency = percentiles(lat)
	return rep, ctx.Err()
}
