package upf

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
)

// Rules is the whole rule set of a session as the SMF last set it.
type Rules struct {
	PDRs []PDR
	FARs []FAR
	QERs []QER
	URRs []URR
	BAR  *BAR
}

// Clone returns a deep copy (the N4 glue edits a copy, then installs it).
func (r *Rules) Clone() Rules {
	c := Rules{PDRs: slices.Clone(r.PDRs), FARs: slices.Clone(r.FARs), QERs: slices.Clone(r.QERs), URRs: slices.Clone(r.URRs)}
	for i := range c.PDRs {
		p := &c.PDRs[i]
		p.SDF, p.QERIDs, p.URRIDs = slices.Clone(p.SDF), slices.Clone(p.QERIDs), slices.Clone(p.URRIDs)
	}
	for i := range c.FARs {
		if o := c.FARs[i].OHC; o != nil {
			oc := *o
			c.FARs[i].OHC = &oc
		}
	}
	if r.BAR != nil {
		b := *r.BAR
		c.BAR = &b
	}
	return c
}

// RuleError is a rule that could not be installed: the N4 glue answers
// cause #73 "Rule creation/modification Failure" with a Failed Rule ID.
// Spec: TS 29.244 §7.5.3.1, §8.2.80
type RuleError struct {
	Kind   string // "PDR", "FAR", "QER", "URR", "BAR"
	ID     uint32
	Reason string
}

func (e *RuleError) Error() string { return fmt.Sprintf("upf: %s %d: %s", e.Kind, e.ID, e.Reason) }

// cpdr is a PDR compiled for the packet path: its FAR, QERs and URRs
// resolved to pointers.
type cpdr struct {
	*PDR
	far  *FAR
	qers []*qerRT
	urrs []*urrRT
}

// ruleSet is one immutable version of a session's rules; the packet path
// loads it with one atomic read.
type ruleSet struct {
	rules  Rules
	ul, dl []cpdr // by source interface, by precedence
	teids  []uint32
	ues    []netip.Addr // DL table keys
	bufMax int          // packets (BAR suggestion or default)
}

// Buffer limits per session: BUFF FARs keep at most this many packets and
// octets (what arrives beyond is dropped and counted); a BAR's Suggested
// Buffering Packets Count lowers the packet limit. 128 packets cover the
// burst a UE's TCP flows send during paging (~1 s at low rate) and cap the
// worst case at 192 KiB per idle UE.
const (
	MaxBufferPackets = 128
	MaxBufferBytes   = 192 << 10
)

// Session is one PFCP session on the UPF, keyed by its local SEID.
type Session struct {
	SEID  uint64 // local (UP) SEID
	u     *UPF
	rules atomic.Pointer[ruleSet]
	Stats Counters
	owner atomic.Value // the N4 glue's context (the *n4.Session)
	// raSent counts Router Advertisements sent to the UE.
	raSent atomic.Uint64

	mu   sync.Mutex // writers: install, delete
	qers map[uint32]*qerRT
	urrs map[uint32]*urrRT
	dead bool

	buf buffer
}

// buffer holds downlink packets of BUFF FARs, oldest first.
// Spec: TS 29.244 §5.2.3.1
type buffer struct {
	mu       sync.Mutex
	pkts     [][]byte
	pdr      []uint16 // the PDR each packet matched
	bytes    int
	reported atomic.Bool // a Downlink Data Report was sent since the FAR turned BUFF
	// held: packets may be in the buffer; a packet whose FAR forwards
	// then checks whether it must queue behind them (order.go).
	held atomic.Bool
}

// SetOwner records the N4 glue's handle of the session.
func (s *Session) SetOwner(v any) { s.owner.Store(v) }

// Owner is what SetOwner recorded, or nil.
func (s *Session) Owner() any { return s.owner.Load() }

// Rules returns a copy of the installed rules.
func (s *Session) Rules() Rules {
	if rs := s.rules.Load(); rs != nil {
		return rs.rules.Clone()
	}
	return Rules{}
}

// compile checks rs's references and builds the packet-path view; qers
// and urrs are the session's meter state (reused when unchanged).
func compile(r Rules, qers map[uint32]*qerRT, urrs map[uint32]*urrRT) (*ruleSet, error) {
	rs := &ruleSet{rules: r, bufMax: MaxBufferPackets}
	if r.BAR != nil && r.BAR.SuggestedPackets > 0 {
		rs.bufMax = int(r.BAR.SuggestedPackets)
	}
	fars := make(map[uint32]*FAR, len(r.FARs))
	for i := range r.FARs {
		f := &rs.rules.FARs[i]
		if _, dup := fars[f.ID]; dup {
			return nil, &RuleError{"FAR", f.ID, "duplicate FAR ID"}
		}
		if f.Action&(ActForw|ActDrop|ActBuff) == 0 {
			return nil, &RuleError{"FAR", f.ID, "apply action has none of FORW, DROP, BUFF"}
		}
		fars[f.ID] = f
	}
	seen := make(map[uint16]bool, len(r.PDRs))
	for i := range rs.rules.PDRs {
		p := &rs.rules.PDRs[i]
		if seen[p.ID] {
			return nil, &RuleError{"PDR", uint32(p.ID), "duplicate PDR ID"}
		}
		seen[p.ID] = true
		c := cpdr{PDR: p, far: fars[p.FARID]}
		if c.far == nil {
			return nil, &RuleError{"PDR", uint32(p.ID), fmt.Sprintf("FAR %d does not exist", p.FARID)}
		}
		for _, id := range p.QERIDs {
			q := qers[id]
			if q == nil {
				return nil, &RuleError{"PDR", uint32(p.ID), fmt.Sprintf("QER %d does not exist", id)}
			}
			c.qers = append(c.qers, q)
		}
		for _, id := range p.URRIDs {
			u := urrs[id]
			if u == nil {
				return nil, &RuleError{"PDR", uint32(p.ID), fmt.Sprintf("URR %d does not exist", id)}
			}
			c.urrs = append(c.urrs, u)
		}
		switch p.SourceInterface {
		case IfAccess:
			if !p.HasTEID {
				return nil, &RuleError{"PDR", uint32(p.ID), "access PDR without local F-TEID"}
			}
			rs.ul = append(rs.ul, c)
			if !slices.Contains(rs.teids, p.TEID) {
				rs.teids = append(rs.teids, p.TEID)
			}
		case IfCore:
			if !p.UEIPv4.IsValid() && !p.UEIPv6.IsValid() {
				return nil, &RuleError{"PDR", uint32(p.ID), "core PDR without UE IP address"}
			}
			rs.dl = append(rs.dl, c)
			for _, a := range []netip.Addr{p.UEIPv4, p.UEIPv6} {
				if k := ueKey(a); a.IsValid() && !slices.Contains(rs.ues, k) {
					rs.ues = append(rs.ues, k)
				}
			}
		default:
			return nil, &RuleError{"PDR", uint32(p.ID), fmt.Sprintf("source interface %d not supported", p.SourceInterface)}
		}
	}
	byPrec := func(a, b cpdr) int { return cmp.Compare(a.Precedence, b.Precedence) }
	slices.SortStableFunc(rs.ul, byPrec)
	slices.SortStableFunc(rs.dl, byPrec)
	return rs, nil
}

// match returns the highest-precedence PDR of list that the packet
// matches. ul selects the uplink reading of SDF filters and the TEID/QFI
// part of the PDI. Spec: TS 29.244 §5.2.1 (PDR lookup by precedence)
func match(list []cpdr, teid uint32, qfi uint8, f *flow, ul bool) *cpdr {
	for i := range list {
		p := &list[i]
		if ul {
			if p.TEID != teid || (p.QFI != 0 && p.QFI != qfi) {
				continue
			}
			if p.UEIPv4.IsValid() || p.UEIPv6.IsValid() {
				if !ueMatch(p.PDR, f.src) {
					continue
				}
			}
		} else if !ueMatch(p.PDR, f.dst) {
			continue
		}
		if len(p.SDF) == 0 {
			return p
		}
		for j := range p.SDF {
			if p.SDF[j].match(f, ul) {
				return p
			}
		}
	}
	return nil
}

func ueMatch(p *PDR, a netip.Addr) bool {
	if a.Is4() {
		return p.UEIPv4 == a
	}
	return p.UEIPv6.IsValid() && ueKey(p.UEIPv6) == ueKey(a)
}
