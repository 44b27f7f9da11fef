package n4

import (
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"go5g/internal/pcapcheck"
	"go5g/internal/testenv"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// TestTshark captures a whole N4 life cycle on loopback and has Wireshark's
// PFCP dissector, an independent decoder, read it: no malformed packet, no
// expert warning, every message type where it belongs and every request
// matched to its response by sequence number.
func TestTshark(t *testing.T) {
	if err := pcapcheck.Available(); err != nil {
		testenv.Skip(t, err.Error())
	}
	pr := newPair(t, func(cp, up *Config) {
		cp.SetupIEs = []*ie.IE{ie.NewCPFunctionFeatures(0x01)}
		cp.HeartbeatInterval = 100 * time.Millisecond
	})
	cpAddr, upAddr := addrOf(t, pr.cp), addrOf(t, pr.up)
	path := filepath.Join(t.TempDir(), "n4.pcap")
	c, err := pcapcheck.Start("lo", fmt.Sprintf("udp port %d or udp port %d", cpAddr.Port(), upAddr.Port()), path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()

	// A second association setup, now captured.
	if _, err := pr.cp.Associate(ctxT(t, 5*time.Second), upAddr); err != nil {
		t.Fatal(err)
	}
	s, err := pr.cpPeer.NewSession(0, SessionHandlerFunc(func(s *Session, req message.Message) (message.Message, error) {
		return message.NewSessionReportResponse(0, 0, 0, 0, 0, ie.NewCause(ie.CauseRequestAccepted)), nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	est := message.NewSessionEstablishmentRequest(0, 0, 0, 0, 0,
		pr.cp.NodeID(), s.FSEID(net.IPv4(127, 0, 0, 1), nil),
		ie.NewCreatePDR(ie.NewPDRID(1), ie.NewPrecedence(255),
			ie.NewPDI(ie.NewSourceInterface(ie.SrcInterfaceAccess),
				ie.NewFTEID(0x01, 0x11223344, net.IPv4(127, 0, 0, 2), nil, 0),
				ie.NewNetworkInstance("internet"),
				ie.NewUEIPAddress(0x02, "10.45.0.1", "", 0, 0)),
			ie.NewOuterHeaderRemoval(0, 0), ie.NewFARID(1)),
		ie.NewCreateFAR(ie.NewFARID(1), ie.NewApplyAction(0x02),
			ie.NewForwardingParameters(ie.NewDestinationInterface(ie.DstInterfaceCore), ie.NewNetworkInstance("internet"))),
		ie.NewPDNType(ie.PDNTypeIPv4))
	ctx := ctxT(t, 10*time.Second)
	if resp, err := s.Request(ctx, est); err != nil || Cause(resp) != ie.CauseRequestAccepted {
		t.Fatalf("establishment: %v cause %d", err, Cause(resp))
	}
	if _, err := modify(ctx, s); err != nil {
		t.Fatal(err)
	}
	upSess := pr.up.session(s.RemoteSEID())
	if _, err := upSess.Request(ctx, message.NewSessionReportRequest(0, 0, 0, 0, 0, ie.NewReportType(0, 0, 0, 1))); err != nil {
		t.Fatal(err)
	}
	if _, err := pr.cpPeer.Update(ctx, ie.NewCPFunctionFeatures(0x01)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(350 * time.Millisecond) // heartbeats
	if _, err := s.Request(ctx, message.NewSessionDeletionRequest(0, 0, 0, 0, 0)); err != nil {
		t.Fatal(err)
	}
	// Rejections: no association, and a version we do not speak.
	r := newRawPeer(t, pr.up)
	r.send(hdr(1, 52, true, 5, 45, -1, nil))
	r.recvMsg(time.Second)
	r.send(hdr(2, 1, false, 0, 42, -1, rtsBody()))
	r.recvMsg(time.Second)
	// And one broken on purpose, for tshark to flag: an IE longer than
	// the message. The node answers it "Invalid Length".
	r.send(hdr(1, 52, true, 5, 46, -1, []byte{0, 19, 0, 50, 1}))
	if m := r.recvMsg(time.Second); Cause(m) != ie.CauseInvalidLength {
		t.Errorf("broken request answered with cause %d", Cause(m))
	}
	rawPort, _ := addrPortOf(r.conn.LocalAddr())
	if err := pr.cpPeer.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}

	decode := []string{
		fmt.Sprintf("udp.port==%d,pfcp", cpAddr.Port()),
		fmt.Sprintf("udp.port==%d,pfcp", upAddr.Port()),
	}
	problems, err := pcapcheck.Check(c.Path(), decode, nil)
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, p := range problems {
		if fromPort(t, c.Path(), decode, p.Frame) == rawPort.Port() {
			flagged++ // the raw peer's broken request
			t.Logf("expected: %s", p)
			continue
		}
		t.Errorf("tshark: %s", p)
	}
	if flagged != 1 {
		t.Errorf("tshark flagged %d of the raw peer's packets, want the 1 broken one", flagged)
	}
	rows, err := pcapcheck.Fields(c.Path(), decode, "", "pfcp.msg_type", "pfcp.seqno", "pfcp.response_in", "pfcp.response_to", "pfcp.version", "udp.srcport", "udp.dstport")
	if err != nil {
		t.Fatal(err)
	}
	// tshark links a response to its request by sequence number and
	// conversation (pfcp.response_to; response_in needs a second pass).
	seen := map[string]int{}
	answered := map[string]bool{}
	requests := map[int]string{}
	for i, row := range rows {
		if len(row) < 7 || row[0] == "" {
			t.Errorf("frame %d not decoded as PFCP: %q", i+1, row)
			continue
		}
		seen[row[0]]++
		if rp := fmt.Sprint(rawPort.Port()); row[5] == rp || row[6] == rp {
			continue // the raw peer's exchanges, broken on purpose
		}
		typ := 0
		fmt.Sscan(row[0], &typ)
		switch msgKind(uint8(typ)) {
		case kindRequest:
			requests[i+1] = typeName(uint8(typ)) + " seq " + row[1]
		case kindResponse:
			// A heartbeat's request may precede the capture's start.
			early := len(requests) == 0 && uint8(typ) == message.MsgTypeHeartbeatResponse
			if uint8(typ) != message.MsgTypeVersionNotSupportedResponse && row[3] == "" && !early {
				t.Errorf("frame %d: %s (seq %s) answers no request", i+1, typeName(uint8(typ)), row[1])
			}
			answered[row[3]] = true
		}
	}
	for frame, what := range requests {
		if !answered[fmt.Sprint(frame)] {
			t.Errorf("frame %d: %s has no response in the capture", frame, what)
		}
	}
	for _, typ := range []int{1, 2, 5, 6, 7, 8, 9, 10, 11, 50, 51, 52, 53, 54, 55, 56, 57} {
		if seen[fmt.Sprint(typ)] == 0 {
			t.Errorf("no %s in the capture", typeName(uint8(typ)))
		}
	}
	t.Logf("%d PFCP frames checked by tshark", len(rows))
}

func fromPort(t *testing.T, path string, decode []string, frame int) uint16 {
	rows, err := pcapcheck.Fields(path, decode, fmt.Sprintf("frame.number==%d", frame), "udp.srcport")
	if err != nil {
		t.Fatal(err)
	}
	var port uint16
	if len(rows) == 1 {
		fmt.Sscan(rows[0][0], &port)
	}
	return port
}
