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
