package upf

import (
	"sync"
	"sync/atomic"
	"time"
)

// BurstWindow and MinBurst size an MBR token bucket: the bucket holds
// what the rate earns in 50 ms, at least 3,000 octets (two full-size
// packets), so a flow at the MBR never sees a drop from timer jitter and a
// TCP sender can keep a window of ~50 ms of data in flight, while the
// overshoot above the MBR in any second is at most 5 %.
const (
	BurstWindow = 50 * time.Millisecond
	MinBurst    = 3000
)

// bucket is a token bucket in octets. Packets of one QER arrive from
// several workers, so it has its own lock: the packet path takes only the
// locks of the QERs it hits, never a global one.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // octets per second
	burst  float64
	tokens float64
	last   int64 // ns
}

// newBucket returns a full bucket for mbr kbit/s (TS 29.244 §8.2.8 gives
// MBR in kilobits per second), or nil for no limit.
func newBucket(kbps uint64) *bucket {
	if kbps == 0 {
		return nil
	}
	rate := float64(kbps) * 1000 / 8
	burst := max(rate*BurstWindow.Seconds(), MinBurst)
	return &bucket{rate: rate, burst: burst, tokens: burst, last: -1}
}

// take removes n octets at time now (ns) and reports whether the packet
// conforms. A non-conforming packet takes nothing (it is dropped).
func (b *bucket) take(now int64, n int) bool {
	b.mu.Lock()
	if b.last < 0 {
		b.last = now
	}
	if d := now - b.last; d > 0 {
		b.tokens = min(b.burst, b.tokens+float64(d)*b.rate/1e9)
		b.last = now
	}
	ok := b.tokens >= float64(n)
	if ok {
		b.tokens -= float64(n)
	}
	b.mu.Unlock()
	return ok
}

// qerRT is a QER with its meters. A changed QER gets a new qerRT (and
// full buckets); an unchanged one keeps its state across modifications.
type qerRT struct {
	QER
	ul, dl *bucket
}

func newQERRT(q QER) *qerRT { return &qerRT{QER: q, ul: newBucket(q.MBRUL), dl: newBucket(q.MBRDL)} }

// urrRT holds a URR's measurement since its last report. Counters are
// atomics because a session's packets may be handled by several workers.
type urrRT struct {
	id      uint32
	cfg     atomic.Pointer[URR]
	ulBytes atomic.Uint64
	dlBytes atomic.Uint64
	ulPkts  atomic.Uint64
	dlPkts  atomic.Uint64
	start   atomic.Int64 // ns, start of the measurement period
	first   atomic.Int64 // ns, first packet of the period, 0 if none
	last    atomic.Int64 // ns, last packet
	pending atomic.Bool  // a threshold report is queued
	seq     atomic.Uint32
}

func newURRRT(u URR, now int64) *urrRT {
	r := &urrRT{id: u.ID}
	r.cfg.Store(&u)
	r.start.Store(now)
	return r
}

// add counts one packet and reports whether the volume threshold was
// reached by it (and no report is pending yet).
// Spec: TS 29.244 §5.2.2.2.1 (volume threshold)
func (r *urrRT) add(now int64, n int, ul bool) bool {
	var tot uint64
	if ul {
		r.ulPkts.Add(1)
		tot = r.ulBytes.Add(uint64(n)) + r.dlBytes.Load()
	} else {
		r.dlPkts.Add(1)
		tot = r.dlBytes.Add(uint64(n)) + r.ulBytes.Load()
	}
	if r.first.Load() == 0 {
		r.first.CompareAndSwap(0, now)
	}
	r.last.Store(now)
	c := r.cfg.Load()
	if c.Triggers&TrigVolumeThreshold == 0 || c.VolumeThreshold == 0 || tot < c.VolumeThreshold {
		return false
	}
	return r.pending.CompareAndSwap(false, true)
}

// timeDue reports whether the time threshold has passed at now.
// Spec: TS 29.244 §5.2.2.2.1 (time threshold)
func (r *urrRT) timeDue(now int64) bool {
	c := r.cfg.Load()
	if c.Triggers&TrigTimeThreshold == 0 || c.TimeThreshold <= 0 {
		return false
	}
	return now-r.start.Load() >= int64(c.TimeThreshold) && r.pending.CompareAndSwap(false, true)
}

// Usage is one usage report's measurement. Spec: TS 29.244 §7.5.8.3
type Usage struct {
	URRID                uint32
	Seq                  uint32 // UR-SEQN
	Trigger              UsageTrigger
	Start, End           time.Time
	First, Last          time.Time // zero when no packet was seen
	ULBytes, DLBytes     uint64
	ULPackets, DLPackets uint64
	Duration             time.Duration
}

// UsageTrigger says why a usage report was sent. Spec: TS 29.244 §8.2.41
type UsageTrigger uint8

const (
	UsageVolumeThreshold UsageTrigger = iota + 1
	UsageTimeThreshold
	UsageTermination // the URR or its session was removed
	UsageImmediate   // the SMF asked (QAURR, Query URR)
)

// take ends the measurement period at now and starts the next one.
// Spec: TS 29.244 §5.2.2.2.1: after a threshold report the measurement
// restarts and the threshold applies again.
func (r *urrRT) take(now int64, why UsageTrigger) Usage {
	u := Usage{URRID: r.id, Seq: r.seq.Add(1) - 1, Trigger: why}
	start := r.start.Swap(now)
	u.ULBytes = r.ulBytes.Swap(0)
	u.DLBytes = r.dlBytes.Swap(0)
	u.ULPackets = r.ulPkts.Swap(0)
	u.DLPackets = r.dlPkts.Swap(0)
	if f := r.first.Swap(0); f != 0 {
		u.First, u.Last = time.Unix(0, f), time.Unix(0, r.last.Load())
	}
	u.Start, u.End = time.Unix(0, start), time.Unix(0, now)
	u.Duration = time.Duration(now - start)
	r.pending.Store(false)
	return u
}
