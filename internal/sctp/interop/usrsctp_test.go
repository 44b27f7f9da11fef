//go:build usrsctp

package interop

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestUsrsctp runs our stack against libusrsctp in both roles: messages both
// ways on streams 0-3 from 1 byte to 8 KiB (fragmented by both stacks), then
// each way of ending the association, started by each side, and a shutdown
// with data still in flight.
func TestUsrsctp(t *testing.T) {
	bin := buildPeer(t)
	for _, role := range []string{"we dial", "we listen"} {
		for _, e := range endings() {
			t.Run(role+"/"+e.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				dialer, listener := usrsctpSession(ctx, t, bin, role == "we dial")
				runEnding(ctx, t, dialer, listener, e)
			})
		}
	}
}

// TestUsrsctpCapture has tshark check a session between usrsctp (dialing)
// and our stack (listening) through the relay, which drops a DATA packet
// each way: a 64 KiB message each way, loss recovery by both stacks,
// heartbeats, and a graceful shutdown started by usrsctp.
func TestUsrsctpCapture(t *testing.T) {
	bin := buildPeer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	up := freeUDPPorts(t, 4)
	ourUDP, peerUDP, front, back := up[0], up[1], up[2], up[3]
	ports := []uint16{ourUDP, peerUDP, front, back}
	c := startCapture(t, ports...)
	cfg := testConfig(t)
	l := listenOurs(t, ourUDP, cfg)
	r := startRelay(t, front, back, ourUDP, 5)
	p := startPeer(ctx, t, bin, "usrsctp dialer", peerConfig{udpPort: peerUDP, sctpPort: dialSCTPPort,
		remoteUDPPort: front, remoteSCTPPort: listenSCTPPort, streams: 8, heartbeat: 100 * time.Millisecond})
	o := acceptOurs(ctx, t, l, "our listener")
	if err := p.waitUp(ctx); err != nil {
		t.Fatal(err)
	}
	checkStreams(t, 8, p, o)
	exchange(ctx, t, p, o, workload(1, ppidTestData, 64<<10), workload(2, ppidTestData, 64<<10))
	time.Sleep(1500 * time.Millisecond) // idle: heartbeats both ways
	terminate(ctx, t, p, o, errGraceful)
	pkts := checkCapture(t, c, ports, gracefulSessionChunks())
	checkRetransmitted(t, pkts, r)
	checkBothWays(t, pkts, r, 0, 3, 4, 5) // DATA, SACK, HEARTBEAT, HEARTBEAT ACK
}

// usrsctpSession sets up an association between our stack and a usrsctp
// peer on fresh ports, 8 streams each way, and returns its dialing and
// listening ends.
func usrsctpSession(ctx context.Context, t *testing.T, bin string, weDial bool) (dialer, listener end) {
	t.Helper()
	o, p := usrsctpAssoc(ctx, t, bin, weDial, 8, 8)
	checkStreams(t, 8, p, o)
	if weDial {
		return o, p
	}
	return p, o
}

// usrsctpAssoc sets up an association between our stack, offering
// ourStreams each way, and a usrsctp peer offering peerStreams.
func usrsctpAssoc(ctx context.Context, t *testing.T, bin string, weDial bool, ourStreams, peerStreams uint16) (*ours, *usrsctpPeer) {
	t.Helper()
	up := freeUDPPorts(t, 2)
	ourUDP, peerUDP := up[0], up[1]
	cfg := testConfig(t)
	cfg.OutStreams, cfg.MaxInStreams = ourStreams, ourStreams
	var p *usrsctpPeer
	var o *ours
	if weDial {
		p = startPeer(ctx, t, bin, "usrsctp listener", peerConfig{udpPort: peerUDP, sctpPort: listenSCTPPort, streams: peerStreams})
		o = dialOurs(ctx, t, ourUDP, peerUDP, listenSCTPPort, cfg, "our dialer")
	} else {
		l := listenOurs(t, ourUDP, cfg)
		p = startPeer(ctx, t, bin, "usrsctp dialer", peerConfig{udpPort: peerUDP, sctpPort: dialSCTPPort,
			remoteUDPPort: ourUDP, remoteSCTPPort: listenSCTPPort, streams: peerStreams})
		o = acceptOurs(ctx, t, l, "our listener")
	}
	if err := p.waitUp(ctx); err != nil {
		t.Fatal(err)
	}
	return o, p
}

// TestUsrsctpStreams checks stream negotiation with unequal offers: each
// side uses the smaller of its outbound count and the peer's inbound limit
// (RFC 9260 §5.1.1), and the highest stream works both ways.
func TestUsrsctpStreams(t *testing.T) {
	bin := buildPeer(t)
	for _, tc := range []struct{ ours, peer, want uint16 }{{8, 4, 4}, {8, 16, 8}, {2, 10, 2}} {
		for _, weDial := range []bool{true, false} {
			t.Run(fmt.Sprintf("ours %d usrsctp %d we dial %t", tc.ours, tc.peer, weDial), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				o, p := usrsctpAssoc(ctx, t, bin, weDial, tc.ours, tc.peer)
				checkStreams(t, int(tc.want), o, p)
				last := tc.want - 1
				exchange(ctx, t, o, p, []msg{{Stream: last, PPID: 60, Data: []byte("to usrsctp")}},
					[]msg{{Stream: last, PPID: 60, Data: []byte("to us")}})
				if err := o.send(ctx, msg{Stream: tc.want, PPID: 60, Data: []byte("x")}); err == nil {
					t.Errorf("our Send on stream %d of %d returned no error", tc.want, tc.want)
				}
			})
		}
	}
}
