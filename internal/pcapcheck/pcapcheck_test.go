package pcapcheck

import (
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// needTshark skips without tshark, except in CI where it must be installed.
func needTshark(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark not installed; CI must install it")
		}
		t.Skip("tshark not installed")
	}
}

// writePcap writes an Ethernet pcap file of IPv4/UDP packets, 127.0.0.1 to
// 127.0.0.1, one per payload.
func writePcap(t *testing.T, path string, dstPort uint16, payloads ...[]byte) {
	t.Helper()
	var b []byte
	// pcap global header: magic, v2.4, zone 0, sigfigs 0, snaplen, LINKTYPE_ETHERNET.
	b = binary.LittleEndian.AppendUint32(b, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, 1)
	for i, pl := range payloads {
		pkt := make([]byte, 14, 14+28+len(pl))
		binary.BigEndian.PutUint16(pkt[12:], 0x0800)
		ip := make([]byte, 20)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(28+len(pl)))
		ip[8], ip[9] = 64, 17
		copy(ip[12:], []byte{127, 0, 0, 1, 127, 0, 0, 1})
		var sum uint32
		for j := 0; j < 20; j += 2 {
			sum += uint32(binary.BigEndian.Uint16(ip[j:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
		udp := make([]byte, 8)
		binary.BigEndian.PutUint16(udp[0:], 40000)
		binary.BigEndian.PutUint16(udp[2:], dstPort)
		binary.BigEndian.PutUint16(udp[4:], uint16(8+len(pl)))
		pkt = append(append(append(pkt, ip...), udp...), pl...)
		b = binary.LittleEndian.AppendUint32(b, uint32(i+1)) // seconds
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
		b = append(b, pkt...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// truncateRecords rewrites the capture length of every record of a file
// written by writePcap to n bytes, as a short snap length would.
func truncateRecords(t *testing.T, path string, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	out = append(out, b[:24]...)
	for r := b[24:]; len(r) >= 16; {
		capLen := int(binary.LittleEndian.Uint32(r[8:]))
		rec := append([]byte(nil), r[:16]...)
		keep := min(n, capLen)
		binary.LittleEndian.PutUint32(rec[8:], uint32(keep))
		out = append(append(out, rec...), r[16:16+keep]...)
		r = r[16+capLen:]
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// gtpEcho is a GTP-U Echo Request (TS 29.281 §7.2.1) whose Length field is
// length; 4 is right (sequence number, N-PDU number, next extension type).
func gtpEcho(length uint16) []byte {
	b := []byte{0x32, 1, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0, 0}
	binary.BigEndian.PutUint16(b[2:], length)
	return b
}

func TestCheck(t *testing.T) {
	needTshark(t)
	path := filepath.Join(t.TempDir(), "x.pcap")
	writePcap(t, path, 2152,
		gtpEcho(4),      // frame 1: clean
		gtpEcho(10),     // frame 2: Length disagrees with the UDP length
		[]byte{0x32, 1}, // frame 3: truncated GTP-U header
	)
	decode := []string{"udp.port==2152,gtp"}

	problems, err := Check(path, decode, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]Problem{}
	for _, p := range problems {
		got[p.Frame] = p
	}
	if len(problems) != 2 {
		t.Fatalf("problems = %v, want frames 2 and 3", problems)
	}
	if !hasField(got[2].Experts, "gtp.length") {
		t.Errorf("frame 2: experts %v, want the gtp.length check", got[2].Experts)
	}
	if len(got[3].Experts) == 0 || got[3].Experts[0].Severity != "Error" {
		t.Errorf("frame 3: experts %v, want an Error", got[3].Experts)
	}
	if got[3].Info == "" {
		t.Errorf("frame 3: empty Info column")
	}
	if s := got[2].String(); !strings.HasPrefix(s, "frame 2: ") || !strings.Contains(s, "gtp.length") {
		t.Errorf("String() = %q", s)
	}

	// Allowing frame 3's expert infos by field name leaves frame 2 only.
	var allow []string
	for _, e := range got[3].Experts {
		allow = append(allow, e.Field)
	}
	problems, err = Check(path, decode, allow)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].Frame != 2 {
		t.Errorf("with %v allowed: problems = %v, want frame 2 only", allow, problems)
	}
}

// TestCheckTruncated: a packet cut by the snap length is a problem, not a
// packet silently left half checked.
func TestCheckTruncated(t *testing.T) {
	needTshark(t)
	path := filepath.Join(t.TempDir(), "x.pcap")
	writePcap(t, path, 40001, make([]byte, 100))
	truncateRecords(t, path, 60)
	problems, err := Check(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !hasField(problems[0].Experts, "frame.cap_len") {
		t.Fatalf("problems = %v, want frame 1 with frame.cap_len", problems)
	}
}

func TestFields(t *testing.T) {
	needTshark(t)
	path := filepath.Join(t.TempDir(), "x.pcap")
	writePcap(t, path, 2152, gtpEcho(4), gtpEcho(4))
	rows, err := Fields(path, nil, "gtp.message == 1", "frame.number", "gtp.length", "udp.dstport")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"1", "4", "2152"}, {"2", "4", "2152"}}
	if len(rows) != len(want) {
		t.Fatalf("rows = %q, want %q", rows, want)
	}
	for i := range want {
		if strings.Join(rows[i], " ") != strings.Join(want[i], " ") {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
	if _, err := Fields(path, nil, "no.such.field == 1", "frame.number"); err == nil {
		t.Error("an invalid filter returned no error")
	}
}

// TestCapture captures datagrams sent just before Stop: none may be lost.
func TestCapture(t *testing.T) {
	if err := Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	port := rx.LocalAddr().(*net.UDPAddr).Port
	path := filepath.Join(t.TempDir(), "x.pcap")
	c, err := Start("lo", "udp dst port "+strconv.Itoa(port), path)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	const n = 1000 // a burst: far more than libpcap's default ring holds on lo
	for i := 0; i < n; i++ {
		if _, err := tx.Write([]byte{byte(i >> 8), byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	rows, err := Fields(c.Path(), nil, "", "data.data")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Errorf("captured %d packets, want %d", len(rows), n)
	}
	problems, err := Check(c.Path(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("problems in plain UDP: %v", problems)
	}
}

func TestDropped(t *testing.T) {
	report := "tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n" +
		"1000 packets captured\n1000 packets received by filter\n120 packets dropped by kernel"
	if n := dropped(report); n != 120 {
		t.Errorf("dropped = %d, want 120", n)
	}
	if n := dropped("0 packets dropped by kernel\n"); n != 0 {
		t.Errorf("dropped = %d, want 0", n)
	}
}
