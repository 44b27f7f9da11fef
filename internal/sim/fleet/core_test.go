package fleet_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"go5g/internal/amf"
	"go5g/internal/core/coretest"
	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/fleet"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// The tests stand up `go5g core`'s control plane in-process on a SQLite
// store in a temporary directory; the fleet reaches the AMF over userspace
// SCTP over UDP on loopback, as `go5g sim` does.

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

// newNet starts `go5g core`'s control plane in-process, with a Profile A
// (id 1) and a Profile B (id 2) home network key in its store.
func newNet(t testing.TB) *testNet {
	t.Helper()
	cfg := coretest.Config(t.TempDir())
	n := &testNet{}
	var err error
	if n.keyA, err = suci.GenerateKey(suci.ProfileA, 1, rand.Reader); err != nil {
		t.Fatal(err)
	}
	if n.keyB, err = suci.GenerateKey(suci.ProfileB, 2, rand.Reader); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(cfg.StorePath())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []suci.HomeNetworkKey{n.keyA, n.keyB} {
		if err := st.AddHomeNetworkKey(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	c := coretest.Start(t, cfg, testLog())
	n.amf, n.store, n.udpPort = c.AMF(), c.Store(), coretest.UDPPort(c)
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
