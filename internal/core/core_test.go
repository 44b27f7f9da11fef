package core

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// K and OPc of the test subscriber (TS 35.208 test set 1 K, any OPc).
var (
	testK   = [16]byte{0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc}
	testOPc = [16]byte{0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf}
)

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if os.Getenv("GO5G_TEST_LOG") != "" {
		os.Stderr.Write(p)
	}
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testConfig is a core on loopback, SCTP over UDP on a free UDP port, with
// its data in a temporary directory and a PLMN other than the default, so
// a piece left on the default would fail the registration.
func testConfig(t *testing.T) Config {
	c := Defaults()
	c.PLMN = PLMN{MCC: "999", MNC: "70"}
	c.DataDir = t.TempDir()
	c.Log.Level = "debug"
	c.AMF.Workers = 2
	c.AMF.N2.Address = "127.0.0.1:38412"
	c.AMF.N2.Transport = "udp"
	c.AMF.N2.UDPPort = 0
	c.API.Address = "127.0.0.1:0"
	// No embedded UPF: it would put a TUN on the host (see sessions_test.go
	// for the user plane in a namespace of its own).
	c.UPF.Enabled = false
	c.SMF.UPFs = nil
	return c
}

// started is a running core and what it logged.
type started struct {
	core *Core
	log  *logBuffer
	stop func() error // cancels Run and returns its result
}

func start(t *testing.T, cfg Config) *started {
	t.Helper()
	lb := &logBuffer{}
	c, err := New(cfg, slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-c.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v\n%s", err, lb)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("core not ready after 10 s")
	}
	var once sync.Once
	var runErr error
	s := &started{core: c, log: lb, stop: func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				runErr = fmt.Errorf("Run did not return 10 s after cancel")
			}
		})
		return runErr
	}}
	t.Cleanup(func() { s.stop() })
	return s
}

// TestRunRegistersUE runs the whole control plane from a Config on a fresh
// data directory, with a subscriber and a Profile A home network key
// provisioned in its store as `go5g subscriber add` and `go5g keys
// generate` do, and registers the UE through a simulated gNB: SUCI
// deconcealment (UDM), 5G-AKA (AUSF, UDM, UDR, SQN in the store) and the
// AMF's procedures all have to be wired for it to succeed. Then it stops
// the core and checks that nothing is left running.
func TestRunRegistersUE(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	cfg := testConfig(t)
	plmn := n2.PLMN{MCC: cfg.PLMN.MCC, MNC: cfg.PLMN.MNC}

	key, err := suci.GenerateKey(suci.ProfileA, 7, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(cfg.StorePath())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sub := store.Subscriber{
		SUPI: "imsi-999700000000001", K: store.Secret(testK[:]), OPc: store.Secret(testOPc[:]),
		AMF: [2]byte{0x80, 0x00}, AuthMethod: store.AuthMethod5GAKA,
		SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
		DNNs: []string{"internet"}, AMBR: store.AMBR{Uplink: 1e9, Downlink: 2e9},
	}
	if err := st.AddSubscribers(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := st.AddHomeNetworkKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	st.Close()

	s := start(t, cfg)
	addr, ok := s.core.N2Addr().(sctp.Addr)
	if !ok || addr.UDPPort == 0 || addr.Port != 38412 || addr.IP.String() != "127.0.0.1" {
		t.Fatalf("N2Addr() = %v, want 127.0.0.1:38412 on a chosen UDP port", s.core.N2Addr())
	}
	if s.core.Transport() != sctp.TransportUDP {
		t.Errorf("Transport() = %q, want udp", s.core.Transport())
	}
	logged := s.log.String()
	startLine := ""
	for _, l := range strings.Split(logged, "\n") {
		if strings.Contains(l, "go5g core running") {
			startLine = l
		}
	}
	for _, w := range []string{"n2=\"" + addr.String() + "\"", "transport=udp", `suci_keys="profile A id 7"`, "plmn=999-70",
		"store=" + cfg.StorePath()} {
		if !strings.Contains(startLine, w) {
			t.Errorf("start line lacks %s:\n%s", w, logged)
		}
	}
	if strings.Contains(logged, "no SUCI home network keys") {
		t.Errorf("warned about missing keys with one in the store:\n%s", logged)
	}
	if strings.Contains(logged, hex.EncodeToString(key.PrivateBytes())) {
		t.Errorf("the log shows the private key")
	}

	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	g, err := gnb.Connect(rctx, gnb.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP,
		SCTP: sctp.Options{RemoteUDPPort: int(addr.UDPPort)},
		ID:   n2.GlobalGNBID{PLMN: plmn, ID: 1, IDLength: 22}, Name: "gnb-core-test",
		PLMN: plmn, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}}, CellID: 1 << 14,
	})
	if err != nil {
		t.Fatalf("gNB: %v\n%s", err, s.log)
	}
	if got := g.AMF().AMFName; got != "go5g-amf" {
		t.Errorf("NG Setup Response AMF name %q", got)
	}
	supi, err := suci.NewIMSI(plmn.MCC, plmn.MNC, "0000000001")
	if err != nil {
		t.Fatal(err)
	}
	pub := key.PublicKey()
	u, err := ue.New(ue.Config{SUPI: supi, K: testK, OPc: testOPc, HomeNetworkKey: &pub,
		RequestedNSSAI: []n2.SNSSAI{{SST: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := u.Register(rctx, g)
	if err != nil {
		t.Fatalf("Register: %v\n%s", err, s.log)
	}
	if !res.Registered || res.AuthenticationRequests != 1 || res.RegistrationAccepts != 1 {
		t.Errorf("registration result %+v", res)
	}
	if after, err := storeSQN(t, cfg.StorePath(), sub.SUPI); err != nil || after == 0 {
		t.Errorf("SQN in the store after one challenge = %d, %v; want it advanced", after, err)
	}

	u.Close()
	if err := g.Close(rctx); err != nil {
		t.Logf("gNB close: %v", err)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if !strings.Contains(s.log.String(), "go5g core stopped") {
		t.Errorf("no stop line:\n%s", s.log)
	}
	// The store is closed and the N2 socket released: a new core can take
	// both at once.
	s2 := start(t, cfg)
	if err := s2.stop(); err != nil {
		t.Fatalf("second run: %v", err)
	}
	noLeak(t, goroutines)
}

// storeSQN reads a subscriber's SQN through a store of its own, as the
// CLI would while the core runs.
func storeSQN(t *testing.T, path, supi string) (uint64, error) {
	t.Helper()
	st, err := store.Open(path)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	sub, err := st.GetSubscriber(context.Background(), supi)
	return sub.SQN, err
}

// noLeak waits for the goroutine count to fall back to before.
func noLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRunWarnsWithoutKeys: with no home network key the core still runs,
// and says what does not work and which command fixes it. It also resolves
// transport auto as this host allows and says why.
func TestRunWarnsWithoutKeys(t *testing.T) {
	cfg := testConfig(t)
	cfg.AMF.N2.Transport = "auto"
	s := start(t, cfg)
	want := sctp.TransportUDP
	if sctp.KernelAvailable() == nil {
		want = sctp.TransportKernel
	}
	if s.core.Transport() != want {
		t.Errorf("auto chose %q, want %q on this host", s.core.Transport(), want)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.core.Run(context.Background()); err == nil {
		t.Error("a second Run of one Core succeeded")
	}
	logged := s.log.String()
	for _, w := range []string{"level=WARN", "no SUCI home network keys", "Profile A or B", `suci_keys=none`,
		"transport=" + string(want) + " transport_reason=\"auto: ",
		"go5g keys generate --profile A --id 1 --store " + cfg.StorePath()} {
		if !strings.Contains(logged, w) {
			t.Errorf("log lacks %q:\n%s", w, logged)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "go5g.db")); err != nil {
		t.Errorf("store not created in the data dir: %v", err)
	}
}

// TestRunListenError: a port another socket holds fails Run with an error
// that names the address, and Ready stays open.
func TestRunListenError(t *testing.T) {
	cfg := testConfig(t)
	s := start(t, cfg)
	cfg2 := cfg
	cfg2.DataDir = t.TempDir()
	cfg2.AMF.N2.UDPPort = int(s.core.N2Addr().(sctp.Addr).UDPPort)
	c, err := New(cfg2, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:38412") {
		t.Fatalf("Run on a taken UDP port = %v", err)
	}
	select {
	case <-c.Ready():
		t.Error("Ready closed although Run failed")
	default:
	}
}
