package dnname

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	ni63 := strings.Repeat("a", 63)
	for _, d := range []string{"internet", "IMS", "a-b.c1", ni63, ni63 + ".mnc001.mcc001.gprs", "x.MNC123.MCC456.GPRS"} {
		if err := Check(d); err != nil {
			t.Errorf("Check(%q) = %v, want nil", d, err)
		}
	}
	for _, d := range []string{"", "-a", "a-", "a..b", "a_b", "é", ni63 + "b", ni63 + "b.mnc001.mcc001.gprs",
		strings.Repeat("abcdefghi.", 10) + "x", ni63 + ".mnc01.mcc001.gprs"} {
		if err := Check(d); err == nil {
			t.Errorf("Check(%q) = nil, want an error", d)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("internet.mnc001.mcc001.gprs")
	f.Fuzz(func(t *testing.T, d string) {
		if Check(d) == nil && (len(d) > 100 || len(networkIdentifier(d)) > 63) {
			t.Errorf("Check(%q) accepted an over-long DNN", d)
		}
	})
}
