package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go5g/internal/core/coretest"
	"go5g/internal/metrics"
	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/fleet"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// TestCoreScrape stands up `go5g core`'s control plane in-process,
// registers UEs through a simulated gNB over SCTP over UDP on loopback,
// and scrapes /metrics over HTTP with a bearer token.
func TestCoreScrape(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a core")
	}
	c := coretest.Start(t, coretest.Config(t.TempDir()), nil)
	k := [16]byte{0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc}
	opc := [16]byte{0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf}
	// Subscriber 1 exists; subscriber 2 (the fleet's second UE) does not.
	err := c.Store().AddSubscribers(context.Background(), store.Subscriber{
		SUPI: "imsi-001010000000001", K: store.Secret(k[:]), OPc: store.Secret(opc[:]), AMF: [2]byte{0x80, 0x00},
		AuthMethod: store.AuthMethod5GAKA, SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
		DNNs: []string{"internet"}, AMBR: store.AMBR{Uplink: 1e9, Downlink: 2e9},
	})
	if err != nil {
		t.Fatal(err)
	}

	reg := metrics.New()
	if err := reg.AddAMF(c.AMF()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(metrics.Handler(reg, "scrape-token"))
	defer srv.Close()
	scrape := func() map[string]float64 {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
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
	before := scrape()
	if v := before[`go5g_amf_registrations_total{cause="",result="accepted"}`]; v != 0 {
		t.Fatalf("accepted registrations %v before any UE", v)
	}

	first, err := suci.NewIMSI("001", "01", "0000000001")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f, err := fleet.Connect(ctx, fleet.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP, SCTP: sctp.Options{RemoteUDPPort: coretest.UDPPort(c)},
		GNBs: 1, PLMN: n2.PLMN{MCC: "001", MNC: "01"}, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}},
		UEs: 2, FirstSUPI: first, K: k, OPc: opc, Concurrency: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	rep, err := f.Scenario(ctx, fleet.ScenarioOptions{Deregistration: fleet.NoDeregistration})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.UEs[0].OK || rep.UEs[1].OK {
		t.Fatalf("UE outcomes %+v, want the first registered and the second refused", rep.UEs)
	}

	// The AMF counts the registration on REGISTRATION COMPLETE, a moment
	// after the UE is done: poll.
	var got map[string]float64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got = scrape()
		if got[`go5g_amf_registrations_total{cause="",result="accepted"}`] == 1 || time.Now().After(deadline) {
			break
		}
	}
	for k, v := range map[string]float64{
		`go5g_amf_registrations_total{cause="",result="accepted"}`: 1,
		`go5g_amf_ng_setups_total{result="accepted"}`:              1,
		`go5g_amf_ng_setups_total{result="rejected"}`:              0,
		`go5g_amf_nas_dropped_total{cause="mac"}`:                  0,
	} {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	// The unknown subscriber ends in a reject of some kind.
	rejects := 0.0
	for k, v := range got {
		if strings.HasPrefix(k, `go5g_amf_registrations_total{`) && !strings.HasPrefix(k, `go5g_amf_registrations_total{cause=""`) ||
			strings.HasPrefix(k, `go5g_amf_authentications_total{`) && strings.Contains(k, `result="failure"`) {
			rejects += v
		}
	}
	if rejects != 1 {
		t.Errorf("rejects (registration or authentication) = %v, want 1 for the unknown subscriber", rejects)
	}
	t.Logf("unknown subscriber: %s", rep.UEs[1].Reason)

	// Causes and methods come with the AMF's hooks.
	if _, ok := any(c.AMF()).(metrics.AMFRegistrationCauses); ok {
		if v := got[`go5g_amf_registrations_total{cause="illegal_ue",result="rejected"}`]; v != 1 {
			t.Errorf("registrations rejected with #3 illegal UE = %v, want 1", v)
		}
	}
	if _, ok := any(c.AMF()).(metrics.AMFAuthentications); ok {
		if v := got[`go5g_amf_authentications_total{method="5g_aka",result="success"}`]; v != 1 {
			t.Errorf("successful 5G-AKA authentications = %v, want 1", v)
		}
	}
	// Gauges come with the AMF's AMFGauges hook.
	if _, ok := any(c.AMF()).(metrics.AMFGauges); !ok {
		t.Log("the AMF has no UECounts/RANCounts yet: gauges not checked")
		return
	}
	checkGauges := func(when string, want map[string]float64) {
		t.Helper()
		var got map[string]float64
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			got = scrape()
			same := true
			for k, v := range want {
				same = same && got[k] == v
			}
			if same || time.Now().After(deadline) {
				break
			}
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%s: %s = %v (present %v), want %v", when, k, g, ok, v)
			}
		}
	}
	checkGauges("registered", map[string]float64{
		`go5g_amf_registered_ues`: 1, `go5g_amf_connected_ues`: 1,
		`go5g_amf_gnbs`: 1, `go5g_sctp_associations`: 1,
	})
	// The gNB goes away: its UE stays registered, in CM-IDLE.
	f.Close(context.Background())
	checkGauges("gNB gone", map[string]float64{
		`go5g_amf_registered_ues`: 1, `go5g_amf_connected_ues`: 0,
		`go5g_amf_gnbs`: 0, `go5g_sctp_associations`: 0,
	})
}
