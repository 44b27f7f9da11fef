package aka

import (
	"bytes"
	"errors"
	"testing"
)

const testSNN = "5G:mnc001.mcc001.3gppnetwork.org"

// TestGenerateVectorTS35208 builds a vector from each TS 35.208 set and
// checks AUTN against the set's f1/f5 outputs, then the derived values
// against the Annex A functions; the UE side must agree on RES* and KAUSF.
func TestGenerateVectorTS35208(t *testing.T) {
	for _, s := range loadMilenage(t) {
		t.Run(s.ID, func(t *testing.T) {
			k, opc, rand, amf := unhex(t, s.K), unhex(t, s.OPc), unhex(t, s.RAND), unhex(t, s.AMF)
			sqnBytes := unhex(t, s.SQN)
			sqn := sqnToUint([6]byte(sqnBytes))
			v, err := GenerateVector(k, opc, amf, sqn, rand, testSNN)
			if err != nil {
				t.Fatal(err)
			}
			// AUTN = SQN ⊕ AK || AMF || MAC-A (TS 33.102 §6.3.2). Sets whose
			// AMF has the separation bit clear get it set, so their MAC-A
			// is f1 over that AMF rather than the set's f1 output.
			wantAMF, wantMAC := amf, unhex(t, s.MACA)
			if amf[0]&0x80 == 0 {
				wantAMF = []byte{amf[0] | 0x80, amf[1]}
				m, err := NewMilenage(k, opc)
				if err != nil {
					t.Fatal(err)
				}
				macA, _ := m.F1([16]byte(rand), [6]byte(sqnBytes), [2]byte(wantAMF))
				wantMAC = macA[:]
			}
			wantAUTN := concat(concat(xorBytes(sqnBytes, unhex(t, s.AK)), wantAMF), wantMAC)
			check(t, "AUTN", v.AUTN, wantAUTN)
			ck, ik, res := unhex(t, s.CK), unhex(t, s.IK), unhex(t, s.RES)
			check(t, "XRES*", v.XRESStar, RESStar(ck, ik, testSNN, rand, res))
			check(t, "HXRES*", v.HXRESStar, HRESStar(rand, v.XRESStar))
			check(t, "KAUSF", v.KAUSF, KAUSF(ck, ik, testSNN, wantAUTN[:6]))
			check(t, "RAND", v.RAND, rand)

			resStar, kausf, err := UEResponse(k, opc, v.RAND, v.AUTN, testSNN, FresherThan(sqn-1))
			if err != nil {
				t.Fatalf("UEResponse: %v", err)
			}
			check(t, "RES*", resStar, v.XRESStar)
			check(t, "UE KAUSF", kausf, v.KAUSF)
		})
	}
}

// testSubscriber is TS 35.208 set 1 (K, OPc, RAND, SQN, AMF).
func testSubscriber(t *testing.T) (k, opc, rand, amf []byte, sqn uint64) {
	s := loadMilenage(t)[0]
	return unhex(t, s.K), unhex(t, s.OPc), unhex(t, s.RAND), unhex(t, s.AMF), sqnToUint([6]byte(unhex(t, s.SQN)))
}

func TestUEResponseMACFailure(t *testing.T) {
	k, opc, rand, amf, sqn := testSubscriber(t)
	v, err := GenerateVector(k, opc, amf, sqn, rand, testSNN)
	if err != nil {
		t.Fatal(err)
	}
	for i := range v.AUTN {
		autn := bytes.Clone(v.AUTN)
		autn[i] ^= 0x01
		if _, _, err := UEResponse(k, opc, v.RAND, autn, testSNN, FresherThan(0)); !errors.Is(err, ErrMACFailure) {
			t.Errorf("AUTN octet %d flipped: err = %v, want ErrMACFailure", i, err)
		}
	}
	r := bytes.Clone(v.RAND)
	r[0] ^= 1
	if _, _, err := UEResponse(k, opc, r, v.AUTN, testSNN, FresherThan(0)); !errors.Is(err, ErrMACFailure) {
		t.Errorf("other RAND: err = %v, want ErrMACFailure", err)
	}
	otherK := bytes.Clone(k)
	otherK[15] ^= 1
	if _, _, err := UEResponse(otherK, opc, v.RAND, v.AUTN, testSNN, FresherThan(0)); !errors.Is(err, ErrMACFailure) {
		t.Errorf("other K: err = %v, want ErrMACFailure", err)
	}
}

func TestSeparationBit(t *testing.T) {
	k, opc, rand, _, sqn := testSubscriber(t)
	v, err := GenerateVector(k, opc, []byte{0x00, 0x00}, sqn, rand, testSNN)
	if err != nil {
		t.Fatal(err)
	}
	if v.AUTN[6] != 0x80 || v.AUTN[7] != 0x00 {
		t.Fatalf("AMF in AUTN = %x, want 8000 (separation bit set by the ARPF)", v.AUTN[6:8])
	}
	// A 3G/legacy AUTN with AMF 0000 and a valid MAC-A: MAC verifies, the ME
	// must refuse it for 5G.
	m, err := NewMilenage(k, opc)
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, ak := m.F2345([16]byte(rand))
	s := uintToSQN(sqn)
	macA, _ := m.F1([16]byte(rand), s, [2]byte{})
	autn := concat(concat(xorBytes(s[:], ak[:]), []byte{0, 0}), macA[:])
	if _, _, err := UEResponse(k, opc, rand, autn, testSNN, FresherThan(0)); !errors.Is(err, ErrNon5GAuth) {
		t.Fatalf("AMF 0000: err = %v, want ErrNon5GAuth", err)
	}
}

// TestSyncFailureAndResync drives TS 33.102 §6.3.3/§6.3.5: the UE rejects a
// stale SQN with AUTS, the home environment recovers SQN_MS from it and the
// next vector is accepted.
func TestSyncFailureAndResync(t *testing.T) {
	k, opc, rand, amf, sqn := testSubscriber(t)
	s := loadMilenage(t)[0]
	v, err := GenerateVector(k, opc, amf, sqn, rand, testSNN)
	if err != nil {
		t.Fatal(err)
	}
	sqnMS := sqn + 100
	_, _, err = UEResponse(k, opc, v.RAND, v.AUTN, testSNN, FresherThan(sqnMS))
	var sf *SyncFailureError
	if !errors.As(err, &sf) {
		t.Fatalf("stale SQN: err = %v, want *SyncFailureError", err)
	}
	if len(sf.AUTS) != 14 {
		t.Fatalf("AUTS is %d octets, want 14", len(sf.AUTS))
	}
	// AUTS[0:6] = SQN_MS ⊕ AK*, with AK* = f5* from TS 35.208.
	ms := uintToSQN(sqnMS)
	check(t, "SQN_MS ⊕ AK*", sf.AUTS[:6], xorBytes(ms[:], unhex(t, s.AKStar)))

	got, err := Resync(k, opc, v.RAND, sf.AUTS)
	if err != nil {
		t.Fatalf("Resync: %v", err)
	}
	if got != sqnMS {
		t.Fatalf("Resync SQN_MS = %#x, want %#x", got, sqnMS)
	}
	next, err := GenerateVector(k, opc, amf, got+1, rand, testSNN)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := UEResponse(k, opc, next.RAND, next.AUTN, testSNN, FresherThan(sqnMS)); err != nil {
		t.Fatalf("after resync: %v", err)
	}

	for i := range sf.AUTS {
		bad := bytes.Clone(sf.AUTS)
		bad[i] ^= 0x10
		if _, err := Resync(k, opc, v.RAND, bad); !errors.Is(err, ErrMACFailure) {
			t.Errorf("AUTS octet %d flipped: err = %v, want ErrMACFailure", i, err)
		}
	}
}

func TestSQNCheckSeesSQN(t *testing.T) {
	k, opc, rand, amf, sqn := testSubscriber(t)
	v, err := GenerateVector(k, opc, amf, sqn, rand, testSNN)
	if err != nil {
		t.Fatal(err)
	}
	var seen uint64
	_, _, err = UEResponse(k, opc, v.RAND, v.AUTN, testSNN, func(s uint64) (bool, uint64) {
		seen = s
		return true, 0
	})
	if err != nil || seen != sqn {
		t.Fatalf("check saw SQN %#x (err %v), want %#x", seen, err, sqn)
	}
}

func TestVectorInputErrors(t *testing.T) {
	k, opc, rand, amf, _ := testSubscriber(t)
	for name, f := range map[string]func() error{
		"short K":    func() error { _, err := GenerateVector(k[:15], opc, amf, 1, rand, testSNN); return err },
		"short OPc":  func() error { _, err := GenerateVector(k, opc[:15], amf, 1, rand, testSNN); return err },
		"short RAND": func() error { _, err := GenerateVector(k, opc, amf, 1, rand[:15], testSNN); return err },
		"long AMF":   func() error { _, err := GenerateVector(k, opc, []byte{1, 2, 3}, 1, rand, testSNN); return err },
		"49-bit SQN": func() error { _, err := GenerateVector(k, opc, amf, MaxSQN+1, rand, testSNN); return err },
		"short AUTN": func() error {
			_, _, err := UEResponse(k, opc, rand, make([]byte, 15), testSNN, FresherThan(0))
			return err
		},
		"UE RAND": func() error {
			_, _, err := UEResponse(k, opc, nil, make([]byte, 16), testSNN, FresherThan(0))
			return err
		},
		"short AUTS":  func() error { _, err := Resync(k, opc, rand, make([]byte, 13)); return err },
		"resync RAND": func() error { _, err := Resync(k, opc, rand[:1], make([]byte, 14)); return err },
		"EAP RAND":    func() error { _, err := GenerateEAPVector(k, opc, amf, 1, nil, "WLAN"); return err },
		"nil check":   func() error { _, _, err := UEResponse(k, opc, rand, make([]byte, 16), testSNN, nil); return err },
	} {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
