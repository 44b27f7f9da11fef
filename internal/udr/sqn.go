package udr

import "context"

// IncrementSQN advances the subscriber's SQN by one SEQ step and returns the
// new value, for one fresh authentication vector. The step is a single
// atomic store operation, so concurrent callers (AMF workers, processes
// sharing the database) always get distinct SQNs.
//
// It replaces the read and PATCH of sequenceNumber that TS 29.505 gives the
// UDM (see the package doc).
//
// Spec: TS 29.505 §5.2.2.3.2 (PATCH AuthenticationSubscription), TS 33.102
// §6.3.2, §C.3.2
func (u *UDR) IncrementSQN(ctx context.Context, supi string) (uint64, error) {
	if err := checkSUPI(supi); err != nil {
		return 0, err
	}
	_, sqn, err := u.store.NextSQN(ctx, supi, u.sqnStep)
	if err != nil {
		return 0, storeError(supi, err)
	}
	return sqn, nil
}

// ResyncSQN sets the subscriber's SQN from the SQN_MS a UE reported in a
// verified AUTS and returns the SQN for the next vector, one SEQ step past
// SQN_MS.
//
// Spec: TS 33.102 §6.3.5, TS 33.501 §6.1.3.3.2
func (u *UDR) ResyncSQN(ctx context.Context, supi string, sqnMS uint64) (uint64, error) {
	if err := checkSUPI(supi); err != nil {
		return 0, err
	}
	sqn, err := u.store.ResyncSQN(ctx, supi, sqnMS, u.sqnStep)
	if err != nil {
		return 0, storeError(supi, err)
	}
	return sqn, nil
}
