package amf

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/free5gc/nas/nasMessage"
	"github.com/free5gc/openapi/models"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// User plane re-activation in a Service Request. The PDU sessions to
// activate are those whose SMF waits with N2 content after a paging
// (network triggered) and those the UE names in Uplink data status (UE
// triggered), for which the AMF asks the SMF (UpdateSMContext, upCnxState
// ACTIVATING) for the N2 SM information first. Once every SMF answered,
// SERVICE ACCEPT goes in INITIAL CONTEXT SETUP REQUEST with the PDU Session
// Resource Setup Request List; the gNB's answer goes back to each SMF
// (PDU_RES_SETUP_RSP, contextsetup.go). Sessions the UE reports inactive
// in PDU session status are released locally.
//
// Spec: TS 23.502 §4.2.3.2 steps 4-12, §4.2.3.3 step 6; TS 24.501
// §5.6.1.4.1; TS 29.502 §5.2.2.3.2.2; TS 38.413 §8.3.1.2

// serviceState is a Service Request waiting for its SMFs.
type serviceState struct {
	gen     uint64 // which request the SMFs' answers belong to
	waiting int
	items   []n2.SessionItem
	later   [][]byte // N1-only content kept during paging: DL NAS TRANSPORT after
	failed  uint16   // PSIs whose user plane could not be re-established
	// withSetup are 5GSM messages kept during paging that go as the NAS
	// PDU of their session's setup item once the SMF gave the transfer
	// (a modification command for an idle UE, paging.go).
	withSetup [16][]byte
	// ulStatus and pduStatus report the IEs the UE included.
	ulStatus, pduStatus bool
}

// smActivated is an SMF's answer to user plane activation.
type smActivated struct {
	supi string
	psi  uint8
	gen  uint64
	n2   []byte
	err  error
}

// smActivator is UpdateSMContext with the N2 SM information of its answer
// (the n2SmInfo binary part of SmContextUpdatedData, TS 29.502 §6.1.6.2.3).
type smActivator interface {
	UpdateSMContextN2(ctx context.Context, smContextRef string, data models.Smf_PDUSess_SmContextUpdateData, n1SmMsg, n2SmInfo []byte) (models.Smf_PDUSess_SmContextUpdatedData, []byte, error)
}

// psiBits reads a PSI bitmap IE value (PDU session status, Uplink data
// status): bit p is PSI p. Spec: TS 24.501 §9.11.3.44, §9.11.3.57
func psiBits(b []byte) uint16 {
	var v uint16
	if len(b) > 0 {
		v = uint16(b[0])
	}
	if len(b) > 1 {
		v |= uint16(b[1]) << 8
	}
	return v &^ 1 // PSI 0 is spare
}

// reactivate works out the sessions of an accepted Service Request and
// starts the SMF calls it needs.
func (s *shard) reactivate(u *ue, m *nasMessage.ServiceRequest) {
	u.smGen++
	st := &serviceState{gen: u.smGen, ulStatus: m.UplinkDataStatus != nil, pduStatus: m.PDUSessionStatus != nil}
	u.svc = st
	var ul uint16
	if m.UplinkDataStatus != nil {
		ul = psiBits(m.UplinkDataStatus.Buffer)
	}
	if m.PDUSessionStatus != nil {
		// §5.6.1.4.1: "the AMF shall perform a local release of all those
		// PDU sessions ... indicated by the UE as being in PDU SESSION
		// INACTIVE".
		active := psiBits(m.PDUSessionStatus.Buffer)
		for psi, ss := range u.sessions {
			if active&(1<<psi) == 0 && ss.ref != "" && ss.pending == nil {
				s.smReleaseLocal(u, psi)
			}
		}
	}
	for psi, ss := range u.sessions {
		pt := ss.pending
		if pt == nil {
			continue
		}
		ss.pending = nil
		n1s := pt.n1
		switch {
		case pt.setup != nil:
			var first []byte
			if len(n1s) > 0 {
				first, n1s = n1s[0], n1s[1:]
			}
			st.items = append(st.items, n2.SessionItem{ID: psi, SNSSAI: ss.snssai, Transfer: pt.setup, NASPDU: s.smNAS(psi, first)})
			ul &^= 1 << psi
		case pt.activate:
			// A modification for resources the gNB no longer has: the
			// SMF gives the Setup Request Transfer, as for uplink data.
			// Spec: TS 23.502 §4.2.3.2 step 4, §4.3.3.2 step 3b
			if len(n1s) > 0 {
				st.withSetup[psi], n1s = n1s[0], n1s[1:]
			}
			ul |= 1 << psi
		}
		for _, b := range n1s {
			st.later = append(st.later, dlNASTransport(psi, b, 0))
		}
	}
	act, _ := s.a.deps.SMF.(smActivator)
	for psi := uint8(1); psi < 16; psi++ {
		if ul&(1<<psi) == 0 {
			continue
		}
		ss := u.sessions[psi]
		if ss == nil || ss.ref == "" || act == nil {
			st.failed |= 1 << psi
			if b := st.withSetup[psi]; b != nil {
				st.later = append(st.later, dlNASTransport(psi, b, 0))
			}
			continue
		}
		st.waiting++
		supi, gen, run := u.sub.supi, st.gen, s.a.runCtx
		s.smEnqueue(u, ss, smCall{run: func(ctx context.Context, ref string) (string, error) {
			ev := smActivated{supi: supi, psi: psi, gen: gen}
			if ref == "" {
				ev.err = errors.New("no SM context")
			} else {
				_, ev.n2, ev.err = act.UpdateSMContextN2(ctx, ref,
					models.Smf_PDUSess_SmContextUpdateData{UpCnxState: models.Smf_PDUSess_UpCnxState_ACTIVATING}, nil, nil)
			}
			s.post(run, ev)
			return "", ev.err
		}})
	}
	if st.waiting == 0 {
		s.serviceAccepted(u)
	}
}

// smNAS wraps a 5GSM message for a PDU session item (nil stays nil).
func (s *shard) smNAS(psi uint8, sm []byte) []byte {
	if sm == nil {
		return nil
	}
	return dlNASTransport(psi, sm, 0)
}

// onSMActivated takes an SMF's N2 SM information for the Service Request.
func (s *shard) onSMActivated(ev smActivated) {
	u := s.bySUPI[ev.supi]
	if u == nil || u.svc == nil || u.svc.gen != ev.gen || u.conn == nil {
		return
	}
	st := u.svc
	st.waiting--
	ss := u.sessions[ev.psi]
	nas := st.withSetup[ev.psi&15]
	if ev.err != nil || ev.n2 == nil || ss == nil {
		s.a.log.Info("user plane not re-activated", append(u.logAttrs(), "psi", ev.psi, "err", ev.err)...)
		st.failed |= 1 << ev.psi
		if nas != nil { // the 5GSM message still goes, alone
			st.later = append(st.later, dlNASTransport(ev.psi, nas, 0))
		}
	} else {
		st.items = append(st.items, n2.SessionItem{ID: ev.psi, SNSSAI: ss.snssai, Transfer: ev.n2, NASPDU: s.smNAS(ev.psi, nas)})
	}
	if st.waiting == 0 {
		s.serviceAccepted(u)
	}
}

// serviceAccepted sends SERVICE ACCEPT: in INITIAL CONTEXT SETUP REQUEST
// with the sessions to set up, or, for a UE that already has an AS
// context, in DOWNLINK NAS TRANSPORT followed by PDU SESSION RESOURCE
// SETUP REQUEST. Kept N1-only content follows in DL NAS TRANSPORT.
//
// Spec: TS 24.501 §5.6.1.4.1, §8.2.17; TS 23.502 §4.2.3.2 step 12
func (s *shard) serviceAccepted(u *ue) {
	st := u.svc
	u.svc = nil
	var status uint16
	for psi, ss := range u.sessions {
		if ss.ref != "" {
			status |= 1 << psi
		}
	}
	accept := serviceAcceptIEs(st.pduStatus, status, st.ulStatus, st.failed)
	if !u.conn.contextSetUp {
		if !s.initialContextSetup(u, accept, st.items...) {
			return
		}
	} else {
		s.sendNAS(u, accept)
		if len(st.items) > 0 {
			for i := range st.items {
				if st.items[i].NASPDU != nil {
					b, err := s.protect(u, st.items[i].NASPDU, n1.HeaderIntegrityCiphered)
					if err != nil {
						return
					}
					st.items[i].NASPDU = b
				}
			}
			pdu, err := n2.PDUSessionResourceSetupRequest{AMFUENGAPID: u.conn.amfID, RANUENGAPID: u.conn.ranID,
				Sessions: st.items}.Marshal()
			if err != nil {
				s.a.log.Error("build PDU SESSION RESOURCE SETUP REQUEST", append(u.logAttrs(), "err", err)...)
			} else {
				s.sendNGAP(u, pdu)
			}
		}
	}
	for _, b := range st.later {
		s.sendNAS(u, b)
	}
}

// onContextSessions passes the PDU sessions of INITIAL CONTEXT SETUP
// RESPONSE to their SMFs: the gNB's DL tunnel, or the failure.
// Spec: TS 23.502 §4.2.3.2 steps 13-15
func (s *shard) onContextSessions(u *ue, r *n2.InitialContextSetupResponse) {
	for _, it := range r.Setup {
		s.smN2(u, it, models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_RSP)
	}
	for _, it := range r.Failed {
		s.smN2(u, it, models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_FAIL)
	}
}

// smReleaseLocal releases one PDU session's SM context without NAS (the UE
// no longer has it).
func (s *shard) smReleaseLocal(u *ue, psi uint8) {
	ss := u.sessions[psi]
	ref := ss.ref
	s.smEnqueue(u, ss, smCall{run: func(ctx context.Context, _ string) (string, error) {
		return "", s.a.deps.SMF.ReleaseSMContext(ctx, ref, models.Smf_PDUSess_SmContextReleaseData{})
	}})
	ss.ref, ss.released = "", true
}

// serviceAcceptIEs builds SERVICE ACCEPT with the PDU session status (the
// AMF's active sessions) when the UE sent its own, and the PDU session
// reactivation result (bit set: not re-established) when the UE sent
// Uplink data status.
// Spec: TS 24.501 §8.2.17, §9.11.3.44, §9.11.3.42
func serviceAcceptIEs(withStatus bool, status uint16, withResult bool, failed uint16) []byte {
	b := gmm(n1.MsgServiceAccept, 8)
	if withStatus {
		b = append(b, 0x50, 2, byte(status), byte(status>>8))
	}
	if withResult {
		b = append(b, 0x26, 2, byte(failed), byte(failed>>8))
	}
	return b
}

// ueAMBR reads the subscribed UE-AMBR; a missing or unreadable value is 0.
// Spec: TS 29.571 §5.5.2 (BitRate: "<number> <unit>", units bps to Tbps)
func ueAMBR(a *models.AmbrRm) (ul, dl uint64) {
	if a == nil {
		return 0, 0
	}
	return bitRate(a.Uplink), bitRate(a.Downlink)
}

func bitRate(s string) uint64 {
	num, unit, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return 0
	}
	v, err := strconv.ParseFloat(num, 64)
	mult := map[string]float64{"bps": 1, "Kbps": 1e3, "Mbps": 1e6, "Gbps": 1e9, "Tbps": 1e12}[unit]
	if err != nil || mult == 0 || v < 0 || v*mult > maxUEAMBR {
		return 0
	}
	return uint64(v * mult)
}

// maxUEAMBR is NGAP's largest Bit Rate (TS 38.413 §9.3.1.4), the UE-AMBR
// given for a UE without a subscribed one (no limit beyond the sessions').
const maxUEAMBR = 4000000000000

func orMax(v uint64) uint64 {
	if v == 0 {
		return maxUEAMBR
	}
	return v
}
