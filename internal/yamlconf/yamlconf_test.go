package yamlconf

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type testConfig struct {
	Name  string   `yaml:"name"`
	Every Duration `yaml:"every"`
	Ports []int    `yaml:"ports,flow"`
	Inner struct {
		Level int `yaml:"level"`
	} `yaml:"inner"`
}

func (c testConfig) validate() error {
	var errs []error
	if c.Inner.Level > 3 {
		errs = append(errs, &FieldError{Path: "inner.level", Msg: "want 0 to 3"})
	}
	for i, p := range c.Ports {
		if p == 0 {
			errs = append(errs, &FieldError{Path: "ports[" + string(rune('0'+i)) + "]", Msg: "want a port"})
		}
	}
	return errors.Join(errs...)
}

// TestParse: defaults stay where the file is silent, and every error names
// the file, the line and the path.
func TestParse(t *testing.T) {
	def := testConfig{Name: "x", Every: Duration(time.Second)}
	got, err := Parse("t.yaml", []byte("inner:\n  level: 2\n"), def, testConfig.validate)
	if err != nil || got.Name != "x" || got.Every != Duration(time.Second) || got.Inner.Level != 2 {
		t.Fatalf("Parse = %+v, %v", got, err)
	}
	for _, c := range []struct{ in, want string }{
		{"inner:\n  levl: 1\n", "t.yaml:2: inner.levl: unknown key; this section takes level"},
		{"every: 10\n", `t.yaml:1: every: "10" is not a duration`},
		{"inner:\n  level: high\n", `t.yaml:2: inner.level: "high": want a whole number`},
		{"inner:\n  level: 9\n", "t.yaml:2: inner.level: want 0 to 3"},
		{"name: a\nports: [1, 0]\n", "t.yaml:2: ports[1]: want a port"},
		{"name: a\n---\nname: b\n", "t.yaml:3: a second YAML document"},
		{"name: [\n", "t.yaml: "},
	} {
		if _, err := Parse("t.yaml", []byte(c.in), def, testConfig.validate); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.in, err, c.want)
		}
	}
}

// TestMarshal: the output reads back to the same value and carries help.
func TestMarshal(t *testing.T) {
	c := testConfig{Name: "n", Every: Duration(90 * time.Second), Ports: []int{1, 2}}
	b, err := Marshal(c, map[string]string{"every": "how often", "ports": "the ports", "inner.level": "0 to 3"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"every: 1m30s # how often", "ports: [1, 2] # the ports", "level: 0 # 0 to 3"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("output lacks %q:\n%s", want, b)
		}
	}
	back, err := Parse("printed", b, testConfig{}, testConfig.validate)
	if err != nil || back.Name != c.Name || back.Every != c.Every || len(back.Ports) != 2 {
		t.Errorf("read back %+v, %v; want %+v", back, err, c)
	}
}
