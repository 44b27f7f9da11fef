package metrics_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"go5g/internal/amf"
	"go5g/internal/metrics"
)

type pagingAMF struct{ s amf.PagingStats }

func (p pagingAMF) PagingStats() amf.PagingStats { return p.s }

// TestPagingCollector: each amf.PagingStats field lands in its series,
// the names pass promlint, and a second AMF is refused.
func TestPagingCollector(t *testing.T) {
	r := metrics.New()
	if err := r.AddPaging(pagingAMF{amf.PagingStats{Started: 7, Succeeded: 5, Failed: 1, Sent: 30, Dropped: 2}}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP go5g_amf_paging_attempts_total Pagings started: a UE in CM-IDLE paged in its registration area (one paging per UE at a time, repeated on each T3513 expiry).
# TYPE go5g_amf_paging_attempts_total counter
go5g_amf_paging_attempts_total 7
# HELP go5g_amf_paging_messages_total NGAP Paging messages to gNBs, by result (sent; dropped: the gNB's paging queue was full or the send failed).
# TYPE go5g_amf_paging_messages_total counter
go5g_amf_paging_messages_total{result="dropped"} 2
go5g_amf_paging_messages_total{result="sent"} 30
# HELP go5g_amf_pagings_total Pagings that ended, by result (success: the UE answered with SERVICE REQUEST or came back; failure: no answer after the last T3513, the SMF told UE_NOT_RESPONDING).
# TYPE go5g_amf_pagings_total counter
go5g_amf_pagings_total{result="failure"} 1
go5g_amf_pagings_total{result="success"} 5
`
	if err := testutil.GatherAndCompare(r.Gatherer(), strings.NewReader(want),
		"go5g_amf_paging_attempts_total", "go5g_amf_pagings_total", "go5g_amf_paging_messages_total"); err != nil {
		t.Error(err)
	}
	mfs, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	probs, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		if strings.Contains(p.Metric, "paging") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
	if err := r.AddPaging(pagingAMF{}); err == nil {
		t.Error("a second paging collector was accepted")
	}
}

// The AMF itself is what the core registers.
var _ metrics.AMFPaging = (*amf.AMF)(nil)
