package console

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"go5g/internal/auth"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// TestAdminPagesInBrowser walks the admin pages: the admin adds an
// operator, changes a role (refused for the last admin), creates an API
// token that is shown once and then works from a script, reads both
// changes in the audit log, generates a home network key and deletes it;
// then the operator finds no admin actions.
func TestAdminPagesInBrowser(t *testing.T) {
	b := newBrowser(t)
	url, st, adminPW := consoleServer(t)
	C := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// setSelect picks an option the way a user does: the change event fires.
	setSelect := func(sel, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
			`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); })()`, sel, value))
	}
	login := func(name, pw string) {
		t.Helper()
		b.do("log in as "+name, chromedp.Navigate(url+"/"), chromedp.WaitVisible(C("#password")),
			chromedp.SetValue(C("#username"), name), chromedp.SetValue(C("#password"), pw),
			chromedp.Click(C(`#main button[type=submit]`)))
		b.waitText("#who-name", name+" (")
	}
	login("admin", adminPW)
	for _, link := range []string{"#/users", "#/tokens", "#/audit", "#/keys"} {
		if n := b.count(`#nav a[href="` + link + `"]:not([hidden])`); n != 1 {
			b.fail("admin: nav link %s shown %d times", link, n)
		}
	}

	// Users: add an operator; a client-side error first.
	b.do("users page", chromedp.Click(C(`#nav a[href="#/users"]`)), chromedp.WaitVisible(C("#user-name")))
	b.waitText(`#user-rows tr[data-user="admin"]`, "admin (you)")
	b.do("add a user, short password", chromedp.SendKeys(C("#user-name"), "olivia"), chromedp.SendKeys(C("#user-password"), "short"),
		setSelect("#user-role", "operator"), chromedp.Click(C("#user-create")))
	b.waitText("#user-password-error", "at least 12 characters")
	b.do("add a user", chromedp.SetValue(C("#user-password"), "olivia-password-1"), chromedp.Click(C("#user-create")))
	b.waitText(`#user-rows tr[data-user="olivia"]`, "olivia")
	if role := eval[string](b, `document.querySelector('tr[data-user="olivia"] select').value`); role != "operator" {
		b.fail("olivia's role %q, want operator", role)
	}
	// The same name again: the API's 409.
	b.do("add a duplicate", chromedp.SendKeys(C("#user-name"), "olivia"), chromedp.SendKeys(C("#user-password"), "olivia-password-1"),
		chromedp.Click(C("#user-create")))
	b.waitText("#user-form-error", "exists already")

	// Change a role, and try to demote the last admin: refused, select reverted.
	b.do("make olivia read-only", setSelect(`tr[data-user="olivia"] select`, "read-only"))
	acc, err := store.AccountsOf(st)
	if err != nil {
		t.Fatal(err)
	}
	waitRole := func(name string, want store.Role) {
		t.Helper()
		var u store.User
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if u, err = acc.GetUser(t.Context(), name); err == nil && u.Role == want {
				return
			}
		}
		b.fail("%s is %q (%v), want %s", name, u.Role, err, want)
	}
	waitRole("olivia", store.RoleReadOnly)
	b.do("make olivia operator again", setSelect(`tr[data-user="olivia"] select`, "operator"))
	waitRole("olivia", store.RoleOperator)
	b.do("demote the last admin", setSelect(`tr[data-user="admin"] select`, "operator"))
	b.waitText("#users-error", "last admin")
	if role := eval[string](b, `document.querySelector('tr[data-user="admin"] select').value`); role != "admin" {
		b.fail("the refused change left the select at %q", role)
	}

	// API tokens: create one; its text is shown once and works from a script.
	b.do("tokens page", chromedp.Click(C(`#nav a[href="#/tokens"]`)), chromedp.WaitVisible(C("#token-name")))
	b.waitText("#tokens-status", "No tokens")
	b.do("create a token", chromedp.SendKeys(C("#token-name"), "provisioning"), setSelect("#token-role", "operator"),
		chromedp.Click(C("#token-create")))
	b.waitText("#token-once", "shown only this once")
	token := eval[string](b, `document.getElementById("token-text").value`)
	if !strings.HasPrefix(token, "go5g_") {
		b.fail("token text %q", token)
	}
	b.waitText("#token-rows", "provisioning")
	b.do("copy the token", chromedp.Click(C("#token-copy")))
	b.waitText("#toast", "Cop") // "Copied." or, without clipboard access, what to do
	api := func(method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := api("POST", "/api/v1/subscribers", `{"supi":"imsi-001010000000001","k":"000102030405060708090a0b0c0d0e0f","opc":"101112131415161718191a1b1c1d1e1f"}`); code != 201 {
		b.fail("create a subscriber with the operator token: %d", code)
	}
	if code := api("GET", "/api/v1/users", ""); code != 403 {
		b.fail("list users with the operator token: %d, want 403", code)
	}
	b.do("leave and come back", chromedp.Click(C(`#nav a[href="#/keys"]`)), chromedp.WaitVisible(C("#key-rows")),
		chromedp.Click(C(`#nav a[href="#/tokens"]`)), chromedp.WaitVisible(C("#token-name")))
	b.waitText("#token-rows", "provisioning")
	b.waitText("#tokens-status", "1 token(s).")
	if strings.Contains(eval[string](b, `document.body.innerText + [...document.querySelectorAll("input")].map(i => i.value).join(" ")`), token) {
		b.fail("the token is shown again")
	}

	// Another admin's token is listed only on request.
	svc, err := auth.New(acc, auth.Config{Params: cheap})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateAPIToken(t.Context(), "someone else's", store.RoleReadOnly, "user:another-admin"); err != nil {
		t.Fatal(err)
	}
	b.do("reload tokens", chromedp.Reload(), chromedp.WaitVisible(C("#token-name")))
	b.waitText("#tokens-status", "1 token(s); 1 more created by others.")
	b.do("show everyone's", chromedp.Click(C("#tokens-all")))
	b.waitText("#tokens-status", "2 token(s).")
	b.waitText("#token-rows", "user:another-admin")
	b.do("only mine", chromedp.Click(C("#tokens-all")))
	b.waitText("#tokens-status", "1 token(s);")

	// The audit log has both changes, newest first, and filters them.
	b.do("audit page", chromedp.Click(C(`#nav a[href="#/audit"]`)), chromedp.WaitVisible(C("#audit-action")))
	b.waitText("#audit-status", "Page 1")
	rows := eval[[]string](b, `[...document.querySelectorAll("#audit-rows tr")].map(r => [...r.cells].slice(1, 4).map(c => c.textContent).join(" "))`)
	want := []string{"token:", "user:admin token.create", "user:admin user.update olivia", "user:admin user.update olivia", "user:admin user.create olivia"}
	if len(rows) != len(want) {
		b.fail("audit rows %q, want %d", rows, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(rows[i], w) {
			b.fail("audit row %d = %q, want prefix %q", i, rows[i], w)
		}
	}
	if !strings.Contains(rows[0], "subscriber.create imsi-001010000000001") {
		b.fail("newest audit row %q: want the token's subscriber.create", rows[0])
	}
	b.do("filter by action", chromedp.SendKeys(C("#audit-action"), "user."))
	b.waitText("#audit-status", "3 of 5 entries match")
	b.do("filter by user", b.clear("#audit-action"), chromedp.SendKeys(C("#audit-actor"), "token:"))
	b.waitText("#audit-status", "1 of 5 entries match")
	b.do("clear the filter", b.clear("#audit-actor"), chromedp.SendKeys(C("#audit-actor"), "user"))
	b.waitText("#audit-status", "4 of 5")
	// 50 more entries: the first page is the newest 50, the second the rest.
	for i := range 50 {
		if _, err := acc.AddAudit(t.Context(), store.AuditEntry{At: time.Now(), Actor: "test", Action: "test.entry", Target: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	b.do("newest", chromedp.Evaluate[chromedp.Void](`(() => { const i = document.getElementById("audit-actor"); i.value = ""; i.dispatchEvent(new Event("input")); })()`),
		chromedp.Click(C("#audit-refresh")))
	b.waitText("#audit-status", "Page 1: 50 of 50 entries.")
	b.waitText("#audit-rows tr:first-child", "test.entry49")
	b.do("older", chromedp.Click(C("#audit-older")))
	b.waitText("#audit-status", "Page 2: 5 of 5 entries.")
	b.waitText("#audit-rows tr:last-child", "user.createolivia")
	if !eval[bool](b, `document.getElementById("audit-older").disabled`) {
		b.fail("Older is enabled on the last page")
	}
	b.do("newer", chromedp.Click(C("#audit-newer")))
	b.waitText("#audit-status", "Page 1: 50 of 50")

	// Home network keys: none, generate one (profile B), see it, delete it.
	b.do("keys page", chromedp.Click(C(`#nav a[href="#/keys"]`)), chromedp.WaitVisible(C("#key-id")))
	b.waitText("#keys-status", "No keys")
	b.do("generate a key", setSelect("#key-profile", "B"), chromedp.Click(C("#key-generate")))
	b.waitText("#key-once", "Generated key 1, profile B")
	pub := eval[string](b, `document.getElementById("key-public").value`)
	if len(pub) != 66 {
		b.fail("profile B public key %q: want 33 octets in hex", pub)
	}
	row := b.waitText(`#key-rows tr[data-key="1"]`, pub)
	if !strings.Contains(row, "B (P-256)") {
		b.fail("key row %q", row)
	}
	keys, err := st.HomeNetworkKeys(t.Context())
	if err != nil || len(keys) != 1 || keys[0].PublicKey().String() != pub {
		b.fail("stored keys %v %v: want the one shown", keys, err)
	}
	if v := eval[string](b, `document.getElementById("key-id").value`); v != "2" {
		b.fail("suggested next key id %q, want 2", v)
	}
	b.do("taken id", chromedp.SetValue(C("#key-id"), "1"), chromedp.Click(C("#key-generate")))
	b.waitText("#key-id-error", "taken")
	b.do("delete, cancel", chromedp.Click(C(`#key-rows tr[data-key="1"] button`)), chromedp.WaitVisible(C("#confirm-cancel")))
	b.waitText("#confirm-text", "rejected from the next registration")
	b.waitText("#confirm-text", "It is the last key")
	b.do("cancel", chromedp.Click(C("#confirm-cancel")))
	if b.count(`#key-rows tr[data-key="1"]`) != 1 {
		b.fail("cancelled delete removed the key")
	}
	b.do("delete, confirm", chromedp.Click(C(`#key-rows tr[data-key="1"] button`)), chromedp.WaitVisible(C("#confirm-ok")),
		chromedp.Click(C("#confirm-ok")))
	b.waitText("#keys-status", "No keys")

	// The operator: no admin links, no user actions, keys read-only.
	b.do("log out", chromedp.Click(C("#logout")), chromedp.WaitVisible(C("#password")))
	login("olivia", "olivia-password-1")
	b.waitText("#who-name", "olivia (operator)")
	for _, link := range []string{"#/users", "#/tokens", "#/audit"} {
		if n := b.count(`#nav a[href="` + link + `"]:not([hidden])`); n != 0 {
			b.fail("operator: nav link %s shown", link)
		}
	}
	b.do("users page by URL", chromedp.Navigate(url+"/#/users"))
	b.waitText("#users-note", "Only an admin")
	if n := b.count(`#main button, #main form, #main select, #main input, #user-rows`); n != 0 {
		b.fail("operator: %d user controls on the Users page", n)
	}
	b.do("tokens page by URL", chromedp.Navigate(url+"/#/tokens"))
	b.waitText("#tokens-note", "Only an admin")
	b.do("audit page by URL", chromedp.Navigate(url+"/#/audit"))
	b.waitText("#audit-note", "Only an admin")
	k, err := suci.GenerateKey(suci.ProfileA, 9, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddHomeNetworkKey(t.Context(), k); err != nil {
		t.Fatal(err)
	}
	b.do("keys page", chromedp.Click(C(`#nav a[href="#/keys"]`)))
	b.waitText(`#key-rows tr[data-key="9"]`, k.PublicKey().String())
	if n := b.count(`#main button, #main form`); n != 0 {
		b.fail("operator: %d key controls", n)
	}
}
