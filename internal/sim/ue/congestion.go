package ue

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/free5gc/nas/nasType"

	"go5g/internal/n1"
)

// BackOff is the T3346 back-off the network gave with 5GMM cause #22
// "congestion" in REGISTRATION REJECT or SERVICE REJECT.
//
// The UE starts T3346 with the value of the T3346 value IE only when the
// reject was integrity protected; an unprotected one (the usual case for
// a registration turned away before authentication) makes it draw a value
// from the default range instead, 15 to 30 minutes, so that a forged
// reject cannot bar it for long.
//
// Spec: TS 24.501 §5.5.1.2.5 and §5.6.1.5 (cause #22), §5.3.9, Table 10.2.1
type BackOff struct {
	// T3346 is the value of the T3346 value IE as sent (0 when the IE is
	// absent, -1 for "deactivated").
	T3346 time.Duration
	// Protected tells whether the reject passed the integrity check.
	Protected bool
	// Timer is the value the UE starts T3346 with; 0 when it starts none
	// (IE absent, zero or deactivated: an abnormal case, §5.5.1.2.7).
	Timer time.Duration
}

// Default range of T3346 for an unprotected reject. Spec: TS 24.501 Table 10.2.1
const (
	t3346DefaultMin = 15 * time.Minute
	t3346DefaultMax = 30 * time.Minute
)

// backOff reads the T3346 value IE of a #22 reject.
func backOff(ie *nasType.T3346Value, protected bool) *BackOff {
	b := &BackOff{Protected: protected}
	if ie == nil || ie.Len != 1 {
		return b
	}
	b.T3346 = gprsTimer2(ie.Octet)
	if b.T3346 <= 0 {
		return b
	}
	b.Timer = b.T3346
	if !protected {
		b.Timer = t3346DefaultMin + time.Duration(rand.Int64N(int64(t3346DefaultMax-t3346DefaultMin)+1))
	}
	return b
}

// String says what the UE does, e.g. "T3346 7m0s" or "T3346 7m0s sent
// unprotected: UE draws 15-30 min".
func (b *BackOff) String() string {
	switch {
	case b == nil:
		return ""
	case b.T3346 == 0:
		return "no T3346"
	case b.T3346 < 0:
		return "T3346 deactivated"
	case !b.Protected:
		return fmt.Sprintf("T3346 %v sent unprotected: UE draws 15-30 min", b.T3346)
	}
	return fmt.Sprintf("T3346 %v", b.T3346)
}

// gprsTimer2 decodes a GPRS timer 2 value; deactivated is -1. Units other
// than those defined count as minutes.
// Spec: TS 24.008 §10.5.7.4 (TS 24.501 §9.11.2.4)
func gprsTimer2(v uint8) time.Duration {
	n := time.Duration(v & 0x1f)
	switch v >> 5 {
	case 0:
		return n * 2 * time.Second
	case 2:
		return n * 6 * time.Minute
	case 7:
		return -1
	}
	return n * time.Minute
}

// isCongestion is 5GMM cause #22.
func isCongestion(cause uint8) bool { return cause == n1.CauseCongestion }
