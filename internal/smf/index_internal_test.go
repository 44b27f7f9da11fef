package smf

import (
	"fmt"
	"testing"
)

// TestUPSEIDIndex: the UP SEID index finds a context by UPF and handle,
// not once its N4 session is deleted (release under way) or it is
// dropped, and a newer context with the same handle (a UPF reusing an
// SEID) keeps its entry when the older one goes.
func TestUPSEIDIndex(t *testing.T) {
	s := &SMF{contexts: map[string]*smContext{}, byUE: map[ueKey]*smContext{}, byUPSEID: map[upKey]*smContext{}}
	add := func(ref string, psi uint8, seid uint64) *smContext {
		c := &smContext{ref: ref, supi: "imsi-1", psi: psi, upfName: "upf", upSEID: seid, upHandle: seid}
		s.contexts[ref], s.byUE[ueKey{c.supi, psi}], s.byUPSEID[upKey{"upf", seid}] = c, c, c
		return c
	}
	old := add("a", 1, 7)
	if s.bySEID("upf", 7) != old || s.bySEID("other", 7) != nil || s.bySEID("upf", 8) != nil {
		t.Fatal("lookup")
	}
	old.upSEID = 0 // N4 session deleted: release under way
	if s.bySEID("upf", 7) != nil {
		t.Error("a context whose N4 session is deleted was found")
	}
	newer := add("b", 2, 7) // the UPF gave SEID 7 again
	s.drop(old)
	if s.bySEID("upf", 7) != newer {
		t.Error("dropping the old context removed the newer one's entry")
	}
	s.drop(newer)
	if len(s.byUPSEID) != 0 {
		t.Errorf("index left with %d entries", len(s.byUPSEID))
	}
}

// BenchmarkDownlinkDataLookup: finding the session of a Downlink Data
// Report costs the same with 1,000 and 100,000 sessions.
func BenchmarkDownlinkDataLookup(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := &SMF{byUPSEID: map[upKey]*smContext{}}
			for i := range n {
				c := &smContext{upfName: "upf", upSEID: uint64(i + 1), upHandle: uint64(i + 1)}
				s.byUPSEID[upKey{"upf", c.upSEID}] = c
			}
			b.ResetTimer()
			for i := range b.N {
				if s.bySEID("upf", uint64(i%n+1)) == nil {
					b.Fatal("not found")
				}
			}
		})
	}
}
