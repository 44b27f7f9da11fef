package upf

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go5g/internal/n3"
)

// fakeClock is a manual clock for meters and reports.
type fakeClock struct{ ns atomic.Int64 }

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Add(d time.Duration)     { c.ns.Add(int64(d)) }
func (c *fakeClock) NS() int64               { return c.ns.Load() }
func (c *fakeClock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *fakeClock) Since(t time.Time) int64 { return c.ns.Load() - t.UnixNano() }

// reports collects what the UPF reports.
type reports struct {
	mu  sync.Mutex
	got []Report
}

func (r *reports) Report(_ *Session, x Report) {
	r.mu.Lock()
	r.got = append(r.got, x)
	r.mu.Unlock()
}

func (r *reports) all() []Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Report(nil), r.got...)
}

var (
	ueIP   = netip.MustParseAddr("10.45.0.2")
	dnIP   = netip.MustParseAddr("8.8.8.8")
	gnbN3  = netip.MustParseAddrPort("192.0.2.10:2152")
	upfN3  = netip.MustParseAddr("192.0.2.1")
	ulTEID = uint32(0x1001)
	dlTEID = uint32(0x2002)
)

func newTestUPF(t testing.TB) (*UPF, *fakeClock, *reports) {
	t.Helper()
	clk, rep := newClock(), &reports{}
	u, err := New(Config{N3Addr: upfN3, Now: clk.Now, Reporter: rep, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	return u, clk, rep
}

// basicRules: one UL and one DL PDR, forwarding both ways, QER with the
// QFI, URR on both PDRs.
func basicRules(gnb netip.AddrPort) Rules {
	return Rules{
		PDRs: []PDR{
			{ID: 1, Precedence: 100, SourceInterface: IfAccess, HasTEID: true, TEID: ulTEID, UEIPv4: ueIP, RemoveOHC: true, FARID: 1, QERIDs: []uint32{1}, URRIDs: []uint32{1}},
			{ID: 2, Precedence: 100, SourceInterface: IfCore, UEIPv4: ueIP, FARID: 2, QERIDs: []uint32{1}, URRIDs: []uint32{1}},
		},
		FARs: []FAR{
			{ID: 1, Action: ActForw, DestIf: IfCore},
			{ID: 2, Action: ActForw, DestIf: IfAccess, OHC: &OuterHeader{TEID: dlTEID, Addr: gnb}},
		},
		QERs: []QER{{ID: 1, QFI: 9}},
		URRs: []URR{{ID: 1}},
	}
}

// ipv4UDP builds an IPv4/UDP packet of total length size (>= 28).
func ipv4UDP(src, dst netip.Addr, sport, dport uint16, size int, mark byte) []byte {
	b := make([]byte, size)
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(size))
	b[8] = 64
	b[9] = 17
	s, d := src.As4(), dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	binary.BigEndian.PutUint16(b[20:], sport)
	binary.BigEndian.PutUint16(b[22:], dport)
	binary.BigEndian.PutUint16(b[24:], uint16(size-20))
	for i := 28; i < size; i++ {
		b[i] = mark
	}
	return b
}

// gpdu wraps inner in a G-PDU with a UL PDU Session Container of qfi.
func gpdu(t testing.TB, teid uint32, qfi uint8, inner []byte) []byte {
	t.Helper()
	p := n3.NewGPDU(teid, inner)
	if qfi != 0 {
		p.AddExtension(n3.ExtensionHeader{Type: n3.ExtPDUSessionContainer, PDUSession: n3.PDUSessionContainer{PDUType: n3.PDUTypeUL, QFI: qfi}})
	}
	b := make([]byte, p.MarshalLen())
	if _, err := p.MarshalTo(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// dlBuf puts ip into a fresh buffer with headroom.
func dlBuf(ip []byte) ([]byte, int) {
	b := make([]byte, Headroom+len(ip)+64)
	copy(b[Headroom:], ip)
	return b, len(ip)
}

// memDev is an in-memory N6 device.
type memDev struct {
	in     chan []byte
	out    chan []byte
	closed chan struct{}
	once   sync.Once
}

func newMemDev() *memDev {
	return &memDev{in: make(chan []byte, 1024), out: make(chan []byte, 1024), closed: make(chan struct{})}
}

func (d *memDev) Read(b []byte) (int, error) {
	select {
	case p := <-d.in:
		return copy(b, p), nil
	case <-d.closed:
		return 0, errDeviceClosed
	}
}

func (d *memDev) Write(b []byte) (int, error) {
	d.out <- append([]byte(nil), b...)
	return len(b), nil
}

func (d *memDev) Close() { d.once.Do(func() { close(d.closed) }) }
