package core

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go5g/internal/amf"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/store"
	"go5g/internal/yamlconf"
)

// Config is the whole `go5g core` configuration, as read from YAML. Every
// field has a default (Defaults); a file only names what it changes.
// Numbers are plain ints so that an out-of-range value is reported by
// Validate with its field path rather than by the YAML decoder.
type Config struct {
	// PLMN is the home PLMN: the AMF serves it, and the AUSF and UDM accept
	// its serving network name (TS 33.501 §6.1.1.4).
	PLMN PLMN `yaml:"plmn"`
	// DataDir holds the core's files; the store defaults to DataDir/go5g.db.
	DataDir string `yaml:"data_dir"`
	// Store is the SQLite store file; empty means DataDir/go5g.db, the same
	// file `go5g subscriber` and `go5g keys` use by default.
	Store string    `yaml:"store"`
	Log   LogConfig `yaml:"log"`
	AMF   AMFConfig `yaml:"amf"`
	SMF   SMFConfig `yaml:"smf"`
	UPF   UPFConfig `yaml:"upf"`
	API   APIConfig `yaml:"api"`
	// Metrics is the Prometheus endpoint, /metrics on the API's address.
	Metrics MetricsConfig `yaml:"metrics"`
	// StoreKeyFile names the master key file: K, OPc and home network
	// private keys are then stored AES-256-GCM sealed. The CLI finds the
	// same file through GO5G_MASTER_KEY_FILE; empty stores them as they are.
	StoreKeyFile string `yaml:"store_key_file"`
}

// MetricsConfig protects /metrics: Prometheus sends the token as
// "Authorization: Bearer <token>". Empty leaves it open to whoever reaches
// the API address; the metrics name no subscriber but show load and
// failure rates.
type MetricsConfig struct {
	Token string `yaml:"token"`
}

// APIConfig is the operator's REST API (/api/v1) over HTTP. It listens on
// loopback by default: put it behind a TLS proxy, or on a management
// network, before exposing it.
type APIConfig struct {
	// Address is host:port; empty turns the API off.
	Address string `yaml:"address"`
}

// PLMN is a PLMN identity (TS 23.003 §12.1).
type PLMN struct {
	MCC string `yaml:"mcc"`
	MNC string `yaml:"mnc"`
}

// LogConfig chooses the log level (debug, info, warn, error) and format
// (text or json).
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// AMFConfig is the AMF section; see amf.Config for the meaning of each field.
type AMFConfig struct {
	Name     string  `yaml:"name"`
	RegionID int     `yaml:"region_id"`
	SetID    int     `yaml:"set_id"`
	Pointer  int     `yaml:"pointer"`
	TACs     []int   `yaml:"tacs,flow"`
	Slices   []Slice `yaml:"slices"`
	// Integrity and Ciphering are the NAS algorithm preference lists, by
	// name: NIA1..NIA3 and NEA0..NEA3.
	Integrity          []string `yaml:"integrity,flow"`
	Ciphering          []string `yaml:"ciphering,flow"`
	Timers             Timers   `yaml:"timers"`
	MaxRetransmissions int      `yaml:"max_retransmissions"`
	// Workers is the number of UE worker shards; 0 means 4 per CPU.
	Workers int      `yaml:"workers"`
	N2      N2Config `yaml:"n2"`
}

// Slice is an S-NSSAI: SST and an optional SD of 6 hex digits.
type Slice struct {
	SST int    `yaml:"sst"`
	SD  string `yaml:"sd,omitempty"`
}

// Timers are the AMF's NAS timers (TS 24.501 Table 10.2.2). A negative
// t3512 deactivates periodic registration updates.
type Timers struct {
	T3512 Duration `yaml:"t3512"`
	T3550 Duration `yaml:"t3550"`
	T3560 Duration `yaml:"t3560"`
	T3570 Duration `yaml:"t3570"`
	T3522 Duration `yaml:"t3522"`
}

// N2Config is where and how the AMF listens for gNBs.
type N2Config struct {
	// Address is host:port of the SCTP endpoint; an empty host means every
	// IPv4 address.
	Address string `yaml:"address"`
	// Transport is kernel, udp, ip or auto (kernel SCTP if this kernel has
	// it, else udp).
	Transport string `yaml:"transport"`
	// UDPPort is the local UDP port of transport udp; 0 picks a free one
	// (tests), the default is 9899 (RFC 6951 §5).
	UDPPort int        `yaml:"udp_port"`
	SCTP    SCTPConfig `yaml:"sctp"`
}

// SCTPConfig is the association tuning operators change most: the
// retransmission timeout bounds, failure detection and stream count.
//
// Spec: RFC 9260 §16 (protocol parameters)
type SCTPConfig struct {
	RTOInitial            Duration `yaml:"rto_initial"`
	RTOMin                Duration `yaml:"rto_min"`
	RTOMax                Duration `yaml:"rto_max"`
	HeartbeatInterval     Duration `yaml:"heartbeat_interval"`
	MaxInitRetransmits    int      `yaml:"max_init_retransmits"`
	AssociationMaxRetrans int      `yaml:"association_max_retrans"`
	// Streams is the number of outbound streams offered and inbound
	// streams accepted; NGAP needs at least 2 (TS 38.412 §7).
	Streams int `yaml:"streams"`
}

// Duration is a time.Duration written in YAML as a Go duration ("6s").
type Duration = yamlconf.Duration

// Defaults is the configuration with no file: PLMN 001/01, TAC 1, slice
// SST 1, N2 on every address at port 38412 with transport auto, and the
// store in go5g-data/go5g.db (shared with `go5g subscriber` and `go5g keys`),
// the SMF's DNN "internet" with the UE pools 10.45.0.0/16 and fd00:45::/48,
// and a UPF embedded in the process (N4 on 127.0.0.1:8805).
func Defaults() Config {
	a := amf.Defaults()
	s, u := smfDefaults()
	return Config{
		SMF:     s,
		UPF:     u,
		PLMN:    PLMN{MCC: "001", MNC: "01"},
		DataDir: "go5g-data",
		Log:     LogConfig{Level: "info", Format: "text"},
		API:     APIConfig{Address: "127.0.0.1:8080"},
		AMF: AMFConfig{
			Name:      a.Name,
			RegionID:  int(a.RegionID),
			SetID:     int(a.SetID),
			Pointer:   int(a.Pointer),
			TACs:      []int{1},
			Slices:    []Slice{{SST: 1}},
			Integrity: []string{"NIA2", "NIA1", "NIA3"},
			Ciphering: []string{"NEA2", "NEA1", "NEA3", "NEA0"},
			Timers: Timers{T3512: Duration(a.T3512), T3550: Duration(a.T3550), T3560: Duration(a.T3560),
				T3570: Duration(a.T3570), T3522: Duration(a.T3522)},
			MaxRetransmissions: a.MaxRetransmissions,
			Workers:            0,
			N2: N2Config{
				Address:   ":38412",
				Transport: string(sctp.TransportAuto),
				UDPPort:   sctp.DefaultUDPPort,
				SCTP: SCTPConfig{
					RTOInitial:            Duration(time.Second),
					RTOMin:                Duration(time.Second),
					RTOMax:                Duration(60 * time.Second),
					HeartbeatInterval:     Duration(30 * time.Second),
					MaxInitRetransmits:    8,
					AssociationMaxRetrans: 10,
					Streams:               16,
				},
			},
		},
	}
}

// StorePath is the store file: Store, or DataDir/go5g.db.
func (c Config) StorePath() string {
	if c.Store != "" {
		return c.Store
	}
	return filepath.Join(c.DataDir, "go5g.db")
}

// StoreOptions are the store.Open options the configuration asks for: the
// master keys of StoreKeyFile, if set.
func (c Config) StoreOptions() ([]store.Option, error) {
	if c.StoreKeyFile == "" {
		return nil, nil
	}
	keys, err := store.LoadMasterKeyFile(c.StoreKeyFile)
	if err != nil {
		return nil, &FieldError{Path: "store_key_file", Msg: err.Error()}
	}
	return []store.Option{store.WithMasterKeys(keys)}, nil
}

// FieldError is one bad value, named by its YAML path ("amf.n2.transport").
type FieldError = yamlconf.FieldError

// Validate checks every field and returns one FieldError per problem,
// joined; nil if the configuration can run.
func (c Config) Validate() error {
	v := &validator{}
	v.plmn(c.PLMN)
	if c.DataDir == "" && c.Store == "" {
		v.bad("data_dir", "empty: name a directory for the store (or set store)")
	}
	if !store.IsPostgresURL(c.Store) && strings.ContainsAny(c.Store, "?#") {
		v.bad("store", "%q: '?' and '#' are not allowed in the path", c.Store)
	}
	if c.StoreKeyFile != "" {
		// Read now, so a bad mode or format is reported with the others.
		if _, err := store.LoadMasterKeyFile(c.StoreKeyFile); err != nil {
			v.bad("store_key_file", "%v", err)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		v.bad("log.level", "%q: want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		v.bad("log.format", "%q: want text or json", c.Log.Format)
	}
	v.amf(c.AMF)
	v.smfValidate(c)
	if c.API.Address != "" {
		if _, _, err := net.SplitHostPort(c.API.Address); err != nil {
			v.bad("api.address", "%q: want host:port, e.g. 127.0.0.1:8080 (empty turns the API off)", c.API.Address)
		}
	}
	if len(v.errs) == 0 {
		// amf.Config.Validate is the last word on what the AMF accepts;
		// its checks mirror the ones above, so this only fires if they
		// drift apart.
		ac, err := c.amfConfig()
		if err == nil {
			err = ac.Validate()
		}
		if err != nil {
			v.bad("amf", "%v", err)
		}
	}
	return errors.Join(v.errs...)
}

type validator struct{ errs []error }

func (v *validator) bad(path, format string, a ...any) {
	v.errs = append(v.errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, a...)})
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// plmn checks MCC and MNC. Spec: TS 23.003 §2.2 (MCC 3 digits, MNC 2 or 3)
func (v *validator) plmn(p PLMN) {
	if len(p.MCC) != 3 || !digits(p.MCC) {
		v.bad("plmn.mcc", "%q: want 3 decimal digits, e.g. \"001\"", p.MCC)
	}
	if len(p.MNC) < 2 || len(p.MNC) > 3 || !digits(p.MNC) {
		v.bad("plmn.mnc", "%q: want 2 or 3 decimal digits, e.g. \"01\"", p.MNC)
	}
}

func (v *validator) amf(a AMFConfig) {
	if a.Name == "" || len(a.Name) > 150 || strings.Trim(a.Name, printable) != "" {
		v.bad("amf.name", "%q: want 1 to 150 letters, digits, spaces or '()+,-./:=? (an NGAP PrintableString)", a.Name)
	}
	v.rng("amf.region_id", a.RegionID, 0, 255)
	v.rng("amf.set_id", a.SetID, 0, 1023)
	v.rng("amf.pointer", a.Pointer, 0, 63)
	if a.RegionID == 0 && a.SetID == 0 && a.Pointer == 0 {
		v.bad("amf.region_id", "region_id, set_id and pointer are all 0: give the AMF a non-zero identifier")
	}
	if len(a.TACs) == 0 || len(a.TACs) > 16 {
		v.bad("amf.tacs", "%d TACs: want 1 to 16 (a TAI list of one PLMN holds 16, TS 24.501 §9.11.3.9)", len(a.TACs))
	}
	for i, t := range a.TACs {
		v.rng(fmt.Sprintf("amf.tacs[%d]", i), t, 0, 1<<24-1)
	}
	if len(a.Slices) == 0 || len(a.Slices) > 8 {
		v.bad("amf.slices", "%d slices: want 1 to 8 (an allowed NSSAI holds 8, TS 24.501 §9.11.3.37)", len(a.Slices))
	}
	for i, s := range a.Slices {
		p := fmt.Sprintf("amf.slices[%d]", i)
		v.rng(p+".sst", s.SST, 0, 255)
		if _, err := parseSD(s.SD); err != nil {
			v.bad(p+".sd", "%q: %v", s.SD, err)
		}
	}
	v.algs("amf.integrity", a.Integrity, "NIA", 1)
	v.algs("amf.ciphering", a.Ciphering, "NEA", 0)
	if a.Timers.T3512 == 0 {
		v.bad("amf.timers.t3512", "0s: want a positive duration (default 54m), or a negative one to deactivate periodic registration")
	}
	for _, t := range []struct {
		name string
		d    Duration
	}{{"t3550", a.Timers.T3550}, {"t3560", a.Timers.T3560}, {"t3570", a.Timers.T3570}, {"t3522", a.Timers.T3522}} {
		v.positive("amf.timers."+t.name, t.d)
	}
	v.rng("amf.max_retransmissions", a.MaxRetransmissions, 1, 10)
	if a.Workers < 0 || a.Workers > 4096 {
		v.bad("amf.workers", "%d: want 1 to 4096, or 0 for 4 per CPU", a.Workers)
	}
	v.n2(a.N2)
}

const printable = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '()+,-./:=?"

func (v *validator) rng(path string, n, lo, hi int) {
	if n < lo || n > hi {
		v.bad(path, "%d: want %d to %d", n, lo, hi)
	}
}

func (v *validator) positive(path string, d Duration) {
	if d <= 0 {
		v.bad(path, "%v: want a positive duration such as 6s", time.Duration(d))
	}
}

// algs checks an algorithm preference list: names prefix+min..prefix+3,
// each once. Spec: TS 33.501 §5.11.1 (NIA0 only for emergency sessions, §5.5.2)
func (v *validator) algs(path string, names []string, prefix string, min int) {
	if len(names) == 0 {
		v.bad(path, "empty: list at least one of %s", algList(prefix, min))
	}
	seen := map[int]bool{}
	for i, s := range names {
		n, ok := algNumber(s, prefix)
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case ok && n == 0 && prefix == "NIA":
			v.bad(p, "NIA0: null integrity is only for unauthenticated emergency sessions (TS 33.501 §5.5.2); want %s", algList(prefix, min))
		case !ok || n < min:
			v.bad(p, "%q: want %s", s, algList(prefix, min))
		case seen[n]:
			v.bad(p, "%q is listed twice", s)
		}
		seen[n] = true
	}
}

func algList(prefix string, min int) string {
	var s []string
	for i := min; i <= 3; i++ {
		s = append(s, prefix+strconv.Itoa(i))
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// algNumber parses "NEA2" (any case) into 2; only 0 to 3 are known.
func algNumber(s, prefix string) (int, bool) {
	if len(s) != 4 || !strings.EqualFold(s[:3], prefix) || s[3] < '0' || s[3] > '3' {
		return 0, false
	}
	return int(s[3] - '0'), true
}

// parseSD parses a slice differentiator: empty (none) or 6 hex digits.
// Spec: TS 23.003 §28.4.2 (SD is 24 bits)
func parseSD(s string) (sd uint32, err error) {
	if s == "" {
		return 0, nil
	}
	if len(s) != 6 {
		return 0, errors.New("want 6 hex digits, e.g. \"000001\", or leave it out")
	}
	n, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, errors.New("want 6 hex digits, e.g. \"000001\", or leave it out")
	}
	return uint32(n), nil
}

func (v *validator) n2(n N2Config) {
	host, port, err := net.SplitHostPort(n.Address)
	if err != nil {
		v.bad("amf.n2.address", "%q: want host:port, e.g. \":38412\" or \"10.0.0.1:38412\"", n.Address)
	} else if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		v.bad("amf.n2.address", "%q: port %q: want 1 to 65535 (NGAP uses 38412, TS 38.412 §7)", n.Address, port)
	} else if strings.ContainsAny(host, " /") {
		v.bad("amf.n2.address", "%q: host %q is not an IP address or name", n.Address, host)
	}
	if _, err := sctp.ParseTransport(n.Transport); err != nil {
		v.bad("amf.n2.transport", "%q: want kernel, udp, ip or auto (auto: kernel SCTP if this kernel has it, else udp)", n.Transport)
	}
	if n.UDPPort < 0 || n.UDPPort > 65535 {
		v.bad("amf.n2.udp_port", "%d: want 0 to 65535 (0: any free port; SCTP over UDP uses 9899, RFC 6951 §5)", n.UDPPort)
	}
	s := n.SCTP
	v.positive("amf.n2.sctp.rto_initial", s.RTOInitial)
	v.positive("amf.n2.sctp.rto_min", s.RTOMin)
	v.positive("amf.n2.sctp.rto_max", s.RTOMax)
	if s.RTOMin > 0 && s.RTOMax > 0 && s.RTOMin > s.RTOMax {
		v.bad("amf.n2.sctp.rto_min", "%v is above rto_max %v", time.Duration(s.RTOMin), time.Duration(s.RTOMax))
	}
	if s.RTOInitial > 0 && (s.RTOInitial < s.RTOMin || s.RTOInitial > s.RTOMax) {
		v.bad("amf.n2.sctp.rto_initial", "%v: want between rto_min %v and rto_max %v", time.Duration(s.RTOInitial),
			time.Duration(s.RTOMin), time.Duration(s.RTOMax))
	}
	v.positive("amf.n2.sctp.heartbeat_interval", s.HeartbeatInterval)
	v.rng("amf.n2.sctp.max_init_retransmits", s.MaxInitRetransmits, 1, 100)
	v.rng("amf.n2.sctp.association_max_retrans", s.AssociationMaxRetrans, 1, 100)
	v.rng("amf.n2.sctp.streams", s.Streams, 2, 65535)
}

// amfConfig maps the AMF section and the PLMN into amf.Config. It assumes
// Validate's checks; errors here are values Validate let through.
func (c Config) amfConfig() (amf.Config, error) {
	a := c.AMF
	ac := amf.Defaults()
	ac.Name = a.Name
	ac.PLMN = n2.PLMN{MCC: c.PLMN.MCC, MNC: c.PLMN.MNC}
	ac.RegionID, ac.SetID, ac.Pointer = uint8(a.RegionID), uint16(a.SetID), uint8(a.Pointer)
	ac.TACs = make([]uint32, len(a.TACs))
	for i, t := range a.TACs {
		ac.TACs[i] = uint32(t)
	}
	ac.Slices = make([]n2.SNSSAI, len(a.Slices))
	for i, s := range a.Slices {
		sd, err := parseSD(s.SD)
		if err != nil {
			return amf.Config{}, err
		}
		ac.Slices[i] = n2.SNSSAI{SST: uint8(s.SST), SD: sd, HasSD: s.SD != ""}
	}
	ac.Integrity = ac.Integrity[:0:0]
	for _, s := range a.Integrity {
		n, _ := algNumber(s, "NIA")
		ac.Integrity = append(ac.Integrity, n1.IntegrityAlg(n))
	}
	ac.Ciphering = ac.Ciphering[:0:0]
	for _, s := range a.Ciphering {
		n, _ := algNumber(s, "NEA")
		ac.Ciphering = append(ac.Ciphering, n1.CipherAlg(n))
	}
	t := a.Timers
	ac.T3512, ac.T3550, ac.T3560 = time.Duration(t.T3512), time.Duration(t.T3550), time.Duration(t.T3560)
	ac.T3570, ac.T3522 = time.Duration(t.T3570), time.Duration(t.T3522)
	ac.MaxRetransmissions = a.MaxRetransmissions
	if a.Workers > 0 {
		ac.Workers = a.Workers
	}
	ac.N2 = amf.N2Config{
		Address:   a.N2.Address,
		Transport: sctp.Transport(a.N2.Transport),
		UDPPort:   a.N2.UDPPort,
		SCTP:      a.N2.SCTP.sctpConfig(),
	}
	return ac, nil
}

func (s SCTPConfig) sctpConfig() sctp.Config {
	return sctp.Config{
		RTOInitial:            time.Duration(s.RTOInitial),
		RTOMin:                time.Duration(s.RTOMin),
		RTOMax:                time.Duration(s.RTOMax),
		HeartbeatInterval:     time.Duration(s.HeartbeatInterval),
		MaxInitRetransmits:    s.MaxInitRetransmits,
		AssociationMaxRetrans: s.AssociationMaxRetrans,
		OutStreams:            uint16(s.Streams),
		MaxInStreams:          uint16(s.Streams),
	}
}
