package amf

import (
	"context"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// The N2 reader of an association serves all of its UEs, so it never waits
// for room in a worker's queue: a PDU a full queue cannot take is refused
// here, without a UE context, and counted (Stats.N2QueueFull).
//
// An INITIAL UE MESSAGE carrying a REGISTRATION REQUEST or SERVICE REQUEST
// is answered with REGISTRATION REJECT or SERVICE REJECT, 5GMM cause #22
// "congestion" with T3346, in DOWNLINK NAS TRANSPORT, followed by UE
// CONTEXT RELEASE COMMAND. The messages carry an AMF UE NGAP ID from a
// range the workers never allocate (refusedID), so the gNB's UE CONTEXT
// RELEASE COMPLETE is recognised and dropped by the reader. The reject is
// not integrity protected (no context is looked at), so the UE starts
// T3346 with a value of its own default range rather than the one sent
// (§5.5.1.2.5, §5.6.1.5); the IE is still included, as #22 requires.
// Requests the AMF should not turn away under congestion control
// (emergency and high priority access, §5.3.9) and other messages are
// dropped, counted, and left to the UE's retransmission.
//
// Any other UE-associated PDU a full queue cannot take is dropped and
// counted: NAS is retransmitted by the UE's timers, and the AMF's guard
// timer ends a release whose COMPLETE is lost.
//
// Spec: TS 24.501 §5.3.9, §5.5.1.2.5, §5.6.1.5; TS 38.413 §8.6.2, §8.3.3

// refusedBase is the start of the AMF UE NGAP IDs of refused connections:
// the upper half of the 40-bit space (TS 38.413 §9.3.3.1). Workers
// allocate from the bottom (newID) and would need 2^39 connections to
// reach it.
const refusedBase = uint64(1) << 39

func refusedID(id uint64) bool { return id >= refusedBase }

// queueFull drops a UE-associated PDU a full worker queue cannot take.
func (a *AMF) queueFull(r *ranNode, pdu n2.PDU) {
	a.overload.queueFull.Add(1)
	r.log.Warn("UE worker queue full: NGAP dropped", "procedure", pdu.Procedure,
		"amf_ue_ngap_id", pdu.IDs.AMF)
}

// refuseInitialUE answers an INITIAL UE MESSAGE that no worker can take.
func (a *AMF) refuseInitialUE(ctx context.Context, r *ranNode, m *n2.InitialUEMessage) {
	a.overload.queueFull.Add(1)
	nas := congestionRejectFor(m, a.t3346())
	if nas == nil {
		r.log.Warn("UE worker queue full: INITIAL UE MESSAGE dropped", "ran_ue_ngap_id", m.RANUENGAPID)
		return
	}
	a.overload.congestionRejects.Add(1)
	if nas[2] == n1.MsgRegistrationReject {
		a.stats.registrationRejects.Add(1)
	} else {
		a.stats.serviceRejects.Add(1)
	}
	id := refusedBase + a.refused.Add(1)%refusedBase
	c := ueConn{ran: r, amfID: id, ranID: m.RANUENGAPID}
	r.log.Info("UE worker queue full: initial NAS message rejected with #22", "ran_ue_ngap_id", m.RANUENGAPID)
	dl, err := n2.DownlinkNASTransport{AMFUENGAPID: id, RANUENGAPID: m.RANUENGAPID, NASPDU: nas}.Marshal()
	if err != nil {
		r.log.Error("build DOWNLINK NAS TRANSPORT", "err", err)
		return
	}
	rel, err := n2.UEContextReleaseCommand{IDs: c.ids(), Cause: n2.CauseUnspecifiedNAS}.Marshal()
	if err != nil {
		r.log.Error("build UE CONTEXT RELEASE COMMAND", "err", err)
		return
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	for _, b := range [][]byte{dl, rel} {
		if err := r.send(sctx, c.stream(), b); err != nil {
			r.log.Debug("send NGAP", "err", err)
			return
		}
	}
}

// congestionRejectFor is the #22 reject for the initial NAS message of m,
// or nil when it is not to be rejected: a message other than REGISTRATION
// REQUEST or SERVICE REQUEST, an emergency registration, or a request over
// an RRC connection set up for emergency or high priority access.
//
// Spec: TS 24.501 §5.3.9 (exceptions to general NAS level congestion
// control), §4.4.6 (an initial message is never ciphered); TS 38.413 §9.3.1.111
func congestionRejectFor(m *n2.InitialUEMessage, t3346 byte) []byte {
	if m.HasRRCCause {
		switch m.RRCCause {
		case n2.RRCEmergency, n2.RRCHighPriorityAccess, n2.RRCMPSPriorityAccess, n2.RRCMCSPriorityAccess:
			return nil
		}
	}
	b := m.NASPDU
	if len(b) > 7 && b[0] == n1.EPD5GMM && n1.HeaderType(b[1]&0x0f) != n1.HeaderPlain {
		b = b[7:]
	}
	if len(b) < 4 || b[0] != n1.EPD5GMM || b[1] != 0 {
		return nil
	}
	switch b[2] {
	case n1.MsgRegistrationRequest:
		if b[3]&0x07 == regEmergency {
			return nil
		}
		return registrationRejectT3346(n1.CauseCongestion, t3346)
	case n1.MsgServiceRequest:
		return serviceRejectT3346(n1.CauseCongestion, t3346)
	}
	return nil
}
