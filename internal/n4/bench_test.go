package n4

import (
	"context"
	"testing"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// BenchmarkTransaction is one Session Modification request/response at a
// time between two nodes over loopback UDP: the latency-bound rate.
func BenchmarkTransaction(b *testing.B) {
	pr := newPair(b, nil)
	s := pr.establish(b, nil)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := modify(ctx, s)
		if err != nil || Cause(resp) != ie.CauseRequestAccepted {
			b.Fatalf("%v cause %d", err, Cause(resp))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkTransactionParallel keeps many requests outstanding at once
// (GOMAXPROCS x 16 goroutines): the throughput of the transaction layer
// and the UP's single worker for the peer.
func BenchmarkTransactionParallel(b *testing.B) {
	pr := newPair(b, nil)
	s := pr.establish(b, nil)
	ctx := context.Background()
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := modify(ctx, s)
			if err != nil || Cause(resp) != ie.CauseRequestAccepted {
				b.Errorf("%v cause %d", err, Cause(resp))
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkHeartbeat is the node-level transaction the nodes run most.
func BenchmarkHeartbeat(b *testing.B) {
	pr := newPair(b, nil)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := pr.cpPeer.Request(ctx, message.NewHeartbeatRequest(0, pr.cp.rtsIE(), nil)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}
