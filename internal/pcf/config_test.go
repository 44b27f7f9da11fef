package pcf_test

import (
	"strings"
	"testing"

	"github.com/free5gc/openapi/models"

	"go5g/internal/pcf"
)

func TestConfigValidate(t *testing.T) {
	if err := (pcf.Config{}).Validate(); err != nil {
		t.Fatalf("zero config: %v", err)
	}
	if err := (pcf.Config{Policies: policies()}).Validate(); err != nil {
		t.Fatalf("test policies: %v", err)
	}
	rule := func(mod func(*pcf.PCCRule)) pcf.Config {
		r := voice
		r.FlowDescriptions = append([]string(nil), voice.FlowDescriptions...)
		mod(&r)
		return pcf.Config{Policies: []pcf.Policy{{DNN: "ims", PCCRules: []pcf.PCCRule{r}}}}
	}
	for _, tc := range []struct {
		name  string
		cfg   pcf.Config
		field string // the field path the error must name; "" for valid
	}{
		{"negative max", pcf.Config{MaxAssociations: -1}, "max_associations"},
		{"bad dnn", pcf.Config{Policies: []pcf.Policy{{DNN: "-ims"}}}, "policies[0].dnn"},
		{"dnn too long", pcf.Config{Policies: []pcf.Policy{{DNN: strings.Repeat("a", 64)}}}, "policies[0].dnn"},
		{"bad sd", pcf.Config{Policies: []pcf.Policy{{SNSSAI: &models.Snssai{Sst: 1, Sd: "xyz123"}}}}, "policies[0].snssai"},
		{"sst 300", pcf.Config{Policies: []pcf.Policy{{SNSSAI: &models.Snssai{Sst: 300}}}}, "policies[0].snssai"},
		{"supi range reversed", pcf.Config{Policies: []pcf.Policy{{SUPIs: &pcf.SUPIRange{First: "imsi-001010000000200", Last: "imsi-001010000000100"}}}}, "policies[0].supis"},
		{"supi range lengths", pcf.Config{Policies: []pcf.Policy{{SUPIs: &pcf.SUPIRange{First: "imsi-00101000000010", Last: "imsi-001010000000100"}}}}, "policies[0].supis"},
		{"supi range nai", pcf.Config{Policies: []pcf.Policy{{SUPIs: &pcf.SUPIRange{First: "nai-a@b", Last: "nai-a@b"}}}}, "policies[0].supis"},
		{"empty group", pcf.Config{Policies: []pcf.Policy{{Groups: []string{""}}}}, "policies[0].groups[0]"},
		{"ambr unit", pcf.Config{Policies: []pcf.Policy{{SessionAMBR: &models.Ambr{Uplink: "1 Mbit/s", Downlink: "1 Mbps"}}}}, "policies[0].session_ambr"},
		{"default 5QI GBR", pcf.Config{Policies: []pcf.Policy{{Default5QI: 1}}}, "policies[0].default_5qi"},
		{"default 5QI unknown", pcf.Config{Policies: []pcf.Policy{{Default5QI: 200}}}, "policies[0].default_5qi"},
		{"default ARP 0", pcf.Config{Policies: []pcf.Policy{{DefaultARP: arp(0)}}}, "policies[0].default_arp"},
		{"default priority 200", pcf.Config{Policies: []pcf.Policy{{DefaultPriorityLevel: 200}}}, "policies[0].default_priority_level"},
		{"valid voice rule", rule(func(*pcf.PCCRule) {}), ""},
		{"empty rule id", rule(func(r *pcf.PCCRule) { r.ID = "" }), "policies[0].pcc_rules[0].id"},
		{"negative precedence", rule(func(r *pcf.PCCRule) { r.Precedence = -1 }), "policies[0].pcc_rules[0].precedence"},
		{"no packet filter", rule(func(r *pcf.PCCRule) { r.FlowDescriptions = nil }), "policies[0].pcc_rules[0].flow_descriptions"},
		{"permit in", rule(func(r *pcf.PCCRule) { r.FlowDescriptions[0] = "permit in udp from any to assigned" }), "policies[0].pcc_rules[0].flow_descriptions[0]"},
		{"bad protocol", rule(func(r *pcf.PCCRule) { r.FlowDescriptions[0] = "permit out 300 from any to assigned" }), "flow_descriptions[0]"},
		{"bad address", rule(func(r *pcf.PCCRule) { r.FlowDescriptions[0] = "permit out ip from 10.0.0.256 to assigned" }), "flow_descriptions[0]"},
		{"bad port range", rule(func(r *pcf.PCCRule) { r.FlowDescriptions[0] = "permit out ip from any to assigned 5010-5000" }), "flow_descriptions[0]"},
		{"options", rule(func(r *pcf.PCCRule) { r.FlowDescriptions[0] = "permit out ip from any to assigned frag" }), "flow_descriptions[0]"},
		{"bad direction", rule(func(r *pcf.PCCRule) { r.FlowDirection = "SIDEWAYS" }), "policies[0].pcc_rules[0].flow_direction"},
		{"5QI 11", rule(func(r *pcf.PCCRule) { r.QoS.FiveQI = 11 }), "policies[0].pcc_rules[0].qos.5qi"},
		{"GBR rule without GBR", rule(func(r *pcf.PCCRule) { r.QoS.GBRUL = "" }), "policies[0].pcc_rules[0].qos.gbr_ul"},
		{"GBR rule without MBR", rule(func(r *pcf.PCCRule) { r.QoS.MaxBRDL = "" }), "policies[0].pcc_rules[0].qos.max_br_dl"},
		{"GBR above MBR", rule(func(r *pcf.PCCRule) { r.QoS.GBRDL = "257 Kbps" }), "policies[0].pcc_rules[0].qos.gbr_dl"},
		{"GBR equal MBR", rule(func(r *pcf.PCCRule) { r.QoS.GBRDL = "0.256 Mbps" }), ""},
		{"bad GBR string", rule(func(r *pcf.PCCRule) { r.QoS.GBRUL = "128kbps" }), "policies[0].pcc_rules[0].qos.gbr_ul"},
		{"zero MBR", rule(func(r *pcf.PCCRule) { r.QoS.MaxBRUL, r.QoS.GBRUL = "0 bps", "0 bps" }), "policies[0].pcc_rules[0].qos.max_br_ul"},
		{"delay-critical GBR needs rates", rule(func(r *pcf.PCCRule) { r.QoS = pcf.QoS{FiveQI: 82} }), "policies[0].pcc_rules[0].qos.max_br_ul"},
		{"non-GBR with GBR", rule(func(r *pcf.PCCRule) { r.QoS.FiveQI = 9 }), "policies[0].pcc_rules[0].qos.gbr_ul"},
		{"non-GBR with MBR only", rule(func(r *pcf.PCCRule) { r.QoS = pcf.QoS{FiveQI: 9, MaxBRDL: "5 Mbps"} }), ""},
		{"rule ARP 0", rule(func(r *pcf.PCCRule) { r.QoS.ARP = arp(0) }), "policies[0].pcc_rules[0].qos.arp"},
		{"rule priority -1", rule(func(r *pcf.PCCRule) { r.QoS.PriorityLevel = -1 }), "policies[0].pcc_rules[0].qos.priority_level"},
		{"duplicate rule id", pcf.Config{Policies: []pcf.Policy{{PCCRules: []pcf.PCCRule{voice, voice}}}}, "policies[0].pcc_rules[1].id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "pcf config: ") || !strings.Contains(err.Error(), tc.field+": ") {
				t.Fatalf("Validate = %v, want an error naming %s", err, tc.field)
			}
			if _, nerr := pcf.New(tc.cfg, pcf.Deps{}); nerr == nil {
				t.Fatal("New accepted a configuration Validate refuses")
			}
		})
	}
}

func TestNormalizeFlowDescription(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"permit out udp from any to assigned 5000-5010", "permit out 17 from any to assigned 5000-5010"},
		{"permit out ip from any to assigned", "permit out ip from any to assigned"},
		{"permit out 6 from 192.0.2.0/24 80,443 to assigned", "permit out 6 from 192.0.2.0/24 80,443 to assigned"},
		{"permit  out TCP from 2001:db8::1 to assigned 1-65535", "permit out 6 from 2001:db8::1 to assigned 1-65535"},
		{"permit out 017 from any to any", "permit out 17 from any to any"},
	} {
		got, err := pcf.NormalizeFlowDescription(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeFlowDescription(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"", "permit out udp from any", "deny out ip from any to assigned", "permit out ip to any from assigned",
		"permit out ip from any to assigned 65536", "permit out ip from any to assigned 5000-", "permit out ip from 10.0.0.0/33 to assigned",
		"permit out ip from any 80 443 to assigned", "permit out -1 from any to assigned",
	} {
		if got, err := pcf.NormalizeFlowDescription(bad); err == nil {
			t.Errorf("NormalizeFlowDescription(%q) = %q, want an error", bad, got)
		}
	}
}

func TestStandardized5QI(t *testing.T) {
	for _, tc := range []struct {
		v    int32
		typ  pcf.ResourceType
		prio int32
		ok   bool
	}{
		{1, pcf.GBR, 20, true}, {9, pcf.NonGBR, 90, true}, {5, pcf.NonGBR, 10, true}, {65, pcf.GBR, 7, true},
		{69, pcf.NonGBR, 5, true}, {82, pcf.DelayCriticalGBR, 19, true}, {90, pcf.DelayCriticalGBR, 25, true},
		{0, 0, 0, false}, {11, 0, 0, false}, {75, 0, 0, false}, {128, 0, 0, false}, {255, 0, 0, false},
	} {
		c, ok := pcf.Standardized5QI(tc.v)
		if ok != tc.ok || c.Type != tc.typ || c.PriorityLevel != tc.prio {
			t.Errorf("Standardized5QI(%d) = %+v, %v; want %v %d %v", tc.v, c, ok, tc.typ, tc.prio, tc.ok)
		}
	}
}
