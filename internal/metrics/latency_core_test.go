package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"go5g/internal/core"
	"go5g/internal/core/coretest"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/netns/netnstest"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
	"go5g/internal/testenv"
	"go5g/internal/tun"
)

// TestCoreProcedureLatency runs every timed procedure once through the
// real core, in-process over SCTP over UDP on loopback (registration, PDU
// session establishment, release to CM-IDLE, service request, UE-initiated
// deregistration), and reads /metrics as Prometheus would: each procedure's
// histogram has exactly one observation, of a plausible duration.
func TestCoreProcedureLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a core")
	}
	// A PDU session needs the UPF, whose N3 and TUN live in a namespace
	// of the test's own.
	testenv.NeedRoot(t)
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	ns := netnstest.New(t).NS("core")
	cfg := coretest.WithUserPlane(coretest.Config(t.TempDir()), "127.0.0.2:2152", "n6lat")
	cfg.UPF.N6.Addresses = []string{"10.45.255.254/32"}
	cfg.SMF.DNNs[0].IPv6Pool = ""
	cfg.Metrics.Token = "scrape-token"
	c, err := core.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.OpenUserPlane = ns.Do
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("core: %v", err)
		}
	}()
	select {
	case <-c.Ready():
	case err := <-done:
		t.Fatalf("core: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("core not ready after 30 s")
	}
	k := [16]byte{0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc}
	opc := [16]byte{0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf}
	err = c.Store().AddSubscribers(context.Background(), store.Subscriber{
		SUPI: "imsi-001010000000001", K: store.Secret(k[:]), OPc: store.Secret(opc[:]), AMF: [2]byte{0x80, 0x00},
		AuthMethod: store.AuthMethod5GAKA, SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
		DNNs: []string{"internet"}, AMBR: store.AMBR{Uplink: 1e9, Downlink: 2e9},
	})
	if err != nil {
		t.Fatal(err)
	}
	scrape := func() map[string]float64 {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+c.APIAddr().String()+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer scrape-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("scrape: %d %v", resp.StatusCode, err)
		}
		return parseText(t, string(b))
	}
	count := func(proc string) string {
		return `go5g_amf_procedure_duration_seconds_count{procedure="` + proc + `"}`
	}
	// waitCount polls until the procedure's count is want: the AMF
	// observes at the procedure's last message, a moment after the UE is done.
	waitCount := func(proc string, want float64) map[string]float64 {
		t.Helper()
		var got map[string]float64
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			got = scrape()
			if got[count(proc)] == want || time.Now().After(deadline) {
				break
			}
		}
		if g := got[count(proc)]; g != want {
			t.Fatalf("%s = %v, want %v", count(proc), g, want)
		}
		return got
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	plmn := n2.PLMN{MCC: "001", MNC: "01"}
	g, err := gnb.Connect(ctx, gnb.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP, SCTP: sctp.Options{RemoteUDPPort: coretest.UDPPort(c)},
		ID: n2.GlobalGNBID{PLMN: plmn, ID: 1, IDLength: 22}, Name: "gnb-latency",
		PLMN: plmn, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}}, CellID: 1 << 14,
		N3Addr: netip.MustParseAddr("127.0.0.1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(context.Background())
	supi, _ := suci.NewIMSI("001", "01", "0000000001")
	u, err := ue.New(ue.Config{SUPI: supi, K: k, OPc: opc, RequestedNSSAI: []n2.SNSSAI{{SST: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	before := scrape()
	for _, p := range []string{"registration", "pdu_session_establishment", "service_request", "deregistration"} {
		if v, ok := before[count(p)]; ok && v != 0 {
			t.Fatalf("%s = %v before any UE", count(p), v)
		}
	}

	if _, err := u.Register(ctx, g); err != nil {
		t.Fatalf("register: %v", err)
	}
	waitCount("registration", 1)
	if _, err := u.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4); err != nil {
		t.Fatalf("PDU session: %v", err)
	}
	waitCount("pdu_session_establishment", 1)
	if err := u.ReleaseConnection(ctx, n2.CauseUserInactivity); err != nil {
		t.Fatalf("release: %v", err)
	}
	// The AMF must see the UE in CM-IDLE before it comes back.
	for deadline := time.Now().Add(5 * time.Second); scrape()[`go5g_amf_connected_ues`] != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the AMF never saw the UE idle")
		}
	}
	if err := u.ServiceRequest(ctx, g); err != nil {
		t.Fatalf("service request: %v", err)
	}
	waitCount("service_request", 1)
	if err := u.Deregister(ctx, false); err != nil {
		t.Fatalf("deregister: %v", err)
	}
	got := waitCount("deregistration", 1)

	for _, p := range []string{"registration", "pdu_session_establishment", "service_request", "deregistration"} {
		n, sum := got[count(p)], got[`go5g_amf_procedure_duration_seconds_sum{procedure="`+p+`"}`]
		if n != 1 || sum <= 0 || sum > 10 {
			t.Errorf("%s: %v observations, %v s in all", p, n, sum)
		}
		t.Logf("%s took %.2f ms", p, sum*1000)
	}
	// Nothing was observed twice (a service request is not a PDU session
	// establishment, a deregistration's release not a second one).
	if v := got[count("pdu_session_establishment")]; v != 1 {
		t.Errorf("PDU session establishments observed: %v", v)
	}
}
