package smf_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go5g/internal/n1"
	"go5g/internal/sim/ue"
)

// BenchmarkEstablish measures PDU session establishments per second end to
// end: UE → gNB → AMF → SMF (fake UPF) → AMF → gNB → UE, including the
// PDU Session Resource Setup and the N4 modification, with 64 UEs asking at
// once (each up to 15 sessions). Registrations are not timed.
func BenchmarkEstablish(b *testing.B) {
	n := newNet(b, nil)
	g := n.connect(b)
	const workers = 64
	ues := (b.N + 14) / 15
	if ues < workers {
		ues = workers
	}
	n.provision(b, 1, ues)
	all := make([]*ue.UE, ues)
	for i := range all {
		all[i] = n.registeredUE(b, g, i+1, nil)
	}
	work := make(chan *ue.UE, b.N)
	for i := 0; i < b.N; i++ {
		work <- all[i/15]
	}
	close(work)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for u := range work {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				_, err := u.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4)
				cancel()
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if failed != nil {
		b.Fatal(failed)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "establishments/s")
}
