package ue

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// TestUplinkMessages checks the UE's messages against bytes written from
// TS 24.501 §8.2, and that the free5gc/nas decoder (the AMF's) reads them
// with the same content.
func TestUplinkMessages(t *testing.T) {
	suci := []byte{0x01, 0x00, 0xf1, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}
	res := bytes.Repeat([]byte{0xcc}, 16)
	auts := bytes.Repeat([]byte{0xdd}, 14)
	cases := []struct {
		name  string
		got   []byte
		want  string
		check func(t *testing.T, b []byte)
	}{
		{"REGISTRATION REQUEST cleartext", registrationRequest(1, 7, suci, []byte{0xf0, 0xf0}, []n2.SNSSAI{{SST: 1}}, false),
			"7e 00 41 71 000d 0100f110000000000000000001 2e 02 f0f0", nil},
		{"REGISTRATION REQUEST full", registrationRequest(1, 7, suci, []byte{0xf0, 0xf0},
			[]n2.SNSSAI{{SST: 1}, {SST: 2, SD: 3, HasSD: true}}, true),
			"7e 00 41 71 000d 0100f110000000000000000001 2e 02 f0f0 2f 07 0101 0402000003",
			func(t *testing.T, b []byte) {
				m, _ := n1.Decode(b)
				r := m.RegistrationRequest
				if r.RequestedNSSAI == nil || !bytes.Equal(r.RequestedNSSAI.Buffer, []byte{1, 1, 4, 2, 0, 0, 3}) {
					t.Errorf("requested NSSAI %+v", r.RequestedNSSAI)
				}
				if r.UESecurityCapability == nil || !bytes.Equal(r.UESecurityCapability.Buffer, []byte{0xf0, 0xf0}) {
					t.Errorf("UE security capability %+v", r.UESecurityCapability)
				}
			}},
		{"AUTHENTICATION RESPONSE", authenticationResponse(res, nil), "7e 00 57 2d 10" + strings.Repeat("cc", 16),
			func(t *testing.T, b []byte) {
				m, _ := n1.Decode(b)
				if p := m.AuthenticationResponse.AuthenticationResponseParameter; p == nil || !bytes.Equal(p.Octet[:], res) {
					t.Errorf("RES* %+v", p)
				}
			}},
		{"AUTHENTICATION FAILURE #21", authenticationFailure(21, auts), "7e 00 59 15 30 0e" + strings.Repeat("dd", 14),
			func(t *testing.T, b []byte) {
				m, _ := n1.Decode(b)
				f := m.AuthenticationFailure
				if f.Cause5GMM.GetCauseValue() != 21 || f.AuthenticationFailureParameter == nil ||
					!bytes.Equal(f.AuthenticationFailureParameter.Octet[:], auts) {
					t.Errorf("failure %+v", f)
				}
			}},
		{"SECURITY MODE COMPLETE", securityModeComplete([]byte{0x7e, 0, 0x41}), "7e 00 5e 71 0003 7e0041", nil},
		{"SECURITY MODE REJECT", securityModeReject(23), "7e 00 5f 17", nil},
		{"REGISTRATION COMPLETE", registrationComplete(), "7e 00 43", nil},
		{"IDENTITY RESPONSE", identityResponse(suci), "7e 00 5c 000d 0100f110000000000000000001", nil},
		{"DEREGISTRATION REQUEST switch-off", deregistrationRequest(1, true, []byte{0xf2, 0, 0xf1, 0x10, 1, 0, 0x40, 1, 2, 3, 4}),
			"7e 00 45 19 000b f200f110010040 01020304", func(t *testing.T, b []byte) {
				m, _ := n1.Decode(b)
				if o := m.DeregistrationRequestUEOriginatingDeregistration.NgksiAndDeregistrationType.Octet; o != 0x19 {
					t.Errorf("ngKSI and type %#x", o)
				}
			}},
		{"REGISTRATION REQUEST periodic update", registrationRequest(regPeriodic, 2, []byte{0xf2, 0, 0xf1, 0x10, 1, 0, 0x40, 1, 2, 3, 4},
			[]byte{0xf0, 0xf0}, nil, false), "7e 00 41 23 000b f200f110010040 01020304 2e 02 f0f0", nil},
		{"SERVICE REQUEST", serviceRequest(2, serviceSignalling, &n2.FiveGSTMSI{SetID: 0x3fe, Pointer: 0x21, TMSI: 0x01020304}),
			"7e 00 4c 02 0007 f4 ffa1 01020304", // service type 0 | ngKSI 2; 5G-S-TMSI
			func(t *testing.T, b []byte) {
				m, _ := n1.Decode(b)
				r := m.ServiceRequest
				if r.GetNasKeySetIdentifiler() != 2 || r.GetServiceTypeValue() != 0 || r.TMSI5GS.Len != 7 ||
					r.TMSI5GS.Octet != [7]byte{0xf4, 0xff, 0xa1, 1, 2, 3, 4} {
					t.Errorf("service request %+v", r)
				}
			}},
		{"CONFIGURATION UPDATE COMPLETE", configurationUpdateComplete(), "7e 00 55", nil},
		{"DEREGISTRATION ACCEPT (UE terminated)", deregistrationAcceptNW(), "7e 00 48", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, _ := hex.DecodeString(strings.ReplaceAll(c.want, " ", ""))
			if !bytes.Equal(c.got, want) {
				t.Errorf("got  %x\nwant %x", c.got, want)
			}
			m, err := n1.Decode(c.got)
			if err != nil || m.GmmMessage == nil || m.GmmHeader.GetMessageType() != c.got[2] {
				t.Fatalf("free5gc/nas decode: %v", err)
			}
			if c.check != nil {
				c.check(t, c.got)
			}
		})
	}
}
