// Package coretest starts `go5g core`'s control plane in-process for tests
// of what drives it (the simulator, the command line, the API).
package coretest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"go5g/internal/core"
	"go5g/internal/sctp"
)

// Config is the core's default configuration with its data in dir and N2 on
// 127.0.0.1 over SCTP over UDP on a free UDP port (UDPPort tells which).
func Config(dir string) core.Config {
	cfg := core.Defaults()
	cfg.DataDir = dir
	cfg.AMF.N2 = core.N2Config{Address: "127.0.0.1:38412", Transport: string(sctp.TransportUDP), SCTP: cfg.AMF.N2.SCTP}
	cfg.AMF.Workers = 4
	cfg.API.Address = "127.0.0.1:0"
	// No embedded UPF: it would put a TUN and routes on the host. The SMF
	// runs and rejects PDU sessions with 5GSM cause #26; WithUserPlane
	// embeds the UPF instead.
	cfg.UPF.Enabled = false
	cfg.SMF.UPFs = nil
	return cfg
}

// WithUserPlane turns cfg's embedded UPF on with its N4 on 127.0.0.1:8805
// and N3 on n3 (host:port, port 2152), and its TUN named dev: for a core
// whose OpenUserPlane runs in a network namespace of the test's own.
func WithUserPlane(cfg core.Config, n3, dev string) core.Config {
	d := core.Defaults()
	cfg.UPF = d.UPF
	cfg.UPF.N4.Address = "127.0.0.1:8805"
	cfg.UPF.N3.Address = n3
	cfg.UPF.N6.Device = dev
	cfg.UPF.Workers = 1
	cfg.SMF.UPFs = d.SMF.UPFs
	return cfg
}

// Start runs a core with cfg until the test ends and returns it once ready.
func Start(t testing.TB, cfg core.Config, log *slog.Logger) *core.Core {
	t.Helper()
	c, err := core.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("core: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("core did not stop within 10 s")
		}
	})
	select {
	case <-c.Ready():
	case err := <-done:
		t.Fatalf("core: %v", err)
	}
	return c
}

// UDPPort is the UDP port of a running core's N2 (SCTP over UDP).
func UDPPort(c *core.Core) int { return int(c.N2Addr().(sctp.Addr).UDPPort) }
