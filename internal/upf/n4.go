package upf

// The N4 glue: every use of internal/n4 is in this file, so changes of
// that package's API stay here. The IE translation lives in pfcp.go and
// depends on go-pfcp only.

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"

	"go5g/internal/n4"
)

// N4 answers the SMF's session requests for a UPF and sends its Session
// Report Requests. Register its handlers in n4.Config.Handlers and use it
// as the UPF's Reporter.
type N4 struct {
	u *UPF
	// Release is the worker whose socket sends released buffers; nil
	// leaves packets buffered until the session is deleted.
	Release *Worker
	// ReportTimeout bounds one Session Report Request transaction.
	ReportTimeout time.Duration
}

// NewN4 returns the N4 glue of u and makes it u's Reporter; call it
// before UPF.Run.
func NewN4(u *UPF, release *Worker) *N4 {
	g := &N4{u: u, Release: release, ReportTimeout: 10 * time.Second}
	u.cfg.Reporter = g
	return g
}

// SetupIEs are the IEs to put in n4.Config.SetupIEs: UP Function
// Features with FTUP, since this UPF allocates F-TEIDs (CHOOSE) and the
// SMF must know it may ask. Spec: TS 29.244 §8.2.25 (octet 5 bit 5 FTUP)
func (g *N4) SetupIEs() []*ie.IE {
	return []*ie.IE{ie.NewUPFunctionFeatures(0x10, 0x00)}
}

// Handlers returns the node handlers to put in n4.Config.Handlers.
func (g *N4) Handlers() map[uint8]n4.HandlerFunc {
	return map[uint8]n4.HandlerFunc{message.MsgTypeSessionEstablishmentRequest: g.establish}
}

// establish answers a Session Establishment Request.
// Spec: TS 29.244 §7.5.2, §7.5.3 (response), §5.5.3 (F-TEID allocation)
func (g *N4) establish(p *n4.Peer, m message.Message) (message.Message, error) {
	req, ok := m.(*message.SessionEstablishmentRequest)
	if !ok {
		return nil, errors.New("upf: not a Session Establishment Request")
	}
	node := p.Node().NodeID()
	var cpSEID uint64
	if req.CPFSEID != nil {
		if f, err := safe(ie.FSEID, req.CPFSEID.FSEID); err == nil {
			cpSEID = f.SEID
		}
	}
	rules, err := EstablishmentRules(req)
	if err != nil {
		return rejectEstablishment(node, cpSEID, err), nil
	}
	ns, err := p.NewSession(cpSEID, sessionHandler{g})
	if err != nil {
		return nil, &n4.CauseError{Cause: ie.CauseNoEstablishedPFCPAssociation, Err: err}
	}
	s, got, err := g.u.Establish(ns.LocalSEID(), rules)
	if err != nil {
		ns.Close()
		return rejectEstablishment(node, cpSEID, err), nil
	}
	s.SetOwner(ns)
	g.advertise(s, Rules{}, got)
	v4, v6 := g.seidAddrs(p.Node())
	ies := []*ie.IE{node, ie.NewCause(ie.CauseRequestAccepted), ns.FSEID(v4, v6)}
	ies = append(ies, g.createdPDRs(got, nil)...)
	return message.NewSessionEstablishmentResponse(0, 0, cpSEID, 0, 0, ies...), nil
}

// sessionHandler routes a PFCP session's requests to the UPF and removes
// its rules when the association with the SMF ends.
type sessionHandler struct{ g *N4 }

func (h sessionHandler) HandleSession(ns *n4.Session, m message.Message) (message.Message, error) {
	return h.g.session(ns, m)
}

// SessionClosed deletes the session locally: its SMF released the
// association or restarted.
//
// Spec: TS 29.244 §6.2.8.2, §6.2.6.2.2 (sessions of a restarted CP function)
func (h sessionHandler) SessionClosed(ns *n4.Session) {
	if s := h.g.u.Session(ns.LocalSEID()); s != nil {
		h.g.u.Delete(s)
	}
}

// seidAddrs is the address in the UP F-SEID: the PFCP entity's, i.e. the
// node's bound address, or the N3 address when the node listens on a
// wildcard. Spec: TS 29.244 §8.2.37
func (g *N4) seidAddrs(n *n4.Node) (net.IP, net.IP) {
	if a, ok := n.Addr().(*net.UDPAddr); ok && a.IP != nil && !a.IP.IsUnspecified() {
		if v4 := a.IP.To4(); v4 != nil {
			return v4, nil
		}
		return nil, a.IP
	}
	return g.v4(), g.v6()
}

func (g *N4) v4() net.IP {
	if a := g.u.cfg.N3Addr; a.Is4() {
		return a.AsSlice()
	}
	return nil
}

func (g *N4) v6() net.IP {
	if a := g.u.cfg.N3Addr6; a.Is6() {
		return a.AsSlice()
	}
	if a := g.u.cfg.N3Addr; a.Is6() {
		return a.AsSlice()
	}
	return nil
}

// createdPDRs returns a Created PDR IE for every PDR whose F-TEID the UPF
// chose (only the new ones of a modification: not in old).
// Spec: TS 29.244 §7.5.3.2
func (g *N4) createdPDRs(r Rules, old *Rules) []*ie.IE {
	var out []*ie.IE
	for _, p := range r.PDRs {
		if !p.Choose || !p.HasTEID {
			continue
		}
		if old != nil {
			if op := findPDR(old.PDRs, p.ID); op != nil && op.HasTEID && op.TEID == p.TEID {
				continue
			}
		}
		v4, v6 := g.v4(), g.v6()
		var flags uint8
		if v4 != nil {
			flags |= 0x01
		}
		if v6 != nil {
			flags |= 0x02
		}
		out = append(out, ie.NewCreatedPDR(ie.NewPDRID(p.ID), ie.NewFTEID(flags, p.TEID, v4, v6, 0)))
	}
	return out
}

// causeIEs are the Cause, Offending IE and Failed Rule ID of a rejection.
func causeIEs(err error) []*ie.IE {
	var pe *PFCPError
	var re *RuleError
	switch {
	case errors.As(err, &pe):
	case errors.As(err, &re):
		pe = &PFCPError{Cause: ie.CauseRuleCreationModificationFailure, Rule: re}
	default:
		pe = &PFCPError{Cause: ie.CauseSystemFailure}
	}
	ies := []*ie.IE{ie.NewCause(pe.Cause)}
	if pe.Offending != 0 {
		ies = append(ies, ie.NewOffendingIE(pe.Offending))
	}
	if pe.Rule != nil {
		t := map[string]uint8{"PDR": ie.RuleIDTypePDR, "FAR": ie.RuleIDTypeFAR, "QER": ie.RuleIDTypeQER,
			"URR": ie.RuleIDTypeURR, "BAR": ie.RuleIDTypeBAR}[pe.Rule.Kind]
		ies = append(ies, ie.NewFailedRuleID(t, pe.Rule.ID))
	}
	return ies
}

func rejectEstablishment(node *ie.IE, cpSEID uint64, err error) message.Message {
	return message.NewSessionEstablishmentResponse(0, 0, cpSEID, 0, 0, append([]*ie.IE{node}, causeIEs(err)...)...)
}

// session answers the requests for one session.
func (g *N4) session(ns *n4.Session, m message.Message) (message.Message, error) {
	s := g.u.Session(ns.LocalSEID())
	if s == nil {
		return nil, &n4.CauseError{Cause: ie.CauseSessionContextNotFound}
	}
	switch req := m.(type) {
	case *message.SessionModificationRequest:
		return g.modify(ns, s, req), nil
	case *message.SessionDeletionRequest:
		usage := g.u.Delete(s)
		ns.Close()
		ies := []*ie.IE{ie.NewCause(ie.CauseRequestAccepted)}
		ies = append(ies, usageIEs(usage, ie.NewUsageReportWithinSessionDeletionResponse)...)
		return message.NewSessionDeletionResponse(0, 0, ns.RemoteSEID(), 0, 0, ies...), nil
	}
	return nil, &n4.CauseError{Cause: ie.CauseServiceNotSupported}
}

// modify answers a Session Modification Request.
// Spec: TS 29.244 §7.5.4, §7.5.5 (response), §5.2.3.1 (buffer release)
func (g *N4) modify(ns *n4.Session, s *Session, req *message.SessionModificationRequest) message.Message {
	reject := func(err error) message.Message {
		return message.NewSessionModificationResponse(0, 0, ns.RemoteSEID(), 0, 0, causeIEs(err)...)
	}
	if req.CPFSEID != nil {
		f, err := safe(ie.FSEID, req.CPFSEID.FSEID)
		if err != nil {
			return reject(err)
		}
		ns.SetRemoteSEID(f.SEID)
	}
	old := s.Rules()
	r, removed, err := ModifiedRules(old, req)
	if err != nil {
		return reject(err)
	}
	// Final usage of removed URRs is taken before they go away.
	var usage []Usage
	if len(removed) > 0 {
		usage = s.FinalUsage(removed)
	}
	got, err := s.Install(r)
	if err != nil {
		return reject(err)
	}
	// Spec: TS 29.244 §8.2.60: PFCPSMReq-Flags DROBU (bit 1) drops the
	// buffered packets; QAURR (bit 3) asks for usage of every URR.
	var flags uint8
	if req.PFCPSMReqFlags != nil && len(req.PFCPSMReqFlags.Payload) > 0 {
		flags = req.PFCPSMReqFlags.Payload[0]
	}
	if flags&0x01 != 0 {
		s.DropBuffer()
	}
	if flags&0x04 != 0 {
		usage = append(usage, s.QueryUsage()...)
	}
	if g.Release != nil && s.Buffered() > 0 {
		g.Release.Release(s)
	}
	g.advertise(s, old, got)
	ies := []*ie.IE{ie.NewCause(ie.CauseRequestAccepted)}
	ies = append(ies, g.createdPDRs(got, &old)...)
	ies = append(ies, usageIEs(usage, ie.NewUsageReportWithinSessionModificationResponse)...)
	return message.NewSessionModificationResponse(0, 0, ns.RemoteSEID(), 0, 0, ies...)
}

// advertise sends the IPv6 session's first Router Advertisement when
// its prefix starts being forwarded to the gNB (the establishment's
// modification with the gNB's F-TEID), then two more; one lost costs the
// UE at most a Router Solicitation, which is answered.
// Spec: TS 23.501 §5.8.2.2.2; TS 29.061 §11.2.1.3.2
func (g *N4) advertise(s *Session, before, now Rules) {
	if g.Release == nil || !raDue(before, now) {
		return
	}
	g.Release.advertise(s, raInitial)
}

// usageIEs builds Usage Report IEs. Spec: TS 29.244 §7.5.5.2, §7.5.7.2, §7.5.8.3
func usageIEs(us []Usage, group func(...*ie.IE) *ie.IE) []*ie.IE {
	var out []*ie.IE
	for _, u := range us {
		// Usage Report Trigger octets (§8.2.41): VOLTH is octet 5 bit 2,
		// TIMTH octet 5 bit 3, IMMER octet 5 bit 8, TERMR octet 6 bit 4.
		trig := []uint8{0, 0, 0}
		switch u.Trigger {
		case UsageVolumeThreshold:
			trig[0] = 0x02
		case UsageTimeThreshold:
			trig[0] = 0x04
		case UsageTermination:
			trig[1] = 0x08
		case UsageImmediate:
			trig[0] = 0x80 // IMMER: octet 5 bit 8
		}
		c := []*ie.IE{
			ie.NewURRID(u.URRID),
			ie.NewURSEQN(u.Seq),
			ie.NewUsageReportTrigger(trig...),
			ie.NewStartTime(u.Start),
			ie.NewEndTime(u.End),
			ie.NewVolumeMeasurement(0x3f, u.ULBytes+u.DLBytes, u.ULBytes, u.DLBytes,
				u.ULPackets+u.DLPackets, u.ULPackets, u.DLPackets),
			ie.NewDurationMeasurement(u.Duration),
		}
		if !u.First.IsZero() {
			c = append(c, ie.NewTimeOfFirstPacket(u.First), ie.NewTimeOfLastPacket(u.Last))
		}
		out = append(out, group(c...))
	}
	return out
}

// Report sends a Session Report Request (Downlink Data Report or Usage
// Report) to the SMF of s. Spec: TS 29.244 §7.5.8.1
func (g *N4) Report(s *Session, r Report) {
	ns, ok := s.Owner().(*n4.Session)
	if !ok || ns.Closed() {
		return
	}
	req := ReportRequest(r)
	if req == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.ReportTimeout)
	defer cancel()
	if _, err := ns.Request(ctx, req); err != nil {
		g.u.log.Warn("PFCP Session Report Request failed", "seid", s.SEID, "err", err)
	}
}

// ReportRequest builds the Session Report Request for r (SEID and
// sequence number are set by the sender), or nil when r is empty.
// Spec: TS 29.244 §7.5.8.2 (Downlink Data Report), §8.2.21 (Report Type)
func ReportRequest(r Report) *message.SessionReportRequest {
	dldr, usar := 0, 0
	var ies []*ie.IE
	if r.DLData {
		dldr = 1
	}
	if len(r.Usage) > 0 {
		usar = 1
	}
	if dldr == 0 && usar == 0 {
		return nil
	}
	ies = append(ies, ie.NewReportType(0, 0, usar, dldr))
	if r.DLData {
		ies = append(ies, ie.NewDownlinkDataReport(ie.NewPDRID(r.PDRID)))
	}
	ies = append(ies, usageIEs(r.Usage, ie.NewUsageReportWithinSessionReportRequest)...)
	return message.NewSessionReportRequest(0, 0, 0, 0, 0, ies...)
}
