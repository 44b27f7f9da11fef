package fleet

import (
	"fmt"
	"testing"
	"time"

	"go5g/internal/sim/ue"
)

// TestReasonCongestion: a REGISTRATION REJECT #22 shows its T3346
// back-off; an unprotected one, whose value the UE does not use, shows
// one line for all.
// Spec: TS 24.501 §5.5.1.2.5 (cause #22)
func TestReasonCongestion(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&ue.RejectError{Cause: 22, BackOff: &ue.BackOff{T3346: 7 * time.Minute, Protected: true, Timer: 7 * time.Minute}},
			"registration rejected: #22 congestion (T3346 7m0s)"},
		{fmt.Errorf("register: %w", &ue.RejectError{Cause: 22, BackOff: &ue.BackOff{T3346: 5 * time.Minute, Timer: 20 * time.Minute}}),
			"registration rejected: #22 congestion (T3346 not integrity protected: UE draws 15-30 min)"},
		{&ue.RejectError{Cause: 22, BackOff: &ue.BackOff{}}, "registration rejected: #22 congestion (no T3346)"},
		{&ue.RejectError{Cause: 22}, "registration rejected: #22 congestion"},
		{&ue.RejectError{Cause: 111}, "registration rejected: #111 protocol error, unspecified"},
	}
	for _, c := range cases {
		if got := Reason(c.err); got != c.want {
			t.Errorf("Reason(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
