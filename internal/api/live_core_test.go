package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"go5g/internal/auth"
	"go5g/internal/core"
	"go5g/internal/core/coretest"
	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/fleet"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// testSecrets are the K and OPc of the subscribers provisionCore adds
// (TS 35.208 test set 1).
func testSecrets() (k, opc [16]byte) {
	return [16]byte{0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc},
		[16]byte{0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf}
}

// provisionCore adds supis with the test K and OPc to the in-process
// core's store and returns a new API token of role for calling its API.
func provisionCore(t *testing.T, ctx context.Context, c *core.Core, role store.Role, supis ...string) string {
	t.Helper()
	k, opc := testSecrets()
	for _, supi := range supis {
		err := c.Store().AddSubscribers(ctx, store.Subscriber{
			SUPI: supi, K: store.Secret(k[:]), OPc: store.Secret(opc[:]), AMF: [2]byte{0x80, 0x00},
			AuthMethod: store.AuthMethod5GAKA, SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
			DNNs: []string{"internet"}, AMBR: store.AMBR{Uplink: 1e9, Downlink: 2e9},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	acc, err := store.AccountsOf(c.Store())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(acc, auth.Config{})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.CreateAPIToken(ctx, t.Name(), role, "test")
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// TestLiveCore stands up `go5g core` in-process, registers three UEs
// through a simulated gNB over SCTP over UDP on loopback, and reads them
// back over the core's own REST API with a read-only token: the UEs page
// by SUPI, the gNB is listed with its TAC, and the status says the user
// plane is off (coretest embeds no UPF).
func TestLiveCore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a core")
	}
	c := coretest.Start(t, coretest.Config(t.TempDir()), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	supis := []string{"imsi-001010000000001", "imsi-001010000000002", "imsi-001010000000003"}
	token := provisionCore(t, ctx, c, store.RoleReadOnly, supis...)
	k, opc := testSecrets()
	get := func(path string, v any) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+c.APIAddr().String()+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
		return resp.StatusCode
	}

	type ue struct {
		SUPI, GUTI, State, CMState, GNBName string
	}
	var none struct{ Items []ue }
	if code := get("/api/v1/ues", &none); code != 200 || len(none.Items) != 0 {
		t.Fatalf("UEs before any registration: %d %+v", code, none.Items)
	}

	first, err := suci.NewIMSI("001", "01", "0000000001")
	if err != nil {
		t.Fatal(err)
	}
	f, err := fleet.Connect(ctx, fleet.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP, SCTP: sctp.Options{RemoteUDPPort: coretest.UDPPort(c)},
		GNBs: 1, PLMN: n2.PLMN{MCC: "001", MNC: "01"}, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}},
		UEs: len(supis), FirstSUPI: first, K: k, OPc: opc, Concurrency: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	rep, err := f.Scenario(ctx, fleet.ScenarioOptions{Deregistration: fleet.NoDeregistration})
	if err != nil || !rep.AllOK() {
		t.Fatalf("scenario: %v %+v", err, rep)
	}

	// The AMF enters 5GMM-REGISTERED on REGISTRATION COMPLETE, a moment
	// after the UE is done: poll for the last UE.
	var got []ue
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got = got[:0]
		cursor := ""
		for range len(supis) + 1 {
			var p struct {
				Items      []ue
				NextCursor string
			}
			if code := get("/api/v1/ues?limit=2&cursor="+cursor, &p); code != 200 {
				t.Fatalf("GET /api/v1/ues: %d", code)
			}
			if len(p.Items) > 2 {
				t.Fatalf("page of %d, limit 2", len(p.Items))
			}
			got = append(got, p.Items...)
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		done := len(got) == len(supis)
		for _, u := range got {
			done = done && u.State == "5GMM-REGISTERED"
		}
		if done || time.Now().After(deadline) {
			break
		}
	}
	var gotSUPIs []string
	for _, u := range got {
		gotSUPIs = append(gotSUPIs, u.SUPI)
		if u.State != "5GMM-REGISTERED" || u.GUTI == "" {
			t.Errorf("UE %+v: want 5GMM-REGISTERED with a 5G-GUTI", u)
		}
	}
	if !slices.Equal(gotSUPIs, supis) {
		t.Fatalf("UEs %v, want %v", gotSUPIs, supis)
	}

	var one ue
	if code := get("/api/v1/ues/"+supis[0], &one); code != 200 || one.SUPI != supis[0] || one.GUTI != got[0].GUTI {
		t.Errorf("GET /api/v1/ues/%s: %d %+v", supis[0], code, one)
	}
	if code := get("/api/v1/ues/imsi-001019999999999", &one); code != 404 {
		t.Errorf("unknown UE: %d, want 404", code)
	}
	if one.CMState == "CM-CONNECTED" && one.GNBName == "" {
		t.Errorf("connected UE without its gNB: %+v", one)
	}

	var gnbs struct {
		Items []struct {
			Name         string
			Address      string
			NGSetup      bool `json:"ngSetup"`
			SupportedTAs []struct{ TAC uint32 }
		}
	}
	if code := get("/api/v1/gnbs", &gnbs); code != 200 || len(gnbs.Items) != 1 {
		t.Fatalf("gnbs: %d %+v", code, gnbs.Items)
	}
	g := gnbs.Items[0]
	if !g.NGSetup || g.Name == "" || g.Address == "" || len(g.SupportedTAs) != 1 || g.SupportedTAs[0].TAC != 1 {
		t.Errorf("gnb %+v", g)
	}

	var st struct {
		NFs []struct {
			Name     string
			Running  bool
			Counters map[string]int64
		}
		UserPlane struct {
			On     bool
			Reason string
		}
	}
	if code := get("/api/v1/status", &st); code != 200 {
		t.Fatalf("status: %d", code)
	}
	byName := map[string]int{}
	for i, nf := range st.NFs {
		byName[nf.Name] = i
	}
	if i, ok := byName["amf"]; !ok || !st.NFs[i].Running || st.NFs[i].Counters["uesRegistered"] != int64(len(supis)) || st.NFs[i].Counters["gnbs"] != 1 {
		t.Errorf("amf status %+v", st.NFs)
	}
	if i, ok := byName["upf"]; !ok || st.NFs[i].Running {
		t.Errorf("upf status %+v: coretest embeds no UPF", st.NFs)
	}
	if st.UserPlane.On || st.UserPlane.Reason == "" {
		t.Errorf("user plane %+v: want off with a reason", st.UserPlane)
	}
	var sessions struct{ Items []any }
	if code := get("/api/v1/sessions", &sessions); code != 200 || len(sessions.Items) != 0 {
		t.Errorf("sessions: %d %+v, want none", code, sessions.Items)
	}
	t.Logf("gnb %+v; ue %+v; user plane %q", g, got[0], st.UserPlane.Reason)
}
