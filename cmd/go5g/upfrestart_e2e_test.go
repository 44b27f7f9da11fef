package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go5g/internal/netns/netnstest"
	"go5g/internal/testenv"
	"go5g/internal/tun"
)

// Addresses of TestUPFRestartEndToEnd: the core (SMF N4, gNB N3) and the
// UPF (N4, N3) share a link; the UPF's N6 side has the data network.
const (
	urCore = "198.18.1.1"
	urUPF  = "198.18.1.2"
	urN6   = "198.18.2.1"
	urDN   = "198.18.2.2"
)

// TestUPFRestartEndToEnd runs the binaries as an operator would (issue
// requirement "UPF restart: the SMF notices (heartbeat, recovery time
// stamp) and restores sessions; traffic resumes"): `go5g core` with no UPF
// of its own and smf.upfs naming an external one, `go5g upf` in a
// namespace of its own, a data network host behind the UPF's N6, and
// `go5g sim --tun` with one UE. The UE pings the DN host; the UPF is
// killed with SIGKILL (no PFCP association release, its TUN and sessions
// gone) and started again. The SMF sees the new Recovery Time Stamp in a
// PFCP heartbeat, sets the association up again and re-establishes the
// session with the same F-TEIDs, so neither the gNB nor the UE is told:
// the pings are answered again, the API shows the same session (same UE
// address, same UL tunnel) and the SMF counts one establishment only.
//
// Spec: TS 23.527 §4.3.2; TS 29.244 §19.2, §6.2.2 (heartbeat, Recovery
// Time Stamp)
func TestUPFRestartEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the core, a UPF and the simulator")
	}
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ping")
	ipTool := testenv.NeedTool(t, "ip")
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	tp := netnstest.New(t)
	tp.Link(netnstest.End{Role: "core", Name: "upf", Addrs: []string{urCore + "/24"}},
		netnstest.End{Role: "upf", Name: "core", Addrs: []string{urUPF + "/24"}})
	tp.Link(netnstest.End{Role: "upf", Name: "dn", Addrs: []string{urN6 + "/24"}},
		netnstest.End{Role: "dn", Name: "upf", Addrs: []string{urDN + "/24"}})
	tp.Router("upf")
	tp.Route("dn", "10.45.0.0/16", urN6)
	coreNS := tp.NS("core")

	bin := buildBinary(t)
	dir := t.TempDir()
	inCore := nsWrapper(t, bin, tp.Name("core"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	upfCfg := filepath.Join(dir, "upf.yaml")
	writeFile(t, upfCfg, fmt.Sprintf("n4: {address: %q}\nn3: {address: %q, advertise: %s}\nworkers: 1\n",
		urUPF+":8805", urUPF+":2152", urUPF))
	startUPFProcess := func() *upfProcess {
		t.Helper()
		p := startUPF(t, exec.Command(ipTool, "netns", "exec", tp.Name("upf"), bin, "upf", "--config", upfCfg))
		t.Cleanup(p.kill)
		return p
	}
	upf1 := startUPFProcess()

	db := filepath.Join(dir, "go5g.db")
	mustRun(t, ctx, bin, "subscriber", "add", "--supi", "imsi-001010000000001", "--count", "1",
		"--k", demoK, "--opc", demoOPc, "--store", db)
	cfg := filepath.Join(dir, "core.yaml")
	writeFile(t, cfg, fmt.Sprintf(`store: %s
log: {level: info, format: json}
api: {address: "127.0.0.1:0"}
amf:
  n2: {address: "127.0.0.1:38412", transport: udp, udp_port: 9899}
smf:
  dnns:
    - {name: internet, ipv4_pool: 10.45.0.0/16, ipv6_pool: "", dns: [8.8.8.8]}
  upfs:
    - {name: upf1, n4_address: "%s:8805"}
  n4_address: "%s:8805"
  n4_heartbeat_interval: 1s
upf:
  enabled: false
`, db, urUPF, urCore))
	core := startCore(t, ctx, inCore, cfg)
	waitLog := func(what string, re *regexp.Regexp, logs func() string, d time.Duration) {
		t.Helper()
		for deadline := time.Now().Add(d); !re.MatchString(logs()); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s in %v:\ncore:\n%s\nUPF:\n%s", what, d, core.logsNow(), upf1.logs())
			}
		}
	}
	waitLog("PFCP association", regexp.MustCompile(`PFCP association up.*"upf":"upf1"`), core.logsNow, 30*time.Second)
	api := newAPIClient(t, coreNS, core)

	sim := startTUNSim(t, ctx, inCore, core, "001010000000001", 1, "--n3", urCore)
	ues := sim.sessions(t)
	if len(ues) != 1 {
		t.Fatalf("sim table has %d UEs with a session, want 1:\n%s\n%s", len(ues), sim.stdout.String(), sim.stderr.String())
	}
	u := ues[0]
	ping := func(what string, count int, wait time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for deadline := start.Add(wait); ; time.Sleep(200 * time.Millisecond) {
			out, err := exec.CommandContext(ctx, "ip", "netns", "exec", u.ns, "ping", "-n", "-c", fmt.Sprint(count),
				"-i", "0.2", "-W", "2", urDN).CombinedOutput()
			if err == nil && strings.Contains(string(out), fmt.Sprintf("%d received", count)) {
				t.Logf("%s: %d of %d pings answered: %s", what, count, count, lastLine(string(out)))
				return time.Since(start)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: pings from %s to %s not answered within %v: %v\n%s\ncore:\n%s\nUPF:\n%s\nsim:\n%s",
					what, u.ns, urDN, wait, err, out, core.logsNow(), upf1.logs(), sim.stderr.String())
			}
		}
	}
	ping("before the restart", 3, 30*time.Second)
	before := apiSessions(t, api)
	if len(before) != 1 || before[0].IPv4 != u.addr.String() || before[0].UL == nil {
		t.Fatalf("API sessions before the restart: %+v (UE %v)", before, u.addr)
	}

	// kill -9: no association release; the TUN, its routes and every
	// session go with the process.
	upf1.kill()
	exit := <-upf1.done
	upf1.done <- exit
	t.Logf("go5g upf after SIGKILL: %v", exit)
	// A Recovery Time Stamp has a resolution of one second (TS 29.244
	// §8.2.65): a UPF back within the same second would look unrestarted.
	time.Sleep(1100 * time.Millisecond)
	killed := time.Now()
	upf2 := startUPFProcess()
	upf1 = upf2 // what the failure messages show from now on

	restored := regexp.MustCompile(`PFCP sessions restored after UPF restart.*"upf":"upf1".*"sessions":1`)
	waitLog("session restoration", restored, core.logsNow, 60*time.Second)
	t.Logf("UPF restart to sessions restored: %v", time.Since(killed).Round(time.Millisecond))
	resumed := ping("after the restart", 1, 60*time.Second)
	t.Logf("restored to first answered ping: %v", resumed.Round(time.Millisecond))
	ping("after the restart", 5, 30*time.Second)

	after := apiSessions(t, api)
	if len(after) != 1 || after[0].IPv4 != before[0].IPv4 || after[0].UL == nil || *after[0].UL != *before[0].UL ||
		!after[0].Active {
		t.Errorf("API sessions after the restart %+v, want the same session as before %+v", after, before)
	}
	// The UE did not establish again: one establishment, one session.
	waitMetrics(t, coreNS, core, 10*time.Second, `(?m)^go5g_smf_pdu_session_establishments_total\{result="accepted"\} 1$`,
		`(?m)^go5g_smf_pdu_session_releases_total 0$`, `(?m)^go5g_smf_pdu_sessions 1$`)
	logs := core.logsNow()
	var pfcp strings.Builder
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "PFCP") {
			fmt.Fprintf(&pfcp, "\n  %s", l)
		}
	}
	t.Logf("UPF killed at %s; the core's PFCP log:%s", killed.Add(-1100*time.Millisecond).Format("15:04:05.000"), pfcp.String())
	for _, re := range []string{`PFCP peer restarted`, `"msg":"PFCP association up".*"upf":"upf1"`} {
		if !regexp.MustCompile(re).MatchString(logs) {
			t.Errorf("core logs lack %s", re)
		}
	}
	sim.stop(t, 1)
	core.stop(t)
}

// apiSession is one item of GET /api/v1/sessions.
type apiSession struct {
	SUPI   string     `json:"supi"`
	IPv4   string     `json:"ipv4"`
	UPF    string     `json:"upf"`
	UL     *tunnelDTO `json:"ulTunnel"`
	Active bool       `json:"userPlaneActive"`
}

type tunnelDTO struct {
	Addr string `json:"address"`
	TEID uint32 `json:"teid"`
}

// apiSessions lists the core's PDU sessions through its API.
func apiSessions(t *testing.T, a *apiClient) []apiSession {
	t.Helper()
	resp, err := a.client.Get(a.base + "/api/v1/sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Items []apiSession `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/sessions: %s, %v", resp.Status, err)
	}
	return out.Items
}
