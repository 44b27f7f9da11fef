package nssf

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/free5gc/openapi/models"

	"go5g/internal/dnname"
)

// Config is the NSSF's slice configuration.
type Config struct {
	// PLMNs are the PLMNs this NSSF serves (TS 23.003 §12.1).
	PLMNs []models.PlmnId
	// TrackingAreas are the S-NSSAIs supported in each tracking area; a
	// tracking area not listed supports none.
	TrackingAreas []TrackingArea
	// Instances are the network slice instances PDU sessions are placed
	// in, per S-NSSAI and optionally per DNN.
	Instances []Instance
	// TargetAMFSet, if set, is returned to the AMF at registration: PLMN,
	// AMF Region Id and AMF Set Id as "mcc-mnc-RR-SSS" (hex region, set
	// 000-3FF), e.g. "001-01-01-001".
	TargetAMFSet string
}

// TrackingArea lists the S-NSSAIs supported in one TA.
//
// Spec: TS 23.501 §5.15.8 (slice availability per TA)
type TrackingArea struct {
	TAI     models.Tai
	SNSSAIs []models.Snssai
}

// Instance is a network slice instance PDU sessions of one S-NSSAI (and,
// if DNNs is set, of those DNNs only) are placed in, and the SMF and UPF
// sets that serve it.
type Instance struct {
	SNSSAI models.Snssai
	// DNNs restricts the instance to these DNNs (case-insensitive); empty
	// means every DNN without an instance of its own.
	DNNs []string
	// NSIID is the Network Slice Instance identifier (TS 23.501 §5.15.2.1,
	// TS 29.531 NsiId); optional.
	NSIID string
	// NRFID is the NRF to discover NFs of this instance with (an NRF URI);
	// optional: empty means the PLMN's NRF.
	NRFID string
	// SMFSet and UPFSet name the SMF set and UPF set serving the instance.
	SMFSet string
	UPFSet string
}

// Defaults is the configuration of a core with no config file: PLMN
// 001/01, TAC 000001 supporting SST 1, and one instance for SST 1.
func Defaults() Config {
	plmn := models.PlmnId{Mcc: "001", Mnc: "01"}
	sst1 := models.Snssai{Sst: 1}
	return Config{
		PLMNs:         []models.PlmnId{plmn},
		TrackingAreas: []TrackingArea{{TAI: models.Tai{PlmnId: &plmn, Tac: "000001"}, SNSSAIs: []models.Snssai{sst1}}},
		Instances:     []Instance{{SNSSAI: sst1, SMFSet: "smf-set-1", UPFSet: "upf-set-1"}},
	}
}

var amfSetPattern = regexp.MustCompile(`^[0-9]{3}-[0-9]{2,3}-[A-Fa-f0-9]{2}-[0-3][A-Fa-f0-9]{2}$`)

// Validate checks the configuration and names the field of each problem,
// as in "nssf config: tracking_areas[0].snssais[1]: ...".
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("nssf config: %s: %s", field, fmt.Sprintf(format, a...)))
	}
	if len(c.PLMNs) == 0 {
		bad("plmns", "none configured")
	}
	for i, p := range c.PLMNs {
		if err := checkPLMN(p); err != nil {
			bad(fmt.Sprintf("plmns[%d]", i), "%v", err)
		}
	}
	tais := make(map[string]bool)
	for i, ta := range c.TrackingAreas {
		f := fmt.Sprintf("tracking_areas[%d]", i)
		if err := checkTAI(ta.TAI); err != nil {
			bad(f+".tai", "%v", err)
		} else {
			if !c.served(*ta.TAI.PlmnId) {
				bad(f+".tai.plmn_id", "%s-%s is not one of plmns", ta.TAI.PlmnId.Mcc, ta.TAI.PlmnId.Mnc)
			}
			k := taiKey(ta.TAI)
			if tais[k] {
				bad(f+".tai", "tracking area %s is listed twice", k)
			}
			tais[k] = true
		}
		if len(ta.SNSSAIs) == 0 {
			bad(f+".snssais", "none: a tracking area with no slice cannot serve a UE")
		}
		for j, s := range ta.SNSSAIs {
			sf := fmt.Sprintf("%s.snssais[%d]", f, j)
			if err := checkSnssai(s); err != nil {
				bad(sf, "%v", err)
			} else if contains(ta.SNSSAIs[:j], s) {
				bad(sf, "%s is listed twice", snssaiString(s))
			}
		}
	}
	type instKey struct{ snssai, dnn string }
	seen := make(map[instKey]bool)
	for i, in := range c.Instances {
		f := fmt.Sprintf("instances[%d]", i)
		if err := checkSnssai(in.SNSSAI); err != nil {
			bad(f+".snssai", "%v", err)
			continue
		}
		if !c.supportedInPLMN(in.SNSSAI) {
			bad(f+".snssai", "%s is supported in no tracking area", snssaiString(in.SNSSAI))
		}
		dnns := in.DNNs
		if len(dnns) == 0 {
			dnns = []string{""}
		}
		for j, d := range dnns {
			if d != "" {
				if err := dnname.Check(d); err != nil {
					bad(fmt.Sprintf("%s.dnns[%d]", f, j), "%v", err)
					continue
				}
			}
			k := instKey{snssaiString(in.SNSSAI), strings.ToLower(d)}
			if seen[k] {
				what := "no DNN list"
				if d != "" {
					what = "DNN " + d
				}
				bad(f, "a second instance for %s with %s", k.snssai, what)
			}
			seen[k] = true
		}
		if in.SMFSet == "" {
			bad(f+".smf_set", "empty")
		}
	}
	if c.TargetAMFSet != "" && !amfSetPattern.MatchString(c.TargetAMFSet) {
		bad("target_amf_set", "%q: want mcc-mnc-RR-SSS, e.g. 001-01-01-001 (TS 29.531 targetAmfSet)", c.TargetAMFSet)
	}
	return errors.Join(errs...)
}

// served reports whether p is one of the configured PLMNs.
func (c Config) served(p models.PlmnId) bool {
	for _, q := range c.PLMNs {
		if q == p {
			return true
		}
	}
	return false
}

func (c Config) supportedInPLMN(s models.Snssai) bool {
	for _, ta := range c.TrackingAreas {
		if contains(ta.SNSSAIs, s) {
			return true
		}
	}
	return false
}

// checkPLMN checks a PLMN id: a 3-digit MCC and a 2- or 3-digit MNC.
//
// Spec: TS 29.571 §5.4.4.3 (PlmnId), TS 23.003 §12.1
func checkPLMN(p models.PlmnId) error {
	if len(p.Mcc) != 3 || !allDigits(p.Mcc) {
		return fmt.Errorf("mcc %q: want 3 digits", p.Mcc)
	}
	if (len(p.Mnc) != 2 && len(p.Mnc) != 3) || !allDigits(p.Mnc) {
		return fmt.Errorf("mnc %q: want 2 or 3 digits", p.Mnc)
	}
	return nil
}

// checkTAI checks a TAI: a PLMN id and a TAC of 4 or 6 hex digits. The NID
// of SNPNs is not supported.
//
// Spec: TS 29.571 §5.4.4.4 (Tai), §5.4.2 (Tac)
func checkTAI(t models.Tai) error {
	if t.PlmnId == nil {
		return errors.New("plmnId is missing")
	}
	if err := checkPLMN(*t.PlmnId); err != nil {
		return fmt.Errorf("plmnId: %w", err)
	}
	if !isHex(t.Tac, 4) && !isHex(t.Tac, 6) {
		return fmt.Errorf("tac %q: want 4 or 6 hex digits", t.Tac)
	}
	if t.Nid != "" {
		return fmt.Errorf("nid %q: SNPNs are not supported", t.Nid)
	}
	return nil
}

// taiKey is a TAI as one comparable string; TACs compare case-insensitively.
func taiKey(t models.Tai) string {
	return t.PlmnId.Mcc + "-" + t.PlmnId.Mnc + "-" + strings.ToLower(t.Tac)
}

// checkSnssai checks an S-NSSAI: SST 0-255, SD absent or six hex digits.
//
// Spec: TS 29.571 §5.4.4.2 (Snssai), TS 23.003 §28.4.2
func checkSnssai(s models.Snssai) error {
	if s.Sst < 0 || s.Sst > 255 {
		return fmt.Errorf("sst %d: want 0 to 255", s.Sst)
	}
	if s.Sd != "" && !isHex(s.Sd, 6) {
		return fmt.Errorf("sd %q: want six hex digits", s.Sd)
	}
	return nil
}

// sameSnssai compares S-NSSAIs; an SD is hex, so case does not matter.
func sameSnssai(a, b models.Snssai) bool {
	return a.Sst == b.Sst && strings.EqualFold(a.Sd, b.Sd)
}

func contains(list []models.Snssai, s models.Snssai) bool {
	for _, x := range list {
		if sameSnssai(x, s) {
			return true
		}
	}
	return false
}

func snssaiString(s models.Snssai) string {
	if s.Sd == "" {
		return fmt.Sprintf("SST %d", s.Sst)
	}
	return fmt.Sprintf("SST %d SD %s", s.Sst, strings.ToLower(s.Sd))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(s[i] >= '0' && s[i] <= '9') && !(c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Deps are the NSSF's dependencies: none. Nnssf_NSSAIAvailability (AMFs
// reporting the S-NSSAIs they support per TA) would feed it; until then
// the configuration is the truth.
type Deps struct{}

// NSSF serves Nnssf_NSSelection. It holds no mutable state and is safe for
// concurrent use.
type NSSF struct {
	plmns     []models.PlmnId
	ta        map[string][]models.Snssai // taiKey -> supported S-NSSAIs
	inPLMN    []models.Snssai            // supported in some TA
	instances []Instance
	amfSet    string
}

// New returns an NSSF.
func New(cfg Config, deps Deps) (*NSSF, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &NSSF{plmns: append([]models.PlmnId(nil), cfg.PLMNs...), ta: make(map[string][]models.Snssai),
		instances: append([]Instance(nil), cfg.Instances...), amfSet: cfg.TargetAMFSet}
	for _, ta := range cfg.TrackingAreas {
		n.ta[taiKey(ta.TAI)] = append([]models.Snssai(nil), ta.SNSSAIs...)
		for _, s := range ta.SNSSAIs {
			if !contains(n.inPLMN, s) {
				n.inPLMN = append(n.inPLMN, s)
			}
		}
	}
	return n, nil
}
