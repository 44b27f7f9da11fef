package n3

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func goldenWire(t *testing.T, name string) []byte {
	t.Helper()
	for _, g := range goldens() {
		if g.name == name {
			return g.wire
		}
	}
	t.Fatalf("no golden %q", name)
	return nil
}

func TestEchoResponder(t *testing.T) {
	var req EchoRequest
	if err := req.Parse(goldenWire(t, "Echo Request")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64)
	n, err := NewResponder(ResponderConfig{}).EchoResponse(b, &req.Header)
	if err != nil {
		t.Fatal(err)
	}
	if want := goldenWire(t, "Echo Response"); !bytes.Equal(b[:n], want) {
		t.Errorf("Echo Response\n got % x\nwant % x", b[:n], want)
	}
	// A configured restart counter (legacy peers) is carried.
	n, err = NewResponder(ResponderConfig{Recovery: 7}).EchoResponse(b, &req.Header)
	var resp EchoResponse
	if err != nil || resp.Parse(b[:n]) != nil || resp.Recovery != 7 || resp.Seq != req.Seq {
		t.Errorf("Echo Response with counter 7: %v %+v", err, resp)
	}
	if _, err := NewResponder(ResponderConfig{}).EchoResponse(b, &Header{Type: TypeGPDU}); err != ErrMessageType {
		t.Errorf("answering a G-PDU: %v, want ErrMessageType", err)
	}
}

func TestErrorIndicationBuilder(t *testing.T) {
	r := NewResponder(ResponderConfig{})
	b := make([]byte, 128)
	now := time.Unix(100, 0)
	n, err := r.ErrorIndication(b, now, &Header{Type: TypeGPDU, TEID: 0x42}, netip.MustParseAddr("192.168.0.1"), 54321)
	if err != nil {
		t.Fatal(err)
	}
	if want := goldenWire(t, "Error Indication IPv4 with UDP Port"); !bytes.Equal(b[:n], want) {
		t.Errorf("Error Indication\n got % x\nwant % x", b[:n], want)
	}
	n, err = r.ErrorIndication(b, now, &Header{Type: TypeGPDU, TEID: 0xfffffffe}, netip.MustParseAddr("2001:db8::1"), 2152)
	if err != nil {
		t.Fatal(err)
	}
	var ei ErrorIndication
	if err := ei.Parse(b[:n]); err != nil {
		t.Fatal(err)
	}
	if ei.TEIDDataI != 0xfffffffe || ei.PeerAddress != netip.MustParseAddr("2001:db8::1") || ei.TEID != 0 ||
		ei.NumExt != 1 || ei.Exts[0].Value != 2152 {
		t.Errorf("IPv6 Error Indication decodes to %+v", ei)
	}
	if _, err := r.ErrorIndication(b, now, &Header{Type: TypeGPDU}, netip.MustParseAddr("192.168.0.1"), 1); err != ErrNoIndication {
		t.Errorf("TEID 0: %v, want ErrNoIndication", err)
	}
	if _, err := r.ErrorIndication(b[:20], now, &Header{TEID: 1}, netip.MustParseAddr("192.168.0.1"), 1); err != ErrBufferTooShort {
		t.Errorf("short buffer: %v", err)
	}
}

func TestErrorIndicationRateLimit(t *testing.T) {
	r := NewResponder(ResponderConfig{Rate: 10, Burst: 3})
	b := make([]byte, 128)
	h := &Header{Type: TypeGPDU, TEID: 9}
	local := netip.MustParseAddr("10.0.0.1")
	t0 := time.Unix(1000, 0)
	send := func(at time.Duration) error {
		_, err := r.ErrorIndication(b, t0.Add(at), h, local, 2152)
		return err
	}
	for i := 0; i < 3; i++ {
		if err := send(0); err != nil {
			t.Fatalf("burst %d: %v", i, err)
		}
	}
	if err := send(0); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("4th at once: %v, want ErrRateLimited", err)
	}
	if err := send(50 * time.Millisecond); err != ErrRateLimited {
		t.Fatalf("half a token later: %v, want ErrRateLimited", err)
	}
	if err := send(100 * time.Millisecond); err != nil {
		t.Fatalf("one token later: %v", err)
	}
	if err := send(100 * time.Millisecond); err != ErrRateLimited {
		t.Fatalf("bucket empty again: %v", err)
	}
	// A long pause refills only up to the burst.
	for i := 0; i < 4; i++ {
		err := send(time.Hour)
		if (i < 3) != (err == nil) {
			t.Fatalf("after an hour, #%d: %v", i, err)
		}
	}
	// Supported Extension Headers Notifications share the bucket.
	if _, err := r.SupportedExtensionHeaders(b, t0.Add(time.Hour), h); err != ErrRateLimited {
		t.Errorf("SEHN with the bucket empty: %v", err)
	}
	if got := r.Suppressed(); got != 5 {
		t.Errorf("Suppressed = %d, want 5", got)
	}
}

func TestSupportedExtensionHeadersAnswer(t *testing.T) {
	var p Packet
	if err := p.Parse(goldenWire(t, "G-PDU with unknown comprehension-required header")); err != ErrUnsupportedExtension {
		t.Fatal(err)
	}
	b := make([]byte, 64)
	n, err := NewResponder(ResponderConfig{}).SupportedExtensionHeaders(b, time.Unix(0, 0), &p.Header)
	if err != nil {
		t.Fatal(err)
	}
	var m SupportedExtensionHeadersNotification
	if err := m.Parse(b[:n]); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Types, SupportedTypes()) || m.TEID != 0 || !m.S {
		t.Errorf("notification decodes to %+v", m)
	}
	for _, typ := range m.Types {
		if !Supported(typ) {
			t.Errorf("lists %#x, which Supported denies", typ)
		}
	}
}
