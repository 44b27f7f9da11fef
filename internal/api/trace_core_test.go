package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"go5g/internal/core/coretest"
	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/fleet"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// TestTraceCore registers a UE through a simulated gNB with `go5g core`
// in-process and reads its ladder over the REST API with a read-only
// token: Registration request to Registration complete, in order, each
// with its direction and NAS security header type.
func TestTraceCore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a core")
	}
	c := coretest.Start(t, coretest.Config(t.TempDir()), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	supi := "imsi-001010000000001"
	token := provisionCore(t, ctx, c, store.RoleReadOnly, supi)
	k, opc := testSecrets()
	type item struct {
		OffsetMS                                       int64
		From, To, Interface, Message, Security, Detail string
	}
	get := func(path string) (int, []item) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+c.APIAddr().String()+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Items []item }
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
		return resp.StatusCode, out.Items
	}
	if code, _ := get("/api/v1/ues/" + supi + "/trace"); code != 404 {
		t.Errorf("trace before registration: %d, want 404", code)
	}

	first, err := suci.NewIMSI("001", "01", "0000000001")
	if err != nil {
		t.Fatal(err)
	}
	f, err := fleet.Connect(ctx, fleet.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP, SCTP: sctp.Options{RemoteUDPPort: coretest.UDPPort(c)},
		GNBs: 1, PLMN: n2.PLMN{MCC: "001", MNC: "01"}, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}},
		UEs: 1, FirstSUPI: first, K: k, OPc: opc, Concurrency: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	if rep, err := f.Scenario(ctx, fleet.ScenarioOptions{Deregistration: fleet.NoDeregistration}); err != nil || !rep.AllOK() {
		t.Fatalf("scenario: %v %+v", err, rep)
	}

	var nas []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		code, items := get("/api/v1/ues/" + supi + "/trace")
		if code != 200 {
			t.Fatalf("GET trace: %d", code)
		}
		nas = nas[:0]
		for i, it := range items {
			if i > 0 && it.OffsetMS < items[i-1].OffsetMS {
				t.Fatalf("offsets go back: %+v", items)
			}
			if it.Interface == "NAS-5GMM" {
				nas = append(nas, it.From+">"+it.To+" "+it.Message+" ["+it.Security+"]")
			}
		}
		if len(nas) >= 7 || time.Now().After(deadline) {
			break
		}
	}
	want := []string{
		"UE>AMF Registration request [plain]",
		"AMF>UE Authentication request [plain]",
		"UE>AMF Authentication response [plain]",
		"AMF>UE Security mode command [integrity, new context]",
		"UE>AMF Security mode complete [integrity+ciphered, new context]",
		"AMF>UE Registration accept [integrity+ciphered]",
		"UE>AMF Registration complete [integrity+ciphered]",
	}
	if strings.Join(nas, "\n") != strings.Join(want, "\n") {
		t.Errorf("NAS in the trace:\n  %s\nwant\n  %s", strings.Join(nas, "\n  "), strings.Join(want, "\n  "))
	}
	if code, _ := get("/api/v1/ues/imsi-001019999999999/trace"); code != 404 {
		t.Errorf("unknown UE: %d, want 404", code)
	}
}
