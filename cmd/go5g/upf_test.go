package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"

	"go5g/internal/n3"
	"go5g/internal/n4"
	"go5g/internal/netns/netnstest"
	"go5g/internal/pcapcheck"
	"go5g/internal/testenv"
	"go5g/internal/upfnode"
)

// TestUPFPrintConfig: --print-config prints the defaults, which load back
// to the same configuration; a file's values replace them.
func TestUPFPrintConfig(t *testing.T) {
	code, out, errOut := runCoreCmd(t, "upf", "--print-config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, err := upfnode.Parse("printed", []byte(out))
	if err != nil {
		t.Fatalf("printed config does not load: %v\n%s", err, out)
	}
	if want := upfnode.Defaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("printed config:\n%+v\nwant\n%+v", got, want)
	}
	file := filepath.Join(t.TempDir(), "upf.yaml")
	writeFile(t, file, "n3: {advertise: 192.0.2.7}\nn6:\n  pools: [10.60.0.0/16, \"2001:db8:60::/48\"]\n")
	code, out, errOut = runCoreCmd(t, "upf", "--config", file, "--print-config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "advertise: 192.0.2.7") || !strings.Contains(out, "pools: [10.60.0.0/16, '2001:db8:60::/48']") {
		t.Errorf("file values missing from the printed config:\n%s", out)
	}
}

// TestUPFBadUsage: configuration mistakes exit 1 naming the file, line and
// key; command-line mistakes exit 2.
func TestUPFBadUsage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "upf.yaml")
	writeFile(t, file, "n4:\n  address: \":0\"\nn6:\n  pools: [10.45.0.1/16]\n")
	code, _, errOut := runCoreCmd(t, "upf", "--config", file)
	for _, want := range []string{file + ":2: n4.address", file + ":4: n6.pools[0]", "did you mean 10.45.0.0/16", "--print-config"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if code != 1 {
		t.Errorf("bad config: exit %d, want 1", code)
	}
	if code, _, errOut := runCoreCmd(t, "upf", "extra"); code != 2 || !strings.Contains(errOut, "unexpected argument") {
		t.Errorf("extra argument: exit %d: %s", code, errOut)
	}
	if code, _, _ := runCoreCmd(t, "upf", "--nope"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code, out, _ := runCoreCmd(t, "upf", "--help"); code != 0 || !strings.Contains(out, "Usage: go5g upf") {
		t.Errorf("--help: exit %d: %s", code, out)
	}
}

// TestUPFBinary builds the binary once for its subtests.
func TestUPFBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	t.Run("NotRoot", func(t *testing.T) { upfNotRoot(t, bin) })
	t.Run("EndToEnd", func(t *testing.T) { upfEndToEnd(t, bin) })
}

// upfNotRoot: without privileges `go5g upf` exits 1 at once, saying that
// the user plane is off, why, and what to do. As root the child drops to
// user nobody.
func upfNotRoot(t *testing.T, bin string) {
	cmd := exec.Command(bin, "upf")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Skip("no user nobody to drop privileges to")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// nobody must reach the binary: the test's temporary
		// directories are private to root.
		dir, err := os.MkdirTemp("", "go5g-upf-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Path = filepath.Join(dir, "go5g")
		if err := os.WriteFile(cmd.Path, b, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		t.Fatalf("go5g upf kept running without privileges:\n%s", stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1", err)
	}
	for _, want := range []string{"user plane off", "CAP_NET_ADMIN", "/dev/net/tun", "run it as root"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// Addresses of the end-to-end topology: gnb <-> upf <-> dn.
const (
	e2eGNB    = "198.18.1.1"
	e2eUPFN3  = "198.18.1.2"
	e2eUPFN6  = "198.18.2.1"
	e2eDN     = "198.18.2.2"
	e2eUE     = "10.45.0.2"
	e2eDLTEID = 0x00c0ffee
	e2ePings  = 5
)

// upfEndToEnd runs `go5g upf` in a namespace "upf" between a "gnb" and a
// "dn" namespace. The test is the SMF (an n4.Node in gnb) and the gNB (a
// UDP socket in gnb): it sets up an association and a session, sends ICMP
// echo requests from the UE address as G-PDUs, gets the data network's
// replies back as G-PDUs with the downlink TEID and QFI, checks a
// heartbeat, the usage in the Session Deletion Response, that SIGTERM
// removes the TUN, and that tshark finds nothing wrong in N3 and N4.
//
// Spec: TS 29.244 §6.2.2, §6.2.6.2, §7.5.2, §7.5.6; TS 29.281 §5.2.2.7;
// TS 38.415 §5.5.2
func upfEndToEnd(t *testing.T, bin string) {
	testenv.NeedRoot(t)
	ipTool := testenv.NeedTool(t, "ip")
	tp := netnstest.New(t)
	tp.Link(netnstest.End{Role: "gnb", Name: "upf", Addrs: []string{e2eGNB + "/24"}},
		netnstest.End{Role: "upf", Name: "gnb", Addrs: []string{e2eUPFN3 + "/24"}})
	tp.Link(netnstest.End{Role: "upf", Name: "dn", Addrs: []string{e2eUPFN6 + "/24"}},
		netnstest.End{Role: "dn", Name: "upf", Addrs: []string{e2eDN + "/24"}})
	tp.Router("upf")
	tp.Route("dn", "10.45.0.0/16", e2eUPFN6)
	gnbNS, upfNS := tp.NS("gnb"), tp.NS("upf")

	var capture *pcapcheck.Capture
	if err := pcapcheck.Available(); err != nil {
		testenv.Skip(t, err.Error())
	}
	pcap := filepath.Join(t.TempDir(), "n3n4.pcap")
	if err := gnbNS.Do(func() error {
		var err error
		capture, err = pcapcheck.Start("upf", "udp port 8805 or udp port 2152", pcap)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer capture.Stop()

	cfg := filepath.Join(t.TempDir(), "upf.yaml")
	// The defaults (N4 and N3 on every address, TUN go5g-n6, pool
	// 10.45.0.0/16) but for the address gNBs are told: this namespace has
	// two, so it must be named.
	writeFile(t, cfg, "n4: {heartbeat_interval: 1s}\nn3: {advertise: "+e2eUPFN3+"}\nworkers: 2\n")
	p := startUPF(t, exec.Command(ipTool, "netns", "exec", tp.Name("upf"), bin, "upf", "--config", cfg))
	defer p.kill()
	if links, err := upfNS.Links(); err != nil || !slices.Contains(links, "go5g-n6") {
		t.Fatalf("links in upf namespace %v (%v): no go5g-n6", links, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	upfN4 := netip.MustParseAddrPort(e2eUPFN3 + ":8805")

	// Heartbeat from a socket with no association: answered with the
	// same sequence number and the UPF's Recovery Time Stamp.
	hb, err := gnbNS.ListenPacket("udp4", e2eGNB+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer hb.Close()
	hbReq := message.NewHeartbeatRequest(0x123456, ie.NewRecoveryTimeStamp(time.Now()), nil)
	rsp := exchange(t, hb, upfN4, hbReq)
	if h, ok := rsp.(*message.HeartbeatResponse); !ok || h.Sequence() != 0x123456 || h.RecoveryTimeStamp == nil {
		t.Fatalf("heartbeat answered with %T %+v", rsp, rsp)
	}

	// The SMF: CP-initiated association.
	smfConn, err := gnbNS.ListenPacket("udp4", e2eGNB+":8805")
	if err != nil {
		t.Fatal(err)
	}
	smf, err := n4.New(n4.Config{Function: n4.CP, NodeID: e2eGNB, Conn: smfConn, HeartbeatInterval: -1, T1: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer smf.Close()
	peer, err := smf.Associate(ctx, upfN4)
	if err != nil {
		t.Fatalf("association: %v\n%s", err, p.logs())
	}
	if asr, ok := peer.SetupMessage().(*message.AssociationSetupResponse); !ok || asr.UPFunctionFeatures == nil ||
		len(asr.UPFunctionFeatures.Payload) == 0 || asr.UPFunctionFeatures.Payload[0]&0x10 == 0 {
		t.Errorf("setup response %+v: want UP Function Features with FTUP", peer.SetupMessage())
	}
	if peer.NodeID() != e2eUPFN3 {
		t.Errorf("UPF Node ID %q, want %s (the N3 address, as N4 listens on every address)", peer.NodeID(), e2eUPFN3)
	}

	ss, err := peer.NewSession(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ss.Request(ctx, message.NewSessionEstablishmentRequest(0, 0, 0, 0, 0, sessionIEs(ss.LocalSEID())...))
	if err != nil {
		t.Fatal(err)
	}
	est, ok := m.(*message.SessionEstablishmentResponse)
	if !ok || n4.Cause(m) != ie.CauseRequestAccepted || len(est.CreatedPDR) != 1 {
		t.Fatalf("establishment: %T cause %d", m, n4.Cause(m))
	}
	fteid, err := est.CreatedPDR[0].FTEID()
	if err != nil || fteid.TEID == 0 || !fteid.IPv4Address.Equal(net.ParseIP(e2eUPFN3)) {
		t.Fatalf("created F-TEID %+v (%v): want a TEID at %s", fteid, err, e2eUPFN3)
	}

	// The gNB: echo requests up, replies down.
	gnb, err := gnbNS.ListenPacket("udp4", e2eGNB+":2152")
	if err != nil {
		t.Fatal(err)
	}
	defer gnb.Close()
	upfN3 := net.UDPAddrFromAddrPort(netip.MustParseAddrPort(e2eUPFN3 + ":2152"))
	var rtts []time.Duration
	buf := make([]byte, 2048)
	for seq := range e2ePings {
		req := icmpEcho(netip.MustParseAddr(e2eUE), netip.MustParseAddr(e2eDN), uint16(seq))
		g := n3.NewGPDU(fteid.TEID, req)
		g.AddExtension(n3.ExtensionHeader{Type: n3.ExtPDUSessionContainer, PDUSession: n3.PDUSessionContainer{PDUType: n3.PDUTypeUL, QFI: 1}})
		out := make([]byte, g.MarshalLen())
		if _, err := g.MarshalTo(out); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := gnb.WriteTo(out, upfN3); err != nil {
			t.Fatal(err)
		}
		gnb.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := gnb.ReadFrom(buf)
		if err != nil {
			t.Fatalf("echo %d: no reply: %v\n%s", seq, err, p.logs())
		}
		rtts = append(rtts, time.Since(start))
		var pkt n3.Packet
		if err := pkt.Parse(buf[:n]); err != nil {
			t.Fatalf("reply %d: %v", seq, err)
		}
		psc := pkt.PDUSession()
		if pkt.TEID != e2eDLTEID || psc == nil || psc.PDUType != n3.PDUTypeDL || psc.QFI != 1 {
			t.Fatalf("reply %d: TEID %#x, PDU Session Container %+v; want TEID %#x, DL, QFI 1", seq, pkt.TEID, psc, e2eDLTEID)
		}
		if err := checkEchoReply(pkt.Payload, uint16(seq)); err != nil {
			t.Fatalf("reply %d: %v", seq, err)
		}
	}
	slices.Sort(rtts)
	t.Logf("ICMP echo through the UPF (gNB to DN and back), %d pings: min %v median %v max %v", e2ePings, rtts[0], rtts[len(rtts)/2], rtts[len(rtts)-1])

	// Deletion: the final usage counts what was sent.
	m, err = ss.Request(ctx, message.NewSessionDeletionRequest(0, 0, 0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	del, ok := m.(*message.SessionDeletionResponse)
	if !ok || n4.Cause(m) != ie.CauseRequestAccepted || len(del.UsageReport) != 1 {
		t.Fatalf("deletion: %T cause %d", m, n4.Cause(m))
	}
	vm, err := del.UsageReport[0].VolumeMeasurement()
	const size = 84 // IPv4 20 + ICMP 8 + 56 octets of data
	if err != nil || vm.UplinkNumberOfPackets != e2ePings || vm.DownlinkNumberOfPackets != e2ePings ||
		vm.UplinkVolume != e2ePings*size || vm.DownlinkVolume != e2ePings*size {
		t.Errorf("usage %+v (%v): want %d packets of %d octets each way", vm, err, e2ePings, size)
	}
	if err := peer.Release(ctx); err != nil {
		t.Errorf("association release: %v", err)
	}

	// SIGTERM: exit 0, the TUN is gone.
	logs, err := p.stop()
	if err != nil {
		t.Errorf("go5g upf after SIGTERM: %v\n%s", err, logs)
	}
	for _, want := range []string{"upf running", "n3_advertised=" + e2eUPFN3, "n6=go5g-n6", "pools=10.45.0.0/16", "workers=2", "n4: association up", "upf stopped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if links, err := upfNS.Links(); err != nil || slices.Contains(links, "go5g-n6") {
		t.Errorf("after exit, links %v (%v): go5g-n6 still there", links, err)
	}

	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}
	decode := []string{"udp.port==8805,pfcp", "udp.port==2152,gtp"}
	problems, err := pcapcheck.Check(pcap, decode, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range problems {
		t.Errorf("tshark: %+v", pr)
	}
	// tshark's reading, independent of our codecs: every G-PDU carries
	// ICMP with a PDU Session Container of QFI 1 (UL to the chosen TEID,
	// DL to ours), and the Session Deletion Response the packet counts.
	rows, err := pcapcheck.Fields(pcap, decode, "gtp && icmp", "gtp.teid", "gtp.ext_hdr.pdu_ses_con.pdu_type",
		"gtp.ext_hdr.pdu_ses_con.qos_flow_id", "icmp.type")
	if err != nil {
		t.Fatal(err)
	}
	ulTEID := strconv.FormatUint(uint64(fteid.TEID), 16)
	var ul, dl int
	for _, r := range rows {
		teid := strings.TrimLeft(strings.TrimPrefix(r[0], "0x"), "0")
		switch { // pdu_type 1 UL, 0 DL; ICMP 8 request, 0 reply
		case teid == ulTEID && r[1] == "1" && r[2] == "1" && r[3] == "8":
			ul++
		case teid == strconv.FormatUint(e2eDLTEID, 16) && r[1] == "0" && r[2] == "1" && r[3] == "0":
			dl++
		default:
			t.Errorf("tshark: unexpected G-PDU %q", r)
		}
	}
	if ul != e2ePings || dl != e2ePings {
		t.Errorf("tshark: %d uplink and %d downlink G-PDUs, want %d each", ul, dl, e2ePings)
	}
	rows, err = pcapcheck.Fields(pcap, decode, "pfcp.msg_type == 55", "pfcp.volume_measurement.ulnop", "pfcp.volume_measurement.dlnop")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || len(rows[0]) != 2 || rows[0][0] != strconv.Itoa(e2ePings) || rows[0][1] != strconv.Itoa(e2ePings) {
		t.Errorf("tshark: Session Deletion Response packet counts %q, want %d and %d", rows, e2ePings, e2ePings)
	}
}

// sessionIEs are an SMF's rules for one PDU session of UE 10.45.0.2 whose
// gNB tunnel is already known: UL PDR with CHOOSE and QFI 1, DL PDR on the
// UE address, FARs to core and to access (GTP-U to the gNB), QER with
// QFI 1, a URR measuring volume. Spec: TS 29.244 §7.5.2.1
func sessionIEs(cpSEID uint64) []*ie.IE {
	return []*ie.IE{
		ie.NewNodeID(e2eGNB, "", ""),
		ie.NewFSEID(cpSEID, net.ParseIP(e2eGNB).To4(), nil),
		ie.NewCreatePDR(ie.NewPDRID(1), ie.NewPrecedence(255),
			ie.NewPDI(ie.NewSourceInterface(ie.SrcInterfaceAccess),
				ie.NewFTEID(0x05, 0, nil, nil, 0), // V4 + CH
				ie.NewNetworkInstance("internet"),
				ie.NewUEIPAddress(0x02, e2eUE, "", 0, 0),
				ie.NewQFI(1)),
			ie.NewOuterHeaderRemoval(0, 0), ie.NewFARID(1), ie.NewQERID(1), ie.NewURRID(1)),
		ie.NewCreatePDR(ie.NewPDRID(2), ie.NewPrecedence(255),
			ie.NewPDI(ie.NewSourceInterface(ie.SrcInterfaceCore),
				ie.NewNetworkInstance("internet"),
				ie.NewUEIPAddress(0x06, e2eUE, "", 0, 0)), // V4 + S/D
			ie.NewFARID(2), ie.NewQERID(1), ie.NewURRID(1)),
		ie.NewCreateFAR(ie.NewFARID(1), ie.NewApplyAction(0x02),
			ie.NewForwardingParameters(ie.NewDestinationInterface(ie.DstInterfaceCore), ie.NewNetworkInstance("internet"))),
		ie.NewCreateFAR(ie.NewFARID(2), ie.NewApplyAction(0x02),
			ie.NewForwardingParameters(ie.NewDestinationInterface(ie.DstInterfaceAccess),
				ie.NewOuterHeaderCreation(0x0100, e2eDLTEID, e2eGNB, "", 0, 0, 0))),
		ie.NewCreateQER(ie.NewQERID(1), ie.NewGateStatus(ie.GateStatusOpen, ie.GateStatusOpen), ie.NewQFI(1)),
		ie.NewCreateURR(ie.NewURRID(1), ie.NewMeasurementMethod(0, 1, 1), ie.NewReportingTriggers(0x02, 0x00),
			ie.NewVolumeThreshold(0x01, 1<<30, 0, 0)),
		ie.NewPDNType(ie.PDNTypeIPv4),
	}
}

// exchange sends a node-level request from pc to addr and returns the
// parsed response.
func exchange(t *testing.T, pc net.PacketConn, addr netip.AddrPort, req message.Message) message.Message {
	t.Helper()
	b := make([]byte, req.MarshalLen())
	if err := req.MarshalTo(b); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.WriteTo(b, net.UDPAddrFromAddrPort(addr)); err != nil {
		t.Fatal(err)
	}
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no answer to %s: %v", req.MessageTypeName(), err)
	}
	m, err := message.Parse(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func inetChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// icmpEcho is an IPv4 ICMP echo request (id 0x4747) with 56 octets of data.
// Spec: RFC 792
func icmpEcho(src, dst netip.Addr, seq uint16) []byte {
	p := make([]byte, 84)
	p[0], p[8], p[9] = 0x45, 64, 1 // version/IHL, TTL, protocol ICMP
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	copy(p[12:16], src.AsSlice())
	copy(p[16:20], dst.AsSlice())
	binary.BigEndian.PutUint16(p[10:], inetChecksum(p[:20]))
	icmp := p[20:]
	icmp[0] = 8 // echo request
	binary.BigEndian.PutUint16(icmp[4:], 0x4747)
	binary.BigEndian.PutUint16(icmp[6:], seq)
	for i := 8; i < len(icmp); i++ {
		icmp[i] = byte(i)
	}
	binary.BigEndian.PutUint16(icmp[2:], inetChecksum(icmp))
	return p
}

// checkEchoReply checks an IPv4 echo reply from the DN host to the UE.
func checkEchoReply(p []byte, seq uint16) error {
	if len(p) != 84 || p[0] != 0x45 || p[9] != 1 {
		return errors.New("not an 84-octet IPv4 ICMP packet")
	}
	src, _ := netip.AddrFromSlice(p[12:16])
	dst, _ := netip.AddrFromSlice(p[16:20])
	icmp := p[20:]
	if src.String() != e2eDN || dst.String() != e2eUE || icmp[0] != 0 ||
		binary.BigEndian.Uint16(icmp[4:]) != 0x4747 || binary.BigEndian.Uint16(icmp[6:]) != seq {
		return errors.New("not the echo reply " + strconv.Itoa(int(seq)) + " from " + e2eDN + " to " + e2eUE)
	}
	if inetChecksum(icmp) != 0 || inetChecksum(p[:20]) != 0 {
		return errors.New("bad checksum")
	}
	return nil
}

// upfProcess is a running `go5g upf` and its collected stderr.
type upfProcess struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan error
}

// startUPF starts cmd and returns once it logged "upf running".
func startUPF(t *testing.T, cmd *exec.Cmd) *upfProcess {
	t.Helper()
	p := &upfProcess{cmd: cmd, done: make(chan error, 1)}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			p.mu.Lock()
			p.buf.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if !signalled && strings.Contains(sc.Text(), "upf running") {
				signalled = true
				close(running)
			}
		}
		io.Copy(io.Discard, stderr)
		p.done <- cmd.Wait()
	}()
	select {
	case <-running:
		return p
	case err := <-p.done:
		t.Fatalf("go5g upf exited: %v\n%s", err, p.logs())
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("go5g upf did not start in 30 s:\n%s", p.logs())
	}
	return nil
}

func (p *upfProcess) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

// stop sends SIGTERM and waits for the exit; it returns the logs and the
// exit error.
func (p *upfProcess) stop() (string, error) {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return p.logs(), err
	}
	select {
	case err := <-p.done:
		p.done <- err
		return p.logs(), err
	case <-time.After(10 * time.Second):
		p.kill()
		return p.logs(), errors.New("no exit within 10 s of SIGTERM")
	}
}

// kill ends the process if it still runs (test failure paths).
func (p *upfProcess) kill() {
	select {
	case err := <-p.done:
		p.done <- err
	default:
		p.cmd.Process.Kill()
		p.done <- <-p.done
	}
}
