package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/pcapcheck"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
	"go5g/internal/testenv"
)

// TestEndToEndRegistration runs the real binary as an operator would, in
// separate processes: `go5g keys generate`, `go5g subscriber add --count
// 1000`, `go5g core` with a config file (NEA0 first so NAS is readable in the
// capture), then `go5g sim` with 1,000 UEs on 4 gNBs over userspace SCTP
// over UDP that register and deregister. Meanwhile a hostile gNB sends
// malformed NGAP to the same core and gets Error Indications. tshark then
// decodes the capture of the core's N2 with no malformed packets or expert
// warnings.
//
// Spec: TS 38.413 §8.7.1, §8.6, §10.6; TS 24.501 §5.5.1.2, §5.5.2.2
func TestEndToEndRegistration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs 1,000 UEs")
	}
	const ues, gnbs = 1000, 4
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "go5g.db")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	mustRun(t, ctx, bin, "keys", "generate", "--profile", "A", "--id", "7", "--store", db)
	var keys []keyJSON
	if err := json.Unmarshal(mustRun(t, ctx, bin, "keys", "list", "--json", "--store", db), &keys); err != nil || len(keys) != 1 {
		t.Fatalf("keys list: %v %+v", err, keys)
	}
	mustRun(t, ctx, bin, "subscriber", "add", "--supi", "imsi-001010000000001", "--count", strconv.Itoa(ues),
		"--k", demoK, "--opc", demoOPc, "--store", db)

	port := freeUDPPort(t)
	hostilePort := freeUDPPort(t)
	cfg := filepath.Join(dir, "core.yaml")
	writeFile(t, cfg, fmt.Sprintf(`# end-to-end test core
store: %s
log: {level: info, format: json}
api: {address: "127.0.0.1:0"}
upf: {enabled: false}    # no TUN on the test host
smf: {upfs: []}
amf:
  ciphering: [NEA0, NEA2]
  n2: {address: "127.0.0.1:38412", transport: udp, udp_port: %d}
`, db, port))

	var capture *pcapcheck.Capture
	if os.Geteuid() == 0 && pcapcheck.Available() == nil {
		c, err := pcapcheck.Start("lo", fmt.Sprintf("udp port %d and not udp port %d", port, hostilePort), filepath.Join(dir, "n2.pcap"))
		if err != nil {
			t.Fatal(err)
		}
		capture = c
	} else if testenv.InCI() {
		t.Fatal("CI runs as root with tcpdump and tshark: see .ci/run")
	}

	core := startCore(t, ctx, bin, cfg)

	// The hostile gNB: an honest NG Setup, then garbage on its association.
	hostile, err := gnb.Connect(ctx, gnb.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP,
		SCTP: sctp.Options{UDPPort: hostilePort, RemoteUDPPort: port},
		ID:   n2.GlobalGNBID{PLMN: n2.PLMN{MCC: "001", MNC: "01"}, ID: 999, IDLength: 22},
		PLMN: n2.PLMN{MCC: "001", MNC: "01"}, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}}, CellID: 999 << 14,
	})
	if err != nil {
		t.Fatalf("hostile gNB NG Setup: %v", err)
	}
	defer hostile.Abort()
	attacks := [][]byte{{0x00}, {0x00, 0x0f, 0x40, 0x30, 0xff, 0xff}, bytes.Repeat([]byte{0xff}, 64)}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 20 {
			for _, a := range attacks {
				if err := hostile.SendRaw(ctx, 1, a); err != nil {
					t.Errorf("hostile gNB send: %v", err)
					return
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	out := mustRun(t, ctx, bin, "sim", "--amf", "127.0.0.1:38412", "--transport", "udp", "--amf-udp-port", strconv.Itoa(port),
		"--gnbs", strconv.Itoa(gnbs), "--ues", strconv.Itoa(ues), "--imsi", "001010000000001",
		"--k", demoK, "--opc", demoOPc, "--suci", "a", "--hn-key", keys[0].PublicKey, "--hn-key-id", "7", "--deregister")
	want := fmt.Sprintf("%d UEs: %d registered and deregistered, 0 failed", ues, ues)
	if !strings.Contains(string(out), want) {
		t.Errorf("sim output lacks %q:\n%s", want, out)
	}
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for len(hostile.ErrorIndications()) < 20*len(attacks) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := len(hostile.ErrorIndications()); got != 20*len(attacks) {
		t.Errorf("hostile gNB got %d Error Indications, want %d", got, 20*len(attacks))
	}
	hostile.Close(ctx)

	checkAPI(t, core.logsNow(), ues)
	logs := core.stop(t)
	for _, want := range []string{`"transport":"udp"`, `"suci_keys":"profile A id 7"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("core log lacks %s", want)
		}
	}
	if strings.Contains(logs, demoK) || strings.Contains(logs, demoOPc) {
		t.Error("core log contains subscriber key material")
	}

	if capture == nil {
		return
	}
	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}
	decode := []string{"udp.port==" + strconv.Itoa(port) + ",sctp", "sctp.ppi==60,ngap"}
	problems, err := pcapcheck.Check(capture.Path(), decode, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range problems {
		if i == 10 {
			t.Errorf("... and %d more", len(problems)-10)
			break
		}
		t.Errorf("tshark: %v", p)
	}
	// With NEA0 the NAS inside NGAP is readable: count what tshark names.
	rows, err := pcapcheck.Fields(capture.Path(), decode, "nas_5gs.mm.message_type", "nas_5gs.mm.message_type")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rows {
		for _, v := range strings.Split(r[0], ",") {
			seen[v]++
		}
	}
	t.Logf("NAS message types tshark decoded in %d frames: %v", len(rows), seen)
	// Registration Accept (0x42) and Deregistration Accept (0x46, UE
	// originating) are ciphered by NEA0, so tshark reads one per UE.
	for _, mt := range []string{"0x42", "0x46"} {
		if seen[mt] < ues {
			t.Errorf("tshark decoded %d NAS messages of type %s, want %d (seen %v)", seen[mt], mt, ues, seen)
		}
	}
}

// buildBinary builds cmd/go5g once into the test's directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "go5g")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join(testenv.ModuleRoot(t), "cmd", "go5g")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// mustRun runs the binary to completion and returns its stdout.
func mustRun(t *testing.T, ctx context.Context, bin string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go5g %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}

// coreProcess is a running `go5g core` and its collected stderr.
type coreProcess struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs bytes.Buffer
	done chan error
}

// startCore starts `go5g core --config cfg` and returns once it logged that
// it is running.
func startCore(t *testing.T, ctx context.Context, bin, cfg string) *coreProcess {
	t.Helper()
	c := &coreProcess{cmd: exec.Command(bin, "core", "--config", cfg), done: make(chan error, 1)}
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		once := sync.OnceFunc(func() { close(running) })
		for sc.Scan() {
			c.mu.Lock()
			c.logs.Write(sc.Bytes())
			c.logs.WriteByte('\n')
			c.mu.Unlock()
			if strings.Contains(sc.Text(), "go5g core running") {
				once()
			}
		}
		io.Copy(io.Discard, stderr)
		c.done <- c.cmd.Wait()
	}()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.cmd.Process.Kill()
		}
	})
	select {
	case <-running:
		return c
	case err := <-c.done:
		t.Fatalf("go5g core exited: %v\n%s", err, c.logs.String())
	case <-ctx.Done():
		t.Fatal("go5g core did not start")
	}
	return nil
}

// logsNow is what the core has logged so far.
func (c *coreProcess) logsNow() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logs.String()
}

// stop sends SIGTERM, expects exit status 0 and returns the core's logs.
func (c *coreProcess) stop(t *testing.T) string {
	t.Helper()
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("go5g core after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		t.Error("go5g core did not stop within 20 s of SIGTERM")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logs.String()
}

// freeUDPPort returns a UDP port nothing listens on at the moment.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkAPI logs in to the core's REST API as the first admin, whose password
// the core printed once, and lists the subscribers.
func checkAPI(t *testing.T, logs string, want int) {
	t.Helper()
	base := regexp.MustCompile(`"api":"(http://[^"]+)"`).FindStringSubmatch(logs)
	pw := regexp.MustCompile(`user "admin" with password (\S+)`).FindStringSubmatch(logs)
	if base == nil || pw == nil {
		t.Fatalf("core printed no API address or first admin password:\n%s", logs)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": pw[1]})
	resp, err := client.Post(base[1]+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %s", resp.Status)
	}
	resp, err = client.Get(base[1] + "/api/v1/subscribers?limit=5")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK || page.Total != want {
		t.Errorf("GET /api/v1/subscribers: %s, total %d (%v), want %d", resp.Status, page.Total, err, want)
	}

	// Prometheus sees every registration, and no UE left registered.
	resp, err = http.Get(base[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	for _, re := range []string{
		fmt.Sprintf(`(?m)^go5g_amf_registrations_total\{cause="",result="accepted"\} %d$`, want),
		`(?m)^go5g_amf_registered_ues 0$`,
	} {
		if !regexp.MustCompile(re).Match(text) {
			t.Errorf("/metrics lacks %s", re)
		}
	}
}
