//go:build linux

package upf

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"go5g/internal/n3"
	"go5g/internal/netns"
	"go5g/internal/netns/netnstest"
	"go5g/internal/tun"
)

// The I/O benchmarks run one worker (its uplink and downlink loops, as
// Run starts them) between a real loopback N3 socket and a real TUN in a
// throwaway namespace. The generator runs in the same process on the
// other core: for the uplink a "gNB" socket sending G-PDUs with sendmmsg
// over loopback; for the downlink a UDP socket inside the namespace
// sending with sendmmsg to the UE address, which the namespace routes
// into the TUN. One op is one packet processed by the UPF (counted by
// the worker), so ns/op is wall time per packet with the generator
// competing for the machine's cores. The generator runs on a thread of
// its own; its CPU time is subtracted from the process's to give
// upf-cpu-ns/pkt, the worker's cost of a packet including the kernel work
// of its system calls, and from it Mpps/core and Gbit/s/core, what one
// worker core forwards. Inner packets are the sizes named (IP header
// included).
//
// Where packets end: uplink inner packets go to a blackhole route in the
// namespace (the kernel drops them silently after routing); downlink
// GTP-U goes to a loopback socket nobody reads (the kernel drops it at
// the full receive queue, inside the worker's sendmmsg).

// perfNet is the namespace with the N6 TUN.
type perfNet struct {
	ns  *netns.NS
	dev *tun.Device
}

var (
	perfN6   = netip.MustParseAddr("10.46.0.1")
	perfSink = netip.MustParseAddr("198.51.100.1") // blackholed DN host
)

func newPerfNet(b *testing.B) *perfNet {
	b.Helper()
	ns := netnstest.New(b).NS("upf")
	dev, err := ns.OpenTUN(tun.Config{Name: "n6", MTU: 1500,
		Addrs:  []netip.Prefix{netip.PrefixFrom(perfN6, 24)},
		Routes: []netip.Prefix{netip.MustParsePrefix("10.45.0.0/16")}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { dev.Close() })
	if err := ns.SetForwarding(true, false); err != nil {
		b.Fatal(err)
	}
	h, err := ns.Netlink()
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	if err := h.RouteAdd(&netlink.Route{Dst: &net.IPNet{IP: netip.PrefixFrom(perfSink, 24).Masked().Addr().AsSlice(), Mask: net.CIDRMask(24, 32)},
		Type: unix.RTN_BLACKHOLE}); err != nil {
		b.Fatal(err)
	}
	return &perfNet{ns: ns, dev: dev}
}

// perfPacket is an IPv4/UDP packet of size octets with a valid header
// checksum (the kernel checks it on the TUN write).
func perfPacket(src, dst netip.Addr, dport uint16, size int) []byte {
	p := ipv4UDP(src, dst, 1000, dport, size, 0xab)
	binary.BigEndian.PutUint16(p[10:], ipChecksum(p[:20]))
	return p
}

// runWorker runs u with one worker over conn and dev until the benchmark
// ends.
func runWorker(b *testing.B, u *UPF, conn *n3.Conn, dev Device) *Worker {
	w := u.NewWorker(conn, dev)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return w
}

// generator is a goroutine sending packets on a thread of its own, so
// that its CPU time can be told apart from the worker's.
type generator struct {
	tid  int
	done chan struct{}
}

// generate calls send (which sends batch packets) until stop is closed,
// keeping at most window packets ahead of what the worker has counted:
// a generator that overruns the worker's socket or TUN queue only burns
// the CPU the worker needs (the machine has two cores).
func generate(b *testing.B, stop <-chan struct{}, count func() uint64, batch int, send func() error) *generator {
	const window = 1024
	g := &generator{done: make(chan struct{})}
	started := make(chan int)
	go func() {
		defer close(g.done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		started <- unix.Gettid()
		sent := count()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if sent-count() > window {
				time.Sleep(20 * time.Microsecond)
				continue
			}
			if err := send(); err != nil {
				b.Error(err)
				return
			}
			sent += uint64(batch)
		}
	}()
	g.tid = <-started
	return g
}

// cpu is the generator thread's CPU time (its clock id is
// MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED), as pthread_getcpuclockid
// builds it).
func (g *generator) cpu() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(int32(^g.tid<<3|6), &ts)
	return time.Duration(ts.Nano())
}

// waitCount waits until count() has grown by n (or 60 s pass).
func waitCount(b *testing.B, count func() uint64, from uint64, n int) {
	deadline := time.Now().Add(time.Minute)
	for count()-from < uint64(n) {
		if time.Now().After(deadline) {
			b.Fatalf("the worker processed %d of %d packets in a minute", count()-from, n)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// measure times b.N packets counted by count while g generates, and
// reports the rate and the CPU time per packet: the process's (worker
// and generator, with the kernel work of their system calls), the
// generator thread's, and the difference, the worker's, from which
// Mpps/core is what one worker core forwards.
func measure(b *testing.B, g *generator, count func() uint64, size int) {
	waitCount(b, count, count(), 1000) // warm up
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	proc, gen := cpuTime(), g.cpu()
	waitCount(b, count, count(), b.N)
	b.StopTimer()
	proc, gen = cpuTime()-proc, g.cpu()-gen
	s := b.Elapsed().Seconds()
	if s <= 0 {
		return
	}
	n := float64(b.N)
	upf := float64((proc - gen).Nanoseconds()) / n
	b.ReportMetric(n/s/1e6, "Mpps")
	b.ReportMetric(n*float64(size)*8/s/1e9, "Gbit/s")
	b.ReportMetric(upf, "upf-cpu-ns/pkt")
	b.ReportMetric(float64(gen.Nanoseconds())/n, "gen-cpu-ns/pkt")
	if upf > 0 {
		b.ReportMetric(1e3/upf, "Mpps/core")
		b.ReportMetric(1e3/upf*float64(size)*8/1e3, "Gbit/s/core")
	}
}

// cpuTime is the process's user and system time.
func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIOUplink: G-PDUs from a loopback "gNB" socket through the
// worker's recvmmsg, the uplink path and one TUN write per packet.
func BenchmarkIOUplink(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			pn := newPerfNet(b)
			u, err := New(Config{N3Addr: netip.MustParseAddr("127.0.0.1")})
			if err != nil {
				b.Fatal(err)
			}
			upfConn, gnb := udpConn(b), udpConn(b)
			defer gnb.Close()
			if _, _, err := u.Establish(1, basicRules(gnb.LocalAddr())); err != nil {
				b.Fatal(err)
			}
			w := runWorker(b, u, upfConn, pn.dev.Queues()[0])
			pkt := gpdu(b, ulTEID, 9, perfPacket(ueIP, perfSink, 9, size))
			batch := make([]n3.Message, 64)
			for i := range batch {
				batch[i] = n3.Message{Buf: pkt, Addr: upfConn.LocalAddr()}
			}
			count := func() uint64 { return w.ulPackets() }
			stop := make(chan struct{})
			g := generate(b, stop, count, len(batch), func() error { _, err := gnb.WriteBatch(batch); return err })
			measure(b, g, count, size)
			close(stop)
			<-g.done
			if st := u.Stats(); st.DLPackets != 0 {
				b.Errorf("%d packets came back from N6 (ICMP from the kernel?): the sink is not silent", st.DLPackets)
			}
		})
	}
}

// hideBatch hides a device's ReadBatch: the downlink loop then reads one
// packet per call, as before batching (for comparison).
type hideBatch struct{ Device }

// BenchmarkIODownlink: UDP packets sent inside the namespace to the UE
// address reach the worker through the TUN; it encapsulates them and
// sends GTP-U to a loopback "gNB" socket. "batch" reads bursts with
// ReadBatch and sends each burst with one sendmmsg; "single" is one read
// and one send per packet.
func BenchmarkIODownlink(b *testing.B) {
	for _, mode := range []string{"batch", "single"} {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", mode, size), func(b *testing.B) {
				pn := newPerfNet(b)
				u, err := New(Config{N3Addr: netip.MustParseAddr("127.0.0.1")})
				if err != nil {
					b.Fatal(err)
				}
				upfConn, gnb := udpConn(b), udpConn(b)
				defer gnb.Close()
				if _, _, err := u.Establish(1, basicRules(gnb.LocalAddr())); err != nil {
					b.Fatal(err)
				}
				var dev Device = pn.dev.Queues()[0]
				if mode == "single" {
					dev = hideBatch{dev}
				}
				w := runWorker(b, u, upfConn, dev)
				pc, err := pn.ns.ListenPacket("udp4", netip.AddrPortFrom(perfN6, 0).String())
				if err != nil {
					b.Fatal(err)
				}
				src, err := n3.NewConn(pc.(*net.UDPConn), 64, 0)
				if err != nil {
					b.Fatal(err)
				}
				defer src.Close()
				payload := make([]byte, size-28)
				batch := make([]n3.Message, 64)
				for i := range batch {
					batch[i] = n3.Message{Buf: payload, Addr: netip.AddrPortFrom(ueIP, 9)}
				}
				count := func() uint64 { return w.dlPackets() }
				stop := make(chan struct{})
				g := generate(b, stop, count, len(batch), func() error {
					if _, err := src.WriteBatch(batch); err != nil && !isNoBufs(err) {
						return err
					}
					return nil
				})
				measure(b, g, count, size)
				close(stop)
				<-g.done
			})
		}
	}
}

func isNoBufs(err error) bool { return errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.EAGAIN) }

// BenchmarkIOLatency: one packet in flight. A G-PDU from the "gNB" goes
// up through the worker and the TUN to a UDP echo socket in the
// namespace; the echo comes back through the TUN and the worker to the
// gNB. One op is one round trip; p50/p99 of the round trip are reported,
// and "added" subtracts the same percentile of the round trip between
// two sockets inside the namespace (the kernel's share without the UPF):
// what two UPF passes (uplink and downlink) and the TUN add.
func BenchmarkIOLatency(b *testing.B) {
	pn := newPerfNet(b)
	u, err := New(Config{N3Addr: netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		b.Fatal(err)
	}
	upfConn, gnb := udpConn(b), udpConn(b)
	defer gnb.Close()
	if _, _, err := u.Establish(1, basicRules(gnb.LocalAddr())); err != nil {
		b.Fatal(err)
	}
	runWorker(b, u, upfConn, pn.dev.Queues()[0])
	pc, err := pn.ns.ListenPacket("udp4", netip.AddrPortFrom(perfN6, 7).String())
	if err != nil {
		b.Fatal(err)
	}
	echo := pc.(*net.UDPConn)
	defer echo.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := echo.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			echo.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	const size = 100
	inner := perfPacket(ueIP, perfN6, 7, size)
	binary.BigEndian.PutUint16(inner[26:], 0) // no UDP checksum
	pkt := gpdu(b, ulTEID, 9, inner)
	up := []n3.Message{{Buf: pkt, Addr: upfConn.LocalAddr()}}
	viaUPF := func() time.Duration {
		start := time.Now()
		if _, err := gnb.WriteBatch(up); err != nil {
			b.Fatal(err)
		}
		gnb.UDPConn().SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := gnb.ReadBatch(); err != nil {
			b.Fatalf("no echo through the UPF: %v", err)
		}
		return time.Since(start)
	}
	cl, err := pn.ns.Dial("udp4", echo.LocalAddr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	buf := make([]byte, 2048)
	direct := func() time.Duration {
		start := time.Now()
		if _, err := cl.Write(inner[28:]); err != nil {
			b.Fatal(err)
		}
		cl.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := cl.Read(buf); err != nil {
			b.Fatalf("no direct echo: %v", err)
		}
		return time.Since(start)
	}
	for range 100 { // warm up both paths
		viaUPF()
		direct()
	}
	rtt := make([]time.Duration, 0, b.N)
	base := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rtt = append(rtt, viaUPF())
		b.StopTimer() // interleaved, so that both see the same load
		base = append(base, direct())
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(rtt)
	slices.Sort(base)
	pct := func(d []time.Duration, p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(rtt, 0.50), "rtt-p50-µs")
	b.ReportMetric(pct(rtt, 0.99), "rtt-p99-µs")
	b.ReportMetric(pct(rtt, 0.50)-pct(base, 0.50), "added-p50-µs")
	b.ReportMetric(pct(rtt, 0.99)-pct(base, 0.99), "added-p99-µs")
}
