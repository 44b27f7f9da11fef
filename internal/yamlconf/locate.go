package yamlconf

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

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
	case strings.Contains(goType, "."): // a named type: one of the config's structs
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
	for _, e := range Split(err) {
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

// Split is the errors joined in err (errors.Join), or err alone.
func Split(err error) []error {
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
