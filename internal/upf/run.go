package upf

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"go5g/internal/n3"
)

func timeOf(ns int64) time.Time { return time.Unix(0, ns) }

// Run serves every worker and the report queue until ctx is done; then it
// closes the workers' N3 sockets and returns once their loops end. The
// N6 devices belong to the caller: a downlink loop ends when its device's
// Read fails, so close the devices after Run returns (or before, to stop
// early).
//
// Each worker runs two goroutines: the uplink loop reads batches from its
// N3 socket (recvmmsg) and writes inner packets to its N6 queue; the
// downlink loop reads its N6 queue and sends GTP-U. With one worker per
// core, one SO_REUSEPORT socket and one TUN queue each, the kernel's flow
// hashing keeps every flow on one worker, so per-flow order holds.
func (u *UPF) Run(ctx context.Context) error {
	u.wmu.Lock()
	ws := append([]*Worker(nil), u.workers...)
	u.wmu.Unlock()
	var wg sync.WaitGroup
	for _, w := range ws {
		if w.conn != nil {
			wg.Go(w.uplinkLoop)
		}
		if w.dev != nil && w.conn != nil {
			go w.downlinkLoop()
		}
	}
	wg.Go(func() { u.reportLoop(ctx) })
	<-ctx.Done()
	for _, w := range ws {
		if w.conn != nil {
			w.conn.Close()
		}
	}
	wg.Wait()
	return nil
}

func closedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed)
}

func (w *Worker) uplinkLoop() {
	for {
		ms, err := w.conn.ReadBatch()
		if err != nil {
			if closedErr(err) {
				return
			}
			continue
		}
		now := w.u.now().UnixNano()
		for i := range ms {
			m := &ms[i]
			if m.Trunc {
				w.drop(nil, DropMalformed)
				continue
			}
			inner, reply, to := w.Uplink(m.Buf, m.Addr, now)
			switch {
			case inner != nil && w.dev != nil:
				if _, err := w.dev.Write(inner); err != nil {
					w.Stats.Drops[DropIO].Add(1)
				}
			case reply != nil:
				if err := w.send(reply, to); err != nil {
					w.Stats.Drops[DropIO].Add(1)
				}
			}
		}
	}
}

// downlinkLoop reads N6 packets, a burst at a time when the device can
// (BatchReader: the TUN queue's ReadBatch), and sends their GTP-U
// datagrams with one sendmmsg per burst. Every packet has its own buffer
// with the GTP-U headroom, so the burst's datagrams are built in place.
func (w *Worker) downlinkLoop() {
	br, batched := w.dev.(BatchReader)
	n := 1
	if batched {
		n = DLBatch
	}
	mem := make([]byte, n*(Headroom+n3.DefaultSlotSize))
	bufs := make([][]byte, n) // whole slots, headroom included
	views := make([][]byte, n)
	sizes := make([]int, n)
	for i := range bufs {
		bufs[i] = mem[i*(Headroom+n3.DefaultSlotSize) : (i+1)*(Headroom+n3.DefaultSlotSize)]
		views[i] = bufs[i][Headroom:]
	}
	out := make([]n3.Message, 0, n)
	for {
		var k int
		var err error
		if batched {
			k, err = br.ReadBatch(views, sizes)
		} else {
			sizes[0], err = w.dev.Read(views[0])
			k = 1
		}
		if err != nil {
			if closedErr(err) || errors.Is(err, errDeviceClosed) {
				return
			}
			continue
		}
		now := w.u.now().UnixNano()
		out = out[:0]
		for i := range k {
			if b, to := w.Downlink(bufs[i], sizes[i], now); b != nil {
				out = append(out, n3.Message{Buf: b, Addr: to})
			}
		}
		if len(out) > 0 && w.sendBatch(out) {
			return
		}
	}
}

// sendBatch sends ms on w's N3 socket; a datagram the kernel refuses is
// counted and skipped. It reports whether the socket is closed.
func (w *Worker) sendBatch(ms []n3.Message) (closed bool) {
	w.txMu.Lock()
	defer w.txMu.Unlock()
	defer clear(ms) // no stale views into the packet buffers
	for len(ms) > 0 {
		n, err := w.conn.WriteBatch(ms)
		if err == nil {
			break
		}
		if closedErr(err) {
			return true
		}
		w.Stats.Drops[DropIO].Add(1)
		ms = ms[min(n+1, len(ms)):]
	}
	return false
}

// errDeviceClosed lets in-memory devices end a downlink loop.
var errDeviceClosed = errors.New("upf: device closed")

// reportLoop turns queued threshold and downlink data events into
// Reporter calls and checks time thresholds every ReportTick.
// Spec: TS 29.244 §7.5.8 (Session Report Request)
func (u *UPF) reportLoop(ctx context.Context) {
	t := time.NewTicker(u.cfg.ReportTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-u.reports:
			u.deliver(ev)
		case <-t.C:
			u.CheckTimeThresholds()
		}
	}
}

// DrainReports delivers queued reports now (tests, and Run's loop).
func (u *UPF) DrainReports() {
	for {
		select {
		case ev := <-u.reports:
			u.deliver(ev)
		default:
			return
		}
	}
}

func (u *UPF) deliver(ev reportEvent) {
	var r Report
	if ev.dl {
		r.DLData, r.PDRID = true, ev.pdr
	}
	if ev.urr != nil {
		ev.s.mu.Lock()
		live := ev.s.urrs[ev.urr.id] == ev.urr && !ev.s.dead
		ev.s.mu.Unlock()
		if !live {
			return
		}
		r.Usage = []Usage{ev.urr.take(u.now().UnixNano(), ev.why)}
	}
	if u.cfg.Reporter != nil {
		u.cfg.Reporter.Report(ev.s, r)
	}
}

// CheckTimeThresholds queues a report for every URR whose time threshold
// has passed.
func (u *UPF) CheckTimeThresholds() {
	now := u.now().UnixNano()
	u.smu.Lock()
	ss := make([]*Session, 0, len(u.sess))
	for _, s := range u.sess {
		ss = append(ss, s)
	}
	u.smu.Unlock()
	for _, s := range ss {
		s.mu.Lock()
		for _, r := range s.urrs {
			if r.timeDue(now) {
				u.queueReport(reportEvent{s: s, urr: r, why: UsageTimeThreshold, when: now})
			}
		}
		s.mu.Unlock()
	}
}
