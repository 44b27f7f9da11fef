package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry holds go5g's collectors. Build it with New, hand Latency to the
// AMF, add the NFs as they are built, and serve it with Handler.
type Registry struct {
	reg *prometheus.Registry
	upf *upfCollector
	// Latency is the histogram of procedure durations; the AMF feeds it
	// (amf.Deps.Latency).
	Latency *ProcedureLatency
}

// New returns a Registry with the Go runtime and process collectors, the
// procedure latency histogram and an (empty) UPF collector.
func New() *Registry {
	r := &Registry{reg: prometheus.NewRegistry(), upf: newUPFCollector(), Latency: newProcedureLatency()}
	r.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.Latency.h,
		r.upf,
	)
	return r
}

// Gatherer is the registry, for tests and for callers that serve it
// their own way.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// AddAMF adds the AMF's metrics; a second AMF is an error.
func (r *Registry) AddAMF(a AMF) error { return r.reg.Register(newAMFCollector(a)) }

// AddSMF adds the SMF's metrics; a second SMF is an error.
func (r *Registry) AddSMF(s SMF) error { return r.reg.Register(newSMFCollector(s)) }

// AddUPF adds a UPF's metrics, labelled upf=name.
func (r *Registry) AddUPF(name string, u UPF) error { return r.upf.add(name, u) }

// ProcedureLatency is a histogram of how long procedures take, by
// procedure. It is safe for concurrent use.
type ProcedureLatency struct {
	h *prometheus.HistogramVec
}

func newProcedureLatency() *ProcedureLatency {
	return &ProcedureLatency{h: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "go5g_amf_procedure_duration_seconds",
		Help: "Duration of completed procedures, from the request received to the procedure's last message " +
			"(registration: REGISTRATION REQUEST to REGISTRATION COMPLETE).",
		// From a loopback registration (about a millisecond) to guard
		// timer expiries (T3560 is 6 s; TS 24.501 §10.2).
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"procedure"})}
}

// Observe records that one procedure (a short fixed name such as
// "registration", "authentication", "service_request", "deregistration",
// "pdu_session_establishment", "ng_setup") took seconds. The set of names
// must be small and fixed: each is a series.
func (p *ProcedureLatency) Observe(procedure string, seconds float64) {
	p.h.WithLabelValues(procedure).Observe(seconds)
}
