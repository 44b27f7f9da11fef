package console

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"go5g/internal/store"
)

// TestConsoleLoad100k measures what an operator waits for with 100,000
// subscribers: a full page load (navigation start to the first page of the
// list rendered, through GET /me and the first page with its total). The
// times are logged, not asserted: a busy machine is not a failure.
func TestConsoleLoad100k(t *testing.T) {
	if testing.Short() {
		t.Skip("adds 100,000 subscribers")
	}
	const n = 100_000
	b := newBrowser(t)
	url, st, pw := consoleServer(t)
	subs, err := store.Subscriber{SUPI: "imsi-001010000000000", K: make([]byte, 16), OPc: make([]byte, 16),
		AuthMethod: store.AuthMethod5GAKA, SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
		DNNs: []string{"internet"}, AMBR: store.AMBR{Uplink: 1e9, Downlink: 1e9}}.Range(n)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := st.AddSubscribers(context.Background(), subs...); err != nil {
		t.Fatal(err)
	}
	t.Logf("stored %d subscribers in %v", n, time.Since(start).Round(time.Millisecond))

	C := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b.do("log in", chromedp.Navigate(url+"/"), chromedp.WaitVisible(C("#password")),
		chromedp.SetValue(C("#password"), pw), chromedp.Click(C(`#main button[type=submit]`)))
	b.waitText("#list-status", "Showing 1–100 of 10,000+ (page 1)")

	var loads []time.Duration
	for range 5 {
		b.do("reload", chromedp.Reload())
		b.waitText("#list-status", "of 10,000+")
		ms := eval[float64](b, `performance.getEntriesByName("subscribers-rendered")[0].startTime`)
		loads = append(loads, time.Duration(ms*float64(time.Millisecond)))
	}
	slices.Sort(loads)
	t.Logf("page load to list rendered at %d subscribers: median %v, min %v, max %v",
		n, loads[len(loads)/2].Round(time.Millisecond), loads[0].Round(time.Millisecond), loads[len(loads)-1].Round(time.Millisecond))

	// Next page and a search, timed in the page from the click or the
	// last key to the list rendered (the search includes its 250 ms debounce).
	t0 := eval[float64](b, `performance.now()`)
	b.do("next page", chromedp.Click(C("#next")))
	b.waitText("#list-status", "Showing 101–200 of 10,000+ (page 2)")
	t1 := eval[float64](b, `performance.getEntriesByName("subscribers-rendered").at(-1).startTime`)
	b.do("search", chromedp.SendKeys(C("#search"), "0010100000999"))
	t2 := eval[float64](b, `performance.now()`)
	b.waitText("#list-status", "Showing 1–100 of 100 (page 1)")
	t3 := eval[float64](b, `performance.getEntriesByName("subscribers-rendered").at(-1).startTime`)
	t.Logf("next page: %.0f ms; search: %.0f ms after the last key (250 ms of it debounce)", t1-t0, t3-t2)
}
