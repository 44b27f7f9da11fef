package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go5g/internal/pcapcheck"
)

// Captured sessions carry test bytes with PPID 0 (unspecified, RFC 9260
// §3.3.1), which tshark shows as plain data: with PPID 60 its NGAP dissector
// would rightly call them malformed. Each workload still carries one valid
// NGAP message with PPID 60. The SCTP ports are not 38412 either, which
// tshark decodes as NGAP whatever the PPID.
const (
	ppidTestData   = 0
	listenSCTPPort = 41001
	dialSCTPPort   = 41002
)

// chunkName names the chunk types a session shows. Spec: RFC 9260 §3.2.
func chunkName(ct int) string {
	names := map[int]string{
		0: "DATA", 1: "INIT", 2: "INIT_ACK", 3: "SACK", 4: "HEARTBEAT", 5: "HEARTBEAT_ACK",
		6: "ABORT", 7: "SHUTDOWN", 8: "SHUTDOWN_ACK", 9: "ERROR", 10: "COOKIE_ECHO",
		11: "COOKIE_ACK", 14: "SHUTDOWN_COMPLETE",
	}
	if n, ok := names[ct]; ok {
		return n
	}
	return "type " + strconv.Itoa(ct)
}

// gracefulSessionChunks are the chunk types of a session with data,
// heartbeats and a graceful shutdown: INIT, INIT ACK, COOKIE ECHO, COOKIE
// ACK, DATA, SACK, HEARTBEAT, HEARTBEAT ACK, SHUTDOWN, SHUTDOWN ACK and
// SHUTDOWN COMPLETE.
func gracefulSessionChunks() []int { return []int{1, 2, 10, 11, 0, 3, 4, 5, 7, 8, 14} }

// startCapture starts tcpdump on lo for the given UDP ports. Without root,
// tcpdump or tshark it skips, except under CI, where it fails.
func startCapture(t *testing.T, ports ...uint16) *pcapcheck.Capture {
	t.Helper()
	if err := pcapcheck.Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run the tshark oracle: %v", err)
		}
		t.Skipf("tshark oracle skipped: %v", err)
	}
	var filter []string
	for _, p := range ports {
		filter = append(filter, "udp port "+strconv.Itoa(int(p)))
	}
	c, err := pcapcheck.Start("lo", strings.Join(filter, " or "), filepath.Join(t.TempDir(), "sctp.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() }) // a no-op once checkCapture has stopped it
	return c
}

// decodeAs has tshark read the ports as SCTP over UDP and PPID 60 as NGAP.
func decodeAs(ports ...uint16) []string {
	d := []string{"sctp.ppi==60,ngap"}
	for _, p := range ports {
		d = append(d, fmt.Sprintf("udp.port==%d,sctp", p))
	}
	return d
}

// packet is what the tests read of one captured SCTP packet; a field that
// occurs in several chunks has several values.
type packet struct {
	frame      int
	dstPort    uint16 // UDP
	chunkTypes []int
	dataTSNs   []uint32
	ppids      []uint32
	gapBlocks  []int // per SACK chunk
	ngapProcs  []int // NGAP procedure codes decoded
}

// readPackets reads every SCTP packet of the capture with one tshark run
// (each run costs about a second, more on a loaded machine).
func readPackets(t *testing.T, path string, ports []uint16) []packet {
	t.Helper()
	rows, err := pcapcheck.Fields(path, decodeAs(ports...), "sctp",
		"frame.number", "udp.dstport", "sctp.chunk_type", "sctp.data_tsn_raw",
		"sctp.data_payload_proto_id", "sctp.sack_number_of_gap_blocks", "ngap.procedureCode")
	if err != nil {
		t.Fatal(err)
	}
	ints := func(s string) []int {
		var out []int
		for _, v := range strings.Split(s, ",") {
			if n, err := strconv.ParseUint(v, 10, 32); err == nil {
				out = append(out, int(n))
			}
		}
		return out
	}
	u32s := func(s string) []uint32 {
		var out []uint32
		for _, n := range ints(s) {
			out = append(out, uint32(n))
		}
		return out
	}
	pkts := make([]packet, 0, len(rows))
	for _, r := range rows {
		if len(r) != 7 {
			t.Fatalf("tshark row %q: want 7 fields", r)
		}
		frame, _ := strconv.Atoi(r[0])
		port, _ := strconv.Atoi(r[1])
		pkts = append(pkts, packet{frame: frame, dstPort: uint16(port), chunkTypes: ints(r[2]),
			dataTSNs: u32s(r[3]), ppids: u32s(r[4]), gapBlocks: ints(r[5]), ngapProcs: ints(r[6])})
	}
	return pkts
}

// checkCapture stops the capture and checks it with tshark: no malformed
// packet, no expert info of Warning or above (so every CRC32c is right),
// every chunk type in want seen, and the NGAP message decoded. It returns
// the packets for further checks, and keeps the file when the test fails
// and GO5G_KEEP_PCAP names a directory.
func checkCapture(t *testing.T, c *pcapcheck.Capture, ports []uint16, want []int) []packet {
	t.Helper()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("GO5G_KEEP_PCAP"); dir != "" {
		t.Cleanup(func() {
			if t.Failed() {
				keep := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".pcap")
				if b, err := os.ReadFile(c.Path()); err == nil && os.WriteFile(keep, b, 0o644) == nil {
					t.Logf("capture kept in %s", keep)
				}
			}
		})
	}
	problems, err := pcapcheck.Check(c.Path(), decodeAs(ports...), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("tshark: %v", p)
	}
	pkts := readPackets(t, c.Path(), ports)
	seen := map[int]int{}
	ngap := false
	for _, p := range pkts {
		for _, ct := range p.chunkTypes {
			seen[ct]++
		}
		if contains(p.ngapProcs, 21) && contains(p.ppids, 60) {
			ngap = true
		}
	}
	var missing []string
	for _, ct := range want {
		if seen[ct] == 0 {
			missing = append(missing, chunkName(ct))
		}
	}
	if len(missing) != 0 {
		t.Errorf("tshark saw no %s chunk; seen: %s", strings.Join(missing, ", "), describeChunks(seen))
	}
	if !ngap {
		t.Error("tshark decoded no NGSetupRequest with PPID 60: PPID or payload mangled on the wire")
	}
	t.Logf("%d SCTP packets: %s", len(pkts), describeChunks(seen))
	return pkts
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func describeChunks(seen map[int]int) string {
	var types []int
	for ct := range seen {
		types = append(types, ct)
	}
	sort.Ints(types)
	var s []string
	for _, ct := range types {
		s = append(s, fmt.Sprintf("%s×%d", chunkName(ct), seen[ct]))
	}
	return strings.Join(s, " ")
}
