package pcf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/free5gc/openapi/models"
)

// ResourceType is the resource type of a 5QI.
//
// Spec: TS 23.501 §5.7.3.2
type ResourceType uint8

// Resource types.
const (
	NonGBR ResourceType = iota + 1
	GBR
	DelayCriticalGBR
)

func (r ResourceType) String() string {
	switch r {
	case NonGBR:
		return "Non-GBR"
	case GBR:
		return "GBR"
	case DelayCriticalGBR:
		return "Delay-critical GBR"
	}
	return "ResourceType(" + strconv.Itoa(int(r)) + ")"
}

// IsGBR reports whether flows of this type have a guaranteed bit rate and
// so need GFBR and MFBR.
func (r ResourceType) IsGBR() bool { return r == GBR || r == DelayCriticalGBR }

// QoSCharacteristics are the standardized characteristics of a 5QI that
// the PCF decides with.
type QoSCharacteristics struct {
	Type          ResourceType
	PriorityLevel int32 // default priority level
}

// standardized5QI is TS 23.501 Table 5.7.4-1 (Release 17): 5QI to resource
// type and default priority level. 75 (V2X, removed) and the
// operator-specific range 128-254 are not in it.
//
// Spec: TS 23.501 §5.7.4, Table 5.7.4-1
var standardized5QI = map[int32]QoSCharacteristics{
	1: {GBR, 20}, 2: {GBR, 40}, 3: {GBR, 30}, 4: {GBR, 50},
	65: {GBR, 7}, 66: {GBR, 20}, 67: {GBR, 15},
	71: {GBR, 56}, 72: {GBR, 56}, 73: {GBR, 56}, 74: {GBR, 56}, 76: {GBR, 56},
	5: {NonGBR, 10}, 6: {NonGBR, 60}, 7: {NonGBR, 70}, 8: {NonGBR, 80}, 9: {NonGBR, 90},
	10: {NonGBR, 90}, 69: {NonGBR, 5}, 70: {NonGBR, 55}, 79: {NonGBR, 65}, 80: {NonGBR, 68},
	82: {DelayCriticalGBR, 19}, 83: {DelayCriticalGBR, 22}, 84: {DelayCriticalGBR, 24},
	85: {DelayCriticalGBR, 21}, 86: {DelayCriticalGBR, 18}, 87: {DelayCriticalGBR, 25},
	88: {DelayCriticalGBR, 25}, 89: {DelayCriticalGBR, 25}, 90: {DelayCriticalGBR, 25},
}

// Standardized5QI returns the characteristics of a standardized 5QI, and
// false for any other value.
//
// Spec: TS 23.501 Table 5.7.4-1
func Standardized5QI(v int32) (QoSCharacteristics, bool) {
	c, ok := standardized5QI[v]
	return c, ok
}

// checkARP checks an Allocation and Retention Priority: every member is
// mandatory, the priority level is 1-15.
//
// Spec: TS 29.571 §5.5.4.1 (Arp), TS 23.501 §5.7.2.2
func checkARP(a *models.Arp) error {
	if a == nil {
		return fmt.Errorf("missing")
	}
	if a.PriorityLevel < 1 || a.PriorityLevel > 15 {
		return fmt.Errorf("priorityLevel %d: want 1 to 15", a.PriorityLevel)
	}
	switch a.PreemptCap {
	case models.PreemptionCapability_NOT_PREEMPT, models.PreemptionCapability_MAY_PREEMPT:
	default:
		return fmt.Errorf("preemptCap %q: want NOT_PREEMPT or MAY_PREEMPT", a.PreemptCap)
	}
	switch a.PreemptVuln {
	case models.PreemptionVulnerability_NOT_PREEMPTABLE, models.PreemptionVulnerability_PREEMPTABLE:
	default:
		return fmt.Errorf("preemptVuln %q: want NOT_PREEMPTABLE or PREEMPTABLE", a.PreemptVuln)
	}
	return nil
}

// checkPriority checks a 5QI priority level, when one is given (0 means
// the 5QI's default).
//
// Spec: TS 29.571 §5.5.2 (5QiPriorityLevel, 1-127)
func checkPriority(p int32) error {
	if p < 0 || p > 127 {
		return fmt.Errorf("%d: want 1 to 127", p)
	}
	return nil
}

// checkDefault5QI checks the 5QI of a default QoS flow: a standardized
// non-GBR 5QI.
//
// Spec: TS 23.501 §5.7.2.7 ("The subscribed default 5QI value shall be a
// non-GBR 5QI from the standardized value range")
func checkDefault5QI(v int32) error {
	c, ok := Standardized5QI(v)
	if !ok {
		return fmt.Errorf("5QI %d is not in TS 23.501 Table 5.7.4-1", v)
	}
	if c.Type != NonGBR {
		return fmt.Errorf("5QI %d is %v; a default QoS flow needs a non-GBR 5QI", v, c.Type)
	}
	return nil
}

// checkAMBR parses both directions of a session AMBR.
//
// Spec: TS 29.571 §5.5.4.2 (Ambr: uplink and downlink mandatory)
func checkAMBR(a *models.Ambr) error {
	if a == nil {
		return fmt.Errorf("missing")
	}
	if _, err := ParseBitRate(a.Uplink); err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	if _, err := ParseBitRate(a.Downlink); err != nil {
		return fmt.Errorf("downlink: %w", err)
	}
	return nil
}

// protocolNumber maps the protocol names a configured flow description may
// use for readability to the number the decision carries, as RFC 6733 wants.
func protocolNumber(name string) (string, bool) {
	switch name {
	case "icmp":
		return "1", true
	case "tcp":
		return "6", true
	case "udp":
		return "17", true
	case "icmpv6":
		return "58", true
	case "sctp":
		return "132", true
	}
	return "", false
}

// NormalizeFlowDescription checks an IPFilterRule as a PCC rule's packet
// filter allows it and returns it with a protocol name replaced by its
// number:
//
//	permit out <proto> from <src> [<ports>] to <dst> [<ports>]
//
// proto is "ip", a number 0-255, or one of icmp, tcp, udp, icmpv6, sctp;
// an address is "any", "assigned" (the UE's address) or an IPv4/IPv6
// address with an optional /prefix; ports are a comma-separated list of
// ports and ranges ("5000-5010"). Options are not allowed. "out" is from
// the network to the UE; the same rule read in reverse filters uplink.
//
// Spec: TS 29.512 §5.6.2.14 (FlowInformation.flowDescription), TS 29.214
// §5.3.8 (Flow-Description: "permit out", no options), RFC 6733 §4.3.1
// (IPFilterRule)
func NormalizeFlowDescription(s string) (string, error) {
	f := strings.Fields(s)
	if len(f) < 7 || f[0] != "permit" || f[1] != "out" {
		return "", fmt.Errorf("%q: want \"permit out <proto> from <addr> [ports] to <addr> [ports]\"", s)
	}
	proto := f[2]
	if n, ok := protocolNumber(strings.ToLower(proto)); ok {
		proto = n
	} else if proto != "ip" {
		n, err := strconv.ParseUint(proto, 10, 8)
		if err != nil {
			return "", fmt.Errorf("%q: protocol %q: want ip, a number 0-255 or a name", s, f[2])
		}
		proto = strconv.FormatUint(n, 10)
	}
	out := []string{"permit", "out", proto}
	rest := f[3:]
	for _, dir := range []string{"from", "to"} {
		if len(rest) < 2 || rest[0] != dir {
			return "", fmt.Errorf("%q: want %q <addr>", s, dir)
		}
		if err := checkFilterAddr(rest[1]); err != nil {
			return "", fmt.Errorf("%q: %s address: %w", s, dir, err)
		}
		out = append(out, dir, rest[1])
		rest = rest[2:]
		if len(rest) > 0 && rest[0] != "to" {
			if err := checkPorts(rest[0]); err != nil {
				return "", fmt.Errorf("%q: %s ports: %w", s, dir, err)
			}
			out = append(out, rest[0])
			rest = rest[1:]
		}
	}
	if len(rest) > 0 {
		return "", fmt.Errorf("%q: unexpected %q (options are not allowed)", s, strings.Join(rest, " "))
	}
	return strings.Join(out, " "), nil
}

func checkFilterAddr(a string) error {
	if a == "any" || a == "assigned" {
		return nil
	}
	if strings.Contains(a, "/") {
		if _, err := netip.ParsePrefix(a); err != nil {
			return err
		}
		return nil
	}
	if _, err := netip.ParseAddr(a); err != nil {
		return err
	}
	return nil
}

func checkPorts(p string) error {
	for part := range strings.SplitSeq(p, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return fmt.Errorf("%q is not a port", lo)
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 16)
			if err != nil {
				return fmt.Errorf("%q is not a port", hi)
			}
			if b < a {
				return fmt.Errorf("range %s is empty", part)
			}
		}
	}
	return nil
}
