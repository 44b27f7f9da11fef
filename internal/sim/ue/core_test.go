package ue_test

import (
	"context"
	"io"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"go5g/internal/core"
	"go5g/internal/core/coretest"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/netns"
	"go5g/internal/netns/netnstest"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
	"go5g/internal/testenv"
	"go5g/internal/tun"
)

// TestTUNThroughCore is the simulator's user plane end to end against the
// real core in-process: registration and a PDU session through the real
// AMF and SMF, the SMF programming the embedded UPF over N4, and then
// ping and UDP from the UE's namespace through the UE's TUN, the gNB's N3
// forwarder and the real UPF to its N6 device, whose kernel answers.
// The UPF and the gNB's N3 run in a "core" namespace (UPF N3 on
// 127.0.0.2, gNB N3 on 127.0.0.1, N6 address 10.45.255.254), the UE's
// TUN in a "ue" namespace.
func TestTUNThroughCore(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ping")
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	tp := netnstest.New(t)
	corens, uens := tp.NS("core"), tp.NS("ue")
	const n6 = "10.45.255.254"

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, g, u := coreUE(t, ctx, corens, func(cfg *core.Config) {
		cfg.UPF.N6.Addresses = []string{n6 + "/32"} // the UPF routes the pool itself
		cfg.SMF.DNNs[0].IPv6Pool = ""
	}, gnb.Config{Name: "gnb-tun-test"}, true)
	s, err := u.EstablishPDUSession(ctx, g, "internet", &n2.SNSSAI{SST: 1}, n1.PDUSessionTypeIPv4)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := u.AttachTUN(s.ID, ue.TUNConfig{NS: uens})
	if err != nil {
		t.Fatal(err)
	}
	rtt := ping(t, tp.Name("ue"), "-4", n6)
	t.Logf("UE %v: ping %s through the gNB and the real UPF: avg RTT %s", s.IPv4, n6, rtt)

	// UDP to a socket on the UPF's N6 side.
	l, err := corens.ListenPacket("udp", n6+":7777")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		b := make([]byte, 2048)
		for {
			n, from, err := l.ReadFrom(b)
			if err != nil {
				return
			}
			l.WriteTo(b[:n], from)
		}
	}()
	udpRoundTrip(t, uens, n6+":7777")
	st := tn.Stats()
	if st.ULPackets < 4 || st.DLPackets < 4 || st.ULDropped != 0 || st.DLDropped != 0 {
		t.Errorf("gNB counters %+v: want at least the 3 pings and the UDP datagram each way", st)
	}
	t.Logf("gNB counters %+v", st)

	// TCP bulk from the UE to a sink on the N6 side: all octets arrive.
	const bulk = 16 << 20
	ln, err := corens.Listen("tcp", n6+":7778")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- -1
			return
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, c)
		got <- n
	}()
	conn, err := uens.Dial("tcp", n6+":7778")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := io.Copy(conn, io.LimitReader(zeros{}, bulk)); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if n := <-got; n != bulk {
		t.Errorf("TCP sink got %d octets, want %d", n, bulk)
	}
	d := time.Since(start)
	t.Logf("TCP %d MiB from the UE through the gNB and the UPF in %v: %.0f Mbit/s", bulk>>20, d.Round(time.Millisecond), bulk*8/d.Seconds()/1e6)

	// Release: the TUN goes with the session.
	if err := u.ReleasePDUSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pdu1 to go", func() bool {
		links, err := uens.Links()
		return err == nil && !slices.Contains(links, "pdu1")
	})
}

// TestTUNThroughCoreIPv6: an IPv4v6 PDU session through the real core.
// The UE gets only an interface identifier in NAS; its /64 comes in the
// UPF's Router Advertisement on the user plane (the first initial one may
// pass before the TUN is bound: the answer to the UE's Router
// Solicitation brings it). Then ping -6 reaches the UPF's N6 side.
// Spec: TS 23.501 §5.8.2.2.2; TS 29.061 §11.2.1.3.2
func TestTUNThroughCoreIPv6(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ping")
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	tp := netnstest.New(t)
	corens, uens := tp.NS("core"), tp.NS("ue")
	const n6v6 = "fd00:46::1" // outside the UE pool fd00:45::/48

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, g, u := coreUE(t, ctx, corens, func(cfg *core.Config) {
		cfg.UPF.N6.Addresses = []string{"10.45.255.254/32", n6v6 + "/128"}
	}, gnb.Config{Name: "gnb-tun6-test"}, true)
	s, err := u.EstablishPDUSession(ctx, g, "internet", &n2.SNSSAI{SST: 1}, n1.PDUSessionTypeIPv4v6)
	if err != nil {
		t.Fatal(err)
	}
	if !s.HasIPv6 {
		t.Fatal("no IPv6 interface identifier in the PDU session")
	}
	attached := time.Now()
	tn, err := u.AttachTUN(s.ID, ue.TUNConfig{NS: uens})
	if err != nil {
		t.Fatal(err)
	}
	var a6 netip.Addr
	deadline := time.Now().Add(10 * time.Second) // initial RAs are 3-4 s apart
	for {
		var ok bool
		if a6, ok = tn.IPv6(); ok {
			t.Logf("IPv6 prefix learnt %s after AttachTUN", time.Since(attached))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no IPv6 prefix from a Router Advertisement within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !netip.MustParsePrefix("fd00:45::/48").Contains(a6) || [8]byte(a6.AsSlice()[8:]) != s.IPv6IID {
		t.Errorf("UE IPv6 %v: want the pool's /64 with the IID %x from the SMF", a6, s.IPv6IID)
	}
	rtt := ping(t, tp.Name("ue"), "-6", n6v6)
	t.Logf("UE %v: ping %s through the gNB and the real UPF: avg RTT %s", a6, n6v6, rtt)
	rtt = ping(t, tp.Name("ue"), "-4", "10.45.255.254")
	t.Logf("UE %v: ping over IPv4 too: avg RTT %s", s.IPv4, rtt)
}

// zeros reads as endless zero octets.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// coreUE starts the in-process core with its UPF (N3 127.0.0.2, TUN
// "n6core") in corens and the subscriber imsi-001010000000001, then a gNB
// named by gc with its N3 listening in corens when n3 is set, and returns
// the core, the gNB and the subscriber's UE, registered. edit adjusts the
// core's configuration before it starts. The UE, the gNB and then the
// core stop when the test ends.
func coreUE(t *testing.T, ctx context.Context, corens *netns.NS, edit func(*core.Config), gc gnb.Config, n3 bool) (*core.Core, *gnb.GNB, *ue.UE) {
	t.Helper()
	cfg := coretest.WithUserPlane(coretest.Config(t.TempDir()), "127.0.0.2:2152", "n6core")
	edit(&cfg)
	k := [16]byte{0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f, 0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc}
	opc := [16]byte{0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e, 0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf}
	provisionOne(t, cfg, "imsi-001010000000001", k, opc)
	c, err := core.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.OpenUserPlane = corens.Do
	startCore(t, c)

	plmn := n2.PLMN{MCC: "001", MNC: "01"}
	gc.AMF, gc.Transport = "127.0.0.1:38412", sctp.TransportUDP
	gc.SCTP = sctp.Options{RemoteUDPPort: coretest.UDPPort(c)}
	gc.ID, gc.PLMN, gc.TAC = n2.GlobalGNBID{PLMN: plmn, ID: 1, IDLength: 22}, plmn, 1
	gc.Slices, gc.CellID, gc.N3Addr = []n2.SNSSAI{{SST: 1}}, 1<<14, netip.MustParseAddr("127.0.0.1")
	g, err := gnb.Connect(ctx, gc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(context.Background()) })
	if n3 {
		pc, err := corens.ListenPacket("udp", "127.0.0.1:2152")
		if err != nil {
			t.Fatal(err)
		}
		if err := g.StartUserPlane(pc.(*net.UDPConn)); err != nil {
			t.Fatal(err)
		}
	}
	supi, err := suci.NewIMSI("001", "01", "0000000001")
	if err != nil {
		t.Fatal(err)
	}
	u, err := ue.New(ue.Config{SUPI: supi, K: k, OPc: opc, RequestedNSSAI: []n2.SNSSAI{{SST: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	if _, err := u.Register(ctx, g); err != nil {
		t.Fatal(err)
	}
	return c, g, u
}

func provisionOne(t *testing.T, cfg core.Config, supi string, k, opc [16]byte) {
	t.Helper()
	st, err := store.Open(cfg.StorePath())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.AddSubscribers(context.Background(), store.Subscriber{
		SUPI: supi, K: store.Secret(k[:]), OPc: store.Secret(opc[:]),
		AMF: [2]byte{0x80, 0x00}, AuthMethod: store.AuthMethod5GAKA,
		SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
		DNNs: []string{"internet"}, AMBR: store.AMBR{Uplink: 1e9, Downlink: 2e9},
	}); err != nil {
		t.Fatal(err)
	}
}

// startCore runs c until the test ends (coretest.Start with a Core made
// here, so that its user plane opens in the test's namespace).
func startCore(t *testing.T, c *core.Core) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var runErr error
	finished := make(chan struct{})
	go func() { runErr = c.Run(ctx); close(finished) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
			if runErr != nil {
				t.Errorf("core: %v", runErr)
			}
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			t.Errorf("core did not stop within 10 s\n%s", buf[:runtime.Stack(buf, true)])
		}
	})
	select {
	case <-c.Ready():
	case <-finished:
		t.FailNow() // the cleanup reports why
	}
}
