package amf

import (
	"os"
	"testing"
	"unsafe"
)

// TestStructSizes logs the in-memory size of the per-UE structs, for the
// heap-per-UE budget (see TestHeapPerUE); skipped unless GO5G_HEAP_UES is set.
func TestStructSizes(t *testing.T) {
	if os.Getenv("GO5G_HEAP_UES") == "" {
		t.Skip("set GO5G_HEAP_UES to log the per-UE struct sizes")
	}
	t.Logf("ue %d B: conn ptr, sec %d (auth %d), sub %d, loc %d, regReq ptr",
		unsafe.Sizeof(ue{}), unsafe.Sizeof(ueSecurity{}), unsafe.Sizeof(authState{}),
		unsafe.Sizeof(ueSubscription{}), unsafe.Sizeof(ueLocation{}))
	t.Logf("ueConn %d B, nasTimer %d B, registrationRequest %d B",
		unsafe.Sizeof(ueConn{}), unsafe.Sizeof(nasTimer{}), unsafe.Sizeof(registrationRequest{}))
}
