package amf_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/ausf"
	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
	"go5g/internal/udm"
	"go5g/internal/udr"
)

// The tests drive the AMF with the simulated gNB and UEs over real SCTP
// (our userspace stack over UDP on loopback, each test on its own ports)
// against the real AUSF, UDM and UDR on a SQLite store in a temporary
// directory.

var plmn = n2.PLMN{MCC: "001", MNC: "01"}

// K and OPc of the test subscribers (TS 35.208 test set 1 K, any OPc).
var (
	testK   = [16]byte{0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc}
	testOPc = [16]byte{0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf}
)

type testNet struct {
	amf     *amf.AMF
	store   store.Store
	udm     *udm.UDM
	udpPort int
	keyA    suci.HomeNetworkKey
	keyB    suci.HomeNetworkKey
}

// testLog logs to stderr with GO5G_TEST_LOG=debug|info, else nowhere.
func testLog() *slog.Logger {
	switch os.Getenv("GO5G_TEST_LOG") {
	case "debug":
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	case "info":
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

// newNet starts the core's AMF, AUSF, UDM and UDR; edit adjusts the AMF
// configuration.
func newNet(t testing.TB, edit func(*amf.Config)) *testNet {
	t.Helper()
	return newNetWrapped(t, edit, nil)
}

// newNetWrapped is newNet with the AUSF and UDM the AMF sees passed
// through wrap (to add latency or faults).
func newNetWrapped(t testing.TB, edit func(*amf.Config), wrap func(amf.AUSF, amf.UDM) (amf.AUSF, amf.UDM)) *testNet {
	t.Helper()
	return newNetSMF(t, edit, wrap, nil)
}

// newNetSMF is newNetWrapped with an SMF for the AMF (nil: none).
func newNetSMF(t testing.TB, edit func(*amf.Config), wrap func(amf.AUSF, amf.UDM) (amf.AUSF, amf.UDM), sm amf.SMF) *testNet {
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
	notifier := &amfNotifier{}
	d, err := udm.New(udm.Config{ServingPLMNs: plmns}, udm.Deps{UDR: r, Notifier: notifier})
	if err != nil {
		t.Fatal(err)
	}
	au, err := ausf.New(ausf.Config{PLMNs: plmns, InstanceID: "ausf-test"}, ausf.Deps{UDM: d})
	if err != nil {
		t.Fatal(err)
	}
	n := &testNet{store: st, udm: d}
	ctx := context.Background()
	if n.keyA, err = suci.GenerateKey(suci.ProfileA, 1, rand.Reader); err != nil {
		t.Fatal(err)
	}
	if n.keyB, err = suci.GenerateKey(suci.ProfileB, 2, rand.Reader); err != nil {
		t.Fatal(err)
	}
	for _, k := range []suci.HomeNetworkKey{n.keyA, n.keyB} {
		if err := st.AddHomeNetworkKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	l, err := sctp.ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"), 38412, sctp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	n.udpPort = int(l.Addr().(sctp.Addr).UDPPort)
	acfg := amf.Defaults()
	acfg.Workers = 4
	if edit != nil {
		edit(&acfg)
	}
	var aa amf.AUSF = au
	var ad amf.UDM = d
	if wrap != nil {
		aa, ad = wrap(aa, ad)
	}
	n.amf, err = amf.New(acfg, amf.Deps{AUSF: aa, UDM: ad, SMF: sm, Log: testLog(), N2Listener: l})
	if err != nil {
		t.Fatal(err)
	}
	notifier.amf.Store(n.amf)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.amf.Run(runCtx) }()
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

// amfNotifier passes the UDM's DeregistrationNotification to the AMF,
// which is made after the UDM (as internal/core wires them).
type amfNotifier struct{ amf atomic.Pointer[amf.AMF] }

func (n *amfNotifier) DeregistrationNotify(ctx context.Context, amfID, supi string, d models.Udm_UECM_DeregistrationData) {
	if a := n.amf.Load(); a != nil {
		a.DeregistrationNotify(ctx, amfID, supi, d)
	}
}

// subscriber returns the test subscriber with MSIN index i.
func subscriber(i int, method store.AuthMethod) store.Subscriber {
	return store.Subscriber{
		SUPI:          fmt.Sprintf("imsi-00101%010d", i),
		K:             store.Secret(testK[:]),
		OPc:           store.Secret(testOPc[:]),
		AMF:           [2]byte{0x80, 0x00},
		AuthMethod:    method,
		SNSSAIs:       []store.SNSSAI{{SST: 1}},
		DefaultSNSSAI: store.SNSSAI{SST: 1},
		DNNs:          []string{"internet"},
		AMBR:          store.AMBR{Uplink: 1e9, Downlink: 2e9},
	}
}

// provision adds subscribers first..first+count-1.
func (n *testNet) provision(t testing.TB, first, count int, method store.AuthMethod) {
	t.Helper()
	subs := make([]store.Subscriber, count)
	for i := range subs {
		subs[i] = subscriber(first+i, method)
	}
	if err := n.store.AddSubscribers(context.Background(), subs...); err != nil {
		t.Fatal(err)
	}
}

// gnbConfig is a gNB of the test network's TA and slice.
func (n *testNet) gnbConfig(name string, id uint32) gnb.Config {
	return gnb.Config{
		AMF:       "127.0.0.1:38412",
		Transport: sctp.TransportUDP,
		SCTP:      sctp.Options{RemoteUDPPort: n.udpPort},
		ID:        n2.GlobalGNBID{PLMN: plmn, ID: id, IDLength: 22},
		Name:      name,
		PLMN:      plmn,
		TAC:       1,
		Slices:    []n2.SNSSAI{{SST: 1}},
		CellID:    uint64(id) << 14,
		Log:       testLog(),
	}
}

// connect brings a gNB up and closes it at the end of the test.
func (n *testNet) connect(t testing.TB, name string, id uint32) *gnb.GNB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g, err := gnb.Connect(ctx, n.gnbConfig(name, id))
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

// newUE makes the UE of subscriber i with the given SUCI scheme.
func (n *testNet) newUE(t testing.TB, i int, scheme suci.Scheme, edit func(*ue.Config)) *ue.UE {
	t.Helper()
	supi, err := suci.NewIMSI(plmn.MCC, plmn.MNC, fmt.Sprintf("%010d", i))
	if err != nil {
		t.Fatal(err)
	}
	cfg := ue.Config{SUPI: supi, K: testK, OPc: testOPc, RequestedNSSAI: []n2.SNSSAI{{SST: 1}}, Log: testLog()}
	switch scheme {
	case suci.ProfileA:
		k := n.keyA.PublicKey()
		cfg.HomeNetworkKey = &k
	case suci.ProfileB:
		k := n.keyB.PublicKey()
		cfg.HomeNetworkKey = &k
	}
	if edit != nil {
		edit(&cfg)
	}
	u, err := ue.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.Close)
	return u
}

// ueState asks the AMF about a SUPI.
func (n *testNet) ueState(t testing.TB, supi string) (amf.UEInfo, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, ok, err := n.amf.UE(ctx, supi)
	if err != nil {
		t.Fatal(err)
	}
	return info, ok
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
