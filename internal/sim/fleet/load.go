package fleet

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// LoadOptions is a load run: registrations started at Rate per second
// until Count have started or Duration has passed, whichever comes first.
type LoadOptions struct {
	// Rate is the registrations started per second (required). Starts are
	// spaced evenly (1/Rate apart), not in bursts: late wake-ups are made
	// up for within 20 ms, but when the run falls further behind (all
	// Concurrency slots busy) it does not catch up later.
	Rate float64
	// Count is the number of registrations to start; default the fleet's
	// UEs when there is no Duration, else unbounded. Past the fleet's UEs
	// the SUPIs are used again from the first (each UE registers afresh,
	// never two registrations of one SUPI at once).
	Count    int
	Duration time.Duration
	// Deregistration follows each successful registration when asked.
	Deregistration Deregistration
	// Progress, when set, is called every ProgressInterval (default 1 s)
	// from one goroutine, never after Load returns.
	Progress         func(Progress)
	ProgressInterval time.Duration
}

// Progress is a snapshot of a load run.
type Progress struct {
	Elapsed  time.Duration
	Started  int
	Done     int // finished, ok or failed
	Total    int // registrations to start; 0 when bounded by Duration only
	OK       int
	Failed   int
	InFlight int
	// Rate is registrations finished per second since the last snapshot.
	Rate float64
}

// Percentiles of the successful registrations' latencies, exact (from
// every sample, nearest rank).
type Percentiles struct {
	Min, P50, P90, P99, Max, Mean time.Duration
}

// LoadReport is the outcome of a load run.
type LoadReport struct {
	Requested float64 // the rate asked for, per second
	Started   int
	OK        int
	Failed    int
	Canceled  int // in flight when ctx ended
	// Elapsed runs from the first start to the last end.
	Elapsed time.Duration
	// StartRate is the rate starts were achieved at: starts per second
	// from the first start to the last. Rate is the same for the ends of
	// the successful registrations (from the first to the last), so a run
	// that keeps up with its schedule shows both near Requested.
	StartRate float64
	Rate      float64
	Latency   Percentiles
	// Reasons counts the failures by reason.
	Reasons map[string]int
}

// maxLag is how far a load run's starts may fall behind their schedule
// and still catch up: a few timer wake-ups' worth, not a stall's.
const maxLag = 20 * time.Millisecond

// loadState is what the registrations of a load run report into.
type loadState struct {
	mu       sync.Mutex
	started  int
	ok       int
	failed   int
	canceled int
	lat      []time.Duration
	reasons  map[string]int
	lastEnd  time.Time
	okEnds   [2]time.Time // first and last end of a successful registration
}

func (s *loadState) record(a attempt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastEnd = time.Now()
	switch {
	case a.ok:
		s.ok++
		s.lat = append(s.lat, a.latency)
		if s.ok == 1 {
			s.okEnds[0] = s.lastEnd
		}
		s.okEnds[1] = s.lastEnd
	case a.canceled:
		s.canceled++
	default:
		s.failed++
		s.reasons[a.reason]++
	}
}

// Load runs a load test; see LoadOptions. The error is ctx's when the run
// was canceled (the report then covers what ran), or a bad option's.
func (f *Fleet) Load(ctx context.Context, opts LoadOptions) (*LoadReport, error) {
	n := f.cfg.UEs
	switch {
	case !(opts.Rate > 0) || math.IsInf(opts.Rate, 0):
		return nil, fmt.Errorf("%w: load rate must be positive", ErrConfig)
	case opts.Count < 0 || opts.Duration < 0:
		return nil, fmt.Errorf("%w: negative count or duration", ErrConfig)
	case n == 0:
		return nil, fmt.Errorf("%w: no UEs", ErrConfig)
	}
	count := opts.Count
	if count == 0 && opts.Duration == 0 {
		count = n
	}
	every := opts.ProgressInterval
	if every <= 0 {
		every = time.Second
	}
	// One lock per SUPI, taken only when SUPIs are used again.
	var slots []sync.Mutex
	if count == 0 || count > n {
		slots = make([]sync.Mutex, n)
	}
	st := &loadState{reasons: map[string]int{}}
	sem := make(chan struct{}, f.cfg.Concurrency)
	interval := time.Duration(float64(time.Second) / opts.Rate)
	lag := max(interval, maxLag)
	start := time.Now()

	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if opts.Progress == nil {
			return
		}
		f.progress(st, opts.Progress, start, count, every, stopProgress)
	}()

	var wg sync.WaitGroup
	var lastStart time.Time
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	next := start
	deadline := start.Add(opts.Duration)
dispatch:
	for i := 0; count == 0 || i < count; i++ {
		if wait := time.Until(next); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				break dispatch
			}
		}
		if opts.Duration > 0 && !time.Now().Before(deadline) {
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break dispatch
		}
		slot := i % n
		if slots != nil {
			slots[slot].Lock()
		}
		st.mu.Lock()
		st.started++
		st.mu.Unlock()
		lastStart = time.Now()
		wg.Go(func() {
			defer func() {
				if slots != nil {
					slots[slot].Unlock()
				}
				<-sem
			}()
			st.record(f.runUE(ctx, slot, opts.Deregistration, nil))
		})
		// Evenly spaced. A late wake-up (a busy CPU) is made up for by
		// starting the next ones without waiting, but at most maxLag of
		// them: a stall (every slot busy) moves the schedule instead of
		// ending in a burst.
		next = next.Add(interval)
		if now := time.Now(); next.Before(now.Add(-lag)) {
			next = now.Add(-lag)
		}
	}
	timer.Stop()
	wg.Wait()
	close(stopProgress)
	<-progressDone

	st.mu.Lock()
	defer st.mu.Unlock()
	rep := &LoadReport{Requested: opts.Rate, Started: st.started, OK: st.ok, Failed: st.failed,
		Canceled: st.canceled, Reasons: st.reasons, Latency: percentiles(st.lat)}
	if st.started > 0 {
		rep.Elapsed = st.lastEnd.Sub(start)
		if w := lastStart.Sub(start); st.started > 1 && w > 0 {
			rep.StartRate = float64(st.started-1) / w.Seconds()
		}
		if w := st.okEnds[1].Sub(st.okEnds[0]); st.ok > 1 && w > 0 {
			rep.Rate = float64(st.ok-1) / w.Seconds()
		} else if rep.Elapsed > 0 {
			rep.Rate = float64(st.ok) / rep.Elapsed.Seconds()
		}
	}
	return rep, ctx.Err()
}

// progress calls fn every interval until stop is closed.
func (f *Fleet) progress(st *loadState, fn func(Progress), start time.Time, total int, every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	lastDone, lastAt := 0, start
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			st.mu.Lock()
			p := Progress{Elapsed: now.Sub(start), Started: st.started, Total: total,
				OK: st.ok, Failed: st.failed, Done: st.ok + st.failed + st.canceled}
			st.mu.Unlock()
			p.InFlight = p.Started - p.Done
			if dt := now.Sub(lastAt).Seconds(); dt > 0 {
				p.Rate = float64(p.Done-lastDone) / dt
			}
			lastDone, lastAt = p.Done, now
			fn(p)
		}
	}
}

// percentiles computes exact nearest-rank percentiles of samples.
func percentiles(samples []time.Duration) Percentiles {
	if len(samples) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Percentiles{Min: s[0], P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: s[len(s)-1],
		Mean: sum / time.Duration(len(s))}
}
