// Package dnname checks Data Network Names, shared by every part of go5g
// that takes one from configuration, the store or a peer (SMF, PCF, NSSF,
// subscriber records).
package dnname

import (
	"fmt"
	"strings"
)

// Check checks a DNN in the form of an APN: a Network Identifier of labels
// of letters, digits and inner hyphens separated by dots, at most 63
// octets, optionally followed by the Operator Identifier
// "mnc<MNC>.mcc<MCC>.gprs"; at most 100 octets in all.
//
// Spec: TS 23.003 §9.1, §9.1.1, §9.1.2, §9A
func Check(d string) error {
	if len(d) == 0 || len(d) > 100 {
		return fmt.Errorf("%q: want 1 to 100 characters", d)
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%q: empty label or label starting or ending with '-'", d)
		}
		for i := 0; i < len(label); i++ {
			c := label[i] | 0x20
			if !(label[i] >= '0' && label[i] <= '9') && !(c >= 'a' && c <= 'z') && label[i] != '-' {
				return fmt.Errorf("%q: %q is not a letter, digit or '-'", d, label[i])
			}
		}
	}
	if ni := networkIdentifier(d); len(ni) > 63 {
		return fmt.Errorf("%q: the network identifier %q is longer than 63 characters", d, ni)
	}
	return nil
}

// networkIdentifier is d without its Operator Identifier, if it has one.
func networkIdentifier(d string) string {
	l := strings.Split(d, ".")
	n := len(l)
	if n >= 4 && strings.EqualFold(l[n-1], "gprs") && operatorLabel(l[n-2], "mcc") && operatorLabel(l[n-3], "mnc") {
		return strings.Join(l[:n-3], ".")
	}
	return d
}

// operatorLabel is "mcc" or "mnc" followed by three digits (§9.1.2).
func operatorLabel(s, prefix string) bool {
	if len(s) != 6 || !strings.EqualFold(s[:3], prefix) {
		return false
	}
	for _, c := range []byte(s[3:]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
