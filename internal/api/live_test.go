package api

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"go5g/internal/amf"
	"go5g/internal/n2"
	"go5g/internal/smf"
)

// fakeAMF serves gNBs and UEs from slices, paging as the AMF does.
type fakeAMF struct {
	gnbs []amf.GNBInfo
	ues  []amf.UEDetail // sorted by SUPI
	err  error
}

func (f *fakeAMF) GNBs(context.Context) ([]amf.GNBInfo, error) { return f.gnbs, f.err }

func (f *fakeAMF) UEPage(_ context.Context, limit int, after string) ([]amf.UEDetail, bool, error) {
	var out []amf.UEDetail
	for _, u := range f.ues {
		if u.SUPI > after {
			out = append(out, u)
		}
	}
	if len(out) > limit {
		return out[:limit], true, f.err
	}
	return out, false, f.err
}

func (f *fakeAMF) UEDetail(_ context.Context, supi string) (amf.UEDetail, bool, error) {
	for _, u := range f.ues {
		if u.SUPI == supi {
			return u, true, f.err
		}
	}
	return amf.UEDetail{}, false, f.err
}

type fakeSMF []smf.SessionInfo

func (f fakeSMF) Sessions() []smf.SessionInfo { return f }

// withLiveFakes wires an AMF with one UE, an SMF without sessions and a
// status into e's API.
func withLiveFakes(e *env) {
	f := &fakeAMF{ues: []amf.UEDetail{{SUPI: "imsi-001010000000001", State: "5GMM-REGISTERED", CM: "CM-IDLE"}}}
	e.api.ran, e.api.ues, e.api.sessions = f, f, fakeSMF{}
	e.api.status = StatusFunc(func(context.Context) NetworkStatus { return NetworkStatus{} })
}

func TestLive(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	live := []string{"/api/v1/gnbs", "/api/v1/ues", "/api/v1/ues/imsi-001010000000001", "/api/v1/sessions", "/api/v1/status"}

	// No NF wired: 503 for every part, and still 401 before that.
	for _, p := range live {
		e.problemOf(e.do(e.anon, "GET", p, ""), 401, "")
		e.problemOf(e.do(e.readOnly, "GET", p, ""), 503, "")
	}

	reg := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	setUpAt := time.Date(2026, 11, 25, 7, 59, 0, 0, time.FixedZone("CET", 3600))
	f := &fakeAMF{gnbs: []amf.GNBInfo{{Name: "gnb-0", Address: "127.0.0.1:9898"}, {Name: "gnb-1", Address: "127.0.0.1:9899", SetUp: true, SetUpAt: setUpAt, UEs: 1,
		ID:  n2.GlobalGNBID{PLMN: n2.PLMN{MCC: "001", MNC: "01"}, ID: 0x1, IDLength: 22},
		TAs: []n2.SupportedTA{{TAC: 1, PLMNs: []n2.BroadcastPLMN{{PLMN: n2.PLMN{MCC: "001", MNC: "01"}, Slices: []n2.SNSSAI{{SST: 1, SD: 0x10203, HasSD: true}}}}}}}}}
	for i := range 5 {
		u := amf.UEDetail{SUPI: "imsi-00101000000000" + string(rune('1'+i)), State: "5GMM-REGISTERED", CM: "CM-IDLE", Procedure: "none"}
		if i == 0 {
			u.CM, u.GNBName, u.AMFUENGAPID, u.RANUENGAPID, u.GUTI, u.RegistrationStarted = "CM-CONNECTED", "gnb-1", 7, 0, "001-01-cafe00-00000001", reg
		}
		f.ues = append(f.ues, u)
	}
	e.api.ran, e.api.ues = f, f
	e.api.sessions = fakeSMF{{SUPI: "imsi-001010000000001", PDUSessionID: 1, DNN: "internet", PDUType: 1,
		IPv4: netip.MustParseAddr("10.45.0.2"), UPF: "upf", UL: n2.Tunnel{Addr: netip.MustParseAddr("127.0.0.8"), TEID: 9}}}
	e.api.status = StatusFunc(func(context.Context) NetworkStatus {
		return NetworkStatus{NFs: []NFStatus{{Name: "amf", Running: true, Counters: map[string]int64{"uesRegistered": 5}}},
			UserPlane: UserPlaneStatus{Reason: "off: no TUN"}}
	})

	// Every live endpoint is open to read-only, tokens and admins.
	for _, c := range []cred{e.readOnly, e.token, e.admin} {
		for _, p := range live {
			e.mustStatus(c, "GET", p, "", 200)
		}
	}
	// Writes are not routes.
	e.problemOf(e.do(e.admin, "DELETE", "/api/v1/ues/imsi-001010000000001", ""), 405, "")

	var gnbs struct{ Items []gnbOut }
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/gnbs", "", 200), &gnbs)
	if len(gnbs.Items) != 2 || gnbs.Items[1].Name != "gnb-1" || gnbs.Items[1].GlobalID == nil ||
		gnbs.Items[1].GlobalID.GNBID != "1" || len(gnbs.Items[1].TAs) != 1 || gnbs.Items[1].TAs[0].Slices[0].SD != "010203" {
		t.Errorf("gnbs %+v", gnbs.Items)
	}
	// The NG Setup time, in UTC; absent before NG Setup.
	if at := gnbs.Items[1].SetUpAt; at == nil || !at.Equal(setUpAt) || at.Location() != time.UTC || gnbs.Items[0].SetUpAt != nil {
		t.Errorf("ngSetupAt %v, %v", gnbs.Items[1].SetUpAt, gnbs.Items[0].SetUpAt)
	}
	if body := e.mustStatus(e.readOnly, "GET", "/api/v1/gnbs", "", 200).Body.String(); !strings.Contains(body, `"ngSetupAt":"2026-11-25T06:59:00Z"`) ||
		strings.Count(body, "ngSetupAt") != 1 {
		t.Errorf("gnbs JSON %s", body)
	}

	// Pages of two walk all five UEs in SUPI order.
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		var p uePage
		e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/ues?limit=2&cursor="+cursor, "", 200), &p)
		if len(p.Items) > 2 {
			t.Fatalf("page of %d, limit 2", len(p.Items))
		}
		for _, u := range p.Items {
			got = append(got, u.SUPI)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	want := []string{"imsi-001010000000001", "imsi-001010000000002", "imsi-001010000000003", "imsi-001010000000004", "imsi-001010000000005"}
	if !slices.Equal(got, want) {
		t.Errorf("paged SUPIs %v, want %v", got, want)
	}
	e.problemOf(e.do(e.readOnly, "GET", "/api/v1/ues?limit=0", ""), 400, "limit")
	e.problemOf(e.do(e.readOnly, "GET", "/api/v1/ues?limit=1001", ""), 400, "limit")
	e.problemOf(e.do(e.readOnly, "GET", "/api/v1/ues?cursor=***", ""), 400, "cursor")

	var u ueOut
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/ues/imsi-001010000000001", "", 200), &u)
	if u.CM != "CM-CONNECTED" || u.AMFUENGAPID == nil || *u.AMFUENGAPID != 7 || u.RANUENGAPID == nil || *u.RANUENGAPID != 0 ||
		u.GUTI != "001-01-cafe00-00000001" || u.RegistrationStarted == nil || !u.RegistrationStarted.Equal(reg) {
		t.Errorf("connected UE %+v", u)
	}
	var idle ueOut
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/ues/imsi-001010000000002", "", 200), &idle)
	if u = idle; u.CM != "CM-IDLE" || u.AMFUENGAPID != nil || u.RegistrationStarted != nil {
		t.Errorf("idle UE %+v: no NGAP IDs or time expected", u)
	}
	e.problemOf(e.do(e.readOnly, "GET", "/api/v1/ues/imsi-001019999999999", ""), 404, "")

	var ss struct{ Items []sessionOut }
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/sessions", "", 200), &ss)
	if len(ss.Items) != 1 || ss.Items[0].IPv4 != "10.45.0.2" || ss.Items[0].PDUType != "IPv4" || ss.Items[0].UL == nil ||
		ss.Items[0].UL.TEID != 9 || ss.Items[0].DL != nil {
		t.Errorf("sessions %+v", ss.Items)
	}

	var st NetworkStatus
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/status", "", 200), &st)
	if len(st.NFs) != 1 || st.NFs[0].Counters["uesRegistered"] != 5 || st.UserPlane.On || !strings.HasPrefix(st.UserPlane.Reason, "off") {
		t.Errorf("status %+v", st)
	}

	// An AMF that fails to answer is a 500 that leaks nothing.
	f.err = errors.New("amf: not running")
	w := e.do(e.readOnly, "GET", "/api/v1/ues", "")
	e.problemOf(w, 500, "")
	if strings.Contains(w.Body.String(), "not running") {
		t.Errorf("internal error detail in the response: %s", w.Body)
	}
}
