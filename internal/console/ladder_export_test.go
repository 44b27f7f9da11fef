package console

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser gives the headless browser helpers of browser_test.go to the
// external tests of this directory (package console_test): those start
// `go5g core`, which imports this package, so they cannot live in it.
type Browser struct{ b *browser }

// NewBrowser starts a headless Chromium tab for t (skipped without one).
func NewBrowser(t *testing.T) *Browser { return &Browser{newBrowser(t)} }

// Do runs actions, failing with a screenshot on error.
func (b *Browser) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.b.t.Helper()
	b.b.do(what, steps...)
}

// WaitText waits until sel's text contains want.
func (b *Browser) WaitText(sel, want string) string {
	b.b.t.Helper()
	return b.b.waitText(sel, want)
}

// Count is how many elements match sel.
func (b *Browser) Count(sel string) int {
	b.b.t.Helper()
	return b.b.count(sel)
}

// EvalString evaluates a JavaScript expression that yields a string.
func (b *Browser) EvalString(expr string) string {
	b.b.t.Helper()
	return eval[string](b.b, expr)
}

// Fail saves a screenshot and the page's text, then fails the test.
func (b *Browser) Fail(format string, a ...any) {
	b.b.t.Helper()
	b.b.fail(format, a...)
}

// Screenshot saves the whole page as a PNG at path.
func (b *Browser) Screenshot(path string) {
	b.b.t.Helper()
	ctx, cancel := context.WithTimeout(b.b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		b.b.t.Fatalf("screenshot: %v", err)
	}
}
