package amf

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n2"
)

// Network triggered service request: an SMF has downlink data (or a 5GSM
// message) for a PDU session of a UE in CM-IDLE. The AMF keeps the SMF's
// N1/N2 content with the session, answers ATTEMPTING_TO_REACH_UE and pages
// the UE in its registration area; the UE answers with SERVICE REQUEST,
// and the kept N2 content goes into INITIAL CONTEXT SETUP REQUEST
// (service.go). Paging is repeated on each T3513 expiry, Pagings times in
// all; then each SMF that waits is told UE_NOT_RESPONDING. A transfer for
// a UE already being paged joins the paging: one paging per UE at a time.
//
// Spec: TS 23.502 §4.2.3.3 steps 3a-4b, 6; TS 29.518 §5.2.2.3.1;
// TS 38.413 §8.5.1; TS 24.501 §5.6.2.2.1

// pagingState is a paging under way.
type pagingState struct {
	sent  int // Paging messages sent
	gen   uint64
	t     *time.Timer
	start time.Time
}

// pendingTransfer is an SMF's N1N2 content kept while the UE is paged.
type pendingTransfer struct {
	n1, n2   []byte
	ngapType models.Amf_Comm_NgapIeType
	notify   string // the SMF's n1n2FailureTxfNotifURI
}

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
// paging is already under way. Only PDU session setup N2 content and N1
// messages can wait for the UE; anything else is refused.
//
// Spec: TS 23.502 §4.2.3.3 step 3a ("If the UE is in CM-IDLE state ...
// the AMF ... initiates paging"; a second request while paging does not
// page again); TS 29.518 §5.2.2.3.1.2
func (s *shard) onN1N2Idle(u *ue, ev n1n2Transfer) n1n2Answer {
	ss := u.sessions[ev.psi]
	switch {
	case u.state != gmmRegistered || !u.sub.hasGUTI:
		return n1n2Answer{err: fmt.Errorf("%w: %s is not registered", ErrUENotReachable, u.sub.supi)}
	case ss == nil:
		return n1n2Answer{err: fmt.Errorf("%w: no PDU session %d", ErrUENotReachable, ev.psi)}
	case ev.n2 != nil && ev.ngapType != "PDU_RES_SETUP_REQ":
		return n1n2Answer{err: fmt.Errorf("%w: %s cannot wait for paging", ErrUENotReachable, ev.ngapType)}
	}
	ss.pending = &pendingTransfer{n1: ev.n1, n2: ev.n2, ngapType: ev.ngapType, notify: ev.notify}
	if u.paging == nil {
		s.startPaging(u)
	}
	return n1n2Answer{cause: models.Amf_Comm_N1N2MessageTransferCause_ATTEMPTING_TO_REACH_UE}
}

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
			r := k.(*ranNode)
			if r.setUp.Load() && r.serves(tais) {
				ctx, cancel := context.WithTimeout(s.a.runCtx, sendTimeout)
				if err := r.send(ctx, 0, b); err != nil {
					r.log.Debug("send PAGING", "err", err)
				} else {
					n++
				}
				cancel()
			}
			return true
		})
		s.a.log.Debug("PAGING sent", "supi", u.sub.supi, "gnbs", n, "attempt", p.sent+1)
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
				s.onN1N2Transfer(n1n2Transfer{supi: u.sub.supi, psi: psi, ngapType: pt.ngapType,
					n1: pt.n1, n2: pt.n2, notify: pt.notify})
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
	s.stopPaging(u)
	s.failPending(u, models.Amf_Comm_N1N2MessageTransferCause_UE_NOT_RESPONDING)
}

// stopPaging ends the paging under way, if any.
func (s *shard) stopPaging(u *ue) {
	if p := u.paging; p != nil {
		if p.t != nil {
			p.t.Stop()
		}
		if s.a.deps.Latency != nil {
			s.a.deps.Latency.Observe("paging", time.Since(p.start).Seconds())
		}
		u.paging = nil
	}
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
