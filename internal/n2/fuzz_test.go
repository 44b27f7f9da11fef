package n2

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

var (
	strictPanic = flag.Bool("n2.strictpanic", false,
		"FuzzDecode fails when the codec panics (to hunt codec bugs; Decode contains them either way)")
	updateCorpus = flag.Bool("n2.update", false, "rewrite testdata/fuzz/FuzzDecode from the samples")
)

// FuzzDecode: Decode never panics; every failure is a ProtocolError that
// ErrorIndicationFor can answer; on success the routing IDs agree with the codec,
// the typed parsers do not panic, and re-encoding is a fixed point
// (enc(dec(enc(dec(b)))) == enc(dec(b))).
func FuzzDecode(f *testing.F) {
	for _, s := range samples() {
		f.Add(mustMarshal(s.msg))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode error %v (%T) is not a ProtocolError", err, err)
			}
			if *strictPanic && errors.Is(err, errPanic) {
				t.Fatalf("codec panic (contained by Decode): %v", err)
			}
			if _, err := ErrorIndicationFor(err, pe.IDs); err != nil {
				t.Fatalf("ErrorIndicationFor(%v): %v", pe, err)
			}
			return
		}
		checkIDsAgainstCodec(t, p)
		parseTyped(p)
		b2, err := p.Msg.MarshalBinary()
		if err != nil {
			return // the codec decodes some messages it will not encode (missing "ignore" IEs)
		}
		p2, err := Decode(b2)
		if err != nil {
			t.Fatalf("re-encoded %v %v does not decode: %v\nin  %x\nout %x", p.Procedure, p.Type, err, b, b2)
		}
		b3, err := p2.Msg.MarshalBinary()
		if err != nil || !bytes.Equal(b2, b3) {
			t.Fatalf("re-encoding is not stable: %v\n%x\n%x", err, b2, b3)
		}
		// The codec writes each procedure's own criticality, not the one received, and
		// drops IEs it skipped (which the scanner may have seen, see scanIDs).
		if p2.Procedure != p.Procedure || p2.Type != p.Type ||
			p2.IDs.HasAMF && (!p.IDs.HasAMF || p.IDs.AMF != p2.IDs.AMF) ||
			p2.IDs.HasRAN && (!p.IDs.HasRAN || p.IDs.RAN != p2.IDs.RAN) {
			t.Fatalf("Info changed on re-encoding: %+v -> %+v", p.Info, p2.Info)
		}
	})
}

// checkIDsAgainstCodec compares the scanned UE NGAP IDs with the ones the codec
// decoded (found by field name, in tests only). The scanner may see more (an ID IE
// in a message that does not define it), never different values.
func checkIDsAgainstCodec(t *testing.T, p PDU) {
	t.Helper()
	v := reflect.ValueOf(p.Msg).Elem()
	if f := v.FieldByName("AMFUENGAPID"); f.IsValid() {
		if a, _ := f.Interface().(*ie.AMFUENGAPID); a != nil && (!p.IDs.HasAMF || int64(p.IDs.AMF) != a.Value) {
			t.Fatalf("%v: scanned AMF UE NGAP ID %+v, codec %d", p.Procedure, p.IDs, a.Value)
		}
	}
	if f := v.FieldByName("RANUENGAPID"); f.IsValid() {
		if r, _ := f.Interface().(*ie.RANUENGAPID); r != nil && (!p.IDs.HasRAN || int64(p.IDs.RAN) != r.Value) {
			t.Fatalf("%v: scanned RAN UE NGAP ID %+v, codec %d", p.Procedure, p.IDs, r.Value)
		}
	}
	if m, ok := p.Msg.(*message.UEContextReleaseCommand); ok && m.UENGAPIDs != nil {
		switch c := m.UENGAPIDs.Choice.(type) {
		case *ie.UENGAPIDPair:
			if c.AMFUENGAPID != nil && c.RANUENGAPID != nil &&
				p.IDs != (UEIDs{AMF: uint64(c.AMFUENGAPID.Value), RAN: uint32(c.RANUENGAPID.Value), HasAMF: true, HasRAN: true}) {
				t.Fatalf("scanned %+v, codec pair %d/%d", p.IDs, c.AMFUENGAPID.Value, c.RANUENGAPID.Value)
			}
		case *ie.AMFUENGAPID:
			if p.IDs != (UEIDs{AMF: uint64(c.Value), HasAMF: true}) {
				t.Fatalf("scanned %+v, codec AMF UE NGAP ID %d", p.IDs, c.Value)
			}
		}
	}
}

// parseTyped runs whichever typed parser fits the PDU; errors are fine, panics fail.
func parseTyped(p PDU) {
	for _, s := range samples() {
		if s.info.Procedure == p.Procedure && s.info.Type == p.Type {
			_, _ = s.parse(p)
			return
		}
	}
}

// publicInputs are crafted PDUs from public crash reports against other NGAP
// implementations, kept as regression inputs: Decode must answer each without
// panicking, and an Error Indication for it must be buildable.
var publicInputs = []struct {
	name, source, hex string
	malformed         bool // Decode must fail
}{
	{"open5gs-4375-UplinkNASTransport-AMF-ID-out-of-range", "https://github.com/open5gs/open5gs/issues/4375",
		"002e004900000400558005c0ffffffff000a8007a00100000000000026400100007900295afffffffffffffff000000" +
			"0004001ff40ffffffffffff000000004001ffffffffff000000004001ff", true},
	{"open5gs-4376-HandoverNotify-AMF-ID-out-of-range", "https://github.com/open5gs/open5gs/issues/4376",
		"000b0017000002000a8007a001000000000000554005c0ffffffff", true},
	{"open5gs-4377-PDUSessionResourceSetupResponse", "https://github.com/open5gs/open5gs/issues/4377",
		"201d005f0000040013000878ff100020ffff00000a8007a0014138f98abf003a000e0000ff0a4003c0ff600010ffff" +
			"00004b002f0000ff2b7013e0ffffffffffffffffffffffffffffffffffffffffffffffff013f4000000000000000000014" +
			"01fc20", true},
	{"free5gc-835-InitialUEMessage-bad-NAS", "https://github.com/free5gc/free5gc/issues/835",
		"000f40480000050055000200010026001a197e00417900070102f839000000000000fa0000fa04f0f0f0f0007900135002" +
			"f839000002010002f839000001ed80e778005a4001180070400100", false},
	{"free5gc-747-InitialUEMessage-bad-SUCI", "https://github.com/free5gc/free5gc/issues/747",
		"000f404200000500550002000100260018177e0041790005a102f83970ff00001200200c1aae8208200079000f4002f8" +
			"39000000001002f839000001005a4001100070400100", false},
}

func TestPublicInputs(t *testing.T) {
	for _, in := range publicInputs {
		p, err := Decode(unhexString(in.hex))
		if (err != nil) != in.malformed {
			t.Errorf("%s: Decode err = %v, want malformed %v", in.name, err, in.malformed)
		}
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("%s: %v", in.name, err)
			}
			if _, err := ErrorIndicationFor(err, pe.IDs); err != nil {
				t.Errorf("%s: ErrorIndicationFor: %v", in.name, err)
			}
			continue
		}
		parseTyped(p) // NAS inside is opaque here: the NGAP layer parses fine
		if p.Procedure == ProcInitialUEMessage {
			if _, err := ParseInitialUEMessage(p); err != nil {
				t.Errorf("%s: %v", in.name, err)
			}
		}
	}
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzDecode equal to the sample messages and
// the public inputs (run with -n2.update to rewrite them), so that `go test` replays
// every builder's output, those inputs, and any regression inputs added there.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	for _, s := range samples() {
		name := "sample-" + strings.NewReplacer("/", "-", " ", "-").Replace(s.name)
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", mustMarshal(s.msg))
		path := filepath.Join(dir, name)
		if *updateCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("%s is missing or stale (%v); run go test -run TestFuzzCorpus -n2.update", path, err)
		}
	}
	for _, in := range publicInputs {
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", unhexString(in.hex))
		path := filepath.Join(dir, "public-"+in.name)
		if *updateCorpus {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			t.Errorf("%s is missing or stale (%v); run go test -run TestFuzzCorpus -n2.update", path, err)
		}
	}
}
