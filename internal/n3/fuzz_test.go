package n3

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

var updateSeeds = flag.Bool("update-seeds", false, "write the golden packets to testdata/fuzz/FuzzParse")

// typed returns the message struct for a message type, or nil for the
// types only Packet covers.
func typed(t uint8) codec {
	switch t {
	case TypeEchoRequest:
		return new(EchoRequest)
	case TypeEchoResponse:
		return new(EchoResponse)
	case TypeErrorIndication:
		return new(ErrorIndication)
	case TypeSupportedExtensionHeadersNotification:
		return new(SupportedExtensionHeadersNotification)
	case TypeEndMarker:
		return new(EndMarker)
	}
	return nil
}

// roundTrip checks decode(encode(decode(b))) == decode(b) for one codec.
func roundTrip(t *testing.T, b []byte, fresh func() codec) {
	first := fresh()
	err := first.Parse(b)
	if err != nil && err != ErrUnsupportedExtension {
		return
	}
	n := first.MarshalLen()
	enc := make([]byte, n)
	m, merr := first.MarshalTo(enc)
	if merr != nil {
		t.Fatalf("%T parsed from % x does not marshal: %v", first, b, merr)
	}
	if m != n {
		t.Fatalf("MarshalTo wrote %d octets, MarshalLen said %d", m, n)
	}
	second := fresh()
	if err2 := second.Parse(enc); err2 != err {
		t.Fatalf("re-parse error %v, first parse %v\n in % x\nout % x", err2, err, b, enc)
	}
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("round trip differs\n in % x\nout % x\n first %+v\nsecond %+v", b, enc, first, second)
	}
}

func FuzzParse(f *testing.F) {
	for _, g := range goldens() {
		f.Add(g.wire)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		roundTrip(t, b, newPacket)
		if len(b) >= 2 {
			if c := typed(b[1]); c != nil {
				roundTrip(t, b, func() codec { return typed(b[1]) })
			}
		}
	})
}

// TestSeedCorpus checks that every golden packet is in the fuzz seed
// corpus (go test -run SeedCorpus -update-seeds writes them).
func TestSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	for _, g := range goldens() {
		name := fmt.Sprintf("golden-%x", sha256.Sum256(g.wire))[:23]
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", g.wire)
		path := filepath.Join(dir, name)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != body {
			t.Errorf("%s: seed %s missing or stale (run with -update-seeds): %v", g.name, path, err)
		}
	}
}

// TestZeroAlloc: the fast path (parse and marshal of a G-PDU with a PDU
// Session Container, and the responder's answers) allocates nothing.
func TestZeroAlloc(t *testing.T) {
	var g golden
	for _, c := range goldens() {
		if c.name == "G-PDU with sequence number and DL container RQI PPP PPI" {
			g = c
		}
	}
	var p Packet
	if a := testing.AllocsPerRun(1000, func() {
		if err := p.Parse(g.wire); err != nil {
			panic(err)
		}
	}); a != 0 {
		t.Errorf("Parse: %v allocs, want 0", a)
	}
	buf := make([]byte, 2048)
	if a := testing.AllocsPerRun(1000, func() {
		if _, err := p.MarshalTo(buf); err != nil {
			panic(err)
		}
	}); a != 0 {
		t.Errorf("MarshalTo: %v allocs, want 0", a)
	}
	if a := testing.AllocsPerRun(1000, func() {
		if _, err := p.MarshalHeaderTo(buf, 1400); err != nil {
			panic(err)
		}
	}); a != 0 {
		t.Errorf("MarshalHeaderTo: %v allocs, want 0", a)
	}
	r := NewResponder(ResponderConfig{Rate: 1e12, Burst: 1 << 30})
	req := NewEchoRequest(5)
	local := netip.MustParseAddr("2001:db8::1")
	now := time.Unix(1, 0)
	if a := testing.AllocsPerRun(1000, func() {
		if _, err := r.EchoResponse(buf, &req.Header); err != nil {
			panic(err)
		}
		if _, err := r.ErrorIndication(buf, now, &p.Header, local, 40000); err != nil {
			panic(err)
		}
	}); a != 0 {
		t.Errorf("Responder: %v allocs, want 0", a)
	}
}
