package smf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n2"
	"go5g/internal/rules"
)

// qosFlow is a GBR QoS flow of a PDU session besides the default one: one
// per GBR PCC rule of the policy decision, with its own QoS rule for the
// UE, QoS flow on N2 and PDRs and QER on N4.
//
// Spec: TS 23.501 §5.7.1.1 (QoS flows, QoS rules), §5.7.2.5 (GFBR, MFBR);
// TS 29.512 §5.6.2.6 (PccRule), §5.6.2.8 (QosData)
type qosFlow struct {
	rule       string // PCC rule id
	qri, qfi   uint8  // QoS rule identifier, QFI
	precedence uint8  // QoS rule and PDR precedence
	fiveQI     uint8
	arp        uint8
	filters    []flowFilter
	mfbrUL     uint64 // bit/s
	mfbrDL     uint64
	gfbrUL     uint64
	gfbrDL     uint64
}

// QoSFlowInfo describes a GBR QoS flow, for operations and tests.
type QoSFlowInfo struct {
	PCCRule                  string
	QFI, QRI, FiveQI         uint8
	MFBRUplink, MFBRDownlink uint64
	GFBRUplink, GFBRDownlink uint64
	FlowDescriptions         []string
}

func (f *qosFlow) info() QoSFlowInfo {
	i := QoSFlowInfo{PCCRule: f.rule, QFI: f.qfi, QRI: f.qri, FiveQI: f.fiveQI, MFBRUplink: f.mfbrUL,
		MFBRDownlink: f.mfbrDL, GFBRUplink: f.gfbrUL, GFBRDownlink: f.gfbrDL}
	for _, x := range f.filters {
		i.FlowDescriptions = append(i.FlowDescriptions, x.desc)
	}
	return i
}

// Rule IDs of a GBR QoS flow with QFI q (2..63): PDRs 2q-1 (UL) and 2q
// (DL), QER q; the default flow's are 1, 2 and 1. The flow's PDRs use the
// session's FARs and URR.
func flowPDRUL(q uint8) uint16 { return 2*uint16(q) - 1 }
func flowPDRDL(q uint8) uint16 { return 2 * uint16(q) }
func flowQER(q uint8) uint32   { return uint32(q) }

// chidSession is the CHOOSE ID that lets the UL PDRs of every QoS flow
// share the one N3 F-TEID of the session. Spec: TS 29.244 §5.5.3
const chidSession = 1

// flowFilter is one packet filter of a PCC rule: its IPFilterRule and the
// direction of TS 24.501 (1 downlink, 2 uplink, 3 bidirectional).
type flowFilter struct {
	desc string
	dir  uint8
	ipFilter
}

// ipFilter is what a flow description matches, read from the network's
// side as in TS 29.212 §5.4.2: "from" is the remote end, "to" the UE.
type ipFilter struct {
	proto                   uint8 // 0: any
	remote, local           netip.Prefix
	remotePorts, localPorts [2]uint16 // {0, 0}: any
}

// parseFlowDescription reads "permit out <proto> from <addr> [ports] to
// <addr> [ports]" (addresses "any", "assigned", an address or a prefix;
// ports a number or a range).
//
// Spec: TS 29.212 §5.4.2 (IPFilterRule of RFC 6733 §4.3)
func parseFlowDescription(s string) (ipFilter, error) {
	var f ipFilter
	t := strings.Fields(s)
	if len(t) < 7 || t[0] != "permit" || t[1] != "out" || t[3] != "from" {
		return f, fmt.Errorf("flow description %q: want \"permit out <proto> from ... to ...\"", s)
	}
	switch t[2] {
	case "ip":
	case "tcp":
		f.proto = 6
	case "udp":
		f.proto = 17
	case "icmp":
		f.proto = 1
	default:
		p, err := strconv.ParseUint(t[2], 10, 8)
		if err != nil {
			return f, fmt.Errorf("flow description %q: protocol %q", s, t[2])
		}
		f.proto = uint8(p)
	}
	i := 4
	var err error
	if f.remote, f.remotePorts, i, err = flowEndpoint(t, i); err != nil {
		return f, fmt.Errorf("flow description %q: %w", s, err)
	}
	if i >= len(t) || t[i] != "to" {
		return f, fmt.Errorf("flow description %q: want \"to\"", s)
	}
	if f.local, f.localPorts, i, err = flowEndpoint(t, i+1); err != nil {
		return f, fmt.Errorf("flow description %q: %w", s, err)
	}
	if i != len(t) {
		return f, fmt.Errorf("flow description %q: options not supported", s)
	}
	return f, nil
}

func flowEndpoint(t []string, i int) (netip.Prefix, [2]uint16, int, error) {
	var p netip.Prefix
	var ports [2]uint16
	if i >= len(t) {
		return p, ports, i, errors.New("address missing")
	}
	switch a := t[i]; {
	case a == "any" || a == "assigned":
	case strings.Contains(a, "/"):
		var err error
		if p, err = netip.ParsePrefix(a); err != nil {
			return p, ports, i, err
		}
		p = p.Masked()
	default:
		ad, err := netip.ParseAddr(a)
		if err != nil {
			return p, ports, i, err
		}
		p = netip.PrefixFrom(ad, ad.BitLen())
	}
	i++
	if i < len(t) && t[i] != "to" {
		lo, hi, rng := strings.Cut(t[i], "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return p, ports, i, fmt.Errorf("port %q", t[i])
		}
		b := a
		if rng {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return p, ports, i, fmt.Errorf("port range %q", t[i])
			}
		}
		ports = [2]uint16{uint16(a), uint16(b)}
		i++
	}
	return p, ports, i, nil
}

// packetFilterContents encodes a filter as TS 24.501 packet filter
// components, in the order of increasing component type identifier as
// the spec asks ("match-all" when it matches everything).
//
// Spec: TS 24.501 §9.11.4.13 (Table 9.11.4.13.1: 0x01 match-all, 0x10
// IPv4 remote, 0x11 IPv4 local, 0x21 IPv6 remote/prefix length, 0x23 IPv6
// local/prefix length, 0x30 protocol identifier/next header, 0x40/0x41
// single local port/range, 0x50/0x51 single remote port/range)
func (f ipFilter) packetFilterContents() []byte {
	var b []byte
	addr := func(p netip.Prefix, v4, v6 byte) {
		if !p.IsValid() {
			return
		}
		if p.Addr().Is4() {
			a := p.Addr().As4()
			mask := binary.BigEndian.AppendUint32(nil, ^uint32(0)<<(32-p.Bits())) // a shift of 32 gives 0
			b = append(append(append(b, v4), a[:]...), mask...)
			return
		}
		a := p.Addr().As16()
		b = append(append(append(b, v6), a[:]...), byte(p.Bits()))
	}
	addr(f.remote, 0x10, 0x21)
	addr(f.local, 0x11, 0x23)
	if f.proto != 0 {
		b = append(b, 0x30, f.proto)
	}
	port := func(r [2]uint16, single, rng byte) {
		switch {
		case r == [2]uint16{}:
		case r[0] == r[1]:
			b = binary.BigEndian.AppendUint16(append(b, single), r[0])
		default:
			b = binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(append(b, rng), r[0]), r[1])
		}
	}
	port(f.localPorts, 0x40, 0x41)
	port(f.remotePorts, 0x50, 0x51)
	if len(b) == 0 {
		return []byte{0x01}
	}
	return b
}

// QoS rule operation codes. Spec: TS 24.501 §9.11.4.13 (Figure
// 9.11.4.13.2, octet 7 bits 8-6)
const (
	qosRuleCreate           = 1
	qosRuleDelete           = 2
	qosRuleModifyReplaceAll = 3 // modify existing QoS rule and replace all packet filters
)

// qosRule encodes the QoS rule of a flow with operation op: "create" and
// "modify and replace all packet filters" carry the filters, precedence
// and QFI; "delete" carries only the identifier and operation.
//
// Spec: TS 24.501 §9.11.4.13 (Figure 9.11.4.13.2; for "delete existing
// QoS rule" the packet filter list is empty and precedence, segregation
// and QFI are left out)
func (f *qosFlow) qosRule(op uint8) []byte {
	var body []byte
	if op == qosRuleDelete {
		body = []byte{op << 5}
	} else {
		body = []byte{op<<5 | uint8(len(f.filters))&0x0f}
		for i, x := range f.filters {
			c := x.packetFilterContents()
			body = append(body, (x.dir&0x03)<<4|uint8(i+1)&0x0f, byte(len(c)))
			body = append(body, c...)
		}
		body = append(body, f.precedence, f.qfi&0x3f)
	}
	b := []byte{f.qri}
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// QoS flow description operation codes and parameter identifiers.
// Spec: TS 24.501 §9.11.4.12 (Table 9.11.4.12.1)
const (
	qosFlowCreate = 1
	qosFlowDelete = 2
	qosFlowModify = 3

	qfdParam5QI    = 0x01
	qfdParamGFBRUL = 0x02
	qfdParamGFBRDL = 0x03
	qfdParamMFBRUL = 0x04
	qfdParamMFBRDL = 0x05
)

// flowDescription encodes the QoS flow description of a GBR flow: the
// 5QI, GFBR and MFBR each way (unit and value as in the Session-AMBR);
// a deletion carries none (E bit 0).
//
// Spec: TS 24.501 §9.11.4.12
func (f *qosFlow) flowDescription(op uint8) []byte {
	if op == qosFlowDelete {
		return []byte{f.qfi & 0x3f, op << 5, 0}
	}
	b := []byte{f.qfi & 0x3f, op << 5, 0x40 | 5} // E=1: parameters list included, 5 parameters
	b = append(b, qfdParam5QI, 1, f.fiveQI)
	for _, p := range []struct {
		id  byte
		bps uint64
	}{{qfdParamGFBRUL, f.gfbrUL}, {qfdParamGFBRDL, f.gfbrDL}, {qfdParamMFBRUL, f.mfbrUL}, {qfdParamMFBRDL, f.mfbrDL}} {
		u, v := ambr(p.bps)
		b = append(b, p.id, 3, u)
		b = binary.BigEndian.AppendUint16(b, v)
	}
	return b
}

// n2Flow is the flow as an NGAP QoS flow with its GBR QoS Flow Information.
// Spec: TS 38.413 §9.3.1.12, §9.3.1.10
func (f *qosFlow) n2Flow() n2.QosFlowRequest {
	return n2.QosFlowRequest{QFI: f.qfi, FiveQI: f.fiveQI, ARPPriority: f.arp, Preemptable: true,
		GBR: &n2.GBRQosInfo{MFBRUplink: f.mfbrUL, MFBRDownlink: f.mfbrDL, GFBRUplink: f.gfbrUL, GFBRDownlink: f.gfbrDL}}
}

// n4 returns the flow's PDRs and QER. The UL PDR matches the session's
// F-TEID (ul, or the shared CHOOSE ID at establishment), the QFI and the
// SDF filters; the DL PDR the UE address and the SDF filters. Both use
// the session's FARs and URR; the QER enforces the MFBR, carries the GFBR
// and marks the QFI, and the session QER the Session-AMBR. The flow's QER
// comes last so that its QFI is the one DL packets are marked with.
//
// Spec: TS 23.501 §5.7.1.5 (QoS flow binding), §5.8.2.11.3; TS 29.244
// §5.4.1, §8.2.5 (SDF Filter)
func (f *qosFlow) n4(c *smContext, ul *rules.FTEID) ([]rules.PDR, rules.QER) {
	var sdf []rules.SDFFilter
	for _, x := range f.filters {
		sdf = append(sdf, rules.SDFFilter{FlowDescription: x.desc})
	}
	rm := rules.RemoveGTPUUDPIP
	prec := uint32(f.precedence)
	pdrs := []rules.PDR{
		{ID: flowPDRUL(f.qfi), Precedence: prec, PDI: rules.PDI{SourceInterface: rules.Access, FTEID: ul,
			NetworkInstance: c.dnn, UEIP: &rules.UEIP{IPv4: c.v4, IPv6Prefix: c.v6}, QFI: f.qfi, SDFFilters: sdf},
			OuterHeaderRemoval: &rm, FARID: farUL, QERIDs: []uint32{qerSession, flowQER(f.qfi)}, URRIDs: []uint32{urrSession}},
		{ID: flowPDRDL(f.qfi), Precedence: prec, PDI: rules.PDI{SourceInterface: rules.Core, NetworkInstance: c.dnn,
			UEIP: &rules.UEIP{IPv4: c.v4, IPv6Prefix: c.v6, Destination: true}, SDFFilters: sdf},
			FARID: farDL, QERIDs: []uint32{qerSession, flowQER(f.qfi)}, URRIDs: []uint32{urrSession}},
	}
	q := rules.QER{ID: flowQER(f.qfi), MBRUplink: f.mfbrUL, MBRDownlink: f.mfbrDL,
		GBRUplink: f.gfbrUL, GBRDownlink: f.gfbrDL, QFI: f.qfi}
	return pdrs, q
}

// flowFromRule builds the flow of a GBR PCC rule; ok is false for a rule
// that is not GBR (it stays on the default QoS flow).
//
// Spec: TS 29.512 §5.6.2.6 (PccRule), §5.6.2.8 (QosData)
func flowFromRule(r *models.Pcf_SMPolCtrl_PccRule, qos map[string]*models.Pcf_SMPolCtrl_QosData, defARP uint8) (*qosFlow, bool, error) {
	if r == nil || len(r.RefQosData) == 0 {
		return nil, false, nil
	}
	q := qos[r.RefQosData[0]]
	if q == nil {
		return nil, false, fmt.Errorf("PCC rule %s: QoS data %q not in the decision", r.PccRuleId, r.RefQosData[0])
	}
	if q.GbrUl == "" && q.GbrDl == "" {
		return nil, false, nil
	}
	f := &qosFlow{rule: r.PccRuleId, arp: defARP}
	if q.Var5qi < 1 || q.Var5qi > 255 {
		return nil, false, fmt.Errorf("PCC rule %s: 5QI %d", r.PccRuleId, q.Var5qi)
	}
	f.fiveQI = uint8(q.Var5qi)
	if q.Arp != nil && q.Arp.PriorityLevel >= 1 && q.Arp.PriorityLevel <= 15 {
		f.arp = uint8(q.Arp.PriorityLevel)
	}
	var err error
	for _, x := range []struct {
		s string
		v *uint64
	}{{q.GbrUl, &f.gfbrUL}, {q.GbrDl, &f.gfbrDL}, {q.MaxbrUl, &f.mfbrUL}, {q.MaxbrDl, &f.mfbrDL}} {
		if x.s == "" {
			continue
		}
		if *x.v, err = parseBitRate(x.s); err != nil {
			return nil, false, fmt.Errorf("PCC rule %s: %w", r.PccRuleId, err)
		}
	}
	if f.mfbrUL < f.gfbrUL {
		f.mfbrUL = f.gfbrUL
	}
	if f.mfbrDL < f.gfbrDL {
		f.mfbrDL = f.gfbrDL
	}
	// QoS rule precedence 0..255, lower first; the default rule has 255.
	f.precedence = uint8(min(max(r.Precedence, 1), 254))
	if len(r.FlowInfos) == 0 || len(r.FlowInfos) > 15 {
		return nil, false, fmt.Errorf("PCC rule %s: %d packet filters (1 to 15)", r.PccRuleId, len(r.FlowInfos))
	}
	for _, fi := range r.FlowInfos {
		ip, err := parseFlowDescription(fi.FlowDescription)
		if err != nil {
			return nil, false, fmt.Errorf("PCC rule %s: %w", r.PccRuleId, err)
		}
		dir := uint8(3)
		switch fi.FlowDirection {
		case models.Pcf_SMPolCtrl_FlowDirectionRm_DOWNLINK:
			dir = 1
		case models.Pcf_SMPolCtrl_FlowDirectionRm_UPLINK:
			dir = 2
		}
		f.filters = append(f.filters, flowFilter{desc: fi.FlowDescription, dir: dir, ipFilter: ip})
	}
	return f, true, nil
}

// sameFlow reports whether two flows of one rule need no change.
func sameFlow(a, b *qosFlow) bool {
	return a.precedence == b.precedence && a.fiveQI == b.fiveQI && a.arp == b.arp &&
		a.mfbrUL == b.mfbrUL && a.mfbrDL == b.mfbrDL && a.gfbrUL == b.gfbrUL && a.gfbrDL == b.gfbrDL &&
		slices.EqualFunc(a.filters, b.filters, func(x, y flowFilter) bool { return x.desc == y.desc && x.dir == y.dir })
}

// assignIDs gives a new flow the lowest QFI and QoS rule identifier not in
// use (the default flow has QFI 1 and rule 1). ok is false when all 63
// QFIs are taken.
func assignIDs(f *qosFlow, flows []*qosFlow) bool {
	used := func(get func(*qosFlow) uint8, v uint8) bool {
		return slices.ContainsFunc(flows, func(x *qosFlow) bool { return get(x) == v })
	}
	f.qfi, f.qri = 0, 0
	for q := uint8(defaultQFI + 1); q <= 63; q++ {
		if !used(func(x *qosFlow) uint8 { return x.qfi }, q) {
			f.qfi = q
			break
		}
	}
	for r := uint8(2); r != 0; r++ {
		if !used(func(x *qosFlow) uint8 { return x.qri }, r) {
			f.qri = r
			break
		}
	}
	return f.qfi != 0 && f.qri != 0
}
