package console

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"go5g/internal/store/storetest"
)

// TestListTotalLowerBound: past 10,000 subscribers the API stops counting
// and says the total is a lower bound; the list shows "of 10,000+", and
// the exact count with thousands separators below that.
func TestListTotalLowerBound(t *testing.T) {
	b := newBrowser(t)
	url, st, adminPW := consoleServer(t)
	subs, err := storetest.Sample("imsi-001010000100000").Range(10_001)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddSubscribers(context.Background(), subs...); err != nil {
		t.Fatal(err)
	}
	C := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b.do("log in", chromedp.Navigate(url+"/"), chromedp.WaitVisible(C("#password")),
		chromedp.SetValue(C("#username"), "admin"), chromedp.SetValue(C("#password"), adminPW),
		chromedp.Click(C(`#main button[type=submit]`)))
	b.waitText("#list-status", "Showing 1–100 of 10,000+ (page 1)")
	if v := eval[string](b, `document.getElementById("list-status").dataset.totalIsLowerBound`); v != "true" {
		b.fail("data-total-is-lower-bound = %q", v)
	}
	// Page 2 keeps the first page's total.
	b.do("page 2", chromedp.Click(C("#next")))
	b.waitText("#list-status", "Showing 101–200 of 10,000+ (page 2)")
	// One fewer: exact again.
	if err := st.DeleteSubscriber(context.Background(), "imsi-001010000110000"); err != nil {
		t.Fatal(err)
	}
	b.do("search", chromedp.SendKeys(C("#search"), "0010100001"))
	b.waitText("#list-status", "Showing 1–100 of 10,000 (page 1)")
	if v := eval[string](b, `document.getElementById("list-status").dataset.totalIsLowerBound`); v != "false" {
		b.fail("data-total-is-lower-bound = %q", v)
	}
}
