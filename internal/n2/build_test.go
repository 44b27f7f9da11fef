package n2

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// TestRoundTrip builds every sample, decodes it, checks what routing sees and that
// the typed parser returns the message that was built; then re-encodes the codec's
// message and expects the same bytes (the encoding is canonical).
func TestRoundTrip(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			b, err := s.msg.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			p, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(%x): %v", b, err)
			}
			if p.Info != s.info {
				t.Errorf("Info = %+v, want %+v", p.Info, s.info)
			}
			got, err := s.parse(p)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !reflect.DeepEqual(got, s.msg) {
				t.Errorf("parsed\n%+v\nwant\n%+v", got, s.msg)
			}
			again, err := p.Msg.MarshalBinary()
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if !bytes.Equal(again, b) {
				t.Errorf("re-encoded\n%x\nwant\n%x", again, b)
			}
		})
	}
}

func TestNGResetAcknowledge(t *testing.T) {
	r := NGReset{Cause: CauseOMIntervention, Part: []UEIDs{{RAN: 4, HasRAN: true}, {}, ids(1, 2)}}
	want := NGResetAcknowledge{Part: []UEIDs{{RAN: 4, HasRAN: true}, ids(1, 2)}}
	if got := r.Acknowledge(); !reflect.DeepEqual(got, want) {
		t.Errorf("Acknowledge() = %+v, want %+v", got, want)
	}
	if got := (NGReset{Cause: CauseOMIntervention}).Acknowledge(); got.Part != nil {
		t.Errorf("reset all: Acknowledge() = %+v, want no list", got)
	}
}

// TestParseWrongMessage checks that each typed parser refuses other messages.
func TestParseWrongMessage(t *testing.T) {
	all := samples()
	for _, s := range all {
		other := all[0]
		if reflect.TypeOf(other.msg) == reflect.TypeOf(s.msg) {
			other = all[len(all)-1]
		}
		p, err := Decode(mustMarshal(other.msg))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.parse(p); !errors.Is(err, ErrWrongMessage) {
			t.Errorf("%s parser on %s: err = %v, want ErrWrongMessage", s.name, other.name, err)
		}
	}
	if _, err := ParseNGSetupRequest(PDU{}); !errors.Is(err, ErrWrongMessage) {
		t.Errorf("zero PDU: err = %v, want ErrWrongMessage", err)
	}
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestMarshalRejectsBadInput checks the builders' own validation: these are bugs in
// the caller, reported before anything reaches the wire.
func TestMarshalRejectsBadInput(t *testing.T) {
	key := [32]byte{}
	tests := []struct {
		name string
		msg  marshaler
	}{
		{"MCC letters", NGSetupRequest{GlobalRANNodeID: GlobalGNBID{PLMN: PLMN{"0a1", "01"}, ID: 1, IDLength: 22},
			SupportedTAs: []SupportedTA{{TAC: 1, PLMNs: []BroadcastPLMN{{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}}}}}},
		{"MNC 1 digit", NGSetupRequest{GlobalRANNodeID: GlobalGNBID{PLMN: PLMN{"001", "1"}, ID: 1, IDLength: 22},
			SupportedTAs: []SupportedTA{{TAC: 1, PLMNs: []BroadcastPLMN{{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}}}}}},
		{"gNB ID too long for its length", NGSetupRequest{GlobalRANNodeID: GlobalGNBID{PLMN: plmn00101, ID: 1 << 22, IDLength: 22},
			SupportedTAs: []SupportedTA{{TAC: 1, PLMNs: []BroadcastPLMN{{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}}}}}},
		{"gNB ID length 21", NGSetupRequest{GlobalRANNodeID: GlobalGNBID{PLMN: plmn00101, ID: 1, IDLength: 21},
			SupportedTAs: []SupportedTA{{TAC: 1, PLMNs: []BroadcastPLMN{{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}}}}}},
		{"no supported TA", NGSetupRequest{GlobalRANNodeID: GlobalGNBID{PLMN: plmn00101, ID: 1, IDLength: 22}}},
		{"TAC 25 bits", NGSetupRequest{GlobalRANNodeID: GlobalGNBID{PLMN: plmn00101, ID: 1, IDLength: 22},
			SupportedTAs: []SupportedTA{{TAC: 1 << 24, PLMNs: []BroadcastPLMN{{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}}}}}},
		{"RAN node name not printable", NGSetupRequest{GlobalRANNodeID: GlobalGNBID{PLMN: plmn00101, ID: 1, IDLength: 22},
			RANNodeName:  "gnb_1",
			SupportedTAs: []SupportedTA{{TAC: 1, PLMNs: []BroadcastPLMN{{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}}}}}},
		{"empty AMF name", NGSetupResponse{ServedGUAMIs: []ServedGUAMI{{GUAMI: guami}}, PLMNSupport: []PLMNSupport{{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}}}},
		{"AMF set ID 11 bits", NGSetupResponse{AMFName: "a", ServedGUAMIs: []ServedGUAMI{{GUAMI: GUAMI{PLMN: plmn00101, SetID: 1024}}},
			PLMNSupport: []PLMNSupport{{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}}}},
		{"time to wait out of range", NGSetupFailure{Cause: CauseUnspecifiedMisc, TimeToWait: TimeToWait60s + 1}},
		{"cause group 5", NGSetupFailure{Cause: MakeCause(5, 0)}},
		{"empty NAS-PDU", InitialUEMessage{RANUENGAPID: 1, Location: loc}},
		{"cell ID 37 bits", InitialUEMessage{RANUENGAPID: 1, NASPDU: regReq, Location: UserLocation{CGI: NRCGI{PLMN: plmn00101, CellID: 1 << 36}, TAI: loc.TAI}}},
		{"RRC cause 12", InitialUEMessage{RANUENGAPID: 1, NASPDU: regReq, Location: loc, RRCCause: 12}},
		{"AMF UE NGAP ID 2^40", DownlinkNASTransport{AMFUENGAPID: 1 << 40, NASPDU: regReq}},
		{"SD 25 bits", InitialContextSetupRequest{GUAMI: guami, AllowedNSSAI: []SNSSAI{{SST: 1, SD: 1 << 24, HasSD: true}}, SecurityKey: key}},
		{"empty allowed NSSAI", InitialContextSetupRequest{GUAMI: guami, SecurityKey: key}},
		{"release command without AMF ID", UEContextReleaseCommand{IDs: UEIDs{RAN: 1, HasRAN: true}, Cause: CauseNormalRelease}},
		{"reset item without ID", NGReset{Cause: CauseOMIntervention, Part: []UEIDs{{}}}},
		{"error indication without cause or diagnostics", ErrorIndication{IDs: ids(1, 1)}},
		{"9 allowed S-NSSAIs", InitialContextSetupRequest{GUAMI: guami, AllowedNSSAI: make([]SNSSAI, 9), SecurityKey: key}},
		{"13 broadcast PLMNs", NGSetupRequest{GlobalRANNodeID: GlobalGNBID{PLMN: plmn00101, ID: 1, IDLength: 22},
			SupportedTAs: []SupportedTA{{TAC: 1, PLMNs: repeat(BroadcastPLMN{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}, 13)}}}},
		{"TA without slices", NGSetupRequest{GlobalRANNodeID: GlobalGNBID{PLMN: plmn00101, ID: 1, IDLength: 22},
			SupportedTAs: []SupportedTA{{TAC: 1, PLMNs: []BroadcastPLMN{{PLMN: plmn00101}}}}}},
		{"no served GUAMI", NGSetupResponse{AMFName: "a", PLMNSupport: []PLMNSupport{{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}}}},
		{"257 IE diagnostics", NGSetupFailure{Cause: CauseUnspecifiedMisc, Diagnostics: &CriticalityDiagnostics{IEs: make([]IEDiagnostic, 257)}}},
		{"16384 connections to reset", NGReset{Cause: CauseOMIntervention, Part: repeat(UEIDs{AMF: 1, HasAMF: true}, 16384)}},
	}
	for _, tt := range tests {
		if b, err := tt.msg.Marshal(); err == nil {
			t.Errorf("%s: Marshal = %x, want error", tt.name, b)
		}
	}
}
