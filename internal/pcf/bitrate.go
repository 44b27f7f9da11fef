package pcf

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
)

// bitRateUnits are the units of the BitRate string, in the case the
// pattern gives, with their power of 1000 and value in bps.
var bitRateUnits = [...]struct {
	name string
	pow  int
	bps  uint64
}{{"bps", 0, 1}, {"Kbps", 1, 1e3}, {"Mbps", 2, 1e6}, {"Gbps", 3, 1e9}, {"Tbps", 4, 1e12}}

// ParseBitRate parses a BitRate string, "<digits>[.<digits>] <unit>" with
// one space and a unit of bps, Kbps, Mbps, Gbps or Tbps (decimal
// multiples: 1 Kbps is 1000 bps), into bits per second. A fraction finer
// than 1 bps is truncated. Values past 2^64-1 bps are refused.
//
// Spec: TS 29.571 §5.5.2 (BitRate, pattern '^\d+(\.\d+)? (bps|Kbps|Mbps|Gbps|Tbps)$')
func ParseBitRate(s string) (uint64, error) {
	sp := -1
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			sp = i
			break
		}
	}
	if sp < 0 {
		return 0, fmt.Errorf("bit rate %q: want \"<number> <unit>\"", s)
	}
	num, unit := s[:sp], s[sp+1:]
	pow := -1
	for _, u := range bitRateUnits {
		if unit == u.name {
			pow = u.pow
		}
	}
	if pow < 0 {
		return 0, fmt.Errorf("bit rate %q: unit %q is not one of bps, Kbps, Mbps, Gbps, Tbps", s, unit)
	}
	intPart, frac := num, ""
	for i := 0; i < len(num); i++ {
		if num[i] == '.' {
			intPart, frac = num[:i], num[i+1:]
			if frac == "" {
				return 0, fmt.Errorf("bit rate %q: no digits after the decimal point", s)
			}
			break
		}
	}
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return 0, fmt.Errorf("bit rate %q: %q is not a decimal number", s, num)
	}
	// value = (intPart.frac) * 1000^pow: shift the decimal point 3*pow
	// places right, then drop what remains after it.
	shift := 3 * pow
	digits := intPart
	if len(frac) > shift {
		digits += frac[:shift]
	} else {
		digits += frac
		for range shift - len(frac) {
			digits += "0"
		}
	}
	v, err := parseDigits(digits)
	if err != nil {
		return 0, fmt.Errorf("bit rate %q: %w", s, err)
	}
	return v, nil
}

var errBitRateRange = errors.New("exceeds 2^64-1 bps")

// parseDigits is strconv.ParseUint for a string of ASCII digits of any
// length, leading zeros included.
func parseDigits(d string) (uint64, error) {
	var v uint64
	for i := 0; i < len(d); i++ {
		hi, lo := bits.Mul64(v, 10)
		if hi != 0 {
			return 0, errBitRateRange
		}
		s, carry := bits.Add64(lo, uint64(d[i]-'0'), 0)
		if carry != 0 {
			return 0, errBitRateRange
		}
		v = s
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatBitRate writes bps as a BitRate string in the largest unit that
// keeps it exact, so that ParseBitRate(FormatBitRate(v)) == v: 100000000
// is "100 Mbps", 1500 is "1.5 Kbps", 0 is "0 bps".
//
// Spec: TS 29.571 §5.5.2
func FormatBitRate(bps uint64) string {
	if bps == 0 {
		return "0 bps"
	}
	for i := len(bitRateUnits) - 1; i > 0; i-- {
		div := bitRateUnits[i].bps
		if bps >= div {
			q, r := bps/div, bps%div
			if r == 0 {
				return strconv.FormatUint(q, 10) + " " + bitRateUnits[i].name
			}
			f := fmt.Sprintf("%0*d", 3*bitRateUnits[i].pow, r)
			for f[len(f)-1] == '0' {
				f = f[:len(f)-1]
			}
			return strconv.FormatUint(q, 10) + "." + f + " " + bitRateUnits[i].name
		}
	}
	return strconv.FormatUint(bps, 10) + " bps"
}
