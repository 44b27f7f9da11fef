package upfnode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the YAML file at path over Defaults and validates the result.
// Errors name the file, the line and the field's path
// ("upf.yaml:4: n6.pools[0]: ...").
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

var (
	lineRe     = regexp.MustCompile(`^line (\d+): (.*)$`)
	notFoundRe = regexp.MustCompile(`^field (.+) not found in type .*$`)
)

// Parse is Load for data already read; name labels the errors.
func Parse(name string, data []byte) (Config, error) {
	cfg := Defaults()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	lines := map[string]int{}
	index(&root, "", lines)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return Config{}, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		errs := make([]error, len(te.Errors))
		for i, m := range te.Errors {
			if l := lineRe.FindStringSubmatch(m); l != nil {
				msg := l[2]
				if f := notFoundRe.FindStringSubmatch(msg); f != nil {
					msg = fmt.Sprintf("unknown key %q ('go5g upf --print-config' lists every key)", f[1])
				}
				errs[i] = fmt.Errorf("%s:%s: %s", name, l[1], msg)
			} else {
				errs[i] = fmt.Errorf("%s: %s", name, m)
			}
		}
		return Config{}, errors.Join(errs...)
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%s: a second YAML document (after ---): keep the whole configuration in one", name)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, locate(name, err, lines)
	}
	return cfg, nil
}

// index records the line of every key and sequence item under n by path.
func index(n *yaml.Node, path string, lines map[string]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			index(c, path, lines)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			lines[p] = n.Content[i].Line
			index(n.Content[i+1], p, lines)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			lines[p] = c.Line
			index(c, p, lines)
		}
	}
}

// locate prefixes each FieldError with the file and the line of its path,
// or of its nearest ancestor in the file (for a default value).
func locate(name string, err error, lines map[string]int) error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return fmt.Errorf("%s: %w", name, err)
	}
	var out []error
	for _, e := range j.Unwrap() {
		var fe *FieldError
		line := 0
		if errors.As(e, &fe) {
			for p := fe.Path; p != "" && line == 0; p = parent(p) {
				line = lines[p]
			}
		}
		if line == 0 {
			out = append(out, fmt.Errorf("%s: %w", name, e))
		} else {
			out = append(out, fmt.Errorf("%s:%d: %w", name, line, e))
		}
	}
	return errors.Join(out...)
}

// parent is the path one level up: "n6.pools[1]" → "n6.pools" → "n6" → "".
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

// keyHelp is the comment Marshal puts after each key.
var keyHelp = map[string]string{
	"node_id":               "PFCP Node ID: IP or FQDN; empty: the N4 host, else the N3 address",
	"n4.address":            "PFCP host:port for SMFs (port 8805); empty host: every address",
	"n4.smf":                "SMFs to associate with (ip or ip:port); empty: wait for SMFs",
	"n4.heartbeat_interval": "Go duration; negative: no heartbeats",
	"n3.address":            "GTP-U host:port for gNBs (port 2152)",
	"n3.advertise":          "IP put in F-TEIDs; empty: the n3.address host, else the host's only global IPv4",
	"n6.device":             "TUN device towards the data network (removed on exit)",
	"n6.mtu":                "MTU of the TUN; 1400 leaves room for GTP-U on a 1500-octet N3 link",
	"n6.addresses":          "the TUN's own addresses, e.g. [10.45.0.1/16]; optional",
	"n6.pools":              "UE address pools routed into the TUN (IPv4 CIDRs, IPv6 /64 or shorter)",
	"workers":               "packet workers (N3 socket + TUN queue each); 0: one per CPU",
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

func comment(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.DocumentNode:
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
			comment(v, p)
		}
	}
}
