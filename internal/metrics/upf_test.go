package metrics_test

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"

	"go5g/internal/metrics"
	"go5g/internal/n3"
	"go5g/internal/upf"
)

var (
	ueIP   = netip.MustParseAddr("10.45.0.2")
	dnIP   = netip.MustParseAddr("192.0.2.99")
	gnbN3  = netip.MustParseAddrPort("192.0.2.10:2152")
	ulTEID = uint32(0x1001)
)

func newTestUPF(t testing.TB) *upf.UPF {
	t.Helper()
	u, err := upf.New(upf.Config{N3Addr: netip.MustParseAddr("192.0.2.1"), Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// ipv4UDP is an IPv4/UDP packet of total length size (>= 28).
func ipv4UDP(src, dst netip.Addr, size int) []byte {
	b := make([]byte, size)
	b[0], b[8], b[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(b[2:], uint16(size))
	s, d := src.As4(), dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	binary.BigEndian.PutUint16(b[20:], 4000)
	binary.BigEndian.PutUint16(b[22:], 5000)
	binary.BigEndian.PutUint16(b[24:], uint16(size-20))
	return b
}

// TestUPFCollector drives a real UPF's packet path (no sockets) and reads
// its counters through the collector.
func TestUPFCollector(t *testing.T) {
	u := newTestUPF(t)
	w := u.NewWorker(nil, nil)
	rules := upf.Rules{
		PDRs: []upf.PDR{
			{ID: 1, Precedence: 100, SourceInterface: upf.IfAccess, HasTEID: true, TEID: ulTEID, UEIPv4: ueIP, RemoveOHC: true, FARID: 1},
			{ID: 2, Precedence: 100, SourceInterface: upf.IfCore, UEIPv4: ueIP, FARID: 2},
		},
		FARs: []upf.FAR{
			{ID: 1, Action: upf.ActForw, DestIf: upf.IfCore},
			{ID: 2, Action: upf.ActForw, DestIf: upf.IfAccess, OHC: &upf.OuterHeader{TEID: 0x2002, Addr: gnbN3}},
		},
	}
	if _, _, err := u.Establish(1, rules); err != nil {
		t.Fatal(err)
	}
	r := metrics.New()
	if err := r.AddUPF("upf1", u); err != nil {
		t.Fatal(err)
	}
	if err := r.AddUPF("upf1", u); err == nil {
		t.Error("the same UPF name was accepted twice")
	}

	// Two uplink packets of 100 octets.
	for range 2 {
		p := n3.NewGPDU(ulTEID, ipv4UDP(ueIP, dnIP, 100))
		b := make([]byte, p.MarshalLen())
		if _, err := p.MarshalTo(b); err != nil {
			t.Fatal(err)
		}
		if inner, _, _ := w.Uplink(b, gnbN3, 0); len(inner) != 100 {
			t.Fatalf("uplink forwarded %d octets, want 100", len(inner))
		}
	}
	// One downlink packet of 60 octets.
	dl := ipv4UDP(dnIP, ueIP, 60)
	buf := make([]byte, upf.Headroom+len(dl)+64)
	copy(buf[upf.Headroom:], dl)
	if out, _ := w.Downlink(buf, len(dl), 0); out == nil {
		t.Fatal("downlink packet not forwarded")
	}
	// Drops: a truncated GTP-U header, and a downlink packet for no UE.
	w.Uplink([]byte{0x30, 0xff, 0x00}, gnbN3, 0)
	stray := ipv4UDP(dnIP, netip.MustParseAddr("10.45.9.9"), 40)
	buf2 := make([]byte, upf.Headroom+len(stray))
	copy(buf2[upf.Headroom:], stray)
	w.Downlink(buf2, len(stray), 0)

	got := gatherValues(t, r)
	for k, v := range map[string]float64{
		`go5g_upf_packets_total{direction="uplink",upf="upf1"}`:   2,
		`go5g_upf_bytes_total{direction="uplink",upf="upf1"}`:     200,
		`go5g_upf_packets_total{direction="downlink",upf="upf1"}`: 1,
		`go5g_upf_bytes_total{direction="downlink",upf="upf1"}`:   60,
		`go5g_upf_drops_total{cause="malformed",upf="upf1"}`:      1,
		`go5g_upf_drops_total{cause="no_session",upf="upf1"}`:     1,
		`go5g_upf_drops_total{cause="unknown_teid",upf="upf1"}`:   0,
		`go5g_upf_drops_total{cause="io",upf="upf1"}`:             0,
		`go5g_upf_buffered_packets_total{upf="upf1"}`:             0,
		`go5g_upf_sessions{upf="upf1"}`:                           1,
	} {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	// Every drop cause the UPF knows is a series from the start.
	n := 0
	for c := upf.DropCause(0); c.String() != "unknown"; c++ {
		n++
		if _, ok := got[`go5g_upf_drops_total{cause="`+c.String()+`",upf="upf1"}`]; !ok {
			t.Errorf("no drop series for cause %s", c)
		}
	}
	if n < 12 {
		t.Errorf("%d drop causes, want at least the 12 the UPF has", n)
	}
}
