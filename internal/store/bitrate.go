package store

import (
	"fmt"
	"strconv"
	"strings"
)

// BitRate is a bit rate in bits per second.
type BitRate uint64

// bitRateUnits are the TS 29.571 BitRate units, largest first; the prefixes
// are x1000 multipliers.
var bitRateUnits = [...]struct {
	name string
	mult uint64
}{{"Tbps", 1e12}, {"Gbps", 1e9}, {"Mbps", 1e6}, {"Kbps", 1e3}, {"bps", 1}}

// String formats r as a TS 29.571 BitRate, in the largest unit that keeps
// it an integer: "1 Gbps", "1500 Kbps".
//
// Spec: TS 29.571 §5.5.2 (BitRate)
func (r BitRate) String() string {
	for _, u := range bitRateUnits {
		if uint64(r) >= u.mult && uint64(r)%u.mult == 0 {
			return fmt.Sprintf("%d %s", uint64(r)/u.mult, u.name)
		}
	}
	return "0 bps"
}

// ParseBitRate reads a bit rate as TS 29.571 writes it ("1 Gbps",
// "1.5 Mbps"), also without the space and with any letter case of the unit
// ("1gbps", "500kbps"), or as a bare number of bits per second.
func ParseBitRate(s string) (BitRate, error) {
	t := strings.TrimSpace(s)
	mult := uint64(1)
	for _, u := range bitRateUnits {
		if len(t) > len(u.name) && strings.EqualFold(t[len(t)-len(u.name):], u.name) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.name)]), u.mult
			break
		}
	}
	whole, frac, _ := strings.Cut(t, ".")
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil || (frac == "" && strings.Contains(t, ".")) {
		return 0, fmt.Errorf("bit rate %q: want a number and a unit, e.g. 1Gbps or 500Mbps", s)
	}
	if w > (1<<63-1)/mult {
		return 0, fmt.Errorf("bit rate %q is too large", s)
	}
	v := w * mult
	if frac != "" {
		f, err := strconv.ParseUint(frac, 10, 64)
		div := uint64(1)
		for range frac {
			div *= 10
			if div > mult {
				return 0, fmt.Errorf("bit rate %q: more decimals than whole bits per second", s)
			}
		}
		if err != nil {
			return 0, fmt.Errorf("bit rate %q: want a number and a unit, e.g. 1Gbps or 500Mbps", s)
		}
		v += f * (mult / div)
	}
	return BitRate(v), nil
}
