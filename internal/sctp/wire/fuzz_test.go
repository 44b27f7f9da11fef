package wire

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary packets. The checksum is fixed up first
// so the fuzzer reaches the chunk parsers rather than stopping at the CRC.
// Whatever parses must survive a round trip: parse(marshal(parse(b))) equals
// parse(b), and marshalling is then a fixed point.
func FuzzParse(f *testing.F) {
	for _, tc := range goldenChunks {
		f.Add(packetWith(tc.wire))
	}
	for _, tc := range malformed {
		f.Add(packetWith(tc.chunks))
	}
	f.Add(usrsctpInit)
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Parse(b); err != nil && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("Parse of the raw input: unexpected error %v", err)
		}
		if len(b) >= HeaderLen {
			b = bytes.Clone(b)
			SetChecksum(b)
		}
		p, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse with a fixed checksum: %v, want nil or ErrMalformed", err)
			}
			return
		}
		m := p.Marshal()
		if len(m) != p.MarshalLen() {
			t.Fatalf("Marshal wrote %d bytes, MarshalLen says %d", len(m), p.MarshalLen())
		}
		q, err := Parse(m)
		if err != nil {
			t.Fatalf("Parse(Marshal(Parse(b))): %v\ninput % x\nmarshalled % x", err, b, m)
		}
		if m2 := q.Marshal(); !bytes.Equal(m, m2) {
			t.Fatalf("Marshal is not a fixed point\nfirst  % x\nsecond % x", m, m2)
		}
		if !equalPacket(&p, &q) {
			t.Fatalf("round trip differs\n got %s\nwant %s", dumpPacket(&q), dumpPacket(&p))
		}
	})
}

// TestFuzzCorpus checks that the seed corpus files are valid packets, so
// the fuzzer starts from inputs that reach every chunk parser.
func TestFuzzCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 12 {
		t.Fatalf("%d seed corpus files, want at least 12", len(files))
	}
	types := map[ChunkType]bool{}
	for _, name := range files {
		b, err := readCorpusFile(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, c := range p.Chunks {
			types[c.Type()] = true
		}
	}
	for _, ct := range []ChunkType{TypeData, TypeInit, TypeInitAck, TypeSack, TypeHeartbeat, TypeHeartbeatAck,
		TypeAbort, TypeShutdown, TypeShutdownAck, TypeError, TypeCookieEcho, TypeCookieAck, TypeShutdownComplete} {
		if !types[ct] {
			t.Errorf("no seed corpus file has a %s chunk", ct)
		}
	}
}

// readCorpusFile reads a "go test fuzz v1" file holding one []byte value.
func readCorpusFile(name string) ([]byte, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	header, lit, ok := strings.Cut(strings.TrimSpace(string(raw)), "\n")
	if !ok || header != "go test fuzz v1" || !strings.HasPrefix(lit, "[]byte(") || !strings.HasSuffix(lit, ")") {
		return nil, errors.New("not a go test fuzz v1 file with one []byte")
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")"))
	return []byte(s), err
}
