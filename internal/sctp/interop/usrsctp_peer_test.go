//go:build usrsctp

package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildPeer compiles testdata/usrsctp_peer.c into a temporary directory.
// The tag usrsctp says libusrsctp-dev is installed, so failure is fatal.
func buildPeer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "usrsctp_peer")
	out, err := exec.Command("gcc", "-O1", "-Wall", "-Werror", "-o", bin,
		filepath.Join("testdata", "usrsctp_peer.c"), "-lusrsctp", "-lpthread").CombinedOutput()
	if err != nil {
		t.Fatalf("gcc usrsctp_peer.c (is libusrsctp-dev installed?): %v\n%s", err, out)
	}
	return bin
}

// peerConfig describes one usrsctp endpoint: its UDP encapsulation port and
// SCTP port on 127.0.0.1 and, to connect, the peer's.
type peerConfig struct {
	udpPort, sctpPort             uint16
	remoteUDPPort, remoteSCTPPort uint16 // zero: listen
	streams                       uint16
	heartbeat                     time.Duration // zero: usrsctp's default (30 s)
}

// usrsctpPeer drives one usrsctp_peer process (protocol in its source).
type usrsctpPeer struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	ctl    chan string // replies to commands and state: ready, up, ok, fail
	rx     chan string // from the receiving thread: msg, eof, err
	mu     sync.Mutex  // one command at a time
	stderr lockedBuffer
	in     uint16
	out    uint16
	ended  error // set once rx reported the end
}

// startPeer starts a usrsctp peer and waits until it is bound (and
// listening). The peer is killed when the test ends.
func startPeer(ctx context.Context, t *testing.T, bin, name string, c peerConfig) *usrsctpPeer {
	t.Helper()
	args := []string{"-a", "127.0.0.1", "-u", strconv.Itoa(int(c.udpPort)), "-p", strconv.Itoa(int(c.sctpPort)),
		"-s", strconv.Itoa(int(c.streams))}
	if c.remoteUDPPort == 0 {
		args = append(args, "-m", "listen")
	} else {
		args = append(args, "-m", "connect", "-U", strconv.Itoa(int(c.remoteUDPPort)), "-P", strconv.Itoa(int(c.remoteSCTPPort)))
	}
	if c.heartbeat > 0 {
		args = append(args, "-h", strconv.Itoa(int(c.heartbeat/time.Millisecond)))
	}
	p := &usrsctpPeer{name: name, ctl: make(chan string, 16), rx: make(chan string, 1024)}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		r := bufio.NewReaderSize(stdout, 1<<20)
		for {
			line, err := r.ReadString('\n')
			if line = strings.TrimSuffix(line, "\n"); line != "" {
				if strings.HasPrefix(line, "msg ") || line == "eof" || strings.HasPrefix(line, "err ") {
					p.rx <- line
				} else {
					p.ctl <- line
				}
			}
			if err != nil {
				_ = p.cmd.Wait() // stderr is complete once Wait returns
				close(p.rx)
				close(p.ctl)
				return
			}
		}
	}()
	t.Cleanup(func() {
		_, _ = io.WriteString(p.stdin, "quit\n")
		_ = p.stdin.Close()
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
			_ = p.cmd.Process.Kill()
			<-exited
		}
		if s := strings.TrimSpace(p.stderr.String()); s != "" {
			t.Logf("%s stderr: %s", name, s)
		}
	})
	if _, err := p.expect(ctx, "ready"); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *usrsctpPeer) String() string { return p.name }

// expect reads the next control line and checks its first word.
func (p *usrsctpPeer) expect(ctx context.Context, word string) ([]string, error) {
	select {
	case line, ok := <-p.ctl:
		if !ok {
			return nil, fmt.Errorf("%s exited (stderr %q)", p.name, p.stderr.String())
		}
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != word {
			return nil, fmt.Errorf("%s: got %q, want %s", p.name, line, word)
		}
		return f[1:], nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: waiting for %s: %w", p.name, word, ctx.Err())
	}
}

// waitUp waits until the association is established and records the
// stream counts usrsctp reports (SCTP_STATUS).
func (p *usrsctpPeer) waitUp(ctx context.Context) error {
	f, err := p.expect(ctx, "up")
	if err != nil {
		return err
	}
	if len(f) != 2 {
		return fmt.Errorf("%s: bad up line %q", p.name, f)
	}
	in, err1 := strconv.ParseUint(f[0], 10, 16)
	out, err2 := strconv.ParseUint(f[1], 10, 16)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("%s: bad up line %q", p.name, f)
	}
	p.in, p.out = uint16(in), uint16(out)
	return nil
}

func (p *usrsctpPeer) streams() (in, out int) { return int(p.in), int(p.out) }

// command sends one command line and waits for its ok or fail.
func (p *usrsctpPeer) command(ctx context.Context, name, line string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		return fmt.Errorf("%s: %s: %w", p.name, name, err)
	}
	select {
	case reply, ok := <-p.ctl:
		if !ok {
			return fmt.Errorf("%s exited during %s (stderr %q)", p.name, name, p.stderr.String())
		}
		if reply != "ok "+name {
			return fmt.Errorf("%s: %s: %s", p.name, name, reply)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %s: %w", p.name, name, ctx.Err())
	}
}

func (p *usrsctpPeer) send(ctx context.Context, m msg) error {
	u := 0
	if m.Unordered {
		u = 1
	}
	return p.command(ctx, "send", fmt.Sprintf("send %d %d %d %s", m.Stream, m.PPID, u, hex.EncodeToString(m.Data)))
}

func (p *usrsctpPeer) recv(ctx context.Context) (msg, error) {
	if p.ended != nil {
		return msg{}, p.ended
	}
	var line string
	select {
	case l, ok := <-p.rx:
		if !ok {
			return msg{}, fmt.Errorf("%s exited (stderr %q)", p.name, p.stderr.String())
		}
		line = l
	case <-ctx.Done():
		return msg{}, fmt.Errorf("%s: recv: %w", p.name, ctx.Err())
	}
	f := strings.Fields(line)
	switch {
	case f[0] == "eof":
		p.ended = fmt.Errorf("%s: recvv returned 0: %w", p.name, errGraceful)
		return msg{}, p.ended
	case f[0] == "err" && len(f) == 2 && f[1] == "ECONNRESET":
		p.ended = fmt.Errorf("%s: recvv: ECONNRESET: %w", p.name, errAborted)
		return msg{}, p.ended
	case f[0] == "err":
		p.ended = fmt.Errorf("%s: recvv: %s", p.name, strings.Join(f[1:], " "))
		return msg{}, p.ended
	case len(f) == 4 || len(f) == 5:
		var m msg
		sid, err1 := strconv.ParseUint(f[1], 10, 16)
		ppid, err2 := strconv.ParseUint(f[2], 10, 32)
		var data []byte
		var err3 error
		if len(f) == 5 {
			data, err3 = hex.DecodeString(f[4])
		}
		if err1 != nil || err2 != nil || err3 != nil {
			return msg{}, fmt.Errorf("%s: bad line %.80q", p.name, line)
		}
		m.Stream, m.PPID, m.Unordered, m.Data = uint16(sid), uint32(ppid), f[3] == "1", data
		return m, nil
	}
	return msg{}, fmt.Errorf("%s: bad line %.80q", p.name, line)
}

// shutdown is usrsctp_shutdown(SHUT_WR): SHUTDOWN once queued data is
// acknowledged; it returns at once.
func (p *usrsctpPeer) shutdown(ctx context.Context) error {
	return p.command(ctx, "shutdown", "shutdown")
}

// abort sends ABORT with a User-Initiated Abort cause carrying reason.
func (p *usrsctpPeer) abort(reason string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.command(ctx, "abort", "abort "+strings.ReplaceAll(reason, "\n", " "))
}

// lockedBuffer is the peer's stderr: written by exec's copying goroutine,
// read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
