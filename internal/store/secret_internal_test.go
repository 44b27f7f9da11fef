package store

import (
	"bytes"
	"testing"
)

// FuzzBoxOpen feeds arbitrary stored values to both boxes: they return an
// error or a value, never panic, and a sealed value opens only at its place.
func FuzzBoxOpen(f *testing.F) {
	box, err := newAEADBox([][]byte{bytes.Repeat([]byte{7}, MasterKeyLen)})
	if err != nil {
		f.Fatal(err)
	}
	sealed, err := box.seal("subscribers.k/imsi-001010000000001", make([]byte, 16))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed, "subscribers.k/imsi-001010000000001")
	f.Add([]byte(sealMagic+"0123456789abcdefghijklmnopqrstuvwxyz0123"), "x")
	f.Add(make([]byte, 16), "subscribers.opc/imsi-001010000000001")
	f.Fuzz(func(t *testing.T, stored []byte, aad string) {
		if _, err := (plainBox{}).open(aad, stored); err == nil && isSealed(stored) {
			t.Fatal("plainBox opened a sealed value")
		}
		plain, err := box.open(aad, stored)
		if err != nil {
			return
		}
		if !isSealed(stored) && !bytes.Equal(plain, stored) {
			t.Fatal("a plaintext value changed on the way out")
		}
		again, err := box.seal(aad, plain)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := box.open(aad, again); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("round trip: %v", err)
		}
		if _, err := box.open(aad+"x", again); err == nil {
			t.Fatal("a sealed value opened under another row's aad")
		}
	})
}
