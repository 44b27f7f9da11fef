package fleet_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/ausf"
	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/fleet"
	"go5g/internal/store"
	"go5g/internal/suci"
	"go5g/internal/udm"
	"go5g/internal/udr"
)

// The tests stand up the core's AMF, AUSF, UDM and UDR in-process (the
// wiring of internal/amf/harness_test.go) on a SQLite store in a temporary
// directory; the fleet reaches the AMF over userspace SCTP over UDP on
// loopback, as `go5g sim` does.

var plmn = n2.PLMN{MCC: "001", MNC: "01"}

// K and OPc of the test subscribers (TS 35.208 test set 1 K, any OPc).
var (
	testK   = [16]byte{0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc}
	testOPc = [16]byte{0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf}
)

type testNet struct {
	amf     *amf.AMF
	store   store.Store
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

// newNet starts the AMF, AUSF, UDM and UDR with their defaults.
func newNet(t testing.TB) *testNet {
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
	n := &testNet{store: st}
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
	n.amf, err = amf.New(acfg, amf.Deps{AUSF: au, UDM: d, Log: testLog(), N2Listener: l})
	if err != nil {
		t.Fatal(err)
	}
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

// supi is the test subscriber with MSIN index i.
func supi(i int) string { return fmt.Sprintf("imsi-00101%010d", i) }

// provision adds subscribers first..first+count-1.
func (n *testNet) provision(t testing.TB, first, count int) {
	t.Helper()
	subs := make([]store.Subscriber, count)
	for i := range subs {
		subs[i] = store.Subscriber{
			SUPI:          supi(first + i),
			K:             store.Secret(testK[:]),
			OPc:           store.Secret(testOPc[:]),
			AMF:           [2]byte{0x80, 0x00},
			AuthMethod:    store.AuthMethod5GAKA,
			SNSSAIs:       []store.SNSSAI{{SST: 1}},
			DefaultSNSSAI: store.SNSSAI{SST: 1},
			DNNs:          []string{"internet"},
			AMBR:          store.AMBR{Uplink: 1e9, Downlink: 2e9},
		}
	}
	if err := n.store.AddSubscribers(context.Background(), subs...); err != nil {
		t.Fatal(err)
	}
}

// config is a fleet of gnbs gNBs and ues UEs from MSIN index first, with
// the given SUCI scheme, aimed at the test AMF.
func (n *testNet) config(t testing.TB, gnbs, ues, first int, scheme suci.Scheme) fleet.Config {
	t.Helper()
	s, err := suci.NewIMSI(plmn.MCC, plmn.MNC, fmt.Sprintf("%010d", first))
	if err != nil {
		t.Fatal(err)
	}
	cfg := fleet.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP, SCTP: sctp.Options{RemoteUDPPort: n.udpPort},
		GNBs: gnbs, PLMN: plmn, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}},
		UEs: ues, FirstSUPI: s, K: testK, OPc: testOPc, Log: testLog(),
	}
	switch scheme {
	case suci.ProfileA:
		k := n.keyA.PublicKey()
		cfg.HomeNetworkKey = &k
	case suci.ProfileB:
		k := n.keyB.PublicKey()
		cfg.HomeNetworkKey = &k
	}
	return cfg
}

// connect brings the fleet up and closes it at the end of the test.
func connect(t testing.TB, cfg fleet.Config) *fleet.Fleet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := fleet.Connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	return f
}
