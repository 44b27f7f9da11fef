// Package dnname checks Data Network Names, shared by the NFs that take one
// from configuration or from a peer (PCF, NSSF).
package dnname

import (
	"fmt"
	"strings"
)

// Check checks a DNN in the form of an APN Network Identifier: labels of
// letters, digits and hyphens separated by dots, at most 63 octets.
//
// Spec: TS 23.003 §9.1.1
func Check(d string) error {
	if len(d) == 0 || len(d) > 63 {
		return fmt.Errorf("%q: want 1 to 63 characters", d)
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
	return nil
}
