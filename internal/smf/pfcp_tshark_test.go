package smf

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/pcapcheck"
	"go5g/internal/rules"
	"go5g/internal/testenv"
)

// TestPFCPTshark has Wireshark's PFCP dissector, an independent decoder,
// read what the SMF sends for a PDU session (establishment with CHOOSE,
// modification with the gNB's tunnel, deletion): no malformed packet or
// expert warning, and the IEs the UPF needs carry what TS 29.244 says.
// Spec: TS 29.244 §8.2.3 (CH), §8.2.8 (MBR in kbit/s), §8.2.56, §8.2.62
func TestPFCPTshark(t *testing.T) {
	if err := pcapcheck.Available(); err != nil {
		testenv.Skip(t, err.Error())
	}
	gnb := gnbConn(t)
	x := startUPF(t, "127.0.0.1:0", gnb.LocalAddr().(*net.UDPAddr).AddrPort().Port(), time.Now())
	upAddr := x.n4Addr()
	path := filepath.Join(t.TempDir(), "n4.pcap")
	c, err := pcapcheck.Start("lo", fmt.Sprintf("udp port %d", upAddr.Port()), path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	u := startSMF(t, upAddr, -1).UPF("upf")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sc := testContext(netip.MustParseAddr("10.45.0.7"))
	sc.v6 = netip.MustParsePrefix("fd00:45:0:7::/64")
	est, err := u.EstablishSession(ctx, sc.establishment())
	if err != nil {
		t.Fatal(err)
	}
	sc.active, sc.dl = true, n2.Tunnel{Addr: netip.MustParseAddr("127.0.0.9"), TEID: 0x2002}
	if err := u.ModifySession(ctx, est.UPSEID, rules.Modification{UpdateFARs: []rules.FAR{sc.dlFAR()}}); err != nil {
		t.Fatal(err)
	}
	if err := u.DeleteSession(ctx, est.UPSEID); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	decode := []string{fmt.Sprintf("udp.port==%d,pfcp", upAddr.Port())}
	problems, err := pcapcheck.Check(c.Path(), decode, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("tshark: %s", p)
	}
	// One tshark run per message type, every field of interest at once.
	fields := map[int][]string{}
	values := map[int][]string{}
	field := func(msgType int, f string) string {
		t.Helper()
		for i, name := range fields[msgType] {
			if name == f && i < len(values[msgType]) {
				return values[msgType][i]
			}
		}
		return "?"
	}
	want := []struct {
		msg         int
		field, want string
	}{
		{50, "pfcp.f_teid_flags.ch", "1"},
		{50, "pfcp.f_teid_flags.v4", "1"},
		{50, "pfcp.source_interface", "0,1"}, // access (UL), core (DL)
		{50, "pfcp.out_hdr_desc", "6"},       // removal: GTP-U/UDP/IP
		{50, "pfcp.ue_ip_addr_ipv4", "10.45.0.7,10.45.0.7"},
		{50, "pfcp.ue_ip_address_flag.sd", "0,1"},
		{50, "pfcp.ue_ip_addr_ipv6_prefix_length", "64,64"},
		{50, "pfcp.ul_mbr", "100000"}, // 100 Mbit/s in kbit/s
		{50, "pfcp.dl_mbr", "200000"},
		{50, "pfcp.qfi_value", "0x01,0x01"}, // UL PDI and QER
		{50, "pfcp.pdn_type", "3"},          // IPv4v6
		{50, "pfcp.network_instance", "internet,internet,internet"},
		{51, "pfcp.f_teid_flags.v4", "1"}, // Created PDR
		{52, "pfcp.apply_action.forw", "1"},
		{52, "pfcp.outer_hdr_creation.teid", "0x00002002"},
		{52, "pfcp.outer_hdr_creation.ipv4", "127.0.0.9"},
		{52, "pfcp.dst_interface", "0"}, // access
		{55, "pfcp.cause", "1"},
	}
	for _, w := range want {
		fields[w.msg] = append(fields[w.msg], w.field)
	}
	for typ, fs := range fields {
		rows, err := pcapcheck.Fields(c.Path(), decode, fmt.Sprintf("pfcp.msg_type==%d", typ), fs...)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%d messages of type %d, want 1", len(rows), typ)
		}
		values[typ] = rows[0]
	}
	for _, w := range want {
		if got := field(w.msg, w.field); got != w.want {
			t.Errorf("message %d %s = %q, want %q", w.msg, w.field, got, w.want)
		}
	}
}
