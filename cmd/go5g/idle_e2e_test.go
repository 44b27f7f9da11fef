package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go5g/internal/netns"
	"go5g/internal/netns/netnstest"
	"go5g/internal/pcapcheck"
	"go5g/internal/testenv"
	"go5g/internal/tun"
)

// TestIdleModeEndToEnd runs the binary as a user would (issue 4, idle
// mode): `go5g core` in a namespace of its own, a data network host in
// another, and `go5g sim --tun --inactivity 2s`. The UE's user plane goes
// quiet, the gNB has it released (CM-IDLE, the session's DL FAR buffers);
// the DN host pings the UE: the UPF buffers and reports, the SMF asks the
// AMF, the AMF pages, the UE answers SERVICE REQUEST, Initial Context
// Setup re-activates the session and the UPF sends what it buffered: every
// ping is answered. Then, idle again, the UE pings the DN host: its TUN
// holds the packets, SERVICE REQUEST with Uplink data status re-activates
// the session, and the pings are answered. The API shows CM-IDLE and
// CM-CONNECTED in turn; tshark finds NGAP Paging and the Service Requests
// on N2, and nothing malformed.
//
// Spec: TS 23.502 §4.2.3.2, §4.2.3.3, §4.2.6; TS 38.413 §8.5.1, §8.3.2;
// TS 24.501 §5.6.1; TS 29.244 §5.2.3.1
func TestIdleModeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the core and the simulator")
	}
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ping")
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	if err := pcapcheck.Available(); err != nil {
		testenv.Skip(t, err.Error())
	}
	tp := netnstest.New(t)
	tp.Link(netnstest.End{Role: "core", Name: "dn", Addrs: []string{upCoreDN + "/24"}},
		netnstest.End{Role: "dn", Name: "core", Addrs: []string{upDNHost + "/24"}})
	tp.Router("core")
	tp.Route("dn", "10.45.0.0/16", upCoreDN)
	coreNS := tp.NS("core")

	bin := buildBinary(t)
	dir := t.TempDir()
	inCore := nsWrapper(t, bin, tp.Name("core"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	pcap := filepath.Join(dir, "n2n3n4.pcap")
	var capture *pcapcheck.Capture
	if err := coreNS.Do(func() error {
		var err error
		capture, err = pcapcheck.Start("lo", "udp port 9899 or udp port 8805 or udp port 2152", pcap)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer capture.Stop()

	db := filepath.Join(dir, "go5g.db")
	mustRun(t, ctx, bin, "subscriber", "add", "--supi", "imsi-001010000000001", "--count", "1",
		"--k", demoK, "--opc", demoOPc, "--store", db)
	cfg := filepath.Join(dir, "core.yaml")
	// NEA0 first, so that tshark reads the NAS inside NGAP.
	writeFile(t, cfg, strings.Replace(upCoreConfig(db, "10.45.0.0/16", "10.45.255.254/32"),
		"udp_port: 9899}\n", "udp_port: 9899}\n  ciphering: [NEA0, NEA2]\n", 1))
	core := startCore(t, ctx, inCore, cfg)
	api := newAPIClient(t, coreNS, core)

	sim := startTUNSim(t, ctx, inCore, core, "001010000000001", 1, "--inactivity", "2s")
	ues := sim.sessions(t)
	if len(ues) != 1 {
		t.Fatalf("sim table has %d UEs with a session, want 1:\n%s", len(ues), sim.stdout.String())
	}
	u := ues[0]
	waitCM := func(want string) time.Duration {
		t.Helper()
		start := time.Now()
		for deadline := start.Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if api.cmState(t, u.supi) == want {
				return time.Since(start)
			}
		}
		t.Fatalf("the API never showed %s in %s for %s\ncore:\n%s\nsim:\n%s", want, 30*time.Second, u.supi,
			core.logsNow(), sim.stderr.String())
		return 0
	}
	ping := func(ns, to string) {
		t.Helper()
		start := time.Now()
		out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "ping", "-n", "-c", "3", "-i", "0.3", "-w", "20", to).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "3 received") {
			t.Fatalf("ping %s from %s: %v\n%s\ncore:\n%s\nsim:\n%s", to, ns, err, out, core.logsNow(), sim.stderr.String())
		}
		// The first ping's RTT includes the way out of CM-IDLE.
		t.Logf("ping %s from %s: 3 of 3 answered in %v: %s", to, ns,
			time.Since(start).Round(time.Millisecond), lastLine(string(out)))
	}

	if st := api.cmState(t, u.supi); st != "CM-CONNECTED" {
		t.Logf("right after the session: %s", st)
	}
	t.Logf("quiet → CM-IDLE after %v", waitCM("CM-IDLE"))
	// Network triggered: the DN host pings the idle UE.
	ping(tp.Name("dn"), u.addr.String())
	waitCM("CM-CONNECTED")
	// UE triggered: idle again, the UE pings the DN host.
	t.Logf("quiet → CM-IDLE again after %v", waitCM("CM-IDLE"))
	ping(u.ns, upDNHost)
	waitCM("CM-CONNECTED")
	// The paging counters (internal/metrics/paging.go): one paging at
	// least, answered; nothing dropped.
	waitMetrics(t, coreNS, core, 10*time.Second, `(?m)^go5g_amf_paging_attempts_total [1-9]`,
		`(?m)^go5g_amf_pagings_total\{result="success"\} [1-9]`, `(?m)^go5g_amf_pagings_total\{result="failure"\} 0$`,
		`(?m)^go5g_amf_paging_messages_total\{result="sent"\} [1-9]`, `(?m)^go5g_amf_paging_messages_total\{result="dropped"\} 0$`)
	sim.stop(t, 1)
	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}
	logs := core.stop(t)

	decode := []string{"udp.port==9899,sctp", "sctp.ppi==60,ngap", "udp.port==8805,pfcp", "udp.port==2152,gtp"}
	problems, err := pcapcheck.Check(pcap, decode, nil)
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
	count := func(filter string) int {
		rows, err := pcapcheck.Fields(pcap, decode, filter, "frame.number")
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	checks := []struct {
		what, filter string
		min          int
	}{
		{"UE Context Release Request (user inactivity)", "ngap.procedureCode == 42 && ngap.radioNetwork == 20", 2},
		{"NGAP Paging", "ngap.procedureCode == 24", 1},
		{"SERVICE REQUEST, mobile terminated services", "nas_5gs.mm.message_type == 0x4c && nas_5gs.mm.serv_type == 2", 1},
		{"SERVICE REQUEST, data, with Uplink data status", "nas_5gs.mm.message_type == 0x4c && nas_5gs.mm.serv_type == 1 && nas_5gs.ul_data_sts_psi_1_b1 == 1", 1},
		{"Initial Context Setup Request with PDU sessions", "ngap.procedureCode == 14 && ngap.PDUSessionResourceSetupListCxtReq", 2},
		{"SERVICE ACCEPT with PDU session 1 active", "nas_5gs.mm.message_type == 0x4e && nas_5gs.pdu_ses_sts_psi_1_b1 == 1", 2},
		{"Initial Context Setup Response with the session's DL tunnel", "ngap.procedureCode == 14 && ngap.PDUSessionResourceSetupListCxtRes", 2},
		{"PFCP Session Report Request (downlink data report)", "pfcp.msg_type == 56 && pfcp.report_type.dldr == 1", 1},
	}
	for _, c := range checks {
		n := count(c.filter)
		t.Logf("tshark: %d × %s", n, c.what)
		if n < c.min {
			t.Errorf("tshark found %d frames of %s (%s), want at least %d", n, c.what, c.filter, c.min)
		}
	}
	// The signalling, in order, for the log.
	rows, err := pcapcheck.Fields(pcap, decode, "ngap.procedureCode == 14 || ngap.procedureCode == 15 || ngap.procedureCode == 24 || ngap.procedureCode == 41 || ngap.procedureCode == 42 || pfcp.msg_type == 56",
		"frame.time_relative", "_ws.col.Info")
	if err != nil {
		t.Fatal(err)
	}
	var timeline strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&timeline, "\n  %s", strings.Join(r, "  "))
	}
	t.Logf("N2/N4 timeline:%s", timeline.String())
	for _, re := range []string{`"msg":"paging"`, `SERVICE REQUEST accepted.*"service_type":2`, `SERVICE REQUEST accepted.*"service_type":1`} {
		if !regexp.MustCompile(re).MatchString(logs) {
			t.Errorf("core logs lack %s", re)
		}
	}
}

// apiClient is the core's REST API as its first admin, reached inside the
// core's namespace.
type apiClient struct {
	base   string
	client *http.Client
}

func newAPIClient(t *testing.T, ns *netns.NS, c *coreProcess) *apiClient {
	t.Helper()
	logs := c.logsNow()
	base := regexp.MustCompile(`"api":"(http://[^"]+)"`).FindStringSubmatch(logs)
	pw := regexp.MustCompile(`user "admin" with password (\S+)`).FindStringSubmatch(logs)
	if base == nil || pw == nil {
		t.Fatalf("core printed no API address or first admin password:\n%s", logs)
	}
	jar, _ := cookiejar.New(nil)
	a := &apiClient{base: base[1], client: &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(_ context.Context, network, addr string) (net.Conn, error) { return ns.Dial(network, addr) },
	}}}
	t.Cleanup(a.client.CloseIdleConnections)
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": pw[1]})
	resp, err := a.client.Post(a.base+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %s", resp.Status)
	}
	return a
}

// cmState is the UE's CM state as GET /api/v1/ues/{supi} shows it.
func (a *apiClient) cmState(t *testing.T, supi string) string {
	t.Helper()
	resp, err := a.client.Get(a.base + "/api/v1/ues/" + supi)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ue struct {
		CM string `json:"cmState"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ue); err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("%s (%v)", resp.Status, err)
	}
	return ue.CM
}
