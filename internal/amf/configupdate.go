package amf

import (
	"go5g/internal/n1"
)

// startGUTIReallocation sends CONFIGURATION UPDATE COMMAND with a new
// 5G-GUTI to a registered, connected UE and starts T3555. The old and the
// new 5G-GUTI are both valid until CONFIGURATION UPDATE COMPLETE.
//
// Spec: TS 24.501 §5.4.4.2; TS 33.501 §6.12.3
func (s *shard) startGUTIReallocation(u *ue) error {
	switch {
	case u.state != gmmRegistered:
		return ErrNotRegistered
	case u.conn == nil:
		return ErrIdle
	case u.proc != procNone || u.conn.releasing:
		return ErrBusy
	}
	s.reallocateTMSI(u)
	msg, err := configurationUpdateCommand(s.guti(u.sub.tmsi))
	if err != nil {
		return err
	}
	u.proc = procConfigUpdate
	s.a.log.Info("5G-GUTI reallocation", append(u.logAttrs(), "tmsi", u.sub.tmsi)...)
	s.sendNAS(u, msg)
	s.startTimer(u, t3555, msg, false)
	return nil
}

// onConfigurationUpdateComplete ends the reallocation: the new 5G-GUTI is
// now the UE's only one.
// Spec: TS 24.501 §5.4.4.4
func (s *shard) onConfigurationUpdateComplete(u *ue) {
	if u.proc != procConfigUpdate {
		s.sendNAS(u, status(n1.CauseMessageNotCompatible))
		return
	}
	u.timer.stop()
	u.proc = procNone
	s.dropOldTMSI(u)
	s.a.stats.configUpdates.Add(1)
}
