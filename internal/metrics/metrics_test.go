package metrics_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"go5g/internal/amf"
	"go5g/internal/metrics"
	"go5g/internal/smf"
)

// statsAMF has only Stats, as the AMF has today.
type statsAMF struct{ s amf.Stats }

func (a statsAMF) Stats() amf.Stats { return a.s }

// hookedAMF has every optional hook the collector reads.
type hookedAMF struct{ statsAMF }

func (hookedAMF) UECounts() (registered, connected int) { return 7, 3 }
func (hookedAMF) RANCounts() (associations, gnbs int)   { return 2, 1 }
func (hookedAMF) RegistrationRejects(f func(cause uint8, n uint64)) {
	f(11, 4) // PLMN not allowed
	f(200, 1)
}
func (hookedAMF) Authentications(f func(method string, success bool, n uint64)) {
	f("5g_aka", true, 9)
	f("5g_aka", false, 2)
	f("eap_aka_prime", true, 1)
}

type fakeSMF struct{ s smf.Stats }

func (f fakeSMF) Stats() smf.Stats { return f.s }

var testStats = amf.Stats{
	NGSetupAccepted: 2, NGSetupRejected: 1, Registrations: 10, RegistrationRejects: 5,
	AuthenticationRejects: 2, Deregistrations: 3, NASDroppedMAC: 4, NASDroppedReplay: 5,
	NASDroppedUnprotected: 6, NASDroppedInvalid: 7, ErrorIndicationsSent: 8, UEsReleased: 9,
	ServiceAccepts: 11, ServiceRejects: 12, ConfigurationUpdates: 13,
}

// TestAMFCollectorStatsOnly: every amf.Stats field lands in its series;
// without the hooks, rejects have cause "unknown" and no gauge is made up.
func TestAMFCollectorStatsOnly(t *testing.T) {
	r := metrics.New()
	if err := r.AddAMF(statsAMF{testStats}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP go5g_amf_registrations_total Registrations that ended: accepted (REGISTRATION COMPLETE received) or rejected (REGISTRATION REJECT sent), by 5GMM cause (TS 24.501 §9.11.3.2; "unknown" when the AMF does not report causes).
# TYPE go5g_amf_registrations_total counter
go5g_amf_registrations_total{cause="",result="accepted"} 10
go5g_amf_registrations_total{cause="unknown",result="rejected"} 5
`
	if err := testutil.GatherAndCompare(r.Gatherer(), strings.NewReader(want), "go5g_amf_registrations_total"); err != nil {
		t.Error(err)
	}
	got := gatherValues(t, r)
	for k, v := range map[string]float64{
		`go5g_amf_authentications_total{method="unknown",result="failure"}`: 2,
		`go5g_amf_deregistrations_total`:                                    3,
		`go5g_amf_service_requests_total{result="accepted"}`:                11,
		`go5g_amf_service_requests_total{result="rejected"}`:                12,
		`go5g_amf_configuration_updates_total`:                              13,
		`go5g_amf_ng_setups_total{result="accepted"}`:                       2,
		`go5g_amf_ng_setups_total{result="rejected"}`:                       1,
		`go5g_amf_nas_dropped_total{cause="mac"}`:                           4,
		`go5g_amf_nas_dropped_total{cause="replay"}`:                        5,
		`go5g_amf_nas_dropped_total{cause="unprotected"}`:                   6,
		`go5g_amf_nas_dropped_total{cause="invalid"}`:                       7,
		`go5g_amf_error_indications_sent_total`:                             8,
		`go5g_amf_ue_context_releases_total`:                                9,
	} {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	for _, name := range []string{"go5g_amf_registered_ues", "go5g_amf_connected_ues", "go5g_amf_gnbs", "go5g_sctp_associations"} {
		if v, ok := got[name]; ok {
			t.Errorf("%s = %v without the AMFGauges hook, want absent", name, v)
		}
	}
}

// TestAMFCollectorHooks: the optional interfaces add causes, methods and
// gauges, and replace the "unknown" series.
func TestAMFCollectorHooks(t *testing.T) {
	r := metrics.New()
	if err := r.AddAMF(hookedAMF{statsAMF{testStats}}); err != nil {
		t.Fatal(err)
	}
	got := gatherValues(t, r)
	for k, v := range map[string]float64{
		`go5g_amf_registrations_total{cause="",result="accepted"}`:                 10,
		`go5g_amf_registrations_total{cause="plmn_not_allowed",result="rejected"}`: 4,
		`go5g_amf_registrations_total{cause="cause_200",result="rejected"}`:        1,
		`go5g_amf_authentications_total{method="5g_aka",result="success"}`:         9,
		`go5g_amf_authentications_total{method="5g_aka",result="failure"}`:         2,
		`go5g_amf_authentications_total{method="eap_aka_prime",result="success"}`:  1,
		`go5g_amf_registered_ues`: 7,
		`go5g_amf_connected_ues`:  3,
		`go5g_amf_gnbs`:           1,
		`go5g_sctp_associations`:  2,
	} {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	for _, k := range []string{`go5g_amf_registrations_total{cause="unknown",result="rejected"}`,
		`go5g_amf_authentications_total{method="unknown",result="failure"}`} {
		if _, ok := got[k]; ok {
			t.Errorf("%s present although the AMF reports causes and methods", k)
		}
	}
	if err := r.AddAMF(statsAMF{}); err == nil {
		t.Error("a second AMF was accepted")
	}
}

func TestSMFCollector(t *testing.T) {
	r := metrics.New()
	if err := r.AddSMF(fakeSMF{smf.Stats{Established: 5, Rejected: 2, Released: 1, Active: 4}}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP go5g_smf_pdu_sessions PDU sessions (SM contexts) the SMF holds.
# TYPE go5g_smf_pdu_sessions gauge
go5g_smf_pdu_sessions 4
# HELP go5g_smf_pdu_session_establishments_total PDU session establishments that ended, by result (accepted, rejected: PDU SESSION ESTABLISHMENT REJECT, TS 24.501 §6.4.1.4).
# TYPE go5g_smf_pdu_session_establishments_total counter
go5g_smf_pdu_session_establishments_total{result="accepted"} 5
go5g_smf_pdu_session_establishments_total{result="rejected"} 2
# HELP go5g_smf_pdu_session_releases_total PDU sessions released, for any reason.
# TYPE go5g_smf_pdu_session_releases_total counter
go5g_smf_pdu_session_releases_total 1
`
	if err := testutil.GatherAndCompare(r.Gatherer(), strings.NewReader(want),
		"go5g_smf_pdu_sessions", "go5g_smf_pdu_session_establishments_total", "go5g_smf_pdu_session_releases_total"); err != nil {
		t.Error(err)
	}
}

func TestProcedureLatency(t *testing.T) {
	r := metrics.New()
	r.Latency.Observe("registration", 0.003)
	r.Latency.Observe("registration", 0.2)
	r.Latency.Observe("service_request", 40)
	got := gatherValues(t, r)
	for k, v := range map[string]float64{
		`go5g_amf_procedure_duration_seconds_count{procedure="registration"}`:               2,
		`go5g_amf_procedure_duration_seconds_sum{procedure="registration"}`:                 0.203,
		`go5g_amf_procedure_duration_seconds_bucket{le="0.0025",procedure="registration"}`:  0,
		`go5g_amf_procedure_duration_seconds_bucket{le="0.005",procedure="registration"}`:   1,
		`go5g_amf_procedure_duration_seconds_bucket{le="0.25",procedure="registration"}`:    2,
		`go5g_amf_procedure_duration_seconds_bucket{le="30",procedure="service_request"}`:   0,
		`go5g_amf_procedure_duration_seconds_bucket{le="+Inf",procedure="service_request"}`: 1,
	} {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}

// TestLint runs promlint over everything a registry with every collector
// exposes, Go runtime and process collectors included.
func TestLint(t *testing.T) {
	r := metrics.New()
	r.AddAMF(hookedAMF{statsAMF{testStats}})
	r.AddSMF(fakeSMF{})
	if err := r.AddUPF("upf1", newTestUPF(t)); err != nil {
		t.Fatal(err)
	}
	r.Latency.Observe("registration", 0.01)
	mfs, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	probs, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	ours := 0
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "go5g_") {
			ours++
		}
	}
	// 13 AMF + 3 SMF + 5 UPF families + the histogram.
	if ours != 22 {
		t.Errorf("%d go5g_ families, want 22", ours)
	}
}

// TestHandler: the exposition is served on GET, with and without a
// bearer token, and refused otherwise.
func TestHandler(t *testing.T) {
	r := metrics.New()
	r.AddAMF(statsAMF{testStats})
	open := httptest.NewServer(metrics.Handler(r, ""))
	defer open.Close()
	locked := httptest.NewServer(metrics.Handler(r, "s3cret"))
	defer locked.Close()

	for _, tc := range []struct {
		name, url, method, auth string
		code                    int
	}{
		{"open", open.URL, "GET", "", 200},
		{"open HEAD", open.URL, "HEAD", "", 200},
		{"open POST", open.URL, "POST", "", 405},
		{"no token", locked.URL, "GET", "", 401},
		{"wrong token", locked.URL, "GET", "Bearer s3cre", 401},
		{"longer token", locked.URL, "GET", "Bearer s3crett", 401},
		{"basic scheme", locked.URL, "GET", "Basic s3cret", 401},
		{"bare token", locked.URL, "GET", "s3cret", 401},
		{"right token", locked.URL, "GET", "Bearer s3cret", 200},
		{"scheme case", locked.URL, "GET", "bearer s3cret", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, tc.url+"/metrics", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.code)
			}
			if tc.code == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
			}
			if tc.code == 200 && tc.method == "GET" {
				got := parseText(t, string(body))
				if v := got[`go5g_amf_registrations_total{cause="",result="accepted"}`]; v != 10 {
					t.Errorf("accepted registrations %v in the scrape, want 10", v)
				}
			}
			if tc.code != 200 && strings.Contains(string(body), "go5g_") {
				t.Error("metrics served to a refused request")
			}
		})
	}
}

// gatherValues is every sample of r, through the text exposition, as
// "name{labels}" → value.
func gatherValues(t *testing.T, r *metrics.Registry) map[string]float64 {
	t.Helper()
	mfs, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return parseText(t, b.String())
}

// parseText parses a text exposition into "name{labels}" → value, labels
// sorted by name; histograms give _bucket{le=...}, _sum and _count.
func parseText(t *testing.T, text string) map[string]float64 {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := make([]string, 0, len(m.GetLabel())+1)
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[key(name, labels)] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key(name, labels)] = m.GetGauge().GetValue()
			case dto.MetricType_UNTYPED:
				out[key(name, labels)] = m.GetUntyped().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				out[key(name+"_sum", labels)] = h.GetSampleSum()
				out[key(name+"_count", labels)] = float64(h.GetSampleCount())
				for _, b := range h.GetBucket() {
					le := strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64)
					out[key(name+"_bucket", append(slices.Clone(labels), fmt.Sprintf("le=%q", le)))] = float64(b.GetCumulativeCount())
				}
				out[key(name+"_bucket", append(slices.Clone(labels), `le="+Inf"`))] = float64(h.GetSampleCount())
			}
		}
	}
	return out
}

// key is name{l1="v1",l2="v2"} with labels sorted, or the bare name.
func key(name string, labels []string) string {
	if len(labels) == 0 {
		return name
	}
	labels = slices.Clone(labels)
	slices.Sort(labels)
	return name + "{" + strings.Join(labels, ",") + "}"
}

// TestProcedureLatencyFixed: the AMF's procedures have their series from
// the start, and observing one allocates nothing (it runs on the AMF's
// workers for every procedure).
func TestProcedureLatencyFixed(t *testing.T) {
	r := metrics.New()
	procs := []string{"registration", "pdu_session_establishment", "service_request", "deregistration", "paging"}
	got := gatherValues(t, r)
	for _, p := range procs {
		k := `go5g_amf_procedure_duration_seconds_count{procedure="` + p + `"}`
		if v, ok := got[k]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v) before any observation, want 0", k, v, ok)
		}
	}
	for _, p := range procs {
		if n := testing.AllocsPerRun(100, func() { r.Latency.Observe(p, 0.002) }); n != 0 {
			t.Errorf("Observe(%q) allocates %v times", p, n)
		}
	}
	got = gatherValues(t, r)
	for _, p := range procs {
		k := `go5g_amf_procedure_duration_seconds_bucket{le="0.0025",procedure="` + p + `"}`
		if v := got[k]; v != 101 { // AllocsPerRun runs once more to warm up
			t.Errorf("%s = %v, want 101", k, v)
		}
	}
	// A name outside the fixed set still counts.
	r.Latency.Observe("other", 1)
	if v := gatherValues(t, r)[`go5g_amf_procedure_duration_seconds_count{procedure="other"}`]; v != 1 {
		t.Errorf("other = %v, want 1", v)
	}
}
