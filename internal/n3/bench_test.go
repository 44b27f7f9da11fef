package n3

import (
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

// benchPacket is a G-PDU with a UL PDU Session Container carrying a
// payload of size octets, encoded.
func benchPacket(size int) (*Packet, []byte) {
	p := gpdu(Header{TEID: 0x01020304, NumExt: 1, Exts: exts(ExtensionHeader{Type: ExtPDUSessionContainer,
		PDUSession: PDUSessionContainer{PDUType: PDUTypeUL, QFI: 9}})})
	p.Payload = make([]byte, size)
	b := make([]byte, p.MarshalLen())
	if _, err := p.MarshalTo(b); err != nil {
		panic(err)
	}
	return p, b
}

var sizes = []int{64, 1400}

func BenchmarkParse(b *testing.B) {
	for _, size := range sizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			_, wire := benchPacket(size)
			var p Packet
			b.ReportAllocs()
			b.SetBytes(int64(len(wire)))
			for b.Loop() {
				if err := p.Parse(wire); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMarshal encodes header and payload (the payload copied).
func BenchmarkMarshal(b *testing.B) {
	for _, size := range sizes {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			p, wire := benchPacket(size)
			buf := make([]byte, len(wire))
			b.ReportAllocs()
			b.SetBytes(int64(len(wire)))
			for b.Loop() {
				if _, err := p.MarshalTo(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMarshalHeader writes only the header in front of a payload
// already in place, as the UPF encapsulates.
func BenchmarkMarshalHeader(b *testing.B) {
	p, wire := benchPacket(1400)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.MarshalHeaderTo(wire, 1400); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoopback sends G-PDUs from one Conn to another over loopback,
// a goroutine each; an op is one datagram received. UDP may drop when the
// receiver falls behind, so the sender sends until the receiver has b.N.
func BenchmarkLoopback(b *testing.B) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		for _, size := range sizes {
			b.Run(fmt.Sprintf("%s/%d", host, size), func(b *testing.B) {
				if host == "::1" {
					needIPv6(b)
				}
				benchLoopback(b, host, size)
			})
		}
	}
}

func benchLoopback(b *testing.B, host string, size int) {
	tx, rx := connPair(b, host)
	_, wire := benchPacket(size)
	ms := make([]Message, DefaultBatch)
	for i := range ms {
		ms[i] = Message{Buf: wire, Addr: rx.LocalAddr()}
	}
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		sent := 0
		defer func() { done <- sent }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			n, err := tx.WriteBatch(ms)
			sent += n
			if err != nil {
				return
			}
		}
	}()
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	_ = rx.UDPConn().SetReadDeadline(time.Now().Add(time.Minute))
	var p Packet
	start := time.Now()
	got := 0
	for got < b.N {
		batch, err := rx.ReadBatch()
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range batch {
			if err := p.Parse(m.Buf); err != nil {
				b.Fatal(err)
			}
		}
		got += len(batch)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	sent := <-done
	b.ReportMetric(float64(got)/elapsed.Seconds(), "rx-pkts/s")
	if sent > 0 {
		b.ReportMetric(100*float64(max(sent-got, 0))/float64(sent), "%lost")
	}
}

// BenchmarkXNetReadBatch is the comparison behind conn.go's choice: x/net's
// ReadBatch allocates per received datagram.
func BenchmarkXNetReadBatch(b *testing.B) {
	recv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer recv.Close()
	_ = recv.SetReadBuffer(8 << 20)
	send, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer send.Close()
	pc, spc := ipv4.NewPacketConn(recv), ipv4.NewPacketConn(send)
	msgs, out := make([]ipv4.Message, DefaultBatch), make([]ipv4.Message, DefaultBatch)
	dst := recv.LocalAddr()
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, DefaultSlotSize)}
		out[i] = ipv4.Message{Buffers: [][]byte{make([]byte, 64)}, Addr: dst}
	}
	b.ReportAllocs()
	got := 0
	for got < b.N {
		b.StopTimer()
		if _, err := spc.WriteBatch(out, 0); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for want := got + len(out); got < want && got < b.N; {
			n, err := pc.ReadBatch(msgs, 0)
			if err != nil {
				b.Fatal(err)
			}
			got += n
		}
	}
}
