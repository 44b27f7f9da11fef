package gnbtest

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/netns"
	"go5g/internal/sim/gnb"
)

// Where Setup puts N3 inside the namespace: the gNB on 127.0.0.1:2152 and
// the fake UPF on 127.0.0.2:2152, so that nothing binds 2152 on the host.
var (
	GNBN3 = netip.MustParseAddrPort("127.0.0.1:2152")
	UPFN3 = netip.MustParseAddrPort("127.0.0.2:2152")
)

// ULTEID is the UPF's TEID of the session Setup makes.
const ULTEID = 0x1234

// Env is a gNB with its user plane, one UE connection with PDU session 1,
// and a fake UPF serving that session.
type Env struct {
	GNB     *gnb.GNB
	AMF     *AMF
	Conn    *gnb.Connection
	Session gnb.Session
	UPF     *UPF
}

// Setup connects a gNB to a fake AMF (on the host's loopback), opens its
// N3 and the fake UPF's inside ns, and sets up PDU session 1 of type
// pduType (n2.PDUSession*) with one QoS flow qfi. Everything ends with the
// test.
func Setup(t testing.TB, ns *netns.NS, pduType, qfi uint8) *Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	amf := StartAMF(t)
	cfg := amf.GNBConfig()
	cfg.N3Addr = GNBN3.Addr()
	g, err := gnb.Connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(context.Background()) })
	pc, err := ns.ListenPacket("udp", GNBN3.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.StartUserPlane(pc.(*net.UDPConn)); err != nil {
		t.Fatal(err)
	}
	upc, err := ns.ListenPacket("udp", UPFN3.String())
	if err != nil {
		t.Fatal(err)
	}
	upf := StartUPF(t, upc.(*net.UDPConn), ULTEID, qfi)
	c, err := amf.Connect(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	s, err := amf.SetupSession(ctx, c, 1, n2.Tunnel{Addr: UPFN3.Addr(), TEID: ULTEID}, pduType, qfi)
	if err != nil {
		t.Fatal(err)
	}
	if s.DL.Addr != GNBN3.Addr() || s.DL.TEID == 0 {
		t.Fatalf("DL tunnel %+v, want the gNB's N3 address and a TEID", s.DL)
	}
	upf.SetDownlink(GNBN3, s.DL.TEID)
	return &Env{GNB: g, AMF: amf, Conn: c, Session: s, UPF: upf}
}
