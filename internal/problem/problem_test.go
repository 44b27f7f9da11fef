package problem

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/free5gc/openapi/models"
)

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		cause  string
		status int
	}{
		{UserNotFound, 404},
		{ContextNotFound, 404},
		{AuthenticationRejected, 403},
		{ServingNetworkNotAuthorized, 403},
		{InvalidHNPublicKeyIdentifier, 403},
		{InvalidSchemeOutput, 403},
		{InvalidGUAMI, 403},
		{UnsupportedProtectionScheme, 501},
		{MandatoryIEIncorrect, 400},
		{MandatoryIEMissing, 400},
		{NFCongestion, 503},
		{TimedOutRequest, 504},
		{SystemFailure, 500},
		{"SOMETHING_ELSE", 500},
	} {
		if got := New(tc.cause, "").Status; got != tc.status {
			t.Errorf("%s: status %d, want %d", tc.cause, got, tc.status)
		}
	}
}

func TestProblemDetailsRoundTrip(t *testing.T) {
	e := New(UserNotFound, "subscriber imsi-001010000000001")
	pd := e.ProblemDetails()
	want := models.ProblemDetails{Title: "Not Found", Status: 404, Detail: "subscriber imsi-001010000000001", Cause: UserNotFound}
	if pd.Title != want.Title || pd.Status != want.Status || pd.Detail != want.Detail || pd.Cause != want.Cause {
		t.Fatalf("ProblemDetails = %+v, want %+v", pd, want)
	}
	back := FromProblemDetails(pd)
	if *back != *e {
		t.Fatalf("FromProblemDetails = %+v, want %+v", back, e)
	}
	// A body with only a cause takes the cause's status.
	if got := FromProblemDetails(models.ProblemDetails{Cause: InvalidSchemeOutput}); got.Status != 403 {
		t.Fatalf("status without Status = %d, want 403", got.Status)
	}
}

func TestIsAndAs(t *testing.T) {
	err := fmt.Errorf("authenticate: %w", New(AuthenticationRejected, "x"))
	if !Is(err, AuthenticationRejected) || Is(err, UserNotFound) || Is(errors.New("plain"), UserNotFound) {
		t.Fatal("Is does not follow the wrap chain or matches the wrong cause")
	}
	if As(nil) != nil {
		t.Fatal("As(nil) != nil")
	}
	if got := As(err); got.Cause != AuthenticationRejected {
		t.Fatalf("As = %v", got)
	}
	w := As(context.DeadlineExceeded)
	if w.Status != 500 || w.Cause != SystemFailure || !errors.Is(w, context.DeadlineExceeded) {
		t.Fatalf("As(plain) = %+v, want a wrapping SYSTEM_FAILURE", w)
	}
	if got, want := New(UserNotFound, "no such SUPI").Error(), "USER_NOT_FOUND (404): no such SUPI"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
