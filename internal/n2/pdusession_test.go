package n2

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSMTransferRoundTrip encodes each N2 SM transfer and decodes it back.
//
// Spec: TS 38.413 §9.3.4.1, §9.3.4.2, §9.3.4.12
func TestSMTransferRoundTrip(t *testing.T) {
	req := SetupRequestTransfer{AMBRUplink: 1e9, AMBRDownlink: 2e9,
		UL:             Tunnel{Addr: netip.MustParseAddr("127.0.0.8"), TEID: 0x01020304},
		PDUSessionType: PDUSessionIPv4v6,
		Flows:          []QosFlowRequest{{QFI: 1, FiveQI: 9, ARPPriority: 8, Preemptable: true}}}
	b, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseSetupRequestTransfer(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, req) {
		t.Errorf("setup request transfer %+v, want %+v", *got, req)
	}
	resp := SetupResponseTransfer{DL: Tunnel{Addr: netip.MustParseAddr("2001:db8::1"), TEID: 7}, QFIs: []uint8{1}}
	if b, err = resp.Marshal(); err != nil {
		t.Fatal(err)
	}
	r, err := ParseSetupResponseTransfer(b)
	if err != nil || !reflect.DeepEqual(*r, resp) {
		t.Errorf("setup response transfer %+v, %v; want %+v", r, err, resp)
	}
	rel := ReleaseCommandTransfer{Cause: MakeCause(CauseNAS, 0)}
	if b, err = rel.Marshal(); err != nil {
		t.Fatal(err)
	}
	if c, err := ParseReleaseCommandTransfer(b); err != nil || *c != rel {
		t.Errorf("release command transfer %+v, %v", c, err)
	}
	for _, bad := range [][]byte{nil, {0xff}, {0x00, 0x00, 0x01}} {
		if _, err := ParseSetupResponseTransfer(bad); err == nil {
			t.Errorf("ParseSetupResponseTransfer(%x) accepted", bad)
		}
	}
}

// TestPDUSessionResourceMessages round-trips the four PDU Session Resource
// messages through Decode. Spec: TS 38.413 §9.2.1
func TestPDUSessionResourceMessages(t *testing.T) {
	s := []SessionItem{{ID: 5, NASPDU: []byte{0x7e, 0x00, 0x68}, SNSSAI: SNSSAI{SST: 1, SD: 0x10203, HasSD: true}, Transfer: []byte{1, 2, 3}}}
	b, err := PDUSessionResourceSetupRequest{AMFUENGAPID: 9, RANUENGAPID: 3, Sessions: s}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParsePDUSessionResourceSetupRequest(p)
	if err != nil || req.AMFUENGAPID != 9 || req.RANUENGAPID != 3 || !reflect.DeepEqual(req.Sessions, s) {
		t.Errorf("setup request %+v, %v", req, err)
	}
	b, err = PDUSessionResourceSetupResponse{AMFUENGAPID: 9, RANUENGAPID: 3,
		Setup: []SessionItem{{ID: 5, Transfer: []byte{4}}}, Failed: []SessionItem{{ID: 6, Transfer: []byte{5}}}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if p, err = Decode(b); err != nil {
		t.Fatal(err)
	}
	resp, err := ParsePDUSessionResourceSetupResponse(p)
	if err != nil || len(resp.Setup) != 1 || resp.Setup[0].ID != 5 || len(resp.Failed) != 1 || resp.Failed[0].ID != 6 {
		t.Errorf("setup response %+v, %v", resp, err)
	}
	b, err = PDUSessionResourceReleaseCommand{AMFUENGAPID: 9, RANUENGAPID: 3, NASPDU: []byte{1},
		Sessions: []SessionItem{{ID: 5, Transfer: []byte{6}}}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if p, err = Decode(b); err != nil {
		t.Fatal(err)
	}
	cmd, err := ParsePDUSessionResourceReleaseCommand(p)
	if err != nil || len(cmd.Sessions) != 1 || cmd.Sessions[0].ID != 5 || string(cmd.NASPDU) != "\x01" {
		t.Errorf("release command %+v, %v", cmd, err)
	}
	b, err = PDUSessionResourceReleaseResponse{AMFUENGAPID: 9, RANUENGAPID: 3, Released: []SessionItem{{ID: 5, Transfer: []byte{0}}}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if p, err = Decode(b); err != nil {
		t.Fatal(err)
	}
	if rr, err := ParsePDUSessionResourceReleaseResponse(p); err != nil || len(rr.Released) != 1 {
		t.Errorf("release response %+v, %v", rr, err)
	}
}

// FuzzSMTransfers: the N2 SM transfer decoders never panic, and what the
// setup request transfer decoder accepts encodes again.
func FuzzSMTransfers(f *testing.F) {
	if b, err := (SetupRequestTransfer{AMBRUplink: 1, AMBRDownlink: 2, UL: Tunnel{Addr: netip.MustParseAddr("10.0.0.1"), TEID: 1},
		Flows: []QosFlowRequest{{QFI: 1, FiveQI: 9, ARPPriority: 8}}}).Marshal(); err == nil {
		f.Add(b)
	}
	if b, err := (SetupResponseTransfer{DL: Tunnel{Addr: netip.MustParseAddr("10.0.0.2"), TEID: 2}, QFIs: []uint8{1}}).Marshal(); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := ParseSetupRequestTransfer(b); err == nil && len(r.Flows) > 0 && r.UL.Addr.IsValid() {
			r.Marshal() // must not panic; ranges the decoder let through may fail
		}
		ParseSetupResponseTransfer(b)
		ParseSetupUnsuccessfulTransfer(b)
		ParseReleaseCommandTransfer(b)
	})
}

// TestTsharkPDUSessionResourceSetup has tshark, an independent decoder,
// read a PDU Session Resource Setup Request carrying our Setup Request
// Transfer and a DL NAS TRANSPORT with a PDU SESSION ESTABLISHMENT ACCEPT
// as the SMF encodes it (bytes below), and a Setup Response with our
// Response Transfer. Spec: TS 38.413 §9.2.1.1, §9.3.4.1; TS 24.501 §8.3.2
func TestTsharkPDUSessionResourceSetup(t *testing.T) {
	t.Parallel()
	// DL NAS TRANSPORT (plain) with PDU SESSION ESTABLISHMENT ACCEPT: PSI 5,
	// PTI 1, IPv4v6, SSC mode 1, default QoS rule (QFI 1), Session-AMBR
	// 200/100 Mbit/s, PDU address IID ::1 + 10.45.0.2, S-NSSAI SST 1,
	// QoS flow 5QI 9, ePCO DNS 8.8.8.8, DNN "internet"; PDU session ID 5.
	accept := unhex(t, "7e00680100482e0501c213000901000631310101ff010602c3500261a8290d0300000000000000010a2d00022201017900060120410101097b000880000d0408080808250908696e7465726e65741205")
	tr, err := SetupRequestTransfer{AMBRUplink: 100e6, AMBRDownlink: 200e6,
		UL: Tunnel{Addr: netip.MustParseAddr("127.0.0.2"), TEID: 0x1234}, PDUSessionType: PDUSessionIPv4v6,
		Flows: []QosFlowRequest{{QFI: 1, FiveQI: 9, ARPPriority: 8, Preemptable: true}}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	req, err := PDUSessionResourceSetupRequest{AMFUENGAPID: 7, RANUENGAPID: 3,
		Sessions: []SessionItem{{ID: 5, NASPDU: accept, SNSSAI: SNSSAI{SST: 1}, Transfer: tr}}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	rt, err := SetupResponseTransfer{DL: Tunnel{Addr: netip.MustParseAddr("127.0.0.3"), TEID: 0x77}, QFIs: []uint8{1}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := PDUSessionResourceSetupResponse{AMFUENGAPID: 7, RANUENGAPID: 3, Setup: []SessionItem{{ID: 5, Transfer: rt}}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	pcap := filepath.Join(t.TempDir(), "pdu.pcap")
	if err := writePCAP(pcap, [][]byte{req, resp}); err != nil {
		t.Fatal(err)
	}
	out := tshark(t, pcap, "-V")
	for _, want := range []string{
		"PDUSessionResourceSetupRequest", "PDUSessionResourceSetupResponse",
		"transportLayerAddress: 7f000002 [bit length 32", "gTP-TEID: 00001234",
		"transportLayerAddress: 7f000003 [bit length 32", "gTP-TEID: 00000077",
		"PDUSessionType: ipv4v6 (2)", "fiveQI: 9", "pDUSessionAggregateMaximumBitRateDL: 200000000bits/s",
		"PDU session establishment accept", "PDU address information: 10.45.0.2", "PDU address information: ::0:0:0:1",
		"DNN: internet", "5QI: 9",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tshark does not show %q", want)
		}
	}
	if p := tsharkProblems(t, pcap); p != "" {
		t.Errorf("tshark problems:\n%s", p)
	}
	if t.Failed() {
		t.Log(out)
	}
}
