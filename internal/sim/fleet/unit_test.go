package fleet

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go5g/internal/sim/ue"
	"go5g/internal/suci"
)

func TestFormatGUTI(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"2-digit MNC", []byte{
			0xf2,             // spare, odd/even 0, type 010: 5G-GUTI
			0x00, 0xf1, 0x10, // MCC 001, MNC 01 (MNC digit 3 is the filler)
			0x01,       // AMF region ID 1
			0x00, 0x40, // AMF set ID 1, AMF pointer 0
			0xde, 0xad, 0xbe, 0xef, // 5G-TMSI
		}, "00101010040deadbeef"},
		{"3-digit MNC", []byte{0xf2, 0x13, 0x20, 0x54, 0xca, 0xfe, 0x41, 0, 0, 0, 1}, "310452cafe4100000001"},
		{"not a GUTI", []byte{0x01, 0x02}, "0102"},
		{"bad digit", []byte{0xf2, 0x0a, 0xf1, 0x10, 1, 0, 0x40, 0, 0, 0, 1}, "f20af110010040" + "00000001"},
		{"empty", nil, ""},
	} {
		if got := FormatGUTI(tc.b); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&ue.RejectError{Cause: 3}, "registration rejected: #3 illegal UE"},
		{fmt.Errorf("x: %w", &ue.RejectError{Cause: 200}), "registration rejected: 5GMM cause #200"},
		{&ue.RejectError{Authentication: true}, "authentication rejected"},
		{fmt.Errorf("%w: T3510 expired", ue.ErrTimeout), "no answer from the network: T3510 expired"},
		{context.Canceled, "canceled"},
		{errors.New("ue: something"), "something"},
	} {
		if got := Reason(tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestPercentiles(t *testing.T) {
	var s []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	got := percentiles(s)
	want := Percentiles{Min: time.Millisecond, P50: 50 * time.Millisecond, P90: 90 * time.Millisecond,
		P99: 99 * time.Millisecond, Max: 100 * time.Millisecond, Mean: 50500 * time.Microsecond}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if s[0] != 100*time.Millisecond {
		t.Error("percentiles sorted its input")
	}
	if one := percentiles([]time.Duration{7}); one.P50 != 7 || one.P99 != 7 || one.Max != 7 {
		t.Errorf("one sample: %+v", one)
	}
	if (percentiles(nil) != Percentiles{}) {
		t.Error("no samples: want zero")
	}
}

func TestConfigCheck(t *testing.T) {
	first, _ := suci.NewIMSI("001", "01", "0000000098")
	ok := Config{AMF: "127.0.0.1:38412", UEs: 2, FirstSUPI: first}
	msin, width, err := ok.check()
	if err != nil || msin != 98 || width != 10 || ok.GNBs != 1 || ok.Concurrency != DefaultConcurrency {
		t.Fatalf("check: %v, msin %d width %d, cfg %+v", err, msin, width, ok)
	}
	f := &Fleet{cfg: ok, msin: msin, width: width}
	if got := f.SUPI(1).String(); got != "imsi-001010000000099" {
		t.Errorf("SUPI(1) = %s", got)
	}
	last, _ := suci.NewIMSI("001", "01", "9999999998")
	for name, cfg := range map[string]Config{
		"past the last MSIN": {AMF: "a:1", UEs: 3, FirstSUPI: last},
		"no AMF":             {UEs: 1, FirstSUPI: first},
		"no SUPI":            {AMF: "a:1", UEs: 1},
		"gNB ID too big":     {AMF: "a:1", UEs: 1, FirstSUPI: first, FirstGNBID: 1<<22 - 1, GNBs: 2},
		"negative UEs":       {AMF: "a:1", UEs: -1, FirstSUPI: first},
	} {
		if _, _, err := cfg.check(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err %v, want ErrConfig", name, err)
		}
	}
	if _, _, err := (&Config{AMF: "a:1", UEs: 2, FirstSUPI: last}).check(); err != nil {
		t.Errorf("two UEs up to the last MSIN: %v", err)
	}
}
