package netns

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"go5g/internal/testenv"
)

func TestNamePath(t *testing.T) {
	for _, name := range []string{"", ".", "..", "a/b", "x\x00", strings.Repeat("n", 256)} {
		if _, err := namePath(name); err == nil {
			t.Errorf("namePath(%q) accepted", name)
		}
	}
	if p, err := namePath("ue-1"); err != nil || p != "/run/netns/ue-1" {
		t.Errorf("namePath(ue-1) = %q, %v", p, err)
	}
}

// scratch creates a uniquely named namespace deleted when the test ends.
// (netnstest does this for other packages; it imports this one.)
func scratch(t *testing.T) *NS {
	t.Helper()
	testenv.NeedRoot(t)
	var b [4]byte
	rand.Read(b[:])
	name := "go5g-t-" + hex.EncodeToString(b[:]) + "-internal"
	n, err := Create(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.Close()
		if err := Delete(name); err != nil {
			t.Error(err)
		}
	})
	return n
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// On the calling thread, doLocked switches into the namespace for fn and
// back afterwards.
func TestDoLockedRestoresThread(t *testing.T) {
	n := scratch(t)
	target, err := n.Inode()
	if err != nil {
		t.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := inode(t, selfPath)
	if before == target {
		t.Fatal("new namespace has the thread's inode")
	}
	var inside uint64
	var restored bool
	err, p := doLocked(n.Fd(), func() error {
		inside = inode(t, selfPath)
		return errors.New("fn failed")
	}, unix.Setns, &restored)
	if err == nil || err.Error() != "fn failed" || p != nil || !restored {
		t.Fatalf("doLocked = %v, %v, restored %v; want fn's error, restored", err, p, restored)
	}
	if inside != target {
		t.Errorf("fn ran in namespace %d, want %d", inside, target)
	}
	if after := inode(t, selfPath); after != before {
		t.Errorf("thread left in namespace %d, was %d", after, before)
	}
}

// When switching back fails, doLocked says so and reports the thread as not
// restored, which makes Do retire it. The fake setns does not really switch
// (a thread really stranded could be the main thread, which the runtime
// parks rather than ends, and /proc/self/ns/net would then lie to the other
// tests).
func TestDoLockedRestoreFailure(t *testing.T) {
	n := scratch(t)
	type result struct {
		err      error
		restored bool
		ran      bool
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread is retired
		calls := 0
		setns := func(fd, nstype int) error {
			if calls++; calls == 1 {
				return nil
			}
			return unix.EINVAL
		}
		var r result
		r.err, _ = doLocked(n.Fd(), func() error { r.ran = true; return nil }, setns, &r.restored)
		done <- r
	}()
	r := <-done
	if !r.ran || r.restored || r.err == nil || !strings.Contains(r.err.Error(), "retired") {
		t.Fatalf("doLocked with a failing restore: ran %v, err %v, restored %v", r.ran, r.err, r.restored)
	}
}

// Do hands its thread back to the scheduler in the process's namespace.
func TestDoThreadReturnsRestored(t *testing.T) {
	n := scratch(t)
	target, _ := n.Inode()
	process := inode(t, "/proc/self/ns/net")
	var tid int
	var inside uint64
	if err := n.Do(func() error {
		tid, inside = unix.Gettid(), inode(t, selfPath)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if inside != target {
		t.Errorf("fn ran in %d, want %d", inside, target)
	}
	if got := inode(t, fmt.Sprintf("/proc/self/task/%d/ns/net", tid)); got != process {
		t.Errorf("thread %d back in the pool in namespace %d, want %d", tid, got, process)
	}
}

// A panic in fn reaches the caller, after the thread is restored.
func TestDoPanic(t *testing.T) {
	n := scratch(t)
	process := inode(t, "/proc/self/ns/net")
	tid := 0
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want boom", p)
			}
		}()
		n.Do(func() error {
			tid = unix.Gettid()
			panic("boom")
		})
		t.Error("Do returned after a panic")
	}()
	if got := inode(t, fmt.Sprintf("/proc/self/task/%d/ns/net", tid)); got != process {
		t.Errorf("thread %d in namespace %d after the panic, want %d", tid, got, process)
	}
}

// fn exiting its goroutine is an error, not a silent success, and the
// thread is still switched back.
func TestDoGoexit(t *testing.T) {
	n := scratch(t)
	process := inode(t, "/proc/self/ns/net")
	tid := 0
	err := n.Do(func() error {
		tid = unix.Gettid()
		runtime.Goexit()
		return nil
	})
	if err == nil {
		t.Fatal("Do with runtime.Goexit returned nil")
	}
	if got := inode(t, fmt.Sprintf("/proc/self/task/%d/ns/net", tid)); got != process {
		t.Errorf("thread %d in namespace %d after Goexit, want %d", tid, got, process)
	}
}

func TestOpenPathRejectsNonNamespace(t *testing.T) {
	if _, err := OpenPath("/proc/self/status"); err == nil {
		t.Error("OpenPath accepted a plain file")
	}
}
