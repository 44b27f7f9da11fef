package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"go5g/internal/core"
	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/fleet"
	"go5g/internal/store"
	"go5g/internal/suci"
)

const demoUsage = `Usage: go5g demo [--ues N] [--gnbs N] [--data-dir DIR] [--once] [-v]

Brings up a whole network on its defaults and shows it working: starts the
core (AMF, AUSF, UDM, UDR on a SQLite store), provisions test subscribers
and a SUCI Profile A home network key, connects simulated gNBs, registers
the UEs with concealed SUPIs, prints the result table, and keeps serving N2
until Ctrl-C, printing the 'go5g sim' command that reaches it from another
terminal. N2 runs over SCTP over UDP on 127.0.0.1 (no kernel SCTP needed).

The REST API listens on 127.0.0.1:8080 (--api); the first admin's password
is printed once. The demo subscribers share one K and OPc (printed): fine for a lab, never
for real SIMs. Without --data-dir the store is a temporary directory,
removed at exit.

Flags:
`

// demoK and demoOPc are the demo subscribers' K (TS 35.208 test set 1) and
// an OPc; they are printed so a second terminal can simulate more UEs.
const (
	demoK     = "465b5ce8b199b49faa5f0a2ee238a6bc"
	demoOPc   = "cd63cb71954a9f4e48a5994e37a02baf"
	demoFirst = "001010000000001"
)

// runDemo is `go5g demo`: the README's one-command network.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g demo", flag.ContinueOnError)
	ues := fs.Int("ues", 20, "number of simulated UEs to register")
	gnbs := fs.Int("gnbs", 2, "number of simulated gNBs")
	dataDir := fs.String("data-dir", "", "keep the store in this `directory` (default: a temporary one, removed at exit)")
	once := fs.Bool("once", false, "stop after the table instead of serving until Ctrl-C")
	udpPort := fs.Int("n2-udp-port", sctp.DefaultUDPPort, "UDP `port` of N2 (SCTP over UDP); 0 picks a free one")
	apiAddr := fs.String("api", "127.0.0.1:8080", "REST API `host:port`; empty turns it off")
	userPlane := fs.Bool("user-plane", true, "run the embedded UPF (needs root: a TUN device and routes to the UE pool)")
	verbose := fs.Bool("v", false, "verbose: core debug logs")
	pos, err := parseFlags(fs, e, demoUsage, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if *ues < 1 || *ues > 100000 || *gnbs < 1 || *gnbs > 64 {
		return fmt.Errorf("%w: --ues must be 1 to 100000 and --gnbs 1 to 64", errUsage)
	}
	if *udpPort < 0 || *udpPort > 65535 {
		return fmt.Errorf("%w: --n2-udp-port must be 0 to 65535", errUsage)
	}

	dir := *dataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "go5g-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	cfg := core.Defaults()
	cfg.DataDir = dir
	cfg.AMF.N2.Address = "127.0.0.1:38412"
	cfg.AMF.N2.Transport = string(sctp.TransportUDP)
	cfg.AMF.N2.UDPPort = *udpPort
	cfg.API.Address = *apiAddr
	cfg.UPF.N3.Address = "127.0.0.1:2152"                // the simulated gNBs are on loopback
	cfg.StoreKeyFile = os.Getenv(store.MasterKeyFileEnv) // as the other commands
	if !*userPlane {
		cfg.UPF.Enabled, cfg.SMF.UPFs = false, nil
	}

	fmt.Fprintf(e.stdout, "[1/4] store %s: provisioning %d subscribers and a SUCI Profile A key\n", cfg.StorePath(), *ues)
	pub, err := provisionDemo(ctx, cfg, 1, *ues)
	if err != nil {
		return err
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	c, err := core.New(cfg, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level})))
	if err != nil {
		return err
	}
	c.Notices = e.stdout
	coreCtx, stopCore := context.WithCancel(context.WithoutCancel(ctx))
	defer stopCore()
	coreDone := make(chan error, 1)
	go func() { coreDone <- c.Run(coreCtx) }()
	select {
	case <-c.Ready():
	case err := <-coreDone:
		if err == nil {
			err = errors.New("core stopped before it was ready")
		}
		return fmt.Errorf("%w (is another go5g running? try --n2-udp-port 0 --api 127.0.0.1:0)", err)
	}
	stop := func() error {
		stopCore()
		return <-coreDone
	}
	port := int(c.N2Addr().(sctp.Addr).UDPPort)
	fmt.Fprintf(e.stdout, "[2/4] core running: AMF on N2 %s over SCTP over UDP port %d, PLMN 001/01, TAC 1, SST 1; REST API %s\n",
		cfg.AMF.N2.Address, port, apiURL(c.APIAddr()))

	fmt.Fprintf(e.stdout, "[3/4] %d simulated gNBs connecting, %d UEs registering with SUCI Profile A\n", *gnbs, *ues)
	first, _ := suci.NewIMSI("001", "01", demoFirst[5:])
	k, opc := mustKey(demoK), mustKey(demoOPc)
	fl, err := fleet.Connect(ctx, fleet.Config{
		AMF: cfg.AMF.N2.Address, Transport: sctp.TransportUDP, SCTP: sctp.Options{RemoteUDPPort: port},
		GNBs: *gnbs, GNBName: "demo-gnb", PLMN: n2.PLMN{MCC: "001", MNC: "01"}, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}},
		UEs: *ues, FirstSUPI: first, K: k, OPc: opc, HomeNetworkKey: &pub,
	})
	if err != nil {
		return errors.Join(fmt.Errorf("connect the simulated gNBs: %w", err), stop())
	}
	rep, err := fl.Scenario(ctx, fleet.ScenarioOptions{})
	if rep != nil {
		printScenario(e.stdout, rep, len(rep.UEs) <= 50, fleet.NoDeregistration)
	}
	if err == nil && !rep.AllOK() {
		err = fmt.Errorf("%d of %d UEs failed to register (rerun with -v for the core's logs)", rep.Failed, len(rep.UEs))
	}
	if err != nil || *once {
		return errors.Join(err, fl.Close(context.WithoutCancel(ctx)), stop())
	}

	fmt.Fprintf(e.stdout, `[4/4] the network keeps serving; the UEs above stay registered. Ctrl-C stops it.
From another terminal, more UEs (the same subscribers; add others with 'go5g subscriber add --store %s'):
  go5g sim --amf %s --transport udp --amf-udp-port %d --gnb-id 100 --ues %d --imsi %s \
    --k %s --opc %s --suci a --hn-key %s --hn-key-id %d
`, cfg.StorePath(), cfg.AMF.N2.Address, port, *ues, demoFirst, demoK, demoOPc, pub, pub.ID)
	<-ctx.Done()
	fmt.Fprintln(e.stdout, "stopping: gNBs shut down their associations, then the core")
	return errors.Join(fl.Close(context.WithoutCancel(ctx)), stop())
}

// provisionDemo adds n demo subscribers from MSIN index first and a Profile
// A key (id 1) to cfg's store unless they are there, sealed with cfg's
// master key if it has one, and returns the key's public half.
func provisionDemo(ctx context.Context, cfg core.Config, first, n int) (suci.PublicKey, error) {
	path := cfg.StorePath()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return suci.PublicKey{}, err
	}
	opts, err := cfg.StoreOptions()
	if err != nil {
		return suci.PublicKey{}, fmt.Errorf("%w (from %s)", err, store.MasterKeyFileEnv)
	}
	st, err := store.Open(path, opts...)
	if err != nil {
		return suci.PublicKey{}, err
	}
	defer st.Close()
	keys, err := st.HomeNetworkKeys(ctx)
	if err != nil {
		return suci.PublicKey{}, err
	}
	var key suci.HomeNetworkKey
	found := false
	for _, k := range keys {
		if k.Scheme == suci.ProfileA {
			key, found = k, true
			break
		}
	}
	if !found {
		if key, err = suci.GenerateKey(suci.ProfileA, 1, rand.Reader); err != nil {
			return suci.PublicKey{}, err
		}
		if err := st.AddHomeNetworkKey(ctx, key); err != nil {
			return suci.PublicKey{}, err
		}
	}
	k, opc := mustKey(demoK), mustKey(demoOPc)
	subs := make([]store.Subscriber, 0, n)
	for i := range n {
		supi := fmt.Sprintf("imsi-00101%010d", first+i)
		if _, err := st.GetSubscriber(ctx, supi); err == nil {
			continue
		}
		subs = append(subs, store.Subscriber{
			SUPI: supi, K: store.Secret(k[:]), OPc: store.Secret(opc[:]),
			AMF: [2]byte{0x80, 0x00}, AuthMethod: store.AuthMethod5GAKA,
			SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
			DNNs: []string{"internet"}, AMBR: store.AMBR{Uplink: 1e9, Downlink: 2e9},
		})
	}
	if err := st.AddSubscribers(ctx, subs...); err != nil {
		return suci.PublicKey{}, err
	}
	return key.PublicKey(), nil
}

// apiURL is the REST API's base URL, or "off".
func apiURL(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return "http://" + a.String()
}

// mustKey decodes one of the demo's constant keys.
func mustKey(s string) [16]byte {
	var k [16]byte
	if n, err := hex.Decode(k[:], []byte(s)); err != nil || n != 16 {
		panic("demo key constant: " + s)
	}
	return k
}
