package amf

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sctp"
)

// Config is the AMF's configuration. The zero value of a field means its
// default (see Defaults); Validate names the field of any bad value.
type Config struct {
	// Name is the AMF Name sent in NG Setup Response (a PrintableString).
	Name string
	// InstanceID is the NF instance id the AMF registers with in the UDM
	// (TS 29.510 NfInstanceId, a UUID); default a random one at New.
	InstanceID string
	// PLMN served (TS 23.003 §12.1) and the tracking areas and slices the
	// AMF supports in it.
	PLMN   n2.PLMN
	TACs   []uint32
	Slices []n2.SNSSAI
	// AMF Identifier of the served GUAMI (TS 23.003 §2.10.1).
	RegionID uint8
	SetID    uint16 // 10 bits
	Pointer  uint8  // 6 bits
	// RelativeCapacity is the Relative AMF Capacity of NG Setup (0-255).
	RelativeCapacity uint8

	// Integrity and Ciphering are the NAS algorithm preference lists; the
	// first one the UE supports is selected (TS 33.501 §6.7.1). NIA0 is
	// refused: integrity is mandatory outside emergency sessions
	// (TS 33.501 §5.5.2).
	Integrity []n1.IntegrityAlg
	Ciphering []n1.CipherAlg

	// Timers. T3512 is the periodic registration timer given to UEs
	// (TS 24.501 §10.2; 0 in Defaults means 54 min, negative deactivates
	// it); T3550 guards Registration Accept, T3560 Authentication Request
	// and Security Mode Command, T3570 Identity Request, T3522 the
	// network-initiated Deregistration Request (TS 24.501 Table 10.2.2).
	// MaxRetransmissions is how many times a message is sent again before
	// the procedure is aborted on the next expiry (4: "on the fifth expiry").
	// T3555 guards Configuration Update Command (TS 24.501 §5.4.4.2).
	T3512, T3550, T3560, T3570, T3522, T3555 time.Duration
	MaxRetransmissions                       int
	// T3513 guards paging and Pagings is how many Paging messages the AMF
	// sends a UE in all before it gives up (paging.go); 0 means 3 s and 3.
	T3513   time.Duration
	Pagings int
	// ReleaseGuard bounds the wait for UE Context Release Complete before
	// the AMF releases the UE-associated connection locally.
	ReleaseGuard time.Duration
	// SBITimeout bounds each call to the AUSF or UDM.
	SBITimeout time.Duration

	// DefaultDNN is used for a PDU session when the UE names no DNN and
	// the subscription has none (TS 23.502 §4.3.2.2.1 step 2); default
	// "internet".
	DefaultDNN string

	// N2 is where the AMF listens for gNBs.
	N2 N2Config

	// Workers is the number of UE workers (shards); default 4 per CPU.
	Workers int
	// QueueLength is each worker's event queue length; default 1024.
	QueueLength int

	// Overload controls general NAS level mobility management congestion
	// control (overload.go).
	Overload OverloadConfig
}

// OverloadConfig bounds the work the AMF takes on and the back-off it
// gives the UEs it turns away.
//
// Spec: TS 24.501 §5.3.9, §5.5.1.2.5, §5.6.1.5
type OverloadConfig struct {
	// MaxSBIInFlight bounds the calls to the AUSF and UDM in flight at
	// once; 0 (default) means 256 per worker. A call beyond it is not
	// made: its registration is rejected with #22 "congestion".
	MaxSBIInFlight int
	// MaxAuthenticating bounds the UEs at once in the home network part of
	// a registration (authentication and the subscription fetch that
	// follows); 0 (default) means 128 per worker; at most MaxSBIInFlight.
	// Each such UE has one call in flight at a time, so the UEs admitted
	// finish while the rest are turned away at the door.
	MaxAuthenticating int
	// T3346Min and T3346Max are the range the back-off timer T3346 given
	// with #22 is drawn from, uniformly, so that the UEs turned away do not
	// come back together (§5.3.9). Defaults 5 and 15 minutes; the
	// GPRS timer 2 IE holds up to 186 minutes (31 decihours).
	T3346Min, T3346Max time.Duration
}

// N2Config is the NGAP listener: address, transport and SCTP tuning.
type N2Config struct {
	// Address is host:port; default ":38412" (TS 38.412 §7).
	Address string
	// Transport is kernel, udp, ip or auto (default).
	Transport sctp.Transport
	// UDPPort is the local UDP port of transport udp (default 9899, RFC 6951).
	UDPPort int
	// SCTP tunes the association (zero values are the RFC 9260 defaults).
	SCTP sctp.Config
}

// Defaults returns the configuration a core without a config file uses:
// PLMN 001/01, TAC 1, slice SST 1, integrity NIA2, NIA1, NIA3 and ciphering
// NEA2, NEA1, NEA3, NEA0 (put NEA0 first to read NAS in captures).
func Defaults() Config {
	return Config{
		Name:               "go5g-amf",
		PLMN:               n2.PLMN{MCC: "001", MNC: "01"},
		TACs:               []uint32{1},
		Slices:             []n2.SNSSAI{{SST: 1}},
		RegionID:           1,
		SetID:              1,
		Pointer:            0,
		RelativeCapacity:   255,
		Integrity:          []n1.IntegrityAlg{n1.NIA2, n1.NIA1, n1.NIA3},
		Ciphering:          []n1.CipherAlg{n1.NEA2, n1.NEA1, n1.NEA3, n1.NEA0},
		T3512:              54 * time.Minute,
		T3550:              6 * time.Second,
		T3560:              6 * time.Second,
		T3570:              6 * time.Second,
		T3522:              6 * time.Second,
		T3555:              6 * time.Second,
		MaxRetransmissions: 4,
		ReleaseGuard:       5 * time.Second,
		SBITimeout:         10 * time.Second,
		N2:                 N2Config{Address: ":38412", Transport: sctp.TransportAuto},
		Workers:            4 * runtime.GOMAXPROCS(0),
		QueueLength:        1024,
		// The bounds are left 0 here so that they follow Workers when a
		// caller changes it (withDefaults).
		Overload: OverloadConfig{T3346Min: 5 * time.Minute, T3346Max: 15 * time.Minute},
	}
}

// withDefaults fills every zero field from Defaults.
func (c Config) withDefaults() Config {
	d := Defaults()
	if c.Name == "" {
		c.Name = d.Name
	}
	if c.DefaultDNN == "" {
		c.DefaultDNN = "internet"
	}
	if c.PLMN == (n2.PLMN{}) {
		c.PLMN = d.PLMN
	}
	if len(c.TACs) == 0 {
		c.TACs = d.TACs
	}
	if len(c.Slices) == 0 {
		c.Slices = d.Slices
	}
	if c.RegionID == 0 && c.SetID == 0 && c.Pointer == 0 {
		c.RegionID, c.SetID, c.Pointer = d.RegionID, d.SetID, d.Pointer
	}
	if c.RelativeCapacity == 0 {
		c.RelativeCapacity = d.RelativeCapacity
	}
	if len(c.Integrity) == 0 {
		c.Integrity = d.Integrity
	}
	if len(c.Ciphering) == 0 {
		c.Ciphering = d.Ciphering
	}
	dur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	dur(&c.T3512, d.T3512)
	dur(&c.T3550, d.T3550)
	dur(&c.T3560, d.T3560)
	dur(&c.T3570, d.T3570)
	dur(&c.T3522, d.T3522)
	dur(&c.T3555, d.T3555)
	dur(&c.ReleaseGuard, d.ReleaseGuard)
	dur(&c.SBITimeout, d.SBITimeout)
	if c.MaxRetransmissions == 0 {
		c.MaxRetransmissions = d.MaxRetransmissions
	}
	if c.N2.Address == "" {
		c.N2.Address = d.N2.Address
	}
	if c.N2.Transport == "" {
		c.N2.Transport = d.N2.Transport
	}
	if c.Workers == 0 {
		c.Workers = d.Workers
	}
	if c.QueueLength == 0 {
		c.QueueLength = d.QueueLength
	}
	o := &c.Overload
	if o.MaxSBIInFlight == 0 {
		o.MaxSBIInFlight = 256 * c.Workers
	}
	if o.MaxAuthenticating == 0 {
		o.MaxAuthenticating = min(128*c.Workers, o.MaxSBIInFlight)
	}
	if o.T3346Min == 0 && o.T3346Max == 0 {
		o.T3346Min, o.T3346Max = d.Overload.T3346Min, d.Overload.T3346Max
	}
	return c
}

// Validate checks a configuration after defaults are applied and names the
// field of each problem.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("amf config: %s: %s", field, fmt.Sprintf(format, a...)))
	}
	if !printableString(c.Name) {
		bad("name", "%q: want 1 to 150 PrintableString characters (letters, digits, space and '()+,-./:=?)", c.Name)
	}
	if _, err := c.PLMN.NGAPBytes(); err != nil {
		bad("plmn", "%v", err)
	}
	for _, tac := range c.TACs {
		if tac >= 1<<24 {
			bad("tacs", "TAC %d exceeds 24 bits", tac)
		}
	}
	if len(c.TACs) > 16 {
		bad("tacs", "%d TACs; a TAI list of one PLMN holds at most 16 (TS 24.501 §9.11.3.9)", len(c.TACs))
	}
	if len(c.Slices) > 8 {
		bad("slices", "%d slices; an allowed NSSAI holds at most 8 (TS 24.501 §9.11.3.37)", len(c.Slices))
	}
	for _, s := range c.Slices {
		if s.HasSD && s.SD >= 1<<24 {
			bad("slices", "SD %#x exceeds 24 bits", s.SD)
		}
	}
	if c.SetID >= 1<<10 {
		bad("set_id", "%d exceeds 10 bits", c.SetID)
	}
	if c.Pointer >= 1<<6 {
		bad("pointer", "%d exceeds 6 bits", c.Pointer)
	}
	for _, a := range c.Integrity {
		switch {
		case a == n1.NIA0:
			bad("integrity", "NIA0 is only for unauthenticated emergency sessions (TS 33.501 §5.5.2)")
		case a > n1.NIA3:
			bad("integrity", "unknown algorithm %v", a)
		}
	}
	if hasDup(c.Integrity) {
		bad("integrity", "an algorithm is listed twice")
	}
	for _, a := range c.Ciphering {
		if a > n1.NEA3 {
			bad("ciphering", "unknown algorithm %v", a)
		}
	}
	if hasDup(c.Ciphering) {
		bad("ciphering", "an algorithm is listed twice")
	}
	for name, d := range map[string]time.Duration{"t3550": c.T3550, "t3560": c.T3560, "t3570": c.T3570,
		"t3522": c.T3522, "t3555": c.T3555, "release_guard": c.ReleaseGuard, "sbi_timeout": c.SBITimeout} {
		if d < 0 {
			bad(name, "negative duration %v", d)
		}
	}
	if c.MaxRetransmissions < 0 {
		bad("max_retransmissions", "negative")
	}
	if _, err := sctp.ParseTransport(string(c.N2.Transport)); err != nil {
		bad("n2.transport", "%v", err)
	}
	if c.N2.UDPPort < 0 || c.N2.UDPPort > 65535 {
		bad("n2.udp_port", "%d out of range", c.N2.UDPPort)
	}
	if c.Workers < 1 {
		bad("workers", "must be at least 1")
	}
	if c.QueueLength < 1 {
		bad("queue_length", "must be at least 1")
	}
	o := c.Overload // 0: derived from Workers (withDefaults)
	if o.MaxSBIInFlight < 0 {
		bad("overload.max_sbi_in_flight", "negative")
	}
	if o.MaxAuthenticating < 0 || o.MaxSBIInFlight > 0 && o.MaxAuthenticating > o.MaxSBIInFlight {
		bad("overload.max_authenticating", "%d: want 1 to overload.max_sbi_in_flight (%d)", o.MaxAuthenticating, o.MaxSBIInFlight)
	}
	if o.T3346Min < 2*time.Second || o.T3346Max < o.T3346Min || o.T3346Max > maxGPRSTimer2 {
		bad("overload.t3346", "range %v to %v: want 2s <= min <= max <= %v (GPRS timer 2, TS 24.008 §10.5.7.4)",
			o.T3346Min, o.T3346Max, maxGPRSTimer2)
	} else if _, _, _, ok := gprsTimer2Range(o.T3346Min, o.T3346Max); !ok {
		bad("overload.t3346", "no GPRS timer 2 value lies in %v to %v", o.T3346Min, o.T3346Max)
	}
	return errors.Join(errs...)
}

// printableString checks the AMF Name alphabet (TS 38.413 §9.3.3.21, X.680 §41.4).
func printableString(s string) bool {
	if len(s) < 1 || len(s) > 150 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !ok && !strings.ContainsRune(" '()+,-./:=?", rune(c)) {
			return false
		}
	}
	return true
}

func hasDup[T comparable](s []T) bool {
	for i, v := range s {
		if slices.Contains(s[i+1:], v) {
			return true
		}
	}
	return false
}

// guami is the one GUAMI this AMF serves.
func (c Config) guami() n2.GUAMI {
	return n2.GUAMI{PLMN: c.PLMN, RegionID: c.RegionID, SetID: c.SetID, Pointer: c.Pointer}
}
