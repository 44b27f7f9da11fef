package n3

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go5g/internal/pcapcheck"
	"go5g/internal/testenv"
)

// writePcap writes each payload as an IPv4/UDP datagram from
// 127.0.0.1:40000 to 127.0.0.2:dport in a pcap file of link type RAW (101).
func writePcap(t *testing.T, path string, dport uint16, payloads [][]byte) {
	t.Helper()
	var f []byte
	f = binary.LittleEndian.AppendUint32(f, 0xa1b2c3d4) // magic, microseconds
	f = binary.LittleEndian.AppendUint16(f, 2)          // version 2.4
	f = binary.LittleEndian.AppendUint16(f, 4)
	f = binary.LittleEndian.AppendUint32(f, 0)     // this zone
	f = binary.LittleEndian.AppendUint32(f, 0)     // sigfigs
	f = binary.LittleEndian.AppendUint32(f, 65535) // snap length
	f = binary.LittleEndian.AppendUint32(f, 101)   // LINKTYPE_RAW
	for i, p := range payloads {
		pkt := ipv4UDP([4]byte{127, 0, 0, 1}, [4]byte{127, 0, 0, 2}, 40000, dport, p)
		f = binary.LittleEndian.AppendUint32(f, uint32(1700000000+i))
		f = binary.LittleEndian.AppendUint32(f, 0)
		f = binary.LittleEndian.AppendUint32(f, uint32(len(pkt)))
		f = binary.LittleEndian.AppendUint32(f, uint32(len(pkt)))
		f = append(f, pkt...)
	}
	if err := os.WriteFile(path, f, 0o644); err != nil {
		t.Fatal(err)
	}
}

func csum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

func ipv4UDP(src, dst [4]byte, sport, dport uint16, payload []byte) []byte {
	ulen := 8 + len(payload)
	ip := []byte{0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+ulen))
	ip = append(append(ip, src[:]...), dst[:]...)
	binary.BigEndian.PutUint16(ip[10:], csum(ip, 0))
	udp := make([]byte, 8, ulen)
	binary.BigEndian.PutUint16(udp[0:], sport)
	binary.BigEndian.PutUint16(udp[2:], dport)
	binary.BigEndian.PutUint16(udp[4:], uint16(ulen))
	udp = append(udp, payload...)
	// Pseudo-header: addresses, protocol, UDP length.
	var sum uint32
	for _, w := range [][]byte{src[:], dst[:]} {
		sum += uint32(binary.BigEndian.Uint16(w)) + uint32(binary.BigEndian.Uint16(w[2:]))
	}
	sum += 17 + uint32(ulen)
	c := csum(udp, sum)
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(udp[6:], c)
	return append(ip, udp...)
}

// TestTsharkOracle writes the golden packets into a pcap and has tshark
// decode them: no malformed packet or expert warning, and the PDU Session
// Container fields decode to what we set.
func TestTsharkOracle(t *testing.T) {
	testenv.NeedTool(t, "tshark")
	var payloads [][]byte
	var want []golden
	for _, g := range goldens() {
		if g.shark {
			payloads = append(payloads, g.wire)
			want = append(want, g)
		}
	}
	path := filepath.Join(t.TempDir(), "golden.pcap")
	writePcap(t, path, Port, payloads)
	decode := []string{"udp.port==2152,gtp"}
	checkPcap(t, path, decode, len(payloads))

	// The oracle must be able to fail: a G-PDU whose length field
	// overruns the datagram is flagged.
	bad := append([]byte(nil), want[0].wire...)
	bad[3]++
	badPath := filepath.Join(t.TempDir(), "bad.pcap")
	writePcap(t, badPath, Port, [][]byte{bad})
	if problems, err := pcapcheck.Check(badPath, decode, nil); err != nil || len(problems) != 1 {
		t.Errorf("tshark on a bad length: %v, %v; want one problem", problems, err)
	}

	rows, err := pcapcheck.Fields(path, decode, "", "frame.number", "gtp.message", "gtp.teid",
		"gtp.ext_hdr.pdu_ses_con.pdu_type", "gtp.ext_hdr.pdu_ses_con.qos_flow_id",
		"gtp.ext_hdr.pdu_ses_cont.rqi", "gtp.ext_hdr.pdu_ses_cont.ppi", "gtp.ext_hdr.udp_port",
		"gtp.teid_data", "gtp.gsn_ipv4", "gtp.gsn_ipv6", "gtp.recovery")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		t.Logf("tshark: %q", r)
	}
	if len(rows) != len(want) {
		t.Fatalf("tshark shows %d packets, want %d", len(rows), len(want))
	}
	for i, g := range want {
		row := rows[i]
		var h *Header
		switch v := g.value.(type) {
		case *Packet:
			h = &v.Header
		case *EchoRequest:
			h = &v.Header
		case *EchoResponse:
			h = &v.Header
		case *ErrorIndication:
			h = &v.Header
		case *SupportedExtensionHeadersNotification:
			h = &v.Header
		case *EndMarker:
			h = &v.Header
		}
		if row[1] != fmt.Sprintf("0x%02x", h.Type) {
			t.Errorf("%s: tshark message type %q, want %d", g.name, row[1], h.Type)
		}
		if teid, _ := strconv.ParseUint(strings.TrimPrefix(row[2], "0x"), 16, 32); uint32(teid) != h.TEID {
			t.Errorf("%s: tshark TEID %q, want %#x", g.name, row[2], h.TEID)
		}
		wantType, wantQFI, wantRQI, wantPPI := "", "", "", ""
		if pc := h.PDUSession(); pc != nil {
			wantType, wantQFI = fmt.Sprint(pc.PDUType), fmt.Sprint(pc.QFI)
			if pc.PDUType == PDUTypeDL {
				wantRQI = "0"
				if pc.RQI {
					wantRQI = "1"
				}
				if pc.PPP {
					wantPPI = fmt.Sprint(pc.PPI)
				}
			}
		}
		for _, f := range []struct{ name, got, want string }{
			{"PDU type", row[3], wantType}, {"QFI", row[4], wantQFI}, {"RQI", row[5], wantRQI}, {"PPI", row[6], wantPPI},
		} {
			if f.got != f.want {
				t.Errorf("%s: tshark %s %q, want %q", g.name, f.name, f.got, f.want)
			}
		}
		switch v := g.value.(type) {
		case *ErrorIndication:
			addr := row[9] + row[10]
			if row[8] != fmt.Sprintf("0x%08x", v.TEIDDataI) || addr != v.PeerAddress.String() {
				t.Errorf("%s: tshark TEID Data I %q, peer %q; want %#x, %v", g.name, row[8], addr, v.TEIDDataI, v.PeerAddress)
			}
		case *EchoResponse:
			if row[11] != fmt.Sprint(v.Recovery) {
				t.Errorf("%s: tshark Recovery %q, want %d", g.name, row[11], v.Recovery)
			}
		}
		for j := 0; j < h.NumExt; j++ {
			if e := h.Exts[j]; e.Type == ExtUDPPort && row[7] != fmt.Sprint(e.Value) {
				t.Errorf("%s: tshark UDP port %q, want %d", g.name, row[7], e.Value)
			}
		}
	}
}

func checkPcap(t *testing.T, path string, decode []string, frames int) {
	t.Helper()
	problems, err := pcapcheck.Check(path, decode, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("tshark: %v", p)
	}
	rows, err := pcapcheck.Fields(path, decode, "gtp", "frame.number")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != frames {
		t.Errorf("tshark decodes %d frames as gtp, want %d", len(rows), frames)
	}
}

// TestTsharkCapture sends the golden packets through Conn over loopback,
// captures them with tcpdump and checks them with tshark: the bytes on the
// wire are what the socket layer really sent.
func TestTsharkCapture(t *testing.T) {
	if err := pcapcheck.Available(); err != nil {
		testenv.Skip(t, err.Error())
	}
	a, b := connPair(t, "127.0.0.1")
	port := b.LocalAddr().Port()
	path := filepath.Join(t.TempDir(), "capture.pcap")
	c, err := pcapcheck.Start("lo", fmt.Sprintf("udp dst port %d", port), path)
	if err != nil {
		t.Fatal(err)
	}
	var ms []Message
	for _, g := range goldens() {
		if g.shark {
			ms = append(ms, Message{Buf: g.wire, Addr: b.LocalAddr()})
		}
	}
	if n, err := a.WriteBatch(ms); err != nil || n != len(ms) {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	got := 0
	_ = b.UDPConn().SetReadDeadline(time.Now().Add(5 * time.Second))
	for got < len(ms) {
		rx, err := b.ReadBatch()
		if err != nil {
			t.Fatalf("after %d datagrams: %v", got, err)
		}
		got += len(rx)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	checkPcap(t, path, []string{fmt.Sprintf("udp.port==%d,gtp", port)}, len(ms))
}

func connPair(t testing.TB, host string) (*Conn, *Conn) {
	t.Helper()
	open := func() *Conn {
		uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(host)})
		if err != nil {
			t.Fatal(err)
		}
		_ = uc.SetReadBuffer(8 << 20)
		_ = uc.SetWriteBuffer(8 << 20)
		c, err := NewConn(uc, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	return open(), open()
}
