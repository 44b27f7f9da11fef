package smf

// The rules of package rules as go-pfcp IEs, and the UPF's answers back.
// One function per grouped IE, in the order of the tables of TS 29.244
// §7.5.2 and §7.5.4 so that each reads against its table.

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"

	"go5g/internal/n1"
	"go5g/internal/rules"
)

// F-TEID flags. Spec: TS 29.244 §8.2.3
const (
	fteidV4   = 0x01
	fteidV6   = 0x02
	fteidCH   = 0x04
	fteidCHID = 0x08
)

// UE IP Address flags. Spec: TS 29.244 §8.2.62
const (
	ueipV6    = 0x01
	ueipV4    = 0x02
	ueipSD    = 0x04 // destination address (set on DL PDRs)
	ueipIP6PL = 0x40 // IPv6 Prefix Length field present
)

// Outer Header Creation descriptions (octet 5). Spec: TS 29.244 §8.2.56
const (
	ohcGTPUIPv4 = 0x0100
	ohcGTPUIPv6 = 0x0200
)

func ipOf(a netip.Addr) net.IP {
	if !a.IsValid() {
		return nil
	}
	return a.AsSlice()
}

func strOf(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// fteidIE encodes an F-TEID. With Choose the UP function allocates the
// TEID and address: CH is set and V4/V6 say which address family is
// wanted (§8.2.3: "the V4/V6 flags ... shall be set ... to request"); the
// CP function asks for the family of the UPF's N4 address.
func fteidIE(f rules.FTEID, v6 bool) *ie.IE {
	if f.Choose {
		flags := uint8(fteidCH | fteidV4)
		if v6 {
			flags = fteidCH | fteidV6
		}
		if f.ChooseID != 0 {
			flags |= fteidCHID
		}
		return ie.NewFTEID(flags, 0, nil, nil, f.ChooseID)
	}
	var flags uint8
	if f.IPv4.IsValid() {
		flags |= fteidV4
	}
	if f.IPv6.IsValid() {
		flags |= fteidV6
	}
	return ie.NewFTEID(flags, f.TEID, ipOf(f.IPv4), ipOf(f.IPv6), 0)
}

// ueipIE encodes the UE IP Address of a PDI: the IPv4 address and/or the
// IPv6 prefix (its first address with the prefix length, IP6PL).
// Spec: TS 29.244 §8.2.62
func ueipIE(u rules.UEIP) *ie.IE {
	var flags, plen uint8
	if u.IPv4.IsValid() {
		flags |= ueipV4
	}
	if u.IPv6Prefix.IsValid() {
		flags |= ueipV6 | ueipIP6PL
		plen = uint8(u.IPv6Prefix.Bits())
	}
	if u.Destination {
		flags |= ueipSD
	}
	return ie.NewUEIPAddress(flags, strOf(u.IPv4), strOf(u.IPv6Prefix.Masked().Addr()), 0, plen)
}

// pdiIE encodes a PDI. Spec: TS 29.244 §7.5.2.2 Table 7.5.2.2-2
func pdiIE(p rules.PDI, v6 bool) *ie.IE {
	ies := []*ie.IE{ie.NewSourceInterface(uint8(p.SourceInterface))}
	if p.FTEID != nil {
		ies = append(ies, fteidIE(*p.FTEID, v6))
	}
	if p.NetworkInstance != "" {
		ies = append(ies, ie.NewNetworkInstance(p.NetworkInstance))
	}
	if p.UEIP != nil {
		ies = append(ies, ueipIE(*p.UEIP))
	}
	if p.QFI != 0 {
		ies = append(ies, ie.NewQFI(p.QFI))
	}
	for _, f := range p.SDFFilters {
		// Spec: TS 29.244 §8.2.5 (FD flag: Flow Description; BID: SDF Filter ID)
		ies = append(ies, ie.NewSDFFilter(f.FlowDescription, "", "", "", f.ID))
	}
	return ie.NewPDI(ies...)
}

// pdrIEs are the members of a Create PDR or Update PDR.
// Spec: TS 29.244 §7.5.2.2 Table 7.5.2.2-1, §7.5.4.2 Table 7.5.4.2-1
func pdrIEs(p rules.PDR, v6 bool) []*ie.IE {
	ies := []*ie.IE{ie.NewPDRID(p.ID), ie.NewPrecedence(p.Precedence), pdiIE(p.PDI, v6)}
	if p.OuterHeaderRemoval != nil {
		// Octet 6 (GTP-U Extension Header Deletion) 0: keep nothing special.
		ies = append(ies, ie.NewOuterHeaderRemoval(*p.OuterHeaderRemoval, 0))
	}
	ies = append(ies, ie.NewFARID(p.FARID))
	for _, q := range p.QERIDs {
		ies = append(ies, ie.NewQERID(q))
	}
	for _, u := range p.URRIDs {
		ies = append(ies, ie.NewURRID(u))
	}
	return ies
}

// applyActionIE encodes the FAR's flags in both octets (octet 5: DROP,
// FORW, BUFF, NOCP, DUPL, ...; octet 6 from Rel-16). Spec: TS 29.244 §8.2.26
func applyActionIE(a rules.ApplyAction) *ie.IE {
	return ie.NewApplyAction(uint8(a), uint8(a>>8))
}

// forwardingIEs are the members of (Update) Forwarding Parameters.
// Spec: TS 29.244 §7.5.2.3 Table 7.5.2.3-2, §8.2.56
func forwardingIEs(f rules.Forwarding) []*ie.IE {
	ies := []*ie.IE{ie.NewDestinationInterface(uint8(f.DestinationInterface))}
	if f.NetworkInstance != "" {
		ies = append(ies, ie.NewNetworkInstance(f.NetworkInstance))
	}
	if o := f.OuterHeaderCreation; o != nil {
		if o.Addr.Is4() {
			ies = append(ies, ie.NewOuterHeaderCreation(ohcGTPUIPv4, o.TEID, o.Addr.String(), "", 0, 0, 0))
		} else {
			ies = append(ies, ie.NewOuterHeaderCreation(ohcGTPUIPv6, o.TEID, "", o.Addr.String(), 0, 0, 0))
		}
	}
	return ies
}

// createFAR encodes a Create FAR. Spec: TS 29.244 §7.5.2.3
func createFAR(f rules.FAR) *ie.IE {
	ies := []*ie.IE{ie.NewFARID(f.ID), applyActionIE(f.Action)}
	if f.Forwarding != nil {
		ies = append(ies, ie.NewForwardingParameters(forwardingIEs(*f.Forwarding)...))
	}
	return ie.NewCreateFAR(ies...)
}

// updateFAR encodes an Update FAR. Spec: TS 29.244 §7.5.4.3
func updateFAR(f rules.FAR) *ie.IE {
	ies := []*ie.IE{ie.NewFARID(f.ID), applyActionIE(f.Action)}
	if f.Forwarding != nil {
		ies = append(ies, ie.NewUpdateForwardingParameters(forwardingIEs(*f.Forwarding)...))
	}
	return ie.NewUpdateFAR(ies...)
}

// kbps converts bit/s to the MBR's kbit/s, rounding up so that a small
// non-zero rate does not become "no traffic". Spec: TS 29.244 §8.2.8
func kbps(bps uint64) uint64 { return (bps + 999) / 1000 }

// qerIEs are the members of a Create/Update QER: gates, MBR and the QFI
// the UPF marks downlink G-PDUs with. Spec: TS 29.244 §7.5.2.5, §8.2.7,
// §8.2.8, §8.2.89
func qerIEs(q rules.QER) []*ie.IE {
	ies := []*ie.IE{ie.NewQERID(q.ID), ie.NewGateStatus(uint8(q.GateUplink), uint8(q.GateDownlink))}
	if q.MBRUplink != 0 || q.MBRDownlink != 0 {
		ies = append(ies, ie.NewMBR(kbps(q.MBRUplink), kbps(q.MBRDownlink)))
	}
	if q.GBRUplink != 0 || q.GBRDownlink != 0 {
		// Spec: TS 29.244 §8.2.9 (GBR, kbit/s like the MBR)
		ies = append(ies, ie.NewGBR(kbps(q.GBRUplink), kbps(q.GBRDownlink)))
	}
	if q.QFI != 0 {
		ies = append(ies, ie.NewQFI(q.QFI))
	}
	if q.CorrelationID != 0 {
		ies = append(ies, ie.NewQERCorrelationID(q.CorrelationID))
	}
	return ies
}

// createURR encodes a Create URR: Reporting Triggers is mandatory even
// when no trigger is set (usage is then reported on deletion only).
// Spec: TS 29.244 §7.5.2.4, §8.2.19 (PERIO octet 5 bit 1, VOLTH bit 2)
func createURR(u rules.URR) *ie.IE {
	m := func(f rules.MeasurementMethod) int {
		if u.Method&f != 0 {
			return 1
		}
		return 0
	}
	var trig uint8
	if u.PeriodSeconds != 0 {
		trig |= 0x01
	}
	if u.VolumeThreshold != 0 {
		trig |= 0x02
	}
	ies := []*ie.IE{ie.NewURRID(u.ID), ie.NewMeasurementMethod(m(rules.MeasureEvent), m(rules.MeasureVolume), m(rules.MeasureDuration)),
		ie.NewReportingTriggers(trig, 0, 0)}
	if u.PeriodSeconds != 0 {
		ies = append(ies, ie.NewMeasurementPeriod(time.Duration(u.PeriodSeconds)*time.Second))
	}
	if u.VolumeThreshold != 0 {
		ies = append(ies, ie.NewVolumeThreshold(0x01, u.VolumeThreshold, 0, 0)) // TOVOL
	}
	return ie.NewCreateURR(ies...)
}

// pdnType is the PDN Type IE value of a session from its UE addresses.
// Spec: TS 29.244 §7.5.2.1 (present for a PDU session), §8.2.79
func pdnType(e rules.Establishment) uint8 {
	var v4, v6 bool
	for _, p := range e.PDRs {
		if u := p.PDI.UEIP; u != nil {
			v4 = v4 || u.IPv4.IsValid()
			v6 = v6 || u.IPv6Prefix.IsValid()
		}
	}
	switch {
	case v4 && v6:
		return ie.PDNTypeIPv4v6
	case v6:
		return ie.PDNTypeIPv6
	}
	return ie.PDNTypeIPv4
}

// establishmentRequest builds a Session Establishment Request; the node
// sets the sequence number, the header SEID is 0.
// Spec: TS 29.244 §7.5.2.1 Table 7.5.2.1-1
func establishmentRequest(nodeID, cpFSEID *ie.IE, e rules.Establishment, v6 bool) *message.SessionEstablishmentRequest {
	ies := []*ie.IE{nodeID, cpFSEID}
	for _, p := range e.PDRs {
		ies = append(ies, ie.NewCreatePDR(pdrIEs(p, v6)...))
	}
	for _, f := range e.FARs {
		ies = append(ies, createFAR(f))
	}
	for _, u := range e.URRs {
		ies = append(ies, createURR(u))
	}
	for _, q := range e.QERs {
		ies = append(ies, ie.NewCreateQER(qerIEs(q)...))
	}
	ies = append(ies, ie.NewPDNType(pdnType(e)))
	return message.NewSessionEstablishmentRequest(0, 0, 0, 0, 0, ies...)
}

// modificationRequest builds a Session Modification Request.
// Spec: TS 29.244 §7.5.4.1 Table 7.5.4.1-1
func modificationRequest(m rules.Modification, v6 bool) *message.SessionModificationRequest {
	var ies []*ie.IE
	for _, id := range m.RemovePDRs {
		ies = append(ies, ie.NewRemovePDR(ie.NewPDRID(id)))
	}
	for _, id := range m.RemoveFARs {
		ies = append(ies, ie.NewRemoveFAR(ie.NewFARID(id)))
	}
	for _, id := range m.RemoveQERs {
		ies = append(ies, ie.NewRemoveQER(ie.NewQERID(id)))
	}
	for _, p := range m.CreatePDRs {
		ies = append(ies, ie.NewCreatePDR(pdrIEs(p, v6)...))
	}
	for _, f := range m.CreateFARs {
		ies = append(ies, createFAR(f))
	}
	for _, q := range m.CreateQERs {
		ies = append(ies, ie.NewCreateQER(qerIEs(q)...))
	}
	for _, p := range m.UpdatePDRs {
		ies = append(ies, ie.NewUpdatePDR(pdrIEs(p, v6)...))
	}
	for _, f := range m.UpdateFARs {
		ies = append(ies, updateFAR(f))
	}
	for _, q := range m.UpdateQERs {
		ies = append(ies, ie.NewUpdateQER(qerIEs(q)...))
	}
	return message.NewSessionModificationRequest(0, 0, 0, 0, 0, ies...)
}

// guard runs a go-pfcp accessor: the library indexes slices with lengths
// from the payload and may panic on a short IE from the peer.
func guard[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed IE: %v", r)
		}
	}()
	return f()
}

func members(g *ie.IE) []*ie.IE {
	if len(g.ChildIEs) > 0 {
		return g.ChildIEs
	}
	c, err := guard(func() ([]*ie.IE, error) { return ie.ParseMultiIEs(g.Payload) })
	if err != nil {
		return nil
	}
	return c
}

func addrOfIP(ip net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a.Unmap()
}

// createdPDRs reads the Created PDR IEs: the F-TEIDs the UPF chose.
// Spec: TS 29.244 §7.5.3.2 Table 7.5.3.2-1
func createdPDRs(list []*ie.IE) ([]rules.CreatedPDR, error) {
	var out []rules.CreatedPDR
	for _, g := range list {
		var c rules.CreatedPDR
		var haveID bool
		for _, i := range members(g) {
			switch i.Type {
			case ie.PDRID:
				id, err := guard(i.PDRID)
				if err != nil {
					return nil, fmt.Errorf("Created PDR: PDR ID: %w", err)
				}
				c.ID, haveID = id, true
			case ie.FTEID:
				f, err := guard(i.FTEID)
				if err != nil {
					return nil, fmt.Errorf("Created PDR: F-TEID: %w", err)
				}
				c.FTEID = rules.FTEID{TEID: f.TEID, IPv4: addrOfIP(f.IPv4Address), IPv6: addrOfIP(f.IPv6Address)}
			}
		}
		if !haveID {
			return nil, errors.New("Created PDR without PDR ID")
		}
		out = append(out, c)
	}
	return out, nil
}

// RejectError is a PFCP session request the UPF answered with a cause
// other than "Request accepted", with the Offending IE (#66..#69) or
// Failed Rule ID (#73) it gave. Spec: TS 29.244 §7.2.3.2, §8.2.1
type RejectError struct {
	UPF         string
	MessageType uint8 // the request's type
	Cause       uint8 // PFCP cause
	Offending   uint16
	FailedRule  uint32
}

func (e *RejectError) Error() string {
	s := fmt.Sprintf("smf: UPF %s rejected PFCP message type %d with cause %d", e.UPF, e.MessageType, e.Cause)
	if e.Offending != 0 {
		s += fmt.Sprintf(" (offending IE %d)", e.Offending)
	}
	if e.FailedRule != 0 {
		s += fmt.Sprintf(" (failed rule %d)", e.FailedRule)
	}
	return s
}

// GSMCause maps the PFCP cause to the 5GSM cause for the UE: a UPF out of
// resources or in congestion (PFCP #74, #75) is #26 "insufficient
// resources"; any other reject means the network failed to set up what
// it decided, #38 "network failure".
//
// Spec: TS 24.501 §6.4.1.4.2, Annex B (#26, #38); TS 29.244 §8.2.1
func (e *RejectError) GSMCause() uint8 {
	switch e.Cause {
	case ie.CausePFCPEntityInCongestion, ie.CauseNoResourcesAvailable:
		return n1.SMCauseInsufficientResources
	}
	return n1.SMCauseNetworkFailure
}

// UnavailableError is a UPF with no PFCP association: it never answered
// an Association Setup, died, or the user plane is off. The 5GSM cause is
// #26 "insufficient resources", as for a DNN no UPF serves: the network
// has no user plane resource for the session now, and the UE may retry.
//
// Spec: TS 24.501 §6.4.1.4.2, Annex B (#26); TS 29.244 §6.2.6.1 (no
// session procedures without an association)
type UnavailableError struct {
	UPF string
	Err error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("smf: UPF %s unavailable: %v", e.UPF, e.Err)
}
func (e *UnavailableError) Unwrap() error { return e.Err }

// GSMCause is #26. See the type's comment.
func (e *UnavailableError) GSMCause() uint8 { return n1.SMCauseInsufficientResources }

// rejectOf returns a *RejectError for a response whose cause is not
// "accepted", nil otherwise.
func rejectOf(upf string, reqType uint8, cause uint8, offending, failed *ie.IE) error {
	if cause == ie.CauseRequestAccepted {
		return nil
	}
	e := &RejectError{UPF: upf, MessageType: reqType, Cause: cause}
	if offending != nil {
		e.Offending, _ = guard(offending.OffendingIE)
	}
	if failed != nil {
		e.FailedRule, _ = guard(failed.FailedRuleID)
	}
	return e
}
