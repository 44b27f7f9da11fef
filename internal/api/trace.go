package api

import (
	"context"
	"net/http"
	"time"

	"go5g/internal/amf"
)

// Traces gives a UE's recent N1/N2 signalling (*amf.AMF). The API finds it
// on Deps.UEs, so whatever serves the UE contexts serves their traces.
type Traces interface {
	Trace(ctx context.Context, supi string) ([]amf.TraceEvent, bool, error)
}

type traceEventOut struct {
	Time time.Time `json:"time"`
	// OffsetMS is the time since the first message of the trace.
	OffsetMS  int64  `json:"offsetMs"`
	From      string `json:"from"`
	To        string `json:"to"`
	Interface string `json:"interface"`
	Message   string `json:"message"`
	Security  string `json:"security,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Dropped   bool   `json:"dropped,omitempty"`
}

type traceOut struct {
	SUPI  string          `json:"supi"`
	Items []traceEventOut `json:"items"`
}

// getTrace is GET /api/v1/ues/{supi}/trace: the UE's recent NGAP and NAS
// messages as the AMF saw them, oldest first (names, directions, security
// header types and causes; never message contents).
func (a *API) getTrace(w http.ResponseWriter, r *http.Request) {
	tr, ok := a.ues.(Traces)
	if !ok {
		unavailable(w, "no AMF runs in this process")
		return
	}
	supi := r.PathValue("supi")
	ctx, cancel := context.WithTimeout(r.Context(), liveTimeout)
	defer cancel()
	evs, found, err := tr.Trace(ctx, supi)
	if err != nil {
		a.internal(w, err)
		return
	}
	if !found {
		writeProblem(w, problem{Status: http.StatusNotFound, Detail: "the AMF has no context for " + supi})
		return
	}
	out := traceOut{SUPI: supi, Items: make([]traceEventOut, 0, len(evs))}
	for _, e := range evs {
		o := traceEventOut{Time: e.Time.UTC(), From: e.From, To: e.To, Interface: e.Interface,
			Message: e.Message, Security: e.Security, Detail: e.Detail, Dropped: e.Dropped}
		if len(out.Items) > 0 {
			o.OffsetMS = e.Time.Sub(evs[0].Time).Milliseconds()
		}
		out.Items = append(out.Items, o)
	}
	writeJSON(w, http.StatusOK, out)
}
