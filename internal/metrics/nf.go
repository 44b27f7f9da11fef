package metrics

import (
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"go5g/internal/smf"
	"go5g/internal/upf"
)

// SMF is what the SMF collector reads; *smf.SMF satisfies it.
type SMF interface {
	Stats() smf.Stats
}

// smfCollector reads the SMF on each scrape.
type smfCollector struct {
	s                                  SMF
	sessions, establishments, releases *prometheus.Desc
}

func newSMFCollector(s SMF) *smfCollector {
	return &smfCollector{s: s,
		sessions: prometheus.NewDesc("go5g_smf_pdu_sessions",
			"PDU sessions (SM contexts) the SMF holds.", nil, nil),
		establishments: prometheus.NewDesc("go5g_smf_pdu_session_establishments_total",
			"PDU session establishments that ended, by result (accepted, rejected: "+
				"PDU SESSION ESTABLISHMENT REJECT, TS 24.501 §6.4.1.4).", []string{"result"}, nil),
		releases: prometheus.NewDesc("go5g_smf_pdu_session_releases_total",
			"PDU sessions released, for any reason.", nil, nil),
	}
}

func (c *smfCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.sessions
	ch <- c.establishments
	ch <- c.releases
}

func (c *smfCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s.Stats()
	ch <- prometheus.MustNewConstMetric(c.sessions, prometheus.GaugeValue, float64(s.Active))
	ch <- prometheus.MustNewConstMetric(c.establishments, prometheus.CounterValue, float64(s.Established), "accepted")
	ch <- prometheus.MustNewConstMetric(c.establishments, prometheus.CounterValue, float64(s.Rejected), "rejected")
	ch <- prometheus.MustNewConstMetric(c.releases, prometheus.CounterValue, float64(s.Released))
}

// UPF is what the UPF collector reads; *upf.UPF satisfies it.
type UPF interface {
	Stats() upf.Snapshot
	Sessions() int
}

// upfCollector reads every UPF added on each scrape, labelling them by
// name; one collector serves them all because a registry takes one
// collector per metric name.
type upfCollector struct {
	mu   sync.Mutex
	upfs []namedUPF

	packets, bytes, drops, buffered, sessions *prometheus.Desc
	causes                                    []string
}

type namedUPF struct {
	name string
	u    UPF
}

func newUPFCollector() *upfCollector {
	c := &upfCollector{}
	c.packets = prometheus.NewDesc("go5g_upf_packets_total",
		"User plane packets forwarded, by direction (uplink: N3 to N6, downlink: N6 to N3).",
		[]string{"upf", "direction"}, nil)
	c.bytes = prometheus.NewDesc("go5g_upf_bytes_total",
		"Octets of the inner IP packets forwarded, by direction (uplink: N3 to N6, downlink: N6 to N3).",
		[]string{"upf", "direction"}, nil)
	c.drops = prometheus.NewDesc("go5g_upf_drops_total",
		"User plane packets dropped, by cause (see upf.DropCause).", []string{"upf", "cause"}, nil)
	c.buffered = prometheus.NewDesc("go5g_upf_buffered_packets_total",
		"Downlink packets buffered (FAR action BUFF, TS 29.244 §5.2.1).", []string{"upf"}, nil)
	c.sessions = prometheus.NewDesc("go5g_upf_sessions",
		"PFCP sessions the UPF holds.", []string{"upf"}, nil)
	// Every cause the UPF knows, so that each series exists from the
	// start (a counter that appears at 1 hides its first increase).
	for i := upf.DropCause(0); i.String() != "unknown"; i++ {
		c.causes = append(c.causes, i.String())
	}
	return c
}

func (c *upfCollector) add(name string, u UPF) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.upfs {
		if x.name == name {
			return fmt.Errorf("metrics: UPF %q added twice", name)
		}
	}
	c.upfs = append(c.upfs, namedUPF{name, u})
	return nil
}

func (c *upfCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.packets, c.bytes, c.drops, c.buffered, c.sessions} {
		ch <- d
	}
}

func (c *upfCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	upfs := append([]namedUPF(nil), c.upfs...)
	c.mu.Unlock()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, x := range upfs {
		s := x.u.Stats()
		counter(c.packets, s.ULPackets, x.name, "uplink")
		counter(c.packets, s.DLPackets, x.name, "downlink")
		counter(c.bytes, s.ULBytes, x.name, "uplink")
		counter(c.bytes, s.DLBytes, x.name, "downlink")
		counter(c.buffered, s.Buffered, x.name)
		for _, cause := range c.causes {
			counter(c.drops, s.Drops[cause], x.name, cause)
		}
		ch <- prometheus.MustNewConstMetric(c.sessions, prometheus.GaugeValue, float64(x.u.Sessions()), x.name)
	}
}
