package interop

import (
	"context"
	"testing"
	"time"
)

// TestTshark has tshark decode a whole session between two of our
// endpoints: handshake, messages on streams 0-3 up to 64 KiB (fragmented),
// a DATA packet lost each way and recovered, heartbeats while idle, and a
// graceful shutdown. The dialer reaches the listener through a relay (a
// NAT, to the endpoints) that drops the packets.
func TestTshark(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	up := freeUDPPorts(t, 4)
	serverUDP, clientUDP, frontUDP, backUDP := up[0], up[1], up[2], up[3]
	ports := []uint16{serverUDP, clientUDP, frontUDP, backUDP}
	c := startCapture(t, ports...)

	cfg := testConfig(t)
	l := listenOurs(t, serverUDP, cfg)
	r := startRelay(t, frontUDP, backUDP, serverUDP, 5)
	dialer := dialOurs(ctx, t, clientUDP, frontUDP, listenSCTPPort, cfg, "our dialer")
	listener := acceptOurs(ctx, t, l, "our listener")
	checkStreams(t, 8, dialer, listener)
	exchange(ctx, t, dialer, listener, workload(1, ppidTestData, 64<<10), workload(2, ppidTestData, 64<<10))
	time.Sleep(1500 * time.Millisecond) // idle: heartbeats both ways
	terminate(ctx, t, dialer, listener, errGraceful)

	pkts := checkCapture(t, c, ports, gracefulSessionChunks())
	checkRetransmitted(t, pkts, r)
	checkBothWays(t, pkts, r, 0, 3, 4, 5) // DATA, SACK, HEARTBEAT, HEARTBEAT ACK
}
