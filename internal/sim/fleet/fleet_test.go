package fleet_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go5g/internal/sim/fleet"
	"go5g/internal/suci"
)

// TestScenario registers and deregisters 40 UEs over 2 gNBs, concealing
// their SUPIs with the null scheme and with Profile A.
func TestScenario(t *testing.T) {
	n := newNet(t)
	for _, tc := range []struct {
		name   string
		scheme suci.Scheme
		first  int
		dereg  fleet.Deregistration
	}{
		{"null/deregister", suci.NullScheme, 1, fleet.Deregister},
		{"profileA/switch-off", suci.ProfileA, 101, fleet.SwitchOff},
		{"profileB/stay", suci.ProfileB, 201, fleet.NoDeregistration},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n.provision(t, tc.first, 40)
			cfg := n.config(t, 2, 40, tc.first, tc.scheme)
			cfg.Concurrency = 16
			f := connect(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			rep, err := f.Scenario(ctx, fleet.ScenarioOptions{Deregistration: tc.dereg})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.AllOK() || rep.OK != 40 || rep.Failed != 0 || len(rep.UEs) != 40 {
				t.Fatalf("ok %d failed %d rows %d, want 40 ok", rep.OK, rep.Failed, len(rep.UEs))
			}
			gnbs := f.GNBs()
			gutis := map[string]bool{}
			for i, r := range rep.UEs {
				if want := supi(tc.first + i); r.SUPI != want {
					t.Errorf("row %d: SUPI %s, want %s", i, r.SUPI, want)
				}
				if want := gnbs[i%2].Name(); r.GNB != want {
					t.Errorf("%s: gNB %s, want %s (round robin)", r.SUPI, r.GNB, want)
				}
				if !r.OK || r.Reason != "" || r.Latency <= 0 {
					t.Errorf("%s: ok %v reason %q latency %v", r.SUPI, r.OK, r.Reason, r.Latency)
				}
				// 001 01, AMF region 1, set 1, pointer 0, then the 5G-TMSI.
				if len(r.GUTI) != 5+6+8 || !strings.HasPrefix(r.GUTI, "00101010040") || gutis[r.GUTI] {
					t.Errorf("%s: 5G-GUTI %q malformed or repeated", r.SUPI, r.GUTI)
				}
				gutis[r.GUTI] = true
				if (r.Deregistration > 0) != (tc.dereg != fleet.NoDeregistration) {
					t.Errorf("%s: deregistration took %v with mode %v", r.SUPI, r.Deregistration, tc.dereg)
				}
				// The AMF learns the outcome from the UE's last message, a
				// moment after the UE is done: poll.
				var registered bool
				deadline := time.Now().Add(5 * time.Second)
				for {
					info, ok, err := n.amf.UE(ctx, r.SUPI)
					if err != nil {
						t.Fatal(err)
					}
					registered = ok && info.Registered
					if registered == (tc.dereg == fleet.NoDeregistration) || tc.dereg == fleet.SwitchOff ||
						time.Now().After(deadline) {
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
				if tc.dereg != fleet.SwitchOff && registered != (tc.dereg == fleet.NoDeregistration) {
					t.Errorf("%s: registered in the AMF %v after %v", r.SUPI, registered, tc.dereg)
				}
			}
		})
	}
}

// TestScenarioUnknownSubscribers runs UEs of which some are not provisioned:
// their rows fail with the network's reason, the others succeed, and the
// report says the scenario failed.
func TestScenarioUnknownSubscribers(t *testing.T) {
	n := newNet(t)
	n.provision(t, 1, 8) // UEs 9 and 10 are unknown to the UDM
	f := connect(t, n.config(t, 2, 10, 1, suci.NullScheme))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := f.Scenario(ctx, fleet.ScenarioOptions{Deregistration: fleet.Deregister})
	if err != nil {
		t.Fatal(err)
	}
	if rep.AllOK() || rep.OK != 8 || rep.Failed != 2 {
		t.Fatalf("ok %d failed %d all-ok %v, want 8 ok and 2 failed", rep.OK, rep.Failed, rep.AllOK())
	}
	for i, r := range rep.UEs {
		if i < 8 {
			if !r.OK {
				t.Errorf("%s failed: %s", r.SUPI, r.Reason)
			}
			continue
		}
		// Spec: TS 24.501 Annex A: #3 for an identity the network does not accept.
		if r.OK || r.Reason != "registration rejected: #3 illegal UE" || r.GUTI != "" {
			t.Errorf("%s: ok %v reason %q GUTI %q, want rejected with #3", r.SUPI, r.OK, r.Reason, r.GUTI)
		}
	}
}

// TestLoad starts registrations at 40/s for 2 s and checks the counts, the
// achieved rate (loosely), the percentiles and the progress callbacks.
func TestLoad(t *testing.T) {
	n := newNet(t)
	n.provision(t, 1, 60)
	f := connect(t, n.config(t, 2, 60, 1, suci.ProfileA))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	var prog []fleet.Progress
	rep, err := f.Load(ctx, fleet.LoadOptions{Rate: 40, Duration: 2 * time.Second,
		ProgressInterval: 500 * time.Millisecond,
		Progress: func(p fleet.Progress) {
			mu.Lock()
			prog = append(prog, p)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started %d ok %d failed %d in %v: start rate %.1f/s, rate %.1f/s, latency %+v",
		rep.Started, rep.OK, rep.Failed, rep.Elapsed, rep.StartRate, rep.Rate, rep.Latency)
	// 2 s at 40/s is 80 starts (the first at 0 s), never more; a starved
	// CPU (shared machines, -race) may start far fewer, so the lower bounds
	// are loose.
	if rep.Started < 16 || rep.Started > 81 {
		t.Errorf("started %d, want about 80", rep.Started)
	}
	if rep.OK != rep.Started || rep.Failed != 0 || rep.Canceled != 0 || len(rep.Reasons) != 0 {
		t.Errorf("ok %d failed %d canceled %d of %d started (%v)", rep.OK, rep.Failed, rep.Canceled, rep.Started, rep.Reasons)
	}
	if rep.StartRate > 40*1.05 || rep.StartRate < 8 {
		t.Errorf("start rate %.1f/s, want about 40 and never above", rep.StartRate)
	}
	if rep.Rate <= 0 || rep.Elapsed < time.Second {
		t.Errorf("rate %.1f/s over %v", rep.Rate, rep.Elapsed)
	}
	l := rep.Latency
	if !(0 < l.Min && l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max && l.Mean <= l.Max && l.Mean >= l.Min) {
		t.Errorf("percentiles out of order: %+v", l)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(prog) < 2 {
		t.Fatalf("%d progress callbacks in 2 s at 0.5 s, want at least 2", len(prog))
	}
	for i, p := range prog {
		if p.Done > p.Started || p.InFlight != p.Started-p.Done || p.Total != 0 || p.OK+p.Failed > p.Done {
			t.Errorf("progress %d inconsistent: %+v", i, p)
		}
		if i > 0 && (p.Started < prog[i-1].Started || p.Done < prog[i-1].Done || p.Elapsed <= prog[i-1].Elapsed) {
			t.Errorf("progress %d went backwards: %+v after %+v", i, p, prog[i-1])
		}
	}
	if last := prog[len(prog)-1]; last.Started == 0 || last.Rate <= 0 {
		t.Errorf("last progress shows no work: %+v", last)
	}
}

// TestLoadReusesSUPIs runs more registrations than UEs: each SUPI
// registers afresh, never twice at once, and all succeed.
func TestLoadReusesSUPIs(t *testing.T) {
	n := newNet(t)
	n.provision(t, 1, 5)
	cfg := n.config(t, 1, 5, 1, suci.NullScheme)
	f := connect(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := f.Load(ctx, fleet.LoadOptions{Rate: 200, Count: 20, Deregistration: fleet.Deregister})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Started != 20 || rep.OK != 20 {
		t.Fatalf("started %d ok %d (%v), want 20 ok", rep.Started, rep.OK, rep.Reasons)
	}
}

// TestLoadCancel cancels a load run in its middle: Load returns promptly
// with the context's error and what ran, and Close shuts the gNBs down.
func TestLoadCancel(t *testing.T) {
	n := newNet(t)
	n.provision(t, 1, 100)
	f := connect(t, n.config(t, 2, 100, 1, suci.NullScheme))
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	time.AfterFunc(700*time.Millisecond, cancel)
	start := time.Now()
	rep, err := f.Load(ctx, fleet.LoadOptions{Rate: 10, ProgressInterval: 200 * time.Millisecond,
		Progress: func(fleet.Progress) { calls.Add(1) }}) // 100 UEs: 10 s
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if took > 3*time.Second {
		t.Errorf("Load took %v after cancellation at 0.7 s", took)
	}
	if rep == nil || rep.Started == 0 || rep.Started > 20 || rep.OK+rep.Failed+rep.Canceled != rep.Started {
		t.Fatalf("report %+v, want a few starts all accounted for", rep)
	}
	if calls.Load() == 0 {
		t.Error("no progress callback")
	}
	start = time.Now()
	if err := f.Close(context.Background()); err != nil {
		t.Errorf("Close: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Close took %v", took)
	}
	for _, g := range f.GNBs() {
		t.Errorf("gNB %s still listed after Close", g.Name())
	}
}

// TestScenarioCancel cancels a scenario: it returns promptly, and the UEs
// that never ran say so.
func TestScenarioCancel(t *testing.T) {
	n := newNet(t)
	n.provision(t, 1, 1000)
	cfg := n.config(t, 2, 1000, 1, suci.ProfileB)
	cfg.Concurrency = 1 // 1000 registrations one by one take seconds
	f := connect(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	rep, err := f.Scenario(ctx, fleet.ScenarioOptions{})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Scenario took %v after its deadline at 0.3 s", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
	if rep.AllOK() || rep.Failed == 0 || rep.OK+rep.Failed != 1000 {
		t.Fatalf("ok %d failed %d, want some not started", rep.OK, rep.Failed)
	}
	if last := rep.UEs[999]; last.OK || last.Reason != "not started" {
		t.Errorf("last UE: %+v, want not started", last)
	}
}

// BenchmarkRegistration measures registrations per second of a fleet of 2
// gNBs against the in-process core (SUCI Profile A, 5G-AKA, SQLite store,
// 64 in flight). It counts everything: AMF, AUSF, UDM, UDR, store, SCTP and
// the simulator in one process.
//
//	go test -run '^$' -bench Registration -benchtime 2000x ./internal/sim/fleet
func BenchmarkRegistration(b *testing.B) {
	n := newNet(b)
	n.provision(b, 1, b.N)
	f := connect(b, n.config(b, 2, b.N, 1, suci.ProfileA))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	b.ResetTimer()
	rep, err := f.Scenario(ctx, fleet.ScenarioOptions{})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if !rep.AllOK() {
		b.Fatalf("%d of %d registrations failed", rep.Failed, b.N)
	}
	b.ReportMetric(float64(b.N)/rep.Elapsed.Seconds(), "registrations/s")
}
