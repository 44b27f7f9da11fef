package udr

import (
	"context"

	"go5g/internal/problem"
	"go5g/internal/suci"
)

// HomeNetworkKey returns the SUCI home network private key for scheme
// (Profile A or B) and key identifier id, or a 403
// INVALID_HN_PUBLIC_KEY_IDENTIFIER if there is none. It reads the store on
// every call, so a key added with `go5g keys` while the core runs is used
// at once.
//
// Spec: TS 33.501 §6.12.2, §C.3.3; TS 29.503 §6.3.7.3
func (u *UDR) HomeNetworkKey(ctx context.Context, scheme suci.Scheme, id uint8) (suci.HomeNetworkKey, error) {
	keys, err := u.store.HomeNetworkKeys(ctx)
	if err != nil {
		return suci.HomeNetworkKey{}, problem.Wrap(problem.SystemFailure, err)
	}
	for _, k := range keys {
		if k.Scheme == scheme && k.ID == id {
			return k, nil
		}
	}
	return suci.HomeNetworkKey{}, problem.Newf(problem.InvalidHNPublicKeyIdentifier,
		"no home network key %d for protection scheme %v", id, scheme)
}
