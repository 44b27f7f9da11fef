package gnb

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"

	"go5g/internal/n2"
	"go5g/internal/n3"
	"go5g/internal/netns/netnstest"
)

// fastPath is a gNB with only its user plane (N3 in a throwaway namespace)
// and one bound session: DL TEID 1, uplink to 127.0.0.9 where nothing
// listens. It exercises the per-packet code without N2.
func fastPath(tb testing.TB) (*userPlane, *Bearer, []byte) {
	tb.Helper()
	ns := netnstest.New(tb).NS("core")
	pc, err := ns.ListenPacket("udp", "127.0.0.1:2152")
	if err != nil {
		tb.Fatal(err)
	}
	g := &GNB{log: slog.New(slog.DiscardHandler), ues: map[uint32]*Connection{}, byTEID: map[uint32]*Session{}}
	if err := g.StartUserPlane(pc.(*net.UDPConn)); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(g.stopUserPlane)
	s := &Session{ID: 1, UL: n2.Tunnel{Addr: netip.MustParseAddr("127.0.0.9"), TEID: 7},
		DL: n2.Tunnel{Addr: netip.MustParseAddr("127.0.0.1"), TEID: 1}, QFIs: []uint8{1}}
	c := &Connection{g: g, sessions: map[uint8]*Session{1: s}}
	b, err := c.BindUserPlane(1, 0, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	p := n3.NewGPDU(1, make([]byte, 1400))
	p.AddExtension(n3.ExtensionHeader{Type: n3.ExtPDUSessionContainer,
		PDUSession: n3.PDUSessionContainer{PDUType: n3.PDUTypeDL, QFI: 1}})
	gpdu := make([]byte, p.MarshalLen())
	if _, err := p.MarshalTo(gpdu); err != nil {
		tb.Fatal(err)
	}
	return g.up, b, gpdu
}

// TestFastPathAllocs: neither direction allocates per packet.
func TestFastPathAllocs(t *testing.T) {
	up, b, gpdu := fastPath(t)
	ul := make([]byte, ULHeadroom+1400)
	ul[ULHeadroom] = 0x45
	if a := testing.AllocsPerRun(500, func() {
		if err := b.Uplink(ul); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("uplink: %v allocations per packet", a)
	}
	m := n3.Message{Buf: gpdu, Addr: netip.MustParseAddrPort("127.0.0.9:2152")}
	if a := testing.AllocsPerRun(500, func() { up.handle(&m) }); a != 0 {
		t.Errorf("downlink: %v allocations per packet", a)
	}
	if st := b.Stats(); st.ULPackets != 501 || st.DLPackets != 501 || st.DLBytes != 501*1400 {
		t.Errorf("stats %+v", st)
	}
	// The uplink header: G-PDU, length, UL TEID 7, a UL PDU Session
	// Container with QFI 1. Spec: TS 29.281 §5.1, TS 38.415 §5.5.2.2
	var p n3.Packet
	hl := b.hlen
	if err := p.Parse(ul[ULHeadroom-hl:]); err != nil {
		t.Fatal(err)
	}
	pc := p.PDUSession()
	if p.Type != n3.TypeGPDU || p.TEID != 7 || pc == nil || pc.PDUType != n3.PDUTypeUL || pc.QFI != 1 || len(p.Payload) != 1400 {
		t.Errorf("uplink header %+v container %+v payload %d", p.Header, pc, len(p.Payload))
	}
}

func BenchmarkUplink(b *testing.B) {
	_, br, _ := fastPath(b)
	ul := make([]byte, ULHeadroom+1400)
	ul[ULHeadroom] = 0x45
	b.SetBytes(1400)
	b.ReportAllocs()
	for b.Loop() {
		br.Uplink(ul)
	}
}

func BenchmarkDownlinkDispatch(b *testing.B) {
	up, _, gpdu := fastPath(b)
	m := n3.Message{Buf: gpdu, Addr: netip.MustParseAddrPort("127.0.0.9:2152")}
	b.SetBytes(1400)
	b.ReportAllocs()
	for b.Loop() {
		up.handle(&m)
	}
}
