// Package metrics exposes go5g's network functions to Prometheus on
// /metrics: registrations and failures by cause, authentications, active
// UEs, PDU sessions and gNBs, procedure latency, UPF packets, bytes and
// drops, and SCTP associations.
//
// The NFs keep their own counters (atomics, summed on demand); this package
// does not count anything twice. Its collectors read the NFs' snapshots on
// each scrape (Stats(), Sessions(), ...), so a scrape costs a few atomic
// loads and the packet path carries no Prometheus code. The one thing pushed
// rather than pulled is ProcedureLatency, a histogram the AMF feeds.
//
// The collectors read the NFs through small interfaces that name the NFs'
// own snapshot types (amf.Stats, smf.Stats, upf.Snapshot): the concrete NFs
// satisfy them with no adapter, and a renamed field breaks the build here
// rather than silently zeroing a series. What the NFs do not expose yet is
// read through optional interfaces of plain Go types (AMFGauges, ...): a
// series appears once the NF has the method.
//
// There is no global registry: New returns a Registry owned by its caller,
// which serves it with Handler. Wiring, in the process that runs the NFs:
//
//	m := metrics.New()
//	a, err := amf.New(cfg, amf.Deps{..., Latency: m.Latency})
//	err = m.AddAMF(a)
//	err = m.AddSMF(s)
//	err = m.AddUPF("upf1", u)
//	mux.Handle("GET /metrics", metrics.Handler(m, token))
//
// client_golang is used (rather than writing the text exposition by hand)
// because it is the reference implementation of the exposition formats,
// including content negotiation and OpenMetrics, and brings promlint.
//
// Names follow https://prometheus.io/docs/practices/naming/: prefix go5g_,
// the NF next, base units (seconds, bytes), _total on counters.
package metrics
