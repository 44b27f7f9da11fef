package amf

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/sctp"
)

// AUSF is what the AMF (as SEAF) uses of Nausf_UEAuthentication.
//
// Spec: TS 29.509 §5.2.2
type AUSF interface {
	Authenticate(ctx context.Context, info models.Ausf_UEAU_AuthenticationInfo) (models.Ausf_UEAU_UEAuthenticationCtx, error)
	Confirm5GAKA(ctx context.Context, authCtxID string, data models.Ausf_UEAU_ConfirmationData) (models.Ausf_UEAU_ConfirmationDataResponse, error)
	EAPSession(ctx context.Context, authCtxID string, s models.Ausf_UEAU_EapSession) (models.Ausf_UEAU_EapSession, error)
}

// UDM is what the AMF uses of Nudm_SDM and Nudm_UECM.
//
// Spec: TS 29.503 §5.2.2.2.3 (SDM Get am-data), §5.3.2.2.2 (UECM
// Registration), §5.3.2.4.2 (UECM Deregistration with purge)
type UDM interface {
	GetAmData(ctx context.Context, supi string) (models.Udm_SDM_AccessAndMobilitySubscriptionData, error)
	RegisterAMF(ctx context.Context, supi string, reg models.Udm_UECM_Amf3GppAccessRegistration) error
	DeregisterAMF(ctx context.Context, supi string, mod models.Udm_UECM_Amf3GppAccessRegistrationModification) error
}

// Deps are the AMF's collaborators.
type Deps struct {
	AUSF AUSF
	UDM  UDM
	// SMF serves PDU sessions; without it 5GSM messages go back to the UE
	// with 5GMM cause #90 (TS 24.501 §5.4.5.2.5).
	SMF SMF
	Log *slog.Logger
	// N2Listener, when set, is used instead of listening on Config.N2; the
	// AMF closes it when Run returns. Tests use it to listen on a free port.
	N2Listener sctp.Listener
	// Latency, when set, is told how long each completed procedure took
	// (metrics.ProcedureLatency).
	Latency interface {
		Observe(procedure string, seconds float64)
	}
}

// AMF is the Access and Mobility Management Function: it terminates N2
// (NGAP) from gNBs and N1 (NAS-5GS) from UEs, acts as SEAF in primary
// authentication, and keeps each UE's registration and security context.
type AMF struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	snn  string // serving network name (TS 33.501 §6.1.1.4)

	shards []*shard
	rr     atomic.Uint64 // round robin over shards for UEs without a stable key
	// refused numbers the connections refused by a reader (n2overload.go).
	refused atomic.Uint64

	// supis maps a SUPI to the shard owning its context, so that a new
	// registration of the same subscriber elsewhere can evict the old one.
	supis sync.Map // string → *shard

	rans   sync.Map // *ranNode → struct{}
	ready  chan struct{}
	addr   net.Addr
	runCtx context.Context

	stats    counters
	overload *overloadState
}

// New checks cfg (after defaults) and builds an AMF; Run starts it.
func New(cfg Config, deps Deps) (*AMF, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.AUSF == nil || deps.UDM == nil {
		return nil, errors.New("amf: Deps.AUSF and Deps.UDM are required")
	}
	snn, err := aka.ServingNetworkName(cfg.PLMN.MCC, cfg.PLMN.MNC)
	if err != nil {
		return nil, fmt.Errorf("amf: %w", err)
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.InstanceID == "" {
		var b [16]byte
		rand.Read(b[:])
		b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80 // UUID version 4, RFC 9562 §5.4
		cfg.InstanceID = fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	}
	a := &AMF{cfg: cfg, deps: deps, log: log.With("nf", "amf"), snn: snn, ready: make(chan struct{}),
		overload: newOverloadState(cfg.Overload)}
	a.shards = make([]*shard, cfg.Workers)
	for i := range a.shards {
		a.shards[i] = newShard(a, i)
	}
	return a, nil
}

// Ready is closed once Run listens on N2.
func (a *AMF) Ready() <-chan struct{} { return a.ready }

// N2Addr is the NGAP listening address (valid once Ready is closed).
func (a *AMF) N2Addr() net.Addr { return a.addr }

// Run listens on N2 and serves gNBs until ctx is done; then it ends every
// association and returns.
func (a *AMF) Run(ctx context.Context) error {
	l := a.deps.N2Listener
	if l == nil {
		var t sctp.Transport
		var err error
		l, t, err = sctp.Listen(ctx, a.cfg.N2.Transport, a.cfg.N2.Address,
			sctp.Options{Config: a.cfg.N2.SCTP, UDPPort: a.cfg.N2.UDPPort})
		if err != nil {
			return fmt.Errorf("amf: %w", err)
		}
		a.log.Info("N2 listening", "addr", l.Addr(), "transport", t)
	}
	a.addr = l.Addr()
	a.runCtx = ctx

	var workers, readers sync.WaitGroup
	for _, s := range a.shards {
		workers.Go(func() { s.run(ctx) })
	}
	readers.Go(func() {
		for {
			conn, err := l.Accept(ctx)
			if err != nil {
				if ctx.Err() == nil {
					a.log.Error("N2 accept", "err", err)
				}
				return
			}
			readers.Go(func() { a.serveRAN(ctx, conn) })
		}
	})
	close(a.ready)
	<-ctx.Done()
	err := l.Close()
	readers.Wait()
	workers.Wait()
	return err
}

// counters are the AMF's event counts, for tests and metrics.
type counters struct {
	ngSetupAccepted, ngSetupRejected         atomic.Uint64
	registrations, registrationRejects       atomic.Uint64
	authRejects, deregistrations             atomic.Uint64
	nasDroppedMAC, nasDroppedReplay          atomic.Uint64
	nasDroppedUnprotected, nasDroppedInvalid atomic.Uint64
	errorIndicationsSent, uesReleased        atomic.Uint64
	serviceAccepts, serviceRejects           atomic.Uint64
	configUpdates                            atomic.Uint64
	pagings, pagingFailures                  atomic.Uint64 // paging.go
	pagingSuccesses, pagingSent, pagingDrops atomic.Uint64 // paging.go, pagingqueue.go

	// For metrics: UE contexts in 5GMM-REGISTERED and in CM-CONNECTED
	// (kept by setState, openConn and dropConn), REGISTRATION REJECTs by
	// 5GMM cause, and authentications by [eap][success].
	registered, connected atomic.Int64
	rejectCauses          [256]atomic.Uint64
	auths                 [2][2]atomic.Uint64
}

// UECounts is the number of UE contexts in 5GMM-REGISTERED and of those
// with a UE-associated N2 connection (CM-CONNECTED).
func (a *AMF) UECounts() (registered, connected int) {
	return int(a.stats.registered.Load()), int(a.stats.connected.Load())
}

// RANCounts is the number of N2 associations and of those on which NG
// Setup succeeded (gNBs).
func (a *AMF) RANCounts() (associations, gnbs int) {
	a.rans.Range(func(k, _ any) bool {
		associations++
		if k.(*ranNode).setUp.Load() {
			gnbs++
		}
		return true
	})
	return associations, gnbs
}

// RegistrationRejects calls f for each 5GMM cause REGISTRATION REJECT was
// sent with, and how many times.
func (a *AMF) RegistrationRejects(f func(cause uint8, n uint64)) {
	for c := range a.stats.rejectCauses {
		if n := a.stats.rejectCauses[c].Load(); n != 0 {
			f(uint8(c), n)
		}
	}
}

// Authentications calls f for each method ("5g_aka", "eap_aka_prime") and
// outcome with the number of authentications that ended so.
func (a *AMF) Authentications(f func(method string, success bool, n uint64)) {
	for i, m := range [2]string{"5g_aka", "eap_aka_prime"} {
		f(m, true, a.stats.auths[i][1].Load())
		f(m, false, a.stats.auths[i][0].Load())
	}
}

// Stats is a snapshot of the AMF's counters.
type Stats struct {
	NGSetupAccepted, NGSetupRejected uint64
	// Registrations counts Registration Complete received; rejects count
	// Registration Reject and Authentication Reject sent.
	Registrations, RegistrationRejects, AuthenticationRejects uint64
	Deregistrations                                           uint64
	// NAS messages dropped: failed integrity check, replayed COUNT, not
	// protected once security is established, or undecodable.
	NASDroppedMAC, NASDroppedReplay, NASDroppedUnprotected, NASDroppedInvalid uint64
	ErrorIndicationsSent                                                      uint64
	// UEsReleased counts UE-associated N2 connections released.
	UEsReleased uint64
	// ServiceAccepts and ServiceRejects count SERVICE ACCEPT and SERVICE
	// REJECT sent; ConfigurationUpdates counts CONFIGURATION UPDATE
	// COMPLETE received.
	ServiceAccepts, ServiceRejects, ConfigurationUpdates uint64
	// CongestionRejects counts REGISTRATION REJECT and SERVICE REJECT
	// with #22 "congestion" (also in RegistrationRejects or
	// ServiceRejects); N2QueueFull counts UE-associated NGAP PDUs a full
	// worker queue could not take (overload.go, n2overload.go).
	CongestionRejects, N2QueueFull uint64
	// SBIInFlight and Authenticating are the home network calls in flight
	// and the UEs in a registration's home network part, now.
	SBIInFlight, Authenticating int64
	// Pagings counts pagings started (each of up to Config.Pagings
	// Paging messages), PagingFailures those that found no UE.
	Pagings, PagingFailures uint64
}

// Stats returns the current counters.
func (a *AMF) Stats() Stats {
	c := &a.stats
	return Stats{
		NGSetupAccepted: c.ngSetupAccepted.Load(), NGSetupRejected: c.ngSetupRejected.Load(),
		Registrations: c.registrations.Load(), RegistrationRejects: c.registrationRejects.Load(),
		AuthenticationRejects: c.authRejects.Load(), Deregistrations: c.deregistrations.Load(),
		NASDroppedMAC: c.nasDroppedMAC.Load(), NASDroppedReplay: c.nasDroppedReplay.Load(),
		NASDroppedUnprotected: c.nasDroppedUnprotected.Load(), NASDroppedInvalid: c.nasDroppedInvalid.Load(),
		ErrorIndicationsSent: c.errorIndicationsSent.Load(), UEsReleased: c.uesReleased.Load(),
		ServiceAccepts: c.serviceAccepts.Load(), ServiceRejects: c.serviceRejects.Load(),
		ConfigurationUpdates: c.configUpdates.Load(),
		CongestionRejects:    a.overload.congestionRejects.Load(), N2QueueFull: a.overload.queueFull.Load(),
		SBIInFlight: a.overload.sbi.n.Load(), Authenticating: a.overload.auth.n.Load(),
		Pagings: c.pagings.Load(), PagingFailures: c.pagingFailures.Load(),
	}
}

// DeregistrationNotify is Nudm_UECM DeregistrationNotification: the UDM
// says another AMF now serves supi, so this one drops its context. It does
// not block: the UE's worker does the work.
//
// Spec: TS 29.503 §5.3.2.3; TS 23.502 §4.2.2.2.2 step 14e
func (a *AMF) DeregistrationNotify(ctx context.Context, amfInstanceID, supi string, data models.Udm_UECM_DeregistrationData) {
	if amfInstanceID != a.cfg.InstanceID {
		return
	}
	if v, ok := a.supis.Load(supi); ok {
		s := v.(*shard)
		go s.post(a.runCtx, evictSUPI{supi: supi})
	}
}

// UEInfo describes a UE context, for operations and tests.
type UEInfo struct {
	SUPI        string
	Registered  bool // 5GMM-REGISTERED
	Connected   bool // CM-CONNECTED: it has a UE-associated N2 connection
	AMFUENGAPID uint64
	RANUENGAPID uint32
	GNBName     string
	TMSI        uint32 // 5G-TMSI of its 5G-GUTI, when registered
	// Procedure is the 5GMM procedure step the AMF waits on ("none" when idle).
	Procedure string
}

// UE looks up the context of supi; ok is false when the AMF has none.
func (a *AMF) UE(ctx context.Context, supi string) (info UEInfo, ok bool, err error) {
	v, found := a.supis.Load(supi)
	if !found {
		return UEInfo{}, false, nil
	}
	reply := make(chan queryReply, 1)
	if !v.(*shard).post(ctx, queryUE{supi: supi, reply: reply}) {
		return UEInfo{}, false, errors.New("amf: not running")
	}
	select {
	case r := <-reply:
		return r.info, r.ok, nil
	case <-ctx.Done():
		return UEInfo{}, false, ctx.Err()
	}
}
