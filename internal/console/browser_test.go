package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"go5g/internal/api"
	"go5g/internal/auth"
	"go5g/internal/store"
	"go5g/internal/testenv"
)

// cheap argon2id parameters keep logins fast; the PHC string carries them.
var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// consoleServer serves the API and the console as `go5g core` does, over a
// fresh SQLite store, and returns its URL, the store and the first admin's
// password.
func consoleServer(t *testing.T) (string, store.Store, string) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a, err := api.New(api.Config{Auth: auth.Config{Params: cheap}}, api.Deps{Store: st, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	pw, created, err := a.EnsureAdmin(context.Background())
	if err != nil || !created {
		t.Fatalf("EnsureAdmin: created %v, %v", created, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", a)
	mux.Handle("/", Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, st, pw
}

// browser drives one headless Chromium tab. Every failure saves a
// screenshot into a directory that outlives the test, and any script
// error or CSP violation in the page fails the test at the end.
type browser struct {
	t      *testing.T
	ctx    context.Context
	shots  string
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := testenv.NeedTool(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // tests run as root, where Chromium's sandbox refuses to start
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	b := &browser{t: t, ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "exception: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				msg = "console.error"
				for _, a := range e.Args {
					msg += " " + string(a.Value) + a.Description
				}
			}
		case *log.EventEntryAdded:
			// Network errors (a 401 from /me before login, a 400 from a bad
			// import) are expected; anything else at error level is not,
			// e.g. a Content-Security-Policy violation.
			if e.Entry.Level == log.EntryLevelError && e.Entry.Source != log.EntrySourceNetwork {
				msg = "log " + string(e.Entry.Source) + ": " + e.Entry.Text
			}
		}
		if msg != "" {
			b.mu.Lock()
			b.errors = append(b.errors, msg)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errors {
			t.Errorf("page error: %s", e)
		}
	})
	return b
}

// fail saves a screenshot and the page's text, then fails the test.
func (b *browser) fail(format string, a ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, a...)
	if b.shots == "" {
		dir, err := os.MkdirTemp("/tmp", "go5g-console-shots-")
		if err != nil {
			b.t.Fatalf("%s (and no screenshot directory: %v)", msg, err)
		}
		b.shots = dir
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	name := filepath.Join(b.shots, strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name())+".png")
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.WriteFile(name, png, 0o644)
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		b.t.Fatalf("%s\n(screenshot failed: %v)\npage text:\n%s", msg, err, text)
	}
	b.t.Fatalf("%s\nscreenshot: %s\npage text:\n%s", msg, name, text)
}

// do runs browser actions, failing with a screenshot on error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression into a T.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// waitText waits until the element sel exists and its text contains want.
func (b *browser) waitText(sel, want string) string {
	b.t.Helper()
	q, _ := json.Marshal(sel)
	expr := fmt.Sprintf(`(document.querySelector(%s) || {}).textContent || ""`, q)
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		if got = eval[string](b, expr); strings.Contains(got, want) {
			return got
		}
	}
	b.fail("waiting for %s to contain %q: it says %q", sel, want, got)
	return ""
}

// clear empties an input without events (chromedp's SetValue cannot set
// ""), for SendKeys to type into.
func (b *browser) clear(sel string) chromedp.Action[chromedp.Void] {
	q, _ := json.Marshal(sel)
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%s).value = ""`, q))
}

// count returns how many elements match sel.
func (b *browser) count(sel string) int {
	b.t.Helper()
	q, _ := json.Marshal(sel)
	return eval[int](b, fmt.Sprintf(`document.querySelectorAll(%s).length`, q))
}

// csvFile writes n subscribers imsi-<first>... as a CSV import file.
func csvFile(t *testing.T, first uint64, n int, extra ...string) string {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("supi,k,opc,snssais,dnns,ambr.uplink,ambr.downlink\n")
	for i := range n {
		fmt.Fprintf(&buf, "imsi-%015d,%032x,%032x,1;2:00000a,internet,200 Mbps,1 Gbps\n", first+uint64(i), i+1, i+2)
	}
	for _, l := range extra {
		buf.WriteString(l + "\n")
	}
	p := filepath.Join(t.TempDir(), fmt.Sprintf("subs-%d.csv", n))
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConsoleInBrowser walks the console as an operator would: login
// (refused, rate-limited, accepted), the empty list, add through the form
// with client and API field errors, search, a 250-row CSV import paged
// through, a bad import listing its lines, edit, delete and logout.
func TestConsoleInBrowser(t *testing.T) {
	b := newBrowser(t)
	url, _, adminPW := consoleServer(t)
	C := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	b.do("open the console", chromedp.Navigate(url+"/"), chromedp.WaitVisible(C("#password")))
	if title := eval[string](b, `document.title`); !strings.Contains(title, "Log in") {
		b.fail("title %q", title)
	}

	// A wrong password is refused with a message.
	b.do("wrong password", chromedp.SetValue(C("#password"), "not-the-password"), chromedp.Click(C(`#main button[type=submit]`)))
	b.waitText("#login-error", "Wrong user name or password")

	// Five failures for one name block it: the sixth attempt shows 429.
	for range auth.MaxFailuresPerUser {
		res, err := http.Post(url+"/api/v1/login", "application/json", strings.NewReader(`{"username":"mallory","password":"guess-guess-guess"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	b.do("rate-limited login", chromedp.SetValue(C("#username"), "mallory"), chromedp.SetValue(C("#password"), "guess-guess-guess"),
		chromedp.Click(C(`#main button[type=submit]`)))
	b.waitText("#login-error", "Too many failed logins")

	// The right password opens the empty list.
	b.do("log in", chromedp.SetValue(C("#username"), "admin"), chromedp.SetValue(C("#password"), adminPW),
		chromedp.Click(C(`#main button[type=submit]`)))
	b.waitText("#list-status", "No subscribers yet.")
	b.waitText("#who-name", "admin (admin)")
	if n := b.count("#subscriber-rows tr"); n != 0 {
		b.fail("%d rows in an empty list", n)
	}
	for _, h := range []string{"SUPI", "Auth method", "Slices (S-NSSAI)", "DNNs", "AMBR UL / DL", "K", "Actions"} {
		b.waitText("#subscribers thead", h)
	}

	// Add through the form: a client-side error first, then an API one.
	b.do("open the add form", chromedp.Click(C(`#main a[href="#/subscribers/new"]`)), chromedp.WaitVisible(C("#supi")))
	b.do("fill the form", chromedp.SendKeys(C("#supi"), "imsi-001010000000001"), chromedp.SendKeys(C("#k"), "xyz"),
		chromedp.SendKeys(C("#opc"), "000102030405060708090a0b0c0d0e0f"), chromedp.Click(C("#save")))
	b.waitText("#k-error", "must be 32 hex digits")
	if inv := eval[string](b, `document.getElementById("k").getAttribute("aria-invalid")`); inv != "true" {
		b.fail("K input aria-invalid = %q", inv)
	}
	b.do("fix K, too large an AMBR", chromedp.SetValue(C("#k"), "465b5ce8b199b49faa5f0a2ee238a6bc"),
		chromedp.SetValue(C("#ambrUplink"), "99999999999 Tbps"), chromedp.Click(C("#save")))
	b.waitText("#ambrUplink-error", "too large") // from the API, next to the field
	if e := eval[string](b, `document.getElementById("k-error").textContent`); e != "" {
		b.fail("K error still shown after the fix: %q", e)
	}
	b.do("fix AMBR, save", chromedp.SetValue(C("#ambrUplink"), "500 Mbps"), chromedp.SetValue(C("#dnns"), "internet; ims"),
		chromedp.Click(C("#save")))
	b.waitText("#list-status", "Showing 1–1 of 1")
	row := b.waitText(`tr[data-supi="imsi-001010000000001"]`, "imsi-001010000000001")
	for _, want := range []string{"5G_AKA", "1 (default)", "internet, ims", "500 Mbps / 1 Gbps", "****************************a6bc"} {
		if !strings.Contains(row, want) {
			b.fail("row %q lacks %q", row, want)
		}
	}
	if strings.Contains(eval[string](b, `document.body.innerText`), "465b5ce8b199b49faa5f0a2ee238a6bc") {
		b.fail("the page shows K unmasked")
	}

	// The same SUPI again: the API's 409 is shown.
	b.do("add a duplicate", chromedp.Click(C(`#main a[href="#/subscribers/new"]`)), chromedp.WaitVisible(C("#supi")),
		chromedp.SendKeys(C("#supi"), "imsi-001010000000001"), chromedp.SendKeys(C("#k"), "465b5ce8b199b49faa5f0a2ee238a6bc"),
		chromedp.SendKeys(C("#opc"), "000102030405060708090a0b0c0d0e0f"), chromedp.Click(C("#save")))
	b.waitText("#form-error", "exists already")

	// Import 250 subscribers and page through 251.
	b.do("import 250", chromedp.Navigate(url+"/#/import"), chromedp.WaitVisible(C("#csv-file")),
		chromedp.SetUploadFiles(C("#csv-file"), []string{csvFile(t, 1010000001000, 250)}), chromedp.Click(C("#import-submit")))
	b.waitText("#import-ok", "Imported 250 subscribers")
	b.do("see the list", chromedp.Click(C(`#import-ok a`)))
	b.waitText("#list-status", "Showing 1–100 of 251 (page 1)")
	if n := b.count("#subscriber-rows tr"); n != 100 {
		b.fail("page 1 has %d rows, want 100", n)
	}
	b.do("page 2", chromedp.Click(C("#next")))
	b.waitText("#list-status", "Showing 101–200 of 251 (page 2)")
	b.waitText("#subscriber-rows tr:first-child th", "imsi-001010000001099")
	b.do("page 3", chromedp.Click(C("#next")))
	b.waitText("#list-status", "Showing 201–251 of 251 (page 3)")
	if n := b.count("#subscriber-rows tr"); n != 51 {
		b.fail("page 3 has %d rows, want 51", n)
	}
	if !eval[bool](b, `document.getElementById("next").disabled`) {
		b.fail("Next is enabled on the last page")
	}
	b.do("back to page 2", chromedp.Click(C("#prev")))
	b.waitText("#list-status", "Showing 101–200 of 251 (page 2)")

	// Search by prefix, typed key by key (debounced), in both forms.
	b.do("search", chromedp.SendKeys(C("#search"), "00101000000124"))
	b.waitText("#list-status", "Showing 1–10 of 10 (page 1)")
	b.waitText("#subscriber-rows tr:first-child th", "imsi-001010000001240")
	b.do("search by SUPI", b.clear("#search"), chromedp.SendKeys(C("#search"), "imsi-0010100000000"))
	b.waitText("#list-status", "Showing 1–1 of 1")
	b.do("search nothing", b.clear("#search"), chromedp.SendKeys(C("#search"), "999"))
	b.waitText("#list-status", "No subscriber matches 999.")
	b.do("bad search", b.clear("#search"), chromedp.SendKeys(C("#search"), "imsi-x"))
	b.waitText("#list-error", "Search: ")
	b.do("clear search", b.clear("#search"), chromedp.SendKeys(C("#search"), "0"))
	b.waitText("#list-status", "of 251")

	// A bad import names every bad row's line and imports nothing.
	bad := csvFile(t, 1010000002000, 2,
		"imsi-001010000002002,zz,000102030405060708090a0b0c0d0e0f,1,internet,1 Gbps,1 Gbps",                               // line 4: K
		"imsi-00101,000102030405060708090a0b0c0d0e0f,000102030405060708090a0b0c0d0e0f,1,internet,1 Gbps,1 Gbps",           // line 5: SUPI
		"imsi-001010000002000,000102030405060708090a0b0c0d0e0f,000102030405060708090a0b0c0d0e0f,1,internet,1 Gbps,1 Gbps") // line 6: twice
	b.do("bad import", chromedp.Navigate(url+"/#/import"), chromedp.WaitVisible(C("#csv-file")),
		chromedp.SetUploadFiles(C("#csv-file"), []string{bad}), chromedp.Click(C("#import-submit")))
	b.waitText("#import-error", "3 bad rows; nothing was imported")
	got := eval[[]string](b, `[...document.querySelectorAll("#import-errors tbody tr")].map(r => [...r.cells].map(c => c.textContent).join("|"))`)
	want := []string{"4|imsi-001010000002002|k|", "5|imsi-00101|supi|", "6|imsi-001010000002000|supi|also on line 2"}
	if len(got) != len(want) {
		b.fail("bad rows %q, want %d", got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			b.fail("bad row %d = %q, want prefix %q", i, got[i], want[i])
		}
	}

	// Edit: K kept, DNNs changed.
	b.do("back to the list", chromedp.Navigate(url+"/#/subscribers"))
	b.waitText("#list-status", "of 251")
	b.do("edit", chromedp.Click(C(`tr[data-supi="imsi-001010000000001"] a`)), chromedp.WaitVisible(C("#dnns")))
	if ro := eval[bool](b, `document.getElementById("supi").readOnly`); !ro {
		b.fail("SUPI editable on the edit form")
	}
	b.do("change DNNs", chromedp.SetValue(C("#dnns"), "ims"), chromedp.Click(C("#save")))
	b.waitText("#list-status", "of 251")
	row = b.waitText(`tr[data-supi="imsi-001010000000001"]`, "ims")
	if !strings.Contains(row, "****a6bc") || strings.Contains(row, "internet") {
		b.fail("edited row %q: want K kept and DNNs ims only", row)
	}

	// Delete, cancelled then confirmed.
	b.do("delete, cancel", chromedp.Click(C(`tr[data-supi="imsi-001010000000001"] button`)), chromedp.WaitVisible(C("#confirm-cancel")),
		chromedp.Click(C("#confirm-cancel")))
	if b.count(`tr[data-supi="imsi-001010000000001"]`) != 1 {
		b.fail("cancelled delete removed the row")
	}
	b.do("delete, confirm", chromedp.Click(C(`tr[data-supi="imsi-001010000000001"] button`)), chromedp.WaitVisible(C("#confirm-ok")),
		chromedp.Click(C("#confirm-ok")))
	b.waitText("#list-status", "of 250")
	if b.count(`tr[data-supi="imsi-001010000000001"]`) != 0 {
		b.fail("deleted subscriber still listed")
	}

	// Log out: the session is gone, also after a reload.
	b.do("log out", chromedp.Click(C("#logout")), chromedp.WaitVisible(C("#password")))
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(C("#password")))
	if n := b.count("#subscriber-rows"); n != 0 {
		b.fail("the list is shown after logout")
	}

	// A read-only user sees the list but no way to change it.
	addUser(t, url, adminPW, "viewer", "read-only", "viewer-password-1")
	b.do("log in read-only", chromedp.SetValue(C("#username"), "viewer"), chromedp.SetValue(C("#password"), "viewer-password-1"),
		chromedp.Click(C(`#main button[type=submit]`)))
	b.waitText("#list-status", "of 250")
	b.waitText("#who-name", "viewer (read-only)")
	if n := b.count(`a[href="#/subscribers/new"]:not([hidden]), a[href="#/import"]:not([hidden]), #subscriber-rows button, #subscriber-rows a`); n != 0 {
		b.fail("%d add/import/edit/delete controls shown to a read-only user", n)
	}
	b.do("open the add form by URL", chromedp.Navigate(url+"/#/subscribers/new"))
	b.waitText("#main h1", "Not found")
}

// addUser creates a console user through the API as the admin.
func addUser(t *testing.T, url, adminPW, name, role, password string) {
	t.Helper()
	res, err := http.Post(url+"/api/v1/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, adminPW)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var me struct{ CSRFToken string }
	if err := json.NewDecoder(res.Body).Decode(&me); err != nil || res.StatusCode != 200 {
		t.Fatalf("admin login: %d %v", res.StatusCode, err)
	}
	req, _ := http.NewRequest("POST", url+"/api/v1/users",
		strings.NewReader(fmt.Sprintf(`{"name":%q,"role":%q,"password":%q}`, name, role, password)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", me.CSRFToken)
	for _, c := range res.Cookies() {
		req.AddCookie(c)
	}
	res2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusCreated {
		t.Fatalf("create user %s: %d", name, res2.StatusCode)
	}
}
