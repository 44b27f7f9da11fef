package ue

import (
	"encoding/binary"
	"errors"
	"time"

	"go5g/internal/aka"
	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
)

// The UE in CM-IDLE. When the network releases its RRC connection a
// registered UE camps on its gNB's cell, pageable by its 5G-S-TMSI, and its
// PDU sessions' TUN devices hold what programs send. It leaves CM-IDLE with
// a SERVICE REQUEST: service type "mobile terminated services" when paged,
// "data" when a TUN holds uplink data, with Uplink data status (the
// sessions with held data) and PDU session status (the sessions it has).
// On SERVICE ACCEPT the TUNs are bound to the sessions' new bearers and the
// held packets go uplink, oldest first.
//
// Spec: TS 24.501 §5.6.1.1, §5.6.1.2, §5.6.2.2.1, §8.2.16; TS 23.502
// §4.2.3.2, §4.2.3.3 step 5; TS 38.304 §7

// Service types. Spec: TS 24.501 §9.11.3.50
const serviceMT = 2 // mobile terminated services

// maxHeld bounds the uplink packets a TUN holds in CM-IDLE.
const maxHeld = 64

// pager is the UE as its gNB's paging sees it.
type pager struct{ u *UE }

// Paged posts the paging to the UE's goroutine; the gNB must not wait.
func (p pager) Paged() {
	select {
	case p.u.events <- event{paged: true}:
	default:
		p.u.log.Warn("UE event queue full: paging dropped")
	}
}

// enterIdle follows the release of the RRC connection: the TUNs hold
// their uplink and a registered UE camps on its gNB for paging. On the
// UE's goroutine.
func (u *UE) enterIdle() {
	u.res.Releases++
	for _, t := range u.tuns {
		t.setIdle()
	}
	s := u.stmsi()
	if !u.registered || s == nil || u.g == nil {
		return
	}
	if u.camped != nil && *u.camped != *s {
		u.g.Leave(*u.camped, pager{u})
	}
	u.g.Camp(*s, pager{u})
	u.camped = s
}

// onIdleEvent starts the SERVICE REQUEST a paging or held uplink data
// calls for, unless the UE is connected or busy with another procedure.
func (u *UE) onIdleEvent(ev event) {
	if ev.paged {
		u.res.Pagings++
	}
	if !u.registered || u.sec == nil || u.link != nil || u.pending != nil || u.g == nil || u.stmsi() == nil {
		return
	}
	typ, cause := uint8(serviceData), n2.RRCMOData
	if ev.paged {
		typ, cause = serviceMT, n2.RRCMTAccess
		u.res.MTServiceRequests++
	} else {
		u.res.DataServiceRequests++
	}
	p := &pending{kind: procService, done: make(chan error, 1), start: time.Now()}
	u.pending = p
	if err := u.sendService(p, u.g, typ, cause, 0); err != nil {
		u.log.Info("service request not sent", "err", err)
		u.stopTimer(p)
		u.pending = nil
	}
}

// sendService opens an RRC connection through g and sends SERVICE REQUEST,
// integrity protected with the current 5G NAS security context: the
// cleartext IEs, and the complete message (with Uplink data status for the
// sessions of ul and of TUNs holding data, and PDU session status) in a
// ciphered NAS message container (sendInitial). KgNB follows from its
// uplink NAS COUNT. On the UE's goroutine.
// Spec: TS 24.501 §5.6.1.2, §4.4.6; TS 33.501 §A.9
func (u *UE) sendService(p *pending, g *gnb.GNB, typ uint8, cause n2.RRCEstablishmentCause, ul uint16) error {
	s := u.stmsi()
	if s == nil || u.sec == nil {
		return errors.New("ue: not registered")
	}
	u.attach(g, gnb.AttachOptions{Cause: cause, STMSI: s})
	var status uint16
	for psi, t := range u.tuns {
		if t.hasHeld() {
			ul |= 1 << psi
		}
	}
	for psi := range u.sessions {
		status |= 1 << psi
	}
	full := serviceRequestIEs(u.ngKSI, typ, s, ul, status, len(u.sessions) > 0)
	if err := u.sendInitial(serviceRequest(u.ngKSI, typ, s), full); err != nil {
		return err
	}
	copy(u.kgNB[:], aka.KgNB(u.kamf, u.sec.SendCount()-1, aka.Access3GPP))
	u.armTimer(p, u.cfg.T3517)
	return nil
}

// serviceRequestIEs builds the complete SERVICE REQUEST, with Uplink data
// status (when ul has a PSI) and PDU session status (when withStatus):
// non-cleartext IEs, which go in the NAS message container of an initial
// message (TS 24.501 §4.4.6).
//
// Spec: TS 24.501 §8.2.16, §9.11.3.57 (IEI 0x40), §9.11.3.44 (IEI 0x50)
func serviceRequestIEs(ngKSI, typ uint8, s *n2.FiveGSTMSI, ul, status uint16, withStatus bool) []byte {
	b := serviceRequest(ngKSI, typ, s)
	if ul != 0 {
		b = append(b, 0x40, 2, byte(ul), byte(ul>>8))
	}
	if withStatus {
		b = append(b, 0x50, 2)
		b = binary.LittleEndian.AppendUint16(b, status)
	}
	return b
}

// rebindTUNs binds each TUN whose session the connection carries (set up
// anew: Service Request, or re-activation on a live connection) to its new
// bearer, which sends the held uplink. On the UE's goroutine.
func (u *UE) rebindTUNs() {
	if u.link == nil {
		return
	}
	for psi, t := range u.tuns {
		s, ok := u.link.Session(psi)
		if !ok {
			continue // not re-activated: it keeps holding
		}
		if b := t.bearer.Load(); b != nil && b.Session().DL == s.DL {
			continue // already bound to it
		}
		b, err := u.link.BindUserPlane(psi, t.sess.QFI, downlink{t})
		if err != nil {
			u.log.Info("TUN not bound to the re-activated session", "psi", psi, "err", err)
			continue
		}
		t.rebind(b)
	}
}

// setIdle makes the TUN hold its uplink.
func (t *TUN) setIdle() {
	t.ulmu.Lock()
	t.idle = true
	t.ulmu.Unlock()
}

// hold keeps a copy of an uplink packet (headroom included) and wakes the
// UE. Caller holds t.ulmu.
func (t *TUN) hold(buf []byte) {
	if len(t.held) < maxHeld {
		t.held = append(t.held, append([]byte(nil), buf...))
	}
	if t.wake != nil {
		t.wake()
	}
}

func (t *TUN) hasHeld() bool {
	t.ulmu.Lock()
	defer t.ulmu.Unlock()
	return len(t.held) > 0
}

// rebind makes b the TUN's bearer and sends what was held, in order.
func (t *TUN) rebind(b *gnb.Bearer) {
	t.ulmu.Lock()
	defer t.ulmu.Unlock()
	if old := t.bearer.Load(); old != nil && old != b {
		t.base = addStats(t.base, old.Stats())
	}
	t.bearer.Store(b)
	t.idle = false
	for _, p := range t.held {
		b.Uplink(p)
	}
	t.held = nil
}

// setWake sets what hold calls.
func (t *TUN) setWake(f func()) {
	t.ulmu.Lock()
	t.wake = f
	t.ulmu.Unlock()
}

func addStats(a, b gnb.BearerStats) gnb.BearerStats {
	return gnb.BearerStats{ULPackets: a.ULPackets + b.ULPackets, ULBytes: a.ULBytes + b.ULBytes,
		DLPackets: a.DLPackets + b.DLPackets, DLBytes: a.DLBytes + b.DLBytes,
		ULDropped: a.ULDropped + b.ULDropped, DLDropped: a.DLDropped + b.DLDropped,
		EndMarkers: a.EndMarkers + b.EndMarkers}
}

// releaseInactive releases locally the sessions the network reports
// inactive in a PDU session status (bit PSI of the bitmap, octet 3 for
// PSIs 0-7, octet 4 for 8-15): the SMF released them while the UE was
// idle, without paging it.
//
// Spec: TS 24.501 §5.6.1.4.1, §9.11.3.44; TS 23.502 §4.3.4.2 step 3b
func (u *UE) releaseInactive(status []byte) {
	for psi := range u.sessions {
		i := int(psi) / 8
		if i < len(status) && status[i]&(1<<(psi%8)) != 0 {
			continue
		}
		u.log.Info("PDU session released by the network while idle", "psi", psi)
		delete(u.sessions, psi)
		u.closeTUN(psi)
	}
}
