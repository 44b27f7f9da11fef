package store

// secretBox turns key material (K, OPc, home network private keys) into
// what the database stores, and back. It is the one seam for encryption at
// rest (issue 5): a box keyed by the operator's master key seals with an AEAD
// and binds each value to its column and row (the aad), so a ciphertext
// copied to another subscriber does not open. Until then plainBox stores
// the octets as they are.
type secretBox interface {
	seal(aad string, plain []byte) ([]byte, error)
	open(aad string, stored []byte) ([]byte, error)
}

// plainBox stores secrets unencrypted; the database file is created 0600.
type plainBox struct{}

func (plainBox) seal(_ string, plain []byte) ([]byte, error)  { return plain, nil }
func (plainBox) open(_ string, stored []byte) ([]byte, error) { return stored, nil }

// secretAAD names where a secret lives, e.g. "subscribers.k/imsi-001010000000001".
func secretAAD(column, row string) string { return column + "/" + row }
