package amf

import (
	"context"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n2"
)

// startNetworkDeregistration deregisters a registered UE: DEREGISTRATION
// REQUEST (UE terminated) under T3522, retransmitted on expiry and given up
// on the fifth. A UE in CM-IDLE would have to be paged first; this AMF has
// no paging yet, so an idle UE is deregistered locally (as on the fifth
// expiry of T3522) and learns it at its next contact (SERVICE REJECT #9 or
// a rejected update).
//
// Spec: TS 24.501 §5.5.2.3.1, §5.5.2.3.5; TS 23.502 §4.2.2.3.3
func (s *shard) startNetworkDeregistration(u *ue, reregister bool, cause uint8) error {
	if u.state != gmmRegistered {
		return ErrNotRegistered
	}
	u.timer.stop()
	u.regReq = nil
	if u.conn == nil || u.conn.releasing {
		s.a.log.Info("network deregistration of an idle UE: local", u.logAttrs()...)
		s.deregistered(u)
		return nil
	}
	msg := deregistrationRequestNW(reregister, cause)
	s.setState(u, gmmDeregisteredInitiated)
	u.proc = procDeregistration
	s.a.log.Info("network deregistration", append(u.logAttrs(), "reregister", reregister, "cause", cause)...)
	s.sendNAS(u, msg)
	s.startTimer(u, t3522, msg, false)
	return nil
}

// onDeregistrationAcceptNW ends the network-initiated deregistration.
// Spec: TS 24.501 §5.5.2.3.3
func (s *shard) onDeregistrationAcceptNW(u *ue) {
	if u.proc != procDeregistration {
		return // §5.5.2.3.5: nothing to accept; ignored
	}
	u.timer.stop()
	s.deregistered(u)
}

// deregistered enters 5GMM-DEREGISTERED: the UDM registration of this AMF
// is removed (with purge), the context forgotten and the N2 connection, if
// any, released.
//
// Spec: TS 24.501 §5.5.2.3.3; TS 23.502 §4.2.2.3.3 steps 4-5; TS 29.503 §5.3.2.4.2
func (s *shard) deregistered(u *ue) {
	s.udmDeregister(u)
	s.forget(u)
	s.setState(u, gmmDeregistered)
	u.proc = procNone
	u.timer.stop()
	s.releaseConn(u, n2.CauseDeregister)
}

// udmDeregister sends Nudm_UECM Deregistration with purge for a UE that
// was registered; nothing waits for the answer.
func (s *shard) udmDeregister(u *ue) {
	if u.sub.supi == "" || (u.state != gmmRegistered && u.state != gmmDeregisteredInitiated) {
		return
	}
	s.a.stats.deregistrations.Add(1)
	supi, mod := u.sub.supi, models.Udm_UECM_Amf3GppAccessRegistrationModification{
		PurgeFlag: true, Guami: s.a.modelGUAMI()}
	s.call(nil, procNone, s.a.cfg.SBITimeout, func(ctx context.Context) (any, error) {
		return nil, s.a.deps.UDM.DeregisterAMF(ctx, supi, mod)
	})
}
