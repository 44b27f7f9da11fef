package amf_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
)

// TestNGSetup checks NG Setup acceptance and each rejection.
//
// Spec: TS 38.413 §8.7.1.2, §8.7.1.3
func TestNGSetup(t *testing.T) {
	n := newNet(t, nil)
	cases := []struct {
		name string
		edit func(*gnb.Config)
		fail bool
	}{
		{"accepted", nil, false},
		{"unknown PLMN", func(c *gnb.Config) { c.PLMN = n2.PLMN{MCC: "999", MNC: "99"} }, true},
		{"unknown PLMN, 3-digit MNC", func(c *gnb.Config) { c.PLMN = n2.PLMN{MCC: "001", MNC: "001"} }, true},
		{"no common TAC", func(c *gnb.Config) { c.TAC = 7 }, true},
		{"no common slice", func(c *gnb.Config) { c.Slices = []n2.SNSSAI{{SST: 2}} }, true},
		{"one common slice of several", func(c *gnb.Config) {
			c.Slices = []n2.SNSSAI{{SST: 2}, {SST: 1}, {SST: 1, SD: 5, HasSD: true}}
		}, false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := n.gnbConfig("gnb", uint32(100+i))
			if c.edit != nil {
				c.edit(&cfg)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			g, err := gnb.Connect(ctx, cfg)
			if !c.fail {
				if err != nil {
					t.Fatalf("NG Setup: %v", err)
				}
				defer g.Close(ctx)
				amf := g.AMF()
				if amf.AMFName != "go5g-amf" || len(amf.ServedGUAMIs) != 1 || amf.RelativeAMFCapacity != 255 ||
					len(amf.PLMNSupport) != 1 || amf.PLMNSupport[0].PLMN != plmn {
					t.Errorf("NG SETUP RESPONSE %+v", amf)
				}
				return
			}
			var f *gnb.SetupFailure
			if !errors.As(err, &f) || f.Cause != n2.CauseUnknownPLMNOrSNPN {
				t.Fatalf("NG Setup: %v, want NG SETUP FAILURE with %v", err, n2.CauseUnknownPLMNOrSNPN)
			}
		})
	}
	if s := n.amf.Stats(); s.NGSetupAccepted != 2 || s.NGSetupRejected != 4 {
		t.Errorf("stats: %d accepted, %d rejected; want 2 and 4", s.NGSetupAccepted, s.NGSetupRejected)
	}
}
