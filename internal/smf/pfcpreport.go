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

// sessionReport answers a Session Report Request for the session of
// owner: a Downlink Data Report goes to the SMF with the session's handle
// (off the N4 reader: the SMF calls the AMF and may modify the session);
// usage reports are acknowledged (not charged yet). A request without its
// Report Type is refused with cause "mandatory IE missing". The handle
// comes with owner, so a report costs O(1) however many sessions the UPF
// has.
//
// Spec: TS 29.244 §7.5.8, §7.5.9, §8.2.21; TS 23.502 §4.2.3.3 step 2b
func (u *PFCPUPF) sessionReport(owner *pfcpSession, ns *n4.Session, m *message.SessionReportRequest) (message.Message, error) {
	if m.ReportType == nil {
		return message.NewSessionReportResponse(0, 0, ns.RemoteSEID(), 0, 0,
			ie.NewCause(ie.CauseMandatoryIEMissing), ie.NewOffendingIE(ie.ReportType)), nil
	}
	t, err := m.ReportType.ReportType()
	if err != nil {
		return message.NewSessionReportResponse(0, 0, ns.RemoteSEID(), 0, 0,
			ie.NewCause(ie.CauseMandatoryIEIncorrect), ie.NewOffendingIE(ie.ReportType)), nil
	}
	h := owner.handle.Load() // 0: not established yet, or deleted
	u.x.log.Debug("PFCP session report", "upf", u.name, "seid", ns.LocalSEID(), "handle", h, "type", t)
	if t&0x01 != 0 && h != 0 { // DLDR: octet 5 bit 1
		if f := u.onDL.Load(); f != nil {
			go (*f)(h)
		}
	}
	return message.NewSessionReportResponse(0, 0, ns.RemoteSEID(), 0, 0, ie.NewCause(ie.CauseRequestAccepted)), nil
}
