package auth

import (
	"sync"
	"time"
)

// Login rate limits: after MaxFailuresPerUser failed logins for one user
// name, or MaxFailuresPerIP from one client address, within FailureWindow,
// further logins for that name or from that address are refused (even with
// the right password) until the window that began with the first failure
// ends. A success clears the user's count, not the address's.
const (
	MaxFailuresPerUser = 5
	MaxFailuresPerIP   = 20
	FailureWindow      = 15 * time.Minute
	// maxTracked bounds the limiter's memory; beyond it, expired entries are
	// swept, and if none expired the oldest window is dropped.
	maxTracked = 100_000
)

// limiter counts failed logins per key in fixed windows.
type limiter struct {
	mu      sync.Mutex
	max     int
	window  time.Duration
	entries map[string]*window
}

type window struct {
	start time.Time
	fails int
}

func newLimiter(max int, w time.Duration) *limiter {
	return &limiter{max: max, window: w, entries: make(map[string]*window)}
}

// blocked says whether key is over its limit at now, and until when.
func (l *limiter) blocked(key string, now time.Time) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[key]
	if e == nil {
		return false, time.Time{}
	}
	end := e.start.Add(l.window)
	if !now.Before(end) {
		delete(l.entries, key)
		return false, time.Time{}
	}
	return e.fails >= l.max, end
}

// fail records one failure for key at now.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[key]
	if e == nil || !now.Before(e.start.Add(l.window)) {
		if len(l.entries) >= maxTracked {
			l.sweep(now)
		}
		e = &window{start: now}
		l.entries[key] = e
	}
	e.fails++
}

// reset forgets key (a successful login).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

// sweep drops expired windows, or the oldest one if none has expired.
func (l *limiter) sweep(now time.Time) {
	var oldest string
	var oldestStart time.Time
	for k, e := range l.entries {
		if !now.Before(e.start.Add(l.window)) {
			delete(l.entries, k)
			continue
		}
		if oldest == "" || e.start.Before(oldestStart) {
			oldest, oldestStart = k, e.start
		}
	}
	if len(l.entries) >= maxTracked {
		delete(l.entries, oldest)
	}
}
