// Package yamlconf reads and writes the one-file YAML configurations of
// go5g's commands (`go5g core`, `go5g upf`) the same way: defaults
// overlaid by the file, unknown keys refused, every error located as
// "file:line: path: what is wrong", and --print-config output commented
// key by key so an operator can start a file from it.
package yamlconf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// FieldError is one bad value, named by its YAML path ("amf.tacs[1]").
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Load reads the YAML file at path over cfg (the defaults) and returns the
// result once validate accepts it.
func Load[T any](path string, cfg T, validate func(T) error) (T, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data, cfg, validate)
}

// Parse is Load for data already read; name labels the errors. validate
// reports problems as joined *FieldErrors, which Parse prefixes with the
// file and the line of their path.
func Parse[T any](name string, data []byte, cfg T, validate func(T) error) (T, error) {
	var zero T
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return zero, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	idx := indexNode(&root, "", reflect.TypeOf(cfg))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return zero, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		errs := make([]error, len(te.Errors))
		for i, m := range te.Errors {
			errs[i] = errors.New(idx.explain(name, m))
		}
		return zero, errors.Join(errs...)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if len(next.Content) > 0 {
			line = next.Content[0].Line
		}
		return zero, fmt.Errorf("%s:%d: a second YAML document (after ---): keep the whole configuration in one", name, line)
	}
	if err := validate(cfg); err != nil {
		return zero, idx.locate(name, err)
	}
	return cfg, nil
}

// Marshal writes cfg as YAML that Parse reads back to the same value, each
// key whose path is in help commented with it. The items of the lists
// named in inline stay uncommented, one short mapping each.
func Marshal(cfg any, help map[string]string, inline ...string) ([]byte, error) {
	var n yaml.Node
	if err := n.Encode(cfg); err != nil {
		return nil, err
	}
	comment(&n, "", help, inline)
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

// comment attaches help to the keys of the mapping nodes under n.
func comment(n *yaml.Node, path string, help map[string]string, inline []string) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			comment(c, path, help, inline)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if h, ok := help[p]; ok && v.Style&yaml.FlowStyle != 0 {
				v.LineComment = h // the encoder drops a flow value's key comment
			} else if ok {
				k.LineComment = h
			}
			if !slices.Contains(inline, p) {
				comment(v, p, help, inline)
			}
		}
	}
}

// Duration is a time.Duration written in YAML as a Go duration ("6s").
type Duration time.Duration

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
