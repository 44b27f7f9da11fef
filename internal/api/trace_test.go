package api

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"go5g/internal/amf"
)

var traceT0 = time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)

// Trace gives every UE of the fake the start of a registration.
func (f *fakeAMF) Trace(_ context.Context, supi string) ([]amf.TraceEvent, bool, error) {
	for _, u := range f.ues {
		if u.SUPI == supi {
			return []amf.TraceEvent{
				{Time: traceT0, From: "gNB", To: "AMF", Interface: "NGAP", Message: "InitialUEMessage"},
				{Time: traceT0, From: "UE", To: "AMF", Interface: "NAS-5GMM", Message: "Registration request", Security: "plain", Detail: "initial registration"},
				{Time: traceT0.Add(12 * time.Millisecond), From: "AMF", To: "UE", Interface: "NAS-5GMM", Message: "Registration reject", Security: "plain", Detail: "5GMM cause #22 congestion"},
			}, true, f.err
		}
	}
	return nil, false, f.err
}

func TestTrace(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	path := "/api/v1/ues/imsi-001010000000001/trace"
	e.problemOf(e.do(e.anon, "GET", path, ""), 401, "")
	e.problemOf(e.do(e.readOnly, "GET", path, ""), 503, "")

	f := &fakeAMF{}
	f.ues = append(f.ues, amf.UEDetail{SUPI: "imsi-001010000000001"})
	e.api.ues = struct{ UEs }{f} // UE contexts without traces
	e.problemOf(e.do(e.readOnly, "GET", path, ""), 503, "")

	e.api.ues = f
	w := e.do(e.readOnly, "GET", path, "")
	if w.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	var got struct {
		SUPI  string
		Items []map[string]any
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.SUPI != "imsi-001010000000001" || len(got.Items) != 3 {
		t.Fatalf("trace %s", w.Body)
	}
	want := []map[string]any{
		{"time": "2026-11-25T08:00:00Z", "offsetMs": 0.0, "from": "gNB", "to": "AMF", "interface": "NGAP", "message": "InitialUEMessage"},
		{"time": "2026-11-25T08:00:00Z", "offsetMs": 0.0, "from": "UE", "to": "AMF", "interface": "NAS-5GMM",
			"message": "Registration request", "security": "plain", "detail": "initial registration"},
		{"time": "2026-11-25T08:00:00.012Z", "offsetMs": 12.0, "from": "AMF", "to": "UE", "interface": "NAS-5GMM",
			"message": "Registration reject", "security": "plain", "detail": "5GMM cause #22 congestion"},
	}
	for i, it := range got.Items {
		a, _ := json.Marshal(it)
		b, _ := json.Marshal(want[i])
		if string(a) != string(b) {
			t.Errorf("item %d: %s, want %s", i, a, b)
		}
	}

	if p := e.problemOf(e.do(e.readOnly, "GET", "/api/v1/ues/imsi-001019999999999/trace", ""), 404, ""); p.Detail != "the AMF has no context for imsi-001019999999999" {
		t.Errorf("404 detail %q", p.Detail)
	}
	f.err = errors.New("amf: not running")
	e.problemOf(e.do(e.readOnly, "GET", path, ""), 500, "")
}
