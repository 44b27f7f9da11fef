package gnb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/n3"
	"go5g/internal/netns/netnstest"
	"go5g/internal/pcapcheck"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/gnb/gnbtest"
	"go5g/internal/testenv"
)

// The user-plane tests run N3 inside a throwaway network namespace (see
// gnbtest.Setup); N2 goes to gnbtest's scripted AMF on the host loopback.

const qfi = 5

type upEnv struct {
	g    *gnb.GNB
	amf  *gnbtest.AMF
	c    *gnb.Connection
	sess gnb.Session
	upf  *gnbtest.UPF
}

func newUpEnv(t *testing.T) *upEnv {
	t.Helper()
	e := gnbtest.Setup(t, netnstest.New(t).NS("core"), n2.PDUSessionIPv4, qfi)
	return &upEnv{g: e.GNB, amf: e.AMF, c: e.Conn, sess: e.Session, upf: e.UPF}
}

// chanWriter is the UE end of a bearer: each downlink packet, copied.
type chanWriter chan []byte

func (w chanWriter) Write(p []byte) (int, error) {
	w <- append([]byte(nil), p...)
	return len(p), nil
}

// echoRequest4 is an ICMP echo request from 10.45.0.7 to 198.51.100.1
// with valid checksums (tshark checks them).
func echoRequest4(payload string) []byte {
	p := []byte{0x45, 0, 0, 0, 0, 1, 0, 0, 64, 1, 0, 0, 10, 45, 0, 7, 198, 51, 100, 1,
		8, 0, 0, 0, 0x12, 0x34, 0, 1}
	p = append(p, payload...)
	p[2], p[3] = byte(len(p)>>8), byte(len(p))
	c := checksum(p[:20])
	p[10], p[11] = byte(c>>8), byte(c)
	c = checksum(p[20:])
	p[22], p[23] = byte(c>>8), byte(c)
	return p
}

// checksum is the Internet checksum (RFC 1071).
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

func recv(t *testing.T, ch <-chan []byte) []byte {
	t.Helper()
	select {
	case p := <-ch:
		return p
	case <-time.After(3 * time.Second):
		t.Fatal("no downlink packet")
		return nil
	}
}

// waitSignal waits for the fake UPF's n-th non-G-PDU message.
func waitSignal(t *testing.T, upf *gnbtest.UPF, n int) []byte {
	t.Helper()
	deadline := time.After(3 * time.Second)
	for {
		if s := upf.Signals(); len(s) >= n {
			return s[n-1]
		}
		select {
		case <-upf.Signalled():
		case <-deadline:
			t.Fatalf("the fake UPF got %d GTP-U signalling messages, want %d", len(upf.Signals()), n)
		}
	}
}

func TestUserPlaneRoundTrip(t *testing.T) {
	e := newUpEnv(t)
	dl := make(chanWriter, 8)
	b, err := e.c.BindUserPlane(1, 0, dl)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	for i := 0; i < n; i++ {
		pkt := echoRequest4("hello")
		buf := append(make([]byte, gnb.ULHeadroom), pkt...)
		if err := b.Uplink(buf); err != nil {
			t.Fatal(err)
		}
		got := recv(t, dl)
		want, _ := gnbtest.Reflect(pkt)
		if !bytes.Equal(got, want) {
			t.Fatalf("downlink %x, want %x", got, want)
		}
	}
	// The gNB counts a packet once the UE's writer returned.
	deadline := time.Now().Add(3 * time.Second)
	for b.Stats().DLPackets != n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	st := b.Stats()
	us := e.upf.Stats()
	if st.ULPackets != n || st.DLPackets != n || us.UL != n || us.DL != n || us.Echo4 != n || us.BadTunnel != 0 {
		t.Errorf("gNB %+v, UPF %+v; want %d each way and no bad tunnel", st, us, n)
	}
	if st.ULBytes != us.ULBytes || st.DLBytes != us.DLBytes || st.ULBytes != uint64(n*len(echoRequest4("hello"))) {
		t.Errorf("octets: gNB UL %d DL %d, UPF UL %d DL %d", st.ULBytes, st.DLBytes, us.ULBytes, us.DLBytes)
	}
	if s, ok := e.g.SessionStats(e.sess.DL.TEID); !ok || s != b.Stats() {
		t.Errorf("SessionStats %+v %t", s, ok)
	}
}

func TestUserPlaneSignalling(t *testing.T) {
	e := newUpEnv(t)
	dl := make(chanWriter, 8)
	b, err := e.c.BindUserPlane(1, 0, dl)
	if err != nil {
		t.Fatal(err)
	}

	// Echo Request: answered with the same sequence number.
	// Spec: TS 29.281 §7.2.2
	req := make([]byte, 12)
	if _, err := n3.NewEchoRequest(77).MarshalTo(req); err != nil {
		t.Fatal(err)
	}
	if err := e.upf.Send(req); err != nil {
		t.Fatal(err)
	}
	var er n3.EchoResponse
	if err := er.Parse(waitSignal(t, e.upf, 1)); err != nil || er.Seq != 77 {
		t.Fatalf("echo response %+v: %v", er, err)
	}

	// G-PDU on a TEID the gNB does not have: Error Indication naming the
	// TEID and the gNB's N3 address. Spec: TS 29.281 §7.3.1
	unknown := e.sess.DL.TEID + 100
	gp := n3.NewGPDU(unknown, echoRequest4("x"))
	raw := make([]byte, gp.MarshalLen())
	gp.MarshalTo(raw)
	if err := e.upf.Send(raw); err != nil {
		t.Fatal(err)
	}
	var ei n3.ErrorIndication
	if err := ei.Parse(waitSignal(t, e.upf, 2)); err != nil {
		t.Fatal(err)
	}
	if ei.TEIDDataI != unknown || ei.PeerAddress != gnbtest.GNBN3.Addr() {
		t.Errorf("error indication TEID %#x peer %v, want %#x %v", ei.TEIDDataI, ei.PeerAddress, unknown, gnbtest.GNBN3.Addr())
	}

	// End Marker on the DL tunnel: counted, nothing delivered.
	em := &n3.EndMarker{}
	em.Type, em.TEID = n3.TypeEndMarker, e.sess.DL.TEID
	raw = make([]byte, em.MarshalLen())
	if _, err := em.MarshalTo(raw); err != nil {
		t.Fatal(err)
	}
	if err := e.upf.Send(raw); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for b.Stats().EndMarkers != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := b.Stats(); st.EndMarkers != 1 || st.DLPackets != 0 {
		t.Errorf("after End Marker: %+v", st)
	}
	ns := e.g.N3Stats()
	if ns.EchoRequests != 1 || ns.UnknownTEID != 1 || ns.ErrorIndications != 1 {
		t.Errorf("N3 stats %+v", ns)
	}

	// Release: the bearer is gone both ways.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.amf.ReleaseSession(ctx, e.c, 1); err != nil {
		t.Fatal(err)
	}
	if err := b.Uplink(append(make([]byte, gnb.ULHeadroom), echoRequest4("late")...)); !errors.Is(err, gnb.ErrBearerGone) {
		t.Errorf("uplink after release: %v, want ErrBearerGone", err)
	}
	if err := e.upf.SendDL(echoRequest4("late")); err != nil {
		t.Fatal(err)
	}
	if err := ei.Parse(waitSignal(t, e.upf, 3)); err != nil || ei.TEIDDataI != e.sess.DL.TEID {
		t.Errorf("after release: error indication %+v: %v", ei, err)
	}
	if _, ok := e.g.SessionStats(e.sess.DL.TEID); ok {
		t.Error("stats of a released session still served")
	}
	if _, err := e.c.BindUserPlane(1, 0, dl); err == nil {
		t.Error("bound a released session")
	}
}

func TestUserPlaneMalformed(t *testing.T) {
	e := newUpEnv(t)
	dl := make(chanWriter, 8)
	if _, err := e.c.BindUserPlane(1, 0, dl); err != nil {
		t.Fatal(err)
	}
	for _, raw := range [][]byte{
		{0x30},                         // too short
		{0x30, 0xff, 0, 9, 0, 0, 0, 1}, // length beyond the packet
		{0x50, 0xff, 0, 0, 0, 0, 0, 1}, // version 2
	} {
		if err := e.upf.Send(raw); err != nil {
			t.Fatal(err)
		}
	}
	// Then a good one: it still gets through, after the bad ones.
	if err := e.upf.SendDL(echoRequest4("ok")); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, dl); !bytes.Equal(got, echoRequest4("ok")) {
		t.Errorf("downlink %x", got)
	}
	if ns := e.g.N3Stats(); ns.Malformed != 3 {
		t.Errorf("N3 stats %+v, want 3 malformed", ns)
	}
}

// TestUserPlaneTshark checks what the gNB puts on N3 with Wireshark's
// GTP-U dissector, an independent decoder: no malformed packet, uplink
// G-PDUs with the UL TEID and a UL PDU Session Container carrying the
// QFI, and the Echo Response, Error Indication and End Marker exchange.
// Spec: TS 29.281 §5.1, §5.2.2.7, §7.2.2, §7.3.1; TS 38.415 §5.5.2.2
func TestUserPlaneTshark(t *testing.T) {
	if err := pcapcheck.Available(); err != nil {
		testenv.Skip(t, err.Error())
	}
	tp := netnstest.New(t)
	core := tp.NS("core")
	path := filepath.Join(t.TempDir(), "n3.pcap")
	var capture *pcapcheck.Capture
	// tcpdump is forked from the namespace's thread, so it captures there.
	if err := core.Do(func() error {
		var err error
		capture, err = pcapcheck.Start("lo", "udp port 2152", path)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer capture.Stop()
	ge := gnbtest.Setup(t, core, n2.PDUSessionIPv4, qfi)
	dl := make(chanWriter, 8)
	b, err := ge.Conn.BindUserPlane(1, 0, dl)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := b.Uplink(append(make([]byte, gnb.ULHeadroom), echoRequest4("tshark")...)); err != nil {
			t.Fatal(err)
		}
		recv(t, dl)
	}
	req := make([]byte, 12)
	n3.NewEchoRequest(9).MarshalTo(req)
	ge.UPF.Send(req)
	waitSignal(t, ge.UPF, 1)
	gp := n3.NewGPDU(0xdead, echoRequest4("x"))
	raw := make([]byte, gp.MarshalLen())
	gp.MarshalTo(raw)
	ge.UPF.Send(raw)
	waitSignal(t, ge.UPF, 2)
	em := &n3.EndMarker{}
	em.Type, em.TEID = n3.TypeEndMarker, ge.Session.DL.TEID
	raw = make([]byte, em.MarshalLen())
	em.MarshalTo(raw)
	ge.UPF.Send(raw)
	deadline := time.Now().Add(3 * time.Second)
	for b.Stats().EndMarkers != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}

	decode := []string{"udp.port==2152,gtp"}
	problems, err := pcapcheck.Check(path, decode, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("tshark: %+v", p)
	}
	ul, err := pcapcheck.Fields(path, decode, "gtp.message == 255 && ip.dst == "+gnbtest.UPFN3.Addr().String(),
		"gtp.teid", "gtp.ext_hdr.pdu_ses_con.pdu_type", "gtp.ext_hdr.pdu_ses_con.qos_flow_id")
	if err != nil {
		t.Fatal(err)
	}
	if len(ul) != 3 {
		t.Errorf("%d uplink G-PDUs captured, want 3", len(ul))
	}
	for _, r := range ul {
		if len(r) != 3 || r[0] != fmt.Sprintf("0x%08x", gnbtest.ULTEID) || r[1] != "1" || r[2] != strconv.Itoa(qfi) {
			t.Errorf("uplink G-PDU fields %v, want TEID %#08x, PDU type 1 (UL), QFI %d", r, gnbtest.ULTEID, qfi)
		}
	}
	msgs, err := pcapcheck.Fields(path, decode, "ip.src == "+gnbtest.GNBN3.Addr().String(), "gtp.message")
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, r := range msgs {
		sent = append(sent, r[0])
	}
	// From the gNB: 3 G-PDUs, the Echo Response (2), the Error
	// Indication (26); nothing for the End Marker.
	if want := []string{"0xff", "0xff", "0xff", "0x02", "0x1a"}; !slices.Equal(sent, want) {
		t.Errorf("gNB sent GTP-U message types %v, want %v", sent, want)
	}
}
