package interop

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"go5g/internal/sctp"
)

// ours adapts an association of our stack to end.
type ours struct {
	name string
	c    sctp.Conn
}

func (o *ours) String() string { return o.name }

// streams: our Conn reports the outbound streams only.
func (o *ours) streams() (in, out int) { return -1, int(o.c.Streams()) }

func (o *ours) send(ctx context.Context, m msg) error {
	return o.c.Send(ctx, sctp.Message{Stream: m.Stream, PPID: m.PPID, Unordered: m.Unordered, Data: m.Data})
}

func (o *ours) recv(ctx context.Context) (msg, error) {
	m, err := o.c.Recv(ctx)
	switch {
	case err == nil:
		return msg{Stream: m.Stream, PPID: m.PPID, Unordered: m.Unordered, Data: m.Data}, nil
	case errors.Is(err, sctp.ErrAborted):
		return msg{}, fmt.Errorf("%s: %w: %w", o.name, errAborted, err)
	case errors.Is(err, sctp.ErrPeerUnreachable):
		return msg{}, fmt.Errorf("%s: %w", o.name, err)
	case errors.Is(err, sctp.ErrClosed):
		return msg{}, fmt.Errorf("%s: %w: %w", o.name, errGraceful, err)
	}
	return msg{}, fmt.Errorf("%s: %w", o.name, err)
}

// shutdown is Close: the SHUTDOWN sequence, waiting for its end.
func (o *ours) shutdown(ctx context.Context) error { return o.c.Close(ctx) }

func (o *ours) abort(reason string) error { return o.c.Abort(reason) }

func loopback() netip.Addr { return netip.AddrFrom4([4]byte{127, 0, 0, 1}) }

// testConfig is the configuration of our endpoints in these tests: 8
// streams each way, and short timers so heartbeats and retransmissions
// show within a second or two.
func testConfig(t *testing.T) sctp.Config {
	return sctp.Config{
		OutStreams:        8,
		MaxInStreams:      8,
		RTOInitial:        200 * time.Millisecond,
		RTOMin:            100 * time.Millisecond,
		HeartbeatInterval: 200 * time.Millisecond,
		Logger:            testLogger(t),
	}
}

// listenOurs listens on 127.0.0.1:udpPort, SCTP port listenSCTPPort.
func listenOurs(t *testing.T, udpPort uint16, cfg sctp.Config) sctp.Listener {
	t.Helper()
	l, err := sctp.ListenUDP(netip.AddrPortFrom(loopback(), udpPort), listenSCTPPort, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// acceptOurs accepts one association and ends it when the test ends.
func acceptOurs(ctx context.Context, t *testing.T, l sctp.Listener, name string) *ours {
	t.Helper()
	c, err := l.Accept(ctx)
	if err != nil {
		t.Fatalf("%s: accept: %v", name, err)
	}
	t.Cleanup(func() { _ = c.Abort("test cleanup") })
	return &ours{name: name, c: c}
}

// dialOurs dials from 127.0.0.1:udpPort, SCTP port dialSCTPPort, to the
// peer's UDP port on 127.0.0.1.
func dialOurs(ctx context.Context, t *testing.T, udpPort, remoteUDPPort, remoteSCTPPort uint16, cfg sctp.Config, name string) *ours {
	t.Helper()
	cfg.LocalUDPAddr = netip.AddrPortFrom(loopback(), udpPort)
	cfg.LocalPort = dialSCTPPort
	c, err := sctp.DialUDP(ctx, netip.AddrPortFrom(loopback(), remoteUDPPort), remoteSCTPPort, cfg)
	if err != nil {
		t.Fatalf("%s: dial: %v", name, err)
	}
	t.Cleanup(func() { _ = c.Abort("test cleanup") })
	return &ours{name: name, c: c}
}
