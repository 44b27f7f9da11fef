// Package testenv holds what tests across go5g share about their environment:
// where the spec test vectors live, and what to do when a test needs root or
// a tool the machine lacks (skip with a message locally, fail under CI, where
// .ci/run installs everything).
package testenv

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run under CI (CI set), where every
// prerequisite is installed and a skip would hide a missing one.
func InCI() bool { return os.Getenv("CI") != "" }

// Skip skips the test with why, or fails it under CI.
func Skip(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s (CI installs every prerequisite: see .ci/run)", why)
	}
	t.Skip(why)
}

// NeedRoot skips (or fails under CI) unless the test runs as root.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Skip(t, "needs root (raw sockets, TUN, network namespaces)")
	}
}

// NeedTool returns the path of an executable, skipping (or failing under
// CI) when it is not installed.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Skip(t, name+" not installed (Debian package: see .ci/run)")
	}
	return p
}

// ModuleRoot returns the directory holding go.mod above the working directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// Vectors decodes the spec test vector file name from ../shared/testvectors
// beside the module root (CI clones the repository next to shared/) into v.
func Vectors(t testing.TB, name string, v any) {
	t.Helper()
	path := filepath.Join(ModuleRoot(t), "..", "shared", "testvectors", name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("spec test vectors missing: %v (they live in shared/testvectors next to the repository clone)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
