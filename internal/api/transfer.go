package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"go5g/internal/store"
)

// maxImport bounds an import body: 100,000 subscribers in CSV are about
// 12 MB, in JSON about 30 MB.
const maxImport = 256 << 20

// csvColumns are the CSV header names, the API's JSON field names;
// snssais and dnns are ';'-separated lists ("1;2:00000a", "internet;ims").
func csvColumns() []string {
	return []string{"supi", "k", "opc", "amf", "sqn", "authMethod", "snssais", "defaultSnssai", "dnns", "ambr.uplink", "ambr.downlink"}
}

// importOnlyColumns are CSV columns an import reads and an export does not
// write: profile names the subscriber profile that fills the row's empty
// fields (profiles.go).
func importOnlyColumns() []string { return []string{"profile"} }

// row is one parsed import record and the line it starts on.
type row struct {
	line int
	in   subscriberIn
	err  error // a parse error, before validation
}

// importSubscribers adds every row of a CSV (with header) or JSON array
// body in one transaction, or none: a bad row, a SUPI twice in the file or
// one already stored makes the whole import fail with every bad row listed.
func (a *API) importSubscribers(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImport))
	if err != nil {
		writeProblem(w, jsonProblem(err))
		return
	}
	var rows []row
	switch mt {
	case "text/csv":
		rows, err = parseCSV(body)
	case "application/json":
		rows, err = parseJSONArray(body)
	default:
		writeProblem(w, problem{Status: http.StatusUnsupportedMediaType, Detail: "send Content-Type text/csv or application/json"})
		return
	}
	if err != nil {
		a.fail(w, err)
		return
	}
	subs := make([]store.Subscriber, 0, len(rows))
	var bad []rowError
	seen := make(map[string]int, len(rows))
	profiles := profileCache{}
	for _, rw := range rows {
		s, err := rw.in, rw.err
		var sub store.Subscriber
		if err == nil {
			s, err = a.applyProfile(r.Context(), s, profiles)
			var fe *store.FieldError
			if err != nil && !errors.As(err, &fe) {
				a.fail(w, err)
				return
			}
		}
		if err == nil {
			sub, err = build(s, nil)
		}
		if err == nil {
			if first, dup := seen[sub.SUPI]; dup {
				err = fieldErr("supi", "also on line %d", first)
			}
			seen[sub.SUPI] = rw.line
		}
		if err != nil {
			bad = append(bad, toRowError(rw.line, s.SUPI, err))
			continue
		}
		subs = append(subs, sub)
	}
	if len(bad) == 0 && len(subs) == 0 {
		a.fail(w, fieldErr("body", "no subscribers to import"))
		return
	}
	if len(bad) > 0 {
		writeProblem(w, problem{Status: http.StatusBadRequest, Field: bad[0].Field,
			Detail: fmt.Sprintf("%d bad rows; nothing was imported", len(bad)), Errors: bad})
		return
	}
	first, last := subs[0].SUPI, subs[0].SUPI
	for _, s := range subs {
		first, last = min(first, s.SUPI), max(last, s.SUPI)
	}
	err = a.audited(r, "subscriber.import", first+".."+last, fmt.Sprintf("%d subscribers", len(subs)), func(ctx context.Context) error {
		return a.st.AddSubscribers(ctx, subs...)
	})
	if errors.Is(err, store.ErrExists) {
		bad, lerr := a.existing(r, subs, seen)
		if lerr != nil {
			a.internal(w, lerr)
			return
		}
		writeProblem(w, problem{Status: http.StatusConflict, Field: "supi",
			Detail: fmt.Sprintf("%d SUPIs exist already; nothing was imported", len(bad)), Errors: bad})
		return
	}
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int{"imported": len(subs)})
}

// existing lists the rows whose SUPI is stored already, by paging the
// store over the file's SUPI range (one query per 10,000 stored
// subscribers rather than one per row).
func (a *API) existing(r *http.Request, subs []store.Subscriber, lines map[string]int) ([]rowError, error) {
	supis := make([]string, len(subs))
	for i, s := range subs {
		supis[i] = s.SUPI
	}
	slices.Sort(supis)
	lo, hi := supis[0], supis[len(supis)-1]
	after := lo[:len(lo)-1] + string(lo[len(lo)-1]-1) // sorts just before lo
	var bad []rowError
	for {
		page, err := a.st.ListSubscribers(r.Context(), store.ListOptions{After: after, Limit: store.MaxLimit})
		if err != nil {
			return nil, err
		}
		for _, s := range page {
			if s.SUPI > hi {
				break
			}
			if line, ok := lines[s.SUPI]; ok {
				bad = append(bad, rowError{Line: line, SUPI: s.SUPI, Field: "supi", Detail: "exists already"})
			}
		}
		if len(page) < store.MaxLimit || page[len(page)-1].SUPI >= hi {
			break
		}
		after = page[len(page)-1].SUPI
	}
	slices.SortFunc(bad, func(x, y rowError) int { return x.Line - y.Line })
	return bad, nil
}

func toRowError(line int, supi string, err error) rowError {
	var fe *store.FieldError
	if errors.As(err, &fe) {
		return rowError{Line: line, SUPI: supi, Field: jsonField(fe.Field), Detail: fe.Reason}
	}
	return rowError{Line: line, SUPI: supi, Field: "", Detail: err.Error()}
}

// parseCSV reads a header row naming columns (supi, k and opc required,
// the rest of csvColumns optional, any order) and one subscriber per row.
func parseCSV(body []byte) ([]row, error) {
	cr := csv.NewReader(bytes.NewReader(body))
	cr.ReuseRecord = false
	head, err := cr.Read()
	if err != nil {
		return nil, fieldErr("body", "CSV: no header row: %v", err)
	}
	col := make(map[string]int, len(head))
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(csvColumns(), h) && !slices.Contains(importOnlyColumns(), h) {
			return nil, fieldErr("body", "CSV header: unknown column %q (known: %s)", h,
				strings.Join(append(csvColumns(), importOnlyColumns()...), ","))
		}
		col[h] = i
	}
	for _, need := range []string{"supi", "k", "opc"} {
		if _, ok := col[need]; !ok {
			return nil, fieldErr("body", "CSV header: column %q is required", need)
		}
	}
	cr.FieldsPerRecord = len(head)
	var rows []row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			rows = append(rows, row{line: line, err: fieldErr("", "CSV: %v", errors.Unwrap(err))})
			if pe == nil || pe.Err != csv.ErrFieldCount {
				return rows, nil // the reader cannot resynchronise after a quoting error
			}
			continue
		}
		rows = append(rows, csvRow(line, rec, col))
	}
}

func csvRow(line int, rec []string, col map[string]int) row {
	get := func(name string) (string, bool) {
		i, ok := col[name]
		if !ok || strings.TrimSpace(rec[i]) == "" {
			return "", false
		}
		return strings.TrimSpace(rec[i]), true
	}
	opt := func(name string) *string {
		if v, ok := get(name); ok {
			return &v
		}
		return nil
	}
	rw := row{line: line}
	in := &rw.in
	in.SUPI, _ = get("supi")
	in.K, in.OPc, in.AMF, in.SQN, in.AuthMethod = opt("k"), opt("opc"), opt("amf"), opt("sqn"), opt("authMethod")
	if v, ok := get("snssais"); ok {
		for _, p := range strings.Split(v, ";") {
			n, err := parseSNSSAI(p)
			if err != nil {
				rw.err = fieldErr("snssais", "%v", err)
				return rw
			}
			in.SNSSAIs = append(in.SNSSAIs, n)
		}
	}
	if v, ok := get("defaultSnssai"); ok {
		n, err := parseSNSSAI(v)
		if err != nil {
			rw.err = fieldErr("default_snssai", "%v", err)
			return rw
		}
		in.DefaultSNSSAI = &n
	}
	if v, ok := get("dnns"); ok {
		in.DNNs = strings.Split(v, ";")
	}
	in.Profile, _ = get("profile")
	ul, okU := get("ambr.uplink")
	dl, okD := get("ambr.downlink")
	if okU || okD {
		// A profile fills the direction left empty (withProfile).
		in.AMBR = &ambrJSON{Uplink: ul, Downlink: dl}
		if !okU && in.Profile == "" {
			in.AMBR.Uplink = defaultAMBR.String()
		}
		if !okD && in.Profile == "" {
			in.AMBR.Downlink = defaultAMBR.String()
		}
	}
	return rw
}

// parseSNSSAI reads "SST" or "SST:SD".
func parseSNSSAI(s string) (store.SNSSAI, error) {
	sst, sd, hasSD := strings.Cut(strings.TrimSpace(s), ":")
	v, err := strconv.ParseUint(sst, 10, 8)
	if err != nil || (hasSD && sd == "") {
		return store.SNSSAI{}, fmt.Errorf("%q: want SST (0-255) or SST:SD (SD 6 hex digits)", s)
	}
	n := store.SNSSAI{SST: uint8(v), SD: strings.ToLower(sd)}
	if err := store.ValidSNSSAI(n); err != nil {
		return store.SNSSAI{}, fmt.Errorf("%q: SD must be 6 hex digits", s)
	}
	return n, nil
}

// parseJSONArray reads a JSON array of subscribers; a row's line is where
// its object starts. A syntax error ends the parse (the decoder cannot
// resynchronise) and is reported on its line.
func parseJSONArray(body []byte) ([]row, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, fieldErr("body", "want a JSON array of subscribers")
	}
	lc := lineCounter{body: body, line: 1}
	var rows []row
	for dec.More() {
		line := lc.at(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			rows = append(rows, row{line: line, err: fieldErr("", "bad JSON: %v", err)})
			return rows, nil
		}
		rw := row{line: line}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&rw.in); err != nil {
			p := jsonProblem(err)
			rw.err = fieldErr(p.Field, "%s", p.Detail)
		}
		rows = append(rows, rw)
	}
	return rows, nil
}

// lineCounter maps increasing byte offsets to 1-based line numbers, in one
// pass over the body. at skips the whitespace and comma before a value.
type lineCounter struct {
	body []byte
	off  int
	line int
}

func (c *lineCounter) at(off int64) int {
	end := int(off)
	for end < len(c.body) && strings.IndexByte(" \t\r\n,", c.body[end]) >= 0 {
		end++
	}
	c.line += bytes.Count(c.body[c.off:end], []byte{'\n'})
	c.off = end
	return c.line
}

// exportSubscribers streams every subscriber as CSV (the import format) or
// a JSON array, page by page. K and OPc stay masked unless an admin asks
// for ?secrets=true, which is audited.
func (a *API) exportSubscribers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		a.fail(w, fieldErr("format", "must be csv or json"))
		return
	}
	secrets := false
	if v := q.Get("secrets"); v != "" {
		var err error
		if secrets, err = strconv.ParseBool(v); err != nil {
			a.fail(w, fieldErr("secrets", "must be true or false"))
			return
		}
	}
	if secrets && principal(r).Role != store.RoleAdmin {
		writeProblem(w, problem{Status: http.StatusForbidden, Field: "secrets", Detail: "only an admin may export K and OPc"})
		return
	}
	if secrets {
		// Recorded before any secret leaves; no record, no export.
		if _, err := a.acc.AddAudit(r.Context(), a.entry(r, "subscriber.export_secrets", "all", "format "+format)); err != nil {
			a.fail(w, err)
			return
		}
	}
	name := "subscribers." + format
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(w)
		cw.Write(csvColumns())
	} else {
		io.WriteString(w, "[")
	}
	after, n := "", 0
	for {
		page, err := a.st.ListSubscribers(r.Context(), store.ListOptions{After: after, Limit: store.MaxLimit})
		if err != nil {
			// Headers are sent; all that is left is to stop and log.
			a.log.Error("api: export stopped", "after", after, "err", err)
			return
		}
		for _, s := range page {
			o := toOut(s, secrets)
			if cw != nil {
				cw.Write(csvRecord(o))
				continue
			}
			if n > 0 {
				io.WriteString(w, ",")
			}
			io.WriteString(w, "\n")
			json.NewEncoder(w).Encode(o)
			n++
		}
		if len(page) < store.MaxLimit {
			break
		}
		after = page[len(page)-1].SUPI
	}
	if cw != nil {
		cw.Flush()
	} else {
		io.WriteString(w, "]\n")
	}
}

func csvRecord(o subscriberOut) []string {
	sl := make([]string, len(o.SNSSAIs))
	for i, n := range o.SNSSAIs {
		sl[i] = n.String()
	}
	return []string{o.SUPI, o.K, o.OPc, o.AMF, o.SQN, o.AuthMethod, strings.Join(sl, ";"),
		o.DefaultSNSSAI.String(), strings.Join(o.DNNs, ";"), o.AMBR.Uplink, o.AMBR.Downlink}
}
