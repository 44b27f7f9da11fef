package ausf

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/problem"
)

// UDM is what the AUSF uses of the UDM: Nudm_UEAuthentication Get.
type UDM interface {
	GenerateAuthData(ctx context.Context, supiOrSuci string, req models.Udm_UEAU_AuthenticationInfoRequest) (models.Udm_UEAU_AuthenticationInfoResult, error)
}

// Defaults for Config.
const (
	// DefaultContextTTL outlasts the AMF's wait for the UE's answer: T3560
	// (6 s) with four retransmissions (TS 24.501 §10.2).
	DefaultContextTTL = 60 * time.Second
	// DefaultMaxContexts bounds the memory of pending authentications.
	DefaultMaxContexts = 1 << 18
)

// Config configures the AUSF.
type Config struct {
	// PLMNs are the serving networks whose SEAFs this AUSF serves; an
	// authentication for any other serving network name gets 403
	// SERVING_NETWORK_NOT_AUTHORIZED.
	PLMNs []models.PlmnId
	// InstanceID is this AUSF's NF instance id, given to the UDM.
	InstanceID string
	// APIRoot prefixes the hrefs of the authentication contexts ("" in
	// process).
	APIRoot string
	// ContextTTL is how long an authentication context can be confirmed;
	// zero means DefaultContextTTL.
	ContextTTL time.Duration
	// MaxContexts bounds the contexts held at once; zero means
	// DefaultMaxContexts.
	MaxContexts int
	// Now is the clock; nil means time.Now. Tests pass a fake one.
	Now func() time.Time
}

// Deps are the AUSF's dependencies.
type Deps struct {
	UDM UDM
	// Rand makes authentication context ids and EAP identifiers; nil means
	// crypto/rand. It must be safe for concurrent use.
	Rand io.Reader
}

// AUSF serves Nausf_UEAuthentication. It is safe for concurrent use.
type AUSF struct {
	udm        UDM
	rand       io.Reader
	snn        map[string]bool
	instanceID string
	apiRoot    string
	contexts   *table
}

// New returns an AUSF.
func New(cfg Config, deps Deps) (*AUSF, error) {
	if deps.UDM == nil {
		return nil, errors.New("ausf: no UDM")
	}
	if len(cfg.PLMNs) == 0 {
		return nil, errors.New("ausf: no PLMNs configured")
	}
	if cfg.ContextTTL < 0 || cfg.MaxContexts < 0 {
		return nil, errors.New("ausf: negative ContextTTL or MaxContexts")
	}
	if cfg.ContextTTL == 0 {
		cfg.ContextTTL = DefaultContextTTL
	}
	if cfg.MaxContexts == 0 {
		cfg.MaxContexts = DefaultMaxContexts
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &AUSF{
		udm:        deps.UDM,
		rand:       deps.Rand,
		snn:        make(map[string]bool),
		instanceID: cfg.InstanceID,
		apiRoot:    strings.TrimSuffix(cfg.APIRoot, "/"),
		contexts:   newTable(cfg.ContextTTL, cfg.MaxContexts, cfg.Now),
	}
	if a.rand == nil {
		a.rand = rand.Reader
	}
	for i, p := range cfg.PLMNs {
		name, err := aka.ServingNetworkName(p.Mcc, p.Mnc)
		if err != nil {
			return nil, fmt.Errorf("ausf: PLMNs[%d]: %w", i, err)
		}
		a.snn[name] = true
	}
	return a, nil
}

// Link relations of an authentication context and the path they point to.
//
// Spec: TS 29.509 §6.1.3 (resources ue-authentications/{authCtxId}/...)
const (
	rel5GAKA      = "5g-aka"
	relEAPSession = "eap-session"
	basePath      = "/nausf-auth/v1/ue-authentications/"
	path5GAKA     = "/5g-aka-confirmation"
	pathEAP       = "/eap-session"
)

func (a *AUSF) links(rel, id, suffix string) map[string][]models.Link {
	return map[string][]models.Link{rel: {{Href: a.apiRoot + basePath + id + suffix}}}
}

// ContextID returns the authentication context id from the links of a
// UEAuthenticationCtx or an EapSession: the {authCtxId} of its
// 5g-aka-confirmation or eap-session href.
func ContextID(links map[string][]models.Link) (string, error) {
	for _, rel := range []string{rel5GAKA, relEAPSession} {
		for _, l := range links[rel] {
			_, rest, ok := strings.Cut(l.Href, basePath)
			if !ok {
				continue
			}
			if id, _, ok := strings.Cut(rest, "/"); ok && id != "" {
				return id, nil
			}
		}
	}
	return "", errors.New("ausf: no authentication context link")
}

// newID makes an unguessable authentication context id.
func (a *AUSF) newID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(a.rand, b[:]); err != nil {
		return "", problem.Wrap(problem.SystemFailure, fmt.Errorf("authentication context id: %w", err))
	}
	return hex.EncodeToString(b[:]), nil
}

// checkServingNetwork rejects a serving network name this AUSF does not
// serve.
//
// Spec: TS 33.501 §6.1.2: "the AUSF shall check that the requesting SEAF in
// the serving network is entitled to use the serving network name"
func (a *AUSF) checkServingNetwork(snn string) error {
	if snn == "" {
		return problem.New(problem.MandatoryIEMissing, "servingNetworkName is missing")
	}
	if !a.snn[snn] {
		return problem.Newf(problem.ServingNetworkNotAuthorized, "serving network %q is not authorized", snn)
	}
	return nil
}
