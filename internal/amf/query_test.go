package amf_test

import (
	"testing"

	"go5g/internal/amf"
	"go5g/internal/n2"
)

// TestGUTIString: the AMF ID packs region (8 bits), set (10) and pointer
// (6) in that order (TS 23.003 §2.10.1).
func TestGUTIString(t *testing.T) {
	for _, c := range []struct {
		g    n2.GUAMI
		tmsi uint32
		want string
	}{
		{n2.GUAMI{PLMN: n2.PLMN{MCC: "001", MNC: "01"}, RegionID: 1, SetID: 1}, 0xb73a2afd, "001-01-010040-b73a2afd"},
		{n2.GUAMI{PLMN: n2.PLMN{MCC: "208", MNC: "930"}, RegionID: 0xca, SetID: 0x3fe, Pointer: 0x3f}, 1, "208-930-caffbf-00000001"},
	} {
		if got := amf.GUTIString(c.g, c.tmsi); got != c.want {
			t.Errorf("GUTIString(%+v, %#x) = %s, want %s", c.g, c.tmsi, got, c.want)
		}
	}
}
