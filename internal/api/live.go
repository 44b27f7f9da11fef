package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"go5g/internal/amf"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/smf"
)

// The live state of the network: gNBs, UE contexts, PDU sessions and the
// NFs' status, read from the running NFs (never the store). Each source is
// optional: a process without an AMF or SMF answers 503 for its part.

// RAN lists the gNBs on N2 (*amf.AMF).
type RAN interface {
	GNBs(ctx context.Context) ([]amf.GNBInfo, error)
}

// UEs lists the AMF's UE contexts (*amf.AMF).
type UEs interface {
	UEPage(ctx context.Context, limit int, after string) ([]amf.UEDetail, bool, error)
	UEDetail(ctx context.Context, supi string) (amf.UEDetail, bool, error)
}

// Sessions lists the SMF's SM contexts (*smf.SMF).
type Sessions interface {
	Sessions() []smf.SessionInfo
}

// Status says which NFs run, their counters, and whether the user plane is on.
type Status interface {
	Status(ctx context.Context) NetworkStatus
}

// StatusFunc adapts a function to Status.
type StatusFunc func(ctx context.Context) NetworkStatus

// Status calls f.
func (f StatusFunc) Status(ctx context.Context) NetworkStatus { return f(ctx) }

// NetworkStatus is GET /api/v1/status.
type NetworkStatus struct {
	NFs       []NFStatus      `json:"nfs"`
	UserPlane UserPlaneStatus `json:"userPlane"`
}

// NFStatus is one network function.
type NFStatus struct {
	Name     string           `json:"name"` // "amf", "smf", "upf", ...
	Running  bool             `json:"running"`
	Counters map[string]int64 `json:"counters,omitempty"`
}

// UserPlaneStatus says whether user traffic can flow and, when it cannot, why.
type UserPlaneStatus struct {
	On     bool   `json:"on"`
	Reason string `json:"reason"`
}

// liveTimeout bounds a query of the NFs' workers: a busy AMF answers late
// rather than holding the request forever.
const liveTimeout = 5 * time.Second

type plmnOut struct {
	MCC string `json:"mcc"`
	MNC string `json:"mnc"`
}

type snssaiOut struct {
	SST uint8  `json:"sst"`
	SD  string `json:"sd,omitempty"` // 6 hex digits
}

func snssais(in []n2.SNSSAI) []snssaiOut {
	out := make([]snssaiOut, 0, len(in))
	for _, s := range in {
		o := snssaiOut{SST: s.SST}
		if s.HasSD {
			o.SD = fmt.Sprintf("%06x", s.SD)
		}
		out = append(out, o)
	}
	return out
}

type gnbIDOut struct {
	PLMN     plmnOut `json:"plmn"`
	GNBID    string  `json:"gnbId"` // hex
	IDLength uint8   `json:"bitLength"`
}

func gnbID(g n2.GlobalGNBID) *gnbIDOut {
	if g.IDLength == 0 {
		return nil
	}
	return &gnbIDOut{PLMN: plmnOut{g.PLMN.MCC, g.PLMN.MNC}, GNBID: fmt.Sprintf("%x", g.ID), IDLength: g.IDLength}
}

type taOut struct {
	TAC    uint32      `json:"tac"`
	PLMN   plmnOut     `json:"plmn"`
	Slices []snssaiOut `json:"slices"`
}

type gnbOut struct {
	Name     string    `json:"name,omitempty"`
	GlobalID *gnbIDOut `json:"globalId,omitempty"`
	Address  string    `json:"address"`
	SetUp    bool      `json:"ngSetup"`
	// SetUpAt is when NG Setup last succeeded; absent until it has.
	SetUpAt *time.Time `json:"ngSetupAt,omitempty"`
	TAs     []taOut    `json:"supportedTAs"`
	UEs     int        `json:"ues"`
}

func (a *API) listGNBs(w http.ResponseWriter, r *http.Request) {
	if a.ran == nil {
		unavailable(w, "no AMF runs in this process")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), liveTimeout)
	defer cancel()
	gs, err := a.ran.GNBs(ctx)
	if err != nil {
		a.internal(w, err)
		return
	}
	out := make([]gnbOut, 0, len(gs))
	for _, g := range gs {
		o := gnbOut{Name: g.Name, GlobalID: gnbID(g.ID), Address: g.Address, SetUp: g.SetUp, UEs: g.UEs, TAs: []taOut{}}
		if !g.SetUpAt.IsZero() {
			at := g.SetUpAt.UTC()
			o.SetUpAt = &at
		}
		for _, ta := range g.TAs {
			for _, p := range ta.PLMNs {
				o.TAs = append(o.TAs, taOut{TAC: ta.TAC, PLMN: plmnOut{p.PLMN.MCC, p.PLMN.MNC}, Slices: snssais(p.Slices)})
			}
		}
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

type ueOut struct {
	SUPI                string      `json:"supi"`
	GUTI                string      `json:"guti,omitempty"`
	State               string      `json:"state"`
	CM                  string      `json:"cmState"`
	GNBName             string      `json:"gnbName,omitempty"`
	GNBID               *gnbIDOut   `json:"gnbId,omitempty"`
	RANUENGAPID         *uint32     `json:"ranUeNgapId,omitempty"`
	AMFUENGAPID         *uint64     `json:"amfUeNgapId,omitempty"`
	Procedure           string      `json:"procedure"`
	RegistrationStarted *time.Time  `json:"registrationStarted,omitempty"`
	Slices              []snssaiOut `json:"allowedSlices"`
	PDUSessions         []uint8     `json:"pduSessionIds"`
}

func toUEOut(d amf.UEDetail) ueOut {
	o := ueOut{SUPI: d.SUPI, GUTI: d.GUTI, State: d.State, CM: d.CM, GNBName: d.GNBName, GNBID: gnbID(d.GNBID),
		Procedure: d.Procedure, Slices: snssais(d.Slices), PDUSessions: d.PDUSessions}
	if d.CM == "CM-CONNECTED" {
		o.RANUENGAPID, o.AMFUENGAPID = &d.RANUENGAPID, &d.AMFUENGAPID
	}
	if !d.RegistrationStarted.IsZero() {
		t := d.RegistrationStarted.UTC()
		o.RegistrationStarted = &t
	}
	if o.PDUSessions == nil {
		o.PDUSessions = []uint8{}
	}
	return o
}

type uePage struct {
	Items      []ueOut `json:"items"`
	NextCursor string  `json:"nextCursor,omitempty"`
}

func (a *API) listUEs(w http.ResponseWriter, r *http.Request) {
	if a.ues == nil {
		unavailable(w, "no AMF runs in this process")
		return
	}
	q := r.URL.Query()
	limit := defaultPage
	if v := q.Get("limit"); v != "" {
		var err error
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxPage {
			a.fail(w, fieldErr("limit", "must be 1 to %d", maxPage))
			return
		}
	}
	var after string
	if c := q.Get("cursor"); c != "" {
		var err error
		if after, err = decodeCursor(c); err != nil {
			a.fail(w, err)
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), liveTimeout)
	defer cancel()
	ds, more, err := a.ues.UEPage(ctx, limit, after)
	if err != nil {
		a.internal(w, err)
		return
	}
	page := uePage{Items: make([]ueOut, 0, len(ds))}
	for _, d := range ds {
		page.Items = append(page.Items, toUEOut(d))
	}
	if more && len(ds) > 0 {
		page.NextCursor = encodeCursor(ds[len(ds)-1].SUPI)
	}
	writeJSON(w, http.StatusOK, page)
}

func (a *API) getUE(w http.ResponseWriter, r *http.Request) {
	if a.ues == nil {
		unavailable(w, "no AMF runs in this process")
		return
	}
	supi := r.PathValue("supi")
	ctx, cancel := context.WithTimeout(r.Context(), liveTimeout)
	defer cancel()
	d, ok, err := a.ues.UEDetail(ctx, supi)
	if err != nil {
		a.internal(w, err)
		return
	}
	if !ok {
		writeProblem(w, problem{Status: http.StatusNotFound, Detail: "the AMF has no context for " + supi})
		return
	}
	writeJSON(w, http.StatusOK, toUEOut(d))
}

type tunnelOut struct {
	Addr string `json:"address"`
	TEID uint32 `json:"teid"`
}

func tunnel(t n2.Tunnel) *tunnelOut {
	if !t.Addr.IsValid() {
		return nil
	}
	return &tunnelOut{Addr: t.Addr.String(), TEID: t.TEID}
}

type sessionOut struct {
	SUPI         string     `json:"supi"`
	PDUSessionID uint8      `json:"pduSessionId"`
	DNN          string     `json:"dnn"`
	PDUType      string     `json:"pduSessionType"`
	IPv4         string     `json:"ipv4,omitempty"`
	IPv6Prefix   string     `json:"ipv6Prefix,omitempty"`
	UPF          string     `json:"upf"`
	UL           *tunnelOut `json:"ulTunnel,omitempty"`
	DL           *tunnelOut `json:"dlTunnel,omitempty"`
	Active       bool       `json:"userPlaneActive"`
	AMBRUplink   uint64     `json:"ambrUplink"`
	AMBRDownlink uint64     `json:"ambrDownlink"`
	FiveQI       uint8      `json:"5qi"`
	QFI          uint8      `json:"qfi"`
}

// pduType names a PDU session type value. Spec: TS 24.501 §9.11.4.11
func pduType(v uint8) string {
	switch v {
	case n1.PDUSessionTypeIPv4:
		return "IPv4"
	case n1.PDUSessionTypeIPv6:
		return "IPv6"
	case n1.PDUSessionTypeIPv4v6:
		return "IPv4v6"
	case n1.PDUSessionTypeUnstructured:
		return "Unstructured"
	case n1.PDUSessionTypeEthernet:
		return "Ethernet"
	}
	return strconv.Itoa(int(v))
}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request) {
	if a.sessions == nil {
		unavailable(w, "no SMF runs in this process")
		return
	}
	ss := a.sessions.Sessions()
	out := make([]sessionOut, 0, len(ss))
	for _, s := range ss {
		o := sessionOut{SUPI: s.SUPI, PDUSessionID: s.PDUSessionID, DNN: s.DNN, PDUType: pduType(s.PDUType),
			UPF: s.UPF, UL: tunnel(s.UL), DL: tunnel(s.DL), Active: s.Active,
			AMBRUplink: s.AMBRUplink, AMBRDownlink: s.AMBRDownlink, FiveQI: s.FiveQI, QFI: s.QFI}
		if s.IPv4.IsValid() {
			o.IPv4 = s.IPv4.String()
		}
		if s.IPv6Prefix.IsValid() {
			o.IPv6Prefix = s.IPv6Prefix.String()
		}
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (a *API) getStatus(w http.ResponseWriter, r *http.Request) {
	if a.status == nil {
		unavailable(w, "this process reports no NF status")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), liveTimeout)
	defer cancel()
	st := a.status.Status(ctx)
	if st.NFs == nil {
		st.NFs = []NFStatus{}
	}
	writeJSON(w, http.StatusOK, st)
}

func unavailable(w http.ResponseWriter, detail string) {
	writeProblem(w, problem{Status: http.StatusServiceUnavailable, Detail: detail})
}
