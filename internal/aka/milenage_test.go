package aka

import (
	"bytes"
	"errors"
	"testing"
)

type milenageSet struct {
	ID     string `json:"id"`
	K      string `json:"k"`
	RAND   string `json:"rand"`
	SQN    string `json:"sqn"`
	AMF    string `json:"amf"`
	OP     string `json:"op"`
	OPc    string `json:"opc"`
	MACA   string `json:"f1_mac_a"`
	MACS   string `json:"f1star_mac_s"`
	RES    string `json:"f2_res"`
	CK     string `json:"f3_ck"`
	IK     string `json:"f4_ik"`
	AK     string `json:"f5_ak"`
	AKStar string `json:"f5star_ak"`
}

func loadMilenage(t *testing.T) []milenageSet {
	t.Helper()
	var file struct {
		TestSets []milenageSet `json:"test_sets"`
	}
	loadVectors(t, "milenage.json", &file)
	if len(file.TestSets) == 0 {
		t.Fatal("milenage.json has no test sets")
	}
	return file.TestSets
}

// TestMilenageTS35208 checks OPc and f1..f5* against every TS 35.208 set.
func TestMilenageTS35208(t *testing.T) {
	sets := loadMilenage(t)
	for _, s := range sets {
		t.Run(s.ID, func(t *testing.T) {
			k := unhex(t, s.K)
			opc, err := OPc(k, unhex(t, s.OP))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(opc, unhex(t, s.OPc)) {
				t.Errorf("OPc = %x, want %s", opc, s.OPc)
			}
			m, err := NewMilenage(k, opc)
			if err != nil {
				t.Fatal(err)
			}
			rand := [16]byte(unhex(t, s.RAND))
			macA, macS := m.F1(rand, [6]byte(unhex(t, s.SQN)), [2]byte(unhex(t, s.AMF)))
			check(t, "f1 MAC-A", macA[:], unhex(t, s.MACA))
			check(t, "f1* MAC-S", macS[:], unhex(t, s.MACS))
			res, ck, ik, ak := m.F2345(rand)
			check(t, "f2 RES", res[:], unhex(t, s.RES))
			check(t, "f3 CK", ck[:], unhex(t, s.CK))
			check(t, "f4 IK", ik[:], unhex(t, s.IK))
			check(t, "f5 AK", ak[:], unhex(t, s.AK))
			akStar := m.F5Star(rand)
			check(t, "f5* AK*", akStar[:], unhex(t, s.AKStar))
		})
	}
	t.Logf("%d TS 35.208 test sets checked", len(sets))
}

func TestMilenageKeyLength(t *testing.T) {
	for _, c := range []struct{ k, opc []byte }{
		{make([]byte, 15), make([]byte, 16)},
		{make([]byte, 16), make([]byte, 17)},
		{nil, nil},
	} {
		if _, err := NewMilenage(c.k, c.opc); !errors.Is(err, ErrKeyLength) {
			t.Errorf("NewMilenage(%d, %d octets) err = %v, want ErrKeyLength", len(c.k), len(c.opc), err)
		}
		if _, err := OPc(c.k, c.opc); !errors.Is(err, ErrKeyLength) {
			t.Errorf("OPc(%d, %d octets) err = %v, want ErrKeyLength", len(c.k), len(c.opc), err)
		}
	}
}

func check(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %x, want %x", what, got, want)
	}
}
