package amf

import (
	"bytes"
	"testing"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// TestCongestionRejects checks REGISTRATION REJECT and SERVICE REJECT with
// #22 and T3346 against bytes written from TS 24.501 §8.2.9 and §8.2.18,
// and that the free5gc/nas decoder (what a UE would use) reads the same
// cause and timer.
func TestCongestionRejects(t *testing.T) {
	cases := []struct {
		name  string
		got   []byte
		want  string
		t3346 time.Duration
	}{
		{"REGISTRATION REJECT #22, T3346 7 min", registrationRejectT3346(n1.CauseCongestion, 0x27),
			"7e 00 44" + // EPD 5GMM, plain, REGISTRATION REJECT
				" 16" + // 5GMM cause #22 congestion
				" 5f 01 27", // T3346 value (TLV): unit 001 (1 min), value 7
			7 * time.Minute},
		{"SERVICE REJECT #22, T3346 62 s", serviceRejectT3346(n1.CauseCongestion, 0x1f),
			"7e 00 4d 16" + // SERVICE REJECT, #22; no PDU session status
				" 5f 01 1f", // T3346: unit 000 (2 s), value 31
			62 * time.Second},
		{"REGISTRATION REJECT #22, T3346 3 h", registrationRejectT3346(n1.CauseCongestion, 0x5e),
			"7e 00 44 16 5f 01 5e", // unit 010 (decihours), value 30
			3 * time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if want := unhex(t, c.want); !bytes.Equal(c.got, want) {
				t.Fatalf("got % x\nwant % x", c.got, want)
			}
			m, err := n1.Decode(c.got)
			if err != nil {
				t.Fatalf("free5gc/nas: %v", err)
			}
			var cause, timer uint8
			switch {
			case m.GmmMessage.RegistrationReject != nil:
				r := m.GmmMessage.RegistrationReject
				if r.T3346Value == nil {
					t.Fatal("free5gc/nas: no T3346 value")
				}
				cause, timer = r.Cause5GMM.GetCauseValue(), r.T3346Value.Octet
			case m.GmmMessage.ServiceReject != nil:
				r := m.GmmMessage.ServiceReject
				if r.T3346Value == nil {
					t.Fatal("free5gc/nas: no T3346 value")
				}
				cause, timer = r.Cause5GMM.GetCauseValue(), r.T3346Value.Octet
			default:
				t.Fatal("free5gc/nas: not a reject")
			}
			if cause != n1.CauseCongestion || gprsTimer2Duration(timer) != c.t3346 {
				t.Errorf("free5gc/nas reads cause #%d, T3346 %v; want #22, %v", cause, gprsTimer2Duration(timer), c.t3346)
			}
		})
	}
}

// TestT3346Range draws T3346 many times from several ranges: every value
// encodes inside its range, and a wide range gives many distinct values
// (the UEs turned away do not come back together).
//
// Spec: TS 24.501 §5.3.9; TS 24.008 §10.5.7.4
func TestT3346Range(t *testing.T) {
	ranges := [][2]time.Duration{
		{5 * time.Minute, 15 * time.Minute},
		{10 * time.Second, 20 * time.Second},
		{50 * time.Second, 70 * time.Second}, // across the 2 s / 1 min units
		{30 * time.Minute, 3 * time.Hour},
		{2 * time.Minute, 2 * time.Minute},
	}
	for _, r := range ranges {
		cfg := Defaults()
		cfg.Overload.T3346Min, cfg.Overload.T3346Max = r[0], r[1]
		a, err := New(cfg, Deps{AUSF: stubHome{}, UDM: stubHome{}})
		if err != nil {
			t.Fatalf("%v: %v", r, err)
		}
		seen := map[byte]bool{}
		for range 2000 {
			b := a.t3346()
			if d := gprsTimer2Duration(b); d < r[0] || d > r[1] {
				t.Fatalf("range %v-%v: T3346 %#02x = %v outside it", r[0], r[1], b, d)
			}
			seen[b] = true
		}
		if r[0] == 5*time.Minute && len(seen) != 11 {
			t.Errorf("5-15 min: %d distinct values, want all 11 whole minutes", len(seen))
		}
	}
}

// TestCongestionRejectFor: which initial NAS messages a reader refuses
// with #22 and which it only drops.
// Spec: TS 24.501 §5.3.9
func TestCongestionRejectFor(t *testing.T) {
	cases := []struct {
		name string
		nas  string
		rrc  n2.RRCEstablishmentCause
		want byte // message type of the reject; 0 for none
	}{
		{"registration", "7e 00 41 79 000d 01 00f110 0000 0000 00000001", n2.RRCMOSignalling, n1.MsgRegistrationReject},
		{"emergency registration", "7e 00 41 7c 000d 01 00f110 0000 0000 00000001", n2.RRCMOSignalling, 0},
		{"registration, emergency RRC", "7e 00 41 79 000d 01 00f110 0000 0000 00000001", n2.RRCEmergency, 0},
		{"registration, MPS priority RRC", "7e 00 41 79 000d 01 00f110 0000 0000 00000001", n2.RRCMPSPriorityAccess, 0},
		{"service request, protected", "7e 01 01020304 05 7e 00 4c 01 0007 f4 0040 01020304", n2.RRCMOData, n1.MsgServiceReject},
		{"deregistration", "7e 00 45 01 000b f2 00f110 01 0040 01020304", n2.RRCMOSignalling, 0},
		{"short", "7e 00", n2.RRCMOSignalling, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := &n2.InitialUEMessage{NASPDU: unhex(t, c.nas), RRCCause: c.rrc, HasRRCCause: true}
			got := congestionRejectFor(m, 0x25)
			switch {
			case c.want == 0 && got != nil:
				t.Errorf("reject % x, want none", got)
			case c.want != 0 && (len(got) != 7 || got[2] != c.want || got[3] != n1.CauseCongestion || got[4] != 0x5f || got[6] != 0x25):
				t.Errorf("reject % x, want type %#x #22 with T3346", got, c.want)
			}
		})
	}
}
