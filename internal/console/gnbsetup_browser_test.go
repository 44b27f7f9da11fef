package console

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"go5g/internal/amf"
	"go5g/internal/api"
	"go5g/internal/auth"
	"go5g/internal/store"
)

// setUpRAN is an AMF with one gNB set up at a fixed time and one
// association still waiting for NG Setup.
type setUpRAN struct{ at time.Time }

func (f setUpRAN) GNBs(context.Context) ([]amf.GNBInfo, error) {
	return []amf.GNBInfo{
		{Name: "gnb-east", Address: "127.0.0.1:40001", SetUp: true, SetUpAt: f.at},
		{Address: "127.0.0.1:40002"},
	}, nil
}

// TestGNBSetUpTimeInBrowser: the Network page says when each gNB completed
// NG Setup, in the browser's local time.
func TestGNBSetUpTimeInBrowser(t *testing.T) {
	b := newBrowser(t)
	st, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 11, 25, 6, 59, 0, 0, time.UTC)
	a, err := api.New(api.Config{Auth: auth.Config{Params: cheap}}, api.Deps{Store: st, Log: slog.New(slog.DiscardHandler),
		RAN: setUpRAN{at: at}})
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

	b.do("log in", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(C("#password")),
		chromedp.SetValue(C("#username"), "admin"), chromedp.SetValue(C("#password"), pw),
		chromedp.Click(C(`#main button[type=submit]`)))
	b.waitText("#who-name", "admin (admin)")
	b.do("open Network", chromedp.Click(C(`#nav a[href="#/network"]`)))
	local := eval[string](b, `new Date("2026-11-25T06:59:00Z").toLocaleString()`)
	b.waitText(`#gnb-rows tr[data-gnb="gnb-east"]`, "set up "+local)
	b.waitText(`#gnb-rows tr[data-gnb="127.0.0.1:40002"]`, "awaiting NG Setup")
}
