package amf

import (
	"github.com/free5gc/nas/nasMessage"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// onServiceRequest serves a registered UE coming back from CM-IDLE (or
// asking for service while connected). The request must have passed the
// integrity check with the UE's current 5G NAS security context
// (onInitialUE bound it to the context only then) and name the UE's
// 5G-S-TMSI. The AMF answers SERVICE ACCEPT inside INITIAL CONTEXT SETUP
// REQUEST, with a KgNB derived from KAMF and the uplink NAS COUNT of the
// SERVICE REQUEST; a UE already with an AS context gets SERVICE ACCEPT in
// DOWNLINK NAS TRANSPORT.
//
// A request that is not verified, or whose 5G-S-TMSI this AMF does not
// know, gets SERVICE REJECT #9 "UE identity cannot be derived by the
// network" (the UE then registers afresh), and its connection is released;
// the context of the UE it claims to be, if any, is untouched (§5.6.1.4.1:
// the 5GMM context and 5G NAS security context stay unchanged); its NAS
// message container, if any, is never opened. A known UE that is not
// registered gets #10 "implicitly de-registered".
//
// A verified request with a NAS message container is served from the
// complete SERVICE REQUEST the container holds (its Uplink data status and
// PDU session status, and its 5G-S-TMSI too), container.go.
//
// Spec: TS 24.501 §5.6.1.4.1, §5.6.1.5, §4.4.4.3, §4.4.6; TS 23.502 §4.2.3.2 step 12;
// TS 33.501 §6.8.1.2.1, §A.9; TS 38.413 §8.3.1
func (s *shard) onServiceRequest(u *ue, m *nasMessage.ServiceRequest, verified bool) {
	if m == nil {
		return
	}
	if !verified {
		s.a.stats.serviceRejects.Add(1)
		s.a.log.Info("SERVICE REQUEST from a UE this AMF cannot identify: rejected", u.logAttrs()...)
		s.sendNAS(u, serviceReject(n1.CauseUEIdentityNotDerived))
		s.discard(u, n2.CauseUnspecifiedNAS) // the new context onInitialUE made
		return
	}
	if u.state != gmmRegistered {
		// Known, but not registered (a registration or deregistration
		// under way): the UE is to register again.
		s.a.stats.serviceRejects.Add(1)
		s.sendNAS(u, serviceReject(n1.CauseImplicitlyDeregistered))
		if u.state == gmmDeregisteredInitiated {
			s.deregistered(u)
		} else {
			s.discard(u, n2.CauseUnspecifiedNAS)
		}
		return
	}
	if c := m.NASMessageContainer; c != nil {
		full, _, err := s.openInitialContainer(u, n1.MsgServiceRequest, c)
		if err != nil {
			s.rejectContainer(u, n1.MsgServiceRequest, err)
			return
		}
		if m = full.ServiceRequest; m == nil {
			return
		}
	} else {
		s.logCleartext(u, n1.MsgServiceRequest, serviceNonCleartext(m))
	}
	id := m.TMSI5GS.Octet
	tmsi := uint32(id[3])<<24 | uint32(id[4])<<16 | uint32(id[5])<<8 | uint32(id[6])
	if m.TMSI5GS.Len != 7 || id[0]&0x07 != idSTMSI || (tmsi != u.sub.tmsi && !(u.sub.hasOldTMSI && tmsi == u.sub.oldTMSI)) {
		s.a.stats.serviceRejects.Add(1)
		s.sendNAS(u, serviceReject(n1.CauseUEIdentityNotDerived))
		s.releaseConn(u, n2.CauseUnspecifiedNAS)
		return
	}
	s.stopPaging(u) // the UE answered (or came back by itself)
	if u.proc != procNone {
		// A procedure left over from the previous connection (its timer
		// stopped with the connection) is over.
		u.timer.stop()
		u.proc = procNone
	}
	s.a.stats.serviceAccepts.Add(1)
	s.a.log.Info("SERVICE REQUEST accepted", append(u.logAttrs(), "service_type", m.GetServiceTypeValue())...)
	s.reactivate(u, m)
}
