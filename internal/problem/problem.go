// Package problem is the SBI error model every go5g NF returns: an HTTP
// status and an application error cause, as a ProblemDetails carries them
// (TS 29.500 §5.2.7, TS 29.571 §5.2.4.1). In-process calls return *Error;
// the SBI layer (a later round) turns it into a ProblemDetails body and
// back, so a consumer sees the same cause whether its producer runs in the
// same process or behind HTTP/2.
//
// Details may be shown to peers and logged: they never carry key material.
package problem

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/free5gc/openapi/models"
)

// Error is an SBI application error.
//
// Spec: TS 29.500 §5.2.7.1, TS 29.571 §5.2.4.1 (ProblemDetails)
type Error struct {
	Status int    // HTTP status code
	Cause  string // application error cause, e.g. USER_NOT_FOUND
	Title  string // short summary of the problem type
	Detail string // this occurrence, for people
	err    error  // what caused it on our side; never sent to peers
}

// New returns the error for cause with its status from Status(cause).
func New(cause, detail string) *Error {
	s := Status(cause)
	return &Error{Status: s, Cause: cause, Title: http.StatusText(s), Detail: detail}
}

// Newf is New with a formatted detail.
func Newf(cause, format string, a ...any) *Error { return New(cause, fmt.Sprintf(format, a...)) }

// Wrap returns the error for cause whose detail is err's message; errors.Is
// and errors.As still reach err.
func Wrap(cause string, err error) *Error {
	e := New(cause, err.Error())
	e.err = err
	return e
}

// Error formats the cause, the status and the detail.
func (e *Error) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("%s (%d)", e.Cause, e.Status)
	}
	return fmt.Sprintf("%s (%d): %s", e.Cause, e.Status, e.Detail)
}

// Unwrap gives the error Wrap was given, if any.
func (e *Error) Unwrap() error { return e.err }

// ProblemDetails is the body an SBI producer answers with.
func (e *Error) ProblemDetails() models.ProblemDetails {
	return models.ProblemDetails{Title: e.Title, Status: int32(e.Status), Detail: e.Detail, Cause: e.Cause}
}

// FromProblemDetails is the consumer side: the error a ProblemDetails body
// describes. A body without status takes the cause's status.
func FromProblemDetails(pd models.ProblemDetails) *Error {
	e := &Error{Status: int(pd.Status), Cause: pd.Cause, Title: pd.Title, Detail: pd.Detail}
	if e.Status == 0 {
		e.Status = Status(pd.Cause)
	}
	return e
}

// As returns err as an *Error. Any other error becomes a 500 SYSTEM_FAILURE
// that wraps it, so callers always have a status and a cause to answer with.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(SystemFailure, err)
}

// Is reports whether err is an *Error with the given cause.
func Is(err error, cause string) bool {
	var e *Error
	return errors.As(err, &e) && e.Cause == cause
}
