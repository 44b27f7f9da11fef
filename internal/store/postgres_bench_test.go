package store_test

import (
	"testing"

	"go5g/internal/pgtest"
	"go5g/internal/store"
)

// BenchmarkPostgres runs the store benchmarks against one throwaway server
// (see pgtest: fsync off), a fresh database each.
func BenchmarkPostgres(b *testing.B) {
	server := pgtest.Start(b)
	open := func(b *testing.B) store.Store { return openPG(b, server) }
	b.Run("AddRange100k", func(b *testing.B) { benchAddRange100k(b, open) })
	b.Run("NextSQN", func(b *testing.B) { benchNextSQN(b, open) })
	b.Run("NextSQNParallel", func(b *testing.B) { benchNextSQNParallel(b, open) })
	b.Run("GetSubscriber", func(b *testing.B) { benchGetSubscriber(b, open) })
}
