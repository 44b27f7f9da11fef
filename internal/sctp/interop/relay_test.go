package interop

import (
	"encoding/binary"
	"net"
	"sync"
	"testing"
)

// relay forwards SCTP-over-UDP datagrams between a client, which sends to
// its front port, and a server, reached from its back port, as a NAT would
// (RFC 6951 §5.4: each side learns the other's UDP port from the datagrams).
// In each direction it drops the nth packet that carries DATA, so the
// session shows loss recovery both ways: gap reports in SACKs and
// retransmissions. It parses the SCTP chunk headers itself, sharing no code
// with the stack under test.
type relay struct {
	front, back *net.UDPConn
	frontPort   uint16
	backPort    uint16
	dropNth     int

	mu       sync.Mutex
	client   *net.UDPAddr
	dataPkts [2]int      // DATA packets seen: [0] client to server, [1] server to client
	dropped  [2][]uint32 // TSNs of the DATA chunks dropped, per direction
}

func startRelay(t *testing.T, frontPort, backPort, serverPort uint16, dropNth int) *relay {
	t.Helper()
	lo := net.IPv4(127, 0, 0, 1)
	front, err := net.ListenUDP("udp4", &net.UDPAddr{IP: lo, Port: int(frontPort)})
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.DialUDP("udp4", &net.UDPAddr{IP: lo, Port: int(backPort)}, &net.UDPAddr{IP: lo, Port: int(serverPort)})
	if err != nil {
		front.Close()
		t.Fatal(err)
	}
	r := &relay{front: front, back: back, frontPort: frontPort, backPort: backPort, dropNth: dropNth}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		buf := make([]byte, 65536)
		for {
			n, from, err := front.ReadFromUDP(buf)
			if err != nil {
				return
			}
			r.mu.Lock()
			r.client = from
			r.mu.Unlock()
			if r.forward(0, buf[:n]) {
				_, _ = back.Write(buf[:n])
			}
		}
	}()
	go func() {
		defer wg.Done()
		buf := make([]byte, 65536)
		for {
			n, err := back.Read(buf)
			if err != nil {
				return
			}
			r.mu.Lock()
			client := r.client
			r.mu.Unlock()
			if client != nil && r.forward(1, buf[:n]) {
				_, _ = front.WriteToUDP(buf[:n], client)
			}
		}
	}()
	t.Cleanup(func() {
		front.Close()
		back.Close()
		wg.Wait()
	})
	return r
}

// forward says whether to pass pkt on in direction dir (0: to the server).
func (r *relay) forward(dir int, pkt []byte) bool {
	tsns := dataTSNs(pkt)
	if len(tsns) == 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dataPkts[dir]++
	if r.dataPkts[dir] != r.dropNth {
		return true
	}
	r.dropped[dir] = append(r.dropped[dir], tsns...)
	return false
}

// dataTSNs returns the TSNs of the DATA chunks in an SCTP packet: a 12-byte
// common header, then chunks of type, flags, length, padded to 4 bytes.
// Spec: RFC 9260 §3, §3.3.1.
func dataTSNs(pkt []byte) []uint32 {
	var tsns []uint32
	for b := pkt[min(12, len(pkt)):]; len(b) >= 4; {
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if n < 4 || n > len(b) {
			break
		}
		if b[0] == 0 && n >= 8 {
			tsns = append(tsns, binary.BigEndian.Uint32(b[4:8]))
		}
		b = b[min((n+3)&^3, len(b)):]
	}
	return tsns
}

// checkRetransmitted checks in the captured packets that each DATA chunk
// the relay dropped was sent to it again (a retransmission), in both
// directions, and that each receiver reported the hole in a SACK's gap ack
// blocks (RFC 9260 §6.2, §3.3.4) as the packets after it arrived first.
func checkRetransmitted(t *testing.T, pkts []packet, r *relay) {
	t.Helper()
	r.mu.Lock()
	dropped := r.dropped
	r.mu.Unlock()
	// Packets to the front port come from the client, to the back port from the server.
	for dir, toRelay := range []uint16{r.frontPort, r.backPort} {
		sender := []string{"client", "server"}[dir]
		if len(dropped[dir]) == 0 {
			t.Errorf("the relay dropped no DATA packet from the %s", sender)
		}
		for _, tsn := range dropped[dir] {
			sent := 0
			for _, p := range pkts {
				if p.dstPort == toRelay && contains(p.dataTSNs, tsn) {
					sent++
				}
			}
			if sent < 2 {
				t.Errorf("%s: TSN %d dropped by the relay and sent %d times, want a retransmission", sender, tsn, sent)
			}
		}
		receiver := []string{"server", "client"}[dir]
		toRelay = []uint16{r.backPort, r.frontPort}[dir]
		gap := false
		for _, p := range pkts {
			if p.dstPort == toRelay {
				for _, n := range p.gapBlocks {
					gap = gap || n > 0
				}
			}
		}
		if !gap {
			t.Errorf("the %s sent no SACK with a gap ack block after the loss", receiver)
		}
	}
}

// checkBothWays checks that each chunk type in want went both ways through
// the relay: from the client (to the front port) and from the server (to
// the back port). It shows, for example, that each stack both sent
// HEARTBEATs and answered the other's.
func checkBothWays(t *testing.T, pkts []packet, r *relay, want ...int) {
	t.Helper()
	for dir, toRelay := range []uint16{r.frontPort, r.backPort} {
		seen := map[int]bool{}
		for _, p := range pkts {
			if p.dstPort == toRelay {
				for _, ct := range p.chunkTypes {
					seen[ct] = true
				}
			}
		}
		for _, ct := range want {
			if !seen[ct] {
				t.Errorf("the %s sent no %s", []string{"client", "server"}[dir], chunkName(ct))
			}
		}
	}
}
