package amf_test

import (
	"context"
	"testing"
	"time"

	"go5g/internal/sim/gnb"
)

// TestGNBSetUpAt: the operations view of a gNB says when its NG Setup
// succeeded.
//
// Spec: TS 38.413 §8.7.1.2
func TestGNBSetUpAt(t *testing.T) {
	n := newNet(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := time.Now()
	g, err := gnb.Connect(ctx, n.gnbConfig("gnb-a", 301))
	if err != nil {
		t.Fatalf("NG Setup: %v", err)
	}
	defer g.Close(ctx)
	after := time.Now()
	gs, err := n.amf.GNBs(ctx)
	if err != nil || len(gs) != 1 {
		t.Fatalf("GNBs = %+v, %v", gs, err)
	}
	got := gs[0]
	if !got.SetUp || got.Name != "gnb-a" || got.SetUpAt.Before(before) || got.SetUpAt.After(after) {
		t.Fatalf("gNB %+v: want set up between %v and %v", got, before, after)
	}
}
