package udr

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/problem"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// Store is what the UDR uses of go5g/internal/store.
type Store interface {
	GetSubscriber(ctx context.Context, supi string) (store.Subscriber, error)
	NextSQN(ctx context.Context, supi string, step uint64) (sqnBefore, sqnAfter uint64, err error)
	ResyncSQN(ctx context.Context, supi string, sqnMS, step uint64) (uint64, error)
	HomeNetworkKeys(ctx context.Context) ([]suci.HomeNetworkKey, error)
}

// Config configures the UDR.
type Config struct {
	// SQNStep is how far each new vector moves SQN: 2^IND so SEQ advances by
	// one (TS 33.102 §C.3.2). Zero means store.DefaultSQNStep.
	SQNStep uint64
	// KeyCacheTTL bounds how long a deleted home network key may still be
	// used; zero means DefaultKeyCacheTTL, below zero turns the cache off.
	KeyCacheTTL time.Duration
}

// Deps are the UDR's dependencies.
type Deps struct {
	Store Store
	// Now is the clock of the key cache; nil means time.Now.
	Now func() time.Time
}

// UDR serves the repository operations. It is safe for concurrent use.
type UDR struct {
	store   Store
	sqnStep uint64
	keys    *keyCache

	mu      sync.Mutex
	amf3gpp map[string]models.Udm_UECM_Amf3GppAccessRegistration // by SUPI
}

// New returns a UDR over deps.Store.
func New(cfg Config, deps Deps) (*UDR, error) {
	if deps.Store == nil {
		return nil, errors.New("udr: no store")
	}
	if cfg.SQNStep == 0 {
		cfg.SQNStep = store.DefaultSQNStep
	}
	if cfg.SQNStep > store.MaxSQN {
		return nil, errors.New("udr: SQNStep wider than 48 bits")
	}
	if cfg.KeyCacheTTL == 0 {
		cfg.KeyCacheTTL = DefaultKeyCacheTTL
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	return &UDR{
		store:   deps.Store,
		sqnStep: cfg.SQNStep,
		keys:    &keyCache{ttl: cfg.KeyCacheTTL, now: deps.Now},
		amf3gpp: make(map[string]models.Udm_UECM_Amf3GppAccessRegistration),
	}, nil
}

// checkSUPI turns a SUPI the store cannot hold into the right problem: a
// well-formed SUPI of another kind (go5g holds 15-digit IMSIs only) is a
// user that does not exist; anything else is a malformed request.
//
// Spec: TS 29.571 §5.4.2 (Supi), TS 29.504 §6.1.7.3
func checkSUPI(supi string) error {
	if store.ValidSUPI(supi) == nil {
		return nil
	}
	for _, p := range []string{"imsi-", "nai-", "gci-", "gli-"} {
		if strings.HasPrefix(supi, p) && len(supi) > len(p) {
			return problem.Newf(problem.UserNotFound, "no subscriber %s", supi)
		}
	}
	return problem.Newf(problem.MandatoryIEIncorrect, "%q is not a SUPI", supi)
}

// storeError maps a store error to the Nudr problem the UDM sees.
func storeError(supi string, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return problem.Newf(problem.UserNotFound, "no subscriber %s", supi)
	case errors.Is(err, store.ErrInvalid):
		return problem.Wrap(problem.MandatoryIEIncorrect, err)
	}
	return problem.Wrap(problem.SystemFailure, err)
}

// subscriber reads one subscriber, with errors as problems.
func (u *UDR) subscriber(ctx context.Context, supi string) (store.Subscriber, error) {
	if err := checkSUPI(supi); err != nil {
		return store.Subscriber{}, err
	}
	s, err := u.store.GetSubscriber(ctx, supi)
	if err != nil {
		return store.Subscriber{}, storeError(supi, err)
	}
	return s, nil
}
