package amf_test

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go5g/internal/store"
)

// TestHeapPerUE measures the core's heap per registered UE: the AMF, AUSF,
// UDM and UDR of newNet run in this process, and `go5g sim` registers
// GO5G_HEAP_UES UEs from a separate process, so none of the simulator's
// memory is counted. It reports HeapAlloc growth per UE twice: while the
// UEs are CM-CONNECTED (the simulator is stopped with SIGSTOP once the AMF
// counted every Registration Complete, so its associations stay up) and
// after the simulator exited (the UEs stay RM-REGISTERED in CM-IDLE).
// It is skipped unless GO5G_HEAP_UES is set, as it takes minutes.
//
// Optional: GO5G_SIM_BIN (a built go5g, else one is built), GO5G_HEAP_SUCI
// (null or a), GO5G_HEAP_CONCURRENCY, GO5G_HEAP_GNBS, GO5G_HEAP_PROFILE
// (heap profile written in CM-CONNECTED) and GO5G_CPU_PROFILE (a CPU
// profile of the core only, while the simulator registers) and
// GO5G_SIM_EXTRA (more simulator flags, e.g. "--rate 500").
//
//	GO5G_HEAP_UES=10000 go test -run HeapPerUE -v -timeout 30m ./internal/amf
func TestHeapPerUE(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("GO5G_HEAP_UES"))
	if err != nil || n <= 0 {
		t.Skip("set GO5G_HEAP_UES=N to measure the core's heap per registered UE")
	}
	bin := os.Getenv("GO5G_SIM_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "go5g")
		if out, err := exec.Command("go", "build", "-o", bin, "go5g/cmd/go5g").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	tn := newNet(t, nil)
	t0 := time.Now()
	tn.provision(t, 1, n, store.AuthMethod5GAKA)
	t.Logf("provisioned %d subscribers in %v", n, time.Since(t0).Round(time.Millisecond))
	base := settledHeap()

	args := []string{"sim", "--amf", "127.0.0.1:38412", "--transport", "udp",
		"--amf-udp-port", strconv.Itoa(tn.udpPort), "--gnbs", envOr("GO5G_HEAP_GNBS", "4"),
		"--ues", strconv.Itoa(n), "--concurrency", envOr("GO5G_HEAP_CONCURRENCY", "256"),
		"--imsi", "001010000000001", "--timeout", "60s",
		"--k", hex.EncodeToString(testK[:]), "--opc", hex.EncodeToString(testOPc[:])}
	if envOr("GO5G_HEAP_SUCI", "null") == "a" {
		priv, err := ecdh.X25519().NewPrivateKey(tn.keyA.PrivateBytes())
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "--suci", "a", "--hn-key", hex.EncodeToString(priv.PublicKey().Bytes()),
			"--hn-key-id", strconv.Itoa(int(tn.keyA.ID)))
	}
	args = append(args, strings.Fields(os.Getenv("GO5G_SIM_EXTRA"))...)
	var simOut bytes.Buffer
	sim := exec.Command(bin, args...)
	sim.Stdout, sim.Stderr = &simOut, &simOut
	if path := os.Getenv("GO5G_CPU_PROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sim.Wait() }()
	for tn.amf.Stats().Registrations < uint64(n) {
		select {
		case err := <-exited:
			t.Fatalf("simulator exited early (%v) after %d registrations:\n%s", err, tn.amf.Stats().Registrations, tail(simOut.String()))
		case <-time.After(5 * time.Millisecond):
		}
	}
	elapsed := time.Since(start)
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	pprof.StopCPUProfile()
	// In load mode (GO5G_SIM_EXTRA="--rate R") the simulator may already
	// be gone; the CM-CONNECTED figure then shows UEs being released.
	if err := sim.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Logf("simulator not stopped (%v): the CM-CONNECTED figure is not reliable", err)
	}
	cpu := cpuSeconds(ru1) - cpuSeconds(ru0)
	t.Logf("%d registrations in %v (%.0f/s); core CPU %.2f s = %.0f µs per registration",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), cpu, cpu/float64(n)*1e6)

	connected := settledHeap()
	if path := os.Getenv("GO5G_HEAP_PROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	sim.Process.Signal(syscall.SIGCONT)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("simulator: %v\n%s", err, tail(simOut.String()))
		}
	case <-time.After(2 * time.Minute):
		sim.Process.Kill()
		t.Fatal("simulator did not exit")
	}
	// The AMF releases the UEs' N2 connections when the associations go.
	eventually(t, time.Minute, "N2 connections released", func() bool {
		return tn.amf.Stats().UEsReleased >= uint64(n)
	})
	idle := settledHeap()
	if _, ok := tn.ueState(t, fmt.Sprintf("imsi-00101%010d", n)); !ok {
		t.Errorf("the last UE is not registered after the simulator left")
	}
	t.Logf("sim: %s", tail(simOut.String()))
	t.Logf("heap before %d MB, connected %d MB, idle %d MB", base>>20, connected>>20, idle>>20)
	t.Logf("core heap per registered UE: CM-CONNECTED %d B, CM-IDLE %d B",
		(int64(connected)-int64(base))/int64(n), (int64(idle)-int64(base))/int64(n))
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("HeapObjects %d (%.1f per UE), Sys %d MB (HeapSys %d, HeapReleased %d, StackSys %d), GC runs %d, GC pause total %v",
		ms.HeapObjects, float64(ms.HeapObjects)/float64(n), ms.Sys>>20, ms.HeapSys>>20, ms.HeapReleased>>20,
		ms.StackSys>>20, ms.NumGC, time.Duration(ms.PauseTotalNs))
}

// settledHeap is HeapAlloc after two full collections.
func settledHeap() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func cpuSeconds(ru syscall.Rusage) float64 {
	return time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime)).Seconds()
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// tail is the last lines of the simulator's output.
func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 4 {
		lines = lines[len(lines)-4:]
	}
	return strings.Join(lines, "\n")
}
