package api

import (
	"fmt"
	"strings"
	"testing"

	"go5g/internal/store/storetest"
)

func testSubscriberCRUD(t *testing.T, e *env) {
	w := e.mustStatus(e.operator, "POST", "/api/v1/subscribers", subJSON("imsi-001010000000001"), 201)
	var got subscriberOut
	e.decode(w, &got)
	if got.K != strings.Repeat("*", 28)+"0e0f" || got.OPc != strings.Repeat("*", 28)+"1e1f" {
		t.Fatalf("K/OPc shown as %q/%q, want masked with the last 4 hex digits", got.K, got.OPc)
	}
	if got.AMF != "8000" || got.AuthMethod != "5G_AKA" || len(got.SNSSAIs) != 1 || got.DNNs[0] != "internet" || got.AMBR.Uplink != "1 Gbps" {
		t.Fatalf("defaults: %+v", got)
	}
	if w.Header().Get("Location") != "/api/v1/subscribers/imsi-001010000000001" {
		t.Errorf("Location %q", w.Header().Get("Location"))
	}
	// Update with the masked keys sent back keeps them; other fields change.
	got.DNNs = []string{"internet", "ims"}
	got.AMBR.Downlink = "2 Gbps"
	body := fmt.Sprintf(`{"k":%q,"opc":%q,"dnns":["internet","ims"],"ambr":{"uplink":"1 Gbps","downlink":"2 Gbps"},"snssais":[{"sst":1},{"sst":2,"sd":"00000a"}],"defaultSnssai":{"sst":2,"sd":"00000a"}}`, got.K, got.OPc)
	e.mustStatus(e.operator, "PUT", "/api/v1/subscribers/imsi-001010000000001", body, 200)
	s, err := e.st.GetSubscriber(t.Context(), "imsi-001010000000001")
	if err != nil {
		t.Fatal(err)
	}
	want := storetest.Sample("imsi-001010000000001")
	if string(s.K) != string(want.K) || string(s.OPc) != string(want.OPc) || len(s.DNNs) != 2 || s.AMBR.Downlink != 2e9 || s.DefaultSNSSAI.SST != 2 {
		t.Fatalf("after update: %v", s)
	}
	// A new K replaces the old one.
	e.mustStatus(e.operator, "PUT", "/api/v1/subscribers/imsi-001010000000001", `{"k":"0f0e0d0c0b0a09080706050403020100"}`, 200)
	if s, _ := e.st.GetSubscriber(t.Context(), "imsi-001010000000001"); s.K[0] != 0x0f || len(s.DNNs) != 2 {
		t.Fatalf("after K update: K[0]=%x DNNs %v", s.K[0], s.DNNs)
	}
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/subscribers/imsi-001010000000001", "", 200), &got)
	if got.K != strings.Repeat("*", 28)+"0100" {
		t.Fatalf("GET shows K as %q", got.K)
	}
	e.mustStatus(e.operator, "DELETE", "/api/v1/subscribers/imsi-001010000000001", "", 204)
	e.problemOf(e.do(e.operator, "GET", "/api/v1/subscribers/imsi-001010000000001", ""), 404, "")
	// The audit log has all three changes, newest first, by olivia.
	var page struct{ Items []auditOut }
	e.decode(e.mustStatus(e.admin, "GET", "/api/v1/audit?limit=4", "", 200), &page)
	acts := []string{}
	for _, it := range page.Items[:4] {
		acts = append(acts, it.Action+" "+it.Actor+" "+it.Target)
	}
	wantActs := []string{
		"subscriber.delete user:olivia imsi-001010000000001",
		"subscriber.update user:olivia imsi-001010000000001",
		"subscriber.update user:olivia imsi-001010000000001",
		"subscriber.create user:olivia imsi-001010000000001",
	}
	if strings.Join(acts, "\n") != strings.Join(wantActs, "\n") {
		t.Fatalf("audit:\n%s\nwant\n%s", strings.Join(acts, "\n"), strings.Join(wantActs, "\n"))
	}
	if page.Items[1].Detail != "changed k" {
		t.Errorf("audit detail of the K update %q", page.Items[1].Detail)
	}
}

func testSubscriberErrors(t *testing.T, e *env) {
	const path = "/api/v1/subscribers"
	for _, tc := range []struct {
		body   string
		status int
		field  string
	}{
		{`{"supi":`, 400, ""},
		{`[1]`, 400, ""},
		{`{"supi":"imsi-001010000000001","k":"00","opc":"101112131415161718191a1b1c1d1e1f"}`, 400, "k"},
		{`{"supi":"imsi-001010000000001","k":"000102030405060708090a0b0c0d0e0f","opc":"zz1112131415161718191a1b1c1d1e1f"}`, 400, "opc"},
		{`{"supi":"imsi-00101","k":"000102030405060708090a0b0c0d0e0f","opc":"101112131415161718191a1b1c1d1e1f"}`, 400, "supi"},
		{`{"supi":"imsi-001010000000001","k":"000102030405060708090a0b0c0d0e0f"}`, 400, "opc"},
		{`{"supi":"imsi-001010000000001","kk":"x"}`, 400, "kk"},
		{`{"supi":5}`, 400, "supi"},
		{strings.TrimSuffix(subJSON("imsi-001010000000001"), "}") + `,"dnns":["bad dnn"]}`, 400, "dnns"},
		{strings.TrimSuffix(subJSON("imsi-001010000000001"), "}") + `,"ambr":{"uplink":"fast","downlink":"1 Gbps"}}`, 400, "ambr.uplink"},
		{strings.TrimSuffix(subJSON("imsi-001010000000001"), "}") + `,"defaultSnssai":{"sst":9}}`, 400, "defaultSnssai"},
		{strings.TrimSuffix(subJSON("imsi-001010000000001"), "}") + `,"authMethod":"MD5"}`, 400, "authMethod"},
	} {
		w := e.do(e.operator, "POST", path, tc.body)
		e.problemOf(w, tc.status, tc.field)
	}
	w := e.request(e.operator, "POST", path, subJSON("imsi-001010000000001"), "text/plain")
	e.problemOf(w, 415, "")
	e.mustStatus(e.operator, "POST", path, subJSON("imsi-001010000000001"), 201)
	e.problemOf(e.do(e.operator, "POST", path, subJSON("imsi-001010000000001")), 409, "")
	e.problemOf(e.do(e.operator, "PUT", path+"/imsi-001010000000002", `{}`), 404, "")
	e.problemOf(e.do(e.operator, "PUT", path+"/imsi-001010000000001", `{"supi":"imsi-001010000000002"}`), 400, "supi")
	e.problemOf(e.do(e.operator, "DELETE", path+"/imsi-001010000000002", ""), 404, "")
	e.problemOf(e.do(e.operator, "GET", path+"/imsi-1", ""), 400, "supi")
	e.problemOf(e.do(e.operator, "GET", path+"?limit=0", ""), 400, "limit")
	e.problemOf(e.do(e.operator, "GET", path+"?limit=1001", ""), 400, "limit")
	e.problemOf(e.do(e.operator, "GET", path+"?cursor=!!", ""), 400, "cursor")
	e.problemOf(e.do(e.operator, "GET", path+"?prefix=abc", ""), 400, "prefix")
}

func testListPaging(t *testing.T, e *env) {
	subs, err := storetest.Sample("imsi-001010000000001").Range(250)
	if err != nil {
		t.Fatal(err)
	}
	more, _ := storetest.Sample("imsi-999990000000001").Range(5)
	if err := e.st.AddSubscribers(t.Context(), append(subs, more...)...); err != nil {
		t.Fatal(err)
	}
	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		var p listPage
		e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/subscribers?prefix=00101&limit=100&cursor="+cursor, "", 200), &p)
		if (pages == 0) != (p.Total != nil) || (p.Total != nil && *p.Total != 250) {
			t.Fatalf("page %d: total %v, want 250 on the first page only", pages, p.Total)
		}
		for _, it := range p.Items {
			all = append(all, it.SUPI)
		}
		if p.NextCursor == "" {
			if pages != 2 || len(p.Items) != 50 {
				t.Fatalf("last page %d has %d items", pages, len(p.Items))
			}
			break
		}
		cursor = p.NextCursor
	}
	if len(all) != 250 || all[0] != "imsi-001010000000001" || all[249] != "imsi-001010000000250" {
		t.Fatalf("paged through %d SUPIs, %s..%s", len(all), all[0], all[len(all)-1])
	}
	var p listPage
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/subscribers", "", 200), &p)
	if p.Total == nil || *p.Total != 255 || len(p.Items) != 100 || p.NextCursor == "" {
		t.Fatalf("default page: total %v, %d items", p.Total, len(p.Items))
	}
	p = listPage{}
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/subscribers?prefix=imsi-99999", "", 200), &p)
	if p.Total == nil || *p.Total != 5 || len(p.Items) != 5 || p.NextCursor != "" {
		t.Fatalf("prefix page: total %v, %d items, cursor %q", p.Total, len(p.Items), p.NextCursor)
	}
}

// csvOf builds an import file of n subscribers from first, with bad rows
// at the given 0-based indices (a short K, a bad SUPI, a bad S-NSSAI in
// turn).
func csvOf(first uint64, n int, bad ...int) string {
	var b strings.Builder
	b.WriteString("supi,k,opc,snssais,dnns\n")
	for i := range n {
		supi := fmt.Sprintf("imsi-%015d", first+uint64(i))
		k, sl := "000102030405060708090a0b0c0d0e0f", "1;2:00000a"
		for j, x := range bad {
			if x == i {
				switch j % 3 {
				case 0:
					k = "0001"
				case 1:
					supi = "imsi-12"
				case 2:
					sl = "1;2:xyz"
				}
			}
		}
		fmt.Fprintf(&b, "%s,%s,101112131415161718191a1b1c1d1e1f,%s,internet;ims\n", supi, k, sl)
	}
	return b.String()
}

func testImport(t *testing.T, e *env) {
	const path = "/api/v1/subscribers:import"
	w := e.request(e.operator, "POST", path, csvOf(1010000000001, 1000, 10, 500, 998), "text/csv")
	p := e.problemOf(w, 400, "k")
	lines := []int{}
	fields := []string{}
	for _, re := range p.Errors {
		lines, fields = append(lines, re.Line), append(fields, re.Field)
	}
	// Row index i is on line i+2 (the header is line 1).
	if fmt.Sprint(lines) != "[12 502 1000]" || fmt.Sprint(fields) != "[k supi snssais]" {
		t.Fatalf("bad rows at lines %v fields %v, want [12 502 1000] [k supi snssais]", lines, fields)
	}
	if n, _ := e.st.CountSubscribers(t.Context(), "", 0); n != 0 {
		t.Fatalf("%d subscribers written by a failed import", n)
	}
	w = e.request(e.operator, "POST", path, csvOf(1010000000001, 1000), "text/csv")
	if w.Code != 201 || !strings.Contains(w.Body.String(), `"imported":1000`) {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	s, err := e.st.GetSubscriber(t.Context(), "imsi-001010000000500")
	if err != nil || len(s.SNSSAIs) != 2 || s.SNSSAIs[1].SD != "00000a" || len(s.DNNs) != 2 {
		t.Fatalf("imported subscriber: %v, %v", s, err)
	}
	// Overlapping an existing range: every clash listed, nothing written.
	w = e.request(e.operator, "POST", path, csvOf(1010000000999, 5), "text/csv")
	p = e.problemOf(w, 409, "supi")
	if len(p.Errors) != 2 || p.Errors[0].Line != 2 || p.Errors[1].Line != 3 || p.Errors[1].SUPI != "imsi-001010000001000" {
		t.Fatalf("clashes: %+v", p.Errors)
	}
	if n, _ := e.st.CountSubscribers(t.Context(), "", 0); n != 1000 {
		t.Fatalf("%d subscribers after a refused import, want 1000", n)
	}
	// JSON: line numbers of the objects, a repeated SUPI, an unknown field.
	body := "[\n" + subJSON("imsi-002010000000001") + ",\n" + subJSON("imsi-002010000000001") +
		",\n{\"supi\":\"imsi-002010000000003\",\n \"colour\":\"red\"}\n]"
	p = e.problemOf(e.request(e.operator, "POST", path, body, "application/json"), 400, "supi")
	if len(p.Errors) != 2 || p.Errors[0].Line != 3 || p.Errors[1].Line != 4 || p.Errors[1].Field != "colour" {
		t.Fatalf("JSON import errors: %+v", p.Errors)
	}
	w = e.request(e.operator, "POST", path, "[\n"+subJSON("imsi-002010000000001")+"\n]", "application/json")
	if w.Code != 201 {
		t.Fatalf("JSON import: %d %s", w.Code, w.Body)
	}
	e.problemOf(e.request(e.operator, "POST", path, "supi,colour\n", "text/csv"), 400, "body")
	e.problemOf(e.request(e.operator, "POST", path, "x", "application/xml"), 415, "")
	var page struct{ Items []auditOut }
	e.decode(e.mustStatus(e.admin, "GET", "/api/v1/audit?limit=2", "", 200), &page)
	if page.Items[0].Action != "subscriber.import" || page.Items[0].Detail != "1 subscribers" ||
		page.Items[1].Target != "imsi-001010000000001..imsi-001010000001000" {
		t.Fatalf("import audit: %+v", page.Items)
	}
}

func testExport(t *testing.T, e *env) {
	subs, _ := storetest.Sample("imsi-001010000000001").Range(3)
	if err := e.st.AddSubscribers(t.Context(), subs...); err != nil {
		t.Fatal(err)
	}
	const fullK = "000102030405060708090a0b0c0d0e0f"
	w := e.mustStatus(e.readOnly, "GET", "/api/v1/subscribers:export", "", 200)
	if strings.Contains(w.Body.String(), fullK) || strings.Count(w.Body.String(), "\n") != 4 || !strings.HasPrefix(w.Body.String(), "supi,k,opc,") {
		t.Fatalf("CSV export:\n%s", w.Body)
	}
	w = e.mustStatus(e.readOnly, "GET", "/api/v1/subscribers:export?format=json", "", 200)
	var out []subscriberOut
	e.decode(w, &out)
	if len(out) != 3 || out[2].SUPI != "imsi-001010000000003" || strings.Contains(w.Body.String(), fullK) {
		t.Fatalf("JSON export: %s", w.Body)
	}
	e.problemOf(e.do(e.operator, "GET", "/api/v1/subscribers:export?secrets=true", ""), 403, "secrets")
	e.problemOf(e.do(e.admin, "GET", "/api/v1/subscribers:export?format=xml", ""), 400, "format")
	w = e.do(e.admin, "GET", "/api/v1/subscribers:export?secrets=true", "")
	if w.Code != 200 || strings.Count(w.Body.String(), fullK) != 3 {
		t.Fatalf("secrets export: %d\n%s", w.Code, w.Body)
	}
	// The secrets export re-imports into an empty store as it was.
	for _, s := range subs {
		if err := e.st.DeleteSubscriber(t.Context(), s.SUPI); err != nil {
			t.Fatal(err)
		}
	}
	if r := e.request(e.operator, "POST", "/api/v1/subscribers:import", w.Body.String(), "text/csv"); r.Code != 201 {
		t.Fatalf("re-import of the export: %d %s", r.Code, r.Body)
	}
	if got, _ := e.st.GetSubscriber(t.Context(), "imsi-001010000000002"); got.String() != subs[1].String() || string(got.K) != string(subs[1].K) {
		t.Fatalf("round trip: %v, want %v", got, subs[1])
	}
	var page struct{ Items []auditOut }
	e.decode(e.mustStatus(e.admin, "GET", "/api/v1/audit?limit=2", "", 200), &page)
	if page.Items[1].Action != "subscriber.export_secrets" || page.Items[1].Actor != "user:admin" {
		t.Fatalf("export not audited: %+v", page.Items)
	}
}
