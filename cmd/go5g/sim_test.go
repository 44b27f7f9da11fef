package main

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"go5g/internal/core/coretest"
	"go5g/internal/sctp"
	"go5g/internal/sim/fleet"
)

// The sim tests run `go5g sim` against `go5g core`'s control plane started
// in-process, over userspace SCTP over UDP on loopback.

// simCore starts the core's control plane with subscribers
// imsi-00101000000000first.. (count of them) and a Profile A key with id 1;
// it returns the AMF's UDP encapsulation port and the public key.
func simCore(t *testing.T, first, count int) (udpPort int, pubA string) {
	t.Helper()
	cfg := coretest.Config(t.TempDir())
	pub, err := provisionDemo(context.Background(), cfg, first, count)
	if err != nil {
		t.Fatal(err)
	}
	c := coretest.Start(t, cfg, nil)
	return coretest.UDPPort(c), pub.String()
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := parseKey("test", s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runSimCmd runs `go5g sim` with the flags that reach the test AMF.
func runSimCmd(t *testing.T, port int, args ...string) (int, string, string) {
	t.Helper()
	all := append([]string{"sim", "--transport", "udp", "--amf", "127.0.0.1:38412",
		"--amf-udp-port", strconv.Itoa(port)}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, all, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestSim(t *testing.T) {
	port, pubA := simCore(t, 1, 10)
	keys := []string{"--k", demoK, "--opc", demoOPc}

	t.Run("scenario ok", func(t *testing.T) {
		code, out, errOut := runSimCmd(t, port, append(keys, "--gnbs", "2", "--ues", "6",
			"--suci", "a", "--hn-key", pubA, "--hn-key-id", "1", "--deregister")...)
		t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		for i := 1; i <= 6; i++ {
			if s := fmt.Sprintf("imsi-00101%010d", i); !strings.Contains(out, s) {
				t.Errorf("table lacks %s:\n%s", s, out)
			}
		}
		for _, w := range []string{"go5g-sim-1", "go5g-sim-2", "6 UEs: 6 registered and deregistered, 0 failed"} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		if strings.Contains(out, "FAILED") {
			t.Errorf("a row failed:\n%s", out)
		}
	})

	t.Run("unknown UE", func(t *testing.T) {
		// UEs 9..12: 11 and 12 are not provisioned.
		code, out, errOut := runSimCmd(t, port, append(keys, "--imsi", "001010000000009", "--ues", "4")...)
		t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		for _, w := range []string{"imsi-001010000000011", "FAILED", "registration rejected: #3 illegal UE", "2 failed"} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		if !strings.Contains(errOut, "2 of 4 UEs failed") {
			t.Errorf("stderr: %q", errOut)
		}
	})

	t.Run("load", func(t *testing.T) {
		code, out, errOut := runSimCmd(t, port, append(keys, "--ues", "10", "--rate", "5", "--switch-off")...)
		t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		for _, w := range []string{"10 registrations started, 10 ok, 0 failed", "requested 5.0/s", "latency: p50 "} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		if !strings.Contains(errOut, "/10 done") {
			t.Errorf("no progress line on stderr: %q", errOut)
		}
	})

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad hex K", []string{"--k", "zz" + demoK[2:], "--opc", demoOPc}, "--k: not hex"},
		{"short OPc", []string{"--k", demoK, "--opc", "00"}, "--opc: must be 32 hex digits"},
		{"no K", []string{"--opc", demoOPc}, "--k is required"},
		{"suci a without key", append(keys, "--suci", "a"), "needs --hn-key"},
		{"unknown flag", append(keys, "--gnb", "2"), "flag provided but not defined"},
		{"both deregistrations", append(keys, "--deregister", "--switch-off"), "at most one"},
		{"duration without rate", append(keys, "--duration", "1s"), "--rate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runSimCmd(t, port, tc.args...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want 2 with %q\n%s%s", code, tc.want, out, errOut)
			}
		})
	}
}

// TestSimNoAMF says what to do when nothing answers at --amf.
func TestSimNoAMF(t *testing.T) {
	l, err := sctp.ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"), 1, sctp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	port := int(l.Addr().(sctp.Addr).UDPPort)
	l.Close() // a UDP port nobody listens on now
	code, out, errOut := runSimCmd(t, port, "--k", demoK, "--opc", demoOPc, "--connect-timeout", "1s")
	t.Logf("stderr:\n%s", errOut)
	if code != 1 || !strings.Contains(errOut, "is `go5g core` running? check --amf and --transport") {
		t.Errorf("exit %d, want 1 with the hint\n%s%s", code, out, errOut)
	}
}

// TestPrintScenario checks the table modes: all rows, or only the failed
// ones with a note, for large fleets.
func TestPrintScenario(t *testing.T) {
	rep := &fleet.ScenarioReport{OK: 2, Failed: 1, Elapsed: time.Second,
		Latency: fleet.Percentiles{Min: time.Millisecond, P50: time.Millisecond, P90: 3 * time.Millisecond, P99: 3 * time.Millisecond, Max: 3 * time.Millisecond},
		UEs: []fleet.UEResult{
			{SUPI: "imsi-001010000000001", GNB: "g-1", OK: true, GUTI: "00101010040deadbeef", Latency: 3 * time.Millisecond},
			{SUPI: "imsi-001010000000002", GNB: "g-2", Reason: "registration rejected: #3 illegal UE"},
			{SUPI: "imsi-001010000000003", GNB: "g-1", OK: true, GUTI: "00101010040deadbee0", Latency: time.Millisecond},
		}}
	var all, failed bytes.Buffer
	printScenario(&all, rep, true, fleet.NoDeregistration)
	printScenario(&failed, rep, false, fleet.NoDeregistration)
	for _, w := range []string{"imsi-001010000000001", "00101010040deadbeef", "3.0ms", "FAILED", "#3 illegal UE",
		"3 UEs: 2 registered, 1 failed in 1s (2.0/s)", "max 3.0ms"} {
		if !strings.Contains(all.String(), w) {
			t.Errorf("full table lacks %q:\n%s", w, all.String())
		}
	}
	if s := failed.String(); strings.Contains(s, "imsi-001010000000001") || !strings.Contains(s, "imsi-001010000000002") ||
		!strings.Contains(s, "2 successful rows not shown") {
		t.Errorf("failed-only table:\n%s", s)
	}
}
