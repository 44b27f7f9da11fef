package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go5g/internal/dnname"
)

// Policy is an operator PCF policy as the store keeps it: conditions on a
// PDU session, and what the policy authorizes when they all hold. It has
// the shape of internal/pcf's Policy (the core converts one into the
// other); the PCF tries policies in (Precedence, Name) order and applies
// the first that matches.
//
// Validate checks what the store can check; the PCF checks the rest (5QIs
// against TS 23.501 Table 5.7.4-1, a GBR 5QI's bit rates, packet filter
// syntax) before the API writes a policy. FieldError names a policy field
// by its JSON path in the API ("pccRules[0].qos.gbrUl"), since most of them
// have no column of their own.
type Policy struct {
	Name       string // 1 to 64 of a-z, 0-9, '.', '_', '-'
	Precedence int32  // lower is tried first; equal ones by name

	// Conditions; the zero value matches every session.
	DNN    string      // case-insensitive (TS 23.003 §9.1); "" any
	SNSSAI *SNSSAI     // nil any
	SUPIs  *SUPIBounds // nil any

	// What the policy authorizes; the zero value keeps the subscribed one.
	SessionAMBR          *AMBR
	Default5QI           uint8 // a standardized non-GBR 5QI
	DefaultARP           *ARP
	DefaultPriorityLevel uint8 // 1-127
	PCCRules             []PCCRule
}

// SUPIBounds is an inclusive range of SUPIs, both "imsi-" and 15 digits.
type SUPIBounds struct {
	First string `json:"first"`
	Last  string `json:"last"`
}

// ARP is an allocation and retention priority.
//
// Spec: TS 29.571 §5.5.4.1 (Arp), TS 23.501 §5.7.2.2
type ARP struct {
	PriorityLevel uint8  `json:"priorityLevel"` // 1-15
	PreemptCap    string `json:"preemptCap"`    // NOT_PREEMPT or MAY_PREEMPT
	PreemptVuln   string `json:"preemptVuln"`   // NOT_PREEMPTABLE or PREEMPTABLE
}

// PCCRule is a PCC rule with its QoS data, as the store keeps it (JSON in
// the pcc_rules column).
//
// Spec: TS 29.512 §5.6.2.6 (PccRule), §5.6.2.8 (QosData)
type PCCRule struct {
	ID               string   `json:"id"`
	Precedence       int32    `json:"precedence"`
	FlowDescriptions []string `json:"flowDescriptions"`
	// FlowDirection is DOWNLINK, UPLINK or BIDIRECTIONAL; "" is
	// BIDIRECTIONAL.
	FlowDirection string  `json:"flowDirection,omitempty"`
	QoS           QoSData `json:"qos"`
}

// QoSData is the QoS of a PCC rule. A zero bit rate is absent; a GBR 5QI
// needs all four, with GBR <= MBR in each direction.
type QoSData struct {
	FiveQI        uint8   `json:"5qi"`
	ARP           *ARP    `json:"arp,omitempty"` // nil: the session's default ARP
	PriorityLevel uint8   `json:"priorityLevel,omitempty"`
	MaxBRUL       BitRate `json:"maxBrUl,omitempty"`
	MaxBRDL       BitRate `json:"maxBrDl,omitempty"`
	GBRUL         BitRate `json:"gbrUl,omitempty"`
	GBRDL         BitRate `json:"gbrDl,omitempty"`
}

// maxRuleID bounds a PCC rule id, which the PCF extends into packet
// filter ids.
const maxRuleID = 64

// Validate checks the policy and returns a *FieldError for the first bad
// field.
func (p Policy) Validate() error {
	if err := ValidName(p.Name); err != nil {
		return err
	}
	if p.Precedence < 0 {
		return fieldErr("precedence", "must not be negative")
	}
	if p.DNN != "" {
		if err := dnname.Check(p.DNN); err != nil {
			return fieldErr("dnn", "%v", err)
		}
	}
	if p.SNSSAI != nil {
		if err := ValidSNSSAI(*p.SNSSAI); err != nil {
			return fieldErr("snssai", "SD must be 6 hex digits (24 bits)")
		}
	}
	if r := p.SUPIs; r != nil {
		if ValidSUPI(r.First) != nil || ValidSUPI(r.Last) != nil {
			return fieldErr("supis", "first and last must be imsi- and %d digits", supiDigits)
		}
		if r.First > r.Last {
			return fieldErr("supis", "first %s is after last %s", r.First, r.Last)
		}
	}
	if a := p.SessionAMBR; a != nil {
		if err := validAMBR(*a, "sessionAmbr.uplink", "sessionAmbr.downlink"); err != nil {
			return err
		}
	}
	if p.DefaultARP != nil {
		if err := validARP(*p.DefaultARP, "defaultArp"); err != nil {
			return err
		}
	}
	if p.DefaultPriorityLevel > 127 {
		return fieldErr("defaultPriorityLevel", "must be 1 to 127 (0: the 5QI's default)")
	}
	ids := make(map[string]bool, len(p.PCCRules))
	for i, r := range p.PCCRules {
		f := fmt.Sprintf("pccRules[%d]", i)
		switch {
		case r.ID == "" || len(r.ID) > maxRuleID:
			return fieldErr(f+".id", "must be 1 to %d characters", maxRuleID)
		case ids[r.ID]:
			return fieldErr(f+".id", "%q is used twice in this policy", r.ID)
		}
		ids[r.ID] = true
		if r.Precedence < 0 {
			return fieldErr(f+".precedence", "must not be negative")
		}
		if len(r.FlowDescriptions) == 0 {
			return fieldErr(f+".flowDescriptions", "a PCC rule needs at least one packet filter")
		}
		for j, d := range r.FlowDescriptions {
			if strings.TrimSpace(d) == "" {
				return fieldErr(fmt.Sprintf("%s.flowDescriptions[%d]", f, j), "empty")
			}
		}
		switch r.FlowDirection {
		case "", "DOWNLINK", "UPLINK", "BIDIRECTIONAL":
		default:
			return fieldErr(f+".flowDirection", "must be DOWNLINK, UPLINK or BIDIRECTIONAL")
		}
		if err := r.QoS.validate(f + ".qos"); err != nil {
			return err
		}
	}
	return nil
}

func (q QoSData) validate(f string) error {
	if q.FiveQI == 0 {
		return fieldErr(f+".5qi", "is required")
	}
	if q.ARP != nil {
		if err := validARP(*q.ARP, f+".arp"); err != nil {
			return err
		}
	}
	if q.PriorityLevel > 127 {
		return fieldErr(f+".priorityLevel", "must be 1 to 127 (0: the 5QI's default)")
	}
	for _, b := range []struct {
		name string
		v    BitRate
	}{{"maxBrUl", q.MaxBRUL}, {"maxBrDl", q.MaxBRDL}, {"gbrUl", q.GBRUL}, {"gbrDl", q.GBRDL}} {
		if b.v > 1<<63-1 {
			return fieldErr(f+"."+b.name, "bit rate too large")
		}
	}
	if q.GBRUL > 0 && q.MaxBRUL > 0 && q.GBRUL > q.MaxBRUL {
		return fieldErr(f+".gbrUl", "%v exceeds maxBrUl %v", q.GBRUL, q.MaxBRUL)
	}
	if q.GBRDL > 0 && q.MaxBRDL > 0 && q.GBRDL > q.MaxBRDL {
		return fieldErr(f+".gbrDl", "%v exceeds maxBrDl %v", q.GBRDL, q.MaxBRDL)
	}
	return nil
}

// validARP checks an ARP; every member is mandatory.
//
// Spec: TS 29.571 §5.5.4.1 (Arp), TS 23.501 §5.7.2.2 (priority 1-15)
func validARP(a ARP, f string) error {
	if a.PriorityLevel < 1 || a.PriorityLevel > 15 {
		return fieldErr(f+".priorityLevel", "must be 1 to 15")
	}
	if a.PreemptCap != "NOT_PREEMPT" && a.PreemptCap != "MAY_PREEMPT" {
		return fieldErr(f+".preemptCap", "must be NOT_PREEMPT or MAY_PREEMPT")
	}
	if a.PreemptVuln != "NOT_PREEMPTABLE" && a.PreemptVuln != "PREEMPTABLE" {
		return fieldErr(f+".preemptVuln", "must be NOT_PREEMPTABLE or PREEMPTABLE")
	}
	return nil
}

const policyColumns = `name, precedence, dnn, snssai, supi_first, supi_last, session_ambr_uplink,
session_ambr_downlink, default_5qi, default_arp, default_priority_level, pcc_rules`

// policyArgs are p's column values in policyColumns order: "" and 0 for
// what p leaves out.
func policyArgs(p Policy) ([]any, error) {
	var sn, arp string
	var first, last string
	var ul, dl int64
	var err error
	if p.SNSSAI != nil {
		if sn, err = jsonText(SNSSAI{SST: p.SNSSAI.SST, SD: strings.ToLower(p.SNSSAI.SD)}); err != nil {
			return nil, err
		}
	}
	if p.SUPIs != nil {
		first, last = p.SUPIs.First, p.SUPIs.Last
	}
	if p.SessionAMBR != nil {
		ul, dl = int64(p.SessionAMBR.Uplink), int64(p.SessionAMBR.Downlink)
	}
	if p.DefaultARP != nil {
		if arp, err = jsonText(p.DefaultARP); err != nil {
			return nil, err
		}
	}
	rules := p.PCCRules
	if rules == nil {
		rules = []PCCRule{}
	}
	pcc, err := jsonText(rules)
	if err != nil {
		return nil, err
	}
	return []any{p.Name, p.Precedence, p.DNN, sn, first, last, ul, dl,
		int32(p.Default5QI), arp, int32(p.DefaultPriorityLevel), pcc}, nil
}

func scanPolicy(sc scanner) (Policy, error) {
	var p Policy
	var sn, first, last, arp, pcc string
	var ul, dl int64
	var fiveQI, prio int32
	if err := sc.Scan(&p.Name, &p.Precedence, &p.DNN, &sn, &first, &last, &ul, &dl, &fiveQI, &arp, &prio, &pcc); err != nil {
		return p, err
	}
	p.Default5QI, p.DefaultPriorityLevel = uint8(fiveQI), uint8(prio)
	if sn != "" {
		p.SNSSAI = new(SNSSAI)
		if err := json.Unmarshal([]byte(sn), p.SNSSAI); err != nil {
			return p, fmt.Errorf("policy %s: snssai column: %w", p.Name, err)
		}
	}
	if first != "" {
		p.SUPIs = &SUPIBounds{First: first, Last: last}
	}
	if ul != 0 || dl != 0 {
		p.SessionAMBR = &AMBR{Uplink: BitRate(ul), Downlink: BitRate(dl)}
	}
	if arp != "" {
		p.DefaultARP = new(ARP)
		if err := json.Unmarshal([]byte(arp), p.DefaultARP); err != nil {
			return p, fmt.Errorf("policy %s: default_arp column: %w", p.Name, err)
		}
	}
	if err := json.Unmarshal([]byte(pcc), &p.PCCRules); err != nil {
		return p, fmt.Errorf("policy %s: pcc_rules column: %w", p.Name, err)
	}
	if len(p.PCCRules) == 0 {
		p.PCCRules = nil
	}
	return p, nil
}

func (s *sqlStore) AddPolicy(ctx context.Context, p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	args, err := policyArgs(p)
	if err != nil {
		return err
	}
	res, err := s.wq(ctx).ExecContext(ctx, `INSERT INTO policies (`+policyColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (name) DO NOTHING`, args...)
	return insertedOne(res, err, "policy", p.Name)
}

func (s *sqlStore) GetPolicy(ctx context.Context, name string) (Policy, error) {
	p, err := scanPolicy(s.rq(ctx).QueryRowContext(ctx, `SELECT `+policyColumns+` FROM policies WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Policy{}, fmt.Errorf("policy %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Policy{}, fmt.Errorf("store: get policy %s: %w", name, err)
	}
	return p, nil
}

func (s *sqlStore) ListPolicies(ctx context.Context) ([]Policy, error) {
	return queryAll(ctx, s.rq(ctx), "list policies", scanPolicy, `SELECT `+policyColumns+` FROM policies ORDER BY precedence, name`)
}

func (s *sqlStore) UpdatePolicy(ctx context.Context, p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	args, err := policyArgs(p)
	if err != nil {
		return err
	}
	res, err := s.wq(ctx).ExecContext(ctx, `UPDATE policies SET precedence = $2, dnn = $3, snssai = $4,
supi_first = $5, supi_last = $6, session_ambr_uplink = $7, session_ambr_downlink = $8, default_5qi = $9,
default_arp = $10, default_priority_level = $11, pcc_rules = $12 WHERE name = $1`, args...)
	return oneRow(res, err, "update", "policy", p.Name)
}

func (s *sqlStore) DeletePolicy(ctx context.Context, name string) error {
	res, err := s.wq(ctx).ExecContext(ctx, `DELETE FROM policies WHERE name = $1`, name)
	return oneRow(res, err, "delete", "policy", name)
}
