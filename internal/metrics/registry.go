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
	// known holds each fixed procedure's histogram, resolved once:
	// WithLabelValues allocates per call, a map lookup does not, so the
	// AMF's observations cost no allocation. Written only by
	// newProcedureLatency.
	known map[string]prometheus.Observer
}

// newProcedureLatency makes the histogram with the series of the
// procedures the AMF observes, at zero from the start (a rate over them is
// defined before the first one ends).
func newProcedureLatency() *ProcedureLatency {
	p := &ProcedureLatency{h: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "go5g_amf_procedure_duration_seconds",
		Help: "Duration of completed procedures, from the request received to the procedure's last message " +
			"(registration: REGISTRATION REQUEST to REGISTRATION COMPLETE; " +
			"pdu_session_establishment: PDU SESSION ESTABLISHMENT REQUEST to PDU SESSION RESOURCE SETUP RESPONSE; " +
			"service_request: SERVICE REQUEST to INITIAL CONTEXT SETUP RESPONSE; " +
			"deregistration: DEREGISTRATION REQUEST to UE CONTEXT RELEASE COMPLETE; paging: paging to the UE's answer).",
		// From a loopback registration (about a millisecond) to guard
		// timer expiries (T3560 is 6 s; TS 24.501 §10.2).
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"procedure"}), known: map[string]prometheus.Observer{}}
	for _, name := range []string{"registration", "pdu_session_establishment", "service_request", "deregistration", "paging"} {
		p.known[name] = p.h.WithLabelValues(name)
	}
	return p
}

// Observe records that one procedure (a short fixed name such as
// "registration", "authentication", "service_request", "deregistration",
// "pdu_session_establishment", "ng_setup") took seconds. The set of names
// must be small and fixed: each is a series.
func (p *ProcedureLatency) Observe(procedure string, seconds float64) {
	if o, ok := p.known[procedure]; ok {
		o.Observe(seconds)
		return
	}
	p.h.WithLabelValues(procedure).Observe(seconds)
}
