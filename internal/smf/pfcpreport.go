package smf

import (
	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"

	"go5g/internal/n4"
)

// OnDownlinkData sets what the UPF's Downlink Data Reports are handed to,
// with the session's handle (its UP SEID as EstablishSession returned it).
// The SMF calls it at New.
func (u *PFCPUPF) OnDownlinkData(f func(upSEID uint64)) { u.onDL.Store(&f) }

// sessionReport answers a Session Report Request: a Downlink Data Report
// goes to the SMF (off the N4 reader: the SMF calls the AMF and may modify
// the session); usage reports are acknowledged (not charged yet). A
// request without its Report Type is refused with cause "mandatory IE
// missing".
//
// Spec: TS 29.244 §7.5.8, §7.5.9, §8.2.21; TS 23.502 §4.2.3.3 step 2b
func (u *PFCPUPF) sessionReport(ns *n4.Session, m *message.SessionReportRequest) (message.Message, error) {
	if m.ReportType == nil {
		return message.NewSessionReportResponse(0, 0, ns.RemoteSEID(), 0, 0,
			ie.NewCause(ie.CauseMandatoryIEMissing), ie.NewOffendingIE(ie.ReportType)), nil
	}
	t, err := m.ReportType.ReportType()
	if err != nil {
		return message.NewSessionReportResponse(0, 0, ns.RemoteSEID(), 0, 0,
			ie.NewCause(ie.CauseMandatoryIEIncorrect), ie.NewOffendingIE(ie.ReportType)), nil
	}
	u.x.log.Debug("PFCP session report", "upf", u.name, "seid", ns.LocalSEID(), "type", t)
	if t&0x01 != 0 { // DLDR: octet 5 bit 1
		if f := u.onDL.Load(); f != nil {
			go u.reportDL(ns, *f)
		}
	}
	return message.NewSessionReportResponse(0, 0, ns.RemoteSEID(), 0, 0, ie.NewCause(ie.CauseRequestAccepted)), nil
}

// reportDL finds the handle of the session ns is now and calls f.
func (u *PFCPUPF) reportDL(ns *n4.Session, f func(uint64)) {
	type entry struct {
		h uint64
		s *pfcpSession
	}
	u.mu.Lock()
	all := make([]entry, 0, len(u.sessions))
	for h, s := range u.sessions {
		all = append(all, entry{h, s})
	}
	u.mu.Unlock()
	for _, e := range all {
		e.s.mu.Lock()
		ok := e.s.ns == ns && !e.s.gone
		e.s.mu.Unlock()
		if ok {
			f(e.h)
			return
		}
	}
}
