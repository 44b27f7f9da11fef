package n2

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestPagingAndContextSessions: Paging and Initial Context Setup with PDU
// session lists round-trip, tshark reads them as we meant (5G-S-TMSI, TAI
// list, PDU session IDs, UE-AMBR) without problems, and bad values are
// refused before encoding.
//
// Spec: TS 38.413 §9.2.4.1, §9.2.2.1, §9.2.2.2
func TestPagingAndContextSessions(t *testing.T) {
	t.Parallel()
	pg := Paging{STMSI: FiveGSTMSI{SetID: 1, Pointer: 1, TMSI: 0xdeadbeef},
		TAIs: []TAI{{PLMN: plmn00101, TAC: 1}, {PLMN: plmn00101, TAC: 0x123456}}, DRX: PagingDRX128, HasDRX: true}
	b1, err := pg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(b1)
	if err != nil || p.Procedure != ProcPaging || p.Type != InitiatingMessage || p.IDs.HasAMF || p.IDs.HasRAN {
		t.Fatalf("decode paging: %+v, %v", p.Info, err)
	}
	if got, err := ParsePaging(p); err != nil || !reflect.DeepEqual(*got, pg) {
		t.Errorf("paging %+v, %v; want %+v", got, err, pg)
	}

	up := Tunnel{Addr: netip.MustParseAddr("127.0.0.2"), TEID: 9}
	tr, err := SetupRequestTransfer{AMBRUplink: 1e8, AMBRDownlink: 2e8, UL: up, PDUSessionType: PDUSessionIPv4,
		Flows: []QosFlowRequest{{QFI: 1, FiveQI: 9, ARPPriority: 8, Preemptable: true}}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ok, _ := SetupResponseTransfer{DL: Tunnel{Addr: netip.MustParseAddr("127.0.0.3"), TEID: 4}, QFIs: []uint8{1}}.Marshal()
	bad, _ := SetupUnsuccessfulTransfer{Cause: MakeCause(CauseRadioNetwork, 26)}.Marshal()
	req := InitialContextSetupRequest{AMFUENGAPID: 7, RANUENGAPID: 3, GUAMI: guami, AllowedNSSAI: []SNSSAI{{SST: 1}},
		SecurityCaps: UESecurityCapabilities{NREncryption: 0xe000, NRIntegrity: 0xe000}, NASPDU: ciphered(20),
		Sessions: []SessionItem{{ID: 1, SNSSAI: SNSSAI{SST: 1}, Transfer: tr, NASPDU: ciphered(12)},
			{ID: 5, SNSSAI: SNSSAI{SST: 1, SD: 0x10203, HasSD: true}, Transfer: tr}},
		UEAMBRUplink: 1e9, UEAMBRDL: 2e9}
	b2, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if p, err = Decode(b2); err != nil {
		t.Fatal(err)
	}
	if got, err := ParseInitialContextSetupRequest(p); err != nil || !reflect.DeepEqual(*got, req) {
		t.Errorf("initial context setup request %+v, %v; want %+v", got, err, req)
	}
	resp := InitialContextSetupResponse{AMFUENGAPID: 7, RANUENGAPID: 3,
		Setup: []SessionItem{{ID: 1, Transfer: ok}}, Failed: []SessionItem{{ID: 5, Transfer: bad}}}
	b3, err := resp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if p, err = Decode(b3); err != nil {
		t.Fatal(err)
	}
	if got, err := ParseInitialContextSetupResponse(p); err != nil || !reflect.DeepEqual(*got, resp) {
		t.Errorf("initial context setup response %+v, %v; want %+v", got, err, resp)
	}

	for name, m := range map[string]marshaler{
		"no TAI":     Paging{STMSI: pg.STMSI},
		"17 TAIs":    Paging{STMSI: pg.STMSI, TAIs: make([]TAI, 17)},
		"set ID":     Paging{STMSI: FiveGSTMSI{SetID: 1024}, TAIs: pg.TAIs},
		"DRX":        Paging{STMSI: pg.STMSI, TAIs: pg.TAIs, DRX: 9, HasDRX: true},
		"PSI 16":     InitialContextSetupRequest{AMFUENGAPID: 1, GUAMI: guami, Sessions: []SessionItem{{ID: 16, Transfer: tr}}},
		"UE-AMBR":    InitialContextSetupRequest{AMFUENGAPID: 1, GUAMI: guami, Sessions: []SessionItem{{ID: 1, Transfer: tr}}, UEAMBRDL: 1 << 62},
		"257 failed": InitialContextSetupResponse{Failed: make([]SessionItem, 257)},
	} {
		if _, err := m.Marshal(); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}

	pcap := filepath.Join(t.TempDir(), "paging.pcap")
	if err := writePCAP(pcap, [][]byte{b1, b2, b3}); err != nil {
		t.Fatal(err)
	}
	if probs := tsharkProblems(t, pcap); strings.TrimSpace(probs) != "" {
		t.Errorf("tshark problems:\n%s", probs)
	}
	out := tshark(t, pcap, "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-e", "_ws.col.Info",
		"-e", "ngap.fiveG_TMSI", "-e", "ngap.tAC", "-e", "ngap.pDUSessionID", "-e", "ngap.uEAggregateMaximumBitRateDL")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"Paging|3735928559|1,1193046||",
		"InitialContextSetupRequest|||1,5|2000000000", "InitialContextSetupResponse|||1,5|"}
	if len(lines) != 3 {
		t.Fatalf("tshark read:\n%s", out)
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("tshark line %d: %q, want %q", i+1, lines[i], w)
		}
	}
}

// FuzzParsePaging: whatever a peer sends as Paging or Initial Context
// Setup, the parsers return an error or a value, never panic.
func FuzzParsePaging(f *testing.F) {
	pg, _ := Paging{STMSI: FiveGSTMSI{TMSI: 1}, TAIs: []TAI{{PLMN: plmn00101, TAC: 1}}}.Marshal()
	f.Add(pg)
	resp, _ := InitialContextSetupResponse{AMFUENGAPID: 1, RANUENGAPID: 1, Setup: []SessionItem{{ID: 1, Transfer: []byte{1}}}}.Marshal()
	f.Add(resp)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		if m, err := ParsePaging(p); err == nil {
			if _, err := m.Marshal(); err != nil && len(m.TAIs) <= maxTAIsForPaging {
				t.Errorf("parsed paging does not encode: %v", err)
			}
		}
		ParseInitialContextSetupRequest(p)
		ParseInitialContextSetupResponse(p)
	})
}
