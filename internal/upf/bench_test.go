package upf

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"go5g/internal/n3"
)

var benchSizes = []int{64, 1400}

// benchUPF has 1,000 sessions, so lookups run on populated tables; the
// measured session has an MBR (high enough never to drop) and a URR.
func benchUPF(b *testing.B) (*UPF, *Worker, *fakeClock) {
	u, clk, _ := newTestUPF(b)
	for i := range 1000 {
		r := basicRules(gnbN3)
		r.PDRs[0].TEID = uint32(0x10000 + i)
		a := netip.AddrFrom4([4]byte{10, 46, byte(i >> 8), byte(i)})
		r.PDRs[0].UEIPv4, r.PDRs[1].UEIPv4 = a, a
		if _, _, err := u.Establish(uint64(100+i), r); err != nil {
			b.Fatal(err)
		}
	}
	r := basicRules(gnbN3)
	r.QERs[0].MBRUL, r.QERs[0].MBRDL = 1<<40, 1<<40
	r.URRs[0] = URR{ID: 1, Triggers: TrigVolumeThreshold, VolumeThreshold: 1 << 62}
	if _, _, err := u.Establish(1, r); err != nil {
		b.Fatal(err)
	}
	return u, u.NewWorker(nil, nil), clk
}

func mpps(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 && b.N > 0 {
		b.ReportMetric(float64(b.N)/s/1e6, "Mpps")
	}
}

// BenchmarkUplink: one G-PDU through parse, TEID lookup, PDR match, QER,
// URR, FAR (the N6 write is not included).
func BenchmarkUplink(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			_, w, clk := benchUPF(b)
			pkt := gpdu(b, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1000, 53, size, 0))
			now := clk.NS()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if got, _, _ := w.Uplink(pkt, gnbN3, now+int64(i)); got == nil {
					b.Fatal("dropped")
				}
			}
			mpps(b)
		})
	}
}

// BenchmarkDownlink: one IP packet through UE lookup, PDR match, QER,
// URR, FAR and GTP-U encapsulation with the PDU Session Container.
func BenchmarkDownlink(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			_, w, clk := benchUPF(b)
			buf, n := dlBuf(ipv4UDP(dnIP, ueIP, 53, 1000, size, 0))
			now := clk.NS()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if out, _ := w.Downlink(buf, n, now+int64(i)); out == nil {
					b.Fatal("dropped")
				}
			}
			mpps(b)
		})
	}
}

// discard is an N6 device that drops what is written.
type discard struct{ n int }

func (d *discard) Read([]byte) (int, error)    { select {} }
func (d *discard) Write(b []byte) (int, error) { d.n++; return len(b), nil }

// BenchmarkLoopbackUplink: a "gNB" socket sends batches of 64 G-PDUs over
// loopback; the worker reads them with recvmmsg, processes them and writes
// to a discarding device. Per packet, including both system calls' share.
func BenchmarkLoopbackUplink(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			u, _, _ := newTestUPF(b)
			u.now = time.Now
			upfConn, gnb := udpConn(b), udpConn(b)
			defer upfConn.Close()
			defer gnb.Close()
			if _, _, err := u.Establish(1, basicRules(gnbN3)); err != nil {
				b.Fatal(err)
			}
			dev := &discard{}
			w := u.NewWorker(upfConn, dev)
			pkt := gpdu(b, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1000, 53, size, 0))
			batch := make([]n3.Message, 64)
			for i := range batch {
				batch[i] = n3.Message{Buf: pkt, Addr: upfConn.LocalAddr()}
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for got := 0; got < b.N; {
				if _, err := gnb.WriteBatch(batch); err != nil {
					b.Fatal(err)
				}
				for recv := 0; recv < len(batch); {
					upfConn.UDPConn().SetReadDeadline(time.Now().Add(time.Second))
					ms, err := upfConn.ReadBatch()
					if err != nil {
						b.Fatal(err)
					}
					now := time.Now().UnixNano()
					for i := range ms {
						if inner, _, _ := w.Uplink(ms[i].Buf, ms[i].Addr, now); inner != nil {
							dev.Write(inner)
						}
					}
					recv += len(ms)
				}
				got += len(batch)
			}
			mpps(b)
		})
	}
}

// BenchmarkBidirectional: one goroutine runs Uplink and another Downlink
// on the same session at once, as a TCP flow's data and ACKs do on a
// worker's two loops. One op is one packet each way.
func BenchmarkBidirectional(b *testing.B) {
	_, w, clk := benchUPF(b)
	ul := gpdu(b, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1000, 53, 64, 0))
	now := clk.NS()
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < b.N; i++ {
			if got, _, _ := w.Uplink(ul, gnbN3, now+int64(i)); got == nil {
				b.Error("dropped")
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		buf, n := dlBuf(ipv4UDP(dnIP, ueIP, 53, 1000, 64, 0))
		for i := 0; i < b.N; i++ {
			if out, _ := w.Downlink(buf, n, now+int64(i)); out == nil {
				b.Error("dropped")
				return
			}
		}
	}()
	wg.Wait()
}
