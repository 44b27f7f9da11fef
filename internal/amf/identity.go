package amf

import (
	"github.com/free5gc/nas/nasMessage"
	"go5g/internal/n1"

	"go5g/internal/suci"
)

// startIdentification asks the UE for its SUCI: its 5G-GUTI is unknown here.
//
// Spec: TS 24.501 §5.4.3.2
func (s *shard) startIdentification(u *ue) {
	msg := identityRequest(idSUCI)
	u.proc = procIdentity
	s.sendNAS(u, msg)
	s.startTimer(u, t3570, msg, false)
}

// onIdentityResponse continues the registration with the SUCI received.
//
// Spec: TS 24.501 §5.4.3.4
func (s *shard) onIdentityResponse(u *ue, m *nasMessage.IdentityResponse) {
	if u.proc != procIdentity || m == nil {
		s.sendNAS(u, status(n1.CauseMessageNotCompatible))
		return
	}
	u.timer.stop()
	id := m.MobileIdentity.Buffer
	if len(id) == 0 || id[0]&0x07 != idSUCI {
		s.rejectRegistration(u, n1.CauseUEIdentityNotDerived)
		return
	}
	c, err := suci.ParseMobileIdentity(id)
	if err != nil || c.Format != suci.FormatIMSI {
		s.rejectRegistration(u, n1.CauseUEIdentityNotDerived)
		return
	}
	u.sub.suci = c.String()
	s.startAuthentication(u, u.sub.suci, nil)
}
