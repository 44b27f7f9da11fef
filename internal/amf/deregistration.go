package amf

import (
	"github.com/free5gc/nas/nasMessage"

	"go5g/internal/n2"
)

// onDeregistrationRequest handles UE-originating deregistration: with
// "switch off" the AMF sends nothing back; otherwise DEREGISTRATION ACCEPT.
// Either way the UE's N2 connection is released and the AMF keeps no 5GMM
// context. A registration in progress is aborted (§5.5.1.2.8 f).
//
// Spec: TS 24.501 §5.5.2.2.2, §5.5.2.2.3; TS 23.502 §4.2.2.3.2
func (s *shard) onDeregistrationRequest(u *ue, m *nasMessage.DeregistrationRequestUEOriginatingDeregistration) {
	if m == nil {
		return
	}
	octet := m.NgksiAndDeregistrationType.Octet
	switchOff := octet&0x08 != 0
	access := octet & 0x03 // 01 3GPP, 10 non-3GPP, 11 both (§9.11.3.20)
	s.a.log.Info("UE deregistration", append(u.logAttrs(), "switch_off", switchOff, "access", access)...)
	u.timer.stop()
	// Also during a network-initiated deregistration (§5.5.2.3.5 e: the
	// UE's request wins).
	s.udmDeregister(u)
	if !switchOff {
		s.sendNAS(u, deregistrationAccept())
	}
	s.forget(u)
	s.setState(u, gmmDeregistered)
	u.proc = procNone
	s.releaseConn(u, n2.CauseDeregister)
}
