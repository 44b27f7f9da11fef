// Package fleet drives many simulated gNBs and UEs at once for `go5g sim`:
// a scenario (register every UE, optionally deregister, one result row per
// UE) or a load run (registrations started at a target rate, with progress
// and latency percentiles).
//
// Like the gNB and UE it is built from, it reaches the core only over N2
// and N1: it imports the simulator and protocol packages, never an NF.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"time"

	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/suci"
)

// DefaultConcurrency is how many UE procedures run at once unless told.
const DefaultConcurrency = 64

// Config describes the gNBs, the UEs and where the AMF is.
type Config struct {
	// AMF is the AMF's N2 address, host:port; Transport and SCTP (its
	// RemoteUDPPort for transport udp) as for gnb.Config.
	AMF       string
	Transport sctp.Transport
	SCTP      sctp.Options

	// GNBs is the number of gNBs (default 1). They get IDs FirstGNBID,
	// FirstGNBID+1, ... (default 1, 22-bit IDs) and names "<GNBName>-<ID>"
	// (default "go5g-sim"); each serves one cell of TAC in PLMN.
	GNBs       int
	FirstGNBID uint32
	GNBName    string
	PLMN       n2.PLMN
	TAC        uint32
	Slices     []n2.SNSSAI

	// UEs is the number of UEs; their SUPIs are FirstSUPI and the IMSIs
	// after it (the MSIN counted up, its length kept). UE i is served by
	// gNB i mod GNBs.
	UEs       int
	FirstSUPI suci.SUPI
	K, OPc    [16]byte
	// HomeNetworkKey conceals the SUPIs (Profile A or B, with its key id);
	// nil is the null scheme.
	HomeNetworkKey *suci.PublicKey
	// RequestedNSSAI defaults to Slices.
	RequestedNSSAI []n2.SNSSAI

	// Concurrency bounds the UE procedures in flight; default 64.
	Concurrency int
	// T3510 and T3521 guard each UE's registration and deregistration;
	// default the UE's (15 s).
	T3510, T3521 time.Duration
	// ConnectTimeout bounds each gNB's association set-up and NG Setup
	// (an AMF that does not answer INIT is otherwise retried for long);
	// default 10 s.
	ConnectTimeout time.Duration

	// UserPlane starts each gNB's N3 (GTP-U) on N3Addr, the next gNB on
	// the next address; an invalid N3Addr leaves each gNB its default.
	UserPlane bool
	N3Addr    netip.Addr
	// Inactivity is each gNB's user inactivity timer (gnb.Config); 0 off.
	Inactivity time.Duration

	Log *slog.Logger
}

// Fleet is a set of connected gNBs and the UE population they serve.
type Fleet struct {
	cfg   Config
	msin  uint64 // of the first SUPI
	width int    // digits of the MSIN
	gnbs  []*gnb.GNB
	log   *slog.Logger
	held  held // UEs kept up with their TUNs (session.go)
}

// ErrConfig marks a configuration mistake (as opposed to a network failure).
var ErrConfig = errors.New("fleet: bad configuration")

// check validates cfg and fills in its defaults.
func (cfg *Config) check() (msin uint64, width int, err error) {
	if cfg.GNBs == 0 {
		cfg.GNBs = 1
	}
	if cfg.FirstGNBID == 0 {
		cfg.FirstGNBID = 1
	}
	if cfg.GNBName == "" {
		cfg.GNBName = "go5g-sim"
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.RequestedNSSAI == nil {
		cfg.RequestedNSSAI = cfg.Slices
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	switch {
	case cfg.GNBs < 0 || cfg.GNBs > 1<<16:
		return 0, 0, fmt.Errorf("%w: %d gNBs: want 1 to 65536", ErrConfig, cfg.GNBs)
	case uint64(cfg.FirstGNBID)+uint64(cfg.GNBs)-1 >= 1<<22:
		return 0, 0, fmt.Errorf("%w: gNB IDs %d..%d do not fit 22 bits", ErrConfig, cfg.FirstGNBID, uint64(cfg.FirstGNBID)+uint64(cfg.GNBs)-1)
	case cfg.UEs < 0:
		return 0, 0, fmt.Errorf("%w: %d UEs", ErrConfig, cfg.UEs)
	case cfg.Concurrency < 0:
		return 0, 0, fmt.Errorf("%w: concurrency %d", ErrConfig, cfg.Concurrency)
	case cfg.AMF == "":
		return 0, 0, fmt.Errorf("%w: no AMF address", ErrConfig)
	case cfg.FirstSUPI.Format != suci.FormatIMSI:
		return 0, 0, fmt.Errorf("%w: the first SUPI must be an IMSI", ErrConfig)
	}
	s := cfg.FirstSUPI
	if _, err := suci.NewIMSI(s.MCC, s.MNC, s.MSIN); err != nil {
		return 0, 0, fmt.Errorf("%w: first SUPI: %v", ErrConfig, err)
	}
	if len(s.MSIN) > 18 {
		return 0, 0, fmt.Errorf("%w: MSIN %q too long", ErrConfig, s.MSIN)
	}
	msin, _ = strconv.ParseUint(s.MSIN, 10, 64)
	width = len(s.MSIN)
	if n := cfg.UEs; n > 0 && len(strconv.FormatUint(msin+uint64(n)-1, 10)) > width {
		return 0, 0, fmt.Errorf("%w: %d UEs from %s run past the last MSIN of %d digits", ErrConfig, n, s, width)
	}
	return msin, width, nil
}

// Connect checks the configuration, brings every gNB up (N2 association
// and NG Setup) and returns the fleet; Close takes them down. An error
// wrapping ErrConfig is the caller's mistake; any other is the network's.
func Connect(ctx context.Context, cfg Config) (*Fleet, error) {
	msin, width, err := cfg.check()
	if err != nil {
		return nil, err
	}
	f := &Fleet{cfg: cfg, msin: msin, width: width, log: cfg.Log}
	for i := range cfg.GNBs {
		id := cfg.FirstGNBID + uint32(i)
		n3 := cfg.N3Addr
		for range i {
			if n3.IsValid() {
				n3 = n3.Next()
			}
		}
		cctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
		g, err := gnb.Connect(cctx, gnb.Config{
			N3Addr: n3,
			AMF:    cfg.AMF, Transport: cfg.Transport, SCTP: cfg.SCTP,
			ID:   n2.GlobalGNBID{PLMN: cfg.PLMN, ID: id, IDLength: 22},
			Name: fmt.Sprintf("%s-%d", cfg.GNBName, id), PLMN: cfg.PLMN, TAC: cfg.TAC,
			Slices: cfg.Slices, CellID: uint64(id) << 14, Log: cfg.Log,
			SetupTimeout: cfg.ConnectTimeout, Inactivity: cfg.Inactivity,
		})
		cancel()
		if err != nil {
			if ctx.Err() == nil && cctx.Err() != nil {
				err = fmt.Errorf("no association within %v: %w", cfg.ConnectTimeout, err)
			}
			f.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("gNB %d of %d: %w", i+1, cfg.GNBs, err)
		}
		f.gnbs = append(f.gnbs, g)
		if cfg.UserPlane {
			if err := g.StartUserPlane(nil); err != nil {
				f.Close(context.WithoutCancel(ctx))
				return nil, fmt.Errorf("gNB %d of %d: %w", i+1, cfg.GNBs, err)
			}
		}
	}
	return f, nil
}

// closeTimeout bounds the graceful SCTP shutdown of each gNB in Close.
const closeTimeout = 3 * time.Second

// Close switches off the UEs kept up with TUNs (session.go), then shuts
// every gNB's association down gracefully (SCTP SHUTDOWN), each within a
// few seconds even when ctx has no deadline; those that do not answer in
// time are aborted.
//
// Spec: RFC 9260 §9.2
func (f *Fleet) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, closeTimeout)
	defer cancel()
	herr := f.releaseHeld(ctx)
	errs := make(chan error, len(f.gnbs))
	for _, g := range f.gnbs {
		go func() {
			err := g.Close(ctx)
			if err != nil {
				g.Abort()
			}
			errs <- err
		}()
	}
	all := []error{herr}
	for range f.gnbs {
		if err := <-errs; err != nil {
			all = append(all, err)
		}
	}
	f.gnbs = nil
	return errors.Join(all...)
}

// GNBs returns the connected gNBs, in ID order.
func (f *Fleet) GNBs() []*gnb.GNB { return append([]*gnb.GNB(nil), f.gnbs...) }

// SUPI is the SUPI of UE i (0-based).
func (f *Fleet) SUPI(i int) suci.SUPI {
	s := f.cfg.FirstSUPI
	d := strconv.FormatUint(f.msin+uint64(i), 10)
	for len(d) < f.width {
		d = "0" + d
	}
	s.MSIN = d
	return s
}

// gnbOf is the gNB that serves UE i.
func (f *Fleet) gnbOf(i int) *gnb.GNB { return f.gnbs[i%len(f.gnbs)] }

// newUE makes UE i.
func (f *Fleet) newUE(i int) (*ue.UE, error) {
	return ue.New(ue.Config{
		SUPI: f.SUPI(i), K: f.cfg.K, OPc: f.cfg.OPc,
		HomeNetworkKey: f.cfg.HomeNetworkKey, RequestedNSSAI: f.cfg.RequestedNSSAI,
		T3510: f.cfg.T3510, T3521: f.cfg.T3521, Log: f.log,
	})
}

// Deregistration says whether and how UEs deregister after registering.
type Deregistration uint8

// Deregistration modes. Spec: TS 24.501 §5.5.2.2.1
const (
	NoDeregistration Deregistration = iota
	Deregister                      // normal: waits for DEREGISTRATION ACCEPT
	SwitchOff                       // the UE is switched off: no answer awaited
)

func (d Deregistration) String() string {
	switch d {
	case Deregister:
		return "deregister"
	case SwitchOff:
		return "switch-off"
	}
	return "none"
}

// attempt is one UE's procedures: register, then deregister if asked.
type attempt struct {
	ok       bool
	reason   string
	guti     string
	latency  time.Duration // of the registration
	dereg    time.Duration // of the deregistration, when one ran
	canceled bool
	// The PDU session's addresses and the TUN (namespace/device), when
	// asked for (session.go).
	ipv4, ipv6IID netip.Addr
	tun           string
}

// runUE registers UE i, establishes its PDU session if sess says so, and
// deregisters it as asked. A UE with a TUN is kept up until Close.
func (f *Fleet) runUE(ctx context.Context, i int, d Deregistration, sess *SessionOptions) attempt {
	u, err := f.newUE(i)
	if err != nil {
		return attempt{reason: err.Error()}
	}
	keep := false
	defer func() {
		if keep {
			f.hold(u)
		} else {
			u.Close()
		}
	}()
	start := time.Now()
	res, err := u.Register(ctx, f.gnbOf(i))
	a := attempt{latency: res.Duration}
	if a.latency == 0 {
		a.latency = time.Since(start)
	}
	if err != nil {
		a.reason, a.canceled = Reason(err), ctx.Err() != nil
		return a
	}
	a.guti = FormatGUTI(res.GUTI)
	if sess != nil {
		if err := f.session(ctx, i, u, sess, &a); err != nil {
			a.reason, a.canceled = Reason(err), ctx.Err() != nil
			return a
		}
		if sess.TUN {
			keep, a.ok = true, true
			return a
		}
	}
	if d == NoDeregistration {
		a.ok = true
		return a
	}
	start = time.Now()
	err = u.Deregister(ctx, d == SwitchOff)
	a.dereg = time.Since(start)
	if err != nil {
		a.reason, a.canceled = "deregistration: "+Reason(err), ctx.Err() != nil
		return a
	}
	a.ok = true
	return a
}
