package interop

import (
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
)

// testLogger sends our stack's logs to t.Log, so they show with a failing
// test; GO5G_SCTP_DEBUG=1 adds debug records. Records written after the
// test has ended (by goroutines still winding down) are dropped: t.Log
// would panic.
func testLogger(t *testing.T) *slog.Logger {
	level := slog.LevelInfo
	if os.Getenv("GO5G_SCTP_DEBUG") != "" {
		level = slog.LevelDebug
	}
	w := &tWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

type tWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func (w *tWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSuffix(string(b), "\n"))
	}
	return len(b), nil
}
