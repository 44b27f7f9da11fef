package n1

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/free5gc/nas/security"
)

var (
	testKEnc = Key{0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0}
	testKInt = Key{0xf1, 0xe2, 0xd3, 0xc4, 0xb5, 0xa6, 0x97, 0x88, 0x79, 0x6a, 0x5b, 0x4c, 0x3d, 0x2e, 0x1f, 0x00}
)

// pair returns the AMF's and the UE's context for one UE.
func pair(t *testing.T, ea CipherAlg, ia IntegrityAlg, emergency bool) (amf, ue *SecurityContext) {
	t.Helper()
	cfg := SecurityConfig{Send: Downlink, Access: Access3GPP, Cipher: ea, Integrity: ia,
		KNASenc: testKEnc, KNASint: testKInt, Emergency: emergency}
	amf, err := NewSecurityContext(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Send = Uplink
	ue, err = NewSecurityContext(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return amf, ue
}

// A plain REGISTRATION ACCEPT-like 5GMM message and an UL NAS TRANSPORT.
var (
	plainDL = []byte{0x7e, 0x00, 0x42, 0x01, 0x01, 0x0b, 0xf2, 0x00, 0xf1, 0x10, 0xca, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x01}
	plainUL = mustHex("7e00670100082e0501c1ffff91a1120581250908696e7465726e6574")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestRoundTripCounts(t *testing.T) {
	// Each run of 12 messages from these starts crosses an SQN wrap, an
	// overflow-counter carry, or reaches the last 24-bit COUNT.
	starts := []uint32{0, 250, 0xfffa, 0x1ff00 - 3, maxCount - 7}
	for ea := NEA0; ea <= NEA3; ea++ {
		for ia := NIA1; ia <= NIA3; ia++ {
			for _, start := range starts {
				t.Run(fmt.Sprintf("%v/%v/%#x", ea, ia, start), func(t *testing.T) {
					amf, ue := pair(t, ea, ia, false)
					if err := amf.SetCounts(start, start); err != nil {
						t.Fatal(err)
					}
					if err := ue.SetCounts(start, start); err != nil {
						t.Fatal(err)
					}
					for i := uint32(0); i < 12; i++ {
						count := start + i
						if count > maxCount {
							break
						}
						for _, dir := range []struct {
							from, to *SecurityContext
							plain    []byte
						}{{amf, ue, plainDL}, {ue, amf, plainUL}} {
							h := HeaderType(1 + i%4)
							b, err := dir.from.Protect(dir.plain, h)
							if err != nil {
								t.Fatalf("count %d: %v", count, err)
							}
							if b[0] != 0x7e || HeaderType(b[1]) != h || b[6] != uint8(count) {
								t.Fatalf("count %d: header % x", count, b[:7])
							}
							body := b[secHeaderLen:]
							if wantClear := !h.ciphered() || ea == NEA0; bytes.Equal(body, dir.plain) != wantClear {
								t.Fatalf("count %d %v %v: body % x", count, ea, h, body)
							}
							got, gh, err := dir.to.Unprotect(b)
							if err != nil {
								t.Fatalf("count %d: %v", count, err)
							}
							if gh != h || !bytes.Equal(got, dir.plain) {
								t.Fatalf("count %d: got %v % x", count, gh, got)
							}
							if dir.to.ReceiveCount() != count+1 || dir.from.SendCount() != count+1 {
								t.Fatalf("count %d: rx %d tx %d", count, dir.to.ReceiveCount(), dir.from.SendCount())
							}
						}
					}
				})
			}
		}
	}
}

// TestGoldenFree5GC checks Protect against values computed elsewhere: the
// ciphered body is free5gc's NEA1 test case 6 (UE, COUNT 2, BEARER 1 for
// 3GPP access, uplink), and the MAC is what free5gc/nas security computes
// over SQN || ciphered message.
func TestGoldenFree5GC(t *testing.T) {
	v := loadVectors(t, "nea1_nia1.json")["nea1_project_own"]
	if len(v) != 1 {
		t.Fatalf("nea1_project_own: %d vectors", len(v))
	}
	ue, err := NewSecurityContext(SecurityConfig{Send: Uplink, Access: Access3GPP, Cipher: NEA1,
		Integrity: NIA2, KNASenc: v[0].key(t), KNASint: testKInt})
	if err != nil {
		t.Fatal(err)
	}
	if err := ue.SetCounts(v[0].count(t), 0); err != nil {
		t.Fatal(err)
	}
	plain, wantBody := unhex(t, v[0].Ciphertext), unhex(t, v[0].Plaintext)
	b, err := ue.Protect(plain, HeaderIntegrityCiphered)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[secHeaderLen:], wantBody) {
		t.Fatalf("body\n got %x\nwant %x", b[secHeaderLen:], wantBody)
	}
	wantMAC, err := security.NASMacCalculate(security.AlgIntegrity128NIA2, testKInt, 2,
		security.Bearer3GPP, security.DirectionUplink, append([]byte{2}, wantBody...))
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte{0x7e, 0x02}, wantMAC...), 0x02)
	if !bytes.Equal(b[:secHeaderLen], want) {
		t.Fatalf("header\n got % x\nwant % x", b[:secHeaderLen], want)
	}
}

func TestTamperedByteIsErrMAC(t *testing.T) {
	for ia := NIA1; ia <= NIA3; ia++ {
		for _, h := range []HeaderType{HeaderIntegrity, HeaderIntegrityCiphered} {
			amf, ue := pair(t, NEA2, ia, false)
			if err := amf.SetCounts(300, 0); err != nil {
				t.Fatal(err)
			}
			if err := ue.SetCounts(0, 300); err != nil {
				t.Fatal(err)
			}
			b, err := amf.Protect(plainDL, h)
			if err != nil {
				t.Fatal(err)
			}
			// Octets 3.. (MAC, SQN, message) are covered; flip one bit of each.
			for i := 2; i < len(b); i++ {
				for _, bit := range []byte{0x01, 0x80} {
					bad := bytes.Clone(b)
					bad[i] ^= bit
					got, _, err := ue.Unprotect(bad)
					if !errors.Is(err, ErrMAC) {
						t.Fatalf("%v %v octet %d bit %#x: err %v", ia, h, i, bit, err)
					}
					if h.ciphered() && got != nil {
						t.Fatalf("ciphered message returned on MAC failure")
					}
					if !h.ciphered() && !bytes.Equal(got, bad[secHeaderLen:]) {
						t.Fatalf("integrity-only message not returned on MAC failure")
					}
				}
			}
			if ue.ReceiveCount() != 300 {
				t.Fatalf("failed checks moved the receive COUNT to %d", ue.ReceiveCount())
			}
			if got, _, err := ue.Unprotect(b); err != nil || !bytes.Equal(got, plainDL) {
				t.Fatalf("genuine message after tampering: %v", err)
			}
		}
	}
}

func TestReplay(t *testing.T) {
	amf, ue := pair(t, NEA3, NIA2, false)
	var sent [][]byte
	for i := 0; i < 600; i++ {
		b, err := ue.Protect(plainUL, HeaderIntegrityCiphered)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, b)
	}
	accept := func(i int) {
		t.Helper()
		if _, _, err := amf.Unprotect(sent[i]); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	accept(0)
	if _, _, err := amf.Unprotect(sent[0]); !errors.Is(err, ErrReplay) {
		t.Fatalf("same message again: %v", err)
	}
	// Lost messages: COUNT may jump forward, within one SQN cycle.
	accept(5)
	for _, old := range []int{0, 3, 4, 5} {
		if _, _, err := amf.Unprotect(sent[old]); !errors.Is(err, ErrReplay) {
			t.Fatalf("old message %d after 5: %v", old, err)
		}
	}
	accept(6)
	// Across an SQN wrap: 255 then 256 then 257, and 255 again is a replay.
	for i := 7; i <= 257; i++ {
		accept(i)
	}
	if _, _, err := amf.Unprotect(sent[255]); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay across the SQN wrap: %v", err)
	}
	// A replay from more than 256 COUNTs back cannot be told from a forgery:
	// its SQN maps to a future COUNT, where its MAC fails. Rejected either way.
	for i := 258; i < 600; i++ {
		accept(i)
	}
	if _, _, err := amf.Unprotect(sent[300]); !errors.Is(err, ErrMAC) {
		t.Fatalf("replay from an older overflow: %v", err)
	}
	if amf.ReceiveCount() != 600 {
		t.Fatalf("receive COUNT %d", amf.ReceiveCount())
	}
}

func TestCountWrap(t *testing.T) {
	amf, ue := pair(t, NEA2, NIA2, false)
	if err := amf.SetCounts(maxCount, 0); err != nil {
		t.Fatal(err)
	}
	if err := ue.SetCounts(0, maxCount-1); err != nil {
		t.Fatal(err)
	}
	b, err := amf.Protect(plainDL, HeaderIntegrityCiphered)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := amf.Protect(plainDL, HeaderIntegrityCiphered); !errors.Is(err, ErrCountWrap) {
		t.Fatalf("protect past 2^24-1: %v", err)
	}
	if got, _, err := ue.Unprotect(b); err != nil || !bytes.Equal(got, plainDL) {
		t.Fatalf("COUNT 2^24-1: %v", err)
	}
	if _, _, err := ue.Unprotect(b); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay of COUNT 2^24-1: %v", err)
	}
	// Any other message would need a COUNT beyond 24 bits.
	b[3] ^= 1
	if _, _, err := ue.Unprotect(b); !errors.Is(err, ErrCountWrap) {
		t.Fatalf("receive past 2^24-1: %v", err)
	}
	if err := amf.SetCounts(maxCount+2, 0); err == nil {
		t.Fatal("SetCounts beyond 24 bits accepted")
	}
}

// Spec: TS 33.501 §5.5.2 — NIA0 only for unauthenticated emergency sessions.
func TestNIA0OnlyForEmergency(t *testing.T) {
	_, err := NewSecurityContext(SecurityConfig{Send: Downlink, Access: Access3GPP, Cipher: NEA0, Integrity: NIA0})
	if !errors.Is(err, ErrNIA0) {
		t.Fatalf("NIA0 without emergency: %v", err)
	}
	amf, ue := pair(t, NEA0, NIA0, true)
	b, err := amf.Protect(plainDL, HeaderIntegrityCiphered)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[2:6], []byte{0, 0, 0, 0}) {
		t.Fatalf("NIA0 MAC % x", b[2:6])
	}
	if got, _, err := ue.Unprotect(b); err != nil || !bytes.Equal(got, plainDL) {
		t.Fatalf("NIA0 round trip: %v", err)
	}
}

func TestDirectionMatters(t *testing.T) {
	amf, _ := pair(t, NEA2, NIA2, false)
	other, _ := pair(t, NEA2, NIA2, false)
	b, err := amf.Protect(plainDL, HeaderIntegrity)
	if err != nil {
		t.Fatal(err)
	}
	// Another AMF-side context expects uplink: a downlink MAC must not verify.
	if _, _, err := other.Unprotect(b); !errors.Is(err, ErrMAC) {
		t.Fatalf("downlink message accepted as uplink: %v", err)
	}
}

func TestProtectUnprotectErrors(t *testing.T) {
	amf, ue := pair(t, NEA2, NIA2, false)
	if _, err := amf.Protect(plainDL, HeaderPlain); !errors.Is(err, ErrInput) {
		t.Errorf("header type 0: %v", err)
	}
	if _, err := amf.Protect(plainDL, 5); !errors.Is(err, ErrInput) {
		t.Errorf("header type 5: %v", err)
	}
	if _, err := amf.Protect([]byte{0x2e, 0x01, 0x01, 0xc1}, HeaderIntegrity); !errors.Is(err, ErrInput) {
		t.Errorf("5GSM message protected directly: %v", err)
	}
	protected, _ := amf.Protect(plainDL, HeaderIntegrity)
	if _, err := amf.Protect(protected, HeaderIntegrity); !errors.Is(err, ErrInput) {
		t.Errorf("protected message protected again: %v", err)
	}
	if amf.SendCount() != 1 {
		t.Errorf("failed Protect calls used COUNTs: %d", amf.SendCount())
	}

	got, h, err := ue.Unprotect(plainDL)
	if err != nil || h != HeaderPlain || !bytes.Equal(got, plainDL) {
		t.Errorf("plain message: %v %v", h, err)
	}
	for _, b := range [][]byte{nil, {0x7e}, {0x7e, 0x02}, {0x2e, 0x01, 0x01}, {0x7e, 0x05, 0, 0, 0, 0, 0, 0x7e, 0, 0x42},
		{0x7e, 0x01, 0, 0, 0, 0, 0}, {0x7e, 0x02, 0, 0, 0, 0, 0, 0x7e, 0}} {
		if _, _, err := ue.Unprotect(b); !errors.Is(err, ErrMessage) {
			t.Errorf("% x: %v", b, err)
		}
	}
	if _, err := NewSecurityContext(SecurityConfig{Send: 2, Access: Access3GPP, Integrity: NIA2}); err == nil {
		t.Error("direction 2 accepted")
	}
	if _, err := NewSecurityContext(SecurityConfig{Send: Uplink, Access: 3, Integrity: NIA2}); err == nil {
		t.Error("access type 3 accepted")
	}
	if _, err := NewSecurityContext(SecurityConfig{Send: Uplink, Access: Access3GPP, Cipher: 4, Integrity: NIA2}); err == nil {
		t.Error("NEA4 accepted")
	}
}

func TestContextHidesKeys(t *testing.T) {
	amf, _ := pair(t, NEA2, NIA2, false)
	cfg := SecurityConfig{KNASenc: testKEnc, KNASint: testKInt}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d"} {
		out = append(out, fmt.Sprintf(verb, amf), fmt.Sprintf(verb, *amf), fmt.Sprintf(verb, cfg))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "ctx", amf, "cfg", cfg, "key", testKInt)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "ctx", amf, "cfg", cfg, "key", testKInt)
	out = append(out, buf.String())
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(js))
	for _, s := range out {
		low := strings.ToLower(s)
		for _, k := range []Key{testKEnc, testKInt} {
			dec := fmt.Sprint(k[:3]) // "[15 30 45]"
			dec = dec[1 : len(dec)-1]
			if strings.Contains(low, hex.EncodeToString(k[:3])) || strings.Contains(s, dec) ||
				strings.Contains(s, strings.ReplaceAll(dec, " ", ",")) {
				t.Errorf("key material in %q", s)
			}
		}
	}
}
