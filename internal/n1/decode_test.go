package n1

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/free5gc/nas"
)

// failOnLibPanic makes FuzzDecode report panics of the library decoder that
// Decode contained, to find them: go test -fuzz FuzzDecode -libpanic.
var failOnLibPanic = flag.Bool("libpanic", false, "FuzzDecode fails on contained library panics")

// Real messages, checked with tshark 4.0's NAS-5GS dissector (no malformed or
// expert items). They are also the FuzzDecode seed corpus.
var decodeGolden = []struct {
	name    string
	hex     string
	gsm     bool
	msgType uint8
	check   func(t *testing.T, m *nas.Message)
}{
	{"registration_request_suci", "7e004179000d0100f1100000000000000000102e04f0f0f0f0", false, nas.MsgTypeRegistrationRequest,
		func(t *testing.T, m *nas.Message) {
			r := m.RegistrationRequest
			if got := r.GetRegistrationType5GS(); got != 1 {
				t.Errorf("registration type %d", got)
			}
			if suci, err := r.MobileIdentity5GS.GetSUCI(); err != nil || !strings.Contains(suci, "0000000001") {
				t.Errorf("SUCI %q %v", suci, err)
			}
		}},
	{"authentication_response", "7e00572d10a1b2c3d4e5f60718293a4b5c6d7e8f90", false, nas.MsgTypeAuthenticationResponse,
		func(t *testing.T, m *nas.Message) {
			p := m.AuthenticationResponse.AuthenticationResponseParameter
			if p == nil || p.GetRES()[0] != 0xa1 || p.GetRES()[15] != 0x90 {
				t.Errorf("RES* %v", p)
			}
		}},
	{"security_mode_complete", "7e005e7700094573806121856151f17100197e004179000d0100f1100000000000000000102e04f0f0f0f0", false, nas.MsgTypeSecurityModeComplete,
		func(t *testing.T, m *nas.Message) {
			c := m.SecurityModeComplete.NASMessageContainer
			if c == nil || !bytes.Equal(c.GetNASMessageContainerContents(), mustHex("7e004179000d0100f1100000000000000000102e04f0f0f0f0")) {
				t.Errorf("NAS message container %v", c)
			}
		}},
	{"registration_complete", "7e0043", false, nas.MsgTypeRegistrationComplete, nil},
	{"deregistration_request_ue_orig", "7e004501000bf200f110cafe0000000001", false, nas.MsgTypeDeregistrationRequestUEOriginatingDeregistration, nil},
	{"service_request", "7e004c100007f4fe0000000001", false, nas.MsgTypeServiceRequest,
		func(t *testing.T, m *nas.Message) {
			if got := m.ServiceRequest.GetServiceTypeValue(); got != 1 {
				t.Errorf("service type %d", got)
			}
		}},
	{"ul_nas_transport_pdu_session_establishment", "7e00670100082e0101c1ffff91a1120181220101250908696e7465726e6574", false, nas.MsgTypeULNASTransport,
		func(t *testing.T, m *nas.Message) {
			u := m.ULNASTransport
			if !bytes.Equal(u.GetPayloadContainerContents(), mustHex("2e0101c1ffff91a1")) {
				t.Errorf("payload container % x", u.GetPayloadContainerContents())
			}
			if u.PduSessionID2Value == nil || u.GetPduSessionID2Value() != 1 {
				t.Errorf("PDU session ID %v", u.PduSessionID2Value)
			}
			if u.DNN == nil || u.GetDNN() != "internet" {
				t.Errorf("DNN %v", u.DNN)
			}
		}},
	{"pdu_session_establishment_request", "2e0101c1ffff91a1", true, nas.MsgTypePDUSessionEstablishmentRequest, nil},
	{"identity_response_suci", "7e005c000d0100f110000000000000000010", false, nas.MsgTypeIdentityResponse, nil},
	{"authentication_failure_synch", "7e005915300e0102030405060708090a0b0c0d0e", false, nas.MsgTypeAuthenticationFailure,
		func(t *testing.T, m *nas.Message) {
			if got := m.AuthenticationFailure.GetCauseValue(); got != 21 {
				t.Errorf("cause %d", got)
			}
		}},
	{"security_mode_reject", "7e005f18", false, nas.MsgTypeSecurityModeReject, nil},
	{"status_5gmm", "7e00646f", false, nas.MsgTypeStatus5GMM, nil},
	{"deregistration_accept_ue_term", "7e0048", false, nas.MsgTypeDeregistrationAcceptUETerminatedDeregistration, nil},
	{"authentication_request", "7e0056000200002100112233445566778899aabbccddeeff2010ffeeddccbbaa99887766554433221100", false, nas.MsgTypeAuthenticationRequest, nil},
	{"security_mode_command", "7e005d020002f0f0e1", false, nas.MsgTypeSecurityModeCommand,
		func(t *testing.T, m *nas.Message) {
			a := m.SecurityModeCommand.SelectedNASSecurityAlgorithms
			if a.GetTypeOfCipheringAlgorithm() != 0 || a.GetTypeOfIntegrityProtectionAlgorithm() != 2 {
				t.Errorf("algorithms %#x", a.Octet)
			}
		}},
	{"pdu_session_release_request", "2e0101d15924", true, nas.MsgTypePDUSessionReleaseRequest, nil},
}

func TestDecodeGolden(t *testing.T) {
	for _, g := range decodeGolden {
		t.Run(g.name, func(t *testing.T) {
			b := mustHex(g.hex)
			m, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			var mt uint8
			if g.gsm {
				mt = m.GsmMessage.GetMessageType()
			} else {
				mt = m.GmmMessage.GetMessageType()
			}
			if mt != g.msgType {
				t.Fatalf("message type %#x, want %#x", mt, g.msgType)
			}
			if g.check != nil {
				g.check(t, m)
			}
			enc, err := m.PlainNasEncode()
			if err != nil || !bytes.Equal(enc, b) {
				t.Errorf("re-encode % x (%v)", enc, err)
			}
			// Decode copies its input: scribbling on it leaves m intact.
			for i := range b {
				b[i] = 0xff
			}
			if enc2, err := m.PlainNasEncode(); err != nil || !bytes.Equal(enc2, enc) {
				t.Errorf("message shares memory with the input")
			}
		})
	}
}

// TestSeedCorpus keeps testdata/fuzz/FuzzDecode equal to decodeGolden.
func TestSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	for _, g := range decodeGolden {
		b, err := os.ReadFile(filepath.Join(dir, g.name))
		if err != nil {
			t.Fatal(err)
		}
		var lit strings.Builder
		for _, c := range mustHex(g.hex) {
			fmt.Fprintf(&lit, `\x%02x`, c)
		}
		if want := "go test fuzz v1\n[]byte(\"" + lit.String() + "\")\n"; string(b) != want {
			t.Errorf("%s: seed differs from the golden table", g.name)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		b     []byte
		err   error
		cause uint8
	}{
		{"empty", nil, ErrTooShort, 0},
		{"5GMM without message type", []byte{0x7e, 0x00}, ErrTooShort, 0},
		{"5GSM without message type", []byte{0x2e, 0x01, 0x01}, ErrTooShort, 0},
		{"unknown EPD", []byte{0x07, 0x00, 0x41}, ErrUnknownEPD, 0},
		{"protected", []byte{0x7e, 0x02, 1, 2, 3, 4, 5, 0x7e, 0x00, 0x43}, ErrNotPlain, 0},
		{"unknown 5GMM type", []byte{0x7e, 0x00, 0x4f}, ErrUnknownMessage, CauseMessageTypeNotExist},
		{"unknown 5GSM type", []byte{0x2e, 0x01, 0x01, 0xff}, ErrUnknownMessage, CauseMessageTypeNotExist},
		{"truncated mandatory IE", mustHex("7e004179000d0100f110"), nil, CauseInvalidMandatoryInfo},
		{"truncated authentication response", mustHex("7e00572d10a1b2"), nil, CauseInvalidMandatoryInfo},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode(c.b)
			var pe *ProtocolError
			if m != nil || !errors.As(err, &pe) {
				t.Fatalf("got %v, %v", m, err)
			}
			if c.err != nil && !errors.Is(err, c.err) {
				t.Errorf("error %v, want %v", err, c.err)
			}
			if pe.Cause != c.cause || pe.Panic {
				t.Errorf("cause %d panic %t, want %d", pe.Cause, pe.Panic, c.cause)
			}
		})
	}
}

// TestDecodeContainsPanic drives the wrapper with a decoder that panics, as
// the library's decoders are known to on some inputs.
func TestDecodeContainsPanic(t *testing.T) {
	m, err := safeDecode([]byte{0x7e, 0x00, 0x41, 0x79}, func(*nas.Message, *[]byte) error {
		var s []byte
		_ = s[5] // index out of range, as a decoder bug would
		return nil
	})
	var pe *ProtocolError
	if m != nil || !errors.As(err, &pe) || !errors.Is(err, ErrLibraryPanic) {
		t.Fatalf("got %v, %v", m, err)
	}
	if !pe.Panic || pe.Cause != CauseInvalidMandatoryInfo || pe.MsgType != 0x41 {
		t.Fatalf("protocol error %+v", pe)
	}
}

func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			var pe *ProtocolError
			if m != nil || !errors.As(err, &pe) {
				t.Fatalf("error %v is not a ProtocolError, or message %v with it", err, m)
			}
			if pe.Panic && *failOnLibPanic {
				t.Fatalf("library panic (contained): %v", pe.Err)
			}
			return
		}
		// Round trip: what decodes re-encodes, and that decodes and
		// re-encodes to the same octets.
		enc, err := m.PlainNasEncode()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-decode % x: %v", enc, err)
		}
		enc2, err := m2.PlainNasEncode()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("unstable encoding:\n% x\n% x (%v)", enc, enc2, err)
		}
	})
}

// FuzzUnprotect feeds arbitrary octets to Unprotect, then checks that a
// message protected by the peer opens to the same octets and that changing
// any covered octet is caught.
func FuzzUnprotect(f *testing.F) {
	f.Add([]byte{0x7e, 0x02, 0x11, 0x22, 0x33, 0x44, 0x00, 0x7e, 0x00, 0x43}, uint8(0x22), uint16(3))
	f.Add(mustHex("7e00670100082e0101c1ffff91a1120181220101250908696e7465726e6574"), uint8(0x13), uint16(40))
	f.Add([]byte{0x7e, 0x00, 0x43}, uint8(0x31), uint16(0))
	f.Add([]byte{0x7e, 0x01, 0, 0, 0, 0, 0xff, 0x7e, 0x00, 0x5e}, uint8(0x11), uint16(9))
	f.Fuzz(func(t *testing.T, raw []byte, algs uint8, pos uint16) {
		ea, ia := CipherAlg(algs>>4&3), IntegrityAlg(algs&3)
		if ia == NIA0 {
			ia = NIA2
		}
		amf, ue := pair(t, ea, ia, false)
		if _, h, err := amf.Unprotect(raw); err == nil && h != HeaderPlain {
			t.Fatalf("random octets % x verified", raw)
		}
		if amf.ReceiveCount() != 0 {
			t.Fatalf("a failed message moved the COUNT")
		}

		plain := append([]byte{0x7e, 0x00}, raw...)
		if len(plain) < 3 {
			plain = append(plain, 0x43)
		}
		h := HeaderType(1 + pos%4)
		b, err := ue.Protect(plain, h)
		if err != nil {
			t.Fatal(err)
		}
		got, gh, err := amf.Unprotect(b)
		if err != nil || gh != h || !bytes.Equal(got, plain) {
			t.Fatalf("round trip: %v %v", gh, err)
		}
		b2, err := ue.Protect(plain, h)
		if err != nil {
			t.Fatal(err)
		}
		i := 2 + int(pos)%(len(b2)-2)
		b2[i] ^= 1 << (pos >> 13)
		if _, _, err := amf.Unprotect(b2); !errors.Is(err, ErrMAC) {
			t.Fatalf("octet %d changed: %v", i, err)
		}
	})
}

// TestV130Crashers: inputs on which github.com/free5gc/nas v1.3.0 panics
// (found by the version spike, see the package doc). The version in go.mod
// must answer them with a ProtocolError, not a panic; they are FuzzDecode
// seeds too.
func TestV130Crashers(t *testing.T) {
	for _, h := range []string{"7e3042013011304e", "2e3030c1", "7e3054111111", "7e305479ffffff"} {
		m, err := Decode(mustHex(h))
		var pe *ProtocolError
		if m != nil || !errors.As(err, &pe) || pe.Panic {
			t.Errorf("%s: %v %v", h, m, err)
		}
	}
}
