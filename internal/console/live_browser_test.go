package console

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"go5g/internal/amf"
	"go5g/internal/api"
	"go5g/internal/auth"
	"go5g/internal/n2"
	"go5g/internal/store"
)

// liveAMF is a stand-in AMF whose UEs the test changes while the page is
// open; calls counts the API's queries, to see the refresh stop.
type liveAMF struct {
	mu    sync.Mutex
	ues   []amf.UEDetail
	calls int
}

func (f *liveAMF) GNBs(context.Context) ([]amf.GNBInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return []amf.GNBInfo{{Name: "gnb-north", Address: "127.0.0.1:40000", SetUp: true, UEs: len(f.ues),
		ID:  n2.GlobalGNBID{PLMN: n2.PLMN{MCC: "001", MNC: "01"}, ID: 0x42, IDLength: 22},
		TAs: []n2.SupportedTA{{TAC: 1, PLMNs: []n2.BroadcastPLMN{{PLMN: n2.PLMN{MCC: "001", MNC: "01"}, Slices: []n2.SNSSAI{{SST: 1}}}}}}}}, nil
}

func (f *liveAMF) UEPage(_ context.Context, limit int, after string) ([]amf.UEDetail, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []amf.UEDetail
	for _, u := range f.ues {
		if u.SUPI > after {
			out = append(out, u)
		}
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

func (f *liveAMF) UEDetail(_ context.Context, supi string) (amf.UEDetail, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.ues, func(u amf.UEDetail) bool { return u.SUPI == supi })
	if i < 0 {
		return amf.UEDetail{}, false, nil
	}
	return f.ues[i], true, nil
}

func (f *liveAMF) add(supi string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ues = append(f.ues, amf.UEDetail{SUPI: supi, GUTI: "001-01-010040-00000001", State: "5GMM-REGISTERED",
		CM: "CM-CONNECTED", GNBName: "gnb-north", AMFUENGAPID: 1, RANUENGAPID: 1, Procedure: "none", RegistrationStarted: time.Now()})
}

func (f *liveAMF) queries() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// TestNetworkInBrowser: the Network page lists the gNBs and UEs, shows a
// UE that registers while it is open (the 2 s refresh), says the user
// plane is off and why, and stops polling once the user leaves it.
func TestNetworkInBrowser(t *testing.T) {
	b := newBrowser(t)
	st, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &liveAMF{}
	f.add("imsi-001010000000001")
	a, err := api.New(api.Config{Auth: auth.Config{Params: cheap}}, api.Deps{Store: st, Log: slog.New(slog.DiscardHandler),
		RAN: f, UEs: f, Status: api.StatusFunc(func(context.Context) api.NetworkStatus {
			return api.NetworkStatus{NFs: []api.NFStatus{{Name: "amf", Running: true, Counters: map[string]int64{"gnbs": 1}}},
				UserPlane: api.UserPlaneStatus{Reason: "off: no UPF configured"}}
		})})
	if err != nil {
		t.Fatal(err)
	}
	pw, _, err := a.EnsureAdmin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", a)
	mux.Handle("/", Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	C := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	b.do("open the console", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(C("#password")))
	b.do("log in", chromedp.SetValue(C("#username"), "admin"), chromedp.SetValue(C("#password"), pw),
		chromedp.Click(C(`#main button[type=submit]`)))
	b.waitText("#who-name", "admin (admin)")
	b.do("open Network", chromedp.Click(C(`#nav a[href="#/network"]`)))
	b.waitText("#main h1", "Network")
	b.waitText("#gnb-rows", "gnb-north")
	b.waitText("#gnb-rows", "001-01 42/22")
	b.waitText("#gnb-rows", "TAC 1 (1)")
	b.waitText("#ue-rows", "imsi-001010000000001")
	b.waitText("#ue-rows", "CM-CONNECTED")
	b.waitText("#network-status", "User plane off: off: no UPF configured")
	b.waitText("#nf-rows", "AMF")
	// No SMF is wired: that part says so, the rest still shows.
	b.waitText("#network-error", "no SMF runs in this process")

	// A UE that registers now shows up without a reload.
	f.add("imsi-001010000000002")
	b.waitText(`#ue-rows tr[data-supi="imsi-001010000000002"]`, "5GMM-REGISTERED")
	if n := b.count("#ue-rows tr"); n != 2 {
		b.fail("%d UE rows, want 2", n)
	}

	// Leaving the page stops the refresh.
	b.do("leave Network", chromedp.Click(C(`#nav a[href="#/subscribers"]`)))
	b.waitText("#main h1", "Subscribers")
	before := f.queries()
	time.Sleep(4500 * time.Millisecond)         // two refresh periods
	if after := f.queries(); after > before+1 { // one request may have been in flight
		b.fail("the Network page kept polling after it was left: %d queries, then %d", before, after)
	}
	if strings.Contains(eval[string](b, `document.body.innerText`), "gnb-north") {
		b.fail("Network rows remain on the subscribers page")
	}
}
