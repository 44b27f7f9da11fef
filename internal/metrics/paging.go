package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"go5g/internal/amf"
)

// AMFPaging is what the paging collector reads; *amf.AMF satisfies it.
type AMFPaging interface {
	PagingStats() amf.PagingStats
}

// AddPaging adds the AMF's paging metrics (network triggered service
// request, TS 23.502 §4.2.3.3; NGAP Paging, TS 38.413 §8.5.1); a second
// one is an error.
func (r *Registry) AddPaging(p AMFPaging) error { return r.reg.Register(newPagingCollector(p)) }

// pagingCollector reads the AMF's paging counts on each scrape.
type pagingCollector struct {
	p                           AMFPaging
	attempts, pagings, messages *prometheus.Desc
}

func newPagingCollector(p AMFPaging) *pagingCollector {
	return &pagingCollector{p: p,
		attempts: prometheus.NewDesc("go5g_amf_paging_attempts_total",
			"Pagings started: a UE in CM-IDLE paged in its registration area (one paging per UE at a time, "+
				"repeated on each T3513 expiry).", nil, nil),
		pagings: prometheus.NewDesc("go5g_amf_pagings_total",
			"Pagings that ended, by result (success: the UE answered with SERVICE REQUEST or came back; "+
				"failure: no answer after the last T3513, the SMF told UE_NOT_RESPONDING).",
			[]string{"result"}, nil),
		messages: prometheus.NewDesc("go5g_amf_paging_messages_total",
			"NGAP Paging messages to gNBs, by result (sent; dropped: the gNB's paging queue was full or the send failed).",
			[]string{"result"}, nil),
	}
}

func (c *pagingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.attempts
	ch <- c.pagings
	ch <- c.messages
}

func (c *pagingCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.p.PagingStats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(c.attempts, s.Started)
	counter(c.pagings, s.Succeeded, "success")
	counter(c.pagings, s.Failed, "failure")
	counter(c.messages, s.Sent, "sent")
	counter(c.messages, s.Dropped, "dropped")
}
