package smf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n2"
	"go5g/internal/rules"
)

// UDM is what the SMF uses of Nudm_SDM: the session management
// subscription data of a SUPI for one slice and DNN.
//
// Spec: TS 29.503 §5.2.2.2.5
type UDM interface {
	GetSmData(ctx context.Context, supi string, snssai models.Snssai, dnn string) ([]models.Udm_SDM_SessionManagementSubscriptionData, error)
}

// PCF is what the SMF uses of Npcf_SMPolicyControl (optional).
//
// Spec: TS 29.512 §4.2.2
type PCF interface {
	CreateSMPolicy(ctx context.Context, data models.Pcf_SMPolCtrl_SmPolicyContextData) (models.Pcf_SMPolCtrl_SmPolicyDecision, error)
}

// AMF is what the SMF uses of Namf_Communication: N1N2MessageTransfer
// carries the SMF's N1 SM message and N2 SM information to the UE and its
// gNB (the binary parts travel beside the JSON as in the multipart bodies
// of TS 29.518 §6.1.2.4), and the SM context status notification says a
// context is gone. The AMF must not block on the UE's worker.
//
// Spec: TS 29.518 §5.2.2.3.1; TS 29.502 §5.2.2.5.2 (SM context status notify)
type AMF interface {
	N1N2MessageTransfer(ctx context.Context, supi string, req models.Amf_Comm_N1N2MessageTransferReqData, n1SmMsg, n2SmInfo []byte) error
	SMContextStatusNotify(ctx context.Context, supi string, pduSessionID int32, n models.Smf_PDUSess_SmContextStatusNotification)
}

// UPF is the N4 side of one UPF as the SMF sees it: PFCP session
// establishment, modification and deletion with typed rules. PFCPUPF
// (pfcp.go) implements it over PFCP with internal/n4; tests also use fakes.
//
// Spec: TS 29.244 §7.5.2, §7.5.4, §7.5.6
type UPF interface {
	// EstablishSession installs a session's rules; the UPF chooses the F-TEID
	// of PDRs that ask it to (FTEID.Choose) and reports it in Created.
	EstablishSession(ctx context.Context, req rules.Establishment) (rules.Established, error)
	// ModifySession changes the rules of the session with the UPF's SEID.
	ModifySession(ctx context.Context, upSEID uint64, m rules.Modification) error
	// DeleteSession removes the session with the UPF's SEID.
	DeleteSession(ctx context.Context, upSEID uint64) error
}

// Deps are the SMF's collaborators. UDM and UPFs are required; PCF is
// optional (without it the subscription's QoS is authorized as is). The
// AMF may be given later with SetAMF, since the AMF is built with the SMF.
type Deps struct {
	UDM  UDM
	PCF  PCF
	AMF  AMF
	UPFs map[string]UPF
	Log  *slog.Logger
}

// SMF is the Session Management Function. It is safe for concurrent use;
// the procedures of one SM context run one at a time.
type SMF struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	amf  atomic.Pointer[amfRef]

	dnns map[string]*dnnState
	upfs []UPFConfig

	mu       sync.Mutex // guards what follows and every pool
	contexts map[string]*smContext
	byUE     map[ueKey]*smContext
	byUPSEID map[upKey]*smContext // paging.go: Downlink Data Reports
	nextRef  uint64
	nextSEID uint64

	stats counters
}

type amfRef struct{ AMF }

type ueKey struct {
	supi string
	psi  uint8
}

// dnnState is a DNN's configuration and its pools.
type dnnState struct {
	cfg  DNN
	ipv4 *pool
	ipv6 *pool
}

type counters struct {
	established, rejected, released atomic.Uint64
	ddrPagings, ddrFailures         atomic.Uint64 // paging.go
	idleReleases                    atomic.Uint64 // paging.go
}

// Stats are the SMF's counts.
type Stats struct {
	// Established counts accepted establishments, Rejected rejected ones,
	// Released contexts released (any way).
	Established, Rejected, Released uint64
	// Active is the number of SM contexts.
	Active int
	// DownlinkDataPagings counts Downlink Data Reports that made the SMF
	// ask the AMF to reach an idle UE, DownlinkDataFailures those the AMF
	// could not deliver.
	DownlinkDataPagings, DownlinkDataFailures uint64
	// IdleReleases counts network-requested releases done without the UE,
	// which was in CM-IDLE (skipInd, paging.go).
	IdleReleases uint64
}

// New checks cfg (after defaults) and builds an SMF.
func New(cfg Config, deps Deps) (*SMF, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.UDM == nil {
		return nil, errors.New("smf: Deps.UDM is required")
	}
	for _, u := range cfg.UPFs {
		if deps.UPFs[u.Name] == nil {
			return nil, fmt.Errorf("smf: no UPF %q in Deps.UPFs", u.Name)
		}
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &SMF{cfg: cfg, deps: deps, log: log.With("nf", "smf"), dnns: map[string]*dnnState{},
		upfs: cfg.UPFs, contexts: map[string]*smContext{}, byUE: map[ueKey]*smContext{},
		byUPSEID: map[upKey]*smContext{}}
	for _, d := range cfg.DNNs {
		st := &dnnState{cfg: d}
		var err error
		if d.IPv4Pool.IsValid() {
			if st.ipv4, err = newIPv4Pool(d.IPv4Pool); err != nil {
				return nil, err
			}
		}
		if d.IPv6Pool.IsValid() {
			if st.ipv6, err = newIPv6Pool(d.IPv6Pool); err != nil {
				return nil, err
			}
		}
		s.dnns[d.Name] = st
	}
	if deps.AMF != nil {
		s.SetAMF(deps.AMF)
	}
	s.listenDownlinkData()
	return s, nil
}

// SetAMF gives the SMF its AMF (Namf_Communication consumer side).
func (s *SMF) SetAMF(a AMF) { s.amf.Store(&amfRef{a}) }

func (s *SMF) getAMF() (AMF, error) {
	r := s.amf.Load()
	if r == nil {
		return nil, errors.New("smf: no AMF to send N1/N2 through")
	}
	return r.AMF, nil
}

// Stats returns the current counts.
func (s *SMF) Stats() Stats {
	s.mu.Lock()
	n := len(s.contexts)
	s.mu.Unlock()
	return Stats{Established: s.stats.established.Load(), Rejected: s.stats.rejected.Load(),
		Released: s.stats.released.Load(), Active: n,
		DownlinkDataPagings: s.stats.ddrPagings.Load(), DownlinkDataFailures: s.stats.ddrFailures.Load(),
		IdleReleases: s.stats.idleReleases.Load()}
}

// SessionInfo describes an SM context, for operations and tests.
type SessionInfo struct {
	Ref          string
	SUPI         string
	PDUSessionID uint8
	DNN          string
	PDUType      uint8 // n1.PDUSessionType*
	IPv4         netip.Addr
	IPv6Prefix   netip.Prefix
	UPF          string
	UPSEID       uint64
	UL, DL       n2.Tunnel // UPF N3 endpoint; gNB endpoint once known
	Active       bool      // user plane connection activated
	AMBRUplink   uint64
	AMBRDownlink uint64
	FiveQI, QFI  uint8
	// QoSFlows are the GBR QoS flows besides the default one.
	QoSFlows []QoSFlowInfo
}

// Session looks up the SM context of a SUPI's PDU session.
func (s *SMF) Session(supi string, psi uint8) (SessionInfo, bool) {
	s.mu.Lock()
	c := s.byUE[ueKey{supi, psi}]
	s.mu.Unlock()
	if c == nil {
		return SessionInfo{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info(), true
}

// SMError is a failed SM context operation with the 5GSM message for the
// UE (a reject): the SmContextCreateError/SmContextUpdateError of TS 29.502
// §6.1.6.2.3/.5 with its n1SmMsg part. The AMF sends N1SmMsg back in DL
// NAS TRANSPORT.
type SMError struct {
	Status int // HTTP status the SBI form would carry
	Cause  uint8
	N1     []byte
	Err    error
}

func (e *SMError) Error() string {
	return fmt.Sprintf("smf: 5GSM cause #%d: %v", e.Cause, e.Err)
}
func (e *SMError) Unwrap() error { return e.Err }

// N1SmMsg is the 5GSM message for the UE.
func (e *SMError) N1SmMsg() []byte { return e.N1 }

// newRef allocates an SM context reference (TS 29.502 §5.2.2.2.1: the
// SMF's resource id in the Location header). Caller holds s.mu.
func (s *SMF) newRef() string {
	s.nextRef++
	return strconv.FormatUint(s.nextRef, 10)
}

// newSEID allocates the SMF's F-SEID value. Caller holds s.mu.
func (s *SMF) newSEID() uint64 {
	s.nextSEID++
	return s.nextSEID
}

// selectUPF picks the first configured UPF that serves dnn and the slice.
// Spec: TS 23.501 §6.3.3.2
func (s *SMF) selectUPF(dnn string, sn n2.SNSSAI) (string, UPF, bool) {
	for _, u := range s.upfs {
		if len(u.DNNs) > 0 && !contains(u.DNNs, dnn) {
			continue
		}
		if len(u.Slices) > 0 && !contains(u.Slices, sn) {
			continue
		}
		return u.Name, s.deps.UPFs[u.Name], true
	}
	return "", nil, false
}

func contains[T comparable](l []T, v T) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}
