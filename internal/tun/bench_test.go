package tun_test

import (
	"fmt"
	"testing"
	"time"

	"go5g/internal/netns/netnstest"
)

// BenchmarkEcho times one packet into the TUN and one out: an ICMP echo
// request written to the device, answered by the namespace's stack, and the
// reply read back, on a single queue with caller buffers. One op is two
// packets through the device (b.SetBytes counts both). The burst variants
// write 32 requests before reading the 32 replies; an op is still one
// request and its reply.
func BenchmarkEcho(b *testing.B) {
	ns := netnstest.New(b).NS("bench")
	d, err := ns.OpenTUN(testConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	q := d.Queues()[0]
	for _, burst := range []int{1, 32} {
		for _, size := range []int{64, 1400} {
			b.Run(fmt.Sprintf("%dB/burst%d", size, burst), func(b *testing.B) {
				out := make([]byte, size)
				in := make([]byte, 1500)
				echoRequest(out, peer4, local4, 1, 0, size)
				if err := q.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(2 * size))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i += burst {
					k := min(burst, b.N-i)
					for range k {
						if _, err := q.Write(out); err != nil {
							b.Fatal(err)
						}
					}
					for got := 0; got < k; {
						n, err := q.Read(in)
						if err != nil {
							b.Fatal(err)
						}
						if n == size && in[20] == 0 { // echo reply; skip the kernel's own IPv6 packets
							got++
						}
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "echo/s")
			})
		}
	}
}
