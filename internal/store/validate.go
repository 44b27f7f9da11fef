package store

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"go5g/internal/dnname"
)

// supiDigits is the IMSI length go5g accepts: the full 15 digits of
// TS 23.003 §2.2, so SUPIs sort numerically as text and ranges are plain
// additions.
const supiDigits = 15

// ValidSUPI checks the form "imsi-" followed by 15 digits.
func ValidSUPI(supi string) error {
	digits, ok := strings.CutPrefix(supi, "imsi-")
	if !ok || len(digits) != supiDigits || strings.Trim(digits, "0123456789") != "" {
		return fieldErr("supi", "want imsi- and %d digits, e.g. imsi-001010000000001", supiDigits)
	}
	return nil
}

// MaxRange bounds one range: its subscribers are built in memory (about a
// kilobyte each) and written in one transaction.
const MaxRange = 1_000_000

// SUPIRange returns the n SUPIs first, first+1, ..., first+n-1.
func SUPIRange(first string, n int) ([]string, error) {
	if err := ValidSUPI(first); err != nil {
		return nil, err
	}
	if n < 1 || n > MaxRange {
		return nil, fieldErr("count", "must be 1 to %d", MaxRange)
	}
	start, _ := strconv.ParseUint(first[len("imsi-"):], 10, 64)
	if start+uint64(n)-1 > 999_999_999_999_999 {
		return nil, fieldErr("count", "the range passes imsi-999999999999999")
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("imsi-%0*d", supiDigits, start+uint64(i))
	}
	return out, nil
}

// Range returns n copies of s with the SUPIs s.SUPI ... s.SUPI+n-1; each
// copy has its own K and OPc slices.
func (s Subscriber) Range(n int) ([]Subscriber, error) {
	supis, err := SUPIRange(s.SUPI, n)
	if err != nil {
		return nil, err
	}
	out := make([]Subscriber, n)
	for i, supi := range supis {
		c := s
		c.SUPI = supi
		c.K, c.OPc = bytes.Clone(s.K), bytes.Clone(s.OPc)
		c.SNSSAIs, c.DNNs = append([]SNSSAI(nil), s.SNSSAIs...), append([]string(nil), s.DNNs...)
		out[i] = c
	}
	return out, nil
}

// Validate checks every field and returns a *FieldError for the first bad
// one. Importers call it per row to report every bad row, not just the
// first; the store calls it before every write.
func (s Subscriber) Validate() error {
	if err := ValidSUPI(s.SUPI); err != nil {
		return err
	}
	if len(s.K) != 16 {
		return fieldErr("k", "must be 16 octets (32 hex digits), got %d", len(s.K))
	}
	if len(s.OPc) != 16 {
		return fieldErr("opc", "must be 16 octets (32 hex digits), got %d", len(s.OPc))
	}
	if s.SQN > MaxSQN {
		return fieldErr("sqn", "must fit in 48 bits")
	}
	if s.AuthMethod != AuthMethod5GAKA && s.AuthMethod != AuthMethodEAPAKAPrime {
		return fieldErr("auth_method", "must be %s or %s", AuthMethod5GAKA, AuthMethodEAPAKAPrime)
	}
	if err := validSNSSAIs(s.SNSSAIs, s.DefaultSNSSAI); err != nil {
		return err
	}
	if err := validDNNs(s.DNNs); err != nil {
		return err
	}
	if s.AMBR.Uplink == 0 {
		return fieldErr("ambr_uplink", "must be above 0")
	}
	if s.AMBR.Downlink == 0 {
		return fieldErr("ambr_downlink", "must be above 0")
	}
	return nil
}

// ValidSNSSAI checks that SD is empty or six hex digits (SST is any octet).
//
// Spec: TS 23.003 §28.4.2
func ValidSNSSAI(n SNSSAI) error {
	if n.SD == "" {
		return nil
	}
	if len(n.SD) != 6 || strings.Trim(n.SD, "0123456789abcdefABCDEF") != "" {
		return fieldErr("snssais", "S-NSSAI %d: SD must be 6 hex digits (24 bits)", n.SST)
	}
	return nil
}

func validSNSSAIs(list []SNSSAI, def SNSSAI) error {
	if len(list) == 0 {
		return fieldErr("snssais", "at least one S-NSSAI is needed")
	}
	found := false
	for i, n := range list {
		if err := ValidSNSSAI(n); err != nil {
			return err
		}
		for _, m := range list[:i] {
			if m.Equal(n) {
				return fieldErr("snssais", "S-NSSAI %v is listed twice", n)
			}
		}
		found = found || n.Equal(def)
	}
	if !found {
		return fieldErr("default_snssai", "%v is not one of the subscribed S-NSSAIs", def)
	}
	return nil
}

// ValidDNN checks one DNN as dnname.Check does, as a field error.
func ValidDNN(dnn string) error {
	if err := dnname.Check(dnn); err != nil {
		return fieldErr("dnns", "DNN %v", err)
	}
	return nil
}

func validDNNs(dnns []string) error {
	for i, d := range dnns {
		if err := ValidDNN(d); err != nil {
			return err
		}
		for _, e := range dnns[:i] {
			if strings.EqualFold(d, e) {
				return fieldErr("dnns", "DNN %q is listed twice", d)
			}
		}
	}
	return nil
}
