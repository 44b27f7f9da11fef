package upf

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Interface values of the Source and Destination Interface IEs.
// Spec: TS 29.244 §8.2.2, §8.2.24
const (
	IfAccess uint8 = 0
	IfCore   uint8 = 1
)

// Apply Action flags (first two octets of the IE, first octet low).
// Spec: TS 29.244 §8.2.26
const (
	ActDrop uint16 = 1 << 0
	ActForw uint16 = 1 << 1
	ActBuff uint16 = 1 << 2
	ActNocp uint16 = 1 << 3
	ActDupl uint16 = 1 << 4
)

// Reporting triggers this UPF acts on. Spec: TS 29.244 §8.2.19
const (
	TrigVolumeThreshold uint32 = 1 << 0 // VOLTH
	TrigTimeThreshold   uint32 = 1 << 1 // TIMTH
)

// PDR is a Packet Detection Rule. Spec: TS 29.244 §5.2.1, §7.5.2.2
type PDR struct {
	ID         uint16
	Precedence uint32 // lower value wins (§5.2.1)
	// PDI.
	SourceInterface uint8
	// Local F-TEID: TEID on N3 for uplink PDRs. Choose asks the UPF to
	// allocate it (§5.5.3); PDRs of one session with the same ChooseID
	// get the same TEID.
	HasTEID   bool
	TEID      uint32
	Choose    bool
	ChooseID  uint8
	UEIPv4    netip.Addr // UE IPv4 address, or invalid
	UEIPv6    netip.Addr // UE IPv6 address (/64 prefix match), or invalid
	QFI       uint8      // 0: any
	SDF       []SDFFilter
	RemoveOHC bool // Outer Header Removal of GTP-U/UDP/IP

	FARID  uint32
	QERIDs []uint32
	URRIDs []uint32
}

// OuterHeader is the Outer Header Creation of a FAR: GTP-U/UDP/IPv4 or
// IPv6 towards Addr with TEID. Spec: TS 29.244 §8.2.56
type OuterHeader struct {
	TEID uint32
	Addr netip.AddrPort
}

// FAR is a Forwarding Action Rule. Spec: TS 29.244 §5.2.1, §7.5.2.3
type FAR struct {
	ID          uint32
	Action      uint16
	DestIf      uint8
	OHC         *OuterHeader // nil: no encapsulation (towards N6)
	BARID       uint8
	HasBARID    bool
	hasDestIf   bool
	hasFwdParam bool
}

// QER is a QoS Enforcement Rule. MBRs are in kbit/s as on the wire
// (0: no limit). Spec: TS 29.244 §5.2.1, §7.5.2.5, §8.2.7, §8.2.8
type QER struct {
	ID           uint32
	GateULClosed bool
	GateDLClosed bool
	MBRUL, MBRDL uint64
	QFI          uint8 // QFI to put in DL PDU Session Containers; 0: none
}

// URR is a Usage Reporting Rule with volume and duration measurement.
// Spec: TS 29.244 §5.2.2, §7.5.2.4
type URR struct {
	ID              uint32
	Triggers        uint32
	VolumeThreshold uint64 // total octets; 0: none
	TimeThreshold   time.Duration
}

// BAR is a Buffering Action Rule. Spec: TS 29.244 §5.2.3, §7.5.2.6
type BAR struct {
	ID               uint8
	SuggestedPackets uint8 // 0: the UPF's default limit
}

// SDFFilter is the subset of an IPFilterRule ("permit out" flow
// description) the UPF matches: protocol, addresses with prefix and port
// ranges. As in TS 29.212 §5.4.2 the rule reads from the network's side:
// From is the remote (data network) end, To the UE end; uplink packets
// match it reversed. Spec: TS 29.212 §5.4.2, TS 29.244 §8.2.5
type SDFFilter struct {
	Proto    uint8 // 0: any ("ip")
	From, To netip.Prefix
	FromPort [2]uint16 // inclusive range; {0, 65535} when absent
	ToPort   [2]uint16
}

var anyPort = [2]uint16{0, 65535}

// ParseFlowDescription parses "permit out <proto> from <addr> [ports] to
// <addr> [ports]". Addresses are "any", "assigned" (the UE address: any
// here, the PDR's UE IP address restricts it), an address or a CIDR.
// Options after the addresses are not supported and rejected.
// Spec: TS 29.212 §5.4.2 (IPFilterRule of RFC 6733 §4.3)
func ParseFlowDescription(s string) (SDFFilter, error) {
	f := SDFFilter{FromPort: anyPort, ToPort: anyPort}
	tok := strings.Fields(s)
	if len(tok) < 7 || tok[0] != "permit" || tok[1] != "out" {
		return f, fmt.Errorf("flow description %q: want \"permit out <proto> from ... to ...\"", s)
	}
	if tok[2] != "ip" {
		p, err := strconv.ParseUint(tok[2], 10, 8)
		if err != nil {
			switch tok[2] {
			case "tcp":
				p = 6
			case "udp":
				p = 17
			case "icmp":
				p = 1
			case "icmpv6", "ipv6-icmp":
				p = 58
			default:
				return f, fmt.Errorf("flow description %q: protocol %q", s, tok[2])
			}
		}
		f.Proto = uint8(p)
	}
	i := 3
	var err error
	if tok[i] != "from" {
		return f, fmt.Errorf("flow description %q: want \"from\"", s)
	}
	i++
	if f.From, f.FromPort, i, err = endpoint(tok, i); err != nil {
		return f, fmt.Errorf("flow description %q: %w", s, err)
	}
	if i >= len(tok) || tok[i] != "to" {
		return f, fmt.Errorf("flow description %q: want \"to\"", s)
	}
	if f.To, f.ToPort, i, err = endpoint(tok, i+1); err != nil {
		return f, fmt.Errorf("flow description %q: %w", s, err)
	}
	if i != len(tok) {
		return f, fmt.Errorf("flow description %q: unsupported options %q", s, strings.Join(tok[i:], " "))
	}
	return f, nil
}

// endpoint parses "<addr> [ports]" at tok[i].
func endpoint(tok []string, i int) (netip.Prefix, [2]uint16, int, error) {
	if i >= len(tok) {
		return netip.Prefix{}, anyPort, i, errors.New("address missing")
	}
	var p netip.Prefix
	switch a := tok[i]; {
	case a == "any" || a == "assigned":
	case strings.Contains(a, "/"):
		var err error
		if p, err = netip.ParsePrefix(a); err != nil {
			return p, anyPort, i, err
		}
		p = p.Masked()
	default:
		ad, err := netip.ParseAddr(a)
		if err != nil {
			return p, anyPort, i, err
		}
		p = netip.PrefixFrom(ad, ad.BitLen())
	}
	i++
	ports := anyPort
	if i < len(tok) && tok[i] != "to" && tok[i][0] >= '0' && tok[i][0] <= '9' {
		lo, hi, ok := strings.Cut(tok[i], "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return p, ports, i, fmt.Errorf("port %q", tok[i])
		}
		b := a
		if ok {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return p, ports, i, fmt.Errorf("port range %q", tok[i])
			}
		}
		ports = [2]uint16{uint16(a), uint16(b)}
		i++
	}
	return p, ports, i, nil
}

// flow is the 5-tuple of an IP packet that SDF filters look at.
type flow struct {
	proto            uint8
	src, dst         netip.Addr
	sport, dport     uint16
	hasPorts, parsed bool
}

// parseFlow reads the 5-tuple of an IPv4 or IPv6 packet without
// allocating. Ports are read from the first fragment of TCP, UDP and SCTP
// only; IPv6 extension headers are not walked (their proto is reported).
func parseFlow(b []byte) (flow, bool) {
	var f flow
	if len(b) < 1 {
		return f, false
	}
	var l4 []byte
	switch b[0] >> 4 {
	case 4:
		ihl := int(b[0]&0x0f) * 4
		if len(b) < 20 || ihl < 20 || len(b) < ihl {
			return f, false
		}
		f.proto = b[9]
		f.src = netip.AddrFrom4([4]byte(b[12:16]))
		f.dst = netip.AddrFrom4([4]byte(b[16:20]))
		if b[6]&0x1f == 0 && b[7] == 0 { // fragment offset 0
			l4 = b[ihl:]
		}
	case 6:
		if len(b) < 40 {
			return f, false
		}
		f.proto = b[6]
		f.src = netip.AddrFrom16([16]byte(b[8:24]))
		f.dst = netip.AddrFrom16([16]byte(b[24:40]))
		l4 = b[40:]
	default:
		return f, false
	}
	if (f.proto == 6 || f.proto == 17 || f.proto == 132) && len(l4) >= 4 {
		f.sport = uint16(l4[0])<<8 | uint16(l4[1])
		f.dport = uint16(l4[2])<<8 | uint16(l4[3])
		f.hasPorts = true
	}
	f.parsed = true
	return f, true
}

func inRange(p uint16, r [2]uint16) bool { return p >= r[0] && p <= r[1] }

// match reports whether a packet with 5-tuple f matches the filter; ul
// reverses the direction (the UE is the source).
func (s *SDFFilter) match(f *flow, ul bool) bool {
	if s.Proto != 0 && s.Proto != f.proto {
		return false
	}
	remote, ue, rport, uport := f.src, f.dst, f.sport, f.dport
	if ul {
		remote, ue, rport, uport = f.dst, f.src, f.dport, f.sport
	}
	if s.From.IsValid() && !s.From.Contains(remote) {
		return false
	}
	if s.To.IsValid() && !s.To.Contains(ue) {
		return false
	}
	if s.FromPort != anyPort || s.ToPort != anyPort {
		if !f.hasPorts || !inRange(rport, s.FromPort) || !inRange(uport, s.ToPort) {
			return false
		}
	}
	return true
}
