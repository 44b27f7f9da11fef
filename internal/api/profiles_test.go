package api

import (
	"reflect"
	"strings"
	"testing"

	"go5g/internal/store"
)

const goldJSON = `{"name":"gold","authMethod":"EAP_AKA_PRIME","snssais":[{"sst":1},{"sst":2,"sd":"00000a"}],` +
	`"defaultSnssai":{"sst":2,"sd":"00000a"},"dnns":["internet","ims"],"ambr":{"uplink":"50 Mbps","downlink":"200 Mbps"}}`

func testProfiles(t *testing.T, e *env) {
	w := e.mustStatus(e.operator, "POST", "/api/v1/profiles", goldJSON, 201)
	if w.Header().Get("Location") != "/api/v1/profiles/gold" {
		t.Errorf("Location %q", w.Header().Get("Location"))
	}
	var got profileJSON
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/profiles/gold", "", 200), &got)
	if got.AuthMethod != "EAP_AKA_PRIME" || got.AMBR.Downlink != "200 Mbps" || got.DefaultSNSSAI.SD != "00000a" || len(got.DNNs) != 2 {
		t.Fatalf("GET gold: %+v", got)
	}
	// Defaults: 5G_AKA, the first S-NSSAI, no DNNs.
	e.mustStatus(e.token, "POST", "/api/v1/profiles", `{"name":"basic","snssais":[{"sst":3}],"ambr":{"uplink":"1 Mbps","downlink":"2 Mbps"}}`, 201)
	var list struct{ Items []profileJSON }
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/profiles", "", 200), &list)
	if len(list.Items) != 2 || list.Items[0].Name != "basic" || list.Items[0].AuthMethod != "5G_AKA" ||
		list.Items[0].DefaultSNSSAI.SST != 3 || list.Items[0].DNNs == nil || list.Items[1].Name != "gold" {
		t.Fatalf("list: %+v", list.Items)
	}
	e.problemOf(e.do(e.operator, "POST", "/api/v1/profiles", goldJSON), 409, "")
	e.problemOf(e.do(e.operator, "GET", "/api/v1/profiles/silver", ""), 404, "")

	for _, c := range []struct{ body, field string }{
		{`{"name":"Gold!","snssais":[{"sst":1}],"ambr":{"uplink":"1 Mbps","downlink":"1 Mbps"}}`, "name"},
		{`{"name":"x","snssais":[{"sst":1}]}`, "ambr"},
		{`{"name":"x","snssais":[{"sst":1}],"ambr":{"uplink":"fast","downlink":"1 Mbps"}}`, "ambr.uplink"},
		{`{"name":"x","snssais":[{"sst":1}],"ambr":{"uplink":"1 Mbps","downlink":"0"}}`, "ambr.downlink"},
		{`{"name":"x","snssais":[],"ambr":{"uplink":"1 Mbps","downlink":"1 Mbps"}}`, "snssais"},
		{`{"name":"x","snssais":[{"sst":1}],"defaultSnssai":{"sst":2},"ambr":{"uplink":"1 Mbps","downlink":"1 Mbps"}}`, "defaultSnssai"},
		{`{"name":"x","snssais":[{"sst":1}],"dnns":["a..b"],"ambr":{"uplink":"1 Mbps","downlink":"1 Mbps"}}`, "dnns"},
		{`{"name":"x","authMethod":"MD5","snssais":[{"sst":1}],"ambr":{"uplink":"1 Mbps","downlink":"1 Mbps"}}`, "authMethod"},
		{`{"name":"x","k":"00"}`, "k"},
		{`{"name":"x","snssais":[{"sst":300}]}`, "snssais.sst"},
	} {
		e.problemOf(e.do(e.operator, "POST", "/api/v1/profiles", c.body), 400, c.field)
	}

	// A subscriber from a profile takes every field it leaves out.
	const supi = "imsi-001010000000001"
	var sub subscriberOut
	e.decode(e.mustStatus(e.operator, "POST", "/api/v1/subscribers",
		`{"supi":"`+supi+`","k":"000102030405060708090a0b0c0d0e0f","opc":"101112131415161718191a1b1c1d1e1f","profile":"gold"}`, 201), &sub)
	if sub.AuthMethod != "EAP_AKA_PRIME" || len(sub.SNSSAIs) != 2 || sub.DefaultSNSSAI.SST != 2 ||
		strings.Join(sub.DNNs, ",") != "internet,ims" || sub.AMBR != (ambrJSON{"50 Mbps", "200 Mbps"}) {
		t.Fatalf("subscriber from gold: %+v", sub)
	}
	// What the request gives wins: its slices (and so their default), its
	// DNNs, one AMBR direction.
	e.decode(e.mustStatus(e.operator, "POST", "/api/v1/subscribers",
		`{"supi":"imsi-001010000000002","k":"000102030405060708090a0b0c0d0e0f","opc":"101112131415161718191a1b1c1d1e1f",`+
			`"profile":"gold","snssais":[{"sst":7}],"dnns":["iot"],"ambr":{"uplink":"5 Mbps"},"authMethod":"5G_AKA"}`, 201), &sub)
	if sub.AuthMethod != "5G_AKA" || len(sub.SNSSAIs) != 1 || sub.DefaultSNSSAI.SST != 7 ||
		strings.Join(sub.DNNs, ",") != "iot" || sub.AMBR != (ambrJSON{"5 Mbps", "200 Mbps"}) {
		t.Fatalf("subscriber over gold: %+v", sub)
	}
	e.problemOf(e.do(e.operator, "POST", "/api/v1/subscribers",
		`{"supi":"imsi-001010000000003","k":"000102030405060708090a0b0c0d0e0f","opc":"101112131415161718191a1b1c1d1e1f","profile":"silver"}`),
		400, "profile")
	// An update may name a profile too: it replaces what the update leaves out.
	e.decode(e.mustStatus(e.operator, "PUT", "/api/v1/subscribers/imsi-001010000000002", `{"profile":"basic","dnns":["iot"]}`, 200), &sub)
	if sub.AuthMethod != "5G_AKA" || sub.SNSSAIs[0].SST != 3 || strings.Join(sub.DNNs, ",") != "iot" || sub.AMBR.Uplink != "1 Mbps" {
		t.Fatalf("subscriber updated from basic: %+v", sub)
	}
	e.problemOf(e.do(e.operator, "PUT", "/api/v1/subscribers/imsi-001010000000002", `{"profile":"silver"}`), 400, "profile")

	// Import: a profile column, per row.
	csv := "supi,k,opc,profile,dnns,ambr.downlink\n" +
		"imsi-001010000000010,000102030405060708090a0b0c0d0e0f,101112131415161718191a1b1c1d1e1f,gold,,\n" +
		"imsi-001010000000011,000102030405060708090a0b0c0d0e0f,101112131415161718191a1b1c1d1e1f,silver,,\n" +
		"imsi-001010000000012,000102030405060708090a0b0c0d0e0f,101112131415161718191a1b1c1d1e1f,,,\n"
	w = e.request(e.operator, "POST", "/api/v1/subscribers:import", csv, "text/csv")
	p := e.problemOf(w, 400, "profile")
	if len(p.Errors) != 1 || p.Errors[0].Line != 3 || p.Errors[0].Field != "profile" {
		t.Fatalf("import with a missing profile: %+v", p.Errors)
	}
	csv = strings.Replace(csv, "silver,,", "basic,iot,3 Mbps", 1)
	if w := e.request(e.operator, "POST", "/api/v1/subscribers:import", csv, "text/csv"); w.Code != 201 {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	for _, c := range []struct {
		supi string
		want store.Subscriber
	}{
		{"imsi-001010000000010", store.Subscriber{AuthMethod: store.AuthMethodEAPAKAPrime, DNNs: []string{"internet", "ims"},
			AMBR: store.AMBR{Uplink: 50e6, Downlink: 200e6}}},
		{"imsi-001010000000011", store.Subscriber{AuthMethod: store.AuthMethod5GAKA, DNNs: []string{"iot"},
			AMBR: store.AMBR{Uplink: 1e6, Downlink: 3e6}}},
		{"imsi-001010000000012", store.Subscriber{AuthMethod: store.AuthMethod5GAKA, DNNs: []string{"internet"},
			AMBR: store.AMBR{Uplink: 1e9, Downlink: 1e9}}},
	} {
		s, err := e.st.GetSubscriber(t.Context(), c.supi)
		if err != nil {
			t.Fatal(err)
		}
		if s.AuthMethod != c.want.AuthMethod || !reflect.DeepEqual(s.DNNs, c.want.DNNs) || s.AMBR != c.want.AMBR {
			t.Errorf("%s: %v AMBR %+v, want %s %v %+v", c.supi, s, s.AMBR, c.want.AuthMethod, c.want.DNNs, c.want.AMBR)
		}
	}
	// A JSON import names the profile per object.
	body := `[{"supi":"imsi-001010000000020","k":"000102030405060708090a0b0c0d0e0f","opc":"101112131415161718191a1b1c1d1e1f","profile":"basic"}]`
	if w := e.request(e.operator, "POST", "/api/v1/subscribers:import", body, "application/json"); w.Code != 201 {
		t.Fatalf("JSON import: %d %s", w.Code, w.Body)
	}
	if s, err := e.st.GetSubscriber(t.Context(), "imsi-001010000000020"); err != nil || s.SNSSAIs[0].SST != 3 {
		t.Fatalf("JSON import from basic: %v %v", s, err)
	}

	// Update, rename refused, missing one.
	e.decode(e.mustStatus(e.operator, "PUT", "/api/v1/profiles/gold",
		`{"snssais":[{"sst":1}],"ambr":{"uplink":"1 Gbps","downlink":"1 Gbps"}}`, 200), &got)
	if got.Name != "gold" || got.AuthMethod != "5G_AKA" || len(got.SNSSAIs) != 1 || len(got.DNNs) != 0 {
		t.Fatalf("updated gold: %+v", got)
	}
	e.problemOf(e.do(e.operator, "PUT", "/api/v1/profiles/gold", `{"name":"platinum","snssais":[{"sst":1}],"ambr":{"uplink":"1 Gbps","downlink":"1 Gbps"}}`), 400, "name")
	e.problemOf(e.do(e.operator, "PUT", "/api/v1/profiles/silver", `{"snssais":[{"sst":1}],"ambr":{"uplink":"1 Gbps","downlink":"1 Gbps"}}`), 404, "")
	e.problemOf(e.do(e.operator, "PUT", "/api/v1/profiles/gold", `{"snssais":[{"sst":1}],"ambr":{"uplink":"1 Gbps","downlink":"0 bps"}}`), 400, "ambr.downlink")
	// Deleting a profile in use is fine: its subscribers hold copies.
	e.mustStatus(e.operator, "DELETE", "/api/v1/profiles/gold", "", 204)
	e.problemOf(e.do(e.operator, "DELETE", "/api/v1/profiles/gold", ""), 404, "")
	if s, err := e.st.GetSubscriber(t.Context(), supi); err != nil || s.AuthMethod != store.AuthMethodEAPAKAPrime || len(s.DNNs) != 2 {
		t.Fatalf("subscriber after its profile was deleted: %v %v", s, err)
	}

	var audit struct{ Items []auditOut }
	e.decode(e.mustStatus(e.admin, "GET", "/api/v1/audit?limit=100", "", 200), &audit)
	var acts []string
	for _, it := range audit.Items {
		if strings.HasPrefix(it.Action, "profile.") || it.Target == supi {
			acts = append(acts, it.Action+" "+it.Actor+" "+it.Target+" "+it.Detail)
		}
	}
	wantActs := []string{
		"profile.delete user:olivia gold ",
		"profile.update user:olivia gold ",
		"subscriber.create user:olivia imsi-001010000000001 from profile gold",
	}
	if len(acts) != 5 || strings.Join(acts[:3], "\n") != strings.Join(wantActs, "\n") ||
		!strings.HasPrefix(acts[3], "profile.create token:") || acts[4] != "profile.create user:olivia gold " {
		t.Fatalf("audit:\n%s", strings.Join(acts, "\n"))
	}
}
