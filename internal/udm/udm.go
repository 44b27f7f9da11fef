package udm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/suci"
)

// UDR is what the UDM uses of the data repository (go5g/internal/udr).
type UDR interface {
	QueryAuthSubsData(ctx context.Context, supi string) (models.Udr_DR_AuthenticationSubscription, error)
	IncrementSQN(ctx context.Context, supi string) (uint64, error)
	ResyncSQN(ctx context.Context, supi string, sqnMS uint64) (uint64, error)
	HomeNetworkKey(ctx context.Context, scheme suci.Scheme, id uint8) (suci.HomeNetworkKey, error)

	QueryAmData(ctx context.Context, supi string) (models.Udm_SDM_AccessAndMobilitySubscriptionData, error)
	QuerySmfSelectData(ctx context.Context, supi string) (models.Udm_SDM_SmfSelectionSubscriptionData, error)

	CreateAmfContext3gpp(ctx context.Context, supi string, reg models.Udm_UECM_Amf3GppAccessRegistration) (old models.Udm_UECM_Amf3GppAccessRegistration, ok bool, err error)
	QueryAmfContext3gpp(ctx context.Context, supi string) (models.Udm_UECM_Amf3GppAccessRegistration, error)
	DeleteAmfContext3gpp(ctx context.Context, supi string, guami models.Guami) error
}

// DeregistrationNotifier is the AMF side of Nudm_UECM DeregistrationNotification:
// the UDM tells the AMF that held a UE's registration that another AMF took
// it over. The call must not block on the UE (post an event and return).
//
// Spec: TS 29.503 §5.3.2.3
type DeregistrationNotifier interface {
	DeregistrationNotify(ctx context.Context, amfInstanceID, supi string, data models.Udm_UECM_DeregistrationData)
}

// Config configures the UDM.
type Config struct {
	// ServingPLMNs are the PLMNs whose serving networks may authenticate
	// this UDM's subscribers: the home PLMN and roaming partners. A request
	// naming any other serving network gets 403
	// SERVING_NETWORK_NOT_AUTHORIZED.
	ServingPLMNs []models.PlmnId
}

// Deps are the UDM's dependencies.
type Deps struct {
	UDR UDR
	// Rand is the source of RAND; nil means crypto/rand. It must be safe
	// for concurrent use.
	Rand io.Reader
	// Notifier, if set, hears DeregistrationNotification for AMFs replaced
	// by a new registration.
	Notifier DeregistrationNotifier
}

// UDM serves Nudm operations. It is safe for concurrent use.
type UDM struct {
	udr      UDR
	rand     io.Reader
	notifier DeregistrationNotifier
	snn      map[string]bool // serving network names allowed
}

// New returns a UDM.
func New(cfg Config, deps Deps) (*UDM, error) {
	if deps.UDR == nil {
		return nil, errors.New("udm: no UDR")
	}
	if len(cfg.ServingPLMNs) == 0 {
		return nil, errors.New("udm: no serving PLMNs configured")
	}
	u := &UDM{udr: deps.UDR, rand: deps.Rand, notifier: deps.Notifier, snn: make(map[string]bool)}
	if u.rand == nil {
		u.rand = rand.Reader
	}
	for i, p := range cfg.ServingPLMNs {
		name, err := aka.ServingNetworkName(p.Mcc, p.Mnc)
		if err != nil {
			return nil, fmt.Errorf("udm: ServingPLMNs[%d]: %w", i, err)
		}
		u.snn[name] = true
	}
	return u, nil
}
