package nssf_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/free5gc/openapi/models"

	"go5g/internal/nssf"
	"go5g/internal/problem"
)

// TestRegistrationProperties checks SelectForRegistration against the rule
// of TS 23.501 §5.15.5.2.1 on random slice layouts, subscriptions and
// requests (fixed seed): every requested S-NSSAI ends in exactly one of
// allowed, rejected in PLMN, rejected in TA; allowed ones are subscribed
// and supported in the TA; the default fallback applies exactly when no
// requested S-NSSAI qualifies.
func TestRegistrationProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := []models.Snssai{{Sst: 1}, {Sst: 1, Sd: "000001"}, {Sst: 2}, {Sst: 3}, {Sst: 4, Sd: "fffffe"}, {Sst: 128}}
	pick := func(p float64) []models.Snssai {
		var out []models.Snssai
		for _, s := range pool {
			if rng.Float64() < p {
				out = append(out, s)
			}
		}
		return out
	}
	key := func(s models.Snssai) string { return string(rune(s.Sst)) + s.Sd }
	has := func(l []models.Snssai, s models.Snssai) bool {
		return slices.ContainsFunc(l, func(x models.Snssai) bool { return key(x) == key(s) })
	}
	fallbacks, rejections := 0, 0
	for i := range 2000 {
		ta1s, ta2s := pick(0.5), pick(0.5)
		if len(ta1s) == 0 {
			ta1s = pool[:1]
		}
		if len(ta2s) == 0 {
			ta2s = pool[1:2]
		}
		cfg := nssf.Config{PLMNs: []models.PlmnId{home}, TrackingAreas: []nssf.TrackingArea{
			{TAI: ta1, SNSSAIs: ta1s}, {TAI: ta2, SNSSAIs: ta2s}}}
		n, err := nssf.New(cfg, nssf.Deps{})
		if err != nil {
			t.Fatal(err)
		}
		subscribed := pick(0.6)
		if len(subscribed) == 0 {
			subscribed = pool[2:3]
		}
		var subs []models.Nssf_NSSel_SubscribedSnssai
		var defaults []models.Snssai
		for _, s := range subscribed {
			d := rng.Float64() < 0.4
			subs = append(subs, sub(s, d))
			if d {
				defaults = append(defaults, s)
			}
		}
		requested := pick(0.4)
		info, err := n.SelectForRegistration(context.Background(), nil,
			models.Nssf_NSSel_SliceInfoForRegistration{SubscribedNssai: subs, RequestedNssai: requested}, ta1)

		var qualifying, wantPLMN, wantTA []models.Snssai
		for _, r := range requested {
			switch {
			case !has(subscribed, r) || (!has(ta1s, r) && !has(ta2s, r)):
				wantPLMN = append(wantPLMN, r)
			case !has(ta1s, r):
				wantTA = append(wantTA, r)
			default:
				qualifying = append(qualifying, r)
			}
		}
		want := qualifying
		if len(want) == 0 {
			fallbacks++
			for _, d := range defaults {
				if has(ta1s, d) {
					want = append(want, d)
				}
			}
		}
		if len(want) == 0 {
			rejections++
			if !problem.Is(err, nssf.SnssaiNotSupported) {
				t.Fatalf("case %d: err = %v, want SNSSAI_NOT_SUPPORTED (TA %v, subscribed %v, defaults %v, requested %v)",
					i, err, ta1s, subscribed, defaults, requested)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		got := allowedOf(info)
		if !same(got, want) || !same(info.RejectedNssaiInPlmn, wantPLMN) || !same(info.RejectedNssaiInTa, wantTA) {
			t.Fatalf("case %d: TA %v, subscribed %v, defaults %v, requested %v:\nallowed %v rejPLMN %v rejTA %v\nwant    %v rejPLMN %v rejTA %v",
				i, ta1s, subscribed, defaults, requested, got, info.RejectedNssaiInPlmn, info.RejectedNssaiInTa, want, wantPLMN, wantTA)
		}
	}
	// The random cases must have reached both special paths.
	if fallbacks < 100 || rejections < 50 {
		t.Fatalf("weak coverage: %d fallbacks, %d rejections", fallbacks, rejections)
	}
}
