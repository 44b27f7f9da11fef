package wire

import (
	"encoding/binary"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writePcap writes packets as SCTP over IPv4 (127.0.0.1 > 127.0.0.2) in a
// pcap file of link type RAW (101).
func writePcap(name string, pkts [][]byte) error {
	b := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4) // magic, microsecond timestamps
	b = binary.LittleEndian.AppendUint16(b, 2)             // version 2.4
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 0)     // thiszone
	b = binary.LittleEndian.AppendUint32(b, 0)     // sigfigs
	b = binary.LittleEndian.AppendUint32(b, 65535) // snaplen
	b = binary.LittleEndian.AppendUint32(b, 101)   // LINKTYPE_RAW
	for i, p := range pkts {
		ip := []byte{
			0x45, 0x00, 0, 0, // version 4, IHL 5, TOS, total length (below)
			0, 0, 0x40, 0x00, // identification, DF
			64, 132, 0, 0, // TTL, protocol SCTP, header checksum (below)
			127, 0, 0, 1, // source
			127, 0, 0, 2, // destination
		}
		binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)+len(p)))
		binary.BigEndian.PutUint16(ip[4:], uint16(i))
		binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip))
		n := uint32(len(ip) + len(p))
		b = binary.LittleEndian.AppendUint32(b, uint32(i)) // seconds
		b = binary.LittleEndian.AppendUint32(b, 0)         // microseconds
		b = binary.LittleEndian.AppendUint32(b, n)
		b = binary.LittleEndian.AppendUint32(b, n)
		b = append(append(b, ip...), p...)
	}
	return os.WriteFile(name, b, 0o644)
}

func ipChecksum(h []byte) uint16 {
	var s uint32
	for i := 0; i < len(h); i += 2 {
		s += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// TestTshark has Wireshark's SCTP dissector, an independent decoder, read
// every canonical golden chunk and packets built by the helpers: each must
// have a good CRC32c, the chunk types and lengths we meant, and no malformed
// field or expert warning. Skipped where tshark is not installed.
func TestTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	var pkts []*Packet
	for _, g := range goldenChunks {
		if !g.parseOnly {
			pkts = append(pkts, &Packet{SrcPort: 5001, DstPort: 38412, VerificationTag: 1, Chunks: []Chunk{g.chunk}})
		}
	}
	pkts = append(pkts,
		&Packet{SrcPort: 38412, DstPort: 5001, VerificationTag: 2, Chunks: []Chunk{&InitAck{
			InitiateTag: 3, ARwnd: 65536, OutStreams: 1, InStreams: 1, InitialTSN: 4,
			Params: []Param{
				{Type: ParamStateCookie, Value: []byte{1, 2, 3}},
				UnrecognizedParam(Param{Type: 0x4001, Value: []byte{1}}),
				UnrecognizedParam(Param{Type: 0xc0aa, Value: []byte{1, 2}}),
			},
		}}},
		&Packet{SrcPort: 5001, DstPort: 38412, VerificationTag: 5, Chunks: []Chunk{
			&CookieEcho{Cookie: []byte{1, 2, 3, 4, 5}},
			&Data{Flags: FlagBegin | FlagEnd, TSN: 9, PPID: 60, UserData: []byte{1, 2, 3}},
			&Sack{CumTSNAck: 8, ARwnd: 1000, Gaps: []GapBlock{{2, 2}}},
		}},
		&Packet{SrcPort: 5001, DstPort: 38412, VerificationTag: 6, Chunks: []Chunk{
			&Error{Causes: []Cause{
				UnknownChunkCause(&Unknown{ChunkType: 0x41, Value: []byte{1}}),
				UnrecognizedParamsCause(Param{Type: 0x8001, Value: []byte{1}}, Param{Type: 0x8002}),
				InvalidStreamCause(3), StaleCookieCause(10), NoUserDataCause(7),
			}},
			&Abort{Causes: []Cause{MissingParamCause(ParamStateCookie), UserInitiatedAbortCause([]byte("bye"))}},
		}},
		&Packet{SrcPort: 5001, DstPort: 38412, Chunks: []Chunk{&Init{
			InitiateTag: 7, ARwnd: 65536, OutStreams: 2, InStreams: 2, InitialTSN: 8,
			Params: []Param{
				AddrParam(netip.MustParseAddr("192.0.2.1")), AddrParam(netip.MustParseAddr("2001:db8::2")),
				SupportedAddrTypesParam(ParamIPv4Address, ParamIPv6Address, ParamHostNameAddress),
				CookiePreservativeParam(1000),
			},
		}}},
	)
	raw := make([][]byte, len(pkts))
	for i, p := range pkts {
		raw[i] = p.Marshal()
	}
	raw = append(raw, usrsctpInit)
	if p, err := Parse(usrsctpInit); err == nil {
		pkts = append(pkts, &p)
	} else {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "sctp.pcap")
	if err := writePcap(name, raw); err != nil {
		t.Fatal(err)
	}
	// PPID 60 user data here is not NGAP: keep the NGAP dissector out.
	cmd := exec.Command(tshark, "-n", "-o", "sctp.checksum:CRC-32C", "--disable-protocol", "ngap", "-r", name,
		"-T", "fields", "-E", "separator=;", "-e", "sctp.checksum.status", "-e", "sctp.chunk_type",
		"-e", "sctp.chunk_length", "-e", "_ws.malformed", "-e", "_ws.expert.severity", "-e", "_ws.expert.message")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(pkts) {
		t.Fatalf("tshark printed %d lines for %d packets:\n%s", len(lines), len(pkts), out)
	}
	const piWarn = 0x00600000 // Wireshark's PI_WARN severity
	for i, line := range lines {
		f := strings.Split(line, ";")
		if len(f) != 6 {
			t.Fatalf("frame %d: unexpected tshark line %q", i+1, line)
		}
		var types, lens []string
		for _, c := range pkts[i].Chunks {
			types = append(types, strconv.Itoa(int(c.Type())))
			lens = append(lens, strconv.Itoa(c.MarshalLen()))
			// tshark also lists the chunk inside an Unrecognized Chunk Type cause.
			var causes []Cause
			switch c := c.(type) {
			case *Error:
				causes = c.Causes
			case *Abort:
				causes = c.Causes
			}
			for _, cs := range causes {
				if cs.Code == CauseUnrecognizedChunk && len(cs.Info) >= 4 {
					types = append(types, strconv.Itoa(int(cs.Info[0])))
					lens = append(lens, strconv.Itoa(int(binary.BigEndian.Uint16(cs.Info[2:]))))
				}
			}
		}
		if f[0] != "1" {
			t.Errorf("frame %d: checksum status %q, want 1 (good)", i+1, f[0])
		}
		if want := strings.Join(types, ","); f[1] != want {
			t.Errorf("frame %d: chunk types %q, want %q", i+1, f[1], want)
		}
		if want := strings.Join(lens, ","); f[2] != want {
			t.Errorf("frame %d: chunk lengths %q, want %q", i+1, f[2], want)
		}
		if f[3] != "" {
			t.Errorf("frame %d (%s): malformed: %s", i+1, dumpPacket(pkts[i]), f[5])
		}
		for _, s := range strings.Split(f[4], ",") {
			if sev, _ := strconv.Atoi(s); sev >= piWarn {
				t.Errorf("frame %d (%s): expert severity %#x: %s", i+1, dumpPacket(pkts[i]), sev, f[5])
			}
		}
	}
}
