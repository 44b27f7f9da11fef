package amf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n2"
)

// Network triggered service request: an SMF has downlink data, a
// modification or a 5GSM message for a PDU session of a UE in CM-IDLE. The
// AMF keeps the SMF's content with the session, answers
// ATTEMPTING_TO_REACH_UE and pages the UE in its registration area; the UE
// answers with SERVICE REQUEST, and the kept content goes into INITIAL
// CONTEXT SETUP REQUEST or follows SERVICE ACCEPT (reactivate.go). Paging
// is repeated on each T3513 expiry, Pagings times in all; then each SMF
// that waits is told UE_NOT_RESPONDING. A transfer for a UE already being
// paged joins the paging: one paging per UE at a time. The Paging messages
// leave through each gNB's queue (pagingqueue.go), never from the UE's
// worker.
//
// Spec: TS 23.502 §4.2.3.3 steps 3a-4b, 6, §4.3.3.2 step 3b, §4.3.4.2
// step 3b; TS 29.518 §5.2.2.3.1; TS 38.413 §8.5.1; TS 24.501 §5.6.2.2.1

// pagingState is a paging under way.
type pagingState struct {
	sent  int // Paging messages sent
	gen   uint64
	t     *time.Timer
	start time.Time
}

// pendingTransfer is what the SMF sent for one PDU session while its UE
// is in CM-IDLE, kept for the UE's Service Request: the PDU Session
// Resource Setup Request Transfer (setup), or the need to ask the SMF for
// one (activate: the SMF sent a Modify Request Transfer for resources the
// gNB released with the UE's connection), and the 5GSM messages, oldest
// first.
type pendingTransfer struct {
	setup    []byte
	activate bool
	n1       [][]byte
	notify   string // the SMF's n1n2FailureTxfNotifURI
}

// maxPendingN1 bounds the 5GSM messages kept for one PDU session during
// paging; the SMF's timers (T3591, T3592) send again what is lost.
const maxPendingN1 = 8

// n1n2Answer is the worker's answer to a transfer: the cause of a 200 or
// 202 response, or the error of a refused one.
type n1n2Answer struct {
	cause models.Amf_Comm_N1N2MessageTransferCause
	err   error
}

// pagingExpired is T3513 expiring for the UE with the SUPI.
type pagingExpired struct {
	supi string
	p    *pagingState
	gen  uint64
}

// smFailureNotifier is the SMF's callback for a transfer that could not be
// delivered (the n1n2FailureTxfNotifURI of the request).
// Spec: TS 29.518 §5.2.2.3.2 (N1N2TransferFailureNotification)
type smFailureNotifier interface {
	N1N2TransferFailureNotification(ctx context.Context, uri string, n models.Amf_Comm_N1N2MsgTxfrFailureNotification)
}

// ErrUENotReachable is a transfer to a UE the AMF cannot reach now: not
// registered, no PDU session routing context, or content that cannot wait
// for paging (TS 29.518 §5.2.2.3.1: 409 or 504 UE_NOT_REACHABLE).
var ErrUENotReachable = errors.New("amf: UE not reachable")

// N1N2MessageTransferCause is N1N2MessageTransfer with the answer of
// TS 29.518 §6.1.3.5.3.1: N1_N2_TRANSFER_INITIATED (200) for a UE in
// CM-CONNECTED, ATTEMPTING_TO_REACH_UE (202) for a UE in CM-IDLE that the
// AMF pages. It waits for the UE's worker (bounded by ctx).
//
// Spec: TS 29.518 §5.2.2.3.1; TS 23.502 §4.2.3.3 step 3a
func (a *AMF) N1N2MessageTransferCause(ctx context.Context, supi string, req models.Amf_Comm_N1N2MessageTransferReqData, n1SmMsg, n2SmInfo []byte) (models.Amf_Comm_N1N2MessageTransferCause, error) {
	reply := make(chan n1n2Answer, 1)
	if err := a.n1n2Post(ctx, supi, req, n1SmMsg, n2SmInfo, reply); err != nil {
		return "", err
	}
	select {
	case r := <-reply:
		return r.cause, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// t3513 and pagings are the configured paging timer and attempts.
func (a *AMF) t3513() time.Duration {
	if a.cfg.T3513 > 0 {
		return a.cfg.T3513
	}
	return 3 * time.Second
}

func (a *AMF) pagings() int {
	if a.cfg.Pagings > 0 {
		return a.cfg.Pagings
	}
	return 3
}

// onN1N2Idle keeps a transfer for a UE in CM-IDLE and pages it, unless a
// paging is already under way:
//   - PDU Session Resource Setup Request Transfer: kept for INITIAL
//     CONTEXT SETUP (TS 23.502 §4.2.3.3 step 3a);
//   - Modify Request Transfer (a network-requested PDU session
//     modification, TS 23.502 §4.3.3.2 step 3b: "If the UE is in CM-IDLE
//     state ... the AMF initiates the network triggered Service Request"):
//     the gNB released the session's resources with the UE's connection,
//     so there is nothing to modify; at the Service Request the AMF asks
//     the SMF to activate the user plane (UpdateSMContext ACTIVATING,
//     TS 23.502 §4.2.3.2 step 4), whose Setup Request Transfer carries
//     the session's QoS as modified, and the PDU SESSION MODIFICATION
//     COMMAND rides with it as the session's NAS PDU (reactivate.go);
//   - Release Command Transfer: no resources to release in the AN; the
//     5GSM message (PDU SESSION RELEASE COMMAND) waits, and a setup kept
//     for the session is dropped;
//   - 5GSM messages: kept, in order, sent after SERVICE ACCEPT.
//
// With skipInd the SMF asks not to page for its 5GSM message: the AMF
// answers N1_MSG_NOT_TRANSFERRED and the SMF goes on without the UE (a
// network-requested release: the UE learns it from the PDU session
// status at its next Service Request or registration).
//
// Spec: TS 23.502 §4.2.3.3 step 3a, §4.3.3.2 step 3b, §4.3.4.2 step 3b;
// TS 29.518 §5.2.2.3.1, §6.1.6.2.31 (skipInd); TS 24.501 §5.6.1.4.1
func (s *shard) onN1N2Idle(u *ue, ev n1n2Transfer) n1n2Answer {
	ss := u.sessions[ev.psi]
	switch {
	case u.state != gmmRegistered || !u.sub.hasGUTI:
		return n1n2Answer{err: fmt.Errorf("%w: %s is not registered", ErrUENotReachable, u.sub.supi)}
	case ss == nil:
		return n1n2Answer{err: fmt.Errorf("%w: no PDU session %d", ErrUENotReachable, ev.psi)}
	case ev.n2 != nil && ev.ngapType != ngapSetupRequest && ev.ngapType != ngapModifyRequest && ev.ngapType != ngapReleaseCommand:
		return n1n2Answer{err: fmt.Errorf("%w: N2 SM information %q cannot wait for paging", ErrUENotReachable, ev.ngapType)}
	case ev.skip && (u.conn == nil || u.conn.releasing) && (ev.n2 == nil || ev.ngapType != ngapSetupRequest):
		s.a.log.Info("N1 content for a UE in CM-IDLE skipped (skipInd)", append(u.logAttrs(), "psi", ev.psi)...)
		return n1n2Answer{cause: models.Amf_Comm_N1N2MessageTransferCause_N1_MSG_NOT_TRANSFERRED}
	}
	pt := ss.pending
	if pt == nil {
		pt = &pendingTransfer{}
	}
	if ev.n2 != nil {
		switch ev.ngapType {
		case ngapSetupRequest:
			pt.setup, pt.activate = ev.n2, false
		case ngapModifyRequest:
			pt.activate = pt.setup == nil // a kept setup is rebuilt by nobody: it stands
		case ngapReleaseCommand:
			pt.setup, pt.activate = nil, false
		}
	}
	if ev.n1 != nil && !slices.ContainsFunc(pt.n1, func(b []byte) bool { return bytes.Equal(b, ev.n1) }) {
		if len(pt.n1) == maxPendingN1 {
			pt.n1 = pt.n1[1:]
		}
		pt.n1 = append(pt.n1, ev.n1)
	}
	if ev.notify != "" {
		pt.notify = ev.notify
	}
	if pt.setup == nil && !pt.activate && len(pt.n1) == 0 {
		// An N2 release alone: the AN holds nothing for an idle UE.
		ss.pending = nil
		return n1n2Answer{cause: models.Amf_Comm_N1N2MessageTransferCause_N1_N2_TRANSFER_INITIATED}
	}
	ss.pending = pt
	if u.paging == nil {
		s.startPaging(u)
	}
	return n1n2Answer{cause: models.Amf_Comm_N1N2MessageTransferCause_ATTEMPTING_TO_REACH_UE}
}

// NgapIeTypes of the SMF's N2 SM information (TS 29.518 §6.1.6.3.x).
const (
	ngapSetupRequest   models.Amf_Comm_NgapIeType = "PDU_RES_SETUP_REQ"
	ngapReleaseCommand models.Amf_Comm_NgapIeType = "PDU_RES_REL_CMD"
)

// startPaging sends the first Paging and starts T3513.
func (s *shard) startPaging(u *ue) {
	u.paging = &pagingState{start: time.Now()}
	s.a.stats.pagings.Add(1)
	s.a.log.Info("paging", "supi", u.sub.supi, "tmsi", u.sub.tmsi)
	s.page(u)
}

// page sends Paging to every gNB serving a tracking area of the UE's
// registration area (the AMF's TAI list given in REGISTRATION ACCEPT) and
// (re)starts T3513.
//
// Spec: TS 38.413 §8.5.1.2; TS 23.502 §4.2.3.3 step 4a
func (s *shard) page(u *ue) {
	p := u.paging
	tais := s.a.registrationArea()
	b, err := n2.Paging{STMSI: n2.FiveGSTMSI{SetID: s.a.cfg.SetID, Pointer: s.a.cfg.Pointer, TMSI: u.sub.tmsi},
		TAIs: tais}.Marshal()
	if err != nil {
		s.a.log.Error("build PAGING", "supi", u.sub.supi, "err", err)
	} else {
		n := 0
		s.a.rans.Range(func(k, _ any) bool {
			// Queued, never sent from here: a stalled gNB must not hold
			// the UE's worker (pagingqueue.go).
			if r := k.(*ranNode); r.setUp.Load() && r.serves(tais) && s.a.queuePaging(r, b) {
				n++
			}
			return true
		})
		s.a.log.Debug("PAGING queued", "supi", u.sub.supi, "gnbs", n, "attempt", p.sent+1)
	}
	p.sent++
	p.gen++
	if p.t != nil {
		p.t.Stop()
	}
	ev, ctx := pagingExpired{supi: u.sub.supi, p: p, gen: p.gen}, s.a.runCtx
	p.t = time.AfterFunc(s.a.t3513(), func() { s.post(ctx, ev) })
}

// onPagingExpired pages again, or gives up after the last attempt: the
// SMFs that wait are told UE_NOT_RESPONDING and their content is dropped.
// Spec: TS 23.502 §4.2.3.3 step 4b ("the AMF ... notifies the SMF ...
// Namf_Communication_N1N2TransferFailureNotification"); TS 29.518 §5.2.2.3.2
func (s *shard) onPagingExpired(ev pagingExpired) {
	u := s.bySUPI[ev.supi]
	if u == nil || u.paging != ev.p || u.paging.gen != ev.gen {
		return
	}
	u.paging.t = nil
	if u.conn != nil && !u.conn.releasing {
		// The UE came back another way (e.g. a registration update):
		// paging is over, and what waited goes on its connection.
		s.stopPaging(u)
		for psi, ss := range u.sessions {
			if pt := ss.pending; pt != nil {
				ss.pending = nil
				s.deliverPending(u, psi, pt)
			}
		}
		return
	}
	if u.paging.sent < s.a.pagings() {
		s.page(u)
		return
	}
	s.a.stats.pagingFailures.Add(1)
	s.a.log.Info("paging failed: UE not responding", "supi", u.sub.supi, "pagings", u.paging.sent)
	s.endPaging(u)
	s.failPending(u, models.Amf_Comm_N1N2MessageTransferCause_UE_NOT_RESPONDING)
}

// deliverPending sends what was kept for a UE that is back in
// CM-CONNECTED without a Service Request (e.g. a mobility registration
// update): the setup with the first 5GSM message, then the others. A
// modification's activation is left to the UE's next Service Request;
// its command goes now.
func (s *shard) deliverPending(u *ue, psi uint8, pt *pendingTransfer) {
	n1s := pt.n1
	if pt.setup != nil {
		var first []byte
		if len(n1s) > 0 {
			first, n1s = n1s[0], n1s[1:]
		}
		s.onN1N2Transfer(n1n2Transfer{supi: u.sub.supi, psi: psi, ngapType: ngapSetupRequest, n1: first, n2: pt.setup,
			notify: pt.notify})
	}
	for _, b := range n1s {
		s.onN1N2Transfer(n1n2Transfer{supi: u.sub.supi, psi: psi, n1: b, notify: pt.notify})
	}
}

// stopPaging ends the paging under way, if any, as a success: the UE
// answered (SERVICE REQUEST) or came back by itself.
func (s *shard) stopPaging(u *ue) {
	if p := u.paging; p != nil {
		s.a.stats.pagingSuccesses.Add(1)
		if s.a.deps.Latency != nil {
			s.a.deps.Latency.Observe("paging", time.Since(p.start).Seconds())
		}
	}
	s.endPaging(u)
}

// endPaging ends the paging under way, if any.
func (s *shard) endPaging(u *ue) {
	if p := u.paging; p != nil {
		if p.t != nil {
			p.t.Stop()
		}
		u.paging = nil
	}
}

// PagingStats are the AMF's paging counts.
type PagingStats struct {
	// Started counts pagings started (one per UE at a time, each of up to
	// Config.Pagings rounds); Succeeded those the UE answered;
	// Failed those that ended without an answer (UE_NOT_RESPONDING).
	Started, Succeeded, Failed uint64
	// Sent counts NGAP Paging messages sent to gNBs; Dropped those not
	// sent: a gNB's queue was full or its association failed the send.
	Sent, Dropped uint64
}

// PagingStats returns the paging counters.
func (a *AMF) PagingStats() PagingStats {
	c := &a.stats
	return PagingStats{Started: c.pagings.Load(), Succeeded: c.pagingSuccesses.Load(), Failed: c.pagingFailures.Load(),
		Sent: c.pagingSent.Load(), Dropped: c.pagingDrops.Load()}
}

// failPending drops every kept transfer of the UE and notifies its SMF.
func (s *shard) failPending(u *ue, cause models.Amf_Comm_N1N2MessageTransferCause) {
	n, _ := s.a.deps.SMF.(smFailureNotifier)
	run := s.a.runCtx
	for _, ss := range u.sessions {
		pt := ss.pending
		if pt == nil {
			continue
		}
		ss.pending = nil
		if n == nil || pt.notify == "" {
			continue
		}
		go func() {
			ctx, cancel := context.WithTimeout(run, s.a.cfg.SBITimeout)
			defer cancel()
			n.N1N2TransferFailureNotification(ctx, pt.notify, models.Amf_Comm_N1N2MsgTxfrFailureNotification{Cause: cause})
		}()
	}
}

// registrationArea is the TAI list the AMF gives every UE: its TACs in its
// PLMN (REGISTRATION ACCEPT, nasmsg.go), at most 16 for paging.
func (a *AMF) registrationArea() []n2.TAI {
	tais := make([]n2.TAI, 0, len(a.cfg.TACs))
	for _, t := range a.cfg.TACs {
		if len(tais) == 16 {
			break
		}
		tais = append(tais, n2.TAI{PLMN: a.cfg.PLMN, TAC: t})
	}
	return tais
}

// serves reports whether the gNB supports one of the TAIs (its NG Setup
// Supported TA List).
func (r *ranNode) serves(tais []n2.TAI) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ta := range r.tas {
		for _, p := range ta.PLMNs {
			for _, t := range tais {
				if t.TAC == ta.TAC && t.PLMN == p.PLMN {
					return true
				}
			}
		}
	}
	return false
}
