package amf

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go5g/internal/n2"
)

// Errors of the AMF's operations on one UE.
var (
	ErrUnknownUE     = errors.New("amf: no context for this SUPI")
	ErrNotRegistered = errors.New("amf: UE not registered")
	// ErrIdle: the operation needs the UE in CM-CONNECTED and this AMF does
	// not page yet.
	ErrIdle = errors.New("amf: UE in CM-IDLE")
	// ErrBusy: another 5GMM procedure is under way for the UE.
	ErrBusy = errors.New("amf: another procedure is under way for the UE")
)

// ueCommand runs an operation on a UE's context in its worker.
type ueCommand struct {
	supi  string
	run   func(s *shard, u *ue) error
	reply chan<- error
}

func (s *shard) onUECommand(ev ueCommand) {
	u := s.bySUPI[ev.supi]
	if u == nil {
		ev.reply <- ErrUnknownUE
		return
	}
	ev.reply <- ev.run(s, u)
}

// command runs f on the context of supi in its worker and waits for its
// result (not for the procedure it starts to end).
func (a *AMF) command(ctx context.Context, supi string, f func(s *shard, u *ue) error) error {
	v, ok := a.supis.Load(supi)
	if !ok {
		return ErrUnknownUE
	}
	reply := make(chan error, 1)
	if !v.(*shard).post(ctx, ueCommand{supi: supi, run: f, reply: reply}) {
		return errors.New("amf: not running")
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ReallocateGUTI gives a registered, connected UE a new 5G-GUTI with the
// Configuration Update procedure. It returns once the command is sent; the
// old 5G-GUTI stays valid until the UE confirms (or T3555 gives up).
//
// Spec: TS 24.501 §5.4.4
func (a *AMF) ReallocateGUTI(ctx context.Context, supi string) error {
	return a.command(ctx, supi, func(s *shard, u *ue) error { return s.startGUTIReallocation(u) })
}

// Deregister starts the network-initiated deregistration of supi with an
// optional 5GMM cause (0: none); with reregister the UE is asked to
// register again. It returns once the request is sent (an idle UE, which
// would need paging, is deregistered locally at once).
//
// Spec: TS 24.501 §5.5.2.3
func (a *AMF) Deregister(ctx context.Context, supi string, reregister bool, cause uint8) error {
	return a.command(ctx, supi, func(s *shard, u *ue) error {
		return s.startNetworkDeregistration(u, reregister, cause)
	})
}

// ResetRAN is the AMF-initiated NG Reset towards the gNB named gnb (its RAN
// node name, or its gNB ID in decimal): the UE-associated connections with
// the given AMF UE NGAP IDs, or all of that gNB's when none are given, are
// released in the AMF (their UEs go to CM-IDLE and stay registered), then
// NG RESET goes to the gNB and ResetRAN waits for NG RESET ACKNOWLEDGE.
//
// Spec: TS 38.413 §8.7.4.2.1; TS 23.502 §4.2.6
func (a *AMF) ResetRAN(ctx context.Context, gnb string, cause n2.Cause, amfUEIDs ...uint64) error {
	r := a.findRAN(gnb)
	if r == nil {
		return fmt.Errorf("amf: no gNB %q with NG Setup done", gnb)
	}
	r.resetMu.Lock()
	defer r.resetMu.Unlock()
	select { // an acknowledge left over from an earlier, abandoned reset
	case <-r.resetAck:
	default:
	}
	var part []n2.UEIDs
	var wg sync.WaitGroup
	if len(amfUEIDs) == 0 {
		for _, s := range a.shards {
			done := make(chan struct{})
			if s.post(ctx, ranLost{ran: r, done: done}) {
				wg.Go(func() { waitDone(ctx, done) })
			}
		}
		wg.Wait()
	} else {
		part = make([]n2.UEIDs, len(amfUEIDs))
		for i, id := range amfUEIDs {
			part[i] = n2.UEIDs{AMF: id, HasAMF: true}
			done := make(chan struct{})
			if a.shardOf(id).post(ctx, resetConn{ran: r, ids: part[i], done: done, out: &part[i]}) {
				wg.Go(func() { waitDone(ctx, done) })
			}
		}
		wg.Wait()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	b, err := n2.NGReset{Cause: cause, Part: part}.Marshal()
	if err != nil {
		return fmt.Errorf("amf: NG RESET: %w", err)
	}
	if err := r.send(ctx, 0, b); err != nil {
		return fmt.Errorf("amf: send NG RESET: %w", err)
	}
	r.log.Info("NG Reset sent", "cause", cause.String(), "connections", len(part))
	select {
	case pdu := <-r.resetAck:
		if _, err := n2.ParseNGResetAcknowledge(pdu); err != nil {
			return fmt.Errorf("amf: NG RESET ACKNOWLEDGE: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("amf: no NG RESET ACKNOWLEDGE: %w", ctx.Err())
	}
}

func waitDone(ctx context.Context, done <-chan struct{}) {
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// findRAN is the set-up gNB with this RAN node name or gNB ID.
func (a *AMF) findRAN(name string) *ranNode {
	var found *ranNode
	a.rans.Range(func(k, _ any) bool {
		r := k.(*ranNode)
		if !r.setUp.Load() {
			return true
		}
		r.mu.Lock()
		match := r.nodeName == name || fmt.Sprint(r.id.ID) == name
		r.mu.Unlock()
		if match {
			found = r
		}
		return !match
	})
	return found
}
