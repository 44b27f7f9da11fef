package fleet

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
)

// causeName names the 5GMM causes a registration can end with, for people.
// Spec: TS 24.501 §9.11.3.2 Table 9.11.3.2.1
func causeName(c uint8) string {
	switch c {
	case 3:
		return "illegal UE"
	case 5:
		return "PEI not accepted"
	case 6:
		return "illegal ME"
	case 7:
		return "5GS services not allowed"
	case 9:
		return "UE identity cannot be derived by the network"
	case 10:
		return "implicitly deregistered"
	case 11:
		return "PLMN not allowed"
	case 12:
		return "tracking area not allowed"
	case 13:
		return "roaming not allowed in this tracking area"
	case 15:
		return "no suitable cells in tracking area"
	case 20:
		return "MAC failure"
	case 21:
		return "synch failure"
	case 22:
		return "congestion"
	case 23:
		return "UE security capabilities mismatch"
	case 24:
		return "security mode rejected, unspecified"
	case 26:
		return "non-5G authentication unacceptable"
	case 27:
		return "N1 mode not allowed"
	case 62:
		return "no network slices available"
	case 95:
		return "semantically incorrect message"
	case 96:
		return "invalid mandatory information"
	case 97:
		return "message type non-existent or not implemented"
	case 98:
		return "message type not compatible with the protocol state"
	case 99:
		return "information element non-existent or not implemented"
	case 111:
		return "protocol error, unspecified"
	}
	return ""
}

// Reason says in a few words why a UE procedure failed.
func Reason(err error) string {
	var rej *ue.RejectError
	var sf *gnb.SetupFailure
	switch {
	case err == nil:
		return ""
	case errors.As(err, &rej) && rej.Authentication:
		return "authentication rejected"
	case errors.As(err, &rej) && rej.BackOff != nil:
		// The value of an unprotected reject is not used (the UE draws
		// its own), so it is left out: one line for all of them.
		b := rej.BackOff.String()
		if rej.BackOff.T3346 > 0 && !rej.BackOff.Protected {
			b = "T3346 not integrity protected: UE draws 15-30 min"
		}
		return fmt.Sprintf("registration rejected: #%d %s (%s)", rej.Cause, causeName(rej.Cause), b)
	case errors.As(err, &rej):
		if name := causeName(rej.Cause); name != "" {
			return fmt.Sprintf("registration rejected: #%d %s", rej.Cause, name)
		}
		return fmt.Sprintf("registration rejected: 5GMM cause #%d", rej.Cause)
	case errors.As(err, &sf):
		return sf.Error()
	case errors.Is(err, ue.ErrTimeout):
		return strings.TrimPrefix(err.Error(), "ue: ")
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	}
	return strings.TrimPrefix(err.Error(), "ue: ")
}

// FormatGUTI writes 5GS mobile identity contents holding a 5G-GUTI as the
// TS 29.571 Guti string: MCC, MNC, AMF ID (6 hex digits), 5G-TMSI (8 hex
// digits). Anything else is shown as hex.
//
// Spec: TS 24.501 §9.11.3.4 (Figure 9.11.3.4.1), TS 29.571 §5.3.2 (Guti)
func FormatGUTI(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) != 11 || b[0]&0x07 != 0x02 {
		return hex.EncodeToString(b)
	}
	digit := func(x byte) (byte, bool) { return '0' + x, x <= 9 }
	var plmn []byte
	for _, x := range []byte{b[1] & 0x0f, b[1] >> 4, b[2] & 0x0f, b[3] & 0x0f, b[3] >> 4, b[2] >> 4} {
		if x == 0x0f && len(plmn) == 5 {
			break // 2-digit MNC: MNC digit 3 is the filler
		}
		d, ok := digit(x)
		if !ok {
			return hex.EncodeToString(b)
		}
		plmn = append(plmn, d)
	}
	return string(plmn) + hex.EncodeToString(b[4:7]) + hex.EncodeToString(b[7:11])
}
