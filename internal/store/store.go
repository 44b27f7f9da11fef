package store

import (
	"context"
	"errors"
	"fmt"

	"go5g/internal/suci"
)

// Store is what the UDR and the operations tools need from the database.
// Every method is safe for concurrent use by many goroutines and by several
// processes sharing one database (the core and the CLI).
type Store interface {
	// AddSubscribers inserts subs in one transaction: all of them or, on the
	// first invalid or duplicate one, none (ErrExists, *FieldError).
	AddSubscribers(ctx context.Context, subs ...Subscriber) error
	// GetSubscriber returns one subscriber or ErrNotFound.
	GetSubscriber(ctx context.Context, supi string) (Subscriber, error)
	// ListSubscribers returns one page ordered by SUPI.
	ListSubscribers(ctx context.Context, opt ListOptions) ([]Subscriber, error)
	// CountSubscribers counts the subscribers whose SUPI starts with
	// prefix, but stops at upTo when upTo > 0: a count costs a read of
	// every row counted (PostgreSQL keeps no row count), so a caller that
	// shows "10,000+" bounds it.
	CountSubscribers(ctx context.Context, prefix string, upTo int) (int, error)
	// UpdateSubscriber replaces every provisioned field of an existing
	// subscriber except SQN, which only NextSQN and ResyncSQN move: an
	// operator's edit must never roll back a counter an AMF is stepping.
	UpdateSubscriber(ctx context.Context, s Subscriber) error
	// DeleteSubscriber removes one subscriber or returns ErrNotFound.
	DeleteSubscriber(ctx context.Context, supi string) error

	// NextSQN atomically advances the subscriber's SQN by step (modulo
	// 2^48) and returns the values before and after; sqnAfter goes into
	// the new authentication vector. No two calls, from any worker or
	// process, return the same sqnAfter until the 48-bit counter wraps.
	//
	// Spec: TS 33.102 §C.1.1, §C.3.2 (SQN = SEQ || IND; a step of
	// 1<<IndBits advances SEQ by one and keeps IND)
	NextSQN(ctx context.Context, supi string, step uint64) (sqnBefore, sqnAfter uint64, err error)
	// ResyncSQN handles a synchronisation failure: the UE reported SQN_MS
	// in AUTS, so the stored SQN becomes SQN_MS + step (modulo 2^48), which
	// is returned for the fresh vector.
	//
	// Spec: TS 33.102 §6.3.5, TS 33.501 §6.1.3.3.2
	ResyncSQN(ctx context.Context, supi string, sqnMS, step uint64) (sqn uint64, err error)

	// AddHomeNetworkKey stores a SUCI home network key pair; key ids are
	// unique across profiles (ErrExists).
	AddHomeNetworkKey(ctx context.Context, k suci.HomeNetworkKey) error
	// HomeNetworkKeys returns every key, ordered by id.
	HomeNetworkKeys(ctx context.Context) ([]suci.HomeNetworkKey, error)
	// DeleteHomeNetworkKey removes one key or returns ErrNotFound.
	DeleteHomeNetworkKey(ctx context.Context, id uint8) error

	// AddProfile stores a subscriber profile or returns ErrExists.
	AddProfile(ctx context.Context, p Profile) error
	// GetProfile returns one profile or ErrNotFound.
	GetProfile(ctx context.Context, name string) (Profile, error)
	// ListProfiles returns every profile, ordered by name.
	ListProfiles(ctx context.Context) ([]Profile, error)
	// UpdateProfile replaces an existing profile (ErrNotFound); subscribers
	// created from it keep the values they were given.
	UpdateProfile(ctx context.Context, p Profile) error
	// DeleteProfile removes one profile or returns ErrNotFound.
	DeleteProfile(ctx context.Context, name string) error

	// AddPolicy stores an operator PCF policy or returns ErrExists.
	AddPolicy(ctx context.Context, p Policy) error
	// GetPolicy returns one policy or ErrNotFound.
	GetPolicy(ctx context.Context, name string) (Policy, error)
	// ListPolicies returns every policy in the order the PCF tries them:
	// by precedence, then name.
	ListPolicies(ctx context.Context) ([]Policy, error)
	// UpdatePolicy replaces an existing policy (ErrNotFound).
	UpdatePolicy(ctx context.Context, p Policy) error
	// DeletePolicy removes one policy or returns ErrNotFound.
	DeletePolicy(ctx context.Context, name string) error

	// Close releases the database; the Store is unusable afterwards.
	Close() error
}

// ListOptions selects one page of subscribers: those whose SUPI starts with
// Prefix and sorts after After (the last SUPI of the previous page), at most
// Limit of them (DefaultLimit if 0, MaxLimit at most).
type ListOptions struct {
	Prefix string
	After  string
	Limit  int
}

// Page sizes for ListSubscribers.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// MaxSQN is the largest 48-bit sequence number.
const MaxSQN = 1<<48 - 1

// IndBits is the IND length of TS 33.102 Annex C.3.2 that go5g uses, so
// DefaultSQNStep (1 << IndBits) moves SEQ by one per vector.
const (
	IndBits        = 5
	DefaultSQNStep = 1 << IndBits
)

// Errors the store returns; test with errors.Is. Validation failures are a
// *FieldError, which also matches ErrInvalid.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrInvalid  = errors.New("invalid")
)

// FieldError says which field of a record is invalid and why. It never
// carries the field's value, so it is safe for key material.
type FieldError struct {
	Field  string // database column name, e.g. "k", "snssais"
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason) }

// Is makes errors.Is(err, ErrInvalid) true for every FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
}
