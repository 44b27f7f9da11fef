package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestSecretsHidden prints a subscriber every way code might and checks
// that K and OPc never appear.
func TestSecretsHidden(t *testing.T) {
	k := bytes.Repeat([]byte{0xa5}, 16)
	opc := bytes.Repeat([]byte{0x5a}, 16)
	s := Subscriber{SUPI: "imsi-001010000000001", K: k, OPc: opc, AuthMethod: AuthMethod5GAKA,
		SNSSAIs: []SNSSAI{{SST: 1}}, DNNs: []string{"internet"}}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "sub", s, "k", s.K)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "sub", s, "opc", s.OPc)
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	outputs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s),
		fmt.Sprintf("%x %X %v %d %s %q %#v", s.K, s.K, s.K, s.K, s.K, s.K, s.K),
		fmt.Sprintf("%x %d", s.OPc, s.OPc), fmt.Sprintf("%v %+v", &s, []Subscriber{s}),
		logged.String(), string(js),
	}
	for _, out := range outputs {
		for _, secret := range [][]byte{k, opc} {
			for _, enc := range []string{fmt.Sprintf("%x", []byte(secret)), fmt.Sprintf("%X", []byte(secret)),
				fmt.Sprint([]byte(secret)), "pWl", "paWl", "WlpaWl"} {
				if strings.Contains(out, enc) {
					t.Errorf("output shows key material (%q): %s", enc, out)
				}
			}
		}
	}
	if !strings.Contains(outputs[0], "imsi-001010000000001") || !strings.Contains(logged.String(), "imsi-001010000000001") {
		t.Errorf("the SUPI should still be shown: %s / %s", outputs[0], logged.String())
	}
	// The bytes themselves are untouched.
	if !bytes.Equal(s.K, k) || []byte(s.OPc)[0] != 0x5a {
		t.Error("Secret changed its bytes")
	}
}

func TestBitRate(t *testing.T) {
	cases := []struct {
		in   string
		want BitRate
		out  string
	}{
		{"1Gbps", 1e9, "1 Gbps"},
		{"1 Gbps", 1e9, "1 Gbps"},
		{"2gbps", 2e9, "2 Gbps"},
		{"1.5 Mbps", 1_500_000, "1500 Kbps"},
		{"500kbps", 500_000, "500 Kbps"},
		{"100", 100, "100 bps"},
		{"7 bps", 7, "7 bps"},
		{"3 Tbps", 3e12, "3 Tbps"},
		{"0.25 Kbps", 250, "250 bps"},
	}
	for _, c := range cases {
		got, err := ParseBitRate(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseBitRate(%q) = %d, %v; want %d", c.in, got, err, c.want)
			continue
		}
		if got.String() != c.out {
			t.Errorf("%d.String() = %q, want %q", got, got.String(), c.out)
		}
	}
	for _, bad := range []string{"", "Gbps", "1 Gbit", "-1Mbps", "1.Mbps", "1.5bps", "0.0001Kbps", "1e9", "99999999999 Tbps", "x Mbps"} {
		if v, err := ParseBitRate(bad); err == nil {
			t.Errorf("ParseBitRate(%q) = %d, want an error", bad, v)
		}
	}
}

func TestSUPIRange(t *testing.T) {
	got, err := SUPIRange("imsi-001010000000099", 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"imsi-001010000000099", "imsi-001010000000100", "imsi-001010000000101"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	last, err := SUPIRange("imsi-999999999999998", 2)
	if err != nil || last[1] != "imsi-999999999999999" {
		t.Errorf("range to the last IMSI: %v, %v", last, err)
	}
	for _, c := range []struct {
		first string
		n     int
		field string
	}{{"imsi-999999999999998", 3, "count"}, {"imsi-001010000000001", 0, "count"},
		{"imsi-001010000000001", MaxRange + 1, "count"}, {"imsi-1", 2, "supi"}} {
		var fe *FieldError
		if _, err := SUPIRange(c.first, c.n); !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("SUPIRange(%s, %d): got %v, want a FieldError on %s", c.first, c.n, err, c.field)
		}
	}
}
