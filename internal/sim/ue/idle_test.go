package ue_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go5g/internal/core"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/netns/netnstest"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/testenv"
	"go5g/internal/tun"
)

// TestIdleThroughCore: idle mode against the real core in-process, with
// the gNB's inactivity timer. The quiet UE is released to CM-IDLE; a ping
// from the UE's namespace is held by its TUN, the UE sends SERVICE REQUEST
// (data, Uplink data status) and every ping is answered. Idle again, a
// ping from the N6 side to the UE is buffered by the UPF, the UE is paged,
// answers SERVICE REQUEST (mobile terminated services) and every ping is
// answered, the buffered one included.
//
// Spec: TS 23.502 §4.2.3.2, §4.2.3.3, §4.2.6; TS 24.501 §5.6.1; TS 38.413 §8.5.1
func TestIdleThroughCore(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ping")
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	tp := netnstest.New(t)
	corens, uens := tp.NS("core"), tp.NS("ue")
	const n6 = "10.45.255.254"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, g, u := coreUE(t, ctx, corens, func(cfg *core.Config) {
		cfg.UPF.N6.Addresses = []string{n6 + "/32"}
		cfg.SMF.DNNs[0].IPv6Pool = ""
	}, gnb.Config{Name: "gnb-idle-test", Inactivity: 500 * time.Millisecond}, true)
	s, err := u.EstablishPDUSession(ctx, g, "internet", &n2.SNSSAI{SST: 1}, n1.PDUSessionTypeIPv4)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := u.AttachTUN(s.ID, ue.TUNConfig{NS: uens})
	if err != nil {
		t.Fatal(err)
	}
	idle := func(releases int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for u.Connected() || u.Result().Releases < releases {
			if time.Now().After(deadline) {
				t.Fatalf("UE not released to CM-IDLE (%d releases)", u.Result().Releases)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	allPings := func(ns, dst string) {
		t.Helper()
		start := time.Now()
		out, err := exec.Command("ip", "netns", "exec", ns, "ping", "-4", "-n", "-c", "3", "-i", "0.2", "-w", "15", dst).CombinedOutput()
		if err != nil || !strings.Contains(string(out), " 3 received") {
			t.Fatalf("ping %s from %s: %v\n%s", dst, ns, err, out)
		}
		t.Logf("ping %s from %s out of CM-IDLE: 3 of 3 answered in %v", dst, ns, time.Since(start).Round(time.Millisecond))
	}

	idle(1)
	allPings(tp.Name("ue"), n6) // UE triggered
	if r := u.Result(); r.DataServiceRequests != 1 || r.ServiceAccepts != 1 || !u.Connected() {
		t.Errorf("after uplink data in CM-IDLE: %+v, connected %t", r, u.Connected())
	}
	idle(2)
	allPings(tp.Name("core"), s.IPv4.String()) // network triggered
	r := u.Result()
	if r.Pagings < 1 || r.MTServiceRequests != 1 || r.ServiceAccepts != 2 {
		t.Errorf("after downlink data in CM-IDLE: %d pagings, %d MT service requests, %d SERVICE ACCEPTs",
			r.Pagings, r.MTServiceRequests, r.ServiceAccepts)
	}
	if st := tn.Stats(); st.ULDropped != 0 || st.DLDropped != 0 || st.ULPackets < 6 || st.DLPackets < 6 {
		t.Errorf("TUN counters over its bearers %+v: want 6 pings each way, nothing dropped", st)
	}
	if p := g.Pagings(); p.Delivered < 1 {
		t.Errorf("gNB paging %+v", p)
	}
}
