package store

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Subscriber is one subscriber's authentication and subscription data, as
// the UDR holds it.
type Subscriber struct {
	SUPI string // "imsi-" and 15 digits (TS 23.003 §2.2, TS 29.571 §5.4.2 Supi)

	K   Secret  // subscriber key, 16 octets
	OPc Secret  // operator variant key, 16 octets (TS 35.206 §4.1)
	AMF [2]byte // authentication management field for the vectors (TS 33.102 §6.3.2)
	SQN uint64  // last SQN handed out, 48 bits; moved only by NextSQN/ResyncSQN

	AuthMethod AuthMethod

	SNSSAIs       []SNSSAI // subscribed S-NSSAIs, at least one
	DefaultSNSSAI SNSSAI   // one of SNSSAIs (TS 23.501 §5.15.3)
	DNNs          []string // subscribed DNNs, e.g. "internet"

	AMBR AMBR // subscribed UE-AMBR
}

// AuthMethod is the authentication method of a subscriber, with the values
// of the 3GPP AuthMethod enumeration.
//
// Spec: TS 29.503 §6.3.6 (AuthMethod)
type AuthMethod string

// Authentication methods.
const (
	AuthMethod5GAKA       AuthMethod = "5G_AKA"
	AuthMethodEAPAKAPrime AuthMethod = "EAP_AKA_PRIME"
)

// SNSSAI is a single network slice selection assistance information: SST,
// and SD as six hex digits or "" when there is none.
//
// Spec: TS 23.003 §28.4.2, TS 29.571 §5.4.4 (Snssai)
type SNSSAI struct {
	SST uint8  `json:"sst"`
	SD  string `json:"sd,omitempty"`
}

// String is the CLI form: "1" or "1:000001".
func (n SNSSAI) String() string {
	if n.SD == "" {
		return fmt.Sprint(n.SST)
	}
	return fmt.Sprintf("%d:%s", n.SST, n.SD)
}

// Equal compares SST and SD, SD case-insensitively.
func (n SNSSAI) Equal(o SNSSAI) bool { return n.SST == o.SST && strings.EqualFold(n.SD, o.SD) }

// AMBR is an aggregate maximum bit rate pair.
//
// Spec: TS 29.571 §5.5.4 (Ambr)
type AMBR struct {
	Uplink   BitRate `json:"uplink"`
	Downlink BitRate `json:"downlink"`
}

// Secret is key material. Every fmt verb, slog and JSON show it as hidden;
// code that needs the octets uses them as a []byte (Secret is assignable to
// []byte parameters).
type Secret []byte

const hidden = "[hidden]"

// Format prints the hidden marker for every verb, so %x and %v never leak.
func (Secret) Format(f fmt.State, _ rune) { io.WriteString(f, hidden) }

// LogValue keeps the octets out of slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(hidden) }

// MarshalJSON keeps the octets out of JSON; export them explicitly (hex) if
// that is really meant. There is no UnmarshalJSON, so the marker cannot be
// read back as a key.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + hidden + `"`), nil }

// String describes the subscriber without key material.
func (s Subscriber) String() string {
	return fmt.Sprintf("subscriber %s (auth %s, sqn %012x, snssais %v, dnns %v, k and opc %s)",
		s.SUPI, s.AuthMethod, s.SQN, s.SNSSAIs, s.DNNs, hidden)
}

// GoString keeps %#v from printing the key fields.
func (s Subscriber) GoString() string { return s.String() }

// LogValue logs the identity and subscription, never K or OPc.
func (s Subscriber) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("supi", s.SUPI),
		slog.String("auth_method", string(s.AuthMethod)),
		slog.String("snssais", fmt.Sprint(s.SNSSAIs)),
		slog.String("dnns", strings.Join(s.DNNs, ",")),
	)
}
