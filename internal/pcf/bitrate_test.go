package pcf

import (
	"strings"
	"testing"
)

func TestParseBitRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		err  string // substring of the error; "" for success
	}{
		{"0 bps", 0, ""},
		{"1 bps", 1, ""},
		{"100 Mbps", 100_000_000, ""},
		{"1 Kbps", 1000, ""},
		{"1.5 Kbps", 1500, ""},
		{"2.25 Gbps", 2_250_000_000, ""},
		{"1 Tbps", 1_000_000_000_000, ""},
		{"0.5 bps", 0, ""},           // fraction below 1 bps truncated
		{"1.0009 Kbps", 1000, ""},    // truncated, not rounded
		{"0001 Mbps", 1_000_000, ""}, // \d+ allows leading zeros
		{"18446744073709551615 bps", 1<<64 - 1, ""},
		{"18446744.073709551615 Tbps", 1<<64 - 1, ""},
		{"18446744073709551616 bps", 0, "exceeds"},
		{"18446745 Tbps", 0, "exceeds"},
		{"100Mbps", 0, "want"},
		{"100  Mbps", 0, "unit"},
		{" 100 Mbps", 0, "unit"},
		{"100 mbps", 0, "unit"},
		{"100 kbps", 0, "unit"},
		{"100 Mbps ", 0, "unit"},
		{"100 bit/s", 0, "unit"},
		{"1. Mbps", 0, "after the decimal"},
		{".5 Mbps", 0, "not a decimal"},
		{"-1 Mbps", 0, "not a decimal"},
		{"+1 Mbps", 0, "not a decimal"},
		{"1e6 bps", 0, "not a decimal"},
		{"1.2.3 Mbps", 0, "not a decimal"},
		{"", 0, "want"},
		{"Mbps", 0, "want"},
		{" Mbps", 0, "not a decimal"},
	} {
		got, err := ParseBitRate(tc.in)
		if tc.err == "" {
			if err != nil || got != tc.want {
				t.Errorf("ParseBitRate(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseBitRate(%q) = %d, %v; want an error with %q", tc.in, got, err, tc.err)
		}
	}
}

func TestFormatBitRate(t *testing.T) {
	for _, tc := range []struct {
		in   uint64
		want string
	}{
		{0, "0 bps"},
		{999, "999 bps"},
		{1000, "1 Kbps"},
		{1500, "1.5 Kbps"},
		{100_000_000, "100 Mbps"},
		{1_000_001, "1.000001 Mbps"},
		{2_000_000_000_000, "2 Tbps"},
		{1<<64 - 1, "18446744.073709551615 Tbps"},
	} {
		if got := FormatBitRate(tc.in); got != tc.want {
			t.Errorf("FormatBitRate(%d) = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := ParseBitRate(FormatBitRate(tc.in)); err != nil || back != tc.in {
			t.Errorf("ParseBitRate(FormatBitRate(%d)) = %d, %v", tc.in, back, err)
		}
	}
}

// FuzzParseBitRate checks that the parser never panics, accepts only the
// TS 29.571 pattern, and that an accepted value survives formatting.
func FuzzParseBitRate(f *testing.F) {
	for _, s := range []string{"100 Mbps", "1.5 Kbps", "0 bps", "18446744073709551615 bps", "1. Gbps", "9.99999999999999 Tbps", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseBitRate(s)
		if err != nil {
			return
		}
		if !matchesPattern(s) {
			t.Fatalf("ParseBitRate(%q) accepted a string outside the pattern", s)
		}
		back, err := ParseBitRate(FormatBitRate(v))
		if err != nil || back != v {
			t.Fatalf("round trip of %q (%d): %d, %v", s, v, back, err)
		}
	})
}

// matchesPattern is '^\d+(\.\d+)? (bps|Kbps|Mbps|Gbps|Tbps)$' written
// independently of the parser.
func matchesPattern(s string) bool {
	num, unit, ok := strings.Cut(s, " ")
	if !ok {
		return false
	}
	switch unit {
	case "bps", "Kbps", "Mbps", "Gbps", "Tbps":
	default:
		return false
	}
	i, f, hasDot := strings.Cut(num, ".")
	digits := func(x string) bool {
		return x != "" && strings.Trim(x, "0123456789") == ""
	}
	return digits(i) && (!hasDot || digits(f))
}

// FuzzNormalizeFlowDescription checks that a packet filter never panics
// the checker and that a normalized filter is its own normalization.
func FuzzNormalizeFlowDescription(f *testing.F) {
	for _, s := range []string{"permit out udp from any to assigned 5000-5010", "permit out ip from 10.0.0.0/8 1,2-3 to any",
		"permit out 6 from 2001:db8::/32 to assigned 80", "permit out x from to"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeFlowDescription(s)
		if err != nil {
			return
		}
		n2, err := NormalizeFlowDescription(n)
		if err != nil || n2 != n {
			t.Fatalf("%q normalized to %q, which normalizes to %q, %v", s, n, n2, err)
		}
	})
}
