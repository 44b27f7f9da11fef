package amf_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go5g/internal/amf"
	"go5g/internal/store"
)

// TestTrace: after an initial registration, a release to CM-IDLE and a
// SERVICE REQUEST, the UE's trace lists every N2 and N1 message the AMF
// saw or sent, in order, with its direction, interface and NAS security
// header type.
//
// Spec: TS 23.502 §4.2.2.2.2 (registration), §4.2.6 (AN release),
// §4.2.3.2 (service request); TS 24.501 §8; TS 38.413 §9.4.4
func TestTrace(t *testing.T) {
	n := newNet(t, nil)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if ev, ok, err := n.amf.Trace(ctx, "imsi-001019999999999"); err != nil || ok || ev != nil {
		t.Fatalf("Trace of an unknown UE: %v %t %v, want nothing", ev, ok, err)
	}

	u := n.register(t, g, 1, 1)[0]
	registration := []string{
		"gNB->AMF NGAP InitialUEMessage",
		"UE->AMF NAS-5GMM Registration request [plain] initial registration",
		"AMF->UE NAS-5GMM Authentication request [plain]",
		"AMF->gNB NGAP DownlinkNASTransport",
		"gNB->AMF NGAP UplinkNASTransport",
		"UE->AMF NAS-5GMM Authentication response [plain]",
		"AMF->UE NAS-5GMM Security mode command [integrity, new context]",
		"AMF->gNB NGAP DownlinkNASTransport",
		"gNB->AMF NGAP UplinkNASTransport",
		"UE->AMF NAS-5GMM Security mode complete [integrity+ciphered, new context]",
		"AMF->UE NAS-5GMM Registration accept [integrity+ciphered]",
		"AMF->gNB NGAP InitialContextSetupRequest",
		"gNB->AMF NGAP InitialContextSetupResponse",
		"gNB->AMF NGAP UplinkNASTransport",
		"UE->AMF NAS-5GMM Registration complete [integrity+ciphered]",
	}
	// Registration complete reaches the AMF a moment after the UE is done.
	var got []string
	eventually(t, 5*time.Second, "Registration complete in the trace", func() bool {
		got = traceLines(t, n.amf, u.SUPI())
		return len(got) >= len(registration)
	})
	checkTrace(t, got, registration)

	n.goIdle(t, u)
	if err := u.ServiceRequest(ctx, g); err != nil {
		t.Fatal(err)
	}
	more := append(registration,
		"gNB->AMF NGAP UEContextReleaseRequest",
		"AMF->gNB NGAP UEContextReleaseCommand",
		"gNB->AMF NGAP UEContextReleaseComplete",
		"gNB->AMF NGAP InitialUEMessage",
		"UE->AMF NAS-5GMM Service request [integrity] service type: signalling",
		"AMF->UE NAS-5GMM Service accept [integrity+ciphered]",
		"AMF->gNB NGAP InitialContextSetupRequest",
		"gNB->AMF NGAP InitialContextSetupResponse",
	)
	eventually(t, 5*time.Second, "the service request in the trace", func() bool {
		got = traceLines(t, n.amf, u.SUPI())
		return len(got) >= len(more)
	})
	checkTrace(t, got, more)

	// The ring keeps the last 31: more releases and service requests push
	// the registration out, and times never go backwards.
	for range 4 {
		n.goIdle(t, u)
		if err := u.ServiceRequest(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 5*time.Second, "a full trace", func() bool {
		ev, _, _ := n.amf.Trace(ctx, u.SUPI())
		return len(ev) == 31 && ev[30].Message == "InitialContextSetupResponse"
	})
	ev, _, err := n.amf.Trace(ctx, u.SUPI())
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range ev {
		if e.Message == "Registration request" {
			t.Errorf("event %d is the registration's: the oldest should have been overwritten", i)
		}
		if i > 0 && e.Time.Before(ev[i-1].Time) {
			t.Errorf("event %d at %v, before event %d at %v", i, e.Time, i-1, ev[i-1].Time)
		}
	}
	t.Logf("last trace: first %v, last %v", ev[0].Time.Format(time.StampMilli), ev[30].Time.Format(time.StampMilli))
}

// traceLines formats a UE's trace one line per message.
func traceLines(t *testing.T, a *amf.AMF, supi string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev, ok, err := a.Trace(ctx, supi)
	if err != nil || !ok {
		t.Fatalf("Trace(%s): %t %v", supi, ok, err)
	}
	lines := make([]string, len(ev))
	for i, e := range ev {
		l := fmt.Sprintf("%s->%s %s %s", e.From, e.To, e.Interface, e.Message)
		if e.Security != "" {
			l += " [" + e.Security + "]"
		}
		if e.Detail != "" {
			l += " " + e.Detail
		}
		if e.Dropped {
			l += " (dropped)"
		}
		lines[i] = l
	}
	return lines
}

// checkTrace compares a trace with want. The gNB may send INITIAL
// CONTEXT SETUP RESPONSE before or after the UE's next uplink NAS message
// (TS 38.413 §8.3.1.2 orders neither): the response is moved before it.
func checkTrace(t *testing.T, got, want []string) {
	t.Helper()
	got = slices.Clone(got)
	for i := 0; i+2 < len(got); i++ {
		if got[i] == "gNB->AMF NGAP UplinkNASTransport" && got[i+2] == "gNB->AMF NGAP InitialContextSetupResponse" {
			got[i], got[i+1], got[i+2] = got[i+2], got[i], got[i+1]
			i += 2
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
