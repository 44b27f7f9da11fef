package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"go5g/internal/store"
)

// step is one command line and what it must do: exit code, text that must
// (want) and must not (never) appear on stdout+stderr, and a check of the
// store afterwards.
type step struct {
	args  []string
	code  int
	want  []string
	never []string
	check func(t *testing.T, s store.Store)
}

// runSteps runs the steps in order against one store file; every command
// gets --store path appended unless it already names a store.
func runSteps(t *testing.T, path string, steps []step) {
	t.Helper()
	for i, st := range steps {
		args := st.args
		if !contains(args, "--store") {
			args = append(append([]string(nil), args...), "--store", path)
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		out := stdout.String() + stderr.String()
		name := strings.Join(st.args, " ")
		if code != st.code {
			t.Errorf("step %d `%s`: exit %d, want %d\n%s", i, name, code, st.code, out)
		}
		for _, w := range st.want {
			if !strings.Contains(out, w) {
				t.Errorf("step %d `%s`: output lacks %q:\n%s", i, name, w, out)
			}
		}
		for _, n := range st.never {
			if strings.Contains(strings.ToLower(out), strings.ToLower(n)) {
				t.Errorf("step %d `%s`: output shows %q:\n%s", i, name, n, out)
			}
		}
		if st.check != nil {
			s, err := store.Open(path)
			if err != nil {
				t.Fatalf("step %d: open store: %v", i, err)
			}
			st.check(t, s)
			s.Close()
		}
	}
}

func contains(args []string, a string) bool {
	for _, x := range args {
		if x == a || strings.HasPrefix(x, a+"=") {
			return true
		}
	}
	return false
}

func storePath(t *testing.T) string { return filepath.Join(t.TempDir(), "data", "go5g.db") }

// wantCount checks how many subscribers the store holds.
func wantCount(n int) func(*testing.T, store.Store) {
	return func(t *testing.T, s store.Store) {
		t.Helper()
		got, err := s.CountSubscribers(context.Background(), "", 0)
		if err != nil || got != n {
			t.Errorf("store holds %d subscribers (%v), want %d", got, err, n)
		}
	}
}
