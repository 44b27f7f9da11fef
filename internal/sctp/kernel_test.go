//go:build linux

package sctp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// requireKernelSCTP skips where the kernel cannot open SCTP sockets.
func requireKernelSCTP(t *testing.T) {
	t.Helper()
	if err := KernelAvailable(); err != nil {
		if errors.Is(err, ErrNoKernelSCTP) {
			t.Skip("kernel has no SCTP (EPROTONOSUPPORT); kernel transport tests skipped")
		}
		t.Fatalf("KernelAvailable: %v", err)
	}
}

func TestKernelNoSCTPError(t *testing.T) {
	if KernelAvailable() == nil {
		t.Skip("kernel has SCTP; the no-kernel error cannot occur here")
	}
	l, err := ListenKernel(netip.MustParseAddrPort("127.0.0.1:0"), Config{})
	if err == nil {
		l.Close()
		t.Fatal("ListenKernel succeeded although KernelAvailable failed")
	}
	if !errors.Is(err, ErrNoKernelSCTP) {
		t.Fatalf("ListenKernel error %v does not wrap ErrNoKernelSCTP", err)
	}
	for _, want := range []string{`"udp"`, `"ip"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name transport %s", err, want)
		}
	}
	_, err = DialKernel(context.Background(), netip.MustParseAddrPort("127.0.0.1:38412"), Config{})
	if !errors.Is(err, ErrNoKernelSCTP) {
		t.Fatalf("DialKernel error %v does not wrap ErrNoKernelSCTP", err)
	}
}

// The PPID travels in network byte order inside the native-endian
// sctp_sndinfo: the kernel copies snd_ppid to the DATA chunk unchanged.
func TestKernelSndInfoBytes(t *testing.T) {
	oob := sndInfo(Message{Stream: 3, PPID: PPIDNGAP, Unordered: true})
	cms, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(cms) != 1 {
		t.Fatalf("control messages %v, %v", cms, err)
	}
	h, d := cms[0].Header, cms[0].Data
	if h.Level != unix.IPPROTO_SCTP || h.Type != 2 || len(d) != 16 {
		t.Fatalf("level %d type %d len %d, want 132 2 16 (SCTP_SNDINFO)", h.Level, h.Type, len(d))
	}
	want := make([]byte, 16)
	binary.NativeEndian.PutUint16(want[0:], 3) // snd_sid
	binary.NativeEndian.PutUint16(want[2:], 1) // snd_flags: SCTP_UNORDERED
	copy(want[4:], []byte{0, 0, 0, 60})        // snd_ppid: NGAP, wire order
	if !bytes.Equal(d, want) {
		t.Errorf("sctp_sndinfo % x, want % x", d, want)
	}
}

func TestKernelRcvInfoParse(t *testing.T) {
	info := make([]byte, 28)                   // struct sctp_rcvinfo
	binary.NativeEndian.PutUint16(info[0:], 7) // rcv_sid
	binary.NativeEndian.PutUint16(info[2:], 9) // rcv_ssn
	binary.NativeEndian.PutUint16(info[4:], 1) // rcv_flags: SCTP_UNORDERED
	copy(info[8:], []byte{0, 0, 0, 60})        // rcv_ppid, wire order
	binary.NativeEndian.PutUint32(info[12:], 1234)
	oob := make([]byte, unix.CmsgSpace(len(info)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level, h.Type = unix.IPPROTO_SCTP, 3
	h.SetLen(unix.CmsgLen(len(info)))
	copy(oob[unix.CmsgLen(0):], info)

	var m Message
	rcvInfo(&m, oob)
	if m.Stream != 7 || m.PPID != 60 || !m.Unordered {
		t.Errorf("got stream %d ppid %d unordered %v, want 7 60 true", m.Stream, m.PPID, m.Unordered)
	}
	m = Message{}
	binary.NativeEndian.PutUint16(oob[unix.CmsgLen(0)+4:], 0)
	rcvInfo(&m, oob)
	if m.Unordered {
		t.Error("ordered message reported unordered")
	}
}

func TestKernelAssocChangeParse(t *testing.T) {
	b := make([]byte, 20)                        // struct sctp_assoc_change
	binary.NativeEndian.PutUint16(b[0:], 0x8001) // sac_type SCTP_ASSOC_CHANGE
	binary.NativeEndian.PutUint32(b[4:], 20)     // sac_length
	binary.NativeEndian.PutUint16(b[8:], 3)      // sac_state SCTP_SHUTDOWN_COMP
	binary.NativeEndian.PutUint16(b[12:], 17)    // sac_outbound_streams
	state, out, ok := assocChange(b)
	if !ok || state != sacShutdownComp || out != 17 {
		t.Errorf("assocChange = %d %d %v, want 3 17 true", state, out, ok)
	}
	binary.NativeEndian.PutUint16(b[0:], 0x8005) // SCTP_SHUTDOWN_EVENT
	if _, _, ok := assocChange(b); ok {
		t.Error("other notification decoded as ASSOC_CHANGE")
	}
	if _, _, ok := assocChange(b[:10]); ok {
		t.Error("short notification decoded")
	}
}

func TestKernelOptionsEncoding(t *testing.T) {
	ne := binary.NativeEndian
	opts := kernelOptions(Config{
		OutStreams: 4, MaxInStreams: 8, MaxInitRetransmits: 5,
		RTOInitial: 3 * time.Second, RTOMin: time.Second, RTOMax: 60 * time.Second,
		HeartbeatInterval: 30 * time.Second, PathMaxRetrans: 5,
	})
	byName := map[string]sockopt{}
	for _, o := range opts {
		byName[o.name] = o
	}
	init := byName["SCTP_INITMSG"].val
	if len(init) != 8 || ne.Uint16(init[0:]) != 4 || ne.Uint16(init[2:]) != 8 || ne.Uint16(init[4:]) != 5 || ne.Uint16(init[6:]) != 60000 {
		t.Errorf("sctp_initmsg % x", init)
	}
	rto := byName["SCTP_RTOINFO"].val
	if len(rto) != 16 || ne.Uint32(rto[4:]) != 3000 || ne.Uint32(rto[8:]) != 60000 || ne.Uint32(rto[12:]) != 1000 {
		t.Errorf("sctp_rtoinfo % x", rto)
	}
	pp := byName["SCTP_PEER_ADDR_PARAMS"].val
	if len(pp) != 152 || ne.Uint32(pp[132:]) != 30000 || ne.Uint16(pp[136:]) != 5 || ne.Uint32(pp[146:]) != 1 {
		t.Errorf("sctp_paddrparams hbinterval %d pathmaxrxt %d flags %d len %d",
			ne.Uint32(pp[132:]), ne.Uint16(pp[136:]), ne.Uint32(pp[146:]), len(pp))
	}
	if _, ok := byName["SCTP_ASSOCINFO"]; ok {
		t.Error("SCTP_ASSOCINFO set although its fields are zero")
	}
	if ev := byName["SCTP_EVENTS"].val; !bytes.Equal(ev, []byte{0, 1}) {
		t.Errorf("SCTP_EVENTS % x, want 00 01 (association events)", ev)
	}
	if o := byName["SCTP_RECVRCVINFO"]; o.ival != 1 {
		t.Error("SCTP_RECVRCVINFO not enabled")
	}
}

// kernelPair is a connected kernel association on loopback.
func kernelPair(t *testing.T, cfg Config) (client, server Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := ListenKernel(netip.MustParseAddrPort("127.0.0.1:0"), cfg)
	if err != nil {
		t.Fatalf("ListenKernel: %v", err)
	}
	defer l.Close()
	laddr := l.Addr().(Addr)
	accepted := make(chan Conn, 1)
	go func() {
		c, err := l.Accept(ctx)
		if err != nil {
			t.Errorf("Accept: %v", err)
		}
		accepted <- c
	}()
	client, err = DialKernel(ctx, netip.AddrPortFrom(laddr.IP, laddr.Port), cfg)
	if err != nil {
		t.Fatalf("DialKernel: %v", err)
	}
	server = <-accepted
	if server == nil {
		t.FailNow()
	}
	t.Cleanup(func() { client.Abort("cleanup"); server.Abort("cleanup") })
	return client, server
}

func TestKernelExchange(t *testing.T) {
	requireKernelSCTP(t)
	client, server := kernelPair(t, Config{OutStreams: 3, MaxInStreams: 3})
	if client.Streams() != 3 || server.Streams() != 3 {
		t.Errorf("streams client %d server %d, want 3", client.Streams(), server.Streams())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	big := bytes.Repeat([]byte("0123456789abcdef"), 6250) // 100 kB: several reads until MSG_EOR
	msgs := []Message{
		{Stream: 0, PPID: PPIDNGAP, Data: []byte("NG Setup Request")},
		{Stream: 1, PPID: PPIDNGAP, Data: []byte("uplink NAS")},
		{Stream: 2, PPID: 0x01020304, Unordered: true, Data: []byte("unordered")},
		{Stream: 1, PPID: PPIDNGAP, Data: big},
	}
	for _, dir := range []struct {
		name     string
		from, to Conn
	}{{"client to server", client, server}, {"server to client", server, client}} {
		go func() {
			for _, m := range msgs {
				if err := dir.from.Send(ctx, m); err != nil {
					t.Errorf("%s: Send: %v", dir.name, err)
				}
			}
		}()
		got := map[uint16][]Message{}
		for range msgs {
			m, err := dir.to.Recv(ctx)
			if err != nil {
				t.Fatalf("%s: Recv: %v", dir.name, err)
			}
			got[m.Stream] = append(got[m.Stream], m)
		}
		// Order holds per stream only.
		want := map[uint16][]Message{}
		for _, m := range msgs {
			want[m.Stream] = append(want[m.Stream], m)
		}
		for s, w := range want {
			if len(got[s]) != len(w) {
				t.Fatalf("%s: stream %d got %d messages, want %d", dir.name, s, len(got[s]), len(w))
			}
			for i := range w {
				g := got[s][i]
				if g.PPID != w[i].PPID || g.Unordered != w[i].Unordered || !bytes.Equal(g.Data, w[i].Data) {
					t.Errorf("%s: stream %d message %d: ppid %d unordered %v len %d, want %d %v %d",
						dir.name, s, i, g.PPID, g.Unordered, len(g.Data), w[i].PPID, w[i].Unordered, len(w[i].Data))
				}
			}
		}
	}

	// Graceful close: the peer reads ErrClosed, not ErrAborted.
	peerErr := make(chan error, 1)
	go func() {
		_, err := server.Recv(ctx)
		peerErr <- err
	}()
	if err := client.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	err := <-peerErr
	if !errors.Is(err, ErrClosed) || errors.Is(err, ErrAborted) {
		t.Errorf("peer Recv after Close = %v, want ErrClosed without ErrAborted", err)
	}
	if err := client.Send(ctx, msgs[0]); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
}

func TestKernelAbort(t *testing.T) {
	requireKernelSCTP(t)
	client, server := kernelPair(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Abort("test"); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	_, err := server.Recv(ctx)
	if !errors.Is(err, ErrClosed) || !errors.Is(err, ErrAborted) {
		t.Errorf("peer Recv after Abort = %v, want ErrClosed and ErrAborted", err)
	}
}

func TestKernelRecvCancel(t *testing.T) {
	requireKernelSCTP(t)
	client, _ := kernelPair(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := client.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Recv = %v, want context.DeadlineExceeded", err)
	}
	// The conn still works after a cancelled Recv.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := client.Send(ctx2, Message{PPID: PPIDNGAP, Data: []byte("x")}); err != nil {
		t.Fatalf("Send after cancelled Recv: %v", err)
	}
}

func TestKernelDialRefused(t *testing.T) {
	requireKernelSCTP(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Nothing listens on this port: the peer answers INIT with ABORT.
	l, err := ListenKernel(netip.MustParseAddrPort("127.0.0.1:0"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().(Addr)
	l.Close()
	if c, err := DialKernel(ctx, netip.AddrPortFrom(a.IP, a.Port), Config{}); err == nil {
		c.Abort("")
		t.Fatal("DialKernel to a closed port succeeded")
	}
	if ctx.Err() != nil {
		t.Fatal("DialKernel waited for the context instead of failing")
	}
}
