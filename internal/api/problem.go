package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go5g/internal/auth"
	"go5g/internal/store"
)

// problem is an error response.
//
// Spec: RFC 9457 §3 (members type, title, status, detail; "field" and
// "errors" are extension members, §3.2)
type problem struct {
	Type   string     `json:"type,omitempty"`
	Title  string     `json:"title"`
	Status int        `json:"status"`
	Detail string     `json:"detail,omitempty"`
	Field  string     `json:"field,omitempty"`
	Errors []rowError `json:"errors,omitempty"`
}

// rowError is one bad row of an import.
type rowError struct {
	Line   int    `json:"line"`
	SUPI   string `json:"supi,omitempty"`
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func writeProblem(w http.ResponseWriter, p problem) {
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeItems answers records read from the store as {"items": [...]},
// each as out shows it, or the store's error.
func writeItems[T, J any](a *API, w http.ResponseWriter, items []T, err error, out func(T) J) {
	if err != nil {
		a.fail(w, err)
		return
	}
	page := struct {
		Items []J `json:"items"`
	}{Items: make([]J, len(items))}
	for i, v := range items {
		page.Items[i] = out(v)
	}
	writeJSON(w, http.StatusOK, page)
}

// writeItem answers one record read from the store, or the store's error.
func writeItem[T, J any](a *API, w http.ResponseWriter, v T, err error, out func(T) J) {
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out(v))
}

// jsonField turns the store's column names into the API's field names.
func jsonField(column string) string {
	switch column {
	case "auth_method":
		return "authMethod"
	case "default_snssai":
		return "defaultSnssai"
	case "ambr_uplink":
		return "ambr.uplink"
	case "ambr_downlink":
		return "ambr.downlink"
	}
	return column
}

// fail answers err: a field error is 400 naming the field, a missing record
// 404, a duplicate 409, anything unexpected 500 (logged, never shown).
func (a *API) fail(w http.ResponseWriter, err error) {
	var fe *store.FieldError
	var rl *auth.RateLimitedError
	switch {
	case errors.As(err, &fe):
		writeProblem(w, problem{Status: http.StatusBadRequest, Field: jsonField(fe.Field), Detail: fe.Reason})
	case errors.Is(err, store.ErrNotFound):
		writeProblem(w, problem{Status: http.StatusNotFound, Detail: err.Error()})
	case errors.Is(err, store.ErrExists):
		writeProblem(w, problem{Status: http.StatusConflict, Detail: err.Error()})
	case errors.Is(err, store.ErrInvalid):
		writeProblem(w, problem{Status: http.StatusBadRequest, Detail: err.Error()})
	case errors.As(err, &rl):
		secs := int(time.Until(rl.Until).Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeProblem(w, problem{Status: http.StatusTooManyRequests, Detail: err.Error()})
	case errors.Is(err, auth.ErrBadCredentials):
		writeProblem(w, problem{Status: http.StatusUnauthorized, Detail: err.Error()})
	default:
		a.internal(w, err)
	}
}

func (a *API) internal(w http.ResponseWriter, err error) {
	a.log.Error("api: internal error", "err", err)
	writeProblem(w, problem{Status: http.StatusInternalServerError, Detail: "internal error; see the core's log"})
}

// maxJSONBody bounds a JSON request body other than an import.
const maxJSONBody = 1 << 20

// errHandled means decode already answered the request.
var errHandled = errors.New("handled")

// decode reads a JSON body into v, rejecting unknown fields; on failure it
// answers the request (415, 413 or 400 naming the field) and returns
// errHandled.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if !isJSON(r) {
		writeProblem(w, problem{Status: http.StatusUnsupportedMediaType, Detail: "send Content-Type: application/json"})
		return errHandled
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeProblem(w, jsonProblem(err))
		return errHandled
	}
	if dec.More() {
		writeProblem(w, problem{Status: http.StatusBadRequest, Detail: "bad JSON: more than one value in the body"})
		return errHandled
	}
	return nil
}

// jsonProblem explains a JSON decoding error, naming the field when known.
func jsonProblem(err error) problem {
	var te *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return problem{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("body larger than %d bytes", mbe.Limit)}
	case errors.As(err, &te):
		return problem{Status: http.StatusBadRequest, Field: te.Field, Detail: fmt.Sprintf("bad JSON: %s must be a %s", te.Field, jsonKind(te.Type.Kind().String()))}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem{Status: http.StatusBadRequest, Field: f, Detail: "bad JSON: unknown field " + f}
	}
	return problem{Status: http.StatusBadRequest, Detail: "bad JSON: " + err.Error()}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return "number"
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}
