package store_test

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"go5g/internal/store"
	"go5g/internal/store/storetest"
)

// benchOpen returns a new, empty store for a benchmark.
type benchOpen func(b *testing.B) store.Store

func benchStore(b *testing.B) store.Store {
	s, err := store.Open(filepath.Join(b.TempDir(), "go5g.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkAddRange100k adds 100,000 subscribers as one range, in one
// transaction, as `go5g subscriber add --count 100000` does.
func BenchmarkAddRange100k(b *testing.B) { benchAddRange100k(b, benchStore) }

func benchAddRange100k(b *testing.B, open benchOpen) {
	subs, err := storetest.Sample("imsi-001010000000001").Range(100_000)
	if err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuTime()
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		b.StartTimer()
		if err := s.AddSubscribers(b.Context(), subs...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e5, "ns/subscriber")
	// This process's CPU time: steadier than wall time on a shared machine
	// (for PostgreSQL it leaves out the server's share).
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e5, "cpu-ns/subscriber")
}

// cpuTime is the user and system CPU time of this process so far, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func benchWithSubscribers(b *testing.B, open benchOpen, n int) store.Store {
	s := open(b)
	subs, err := storetest.Sample("imsi-001010000000001").Range(n)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.AddSubscribers(b.Context(), subs...); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkNextSQN(b *testing.B) { benchNextSQN(b, benchStore) }

func benchNextSQN(b *testing.B, open benchOpen) {
	s := benchWithSubscribers(b, open, 1000)
	i := 0
	for b.Loop() {
		supi := fmt.Sprintf("imsi-%015d", 1010000000001+i%1000)
		if _, _, err := s.NextSQN(b.Context(), supi, store.DefaultSQNStep); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkNextSQNParallel is many AMF workers authenticating different
// UEs at once: every call is a write, so SQLite serialises them.
func BenchmarkNextSQNParallel(b *testing.B) { benchNextSQNParallel(b, benchStore) }

func benchNextSQNParallel(b *testing.B, open benchOpen) {
	s := benchWithSubscribers(b, open, 1000)
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		i := int(time.Now().UnixNano() % 1000)
		for pb.Next() {
			supi := fmt.Sprintf("imsi-%015d", 1010000000001+i%1000)
			if _, _, err := s.NextSQN(b.Context(), supi, store.DefaultSQNStep); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkGetSubscriber(b *testing.B) { benchGetSubscriber(b, benchStore) }

func benchGetSubscriber(b *testing.B, open benchOpen) {
	s := benchWithSubscribers(b, open, 1000)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			supi := fmt.Sprintf("imsi-%015d", 1010000000001+i%1000)
			if _, err := s.GetSubscriber(b.Context(), supi); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkListPage100k reads one 100-entry page deep into 100,000
// subscribers, as the console's list does.
func BenchmarkListPage100k(b *testing.B) {
	s := benchWithSubscribers(b, benchStore, 100_000)
	for b.Loop() {
		page, err := s.ListSubscribers(b.Context(), store.ListOptions{After: "imsi-001010000090000", Limit: 100})
		if err != nil || len(page) != 100 {
			b.Fatal(len(page), err)
		}
	}
}
