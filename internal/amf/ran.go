package amf

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go5g/internal/n2"
	"go5g/internal/sctp"
)

// ranNode is one NG-RAN node (gNB) on one SCTP association. Its reader
// goroutine handles non-UE-associated signalling itself and hands
// UE-associated signalling to the UE's worker.
type ranNode struct {
	conn sctp.Conn
	log  *slog.Logger

	setUp    atomic.Bool // NG Setup succeeded on this association
	resetAck chan n2.PDU // NG RESET ACKNOWLEDGE, for ResetRAN
	resetMu  sync.Mutex  // one AMF-initiated NG Reset at a time
	mu       sync.Mutex  // guards the fields below, written by the reader
	id       n2.GlobalGNBID
	nodeName string
	tas      []n2.SupportedTA
	setUpAt  time.Time // when NG Setup last succeeded (a repeat moves it)

	pq pagingQueue // Paging messages on their way (pagingqueue.go)
}

func (r *ranNode) name() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nodeName
}

// send sends one NGAP PDU. Non-UE-associated signalling uses stream 0.
// Spec: TS 38.412 §7
func (r *ranNode) send(ctx context.Context, stream uint16, b []byte) error {
	return r.conn.Send(ctx, sctp.Message{Stream: stream, PPID: sctp.PPIDNGAP, Data: b})
}

// serveRAN is the one reader of an association: it decodes each PDU once
// and routes it, until the association ends; then the UEs it carried are
// released (and only those).
//
// Spec: TS 38.412 §7, TS 38.413 §8.7.1.1
func (a *AMF) serveRAN(ctx context.Context, conn sctp.Conn) {
	r := &ranNode{conn: conn, log: a.log.With("gnb_addr", conn.RemoteAddr().String()),
		resetAck: make(chan n2.PDU, 1)}
	a.rans.Store(r, struct{}{})
	r.log.Info("N2 association up", "streams", conn.Streams())
	var err error
	for {
		var m sctp.Message
		if m, err = conn.Recv(ctx); err != nil {
			break
		}
		if m.PPID != sctp.PPIDNGAP {
			r.log.Debug("not NGAP: ignored", "ppid", m.PPID)
			continue
		}
		a.onPDU(ctx, r, m)
	}
	a.rans.Delete(r)
	if ctx.Err() != nil {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(cctx)
		cancel()
		return
	}
	r.log.Info("N2 association down: releasing its UEs", "err", err)
	conn.Close(ctx)
	// Wait until every worker has released this gNB's UEs, so that they
	// are gone by the time anyone sees the association as down.
	var wg sync.WaitGroup
	for _, s := range a.shards {
		done := make(chan struct{})
		if s.post(ctx, ranLost{ran: r, done: done}) {
			wg.Go(func() {
				select {
				case <-done:
				case <-ctx.Done():
				}
			})
		}
	}
	wg.Wait()
}

// onPDU decodes and routes one NGAP PDU.
func (a *AMF) onPDU(ctx context.Context, r *ranNode, m sctp.Message) {
	pdu, err := n2.Decode(m.Data)
	if err != nil {
		a.onBadPDU(ctx, r, err)
		return
	}
	if pdu.Procedure == n2.ProcNGSetup && pdu.Type == n2.InitiatingMessage {
		a.onNGSetup(ctx, r, pdu)
		return
	}
	if !r.setUp.Load() {
		// §8.7.1.1: NG Setup is the first procedure on a new association.
		r.log.Warn("NGAP before NG Setup", "procedure", pdu.Procedure)
		a.sendErrorIndication(ctx, r, 0, n2.UEIDs{}, n2.CauseMessageNotCompatibleWithReceiverState)
		return
	}
	switch {
	case pdu.Procedure == n2.ProcInitialUEMessage:
		msg, err := n2.ParseInitialUEMessage(pdu)
		if err != nil {
			r.log.Warn("bad INITIAL UE MESSAGE", "err", err)
			a.sendErrorIndication(ctx, r, m.Stream, n2.UEIDs{RAN: pdu.IDs.RAN, HasRAN: pdu.IDs.HasRAN}, semanticCause(err))
			return
		}
		if !a.shardForInitialUE(msg).tryPost(initialUE{ran: r, msg: msg}) {
			a.refuseInitialUE(ctx, r, msg)
		}
	case pdu.Procedure == n2.ProcErrorIndication:
		a.onErrorIndication(r, pdu)
	case pdu.Procedure == n2.ProcNGReset && pdu.Type == n2.InitiatingMessage:
		a.onNGReset(ctx, r, pdu)
	case pdu.Procedure == n2.ProcNGReset && pdu.Type == n2.SuccessfulOutcome:
		select { // for ResetRAN; one nobody waits for is dropped
		case r.resetAck <- pdu:
		default:
		}
	case pdu.IDs.HasAMF && refusedID(pdu.IDs.AMF):
		// An AMF UE NGAP ID of a connection refused for overload
		// (n2overload.go): the gNB's UE CONTEXT RELEASE COMPLETE ends it;
		// nothing else is expected on it, and no context exists (§10.6).
		if pdu.Procedure != n2.ProcUEContextRelease || pdu.Type != n2.SuccessfulOutcome {
			a.sendErrorIndication(ctx, r, m.Stream, pdu.IDs, n2.CauseUnknownLocalUENGAPID)
		}
	case pdu.IDs.HasAMF:
		if !a.shardOf(pdu.IDs.AMF).tryPost(uePDU{ran: r, pdu: pdu}) {
			a.queueFull(r, pdu)
		}
	case pdu.IDs.HasRAN:
		// UE-associated, but without the AMF's ID: the AMF cannot find the
		// UE context (TS 38.413 §10.6).
		a.sendErrorIndication(ctx, r, m.Stream, n2.UEIDs{RAN: pdu.IDs.RAN, HasRAN: true}, n2.CauseUnknownLocalUENGAPID)
	default:
		r.log.Info("NGAP procedure not supported: ignored", "procedure", pdu.Procedure, "type", pdu.Type)
		if pdu.Type == n2.InitiatingMessage {
			a.sendErrorIndication(ctx, r, m.Stream, n2.UEIDs{}, n2.CauseMessageNotCompatibleWithReceiverState)
		}
	}
}

// shardOf is the worker of an AMF UE NGAP ID (see newID).
func (a *AMF) shardOf(amfID uint64) *shard {
	return a.shards[amfID%uint64(len(a.shards))]
}

// shardForInitialUE picks the worker of a new UE-associated connection: the
// owner of the UE's 5G-S-TMSI when the gNB gives one of ours (an idle UE
// coming back) or the NAS message names one, else the next worker in turn.
func (a *AMF) shardForInitialUE(m *n2.InitialUEMessage) *shard {
	t := m.STMSI
	if t == nil {
		t = initialNASSTMSI(m.NASPDU)
	}
	if t != nil && t.SetID == a.cfg.SetID && t.Pointer == a.cfg.Pointer {
		return a.shards[t.TMSI%uint32(len(a.shards))]
	}
	return a.shards[a.rr.Add(1)%uint64(len(a.shards))]
}

// onBadPDU answers a PDU that could not be decoded, as TS 38.413 §10 says.
// One that names a UE goes to the UE's worker, which knows whether the IDs
// are those of a UE of this gNB and may be echoed.
func (a *AMF) onBadPDU(ctx context.Context, r *ranNode, err error) {
	var pe *n2.ProtocolError
	if !errors.As(err, &pe) {
		return
	}
	r.log.Warn("malformed NGAP", "err", err)
	if pe.UseFailureMessage && pe.Procedure == n2.ProcNGSetup && pe.Cause != nil {
		b, merr := n2.NGSetupFailure{Cause: *pe.Cause, Diagnostics: pe.Diagnostics}.Marshal()
		if merr == nil {
			a.stats.ngSetupRejected.Add(1)
			r.send(ctx, 0, b)
			return
		}
	}
	if pe.IDs.HasAMF && r.setUp.Load() && !refusedID(pe.IDs.AMF) {
		if !a.shardOf(pe.IDs.AMF).tryPost(badUEPDU{ran: r, err: err}) {
			a.overload.queueFull.Add(1)
		}
		return
	}
	a.reportProtocolError(ctx, r, 0, err, n2.UEIDs{})
}

// reportProtocolError sends the Error Indication §10 asks for, if any.
func (a *AMF) reportProtocolError(ctx context.Context, r *ranNode, stream uint16, err error, ids n2.UEIDs) {
	b, merr := n2.ErrorIndicationFor(err, ids)
	if merr != nil || b == nil {
		return
	}
	a.stats.errorIndicationsSent.Add(1)
	if serr := r.send(ctx, stream, b); serr != nil {
		r.log.Debug("send ERROR INDICATION", "err", serr)
	}
}

// sendErrorIndication reports an error with a cause.
// Spec: TS 38.413 §8.7.5.2
func (a *AMF) sendErrorIndication(ctx context.Context, r *ranNode, stream uint16, ids n2.UEIDs, cause n2.Cause) {
	b, err := n2.ErrorIndication{IDs: ids, Cause: &cause}.Marshal()
	if err != nil {
		r.log.Error("build ERROR INDICATION", "err", err)
		return
	}
	a.stats.errorIndicationsSent.Add(1)
	if err := r.send(ctx, stream, b); err != nil {
		r.log.Debug("send ERROR INDICATION", "err", err)
	}
}

// onErrorIndication logs what the gNB reports; the AMF takes no action on
// it for the procedures of this release.
// Spec: TS 38.413 §8.7.5.3
func (a *AMF) onErrorIndication(r *ranNode, pdu n2.PDU) {
	ei, err := n2.ParseErrorIndication(pdu)
	if err != nil {
		r.log.Warn("bad ERROR INDICATION", "err", err)
		return
	}
	attrs := []any{"amf_ue_ngap_id", ei.IDs.AMF, "ran_ue_ngap_id", ei.IDs.RAN}
	if ei.Cause != nil {
		attrs = append(attrs, "cause", ei.Cause.String())
	}
	r.log.Warn("ERROR INDICATION from gNB", attrs...)
}

// semanticCause is the cause for a decoded message whose content is
// invalid (TS 38.413 §10.4) or unsupported.
func semanticCause(err error) n2.Cause {
	if errors.Is(err, n2.ErrSemantic) {
		return n2.CauseSemanticError
	}
	return n2.CauseAbstractSyntaxErrorFalselyConstructedMessage
}
