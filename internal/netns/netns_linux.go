// Package netns creates, enters and deletes Linux network namespaces the
// way `ip netns` does (a bind mount of the namespace at /run/netns/NAME), so
// `ip netns exec NAME ...` works on ours and we work on its. The simulated UE
// puts its PDU-session TUNs in its own namespace, and end-to-end tests build
// UE, core and data-network namespaces joined by veth pairs.
//
// A namespace is a property of an OS thread, while goroutines migrate
// between threads. Do therefore runs the function on a goroutine locked to
// its thread, switches that thread with setns(2) and switches it back; if
// switching back fails, the thread stays locked so that the runtime ends it
// with the goroutine instead of reusing a thread in the wrong namespace.
// Sockets, TUN devices and netlink handles opened inside Do stay bound to
// the namespace after Do returns, and may be used from any goroutine.
package netns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"go5g/internal/tun"
)

// RunDir is where `ip netns` keeps its named namespaces.
const RunDir = "/run/netns"

// selfPath is the calling thread's own namespace. /proc/self would name the
// thread group leader's, which is a different thread.
const selfPath = "/proc/thread-self/ns/net"

// NS is an open network namespace. It keeps a file descriptor, so the
// namespace lives at least until Close even if it is deleted by name.
type NS struct {
	name string // empty when not opened by name
	f    *os.File
}

// Create creates a new, empty network namespace named name (only its
// loopback, down) and mounts it at /run/netns/name. It fails if the name is
// taken.
func Create(name string) (*NS, error) {
	path, err := namePath(name)
	if err != nil {
		return nil, err
	}
	if err := prepareRunDir(); err != nil {
		return nil, err
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("netns: create %s: %w", path, err)
	}
	unix.Close(fd)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		err, restored := createLocked(path)
		if restored {
			runtime.UnlockOSThread()
		} // otherwise the thread exits, locked, with this goroutine
		errc <- err
	}()
	if err := <-errc; err != nil {
		Delete(name)
		return nil, err
	}
	n, err := Open(name)
	if err != nil {
		Delete(name)
	}
	return n, err
}

// createLocked moves the current, locked thread into a new namespace, binds
// it to path and moves the thread back; restored is false if that failed.
// (A thread left behind would be killed, but the main thread is only parked,
// and /proc/self/ns/net would then name the wrong namespace.)
func createLocked(path string) (err error, restored bool) {
	orig, err := unix.Open(selfPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("netns: open %s: %w", selfPath, err), true
	}
	defer unix.Close(orig)
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("netns: unshare: %w", err), true
	}
	if err = unix.Mount(selfPath, path, "none", unix.MS_BIND, ""); err != nil {
		err = fmt.Errorf("netns: bind %s: %w", path, err)
	}
	if rerr := unix.Setns(orig, unix.CLONE_NEWNET); rerr != nil {
		return errors.Join(err, fmt.Errorf("netns: restoring the thread's namespace: %w (thread retired)", rerr)), false
	}
	return err, true
}

// prepareRunDir creates /run/netns and makes it a shared mount point, as
// `ip netns add` does, so that namespaces mounted there are seen from other
// mount namespaces too.
func prepareRunDir() error {
	if err := os.MkdirAll(RunDir, 0o755); err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	err := unix.Mount("", RunDir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if errors.Is(err, unix.EINVAL) { // not a mount point yet
		if err = unix.Mount(RunDir, RunDir, "none", unix.MS_BIND|unix.MS_REC, ""); err == nil {
			err = unix.Mount("", RunDir, "none", unix.MS_SHARED|unix.MS_REC, "")
		}
	}
	if err != nil {
		return fmt.Errorf("netns: make %s a shared mount: %w", RunDir, err)
	}
	return nil
}

// namePath validates a namespace name and returns its mount path.
func namePath(name string) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > 255 {
		return "", fmt.Errorf("netns: invalid namespace name %q", name)
	}
	return filepath.Join(RunDir, name), nil
}

// Open opens the namespace mounted at /run/netns/name.
func Open(name string) (*NS, error) {
	path, err := namePath(name)
	if err != nil {
		return nil, err
	}
	n, err := OpenPath(path)
	if err != nil {
		return nil, err
	}
	n.name = name
	return n, nil
}

// OpenPath opens a namespace by any path to it, such as /proc/PID/ns/net.
func OpenPath(path string) (*NS, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("netns: %w", err)
	}
	// Setns needs a namespace file; refuse anything else early.
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("netns: statfs %s: %w", path, err)
	}
	if st.Type != unix.NSFS_MAGIC {
		f.Close()
		return nil, fmt.Errorf("netns: %s is not a namespace file", path)
	}
	return &NS{f: f}, nil
}

// Process opens the process's own namespace: its main thread's, the one the
// program was started in. (Only if restoring a thread ever failed on the main
// thread, which the runtime parks instead of ending, would that differ.)
func Process() (*NS, error) { return OpenPath("/proc/self/ns/net") }

// Delete unmounts and removes /run/netns/name. The namespace itself, with
// every interface in it, goes away once nothing else holds it (an open NS, a
// socket, a process inside); removing a veth end removes its peer too.
func Delete(name string) error {
	path, err := namePath(name)
	if err != nil {
		return err
	}
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("netns: unmount %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("netns: %w", err)
	}
	return nil
}

// Name returns the name the namespace was opened by, or "".
func (n *NS) Name() string { return n.name }

// Fd returns the namespace file descriptor, valid until Close.
func (n *NS) Fd() int { return int(n.f.Fd()) }

// Inode returns the namespace's inode number, its identity (what
// `ls -L -i /proc/PID/ns/net` shows).
func (n *NS) Inode() (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(n.Fd(), &st); err != nil {
		return 0, fmt.Errorf("netns: %w", err)
	}
	return st.Ino, nil
}

// Close releases the descriptor; it does not delete a named namespace.
func (n *NS) Close() error { return n.f.Close() }

// Do runs fn inside the namespace: on a fresh goroutine locked to an OS
// thread that is switched into n and back. Goroutines that fn starts run in
// whatever namespace their thread is in (normally the process's), so fn
// should open what it needs synchronously. A panic in fn is re-raised in the
// caller after the thread is restored. fn must not call runtime.Goexit (nor
// t.FailNow); Do then returns an error.
func (n *NS) Do(fn func() error) error {
	type result struct {
		err   error
		panic any
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		r := result{err: errors.New("netns: function exited its goroutine")}
		restored := false
		defer func() {
			if restored {
				runtime.UnlockOSThread()
			}
			// Otherwise the thread stays locked and exits with this
			// goroutine, never to run other code in the wrong namespace.
			done <- r
		}()
		r.err, r.panic = doLocked(n.Fd(), fn, unix.Setns, &restored)
	}()
	r := <-done
	if r.panic != nil {
		panic(r.panic)
	}
	return r.err
}

// doLocked runs fn on the current, locked thread inside namespace target and
// switches the thread back to its previous namespace, even if fn panics or
// exits the goroutine. It returns fn's error or panic value. *restored is
// false only if the thread was switched and could not be switched back, and
// then err says so. setns is unix.Setns, a parameter so that tests can make
// it fail.
func doLocked(target int, fn func() error, setns func(fd, nstype int) error, restored *bool) (err error, panicked any) {
	*restored = true
	orig, err := unix.Open(selfPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("netns: open %s: %w", selfPath, err), nil
	}
	defer unix.Close(orig)
	if err := setns(target, unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("netns: setns: %w", err), nil
	}
	*restored = false
	defer func() {
		if rerr := setns(orig, unix.CLONE_NEWNET); rerr != nil {
			err = errors.Join(err, fmt.Errorf("netns: restoring the thread's namespace: %w (thread retired)", rerr))
			return
		}
		*restored = true
	}()
	return call(fn)
}

// call runs fn and returns its error or what it panicked with.
func call(fn func() error) (err error, panicked any) {
	defer func() { panicked = recover() }()
	return fn(), nil
}

// Netlink returns an rtnetlink handle bound to this namespace, for any
// goroutine to use. The caller closes it.
func (n *NS) Netlink() (*netlink.Handle, error) {
	var h *netlink.Handle
	err := n.Do(func() error {
		var err error
		h, err = netlink.NewHandle(unix.NETLINK_ROUTE)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("netns: netlink in %s: %w", n, err)
	}
	return h, nil
}

// Socket opens a socket(2) inside the namespace and returns its descriptor.
func (n *NS) Socket(domain, typ, proto int) (int, error) {
	fd := -1
	err := n.Do(func() error {
		var err error
		fd, err = unix.Socket(domain, typ|unix.SOCK_CLOEXEC, proto)
		return err
	})
	if err != nil {
		return -1, fmt.Errorf("netns: socket in %s: %w", n, err)
	}
	return fd, nil
}

// ListenPacket is net.ListenPacket inside the namespace (for example
// "udp", "ip4:icmp", "ip6:ipv6-icmp"). address must be a literal IP, since
// name resolution would run outside the namespace.
func (n *NS) ListenPacket(network, address string) (net.PacketConn, error) {
	var c net.PacketConn
	err := n.Do(func() error {
		var err error
		c, err = net.ListenPacket(network, address)
		return err
	})
	return c, err
}

// Listen is net.Listen inside the namespace; address must be a literal IP.
func (n *NS) Listen(network, address string) (net.Listener, error) {
	var l net.Listener
	err := n.Do(func() error {
		var err error
		l, err = net.Listen(network, address)
		return err
	})
	return l, err
}

// Dial is net.Dial from inside the namespace; address must be a literal IP.
// The socket is created inside; connection setup then finishes wherever.
func (n *NS) Dial(network, address string) (net.Conn, error) {
	var c net.Conn
	err := n.Do(func() error {
		var err error
		c, err = net.Dial(network, address)
		return err
	})
	return c, err
}

// OpenTUN creates and configures a TUN device inside the namespace.
func (n *NS) OpenTUN(cfg tun.Config) (*tun.Device, error) {
	var d *tun.Device
	err := n.Do(func() error {
		var err error
		d, err = tun.Open(cfg)
		return err
	})
	return d, err
}

// String names the namespace for messages.
func (n *NS) String() string {
	if n.name != "" {
		return n.name
	}
	return n.f.Name()
}
