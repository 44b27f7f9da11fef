package sctp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func udpTestConfig() Config {
	return Config{RTOInitial: 200 * time.Millisecond, RTOMin: 100 * time.Millisecond, RTOMax: time.Second}
}

// echoServer accepts associations on l and echoes every message back on
// its stream until the association ends. It returns a wait function.
func echoServer(t testing.TB, l Listener) (wait func() int) {
	var wg sync.WaitGroup
	var served atomic.Int64
	wg.Go(func() {
		for {
			c, err := l.Accept(context.Background())
			if err != nil {
				return
			}
			served.Add(1)
			wg.Go(func() {
				defer c.Close(context.Background())
				for {
					m, err := c.Recv(context.Background())
					if err != nil {
						if !errors.Is(err, ErrClosed) {
							t.Errorf("server Recv: %v", err)
						}
						return
					}
					if err := c.Send(context.Background(), m); err != nil {
						return
					}
				}
			})
		}
	})
	return func() int { wg.Wait(); return int(served.Load()) }
}

// TestUDPManyAssociations: one listener, 1,000 concurrent associations over
// loopback UDP from one shared dialing endpoint, each exchanging messages,
// then all shut down gracefully.
func TestUDPManyAssociations(t *testing.T) {
	const n, msgs = 1000, 4
	cfg := udpTestConfig()
	l, err := ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"), 38412, cfg)
	if err != nil {
		t.Fatal(err)
	}
	wait := echoServer(t, l)
	srv := l.Addr().(Addr)
	pc, err := NewUDPConn(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	client := NewEndpoint(pc, cfg)
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var failed atomic.Int64
	conns := make([]Conn, n)
	for i := range n {
		wg.Go(func() {
			c, err := client.Dial(ctx, netip.AddrPortFrom(srv.IP, srv.UDPPort), srv.Port, 0)
			if err != nil {
				t.Errorf("dial %d: %v", i, err)
				failed.Add(1)
				return
			}
			conns[i] = c
			for j := range msgs {
				m := Message{Stream: uint16(j % 2), PPID: PPIDNGAP, Data: fmt.Appendf(nil, "assoc %d message %d", i, j)}
				if err := c.Send(ctx, m); err != nil {
					t.Errorf("send %d/%d: %v", i, j, err)
					failed.Add(1)
					return
				}
				got, err := c.Recv(ctx)
				if err != nil || string(got.Data) != string(m.Data) || got.Stream != m.Stream {
					t.Errorf("echo %d/%d: %q, %v", i, j, got.Data, err)
					failed.Add(1)
					return
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d associations failed", failed.Load())
	}
	for i, c := range conns {
		wg.Go(func() {
			if err := c.Close(ctx); err != nil {
				t.Errorf("close %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	l.Close()
	if served := wait(); served != n {
		t.Errorf("server accepted %d associations, want %d", served, n)
	}
	client.mu.Lock()
	left := len(client.assocs)
	client.mu.Unlock()
	if left != 0 {
		t.Errorf("%d associations left on the client endpoint", left)
	}
}

// TestUDPDialListen: DialUDP and ListenUDP with their own sockets.
func TestUDPDialListen(t *testing.T) {
	cfg := udpTestConfig()
	l, err := ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"), 38412, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	wait := echoServer(t, l)
	srv := l.Addr().(Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := DialUDP(ctx, netip.AddrPortFrom(srv.IP, srv.UDPPort), srv.Port, cfg)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 100<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	if err := c.Send(ctx, Message{Stream: 1, PPID: PPIDNGAP, Data: big}); err != nil {
		t.Fatal(err)
	}
	m, err := c.Recv(ctx)
	if err != nil || !slices.Equal(m.Data, big) || m.PPID != PPIDNGAP || m.Stream != 1 {
		t.Fatalf("echo of 100 KiB: %d bytes, %v", len(m.Data), err)
	}
	if ra := c.RemoteAddr().(Addr); ra.Port != 38412 || ra.UDPPort != srv.UDPPort {
		t.Errorf("RemoteAddr %v", ra)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	l.Close()
	wait()
}

// BenchmarkThroughput sends 200-byte messages over loopback UDP on one and
// on 100 associations (to a sink) and reports messages per second and the
// one-way latency percentiles (send call to receipt).
func BenchmarkThroughput(b *testing.B) {
	for _, assocs := range []int{1, 100} {
		b.Run(fmt.Sprintf("assocs=%d", assocs), func(b *testing.B) { benchThroughput(b, assocs) })
	}
}

func benchThroughput(b *testing.B, assocs int) {
	cfg := udpTestConfig()
	cfg.SendBuffer = 64 << 10 // bounds queueing, hence latency under saturation
	l, err := ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"), 38412, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	srv := l.Addr().(Addr)
	pc, err := NewUDPConn(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		b.Fatal(err)
	}
	client := NewEndpoint(pc, cfg)
	defer client.Close()
	ctx := context.Background()
	senders := make([]Conn, assocs)
	receivers := make([]Conn, assocs)
	for i := range assocs {
		if senders[i], err = client.Dial(ctx, netip.AddrPortFrom(srv.IP, srv.UDPPort), srv.Port, 0); err != nil {
			b.Fatal(err)
		}
		if receivers[i], err = l.Accept(ctx); err != nil {
			b.Fatal(err)
		}
	}
	per := make([]int, assocs)
	for i := range b.N {
		per[i%assocs]++
	}
	epoch := time.Now()
	lat := make([][]time.Duration, assocs)
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range assocs {
		wg.Go(func() {
			buf := make([]byte, 200)
			for range per[i] {
				binary.BigEndian.PutUint64(buf, uint64(time.Since(epoch)))
				if err := senders[i].Send(ctx, Message{PPID: PPIDNGAP, Data: buf}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			ls := make([]time.Duration, 0, per[i])
			for range per[i] {
				m, err := receivers[i].Recv(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				ls = append(ls, time.Since(epoch)-time.Duration(binary.BigEndian.Uint64(m.Data)))
			}
			lat[i] = ls
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	}
	for i := range assocs {
		senders[i].Abort("benchmark done")
	}
}

// BenchmarkEcho measures the round trip of one 200-byte message echoed
// over loopback UDP on an idle association: the latency an NGAP request
// sees without queueing.
func BenchmarkEcho(b *testing.B) {
	cfg := udpTestConfig()
	l, err := ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"), 38412, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	echoServer(b, l)
	srv := l.Addr().(Addr)
	ctx := context.Background()
	c, err := DialUDP(ctx, netip.AddrPortFrom(srv.IP, srv.UDPPort), srv.Port, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Abort("benchmark done")
	m := Message{PPID: PPIDNGAP, Data: make([]byte, 200)}
	rtt := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := c.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Recv(ctx); err != nil {
			b.Fatal(err)
		}
		rtt = append(rtt, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(rtt)
	b.ReportMetric(float64(rtt[len(rtt)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(rtt[len(rtt)*99/100].Microseconds()), "p99-µs")
}
