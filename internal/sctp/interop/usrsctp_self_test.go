//go:build usrsctp

package interop

import (
	"context"
	"testing"
	"time"
)

// TestUsrsctpSelf runs the scenarios between two usrsctp processes. It
// proves the peer program and its driver, so a failure against our stack
// is ours and not the harness's.
func TestUsrsctpSelf(t *testing.T) {
	bin := buildPeer(t)
	for _, e := range endings() {
		t.Run(e.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			up := freeUDPPorts(t, 2)
			lu, cu := up[0], up[1]
			l := startPeer(ctx, t, bin, "usrsctp listener", peerConfig{udpPort: lu, sctpPort: listenSCTPPort, streams: 8})
			d := startPeer(ctx, t, bin, "usrsctp dialer", peerConfig{udpPort: cu, sctpPort: dialSCTPPort,
				remoteUDPPort: lu, remoteSCTPPort: listenSCTPPort, streams: 8})
			for _, p := range []*usrsctpPeer{l, d} {
				if err := p.waitUp(ctx); err != nil {
					t.Fatal(err)
				}
			}
			checkStreams(t, 8, l, d)
			runEnding(ctx, t, d, l, e)
		})
	}
}

// TestUsrsctpSelfCapture checks the capture oracle and the relay on two
// usrsctp peers: their session, with a DATA packet dropped each way by the
// relay, must pass the same tshark checks we hold our stack to.
func TestUsrsctpSelfCapture(t *testing.T) {
	bin := buildPeer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	up := freeUDPPorts(t, 4)
	lu, cu, front, back := up[0], up[1], up[2], up[3]
	ports := []uint16{lu, cu, front, back}
	c := startCapture(t, ports...)
	l := startPeer(ctx, t, bin, "usrsctp listener", peerConfig{udpPort: lu, sctpPort: listenSCTPPort, streams: 8, heartbeat: 100 * time.Millisecond})
	r := startRelay(t, front, back, lu, 5)
	d := startPeer(ctx, t, bin, "usrsctp dialer", peerConfig{udpPort: cu, sctpPort: dialSCTPPort,
		remoteUDPPort: front, remoteSCTPPort: listenSCTPPort, streams: 8, heartbeat: 100 * time.Millisecond})
	for _, p := range []*usrsctpPeer{l, d} {
		if err := p.waitUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	exchange(ctx, t, d, l, workload(1, ppidTestData, 64<<10), workload(2, ppidTestData, 64<<10))
	time.Sleep(1500 * time.Millisecond) // idle: heartbeats
	terminate(ctx, t, d, l, errGraceful)
	pkts := checkCapture(t, c, ports, gracefulSessionChunks())
	checkRetransmitted(t, pkts, r)
	checkBothWays(t, pkts, r, 0, 3, 4, 5) // DATA, SACK, HEARTBEAT, HEARTBEAT ACK
}
