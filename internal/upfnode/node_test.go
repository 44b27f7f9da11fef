package upfnode

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go5g/internal/n4"
	"go5g/internal/netns"
	"go5g/internal/netns/netnstest"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func loopbackConfig() Config {
	c := Defaults()
	c.N4.Address = "127.0.0.1:8805"
	c.N3.Address = "127.0.0.1:2152"
	c.N6.Device = "n6test"
	c.Workers = 2
	return c
}

func links(t *testing.T, ns *netns.NS) []string {
	t.Helper()
	l, err := ns.Links()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestNewCleansUp: when a later step of New fails (N4's port is taken),
// what earlier steps opened is released: no TUN is left and the N3 port
// is free.
func TestNewCleansUp(t *testing.T) {
	ns := netnstest.New(t).NS("upf")
	taken, err := ns.ListenPacket("udp4", "127.0.0.1:8805")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	err = ns.Do(func() error {
		n, err := New(loopbackConfig(), nil)
		if err == nil {
			n.Close()
			return errors.New("New succeeded with the N4 port taken")
		}
		if !strings.HasPrefix(err.Error(), "n4: ") {
			return errors.New("error does not name N4: " + err.Error())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := links(t, ns); slices.Contains(l, "n6test") {
		t.Errorf("TUN left behind: %v", l)
	}
	pc, err := ns.ListenPacket("udp4", "127.0.0.1:2152")
	if err != nil {
		t.Fatalf("N3 port still held: %v", err)
	}
	pc.Close()
}

// TestRunUPInitiated: with n4.smf set, the UPF sets up the association
// itself (and keeps retrying until the SMF is there); cancelling the
// context stops Run and removes the TUN.
// Spec: TS 29.244 §6.2.6.3
func TestRunUPInitiated(t *testing.T) {
	ns := netnstest.New(t).NS("upf")
	cfg := loopbackConfig()
	cfg.N4.SMF = []string{"127.0.0.2"}
	logs := &syncBuf{}
	var n *Node
	if err := ns.Do(func() error {
		var err error
		n, err = New(cfg, slog.New(slog.NewTextHandler(logs, nil)))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n.N3Addr().String() != "127.0.0.1" || n.NodeID() != "127.0.0.1" || n.N4Addr().String() != "127.0.0.1:8805" || n.Device() != "n6test" {
		t.Errorf("addresses: N3 %v node %s N4 %v device %s", n.N3Addr(), n.NodeID(), n.N4Addr(), n.Device())
	}
	if l := links(t, ns); !slices.Contains(l, "n6test") {
		t.Fatalf("no TUN: %v", l)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	// The SMF starts after the UPF: the first attempt fails, a retry works.
	time.Sleep(300 * time.Millisecond)
	conn, err := ns.ListenPacket("udp4", "127.0.0.2:8805")
	if err != nil {
		t.Fatal(err)
	}
	up := make(chan string, 1)
	smf, err := n4.New(n4.Config{Function: n4.CP, NodeID: "127.0.0.2", Conn: conn, HeartbeatInterval: -1,
		Events: n4.Events{AssociationUp: func(p *n4.Peer) { up <- p.NodeID() }}})
	if err != nil {
		t.Fatal(err)
	}
	defer smf.Close()
	select {
	case id := <-up:
		if id != "127.0.0.1" {
			t.Errorf("UPF Node ID %q", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no UP-initiated association:\n%s", logs)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "n4: association up"); {
		if time.Now().After(deadline) {
			t.Fatalf("the UPF did not see the association up:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}

	cancel()
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if l := links(t, ns); slices.Contains(l, "n6test") {
		t.Errorf("TUN left after Run: %v", l)
	}
	if err := n.Run(context.Background()); err == nil {
		t.Error("second Run accepted")
	}
	for _, want := range []string{"upf running", "n4=127.0.0.1:8805", "n3_advertised=127.0.0.1", "workers=2", "n4: association up", "upf stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, a := range []string{"127.0.0.1:8805", "127.0.0.1:2152"} {
		pc, err := ns.ListenPacket("udp4", a)
		if err != nil {
			t.Errorf("port still held after Run: %v", err)
			continue
		}
		pc.Close()
	}
}
