package ue

import (
	"testing"
	"time"

	"github.com/free5gc/nas/nasType"
)

// TestBackOff: the UE takes the T3346 value of a protected #22 reject, and
// draws from the default 15-30 min range for an unprotected one; no value,
// zero or "deactivated" starts no timer.
// Spec: TS 24.501 §5.5.1.2.5, §5.6.1.5, Table 10.2.1; TS 24.008 §10.5.7.4
func TestBackOff(t *testing.T) {
	ie := func(v uint8) *nasType.T3346Value { return &nasType.T3346Value{Iei: 0x5f, Len: 1, Octet: v} }
	cases := []struct {
		name      string
		ie        *nasType.T3346Value
		protected bool
		t3346     time.Duration
		timer     time.Duration // -1: drawn from the default range
	}{
		{"protected 7 min", ie(0x27), true, 7 * time.Minute, 7 * time.Minute},
		{"protected 62 s", ie(0x1f), true, 62 * time.Second, 62 * time.Second},
		{"protected 3 decihours", ie(0x43), true, 18 * time.Minute, 18 * time.Minute},
		{"unprotected 7 min", ie(0x27), false, 7 * time.Minute, -1},
		{"absent", nil, true, 0, 0},
		{"zero", ie(0x20), true, 0, 0},
		{"deactivated", ie(0xe5), true, -1, 0},
		{"undefined unit counts as minutes", ie(0x65), true, 5 * time.Minute, 5 * time.Minute},
	}
	for _, c := range cases {
		b := backOff(c.ie, c.protected)
		if b.T3346 != c.t3346 || b.Protected != c.protected {
			t.Errorf("%s: %+v, want T3346 %v", c.name, b, c.t3346)
		}
		switch {
		case c.timer >= 0 && b.Timer != c.timer:
			t.Errorf("%s: timer %v, want %v", c.name, b.Timer, c.timer)
		case c.timer < 0 && (b.Timer < t3346DefaultMin || b.Timer > t3346DefaultMax):
			t.Errorf("%s: timer %v outside the default range", c.name, b.Timer)
		}
	}
}
