package amf_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/n1"
	"go5g/internal/problem"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// slowHome wraps the AUSF and UDM the AMF calls: each call waits delay
// first (a home network whose store queues), or fails with fail when set,
// and the most calls seen in flight at once are recorded.
type slowHome struct {
	ausf     amf.AUSF
	udm      amf.UDM
	delay    atomic.Int64 // time.Duration
	fail     atomic.Pointer[error]
	inFlight atomic.Int64
	maxSeen  atomic.Int64
	calls    atomic.Int64
}

func (h *slowHome) enter(ctx context.Context) error {
	h.calls.Add(1)
	n := h.inFlight.Add(1)
	for {
		m := h.maxSeen.Load()
		if n <= m || h.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-time.After(time.Duration(h.delay.Load())):
	case <-ctx.Done():
		return problem.Wrap(problem.SystemFailure, ctx.Err()) // as the AUSF/UDM answer a store timeout
	}
	if e := h.fail.Load(); e != nil {
		return *e
	}
	return nil
}

func (h *slowHome) leave() { h.inFlight.Add(-1) }

type slowAUSF struct{ *slowHome }

func (s slowAUSF) Authenticate(ctx context.Context, info models.Ausf_UEAU_AuthenticationInfo) (models.Ausf_UEAU_UEAuthenticationCtx, error) {
	defer s.leave()
	if err := s.enter(ctx); err != nil {
		return models.Ausf_UEAU_UEAuthenticationCtx{}, err
	}
	return s.ausf.Authenticate(ctx, info)
}

func (s slowAUSF) Confirm5GAKA(ctx context.Context, id string, d models.Ausf_UEAU_ConfirmationData) (models.Ausf_UEAU_ConfirmationDataResponse, error) {
	defer s.leave()
	if err := s.enter(ctx); err != nil {
		return models.Ausf_UEAU_ConfirmationDataResponse{}, err
	}
	return s.ausf.Confirm5GAKA(ctx, id, d)
}

func (s slowAUSF) EAPSession(ctx context.Context, id string, e models.Ausf_UEAU_EapSession) (models.Ausf_UEAU_EapSession, error) {
	defer s.leave()
	if err := s.enter(ctx); err != nil {
		return models.Ausf_UEAU_EapSession{}, err
	}
	return s.ausf.EAPSession(ctx, id, e)
}

type slowUDM struct{ *slowHome }

func (s slowUDM) GetAmData(ctx context.Context, supi string) (models.Udm_SDM_AccessAndMobilitySubscriptionData, error) {
	defer s.leave()
	if err := s.enter(ctx); err != nil {
		return models.Udm_SDM_AccessAndMobilitySubscriptionData{}, err
	}
	return s.udm.GetAmData(ctx, supi)
}

func (s slowUDM) RegisterAMF(ctx context.Context, supi string, reg models.Udm_UECM_Amf3GppAccessRegistration) error {
	defer s.leave()
	if err := s.enter(ctx); err != nil {
		return err
	}
	return s.udm.RegisterAMF(ctx, supi, reg)
}

func (s slowUDM) DeregisterAMF(ctx context.Context, supi string, m models.Udm_UECM_Amf3GppAccessRegistrationModification) error {
	defer s.leave()
	if err := s.enter(ctx); err != nil {
		return err
	}
	return s.udm.DeregisterAMF(ctx, supi, m)
}

// newSlowNet is a test network whose AMF reaches the AUSF and UDM through
// a slowHome.
func newSlowNet(t *testing.T, edit func(*amf.Config)) (*testNet, *slowHome) {
	h := &slowHome{}
	n := newNetWrapped(t, edit, func(a amf.AUSF, u amf.UDM) (amf.AUSF, amf.UDM) {
		h.ausf, h.udm = a, u
		return slowAUSF{h}, slowUDM{h}
	})
	return n, h
}

const (
	t3346Min = 2 * time.Minute
	t3346Max = 4 * time.Minute
)

// congestion checks that err is REGISTRATION REJECT #22 with a T3346 value
// inside the configured range.
func congestion(err error) (bool, string) {
	var rej *ue.RejectError
	if !errors.As(err, &rej) || rej.Cause != n1.CauseCongestion {
		return false, "not #22"
	}
	if rej.BackOff == nil || rej.BackOff.T3346 < t3346Min || rej.BackOff.T3346 > t3346Max {
		return false, "T3346 missing or outside the range"
	}
	return true, ""
}

// TestOverloadAdmission: with a home network that takes 150 ms a call and
// room for 3 UEs in authentication, 16 registrations at once are split:
// those admitted register, the others get REGISTRATION REJECT #22 with a
// T3346 from the configured range, and none gets #111 or times out. The
// home network never sees more calls at once than the bound. Once the load
// is over, every rejected UE registers.
//
// Spec: TS 24.501 §5.3.9, §5.5.1.2.5
func TestOverloadAdmission(t *testing.T) {
	const count, admitted = 16, 3
	n, h := newSlowNet(t, func(c *amf.Config) {
		c.Overload = amf.OverloadConfig{MaxSBIInFlight: 4, MaxAuthenticating: admitted,
			T3346Min: t3346Min, T3346Max: t3346Max}
	})
	h.delay.Store(int64(150 * time.Millisecond))
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, count, store.AuthMethod5GAKA)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ues := make([]*ue.UE, count)
	errs := make([]error, count)
	var wg sync.WaitGroup
	for i := range count {
		ues[i] = n.newUE(t, i+1, suci.NullScheme, nil)
		wg.Go(func() { _, errs[i] = ues[i].Register(ctx, g) })
	}
	wg.Wait()
	var ok, rejected []int
	for i, err := range errs {
		if err == nil {
			ok = append(ok, i)
			continue
		}
		if c, why := congestion(err); !c {
			t.Errorf("UE %d: %v (%s), want success or #22 with T3346", i+1, err, why)
			continue
		}
		rejected = append(rejected, i)
	}
	if len(ok) < admitted || len(rejected) == 0 {
		t.Errorf("%d registered, %d rejected with #22: want at least %d registered and some rejected", len(ok), len(rejected), admitted)
	}
	if m := h.maxSeen.Load(); m > 4 {
		t.Errorf("%d home network calls in flight at once, bound 4", m)
	}
	s := n.amf.Stats()
	if s.CongestionRejects != uint64(len(rejected)) {
		t.Errorf("CongestionRejects %d, want %d", s.CongestionRejects, len(rejected))
	}
	eventually(t, 5*time.Second, "admission released", func() bool {
		s := n.amf.Stats()
		return s.SBIInFlight == 0 && s.Authenticating == 0
	})

	// The load is over: the UEs turned away register now, a few at a time.
	h.delay.Store(int64(10 * time.Millisecond))
	for len(rejected) > 0 {
		batch := rejected[:min(admitted, len(rejected))]
		rejected = rejected[len(batch):]
		for _, i := range batch {
			wg.Go(func() { _, errs[i] = ues[i].Register(ctx, g) })
		}
		wg.Wait()
		for _, i := range batch {
			if errs[i] != nil {
				t.Errorf("UE %d after the load: %v", i+1, errs[i])
			}
		}
	}
	eventually(t, 5*time.Second, "every registration complete", func() bool {
		return n.amf.Stats().Registrations == count
	})
}

// TestOverloadHomeNetworkErrors: a home network call that runs out of time
// (the producer answers SYSTEM_FAILURE once the AMF's deadline passed) or
// is answered 503 NF_CONGESTION turns the registration away with #22 and
// T3346; a fault that is not overload (500 SYSTEM_FAILURE in time) keeps
// its cause, #111. Nothing stays admitted afterwards.
//
// Spec: TS 24.501 §5.3.9, §5.5.1.2.5; TS 29.500 §5.2.7.2
func TestOverloadHomeNetworkErrors(t *testing.T) {
	n, h := newSlowNet(t, func(c *amf.Config) {
		c.SBITimeout = 200 * time.Millisecond
		c.Overload.T3346Min, c.Overload.T3346Max = t3346Min, t3346Max
	})
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 3, store.AuthMethod5GAKA)
	cases := []struct {
		name  string
		delay time.Duration
		fail  error
		want  uint8
	}{
		{"timeout", time.Second, nil, n1.CauseCongestion},
		{"503 NF_CONGESTION", 0, problem.New(problem.NFCongestion, "busy"), n1.CauseCongestion},
		{"500 SYSTEM_FAILURE", 0, problem.New(problem.SystemFailure, "disk"), n1.CauseProtocolErrorUnspecified},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.delay.Store(int64(c.delay))
			h.fail.Store(&c.fail)
			if c.fail == nil {
				h.fail.Store(nil)
			}
			u := n.newUE(t, i+1, suci.NullScheme, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := u.Register(ctx, g)
			var rej *ue.RejectError
			if !errors.As(err, &rej) || rej.Cause != c.want {
				t.Fatalf("Register: %v, want REGISTRATION REJECT #%d", err, c.want)
			}
			if c.want == n1.CauseCongestion {
				if ok, why := congestion(err); !ok {
					t.Errorf("%v: %s", err, why)
				}
			} else if rej.BackOff != nil {
				t.Errorf("back-off %v with cause #%d", rej.BackOff, rej.Cause)
			}
		})
	}
	eventually(t, 5*time.Second, "admission released", func() bool {
		s := n.amf.Stats()
		return s.SBIInFlight == 0 && s.Authenticating == 0
	})
}

// TestOverloadQueueFull: with the UE worker stalled and its queue full,
// the N2 reader does not wait: an INITIAL UE MESSAGE with a REGISTRATION
// REQUEST is answered at once with REGISTRATION REJECT #22 and T3346 (from
// no context, so unprotected), counted, and the connection released; a
// SERVICE REQUEST gets SERVICE REJECT #22 and its UE stays registered.
// Once the worker runs again both UEs are served.
//
// Spec: TS 24.501 §5.3.9, §5.5.1.2.5, §5.6.1.5; TS 38.413 §8.6.1
func TestOverloadQueueFull(t *testing.T) {
	n := newNet(t, func(c *amf.Config) {
		c.Workers, c.QueueLength = 1, 16
		c.Overload.T3346Min, c.Overload.T3346Max = t3346Min, t3346Max
	})
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 2, store.AuthMethod5GAKA)
	idle := n.register(t, g, 2, 1)[0]
	n.goIdle(t, idle)
	u := n.newUE(t, 1, suci.NullScheme, nil)

	release := amf.StallWorkers(n.amf)
	released := false
	defer func() {
		if !released {
			release()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := u.Register(ctx, g)
	if ok, why := congestion(err); !ok {
		t.Fatalf("Register with the worker queue full: %v (%s)", err, why)
	}
	var rej *ue.RejectError
	if errors.As(err, &rej) && rej.BackOff.Protected {
		t.Error("reject from no context reported as integrity protected")
	}
	err = idle.ServiceRequest(ctx, g)
	var srej *ue.ServiceRejectError
	if !errors.As(err, &srej) || srej.Cause != n1.CauseCongestion || srej.BackOff == nil ||
		srej.BackOff.T3346 < t3346Min || srej.BackOff.T3346 > t3346Max {
		t.Fatalf("ServiceRequest with the worker queue full: %v, want SERVICE REJECT #22 with T3346", err)
	}
	if !idle.Registered() {
		t.Error("UE deregistered itself on SERVICE REJECT #22")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the reader took %v to refuse", d)
	}
	eventually(t, 5*time.Second, "refused connections released at the gNB", func() bool { return g.Connections() == 0 })
	s := n.amf.Stats()
	if s.N2QueueFull != 2 || s.CongestionRejects != 2 || s.ErrorIndicationsSent != 0 {
		t.Errorf("N2QueueFull %d, CongestionRejects %d, ErrorIndicationsSent %d; want 2, 2, 0",
			s.N2QueueFull, s.CongestionRejects, s.ErrorIndicationsSent)
	}

	release()
	released = true
	amf.KnowsTMSI(ctx, n.amf, 0) // waits for the worker to drain its queue
	if _, err := u.Register(ctx, g); err != nil {
		t.Fatalf("Register once the worker runs: %v", err)
	}
	amf.KnowsTMSI(ctx, n.amf, 0)
	if err := idle.ServiceRequest(ctx, g); err != nil {
		t.Fatalf("ServiceRequest once the worker runs: %v", err)
	}
}

// TestOverloadConfig: the bounds and the T3346 range are checked.
func TestOverloadConfig(t *testing.T) {
	bad := []amf.OverloadConfig{
		{MaxSBIInFlight: -1},
		{MaxSBIInFlight: 4, MaxAuthenticating: 5},
		{T3346Min: time.Second, T3346Max: time.Minute},
		{T3346Min: 10 * time.Minute, T3346Max: 5 * time.Minute},
		{T3346Min: time.Hour, T3346Max: 4 * time.Hour},
		{T3346Min: 63 * time.Second, T3346Max: 65 * time.Second}, // between 2 s steps and whole minutes
	}
	for _, o := range bad {
		c := amf.Defaults()
		c.Overload = o
		if _, err := amf.New(c, amf.Deps{AUSF: slowAUSF{}, UDM: slowUDM{}}); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	c := amf.Defaults()
	c.Workers, c.Overload = 2, amf.OverloadConfig{}
	if _, err := amf.New(c, amf.Deps{AUSF: slowAUSF{}, UDM: slowUDM{}}); err != nil {
		t.Errorf("zero overload config (defaults): %v", err)
	}
}
