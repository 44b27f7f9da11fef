package n2

import (
	"errors"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// gbrFlow is a GBR QoS flow (5QI 1) with its GBR QoS Flow Information.
var gbrFlow = QosFlowRequest{QFI: 2, FiveQI: 1, ARPPriority: 8, Preemptable: true,
	GBR: &GBRQosInfo{MFBRUplink: 2e6, MFBRDownlink: 4e6, GFBRUplink: 1e6, GFBRDownlink: 2e6}}

// TestModifyTransfersRoundTrip encodes the Modify Request, Response and
// Unsuccessful Transfers and a Setup Request Transfer with a GBR flow,
// and decodes them back.
//
// Spec: TS 38.413 §9.3.4.1, §9.3.4.3, §9.3.4.4, §9.3.4.17, §9.3.1.10
func TestModifyTransfersRoundTrip(t *testing.T) {
	setup := SetupRequestTransfer{AMBRUplink: 1e8, AMBRDownlink: 2e8, UL: Tunnel{Addr: netip.MustParseAddr("127.0.0.8"), TEID: 9},
		Flows: []QosFlowRequest{{QFI: 1, FiveQI: 9, ARPPriority: 8, Preemptable: true}, gbrFlow}}
	b, err := setup.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ParseSetupRequestTransfer(b); err != nil || !reflect.DeepEqual(*got, setup) {
		t.Errorf("setup request transfer with GBR %+v, %v; want %+v", got, err, setup)
	}
	for _, req := range []ModifyRequestTransfer{
		{AMBRUplink: 5e7, AMBRDownlink: 6e7},
		{AddOrModify: []QosFlowRequest{gbrFlow}},
		{AMBRUplink: 1, AMBRDownlink: 2, AddOrModify: []QosFlowRequest{{QFI: 1, FiveQI: 8, ARPPriority: 3}, gbrFlow},
			Release: []QosFlowCause{{QFI: 3, Cause: MakeCause(CauseNAS, 0)}}},
	} {
		b, err := req.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseModifyRequestTransfer(b)
		if err != nil || !reflect.DeepEqual(*got, req) {
			t.Errorf("modify request transfer %+v, %v; want %+v", got, err, req)
		}
	}
	resp := ModifyResponseTransfer{AddedOrModified: []uint8{1, 2}, Failed: []QosFlowCause{{QFI: 3, Cause: MakeCause(CauseRadioNetwork, 27)}}}
	if b, err = resp.Marshal(); err != nil {
		t.Fatal(err)
	}
	if got, err := ParseModifyResponseTransfer(b); err != nil || !reflect.DeepEqual(*got, resp) {
		t.Errorf("modify response transfer %+v, %v; want %+v", got, err, resp)
	}
	un := ModifyUnsuccessfulTransfer{Cause: MakeCause(CauseRadioNetwork, 26)}
	if b, err = un.Marshal(); err != nil {
		t.Fatal(err)
	}
	if got, err := ParseModifyUnsuccessfulTransfer(b); err != nil || *got != un {
		t.Errorf("modify unsuccessful transfer %+v, %v", got, err)
	}
	// What the spec forbids is refused, not encoded.
	bad := gbrFlow
	bad.GBR = &GBRQosInfo{MFBRUplink: 1, GFBRUplink: 2}
	if _, err := (ModifyRequestTransfer{AddOrModify: []QosFlowRequest{bad}}).Marshal(); !errors.Is(err, ErrSemantic) {
		t.Errorf("GFBR above MFBR: %v, want ErrSemantic", err)
	}
	for _, junk := range [][]byte{nil, {0xff}, {0x00, 0x00, 0x01}, {0x00, 0x01, 0x00, 0x82, 0xff}} {
		if _, err := ParseModifyRequestTransfer(junk); err == nil {
			t.Errorf("ParseModifyRequestTransfer(%x) accepted", junk)
		}
		ParseModifyResponseTransfer(junk)
		ParseModifyUnsuccessfulTransfer(junk)
	}
}

// FuzzModifyTransfers: any octets decode to a transfer or an error, never
// a panic, and what decodes re-encodes to the same value.
func FuzzModifyTransfers(f *testing.F) {
	b, _ := ModifyRequestTransfer{AMBRUplink: 1, AMBRDownlink: 2, AddOrModify: []QosFlowRequest{gbrFlow},
		Release: []QosFlowCause{{QFI: 3}}}.Marshal()
	f.Add(b)
	r, _ := ModifyResponseTransfer{AddedOrModified: []uint8{1}}.Marshal()
	f.Add(r)
	f.Fuzz(func(t *testing.T, b []byte) {
		if x, err := ParseModifyRequestTransfer(b); err == nil {
			if e, err := x.Marshal(); err == nil {
				y, err := ParseModifyRequestTransfer(e)
				if err != nil || !reflect.DeepEqual(x, y) {
					t.Errorf("re-decoded %+v, %v; want %+v", y, err, x)
				}
			}
		}
		ParseModifyResponseTransfer(b)
		ParseModifyUnsuccessfulTransfer(b)
	})
}

// TestModifyMessages round-trips PDU SESSION RESOURCE MODIFY REQUEST and
// RESPONSE through Decode and has tshark decode them: named as NGAP
// names them, no malformed packet or warning, the GBR bit rates read back.
//
// Spec: TS 38.413 §9.2.1.3, §9.2.1.4
func TestModifyMessages(t *testing.T) {
	tr, err := ModifyRequestTransfer{AMBRUplink: 5e7, AMBRDownlink: 6e7, AddOrModify: []QosFlowRequest{gbrFlow}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	req := PDUSessionResourceModifyRequest{AMFUENGAPID: 9, RANUENGAPID: 3,
		Sessions: []SessionItem{{ID: 5, NASPDU: []byte{0x7e, 0x00, 0x68, 0x01, 0x00, 0x00}, Transfer: tr}}}
	b1, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(b1)
	if err != nil || p.Procedure != ProcPDUSessionResourceModify || p.Type != InitiatingMessage {
		t.Fatalf("decode modify request: %+v, %v", p.Info, err)
	}
	if got, err := ParsePDUSessionResourceModifyRequest(p); err != nil || !reflect.DeepEqual(*got, req) {
		t.Errorf("modify request %+v, %v; want %+v", got, err, req)
	}
	rt, _ := ModifyResponseTransfer{AddedOrModified: []uint8{2}}.Marshal()
	ut, _ := ModifyUnsuccessfulTransfer{Cause: MakeCause(CauseRadioNetwork, 26)}.Marshal()
	resp := PDUSessionResourceModifyResponse{AMFUENGAPID: 9, RANUENGAPID: 3,
		Modified: []SessionItem{{ID: 5, Transfer: rt}}, Failed: []SessionItem{{ID: 6, Transfer: ut}}}
	b2, err := resp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if p, err = Decode(b2); err != nil || p.Type != SuccessfulOutcome {
		t.Fatalf("decode modify response: %+v, %v", p.Info, err)
	}
	if got, err := ParsePDUSessionResourceModifyResponse(p); err != nil || !reflect.DeepEqual(*got, resp) {
		t.Errorf("modify response %+v, %v; want %+v", got, err, resp)
	}
	if _, err := (PDUSessionResourceModifyRequest{AMFUENGAPID: 1}).Marshal(); err == nil {
		t.Error("modify request without sessions encoded")
	}

	pcap := filepath.Join(t.TempDir(), "modify.pcap")
	if err := writePCAP(pcap, [][]byte{b1, b2}); err != nil {
		t.Fatal(err)
	}
	if probs := tsharkProblems(t, pcap); strings.TrimSpace(probs) != "" {
		t.Errorf("tshark problems:\n%s", probs)
	}
	out := tshark(t, pcap, "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-e", "_ws.col.Info",
		"-e", "ngap.guaranteedFlowBitRateDL", "-e", "ngap.maximumFlowBitRateUL", "-e", "ngap.pDUSessionAggregateMaximumBitRateUL")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "PDUSessionResourceModifyRequest") ||
		!strings.HasSuffix(lines[0], "|2000000|2000000|50000000") || !strings.HasPrefix(lines[1], "PDUSessionResourceModifyResponse") {
		t.Errorf("tshark read:\n%s", out)
	}
}
