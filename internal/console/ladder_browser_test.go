package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"go5g/internal/auth"
	"go5g/internal/console"
	"go5g/internal/core/coretest"
	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/fleet"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// TestLadderInBrowser walks the console against `go5g core` in-process:
// an operator logs in, adds a subscriber through the form, a simulated
// UE of that subscriber registers through a simulated gNB (SCTP over UDP
// on loopback), the Network page shows it registered, and its ladder
// diagram draws the registration from Registration request to
// Registration complete, in order, each arrow between the right lanes.
func TestLadderInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a core and a browser")
	}
	b := console.NewBrowser(t)
	c := coretest.Start(t, coretest.Config(t.TempDir()), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	acc, err := store.AccountsOf(c.Store())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(acc, auth.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const user, password = "olga", "password-of-olga"
	u, err := svc.NewUser(user, store.RoleOperator, password)
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.AddUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	url := "http://" + c.APIAddr().String()
	C := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	b.Do("open the console", chromedp.Navigate(url+"/"), chromedp.WaitVisible(C("#password")))
	b.Do("log in", chromedp.SetValue(C("#username"), user), chromedp.SetValue(C("#password"), password),
		chromedp.Click(C(`#main button[type=submit]`)))
	b.WaitText("#who-name", user+" (operator)")

	const supi = "imsi-001010000000042"
	k := [16]byte{0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc}
	opc := [16]byte{0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf}
	b.Do("add the subscriber", chromedp.Click(C(`#nav a[href="#/subscribers/new"]`)), chromedp.WaitVisible(C("#supi")),
		chromedp.SendKeys(C("#supi"), supi), chromedp.SendKeys(C("#k"), fmt.Sprintf("%x", k)),
		chromedp.SendKeys(C("#opc"), fmt.Sprintf("%x", opc)), chromedp.Click(C("#save")))
	b.WaitText(`tr[data-supi="`+supi+`"]`, supi)

	first, err := suci.NewIMSI("001", "01", "0000000042")
	if err != nil {
		t.Fatal(err)
	}
	f, err := fleet.Connect(ctx, fleet.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP, SCTP: sctp.Options{RemoteUDPPort: coretest.UDPPort(c)},
		GNBs: 1, PLMN: n2.PLMN{MCC: "001", MNC: "01"}, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}},
		UEs: 1, FirstSUPI: first, K: k, OPc: opc, Concurrency: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	if rep, err := f.Scenario(ctx, fleet.ScenarioOptions{Deregistration: fleet.NoDeregistration}); err != nil || !rep.AllOK() {
		t.Fatalf("scenario: %v %+v", err, rep)
	}

	row := `#ue-rows tr[data-supi="` + supi + `"]`
	b.Do("open Network", chromedp.Click(C(`#nav a[href="#/network"]`)))
	b.WaitText(row, "5GMM-REGISTERED")
	b.Do("open the ladder", chromedp.Click(C(row+` a.ladder-link`)))
	b.WaitText("#main h1", "Signalling of "+supi)
	b.WaitText("#ladder", "Registration complete")

	type arrow struct {
		From, To, Interface, Message, Text string
		X1, X2                             float64
	}
	var arrows []arrow
	js := `JSON.stringify([...document.querySelectorAll("#ladder g.msg")].map((g) => ({
		from: g.dataset.from, to: g.dataset.to, interface: g.dataset.interface, message: g.dataset.message,
		text: g.querySelector("text.name").firstChild.textContent,
		x1: Number(g.querySelector("line").getAttribute("x1")), x2: Number(g.querySelector("line").getAttribute("x2"))})))`
	if err := json.Unmarshal([]byte(b.EvalString(js)), &arrows); err != nil {
		b.Fail("arrows: %v", err)
	}
	lane := map[string]float64{}
	for _, name := range []string{"UE", "gNB", "AMF"} {
		x, err := strconv.ParseFloat(b.EvalString(`document.querySelector('#ladder text.lane[data-lane="`+name+`"]').getAttribute("x")`), 64)
		if err != nil {
			b.Fail("lane %s: %v", name, err)
		}
		lane[name] = x
	}
	if !(lane["UE"] < lane["gNB"] && lane["gNB"] < lane["AMF"]) {
		b.Fail("lanes %v: want UE | gNB | AMF from left to right", lane)
	}
	var nas []string
	for i, a := range arrows {
		if a.Text != a.Message || a.X1 != lane[a.From] || a.X2 != lane[a.To] {
			b.Fail("arrow %d %+v is not drawn from %s (x %v) to %s (x %v) with its name", i, a, a.From, lane[a.From], a.To, lane[a.To])
		}
		want := "NGAP"
		if a.From == "UE" || a.To == "UE" {
			want = "NAS-5GMM"
		}
		if a.Interface != want && a.Interface != "NAS-5GSM" {
			b.Fail("arrow %d %+v: %s between %s and %s", i, a, a.Interface, a.From, a.To)
		}
		if a.Interface == "NAS-5GMM" {
			nas = append(nas, a.From+" → "+a.To+": "+a.Message)
		}
	}
	want := []string{
		"UE → AMF: Registration request",
		"AMF → UE: Authentication request",
		"UE → AMF: Authentication response",
		"AMF → UE: Security mode command",
		"UE → AMF: Security mode complete",
		"AMF → UE: Registration accept",
		"UE → AMF: Registration complete",
	}
	if strings.Join(nas, "\n") != strings.Join(want, "\n") {
		b.Fail("NAS arrows:\n  %s\nwant\n  %s", strings.Join(nas, "\n  "), strings.Join(want, "\n  "))
	}
	if n := b.Count(`#ladder defs marker path`); n != 3 {
		b.Fail("%d arrowheads defined, want one per interface", n)
	}
	if len(arrows) == 0 || arrows[0].Message != "InitialUEMessage" || arrows[0].From != "gNB" {
		b.Fail("arrows %+v: want InitialUEMessage from the gNB first", arrows)
	}
	b.WaitText("#ladder-rows", "integrity+ciphered")
	b.WaitText("#ladder-rows", "initial registration")
	if path := os.Getenv("GO5G_LADDER_SCREENSHOT"); path != "" {
		b.Screenshot(path) // to look at the drawing
	}

	// Refresh reads the trace again and draws the same ladder.
	ready := b.EvalString(`document.body.dataset.ladderReady`)
	b.Do("refresh", chromedp.Click(C("#ladder-refresh")))
	for deadline := time.Now().Add(10 * time.Second); b.EvalString(`document.body.dataset.ladderReady`) == ready; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fail("Refresh did not reload the ladder")
		}
	}
	if n := b.Count("#ladder g.msg"); n != len(arrows) {
		b.Fail("%d arrows after refresh, %d before", n, len(arrows))
	}
	t.Logf("%d arrows, %d of them NAS-5GMM", len(arrows), len(nas))
}
