package upf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// PFCPError is a request the UPF rejects, with what the response carries.
// Spec: TS 29.244 §7.2.3.2 (Offending IE with #66..#69), §7.5.3.1 (Failed
// Rule ID with #73)
type PFCPError struct {
	Cause     uint8
	Offending uint16 // IE type, or 0
	Rule      *RuleError
	Err       error
}

func (e *PFCPError) Error() string {
	return fmt.Sprintf("upf: PFCP cause %d (offending IE %d): %v", e.Cause, e.Offending, e.Err)
}

func missing(t uint16, where string) *PFCPError {
	return &PFCPError{Cause: ie.CauseMandatoryIEMissing, Offending: t, Err: fmt.Errorf("%s: mandatory IE %d missing", where, t)}
}

func incorrect(t uint16, err error) *PFCPError {
	return &PFCPError{Cause: ie.CauseMandatoryIEIncorrect, Offending: t, Err: err}
}

func ruleFailed(kind string, id uint32, reason string) *PFCPError {
	re := &RuleError{kind, id, reason}
	return &PFCPError{Cause: ie.CauseRuleCreationModificationFailure, Rule: re, Err: re}
}

// safe calls a go-pfcp accessor of an IE of type t: the library indexes
// slices with lengths taken from the payload and panics on short ones, so
// a panic (like an error) becomes cause #69 with the IE as offending.
func safe[T any](t uint16, f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = incorrect(t, fmt.Errorf("malformed IE %d: %v", t, r))
		}
	}()
	if v, err = f(); err != nil {
		return v, incorrect(t, err)
	}
	return v, nil
}

// kids returns the members of a grouped IE.
func kids(i *ie.IE) []*ie.IE {
	if len(i.ChildIEs) > 0 || len(i.Payload) == 0 {
		return i.ChildIEs
	}
	c, err := safe(i.Type, func() ([]*ie.IE, error) { return ie.ParseMultiIEs(i.Payload) })
	if err != nil {
		return nil
	}
	return c
}

func find(list []*ie.IE, t uint16) *ie.IE {
	for _, i := range list {
		if i != nil && i.Type == t {
			return i
		}
	}
	return nil
}

func u8(i *ie.IE) (uint8, error) {
	if len(i.Payload) < 1 {
		return 0, incorrect(i.Type, errors.New("empty"))
	}
	return i.Payload[0], nil
}

func u16(i *ie.IE) (uint16, error) {
	if len(i.Payload) < 2 {
		return 0, incorrect(i.Type, errors.New("short"))
	}
	return binary.BigEndian.Uint16(i.Payload), nil
}

func u32(i *ie.IE) (uint32, error) {
	if len(i.Payload) < 4 {
		return 0, incorrect(i.Type, errors.New("short"))
	}
	return binary.BigEndian.Uint32(i.Payload), nil
}

func addrOf(ip net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a.Unmap()
}

// pdrFrom reads a Create PDR (create) or applies an Update PDR onto p.
// Spec: TS 29.244 §7.5.2.2 (Create PDR), §7.5.4.2 (Update PDR), §7.5.2.2-2 (PDI)
func pdrFrom(g *ie.IE, p *PDR, create bool) error {
	c := kids(g)
	where := "Create PDR"
	if !create {
		where = "Update PDR"
	}
	id := find(c, ie.PDRID)
	if id == nil {
		return missing(ie.PDRID, where)
	}
	v, err := u16(id)
	if err != nil {
		return err
	}
	p.ID = v
	if i := find(c, ie.Precedence); i != nil {
		if p.Precedence, err = u32(i); err != nil {
			return err
		}
	} else if create {
		return missing(ie.Precedence, where)
	}
	if i := find(c, ie.PDI); i != nil {
		if err := pdiFrom(i, p); err != nil {
			return err
		}
	} else if create {
		return missing(ie.PDI, where)
	}
	if i := find(c, ie.OuterHeaderRemoval); i != nil {
		d, err := u8(i)
		if err != nil {
			return err
		}
		// 0 GTP-U/UDP/IPv4, 1 GTP-U/UDP/IPv6, 6 GTP-U/UDP/IP (§8.2.64).
		if d != 0 && d != 1 && d != 6 {
			return ruleFailed("PDR", uint32(p.ID), fmt.Sprintf("outer header removal %d not supported", d))
		}
		p.RemoveOHC = true
	}
	if i := find(c, ie.FARID); i != nil {
		if p.FARID, err = u32(i); err != nil {
			return err
		}
	} else if create {
		// Conditional in the spec (absent with predefined rules, which
		// this UPF does not support).
		return &PFCPError{Cause: ie.CauseConditionalIEMissing, Offending: ie.FARID, Err: errors.New("Create PDR without FAR ID")}
	}
	var qers, urrs []uint32
	for _, i := range c {
		switch i.Type {
		case ie.QERID:
			q, err := u32(i)
			if err != nil {
				return err
			}
			qers = append(qers, q)
		case ie.URRID:
			q, err := u32(i)
			if err != nil {
				return err
			}
			urrs = append(urrs, q)
		}
	}
	if create || qers != nil {
		p.QERIDs = qers
	}
	if create || urrs != nil {
		p.URRIDs = urrs
	}
	return nil
}

func pdiFrom(g *ie.IE, p *PDR) error {
	c := kids(g)
	si := find(c, ie.SourceInterface)
	if si == nil {
		return missing(ie.SourceInterface, "PDI")
	}
	v, err := u8(si)
	if err != nil {
		return err
	}
	p.SourceInterface = v & 0x0f
	p.HasTEID, p.Choose, p.ChooseID, p.TEID = false, false, 0, 0
	if i := find(c, ie.FTEID); i != nil {
		f, err := safe(ie.FTEID, i.FTEID)
		if err != nil {
			return err
		}
		// Spec: TS 29.244 §8.2.3: CH (bit 3) asks the UP function to
		// assign the TEID; CHID (bit 4) groups PDRs sharing it.
		if f.Flags&0x04 != 0 {
			p.Choose = true
			if f.Flags&0x08 != 0 {
				p.ChooseID = f.ChooseID
			}
		} else {
			p.HasTEID, p.TEID = true, f.TEID
		}
	}
	p.UEIPv4, p.UEIPv6 = netip.Addr{}, netip.Addr{}
	if i := find(c, ie.UEIPAddress); i != nil {
		f, err := safe(ie.UEIPAddress, i.UEIPAddress)
		if err != nil {
			return err
		}
		p.UEIPv4, p.UEIPv6 = addrOf(f.IPv4Address), addrOf(f.IPv6Address)
	}
	p.QFI, p.SDF = 0, nil
	for _, i := range c {
		switch i.Type {
		case ie.QFI:
			q, err := u8(i)
			if err != nil {
				return err
			}
			p.QFI = q & 0x3f
		case ie.SDFFilter:
			f, err := safe(ie.SDFFilter, i.SDFFilter)
			if err != nil {
				return err
			}
			if f.FlowDescription == "" {
				continue // ToS/SPI/flow label only: not matched by this UPF
			}
			sf, err := ParseFlowDescription(f.FlowDescription)
			if err != nil {
				return ruleFailed("PDR", uint32(p.ID), err.Error())
			}
			p.SDF = append(p.SDF, sf)
		}
	}
	return nil
}

// farFrom reads a Create FAR or applies an Update FAR onto f.
// Spec: TS 29.244 §7.5.2.3, §7.5.4.3
func farFrom(g *ie.IE, f *FAR, create bool) error {
	c := kids(g)
	where := "Create FAR"
	if !create {
		where = "Update FAR"
	}
	id := find(c, ie.FARID)
	if id == nil {
		return missing(ie.FARID, where)
	}
	var err error
	if f.ID, err = u32(id); err != nil {
		return err
	}
	if i := find(c, ie.ApplyAction); i != nil {
		if len(i.Payload) < 1 {
			return incorrect(ie.ApplyAction, errors.New("empty"))
		}
		f.Action = uint16(i.Payload[0])
		if len(i.Payload) > 1 {
			f.Action |= uint16(i.Payload[1]) << 8
		}
	} else if create {
		return missing(ie.ApplyAction, where)
	}
	fp := find(c, ie.ForwardingParameters)
	if fp == nil {
		fp = find(c, ie.UpdateForwardingParameters)
	}
	if fp != nil {
		fc := kids(fp)
		if di := find(fc, ie.DestinationInterface); di != nil {
			v, err := u8(di)
			if err != nil {
				return err
			}
			f.DestIf = v & 0x0f
		} else if fp.Type == ie.ForwardingParameters {
			return missing(ie.DestinationInterface, "Forwarding Parameters")
		}
		if oh := find(fc, ie.OuterHeaderCreation); oh != nil {
			o, err := safe(ie.OuterHeaderCreation, oh.OuterHeaderCreation)
			if err != nil {
				return err
			}
			// Spec: §8.2.56: octet 5 bit 1 GTP-U/UDP/IPv4, bit 2 GTP-U/UDP/IPv6.
			var a netip.Addr
			switch d := o.OuterHeaderCreationDescription >> 8; {
			case d&0x01 != 0:
				a = addrOf(o.IPv4Address)
			case d&0x02 != 0:
				a = addrOf(o.IPv6Address)
			default:
				return ruleFailed("FAR", f.ID, fmt.Sprintf("outer header creation %#04x not supported", o.OuterHeaderCreationDescription))
			}
			if !a.IsValid() {
				return incorrect(ie.OuterHeaderCreation, errors.New("no address"))
			}
			f.OHC = &OuterHeader{TEID: o.TEID, Addr: netip.AddrPortFrom(a, 2152)}
		}
	}
	if i := find(c, ie.BARID); i != nil {
		v, err := u8(i)
		if err != nil {
			return err
		}
		f.BARID, f.HasBARID = v, true
	}
	return nil
}

// qerFrom reads a Create QER or applies an Update QER onto q.
// Spec: TS 29.244 §7.5.2.5, §8.2.7 (Gate Status), §8.2.8 (MBR)
func qerFrom(g *ie.IE, q *QER, create bool) error {
	c := kids(g)
	id := find(c, ie.QERID)
	if id == nil {
		return missing(ie.QERID, "QER")
	}
	var err error
	if q.ID, err = u32(id); err != nil {
		return err
	}
	if i := find(c, ie.GateStatus); i != nil {
		v, err := u8(i)
		if err != nil {
			return err
		}
		q.GateULClosed, q.GateDLClosed = (v>>2)&3 != 0, v&3 != 0
	} else if create {
		return missing(ie.GateStatus, "Create QER")
	}
	if i := find(c, ie.MBR); i != nil {
		if len(i.Payload) < 10 {
			return incorrect(ie.MBR, errors.New("short"))
		}
		q.MBRUL = be40(i.Payload[0:5])
		q.MBRDL = be40(i.Payload[5:10])
	}
	if i := find(c, ie.QFI); i != nil {
		v, err := u8(i)
		if err != nil {
			return err
		}
		q.QFI = v & 0x3f
	}
	return nil
}

func be40(b []byte) uint64 {
	return uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(b[4])
}

// urrFrom reads a Create URR or applies an Update URR onto u.
// Spec: TS 29.244 §7.5.2.4, §8.2.19 (Reporting Triggers), §8.2.13, §8.2.14
func urrFrom(g *ie.IE, u *URR, create bool) error {
	c := kids(g)
	id := find(c, ie.URRID)
	if id == nil {
		return missing(ie.URRID, "URR")
	}
	var err error
	if u.ID, err = u32(id); err != nil {
		return err
	}
	if create && find(c, ie.MeasurementMethod) == nil {
		return missing(ie.MeasurementMethod, "Create URR")
	}
	if i := find(c, ie.ReportingTriggers); i != nil {
		v, err := u8(i)
		if err != nil {
			return err
		}
		u.Triggers = 0
		if v&0x02 != 0 {
			u.Triggers |= TrigVolumeThreshold
		}
		if v&0x04 != 0 {
			u.Triggers |= TrigTimeThreshold
		}
	} else if create {
		return missing(ie.ReportingTriggers, "Create URR")
	}
	if i := find(c, ie.VolumeThreshold); i != nil {
		b := i.Payload
		if len(b) < 1 {
			return incorrect(ie.VolumeThreshold, errors.New("empty"))
		}
		// Flags TOVOL, ULVOL, DLVOL, then the present volumes in that
		// order; the total is what this UPF meters.
		if b[0]&0x01 == 0 || len(b) < 9 {
			return ruleFailed("URR", u.ID, "volume threshold without total volume")
		}
		u.VolumeThreshold = binary.BigEndian.Uint64(b[1:9])
	}
	if i := find(c, ie.TimeThreshold); i != nil {
		v, err := u32(i)
		if err != nil {
			return err
		}
		u.TimeThreshold = time.Duration(v) * time.Second
	}
	return nil
}

func barFrom(g *ie.IE, b *BAR) error {
	c := kids(g)
	id := find(c, ie.BARID)
	if id == nil {
		return missing(ie.BARID, "BAR")
	}
	var err error
	if b.ID, err = u8(id); err != nil {
		return err
	}
	if i := find(c, ie.SuggestedBufferingPacketsCount); i != nil {
		if b.SuggestedPackets, err = u8(i); err != nil {
			return err
		}
	}
	return nil
}

// EstablishmentRules translates a Session Establishment Request into
// rules, checking its mandatory IEs. Spec: TS 29.244 §7.5.2.1
func EstablishmentRules(req *message.SessionEstablishmentRequest) (Rules, error) {
	var r Rules
	switch {
	case req.NodeID == nil:
		return r, missing(ie.NodeID, "Session Establishment Request")
	case req.CPFSEID == nil:
		return r, missing(ie.FSEID, "Session Establishment Request")
	case len(req.CreatePDR) == 0:
		return r, missing(ie.CreatePDR, "Session Establishment Request")
	case len(req.CreateFAR) == 0:
		return r, missing(ie.CreateFAR, "Session Establishment Request")
	}
	if _, err := safe(ie.FSEID, req.CPFSEID.FSEID); err != nil {
		return r, err
	}
	if err := create(&r, req.CreatePDR, req.CreateFAR, req.CreateQER, req.CreateURR, req.CreateBAR); err != nil {
		return r, err
	}
	return r, nil
}

func create(r *Rules, pdrs, fars, qers, urrs []*ie.IE, bar *ie.IE) error {
	for _, g := range pdrs {
		var p PDR
		if err := pdrFrom(g, &p, true); err != nil {
			return err
		}
		if findPDR(r.PDRs, p.ID) != nil {
			return ruleFailed("PDR", uint32(p.ID), "PDR ID exists")
		}
		r.PDRs = append(r.PDRs, p)
	}
	for _, g := range fars {
		var f FAR
		if err := farFrom(g, &f, true); err != nil {
			return err
		}
		r.FARs = append(r.FARs, f)
	}
	for _, g := range qers {
		var q QER
		if err := qerFrom(g, &q, true); err != nil {
			return err
		}
		r.QERs = append(r.QERs, q)
	}
	for _, g := range urrs {
		var u URR
		if err := urrFrom(g, &u, true); err != nil {
			return err
		}
		r.URRs = append(r.URRs, u)
	}
	if bar != nil {
		var b BAR
		if err := barFrom(bar, &b); err != nil {
			return err
		}
		r.BAR = &b
	}
	return nil
}

// ModifiedRules applies a Session Modification Request to a copy of cur:
// removals, then creations, then updates. It returns the new rules and
// the IDs of removed URRs (whose final usage the response reports).
// Spec: TS 29.244 §7.5.4.1
func ModifiedRules(cur Rules, req *message.SessionModificationRequest) (Rules, []uint32, error) {
	r := cur.Clone()
	var removedURRs []uint32
	for _, g := range req.RemovePDR {
		id := find(kids(g), ie.PDRID)
		if id == nil {
			return r, nil, missing(ie.PDRID, "Remove PDR")
		}
		v, err := u16(id)
		if err != nil {
			return r, nil, err
		}
		n := len(r.PDRs)
		r.PDRs = deleteFunc(r.PDRs, func(p PDR) bool { return p.ID == v })
		if len(r.PDRs) == n {
			return r, nil, ruleFailed("PDR", uint32(v), "no such PDR")
		}
	}
	var err error
	if r.FARs, err = removeByID(r.FARs, req.RemoveFAR, ie.FARID, "FAR", func(f FAR) uint32 { return f.ID }); err != nil {
		return r, nil, err
	}
	if r.QERs, err = removeByID(r.QERs, req.RemoveQER, ie.QERID, "QER", func(q QER) uint32 { return q.ID }); err != nil {
		return r, nil, err
	}
	before := r.URRs
	if r.URRs, err = removeByID(r.URRs, req.RemoveURR, ie.URRID, "URR", func(u URR) uint32 { return u.ID }); err != nil {
		return r, nil, err
	}
	for _, u := range before {
		if !containsFunc(r.URRs, func(x URR) bool { return x.ID == u.ID }) {
			removedURRs = append(removedURRs, u.ID)
		}
	}
	if req.RemoveBAR != nil {
		r.BAR = nil
	}
	if err := create(&r, req.CreatePDR, req.CreateFAR, req.CreateQER, req.CreateURR, req.CreateBAR); err != nil {
		return r, nil, err
	}
	for _, g := range req.UpdatePDR {
		id := find(kids(g), ie.PDRID)
		if id == nil {
			return r, nil, missing(ie.PDRID, "Update PDR")
		}
		v, err := u16(id)
		if err != nil {
			return r, nil, err
		}
		p := findPDR(r.PDRs, v)
		if p == nil {
			return r, nil, ruleFailed("PDR", uint32(v), "no such PDR")
		}
		if err := pdrFrom(g, p, false); err != nil {
			return r, nil, err
		}
	}
	for _, g := range req.UpdateFAR {
		id := find(kids(g), ie.FARID)
		if id == nil {
			return r, nil, missing(ie.FARID, "Update FAR")
		}
		v, err := u32(id)
		if err != nil {
			return r, nil, err
		}
		i := indexFunc(r.FARs, func(f FAR) bool { return f.ID == v })
		if i < 0 {
			return r, nil, ruleFailed("FAR", v, "no such FAR")
		}
		if err := farFrom(g, &r.FARs[i], false); err != nil {
			return r, nil, err
		}
	}
	for _, g := range req.UpdateQER {
		id := find(kids(g), ie.QERID)
		if id == nil {
			return r, nil, missing(ie.QERID, "Update QER")
		}
		v, err := u32(id)
		if err != nil {
			return r, nil, err
		}
		i := indexFunc(r.QERs, func(q QER) bool { return q.ID == v })
		if i < 0 {
			return r, nil, ruleFailed("QER", v, "no such QER")
		}
		if err := qerFrom(g, &r.QERs[i], false); err != nil {
			return r, nil, err
		}
	}
	for _, g := range req.UpdateURR {
		id := find(kids(g), ie.URRID)
		if id == nil {
			return r, nil, missing(ie.URRID, "Update URR")
		}
		v, err := u32(id)
		if err != nil {
			return r, nil, err
		}
		i := indexFunc(r.URRs, func(u URR) bool { return u.ID == v })
		if i < 0 {
			return r, nil, ruleFailed("URR", v, "no such URR")
		}
		if err := urrFrom(g, &r.URRs[i], false); err != nil {
			return r, nil, err
		}
	}
	if req.UpdateBAR != nil {
		b := BAR{}
		if r.BAR != nil {
			b = *r.BAR
		}
		if err := barFrom(req.UpdateBAR, &b); err != nil {
			return r, nil, err
		}
		r.BAR = &b
	}
	return r, removedURRs, nil
}

func removeByID[T any](list []T, ies []*ie.IE, t uint16, kind string, id func(T) uint32) ([]T, error) {
	for _, g := range ies {
		i := find(kids(g), t)
		if i == nil {
			return list, missing(t, "Remove "+kind)
		}
		v, err := u32(i)
		if err != nil {
			return list, err
		}
		n := len(list)
		list = deleteFunc(list, func(x T) bool { return id(x) == v })
		if len(list) == n {
			return list, ruleFailed(kind, v, "no such "+kind)
		}
	}
	return list, nil
}

func deleteFunc[T any](s []T, del func(T) bool) []T {
	out := s[:0:0]
	for _, x := range s {
		if !del(x) {
			out = append(out, x)
		}
	}
	return out
}

func indexFunc[T any](s []T, f func(T) bool) int {
	for i, x := range s {
		if f(x) {
			return i
		}
	}
	return -1
}

func containsFunc[T any](s []T, f func(T) bool) bool { return indexFunc(s, f) >= 0 }
