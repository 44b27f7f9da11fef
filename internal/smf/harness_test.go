package smf_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/ausf"
	"go5g/internal/n2"
	"go5g/internal/rules"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/smf"
	"go5g/internal/store"
	"go5g/internal/suci"
	"go5g/internal/udm"
	"go5g/internal/udr"
)

// The end-to-end tests drive the real AMF, AUSF, UDM and UDR (SQLite in a
// temporary directory) and the SMF with a fake UPF, through the simulated
// gNB and UEs over userspace SCTP on loopback.

var plmn = n2.PLMN{MCC: "001", MNC: "01"}

var (
	testK   = [16]byte{0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc}
	testOPc = [16]byte{0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf}
)

// fakeUPF records what the SMF asks of N4 and chooses TEIDs in order.
type fakeUPF struct {
	addr netip.Addr

	mu       sync.Mutex
	nextTEID uint32
	nextSEID uint64
	est      map[uint64]rules.Establishment // by UP SEID
	mods     map[uint64][]rules.Modification
	deleted  map[uint64]bool
	failNext bool // the next establishment fails
}

func newFakeUPF() *fakeUPF {
	return &fakeUPF{addr: netip.MustParseAddr("127.0.0.2"), est: map[uint64]rules.Establishment{},
		mods: map[uint64][]rules.Modification{}, deleted: map[uint64]bool{}}
}

func (f *fakeUPF) EstablishSession(ctx context.Context, req rules.Establishment) (rules.Established, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext {
		f.failNext = false
		return rules.Established{}, fmt.Errorf("fake UPF: establishment refused")
	}
	f.nextSEID++
	out := rules.Established{UPSEID: f.nextSEID}
	for _, p := range req.PDRs {
		if p.PDI.FTEID != nil && p.PDI.FTEID.Choose {
			f.nextTEID++
			out.Created = append(out.Created, rules.CreatedPDR{ID: p.ID, FTEID: rules.FTEID{TEID: f.nextTEID, IPv4: f.addr}})
		}
	}
	f.est[out.UPSEID] = req
	return out, nil
}

func (f *fakeUPF) ModifySession(ctx context.Context, seid uint64, m rules.Modification) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.est[seid]; !ok || f.deleted[seid] {
		return fmt.Errorf("fake UPF: no session %d", seid)
	}
	f.mods[seid] = append(f.mods[seid], m)
	return nil
}

func (f *fakeUPF) DeleteSession(ctx context.Context, seid uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.est[seid]; !ok || f.deleted[seid] {
		return fmt.Errorf("fake UPF: no session %d", seid)
	}
	f.deleted[seid] = true
	return nil
}

func (f *fakeUPF) session(seid uint64) (rules.Establishment, []rules.Modification, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.est[seid], append([]rules.Modification(nil), f.mods[seid]...), f.deleted[seid]
}

type testNet struct {
	amf     *amf.AMF
	smf     *smf.SMF
	upf     *fakeUPF
	store   store.Store
	udpPort int
}

func testLog() *slog.Logger {
	if os.Getenv("GO5G_TEST_LOG") == "debug" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// newNet starts the core with the SMF configured by edit (Defaults first).
func newNet(t testing.TB, edit func(*smf.Config)) *testNet {
	t.Helper()
	return newNetSMF(t, edit, true)
}

// newNetSMF starts the core; without withSMF the AMF has no SMF.
func newNetSMF(t testing.TB, edit func(*smf.Config), withSMF bool) *testNet {
	t.Helper()
	return newNetAMF(t, edit, nil, withSMF)
}

// newNetAMF is newNetSMF with the AMF's configuration adjusted by aedit.
func newNetAMF(t testing.TB, edit func(*smf.Config), aedit func(*amf.Config), withSMF bool) *testNet {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := udr.New(udr.Config{}, udr.Deps{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	plmns := []models.PlmnId{{Mcc: plmn.MCC, Mnc: plmn.MNC}}
	d, err := udm.New(udm.Config{ServingPLMNs: plmns}, udm.Deps{UDR: r})
	if err != nil {
		t.Fatal(err)
	}
	au, err := ausf.New(ausf.Config{PLMNs: plmns, InstanceID: "ausf-test"}, ausf.Deps{UDM: d})
	if err != nil {
		t.Fatal(err)
	}
	n := &testNet{store: st, upf: newFakeUPF()}
	scfg := smf.Defaults()
	if edit != nil {
		edit(&scfg)
	}
	n.smf, err = smf.New(scfg, smf.Deps{UDM: d, UPFs: map[string]smf.UPF{"upf": n.upf}, Log: testLog()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := sctp.ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"), 38412, sctp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	n.udpPort = int(l.Addr().(sctp.Addr).UDPPort)
	acfg := amf.Defaults()
	acfg.Workers = 4
	if aedit != nil {
		aedit(&acfg)
	}
	deps := amf.Deps{AUSF: au, UDM: d, SMF: n.smf, Log: testLog(), N2Listener: l}
	if !withSMF {
		deps.SMF = nil
	}
	n.amf, err = amf.New(acfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	n.smf.SetAMF(n.amf)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.amf.Run(ctx) }()
	<-n.amf.Ready()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("AMF did not stop")
		}
	})
	return n
}

func (n *testNet) provision(t testing.TB, first, count int) {
	t.Helper()
	subs := make([]store.Subscriber, count)
	for i := range subs {
		subs[i] = store.Subscriber{
			SUPI: fmt.Sprintf("imsi-00101%010d", first+i), K: store.Secret(testK[:]), OPc: store.Secret(testOPc[:]),
			AMF: [2]byte{0x80, 0x00}, AuthMethod: store.AuthMethod5GAKA,
			SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
			DNNs: []string{"internet", "ims"}, AMBR: store.AMBR{Uplink: 100e6, Downlink: 200e6},
		}
	}
	if err := n.store.AddSubscribers(context.Background(), subs...); err != nil {
		t.Fatal(err)
	}
}

func (n *testNet) connect(t testing.TB) *gnb.GNB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g, err := gnb.Connect(ctx, gnb.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP, SCTP: sctp.Options{RemoteUDPPort: n.udpPort},
		ID: n2.GlobalGNBID{PLMN: plmn, ID: 1, IDLength: 22}, Name: "gnb-1", PLMN: plmn, TAC: 1,
		Slices: []n2.SNSSAI{{SST: 1}}, CellID: 1 << 14, N3Addr: netip.MustParseAddr("127.0.0.3"), Log: testLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		g.Close(ctx)
	})
	return g
}

// registeredUE makes the UE of subscriber i and registers it through g.
func (n *testNet) registeredUE(t testing.TB, g *gnb.GNB, i int, edit func(*ue.Config)) *ue.UE {
	t.Helper()
	supi, err := suci.NewIMSI(plmn.MCC, plmn.MNC, fmt.Sprintf("%010d", i))
	if err != nil {
		t.Fatal(err)
	}
	cfg := ue.Config{SUPI: supi, K: testK, OPc: testOPc, RequestedNSSAI: []n2.SNSSAI{{SST: 1}}, Log: testLog()}
	if edit != nil {
		edit(&cfg)
	}
	u, err := ue.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := u.Register(ctx, g); err != nil {
		t.Fatalf("register %s: %v", u.SUPI(), err)
	}
	return u
}

func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
