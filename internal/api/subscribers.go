package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"go5g/internal/store"
)

// subscriberIn is a subscriber as clients send it (create, update,
// import). Absent optional fields take defaults on create and keep the
// stored value on update; K and OPc may be left out of an update, or sent
// back masked as GET returned them, to keep them.
type subscriberIn struct {
	SUPI          string         `json:"supi"`
	K             *string        `json:"k"`
	OPc           *string        `json:"opc"`
	AMF           *string        `json:"amf"`
	SQN           *string        `json:"sqn"` // create and import only; an update never moves SQN
	AuthMethod    *string        `json:"authMethod"`
	SNSSAIs       []store.SNSSAI `json:"snssais"`
	DefaultSNSSAI *store.SNSSAI  `json:"defaultSnssai"`
	DNNs          []string       `json:"dnns"`
	AMBR          *ambrJSON      `json:"ambr"`
	// Profile names a subscriber profile whose values fill every
	// subscription field left out (profiles.go); the values are copied.
	Profile string `json:"profile,omitempty"`
}

type ambrJSON struct {
	Uplink   string `json:"uplink"`
	Downlink string `json:"downlink"`
}

// subscriberOut is a subscriber as the API shows it; K and OPc are masked
// unless an admin exports with secrets.
type subscriberOut struct {
	SUPI          string         `json:"supi"`
	K             string         `json:"k"`
	OPc           string         `json:"opc"`
	AMF           string         `json:"amf"`
	SQN           string         `json:"sqn"`
	AuthMethod    string         `json:"authMethod"`
	SNSSAIs       []store.SNSSAI `json:"snssais"`
	DefaultSNSSAI store.SNSSAI   `json:"defaultSnssai"`
	DNNs          []string       `json:"dnns"`
	AMBR          ambrJSON       `json:"ambr"`
}

// mask shows only the last 4 hex digits of a 16-octet key, so an operator
// can tell keys apart without the API ever returning one.
func mask(k []byte) string {
	h := hex.EncodeToString(k)
	if len(h) < 4 {
		return strings.Repeat("*", 32)
	}
	return strings.Repeat("*", 28) + h[len(h)-4:]
}

func toOut(s store.Subscriber, secrets bool) subscriberOut {
	o := subscriberOut{SUPI: s.SUPI, K: mask(s.K), OPc: mask(s.OPc), AMF: hex.EncodeToString(s.AMF[:]),
		SQN: fmt.Sprintf("%012x", s.SQN), AuthMethod: string(s.AuthMethod), SNSSAIs: s.SNSSAIs,
		DefaultSNSSAI: s.DefaultSNSSAI, DNNs: s.DNNs,
		AMBR: ambrJSON{Uplink: s.AMBR.Uplink.String(), Downlink: s.AMBR.Downlink.String()}}
	if secrets {
		o.K, o.OPc = hex.EncodeToString(s.K), hex.EncodeToString(s.OPc)
	}
	if o.DNNs == nil {
		o.DNNs = []string{}
	}
	return o
}

// Defaults for fields a create leaves out: go5g's default slice and DNN.
const (
	defaultAMF  = "8000"
	defaultAMBR = store.BitRate(1e9)
)

func fieldErr(field, format string, a ...any) error {
	return &store.FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

// parseKey reads a 128-bit key as 32 hex digits; a masked value equal to
// the stored key's mask means "unchanged".
func parseKey(field string, v *string, old []byte) ([]byte, error) {
	if v == nil || (old != nil && *v == mask(old)) {
		if old == nil {
			return nil, fieldErr(field, "is required (32 hex digits)")
		}
		return bytes.Clone(old), nil
	}
	b, err := hex.DecodeString(*v)
	if err != nil || len(*v) != 32 {
		return nil, fieldErr(field, "must be 32 hex digits (128 bits)")
	}
	return b, nil
}

// build turns in into a subscriber: over old for an update (nil for a
// create), with defaults for what a create leaves out. Errors name the
// API's field.
func build(in subscriberIn, old *store.Subscriber) (store.Subscriber, error) {
	var s store.Subscriber
	if old != nil {
		s = *old
		s.SNSSAIs = append([]store.SNSSAI(nil), old.SNSSAIs...)
		s.DNNs = append([]string(nil), old.DNNs...)
	} else {
		s = store.Subscriber{AuthMethod: store.AuthMethod5GAKA, AMF: [2]byte{0x80, 0x00},
			SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
			DNNs: []string{"internet"}, AMBR: store.AMBR{Uplink: defaultAMBR, Downlink: defaultAMBR}}
	}
	s.SUPI = in.SUPI
	if err := store.ValidSUPI(s.SUPI); err != nil {
		return s, err
	}
	var oldK, oldOPc []byte
	if old != nil {
		oldK, oldOPc = old.K, old.OPc
	}
	var err error
	if s.K, err = parseKey("k", in.K, oldK); err != nil {
		return s, err
	}
	if s.OPc, err = parseKey("opc", in.OPc, oldOPc); err != nil {
		return s, err
	}
	if in.AMF != nil {
		b, err := hex.DecodeString(*in.AMF)
		if err != nil || len(b) != 2 {
			return s, fieldErr("amf", "must be 4 hex digits, e.g. 8000")
		}
		s.AMF = [2]byte{b[0], b[1]}
	}
	if in.SQN != nil && old == nil {
		v, err := strconv.ParseUint(*in.SQN, 16, 64)
		if err != nil || v > store.MaxSQN {
			return s, fieldErr("sqn", "must be up to 12 hex digits (48 bits)")
		}
		s.SQN = v
	}
	if in.AuthMethod != nil {
		s.AuthMethod = store.AuthMethod(*in.AuthMethod)
	}
	if in.SNSSAIs != nil {
		s.SNSSAIs = in.SNSSAIs
		if in.DefaultSNSSAI == nil && len(in.SNSSAIs) > 0 {
			s.DefaultSNSSAI = in.SNSSAIs[0]
		}
	}
	if in.DefaultSNSSAI != nil {
		s.DefaultSNSSAI = *in.DefaultSNSSAI
	}
	if in.DNNs != nil {
		s.DNNs = in.DNNs
	}
	if in.AMBR != nil {
		if s.AMBR.Uplink, err = store.ParseBitRate(in.AMBR.Uplink); err != nil {
			return s, fieldErr("ambr_uplink", "%v", err)
		}
		if s.AMBR.Downlink, err = store.ParseBitRate(in.AMBR.Downlink); err != nil {
			return s, fieldErr("ambr_downlink", "%v", err)
		}
	}
	return s, s.Validate()
}

// List pages: the API's page size default and ceiling.
const (
	defaultPage = 100
	maxPage     = 1000
	// countCap bounds the first page's total: counting 10,001 index
	// entries costs a few milliseconds however large the table; an exact
	// count of millions costs a scan of all of them. An operator needs
	// the exact number while it is small and "more than 10,000" after.
	countCap = 10_000
)

// listPage is one page of the subscriber list.
type listPage struct {
	Items             []subscriberOut `json:"items"`
	Total             *int            `json:"total,omitempty"`             // first page only (no cursor)
	TotalIsLowerBound bool            `json:"totalIsLowerBound,omitempty"` // more than Total (countCap) exist
	NextCursor        string          `json:"nextCursor,omitempty"`
}

// supiPrefix accepts "imsi-00101..." or bare digits "00101...".
func supiPrefix(q string) (string, error) {
	if q == "" {
		return "", nil
	}
	if strings.Trim(q, "0123456789") == "" {
		q = "imsi-" + q
	}
	if strings.HasPrefix("imsi-", q) {
		return q, nil // "i", "ims", "imsi-": every SUPI
	}
	if !strings.HasPrefix(q, "imsi-") {
		return "", fieldErr("prefix", "a SUPI prefix: imsi- and digits, or digits")
	}
	if len(q) > len("imsi-")+15 || strings.Trim(strings.TrimPrefix(q, "imsi-"), "0123456789") != "" {
		return "", fieldErr("prefix", "a SUPI prefix: imsi- and up to 15 digits")
	}
	return q, nil
}

// The cursor is the last SUPI of the previous page, base64url-encoded so
// clients treat it as opaque.
func encodeCursor(supi string) string { return base64.RawURLEncoding.EncodeToString([]byte(supi)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || store.ValidSUPI(string(b)) != nil {
		return "", fieldErr("cursor", "not a cursor this API returned")
	}
	return string(b), nil
}

func (a *API) listSubscribers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prefix, err := supiPrefix(q.Get("prefix"))
	if err != nil {
		a.fail(w, err)
		return
	}
	limit := defaultPage
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxPage {
			a.fail(w, fieldErr("limit", "must be 1 to %d", maxPage))
			return
		}
	}
	var after string
	if c := q.Get("cursor"); c != "" {
		if after, err = decodeCursor(c); err != nil {
			a.fail(w, err)
			return
		}
	}
	// One more than the page tells whether another page follows.
	subs, err := a.st.ListSubscribers(r.Context(), store.ListOptions{Prefix: prefix, After: after, Limit: limit + 1})
	if err != nil {
		a.fail(w, err)
		return
	}
	page := listPage{Items: make([]subscriberOut, 0, min(len(subs), limit))}
	// Counting is the one cost that grows with the table (PostgreSQL
	// reads every row it counts: 10-60 ms at 100,000, against 0.1 ms for
	// the page), so only the first page, which a console shows as "1-100
	// of N", pays it, and only up to countCap: beyond, N is "10,000+".
	if after == "" {
		total, err := a.st.CountSubscribers(r.Context(), prefix, countCap+1)
		if err != nil {
			a.fail(w, err)
			return
		}
		if total > countCap {
			total, page.TotalIsLowerBound = countCap, true
		}
		page.Total = &total
	}
	if len(subs) > limit {
		subs = subs[:limit]
		page.NextCursor = encodeCursor(subs[limit-1].SUPI)
	}
	for _, s := range subs {
		page.Items = append(page.Items, toOut(s, false))
	}
	writeJSON(w, http.StatusOK, page)
}

func (a *API) getSubscriber(w http.ResponseWriter, r *http.Request) {
	s, err := a.st.GetSubscriber(r.Context(), r.PathValue("supi"))
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toOut(s, false))
}

func (a *API) createSubscriber(w http.ResponseWriter, r *http.Request) {
	var in subscriberIn
	if decode(w, r, &in) != nil {
		return
	}
	in, err := a.applyProfile(r.Context(), in, profileCache{})
	if err != nil {
		a.fail(w, err)
		return
	}
	s, err := build(in, nil)
	if err != nil {
		a.fail(w, err)
		return
	}
	if err := a.audited(r, "subscriber.create", s.SUPI, profileDetail(in.Profile), func(ctx context.Context) error {
		return a.st.AddSubscribers(ctx, s)
	}); err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/subscribers/"+s.SUPI)
	writeJSON(w, http.StatusCreated, toOut(s, false))
}

func (a *API) updateSubscriber(w http.ResponseWriter, r *http.Request) {
	var in subscriberIn
	if decode(w, r, &in) != nil {
		return
	}
	supi := r.PathValue("supi")
	if in.SUPI == "" {
		in.SUPI = supi
	}
	if in.SUPI != supi {
		a.fail(w, fieldErr("supi", "differs from the SUPI in the path; a SUPI cannot be changed"))
		return
	}
	old, err := a.st.GetSubscriber(r.Context(), supi)
	if err != nil {
		a.fail(w, err)
		return
	}
	if in, err = a.applyProfile(r.Context(), in, profileCache{}); err != nil {
		a.fail(w, err)
		return
	}
	s, err := build(in, &old)
	if err != nil {
		a.fail(w, err)
		return
	}
	detail := changedFields(old, s)
	if in.Profile != "" {
		detail += "; " + profileDetail(in.Profile)
	}
	if err := a.audited(r, "subscriber.update", s.SUPI, detail, func(ctx context.Context) error {
		return a.st.UpdateSubscriber(ctx, s)
	}); err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toOut(s, false))
}

// changedFields names what an update changed, for the audit log (never
// the values of K or OPc).
func changedFields(old, s store.Subscriber) string {
	var f []string
	if !bytes.Equal(old.K, s.K) {
		f = append(f, "k")
	}
	if !bytes.Equal(old.OPc, s.OPc) {
		f = append(f, "opc")
	}
	if old.AMF != s.AMF {
		f = append(f, "amf")
	}
	if old.AuthMethod != s.AuthMethod {
		f = append(f, "authMethod")
	}
	if fmt.Sprint(old.SNSSAIs) != fmt.Sprint(s.SNSSAIs) {
		f = append(f, "snssais")
	}
	if !old.DefaultSNSSAI.Equal(s.DefaultSNSSAI) {
		f = append(f, "defaultSnssai")
	}
	if strings.Join(old.DNNs, ",") != strings.Join(s.DNNs, ",") {
		f = append(f, "dnns")
	}
	if old.AMBR != s.AMBR {
		f = append(f, "ambr")
	}
	if len(f) == 0 {
		return "no change"
	}
	return "changed " + strings.Join(f, ", ")
}

func (a *API) deleteSubscriber(w http.ResponseWriter, r *http.Request) {
	supi := r.PathValue("supi")
	if err := a.audited(r, "subscriber.delete", supi, "", func(ctx context.Context) error {
		return a.st.DeleteSubscriber(ctx, supi)
	}); err != nil {
		a.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// profileDetail is the audit detail of a change that used a profile.
func profileDetail(name string) string {
	if name == "" {
		return ""
	}
	return "from profile " + name
}
