package storetest

import (
	"errors"
	"reflect"
	"testing"

	"go5g/internal/store"
)

// SampleProfile returns a valid profile named name.
func SampleProfile(name string) store.Profile {
	return store.Profile{
		Name: name, AuthMethod: store.AuthMethodEAPAKAPrime,
		SNSSAIs:       []store.SNSSAI{{SST: 1}, {SST: 2, SD: "00000a"}},
		DefaultSNSSAI: store.SNSSAI{SST: 2, SD: "00000a"},
		DNNs:          []string{"internet", "ims"},
		AMBR:          store.AMBR{Uplink: 50e6, Downlink: 200e6},
	}
}

// SamplePolicy returns a valid policy using every field.
func SamplePolicy(name string) store.Policy {
	arp := store.ARP{PriorityLevel: 2, PreemptCap: "MAY_PREEMPT", PreemptVuln: "NOT_PREEMPTABLE"}
	return store.Policy{
		Name: name, Precedence: 10, DNN: "ims", SNSSAI: &store.SNSSAI{SST: 1, SD: "000001"},
		SUPIs:       &store.SUPIBounds{First: "imsi-001010000000100", Last: "imsi-001010000000199"},
		SessionAMBR: &store.AMBR{Uplink: 10e6, Downlink: 100e6},
		Default5QI:  5, DefaultARP: &arp, DefaultPriorityLevel: 20,
		PCCRules: []store.PCCRule{{
			ID: "voice", Precedence: 100, FlowDescriptions: []string{"permit out 17 from any to assigned 5000-5010"},
			FlowDirection: "BIDIRECTIONAL",
			QoS: store.QoSData{FiveQI: 1, ARP: &arp, PriorityLevel: 10,
				MaxBRUL: 256e3, MaxBRDL: 256e3, GBRUL: 128e3, GBRDL: 128e3},
		}, {
			ID: "video", FlowDescriptions: []string{"permit out ip from 10.0.0.0/8 to assigned"},
			QoS: store.QoSData{FiveQI: 8},
		}},
	}
}

func fieldIs(t *testing.T, what string, err error, field string) {
	t.Helper()
	var fe *store.FieldError
	if !errors.As(err, &fe) || fe.Field != field || !errors.Is(err, store.ErrInvalid) {
		t.Errorf("%s: got %v, want a FieldError on %q", what, err, field)
	}
}

func testProfiles(t *testing.T, s store.Store) {
	gold := SampleProfile("gold")
	gold.SNSSAIs[1].SD = "00000A" // stored in lower case
	if err := s.AddProfile(ctx(t), gold); err != nil {
		t.Fatalf("AddProfile: %v", err)
	}
	if err := s.AddProfile(ctx(t), gold); !errors.Is(err, store.ErrExists) {
		t.Errorf("second AddProfile: %v, want ErrExists", err)
	}
	basic := SampleProfile("basic")
	basic.AuthMethod, basic.SNSSAIs, basic.DefaultSNSSAI, basic.DNNs = store.AuthMethod5GAKA, []store.SNSSAI{{SST: 1}}, store.SNSSAI{SST: 1}, nil
	if err := s.AddProfile(ctx(t), basic); err != nil {
		t.Fatalf("AddProfile: %v", err)
	}
	got, err := s.GetProfile(ctx(t), "gold")
	want := SampleProfile("gold")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetProfile = %+v, %v; want %+v", got, err, want)
	}
	list, err := s.ListProfiles(ctx(t))
	if err != nil || len(list) != 2 || list[0].Name != "basic" || list[1].Name != "gold" {
		t.Fatalf("ListProfiles = %+v, %v; want basic, gold", list, err)
	}
	if list[0].DNNs == nil || len(list[0].DNNs) != 0 {
		t.Errorf("no DNNs read back as %#v, want an empty list", list[0].DNNs)
	}
	gold.AMBR.Downlink = 1e9
	gold.DNNs = []string{"internet"}
	if err := s.UpdateProfile(ctx(t), gold); err != nil {
		t.Fatalf("UpdateProfile: %v", err)
	}
	if got, _ := s.GetProfile(ctx(t), "gold"); got.AMBR.Downlink != 1e9 || len(got.DNNs) != 1 {
		t.Errorf("after update: %+v", got)
	}
	if err := s.UpdateProfile(ctx(t), SampleProfile("silver")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateProfile of a missing one: %v, want ErrNotFound", err)
	}
	for _, c := range []struct {
		field string
		edit  func(*store.Profile)
	}{
		{"name", func(p *store.Profile) { p.Name = "Gold Plan" }},
		{"name", func(p *store.Profile) { p.Name = "" }},
		{"auth_method", func(p *store.Profile) { p.AuthMethod = "MILENAGE" }},
		{"snssais", func(p *store.Profile) { p.SNSSAIs = nil }},
		{"default_snssai", func(p *store.Profile) { p.DefaultSNSSAI = store.SNSSAI{SST: 9} }},
		{"dnns", func(p *store.Profile) { p.DNNs = []string{"bad..dnn"} }},
		{"ambr_uplink", func(p *store.Profile) { p.AMBR.Uplink = 0 }},
		{"ambr_downlink", func(p *store.Profile) { p.AMBR.Downlink = 1 << 63 }},
	} {
		p := SampleProfile("new")
		c.edit(&p)
		fieldIs(t, "AddProfile", s.AddProfile(ctx(t), p), c.field)
		p.Name = "gold"
		if c.field != "name" {
			fieldIs(t, "UpdateProfile", s.UpdateProfile(ctx(t), p), c.field)
		}
	}
	if err := s.DeleteProfile(ctx(t), "gold"); err != nil {
		t.Fatalf("DeleteProfile: %v", err)
	}
	if err := s.DeleteProfile(ctx(t), "gold"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteProfile: %v, want ErrNotFound", err)
	}
	if _, err := s.GetProfile(ctx(t), "gold"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetProfile after delete: %v, want ErrNotFound", err)
	}
}

func testPolicies(t *testing.T, s store.Store) {
	full := SamplePolicy("voice")
	full.SNSSAI.SD = "00000A"
	if err := s.AddPolicy(ctx(t), full); err != nil {
		t.Fatalf("AddPolicy: %v", err)
	}
	if err := s.AddPolicy(ctx(t), full); !errors.Is(err, store.ErrExists) {
		t.Errorf("second AddPolicy: %v, want ErrExists", err)
	}
	got, err := s.GetPolicy(ctx(t), "voice")
	want := SamplePolicy("voice")
	want.SNSSAI.SD = "00000a"
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetPolicy = %+v, %v\nwant %+v", got, err, want)
	}
	// The zero policy (matches all, changes nothing) reads back as zero.
	empty := store.Policy{Name: "catch-all", Precedence: 10}
	if err := s.AddPolicy(ctx(t), empty); err != nil {
		t.Fatalf("AddPolicy: %v", err)
	}
	if got, err := s.GetPolicy(ctx(t), "catch-all"); err != nil || !reflect.DeepEqual(got, empty) {
		t.Fatalf("GetPolicy = %+v, %v; want %+v", got, err, empty)
	}
	first := store.Policy{Name: "zzz-first", Precedence: 1, DNN: "internet", SessionAMBR: &store.AMBR{Uplink: 1, Downlink: 2}}
	if err := s.AddPolicy(ctx(t), first); err != nil {
		t.Fatalf("AddPolicy: %v", err)
	}
	order := func() []string {
		t.Helper()
		list, err := s.ListPolicies(ctx(t))
		if err != nil {
			t.Fatalf("ListPolicies: %v", err)
		}
		var names []string
		for _, p := range list {
			names = append(names, p.Name)
		}
		return names
	}
	// By precedence, then name.
	if got := order(); !reflect.DeepEqual(got, []string{"zzz-first", "catch-all", "voice"}) {
		t.Errorf("order %v", got)
	}
	first.Precedence = 11
	first.SessionAMBR = nil
	if err := s.UpdatePolicy(ctx(t), first); err != nil {
		t.Fatalf("UpdatePolicy: %v", err)
	}
	if got := order(); !reflect.DeepEqual(got, []string{"catch-all", "voice", "zzz-first"}) {
		t.Errorf("order after update %v", got)
	}
	if got, _ := s.GetPolicy(ctx(t), "zzz-first"); got.SessionAMBR != nil {
		t.Errorf("session AMBR not removed: %+v", got.SessionAMBR)
	}
	if err := s.UpdatePolicy(ctx(t), store.Policy{Name: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdatePolicy of a missing one: %v, want ErrNotFound", err)
	}
	for _, c := range []struct {
		field string
		edit  func(*store.Policy)
	}{
		{"name", func(p *store.Policy) { p.Name = "a/b" }},
		{"precedence", func(p *store.Policy) { p.Precedence = -1 }},
		{"dnn", func(p *store.Policy) { p.DNN = "-bad" }},
		{"snssai", func(p *store.Policy) { p.SNSSAI = &store.SNSSAI{SST: 1, SD: "12"} }},
		{"supis", func(p *store.Policy) {
			p.SUPIs = &store.SUPIBounds{First: "imsi-001010000000199", Last: "imsi-001010000000100"}
		}},
		{"supis", func(p *store.Policy) { p.SUPIs = &store.SUPIBounds{First: "imsi-00101", Last: "imsi-001010000000100"} }},
		{"sessionAmbr.uplink", func(p *store.Policy) { p.SessionAMBR = &store.AMBR{Downlink: 1} }},
		{"sessionAmbr.downlink", func(p *store.Policy) { p.SessionAMBR = &store.AMBR{Uplink: 1} }},
		{"defaultArp.priorityLevel", func(p *store.Policy) { p.DefaultARP.PriorityLevel = 16 }},
		{"defaultArp.preemptCap", func(p *store.Policy) { p.DefaultARP.PreemptCap = "yes" }},
		{"defaultPriorityLevel", func(p *store.Policy) { p.DefaultPriorityLevel = 128 }},
		{"pccRules[1].id", func(p *store.Policy) { p.PCCRules[1].ID = "voice" }},
		{"pccRules[1].id", func(p *store.Policy) { p.PCCRules[1].ID = "" }},
		{"pccRules[0].precedence", func(p *store.Policy) { p.PCCRules[0].Precedence = -5 }},
		{"pccRules[0].flowDescriptions", func(p *store.Policy) { p.PCCRules[0].FlowDescriptions = nil }},
		{"pccRules[0].flowDescriptions[0]", func(p *store.Policy) { p.PCCRules[0].FlowDescriptions = []string{" "} }},
		{"pccRules[0].flowDirection", func(p *store.Policy) { p.PCCRules[0].FlowDirection = "SIDEWAYS" }},
		{"pccRules[1].qos.5qi", func(p *store.Policy) { p.PCCRules[1].QoS.FiveQI = 0 }},
		{"pccRules[0].qos.arp.preemptVuln", func(p *store.Policy) { p.PCCRules[0].QoS.ARP = &store.ARP{PriorityLevel: 1, PreemptCap: "MAY_PREEMPT"} }},
		{"pccRules[0].qos.gbrDl", func(p *store.Policy) { p.PCCRules[0].QoS.GBRDL = 1e6 }},
		{"pccRules[0].qos.priorityLevel", func(p *store.Policy) { p.PCCRules[0].QoS.PriorityLevel = 200 }},
	} {
		p := SamplePolicy("new")
		arp := *p.DefaultARP
		p.DefaultARP = &arp
		c.edit(&p)
		fieldIs(t, "AddPolicy "+c.field, s.AddPolicy(ctx(t), p), c.field)
		if c.field != "name" {
			p.Name = "voice"
			fieldIs(t, "UpdatePolicy "+c.field, s.UpdatePolicy(ctx(t), p), c.field)
		}
	}
	if got, _ := s.GetPolicy(ctx(t), "voice"); !reflect.DeepEqual(got, want) {
		t.Errorf("a refused update changed the policy: %+v", got)
	}
	if err := s.DeletePolicy(ctx(t), "voice"); err != nil {
		t.Fatalf("DeletePolicy: %v", err)
	}
	if err := s.DeletePolicy(ctx(t), "voice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeletePolicy: %v, want ErrNotFound", err)
	}
	if got := order(); !reflect.DeepEqual(got, []string{"catch-all", "zzz-first"}) {
		t.Errorf("after delete %v", got)
	}
}
