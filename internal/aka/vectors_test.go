package aka

import (
	"encoding/hex"
	"testing"

	"go5g/internal/testenv"
)

// loadVectors decodes ../shared/testvectors/<name> into v.
func loadVectors(t *testing.T, name string, v any) {
	t.Helper()
	testenv.Vectors(t, name, v)
}

// unhex decodes a hex string of a test vector.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}
