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
	"go5g/internal/pgtest"
	"go5g/internal/sctp"
	"go5g/internal/sim/fleet"
	"go5g/internal/store"
	"go5g/internal/suci"
)

func TestKeysCoreSQLite(t *testing.T) { testKeysCore(t, "") }

func TestKeysCorePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a core")
	}
	testKeysCore(t, pgtest.Start(t))
}

// testKeysCore runs `go5g core` in-process over SQLite (dsn "") or the
// PostgreSQL database dsn, generates a Profile A key through its REST API,
// and registers a UE whose SUCI is concealed with that key's public half.
// Then it deletes the key through the API and registers again at once: the
// UDR's key cache (5 s TTL) must have been invalidated, so the SUCI cannot
// be deconcealed and the AMF rejects the UE with 5GMM cause #3.
//
// Spec: TS 33.501 §6.12.2, §C.3; TS 29.503 §6.3.7.3
// (INVALID_HN_PUBLIC_KEY_IDENTIFIER); TS 24.501 Annex A (#3 illegal UE)
func testKeysCore(t *testing.T, dsn string) {
	if testing.Short() {
		t.Skip("starts a core")
	}
	cfg := coretest.Config(t.TempDir())
	cfg.Store = dsn
	c := coretest.Start(t, cfg, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const supi = "imsi-001010000000042"
	token := provisionCore(t, ctx, c, store.RoleAdmin, supi)
	k, opc := testSecrets()
	call := func(method, path, body string, v any) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, "http://"+c.APIAddr().String()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if v != nil && resp.StatusCode/100 == 2 {
			if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
		return resp.StatusCode
	}

	var key struct {
		ID        uint8
		Profile   string
		PublicKey string
	}
	if code := call("POST", "/api/v1/keys", `{"id":5,"profile":"A"}`, &key); code != 201 {
		t.Fatalf("POST /api/v1/keys: %d", code)
	}
	pub, err := suci.ParsePublicKeyHex(suci.ProfileA, key.ID, key.PublicKey)
	if err != nil || key.ID != 5 || key.Profile != "A" {
		t.Fatalf("generated key %+v: %v", key, err)
	}

	first, err := suci.NewIMSI("001", "01", "0000000042")
	if err != nil {
		t.Fatal(err)
	}
	f, err := fleet.Connect(ctx, fleet.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP, SCTP: sctp.Options{RemoteUDPPort: coretest.UDPPort(c)},
		GNBs: 1, PLMN: n2.PLMN{MCC: "001", MNC: "01"}, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}},
		UEs: 1, FirstSUPI: first, K: k, OPc: opc, HomeNetworkKey: &pub, Concurrency: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())

	rep, err := f.Scenario(ctx, fleet.ScenarioOptions{Deregistration: fleet.Deregister})
	if err != nil || !rep.AllOK() {
		t.Fatalf("registration with the API's key: %v %+v", err, rep.UEs)
	}
	t.Logf("registered %s with SUCI profile A key 5 in %v", rep.UEs[0].SUPI, rep.UEs[0].Latency)

	if code := call("DELETE", "/api/v1/keys/5", "", nil); code != 204 {
		t.Fatalf("DELETE /api/v1/keys/5: %d", code)
	}
	rep, err = f.Scenario(ctx, fleet.ScenarioOptions{Deregistration: fleet.Deregister})
	if err != nil {
		t.Fatal(err)
	}
	// Spec: TS 24.501 Annex A: #3 for an identity the network does not accept.
	if r := rep.UEs[0]; r.OK || r.Reason != "registration rejected: #3 illegal UE" || r.GUTI != "" {
		t.Fatalf("registration after the key's deletion: ok %v reason %q GUTI %q, want rejected with #3", r.OK, r.Reason, r.GUTI)
	}

	// The audit log says who did it.
	var audit struct {
		Items []struct{ Actor, Action, Target string }
	}
	if code := call("GET", "/api/v1/audit?limit=2", "", &audit); code != 200 || len(audit.Items) != 2 {
		t.Fatalf("audit: %d %+v", code, audit.Items)
	}
	if a := audit.Items[0]; a.Action != "key.delete" || a.Target != "5" || !strings.HasPrefix(a.Actor, "token:") {
		t.Errorf("newest audit entry %+v, want key.delete 5 by the token", a)
	}
	if a := audit.Items[1]; a.Action != "key.create" || a.Target != "5" {
		t.Errorf("audit entry %+v, want key.create 5", a)
	}
}
