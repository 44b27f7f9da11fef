package upf

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go5g/internal/pcapcheck"
	"go5g/internal/testenv"
)

// TestTshark runs the N4 session scenario on loopback under tcpdump and
// has Wireshark's PFCP and GTP-U dissectors check every message the UPF
// and the test's SMF sent: nothing malformed, the causes and the DL TEID
// as intended.
func TestTshark(t *testing.T) {
	testenv.NeedRoot(t)
	if err := pcapcheck.Available(); err != nil {
		testenv.Skip(t, err.Error())
	}
	x := newN4Pair(t)
	path := filepath.Join(t.TempDir(), "n4.pcap")
	// Only this test's ports: other tests share the loopback.
	filter := fmt.Sprintf("udp port %d or udp port %d or udp port %d", x.upfN4.Port(), x.smfN4.Port(), x.gnb.LocalAddr().Port())
	c, err := pcapcheck.Start("lo", filter, path)
	if err != nil {
		t.Fatal(err)
	}
	n4Scenario(t, x)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	decode := []string{
		fmt.Sprintf("udp.port==%d,pfcp", x.upfN4.Port()),
		fmt.Sprintf("udp.port==%d,pfcp", x.smfN4.Port()),
		fmt.Sprintf("udp.port==%d,gtp", x.gnb.LocalAddr().Port()),
	}
	// Nothing may be flagged, the rejection (cause #73) included.
	problems, err := pcapcheck.Check(path, decode, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("tshark: %+v", p)
	}
	rows, err := pcapcheck.Fields(path, decode, "pfcp.cause", "pfcp.msg_type", "pfcp.cause")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join(r, ":"))
	}
	// Establishment, report (DLDR), modification, report (usage),
	// rejected modification, deletion, deletion of an unknown session.
	for _, want := range []string{"51:1", "57:1", "53:1", "53:73", "55:1", "55:65"} {
		if !slices.Contains(got, want) {
			t.Errorf("no PFCP response type:cause %s in %v", want, got)
		}
	}
	teids, err := pcapcheck.Fields(path, decode, "gtp.message == 255", "gtp.teid", "gtp.ext_hdr.pdu_ses_con.qos_flow_id")
	if err != nil {
		t.Fatal(err)
	}
	if len(teids) != 3 {
		t.Fatalf("%d G-PDUs captured, want the 3 released from the buffer", len(teids))
	}
	for _, r := range teids {
		if len(r) < 2 || r[0] != fmt.Sprintf("0x%08x", dlTEID) || r[1] != "9" {
			t.Errorf("G-PDU fields %v, want TEID %#08x QFI 9", r, dlTEID)
		}
	}
}
