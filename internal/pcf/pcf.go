package pcf

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/free5gc/openapi/models"

	"go5g/internal/dnname"
)

// DefaultMaxAssociations bounds the SM policy associations held at once
// when Config.MaxAssociations is zero.
const DefaultMaxAssociations = 1 << 20

// Config is the PCF's operator policy. The zero value is valid: with no
// policies every session gets what its subscription says.
type Config struct {
	// Policies are tried in order; the first whose conditions all match a
	// session applies to it, the others not at all.
	Policies []Policy
	// MaxAssociations bounds the SM policy associations held; past it
	// CreateSMPolicy answers 503 NF_CONGESTION. Zero means DefaultMaxAssociations.
	MaxAssociations int
}

// Policy is one operator policy: conditions on the session, and what it
// authorizes when they match. An empty condition matches every session.
type Policy struct {
	// Name identifies the policy in errors.
	Name string
	// DNN matches the session's DNN, case-insensitively (TS 23.003 §9.1);
	// empty matches any.
	DNN string
	// SNSSAI matches the session's slice; nil matches any.
	SNSSAI *models.Snssai
	// SUPIs, if set, matches only SUPIs in the range.
	SUPIs *SUPIRange
	// Groups, if set, matches only sessions whose internal group ids
	// (SmPolicyContextData.interGrpIds, TS 23.003 §19.9) include one of
	// them.
	Groups []string

	// SessionAMBR, if set, replaces the subscribed session AMBR.
	SessionAMBR *models.Ambr
	// Default5QI, if not zero, replaces the subscribed default 5QI; it
	// must be a standardized non-GBR 5QI.
	Default5QI int32
	// DefaultARP, if set, replaces the subscribed default ARP.
	DefaultARP *models.Arp
	// DefaultPriorityLevel, if not zero, replaces the subscribed 5QI
	// priority level of the default QoS flow (1-127).
	DefaultPriorityLevel int32
	// PCCRules are installed in the session.
	PCCRules []PCCRule
}

// SUPIRange is an inclusive range of IMSI-based SUPIs of one length,
// such as imsi-001010000000100 to imsi-001010000000199.
type SUPIRange struct {
	First, Last string
}

// PCCRule is a configured PCC rule with its QoS data.
//
// Spec: TS 29.512 §5.6.2.6 (PccRule), §5.6.2.8 (QosData)
type PCCRule struct {
	// ID is the pccRuleId, unique within its policy.
	ID string
	// Precedence orders the rule among the session's packet filters: a
	// lower value is evaluated first.
	Precedence int32
	// FlowDescriptions are the rule's packet filters (see
	// NormalizeFlowDescription); at least one is required.
	FlowDescriptions []string
	// FlowDirection applies to every filter; empty means BIDIRECTIONAL.
	FlowDirection models.Pcf_SMPolCtrl_FlowDirectionRm
	// QoS the rule's traffic gets.
	QoS QoS
}

// QoS is the QoS data of a PCC rule. Bit rates are BitRate strings
// ("10 Mbps", TS 29.571 §5.5.2). A GBR 5QI needs all four bit rates with
// GBR <= MBR in each direction; a non-GBR 5QI takes no GBR and may have an
// MBR.
type QoS struct {
	FiveQI        int32
	ARP           *models.Arp // nil: the session's default ARP
	PriorityLevel int32       // 0: the 5QI's default
	MaxBRUL       string
	MaxBRDL       string
	GBRUL         string
	GBRDL         string
}

// Validate checks the configuration and names the field of each problem,
// as in "pcf config: policies[1].pcc_rules[0].qos.gbr_ul: ...".
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("pcf config: %s: %s", field, fmt.Sprintf(format, a...)))
	}
	if c.MaxAssociations < 0 {
		bad("max_associations", "negative")
	}
	for i, p := range c.Policies {
		f := fmt.Sprintf("policies[%d]", i)
		if p.DNN != "" {
			if err := dnname.Check(p.DNN); err != nil {
				bad(f+".dnn", "%v", err)
			}
		}
		if p.SNSSAI != nil {
			if err := checkSnssai(*p.SNSSAI); err != nil {
				bad(f+".snssai", "%v", err)
			}
		}
		if p.SUPIs != nil {
			if err := p.SUPIs.check(); err != nil {
				bad(f+".supis", "%v", err)
			}
		}
		for j, g := range p.Groups {
			if g == "" {
				bad(fmt.Sprintf("%s.groups[%d]", f, j), "empty group id")
			}
		}
		if p.SessionAMBR != nil {
			if err := checkAMBR(p.SessionAMBR); err != nil {
				bad(f+".session_ambr", "%v", err)
			}
		}
		if p.Default5QI != 0 {
			if err := checkDefault5QI(p.Default5QI); err != nil {
				bad(f+".default_5qi", "%v", err)
			}
		}
		if p.DefaultARP != nil {
			if err := checkARP(p.DefaultARP); err != nil {
				bad(f+".default_arp", "%v", err)
			}
		}
		if err := checkPriority(p.DefaultPriorityLevel); err != nil {
			bad(f+".default_priority_level", "%v", err)
		}
		ids := make(map[string]bool)
		for j, r := range p.PCCRules {
			rf := fmt.Sprintf("%s.pcc_rules[%d]", f, j)
			switch {
			case r.ID == "":
				bad(rf+".id", "empty")
			case ids[r.ID]:
				bad(rf+".id", "%q is used twice in this policy", r.ID)
			}
			ids[r.ID] = true
			if r.Precedence < 0 {
				bad(rf+".precedence", "negative")
			}
			if len(r.FlowDescriptions) == 0 {
				bad(rf+".flow_descriptions", "a PCC rule needs at least one packet filter")
			}
			for k, d := range r.FlowDescriptions {
				if _, err := NormalizeFlowDescription(d); err != nil {
					bad(fmt.Sprintf("%s.flow_descriptions[%d]", rf, k), "%v", err)
				}
			}
			switch r.FlowDirection {
			case "", models.Pcf_SMPolCtrl_FlowDirectionRm_DOWNLINK, models.Pcf_SMPolCtrl_FlowDirectionRm_UPLINK,
				models.Pcf_SMPolCtrl_FlowDirectionRm_BIDIRECTIONAL:
			default:
				bad(rf+".flow_direction", "%q: want DOWNLINK, UPLINK or BIDIRECTIONAL", r.FlowDirection)
			}
			for _, e := range r.QoS.check() {
				bad(rf+".qos."+e.field, "%v", e.err)
			}
		}
	}
	return errors.Join(errs...)
}

type fieldError struct {
	field string
	err   error
}

// check validates QoS data: a standardized 5QI, the ARP and priority, and
// the bit rates the 5QI's resource type calls for.
//
// Spec: TS 23.501 §5.7.2.5 (GFBR and MFBR for GBR QoS flows only;
// GFBR <= MFBR), Table 5.7.4-1
func (q QoS) check() []fieldError {
	var errs []fieldError
	add := func(field string, err error) { errs = append(errs, fieldError{field, err}) }
	c, ok := Standardized5QI(q.FiveQI)
	if !ok {
		add("5qi", fmt.Errorf("%d is not in TS 23.501 Table 5.7.4-1", q.FiveQI))
	}
	if q.ARP != nil {
		if err := checkARP(q.ARP); err != nil {
			add("arp", err)
		}
	}
	if err := checkPriority(q.PriorityLevel); err != nil {
		add("priority_level", err)
	}
	rates := map[string]string{"max_br_ul": q.MaxBRUL, "max_br_dl": q.MaxBRDL, "gbr_ul": q.GBRUL, "gbr_dl": q.GBRDL}
	v := make(map[string]uint64)
	for _, name := range []string{"max_br_ul", "max_br_dl", "gbr_ul", "gbr_dl"} {
		s := rates[name]
		if s == "" {
			if ok && c.Type.IsGBR() {
				add(name, fmt.Errorf("missing; 5QI %d is %v", q.FiveQI, c.Type))
			}
			continue
		}
		if ok && !c.Type.IsGBR() && strings.HasPrefix(name, "gbr") {
			add(name, fmt.Errorf("5QI %d is non-GBR and takes no GBR", q.FiveQI))
			continue
		}
		r, err := ParseBitRate(s)
		if err != nil {
			add(name, err)
			continue
		}
		v[name] = r
	}
	for _, d := range []string{"ul", "dl"} {
		g, gok := v["gbr_"+d]
		m, mok := v["max_br_"+d]
		if gok && mok && g > m {
			add("gbr_"+d, fmt.Errorf("%s exceeds max_br_%s %s", rates["gbr_"+d], d, rates["max_br_"+d]))
		}
		if mok && m == 0 {
			add("max_br_"+d, errors.New("zero"))
		}
	}
	return errs
}

func (r SUPIRange) check() error {
	for _, s := range []string{r.First, r.Last} {
		d, ok := strings.CutPrefix(s, "imsi-")
		if !ok || len(d) < 6 || len(d) > 15 || !allDigits(d) {
			return fmt.Errorf("%q: want imsi- and 6 to 15 digits", s)
		}
	}
	if len(r.First) != len(r.Last) {
		return fmt.Errorf("%s and %s differ in length", r.First, r.Last)
	}
	if r.First > r.Last {
		return fmt.Errorf("first %s is after last %s", r.First, r.Last)
	}
	return nil
}

func (r SUPIRange) contains(supi string) bool {
	return len(supi) == len(r.First) && strings.HasPrefix(supi, "imsi-") && r.First <= supi && supi <= r.Last
}

// checkSnssai checks an S-NSSAI: SST 0-255, SD absent or six hex digits.
//
// Spec: TS 29.571 §5.4.4.2 (Snssai), TS 23.003 §28.4.2
func checkSnssai(s models.Snssai) error {
	if s.Sst < 0 || s.Sst > 255 {
		return fmt.Errorf("sst %d: want 0 to 255", s.Sst)
	}
	if s.Sd != "" && !isHex(s.Sd, 6) {
		return fmt.Errorf("sd %q: want six hex digits", s.Sd)
	}
	return nil
}

func sameSnssai(a, b models.Snssai) bool {
	return a.Sst == b.Sst && strings.EqualFold(a.Sd, b.Sd)
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(s[i] >= '0' && s[i] <= '9') && !(c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Deps are the PCF's dependencies. There are none yet: the subscribed
// session AMBR and default QoS come in each request from the SMF, and the
// UDR's policy data (TS 29.519) is not read.
type Deps struct{}

// PCF serves Npcf_SMPolicyControl. It is safe for concurrent use.
type PCF struct {
	max int

	mu       sync.Mutex
	policies []Policy // replaced whole by SetPolicies, never changed in place
	assocs   map[string]*association
	notifier Notifier // notify.go
}

// New returns a PCF.
func New(cfg Config, deps Deps) (*PCF, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &PCF{policies: slices.Clone(cfg.Policies), max: cfg.MaxAssociations, assocs: make(map[string]*association)}
	if p.max == 0 {
		p.max = DefaultMaxAssociations
	}
	return p, nil
}
