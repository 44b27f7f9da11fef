package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
)

// msg is one user message. It mirrors sctp.Message so the usrsctp driver
// does not depend on the stack under test.
type msg struct {
	Stream    uint16
	PPID      uint32
	Unordered bool
	Data      []byte
}

func (m msg) String() string {
	return fmt.Sprintf("{stream %d ppid %d unordered %t %d bytes}", m.Stream, m.PPID, m.Unordered, len(m.Data))
}

// How an association ended, as seen by Recv on either side.
var (
	errGraceful = errors.New("ended by SHUTDOWN") // sctp.ErrClosed; usrsctp recv returns 0
	errAborted  = errors.New("ended by ABORT")    // sctp.ErrAborted; usrsctp ECONNRESET
)

// end is one endpoint of an association under test: ours or usrsctp.
type end interface {
	String() string
	// streams is the number of inbound and outbound streams agreed; -1
	// where the endpoint does not say.
	streams() (in, out int)
	send(ctx context.Context, m msg) error
	// recv returns the next message, or an error wrapping errGraceful or
	// errAborted once the association has ended.
	recv(ctx context.Context) (msg, error)
	// shutdown starts the SHUTDOWN sequence; ours also waits for its end.
	shutdown(ctx context.Context) error
	abort(reason string) error
}

// ngSetupRequest is a valid NGAP NGSetupRequest (TS 38.413 §9.2.6.1),
// encoded by hand in APER for these tests and checked with tshark: Global
// gNB ID 1 (32 bits) in PLMN 001/01, one supported TA (TAC 1, SST 1), default
// paging DRX v128. Sent with PPID 60 it lets tshark's NGAP dissector confirm
// that the PPID went on the wire in network byte order and the bytes intact.
func ngSetupRequest() []byte {
	return []byte{
		0x00, 0x15, 0x00, 0x26, // initiatingMessage, id-NGSetup, reject, length 38
		0x00, 0x00, 0x03, // 3 protocol IEs
		0x00, 0x1b, 0x00, 0x09, 0x00, 0x00, 0xf1, 0x10, 0x50, 0x00, 0x00, 0x00, 0x01, // GlobalRANNodeID
		0x00, 0x66, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0xf1, 0x10, 0x00, 0x00, 0x00, 0x08, // SupportedTAList
		0x00, 0x15, 0x40, 0x01, 0x40, // DefaultPagingDRX, criticality ignore
	}
}

// workload is the messages one side sends: every size on streams 0, 1 and
// 3, from 1 byte to well above any MTU (so both sides fragment and
// reassemble), then one unordered message on stream 2, then the NGAP
// message on stream 0. seed makes each side's bytes distinct; extra sizes
// are appended on stream 1.
func workload(seed byte, ppid uint32, extra ...int) []msg {
	sizes := []int{1, 2, 100, 1000, 1200, 1500, 3000, 4096, 8192}
	var ms []msg
	for i, size := range sizes {
		for _, s := range []uint16{0, 1, 3} {
			ms = append(ms, msg{Stream: s, PPID: ppid, Data: pattern(seed, i, s, size)})
		}
	}
	ms = append(ms, msg{Stream: 2, PPID: ppid, Unordered: true, Data: pattern(seed, 99, 2, 2000)})
	ms = append(ms, msg{Stream: 0, PPID: 60, Data: ngSetupRequest()})
	for i, size := range extra {
		ms = append(ms, msg{Stream: 1, PPID: ppid, Data: pattern(seed, 100+i, 1, size)})
	}
	return ms
}

func pattern(seed byte, i int, stream uint16, size int) []byte {
	b := make([]byte, size)
	for j := range b {
		b[j] = seed + byte(i*31) + byte(stream*7) + byte(j) + byte(j>>8)*3
	}
	return b
}

// exchange has a and b send their workloads to each other at the same time
// and checks that each side received the other's messages once each, in
// order per stream for ordered ones, with the right stream, PPID and flag.
func exchange(ctx context.Context, t *testing.T, a, b end, wa, wb []msg) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	var gotA, gotB []msg
	sendAll := func(e end, ms []msg) {
		defer wg.Done()
		for i, m := range ms {
			if err := e.send(ctx, m); err != nil {
				errs <- fmt.Errorf("%v: send %d %v: %w", e, i, m, err)
				return
			}
		}
	}
	recvAll := func(e end, n int, got *[]msg) {
		defer wg.Done()
		for len(*got) < n {
			m, err := e.recv(ctx)
			if err != nil {
				errs <- fmt.Errorf("%v: recv after %d of %d messages: %w", e, len(*got), n, err)
				return
			}
			*got = append(*got, m)
		}
	}
	wg.Add(4)
	go sendAll(a, wa)
	go sendAll(b, wb)
	go recvAll(a, len(wb), &gotA)
	go recvAll(b, len(wa), &gotB)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	checkDelivery(t, fmt.Sprintf("%v to %v", b, a), wb, gotA)
	checkDelivery(t, fmt.Sprintf("%v to %v", a, b), wa, gotB)
}

// checkDelivery compares what one side received with what the other sent:
// per stream, the ordered messages in sending order; the unordered ones as
// a set.
func checkDelivery(t *testing.T, dir string, sent, got []msg) {
	t.Helper()
	if len(got) != len(sent) {
		t.Errorf("%s: %d messages received, %d sent", dir, len(got), len(sent))
	}
	type key struct {
		stream    uint16
		unordered bool
	}
	split := func(ms []msg) map[key][]msg {
		out := map[key][]msg{}
		for _, m := range ms {
			k := key{m.Stream, m.Unordered}
			out[k] = append(out[k], m)
		}
		return out
	}
	want, have := split(sent), split(got)
	for k, w := range want {
		h := have[k]
		if k.unordered {
			h, w = sortedByData(h), sortedByData(w)
		}
		// The first difference per stream; the rest usually follow from it.
		for i := 0; i < max(len(w), len(h)); i++ {
			if i >= len(h) {
				t.Errorf("%s: stream %d (unordered %t): message %d %v and %d more missing", dir, k.stream, k.unordered, i, w[i], len(w)-i-1)
				break
			}
			if i >= len(w) {
				t.Errorf("%s: stream %d (unordered %t): %d extra messages from %d: %v", dir, k.stream, k.unordered, len(h)-i, i, h[i])
				break
			}
			if h[i].PPID != w[i].PPID || !bytes.Equal(h[i].Data, w[i].Data) {
				t.Errorf("%s: stream %d (unordered %t): message %d is %v, want %v", dir, k.stream, k.unordered, i, h[i], w[i])
				break
			}
		}
	}
	for k, h := range have {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %d messages on stream %d (unordered %t), none sent there: %v", dir, len(h), k.stream, k.unordered, h)
		}
	}
}

func sortedByData(ms []msg) []msg {
	out := append([]msg(nil), ms...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && bytes.Compare(out[j].Data, out[j-1].Data) < 0; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// ending is one way an association ends, started by one side.
type ending struct {
	name      string
	want      error // errGraceful or errAborted
	initiator int   // 0: the dialer, 1: the listener
	// inFlight: the initiator shuts down right after its last send, so
	// SHUTDOWN waits for data still queued or unacknowledged (RFC 9260
	// §9.2); the other side must get every message before the end.
	inFlight bool
}

func endings() []ending {
	return []ending{
		{name: "shutdown by dialer", want: errGraceful, initiator: 0},
		{name: "shutdown by listener", want: errGraceful, initiator: 1},
		{name: "abort by dialer", want: errAborted, initiator: 0},
		{name: "abort by listener", want: errAborted, initiator: 1},
		{name: "shutdown by dialer with data in flight", want: errGraceful, initiator: 0, inFlight: true},
		{name: "shutdown by listener with data in flight", want: errGraceful, initiator: 1, inFlight: true},
	}
}

// runEnding exchanges the standard workloads (PPID 60) between dialer and
// listener, then ends the association as e says.
func runEnding(ctx context.Context, t *testing.T, dialer, listener end, e ending) {
	t.Helper()
	ends := []end{dialer, listener}
	initiator, other := ends[e.initiator], ends[1-e.initiator]
	if !e.inFlight {
		exchange(ctx, t, dialer, listener, workload(1, 60), workload(2, 60))
		terminate(ctx, t, initiator, other, e.want)
		return
	}
	sent := workload(3, 60, 32<<10, 64<<10)
	shut := make(chan error, 1)
	go func() {
		for i, m := range sent {
			if err := initiator.send(ctx, m); err != nil {
				shut <- fmt.Errorf("%v: send %d %v: %w", initiator, i, m, err)
				return
			}
		}
		shut <- initiator.shutdown(ctx)
	}()
	var got []msg
	var err error
	for {
		var m msg
		if m, err = other.recv(ctx); err != nil {
			break
		}
		got = append(got, m)
	}
	if serr := <-shut; serr != nil {
		t.Fatalf("%v: shutdown after sending: %v", initiator, serr)
	}
	if !errors.Is(err, errGraceful) {
		t.Errorf("%v: recv after %d of %d messages: %v, want %v", other, len(got), len(sent), err, errGraceful)
	}
	checkDelivery(t, fmt.Sprintf("%v to %v", initiator, other), sent, got)
	if _, err := initiator.recv(ctx); !errors.Is(err, errGraceful) {
		t.Errorf("%v: recv after its own shutdown: %v, want %v", initiator, err, errGraceful)
	}
}

// abortReason is what each side's abort says to the other.
const abortReason = "go5g interop test"

// terminate ends the association from initiator with a graceful shutdown
// (want errGraceful) or an abort (want errAborted) and checks that the
// other side's recv reports that ending.
func terminate(ctx context.Context, t *testing.T, initiator, other end, want error) {
	t.Helper()
	switch want {
	case errGraceful:
		if err := initiator.shutdown(ctx); err != nil {
			t.Fatalf("%v: shutdown: %v", initiator, err)
		}
	case errAborted:
		if err := initiator.abort(abortReason); err != nil {
			t.Fatalf("%v: abort: %v", initiator, err)
		}
	}
	m, err := other.recv(ctx)
	if err == nil {
		t.Fatalf("%v: recv after the peer's %v returned a message %v", other, want, m)
	}
	if !errors.Is(err, want) {
		t.Fatalf("%v: recv after the peer's %v: %v", other, want, err)
	}
	t.Logf("%v: recv: %v", other, err)
	if _, isOurs := other.(*ours); isOurs && want == errAborted && !strings.Contains(err.Error(), abortReason) {
		// The reason travels in a User-Initiated Abort cause (RFC 9260 §3.3.10.12).
		t.Errorf("%v: the peer's abort reason %q is not in the error %q", other, abortReason, err)
	}
	if want == errGraceful {
		// The initiator's association ends the same way once SHUTDOWN
		// COMPLETE has been exchanged.
		if _, err := initiator.recv(ctx); !errors.Is(err, errGraceful) {
			t.Fatalf("%v: recv after its own shutdown: %v, want %v", initiator, err, errGraceful)
		}
	}
}

// checkStreams checks that both sides agreed on n streams each way.
func checkStreams(t *testing.T, n int, es ...end) {
	t.Helper()
	for _, e := range es {
		if in, out := e.streams(); (in != n && in != -1) || out != n {
			t.Errorf("%v: streams in %d out %d, want %d each", e, in, out, n)
		}
	}
}

// freeUDPPorts returns n distinct UDP ports on 127.0.0.1 that were free a
// moment ago (all are held open until each is chosen).
func freeUDPPorts(t *testing.T, n int) []uint16 {
	t.Helper()
	ports := make([]uint16, n)
	for i := range ports {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ports[i] = uint16(c.LocalAddr().(*net.UDPAddr).Port)
	}
	return ports
}
