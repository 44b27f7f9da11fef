package amf_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// BenchmarkRegistration measures initial registrations per second (SUCI
// Profile A, 5G-AKA, SQLite store) with the simulator in the same process,
// over userspace SCTP on loopback: 2 gNBs, 64 registrations in flight. It
// counts everything: AMF, AUSF, UDM, UDR, store, SCTP and the simulator.
//
//	go test -run '^$' -bench Registration -benchtime 2000x -cpuprofile cpu.out ./internal/amf
func BenchmarkRegistration(b *testing.B) {
	n := newNet(b, nil)
	gnbs := []*gnb.GNB{n.connect(b, "gnb-a", 1), n.connect(b, "gnb-b", 2)}
	n.provision(b, 1, b.N, store.AuthMethod5GAKA)
	ues := make([]*ue.UE, b.N)
	for i := range ues {
		ues[i] = n.newUE(b, i+1, suci.ProfileA, nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 64 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ues) {
					return
				}
				if _, err := ues[i].Register(ctx, gnbs[i%2]); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d registrations failed", f, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "registrations/s")
}
