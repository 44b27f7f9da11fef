package fleet

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"go5g/internal/n2"
	"go5g/internal/netns"
	"go5g/internal/sim/ue"
)

// SessionOptions: each UE establishes a PDU session after registering and,
// with TUN, gets a TUN device for it in a network namespace of its own, so
// that programs run there (ip netns exec NAME ping ...) use the session.
type SessionOptions struct {
	DNN    string
	SNSSAI *n2.SNSSAI
	Type   uint8 // n1.PDUSessionType*
	// TUN makes the device; the UE then stays up, registered with its
	// session, until Close switches it off (ScenarioOptions'
	// Deregistration does not apply).
	TUN bool
	// Namespace names UE i's namespace; it is created if missing, and
	// deleted at Close if it was created.
	Namespace func(i int) string
}

// held are the UEs kept up with their TUNs, and the namespaces the fleet
// made, released by Close.
type held struct {
	mu  sync.Mutex
	ues []*ue.UE
	nss []*netns.NS // created by the fleet: deleted at Close
}

// session establishes UE u's PDU session as opts say and, with opts.TUN,
// its TUN device in UE i's namespace. It fills the result's addresses.
func (f *Fleet) session(ctx context.Context, i int, u *ue.UE, opts *SessionOptions, a *attempt) error {
	g := f.gnbOf(i)
	s, err := u.EstablishPDUSession(ctx, g, opts.DNN, opts.SNSSAI, opts.Type)
	if err != nil {
		return fmt.Errorf("PDU session: %w", err)
	}
	a.ipv4 = s.IPv4
	if s.HasIPv6 {
		iid := [16]byte{}
		copy(iid[8:], s.IPv6IID[:])
		a.ipv6IID = netip.AddrFrom16(iid)
	}
	if !opts.TUN {
		return nil
	}
	name := fmt.Sprintf("go5g-ue-%d", i+1)
	if opts.Namespace != nil {
		name = opts.Namespace(i)
	}
	ns, err := f.namespace(name)
	if err != nil {
		return fmt.Errorf("TUN: %w", err)
	}
	t, err := u.AttachTUN(s.ID, ue.TUNConfig{NS: ns})
	if err != nil {
		return fmt.Errorf("TUN: %w", err)
	}
	a.tun = name + "/" + t.Name()
	return nil
}

// namespace opens the named namespace, creating it (loopback up) if it
// does not exist.
func (f *Fleet) namespace(name string) (*netns.NS, error) {
	if ns, err := netns.Open(name); err == nil {
		return ns, nil
	}
	ns, err := netns.Create(name)
	if err != nil {
		return nil, err
	}
	if err := ns.LinkUp("lo"); err != nil {
		ns.Close()
		netns.Delete(name)
		return nil, err
	}
	f.held.mu.Lock()
	f.held.nss = append(f.held.nss, ns)
	f.held.mu.Unlock()
	return ns, nil
}

// hold keeps u up until Close.
func (f *Fleet) hold(u *ue.UE) {
	f.held.mu.Lock()
	f.held.ues = append(f.held.ues, u)
	f.held.mu.Unlock()
}

// releaseHeld switches the held UEs off (DEREGISTRATION REQUEST, switch
// off: the network releases their sessions and addresses), closes them
// (removing their TUNs) and deletes the namespaces the fleet created.
//
// Spec: TS 24.501 §5.5.2.2.1
func (f *Fleet) releaseHeld(ctx context.Context) error {
	f.held.mu.Lock()
	ues, nss := f.held.ues, f.held.nss
	f.held.ues, f.held.nss = nil, nil
	f.held.mu.Unlock()
	var wg sync.WaitGroup
	for _, u := range ues {
		wg.Go(func() {
			if err := u.Deregister(ctx, true); err != nil {
				f.log.Info("switch-off at close", "supi", u.SUPI(), "err", err)
			}
			u.Close()
			u.Wait()
		})
	}
	wg.Wait()
	var errs []error
	for _, ns := range nss {
		name := ns.Name()
		ns.Close()
		if err := netns.Delete(name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
