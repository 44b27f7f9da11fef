package core

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load reads the YAML file at path over Defaults and validates the result.
// Every error names the file, the line and the field's full path
// ("core.yaml:7: amf.n2.transport: ..."), so the operator can go straight
// to it.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load for data already read; name labels the errors.
func Parse(name string, data []byte) (Config, error) {
	cfg := Defaults()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	idx := indexNode(&root, "", reflect.TypeOf(cfg))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return Config{}, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		errs := make([]error, len(te.Errors))
		for i, m := range te.Errors {
			errs[i] = errors.New(idx.explain(name, m))
		}
		return Config{}, errors.Join(errs...)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if len(next.Content) > 0 {
			line = next.Content[0].Line
		}
		return Config{}, fmt.Errorf("%s:%d: a second YAML document (after ---): keep the whole configuration in one", name, line)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, idx.locate(name, err)
	}
	return cfg, nil
}

// Marshal writes cfg as YAML that Load reads back to the same Config, each
// key commented with what it takes, so an operator can start a file from it.
func Marshal(cfg Config) ([]byte, error) {
	var n yaml.Node
	if err := n.Encode(cfg); err != nil {
		return nil, err
	}
	comment(&n, "")
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// keyHelp is the comment Marshal puts after each key.
var keyHelp = map[string]string{
	"plmn.mcc":                "mobile country code, 3 digits",
	"plmn.mnc":                "mobile network code, 2 or 3 digits",
	"data_dir":                "the store defaults to <data_dir>/go5g.db",
	"store":                   "SQLite file shared with 'go5g subscriber' and 'go5g keys', or postgres://user@host/db",
	"store_key_file":          "master key file (32 raw octets, or lines of 64 hex digits: the first seals, the rest only open); mode 0600; empty: keys stored unencrypted",
	"metrics.token":           "bearer token Prometheus must send for /metrics (on api.address); empty: no token",
	"api.address":             "REST API /api/v1 host:port (HTTP: keep it on loopback or behind TLS); empty: off",
	"log.level":               "debug, info, warn or error",
	"log.format":              "text or json",
	"amf.name":                "AMF Name sent to gNBs in NG Setup",
	"amf.region_id":           "GUAMI: AMF Region ID 0-255, Set ID 0-1023, Pointer 0-63",
	"amf.tacs":                "tracking area codes served: 1 to 16, each up to 16777215",
	"amf.slices":              "S-NSSAIs (1 to 8): sst 0-255 and an optional sd of 6 hex digits",
	"amf.integrity":           "NAS integrity preference: NIA1, NIA2, NIA3",
	"amf.ciphering":           "NAS ciphering preference: NEA0 (none), NEA1, NEA2, NEA3",
	"amf.timers":              "Go durations (6s, 500ms, 54m); a negative t3512 turns periodic registration off",
	"amf.max_retransmissions": "NAS retransmissions before a procedure is aborted",
	"amf.workers":             "UE worker shards; 0: 4 per CPU",
	"amf.n2.address":          "SCTP host:port for gNBs (NGAP uses port 38412); empty host: every IPv4 address",
	"amf.n2.transport":        "kernel, udp (SCTP over UDP, RFC 6951), ip (raw IP, needs root) or auto (kernel if present, else udp)",
	"amf.n2.udp_port":         "local UDP port of transport udp (9899); 0: any free port",
	"amf.n2.sctp":             "RFC 9260 §16 protocol parameters",
	"amf.n2.sctp.streams":     "inbound and outbound streams; NGAP needs 2 or more",
	"smf.dnns":                "data networks: a name, UE pools (IPv4 CIDR, IPv6 prefix of /64 or shorter; each UE gets a /64) and DNS servers for UEs",
	"smf.dnns.ipv4_pool":      "IPv4 CIDR of UE addresses; empty: no IPv4 sessions",
	"smf.dnns.ipv6_pool":      "IPv6 prefix, /64 or shorter, one /64 per UE; empty: no IPv6 sessions",
	"smf.dnns.dns":            "DNS server addresses given to UEs (ePCO)",
	"smf.upfs":                "UPFs in selection order: the first serving the session's DNN and slice is used",
	"smf.upfs.n4_address":     "the UPF's PFCP ip:port (8805); empty: the UPF embedded in this process (section upf)",
	"smf.upfs.dnns":           "DNNs the UPF serves; empty: all",
	"smf.upfs.slices":         "slices (of amf.slices) the UPF serves; empty: all",
	"smf.n4_address":          "the SMF's PFCP ip:port (8805); the IP is its Node ID, reachable from the UPFs and not the UPF's own; port 0: any free port",
	"upf":                     "the UPF embedded in 'go5g core' (needs root for its TUN; without it signalling runs and PDU sessions are rejected)",
	"upf.enabled":             "run the embedded UPF when smf.upfs names it",
	"upf.n4.address":          "PFCP host:port the SMF reaches the embedded UPF on",
	"upf.n3.address":          "GTP-U host:port for gNBs (port 2152)",
	"upf.n3.advertise":        "IP gNBs send GTP-U to; empty: the host of n3.address, or this host's only global IPv4 address",
	"upf.n6.device":           "TUN device towards the data network; the DNN pools are routed into it",
	"upf.n6.mtu":              "TUN MTU (1400 leaves room for GTP-U on a 1500-octet N3 link)",
	"upf.n6.addresses":        "the TUN's own addresses, e.g. [10.45.0.1/16], a gateway UEs can ping",
	"upf.workers":             "packet workers (N3 socket and TUN queue each); 0: one per CPU",
}

// comment attaches keyHelp to the keys of the mapping nodes under n.
func comment(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			comment(c, path)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if h, ok := keyHelp[p]; ok && v.Style&yaml.FlowStyle != 0 {
				v.LineComment = h // the encoder drops a flow value's key comment
			} else if ok {
				k.LineComment = h
			}
			if path == "amf.slices" {
				continue // items: keep them on one line each
			}
			comment(v, p)
		}
	}
}

// UnmarshalYAML reads a Go duration such as "6s" or "1m30s". A bare number
// is refused: its unit would be a guess.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf(
			"line %d: %q is not a duration: write a Go duration such as 6s, 500ms or 54m", n.Line, n.Value)}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as Go formats it ("6s", "54m0s").
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// String is the Go form of the duration.
func (d Duration) String() string { return time.Duration(d).String() }

// entry is one key or sequence item of the parsed file: where it is, its
// path, and for keys the keys its mapping allows.
type entry struct {
	line  int
	key   string // the key, or "" for a sequence item
	path  string
	value string // a scalar's text
	known []string
}

type index []entry

// indexNode lists the keys and items under n, following t (the Go type the
// node decodes into) to learn the keys each mapping allows.
func indexNode(n *yaml.Node, path string, t reflect.Type) index {
	var idx index
	var walk func(n *yaml.Node, path string, t reflect.Type)
	walk = func(n *yaml.Node, path string, t reflect.Type) {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path, t)
			}
		case yaml.MappingNode:
			var known []string
			if t != nil && t.Kind() == reflect.Struct {
				known = yamlKeys(t)
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				idx = append(idx, entry{line: k.Line, key: k.Value, path: p, value: v.Value, known: known})
				walk(v, p, fieldType(t, k.Value))
			}
		case yaml.SequenceNode:
			var et reflect.Type
			if t != nil && t.Kind() == reflect.Slice {
				et = t.Elem()
			}
			for i, c := range n.Content {
				p := path + "[" + strconv.Itoa(i) + "]"
				if c.Kind == yaml.ScalarNode {
					idx = append(idx, entry{line: c.Line, path: p, value: c.Value})
				}
				walk(c, p, et)
			}
		}
	}
	walk(n, path, t)
	return idx
}

// yamlKeys are the keys of struct type t.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if k := yamlKey(t.Field(i)); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func yamlKey(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	if tag == "" {
		return strings.ToLower(f.Name)
	}
	return tag
}

func fieldType(t reflect.Type, key string) reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	for i := range t.NumField() {
		if yamlKey(t.Field(i)) == key {
			return t.Field(i).Type
		}
	}
	return nil
}

var (
	lineRe     = regexp.MustCompile(`^line (\d+): (.*)$`)
	notFoundRe = regexp.MustCompile(`^field (.+) not found in type .*$`)
	unmarshRe  = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (.+)$")
	durationRe = regexp.MustCompile(`^"(.*)" is not a duration`)
)

// explain rewrites one message of the YAML decoder into
// "file:line: path: what is wrong and what is allowed".
func (idx index) explain(name, msg string) string {
	m := lineRe.FindStringSubmatch(msg)
	if m == nil {
		return name + ": " + msg
	}
	line, _ := strconv.Atoi(m[1])
	text := m[2]
	var at *entry
	if f := notFoundRe.FindStringSubmatch(text); f != nil {
		for i := range idx {
			if idx[i].line == line && idx[i].key == f[1] {
				at = &idx[i]
				break
			}
		}
		text = "unknown key"
		if at != nil && len(at.known) > 0 {
			text += "; this section takes " + strings.Join(at.known, ", ")
		}
	} else {
		value := ""
		if u := unmarshRe.FindStringSubmatch(text); u != nil {
			value = u[2]
			text = fmt.Sprintf("%q: want %s", value, kindName(u[3], u[1]))
		} else if q := durationRe.FindStringSubmatch(text); q != nil {
			value = q[1]
		}
		// The entry on that line holding the bad value, else the line's first.
		for i := range idx {
			if idx[i].line == line && (at == nil || idx[i].value == value && at.value != value) {
				at = &idx[i]
			}
		}
	}
	if at == nil {
		return fmt.Sprintf("%s:%d: %s", name, line, text)
	}
	return fmt.Sprintf("%s:%d: %s: %s", name, line, at.path, text)
}

// kindName says what a Go type wants, in YAML terms.
func kindName(goType, yamlTag string) string {
	switch {
	case goType == "int":
		return "a whole number"
	case goType == "string":
		return "a single value"
	case strings.HasPrefix(goType, "[]"):
		return "a list (- item, or [a, b])"
	case strings.HasPrefix(goType, "core."):
		return "a section of keys (key: value), not a " + map[string]string{"seq": "list", "str": "value", "int": "number"}[yamlTag]
	}
	return goType
}

// locate prefixes each FieldError of err with the file and the line its
// path is on (the nearest ancestor given, for a default value).
func (idx index) locate(name string, err error) error {
	type located struct {
		line int
		err  error
	}
	var out []located
	for _, e := range unjoin(err) {
		var fe *FieldError
		if !errors.As(e, &fe) {
			out = append(out, located{0, fmt.Errorf("%s: %w", name, e)})
			continue
		}
		line := 0
		for p := fe.Path; p != "" && line == 0; p = parent(p) {
			for _, en := range idx {
				if en.path == p {
					line = en.line
					break
				}
			}
		}
		if line == 0 {
			out = append(out, located{0, fmt.Errorf("%s: %w", name, e)})
		} else {
			out = append(out, located{line, fmt.Errorf("%s:%d: %w", name, line, e)})
		}
	}
	// In file order, as the operator reads it.
	slices.SortStableFunc(out, func(a, b located) int { return a.line - b.line })
	errs := make([]error, len(out))
	for i, l := range out {
		errs[i] = l.err
	}
	return errors.Join(errs...)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// parent is the path one level up: "amf.tacs[1]" → "amf.tacs" → "amf" → "".
func parent(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}
