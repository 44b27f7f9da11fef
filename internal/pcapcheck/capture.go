// Package pcapcheck captures traffic with tcpdump and checks it with tshark,
// so protocol tests can use Wireshark's dissectors as an independent decoder:
// code that shares a codec on both ends of a test can hide one bug on both
// ends, tshark cannot. It is used by tests only (N2 SCTP and NGAP, N4 PFCP,
// N3 GTP-U), but it is a plain package so every protocol package can import it.
//
// The typical test:
//
//	c, err := pcapcheck.Start("lo", "udp port 9899", filepath.Join(t.TempDir(), "x.pcap"))
//	... run the session ...
//	err = c.Stop()
//	problems, err := pcapcheck.Check(c.Path(), []string{"udp.port==9899,sctp"}, nil)
//
// Capturing needs root (Available tells a test whether to skip); reading a
// file does not. Check also flags packets cut by the snap length.
package pcapcheck

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Available reports why capturing cannot work here, or nil: tcpdump and
// tshark must be installed and the process must be root.
func Available() error {
	for _, tool := range []string{"tcpdump", "tshark"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("pcapcheck: %s not installed (Debian: apt-get install tcpdump tshark)", tool)
		}
	}
	if os.Geteuid() != 0 {
		return errors.New("pcapcheck: capturing needs root")
	}
	return nil
}

// Capture is a running tcpdump writing a pcap file.
type Capture struct {
	path string
	cmd  *exec.Cmd
	done chan struct{} // closed when tcpdump has exited
	mu   sync.Mutex
	log  bytes.Buffer // tcpdump's stderr
	err  error        // tcpdump's exit status

	stopOnce sync.Once
	stopErr  error
}

// SnapLen is the most bytes captured per packet: above any packet our
// protocols send on a 1500-byte path or through a jumbo-frame GTP-U tunnel.
// A longer packet is cut, and Check reports it.
const SnapLen = 9216

// startTimeout bounds how long tcpdump may take to open the interface.
const startTimeout = 10 * time.Second

// Start runs tcpdump on iface with the BPF filter, writing to path, and
// returns once tcpdump is capturing. It uses -U --immediate-mode: without
// them the packets of the last second are lost. A capture that dropped
// packets fails at Stop.
func Start(iface, filter, path string) (*Capture, error) {
	// In immediate mode libpcap's ring has a slot per snap-length packet:
	// the default 2 MiB holds 16 at lo's MTU of 65536, and a burst on a
	// busy machine drops the rest. SnapLen and a 64 MiB buffer (-B is in
	// KiB) give about 7000 slots.
	args := []string{"-U", "--immediate-mode", "-B", "65536", "-s", strconv.Itoa(SnapLen), "-n", "-i", iface, "-w", path}
	if os.Geteuid() == 0 {
		// Debian's tcpdump drops to user tcpdump, which may not write to
		// a test's temporary directory.
		args = append(args, "-Z", "root")
	}
	args = append(args, filter)
	cmd := exec.Command("tcpdump", args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pcapcheck: start tcpdump: %w", err)
	}
	c := &Capture{path: path, cmd: cmd, done: make(chan struct{})}
	listening := make(chan struct{})
	go func() {
		// tcpdump says "listening on IFACE" once the capture is open.
		buf := make([]byte, 4096)
		signalled := false
		for {
			n, rerr := stderr.Read(buf)
			c.mu.Lock()
			c.log.Write(buf[:n])
			if !signalled && strings.Contains(c.log.String(), "listening on") {
				signalled = true
				close(listening)
			}
			c.mu.Unlock()
			if rerr != nil {
				break
			}
		}
		werr := cmd.Wait()
		c.mu.Lock()
		c.err = werr
		c.mu.Unlock()
		close(c.done)
	}()
	select {
	case <-listening:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("pcapcheck: tcpdump exited: %s", c.stderr())
	case <-time.After(startTimeout):
		_ = cmd.Process.Kill()
		<-c.done
		return nil, fmt.Errorf("pcapcheck: tcpdump did not start within %v: %s", startTimeout, c.stderr())
	}
}

// Path is the pcap file being written.
func (c *Capture) Path() string { return c.path }

func (c *Capture) stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.TrimSpace(c.log.String())
}

// Stop lets tcpdump write what it still holds, then stops it with SIGINT and
// waits until it has exited and flushed the file. It first waits until the
// file has stopped growing (at most a few seconds), so packets sent just
// before Stop are in the file. Calling Stop again returns the first result.
func (c *Capture) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Capture) stop() error {
	c.settle(150*time.Millisecond, 3*time.Second)
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("pcapcheck: stop tcpdump: %w", err)
	}
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("pcapcheck: tcpdump ignored SIGINT: %s", c.stderr())
	}
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	// tcpdump exits 0 on SIGINT; anything else means the capture failed.
	if err != nil {
		return fmt.Errorf("pcapcheck: tcpdump: %w: %s", err, c.stderr())
	}
	if n := dropped(c.stderr()); n != 0 {
		return fmt.Errorf("pcapcheck: tcpdump dropped %d packets; the capture is incomplete", n)
	}
	return nil
}

// dropped reads "N packets dropped by kernel" from tcpdump's final report.
func dropped(report string) int {
	for _, line := range strings.Split(report, "\n") {
		if num, ok := strings.CutSuffix(strings.TrimSpace(line), " packets dropped by kernel"); ok {
			n, _ := strconv.Atoi(num)
			return n
		}
	}
	return 0
}

// settle waits until the file size has not changed for quiet, or max.
func (c *Capture) settle(quiet, max time.Duration) {
	deadline := time.Now().Add(max)
	last, since := int64(-1), time.Now()
	for time.Now().Before(deadline) {
		var size int64
		if fi, err := os.Stat(c.path); err == nil {
			size = fi.Size()
		}
		if size != last {
			last, since = size, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
}
