package core

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/n3"
	"go5g/internal/netns/netnstest"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/smf"
	"go5g/internal/store"
	"go5g/internal/suci"
	"go5g/internal/testenv"
	"go5g/internal/tun"
	"go5g/internal/upfnode"
)

const sessSUPI = "imsi-999700000000001"

// startWith is start with setup applied to the Core before Run.
func startWith(t *testing.T, cfg Config, setup func(*Core)) *started {
	t.Helper()
	lb := &logBuffer{}
	c, err := New(cfg, slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	setup(c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-c.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v\n%s", err, lb)
	case <-time.After(15 * time.Second):
		cancel()
		t.Fatal("core not ready after 15 s")
	}
	var once sync.Once
	var runErr error
	s := &started{core: c, log: lb, stop: func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				runErr = errors.New("Run did not return 10 s after cancel")
			}
		})
		return runErr
	}}
	t.Cleanup(func() { s.stop() })
	return s
}

// provision adds the test subscriber (null-scheme SUCI) to cfg's store.
func provision(t *testing.T, cfg Config) {
	t.Helper()
	st, err := store.Open(cfg.StorePath())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.AddSubscribers(context.Background(), store.Subscriber{
		SUPI: sessSUPI, K: store.Secret(testK[:]), OPc: store.Secret(testOPc[:]),
		AMF: [2]byte{0x80, 0x00}, AuthMethod: store.AuthMethod5GAKA,
		SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1},
		DNNs: []string{"internet"}, AMBR: store.AMBR{Uplink: 1e9, Downlink: 2e9},
	}); err != nil {
		t.Fatal(err)
	}
}

// registeredUE connects a gNB (N3 address n3) to the core and registers
// the test subscriber through it.
func registeredUE(t *testing.T, s *started, cfg Config, n3 netip.Addr) (*gnb.GNB, *ue.UE) {
	t.Helper()
	plmn := n2.PLMN{MCC: cfg.PLMN.MCC, MNC: cfg.PLMN.MNC}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	g, err := gnb.Connect(ctx, gnb.Config{
		AMF: "127.0.0.1:38412", Transport: sctp.TransportUDP,
		SCTP: sctp.Options{RemoteUDPPort: int(s.core.N2Addr().(sctp.Addr).UDPPort)},
		ID:   n2.GlobalGNBID{PLMN: plmn, ID: 1, IDLength: 22}, Name: "gnb-sess-test",
		PLMN: plmn, TAC: 1, Slices: []n2.SNSSAI{{SST: 1}}, CellID: 1 << 14, N3Addr: n3,
	})
	if err != nil {
		t.Fatalf("gNB: %v\n%s", err, s.log)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		g.Close(ctx)
	})
	supi, err := suci.NewIMSI(cfg.PLMN.MCC, cfg.PLMN.MNC, "0000000001")
	if err != nil {
		t.Fatal(err)
	}
	u, err := ue.New(ue.Config{SUPI: supi, K: testK, OPc: testOPc, RequestedNSSAI: []n2.SNSSAI{{SST: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.Close)
	if res, err := u.Register(ctx, g); err != nil || !res.Registered {
		t.Fatalf("Register: %+v %v\n%s", res, err, s.log)
	}
	return g, u
}

// startLine is the "go5g core running" line of the log.
func startLine(log string) string {
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "go5g core running") {
			return l
		}
	}
	return ""
}

// TestUserPlaneOff: on a host where the UPF cannot open its TUN (not
// root), the core still registers UEs, says plainly that the user plane
// is off and why, and rejects PDU sessions with 5GSM cause #26.
// Spec: TS 24.501 §6.4.1.4.2, Annex B (#26 insufficient resources)
func TestUserPlaneOff(t *testing.T) {
	cfg := testConfig(t)
	d := Defaults()
	cfg.UPF, cfg.SMF.UPFs = d.UPF, d.SMF.UPFs
	provision(t, cfg)
	why := fmt.Errorf("user plane off: open /dev/net/tun: operation not permitted: %w", tun.ErrUnavailable)
	opened := false
	s := startWith(t, cfg, func(c *Core) {
		c.newUPF = func(upfnode.Config, *slog.Logger) (*upfnode.Node, error) { opened = true; return nil, why }
	})
	if !opened {
		t.Fatal("the core did not try to open its UPF")
	}
	g, u := registeredUE(t, s, cfg, netip.MustParseAddr("127.0.0.3"))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := u.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4)
	var re *ue.SessionRejectError
	if !errors.As(err, &re) || re.Cause != n1.SMCauseInsufficientResources {
		t.Fatalf("EstablishPDUSession = %v; want PDU SESSION ESTABLISHMENT REJECT #26\n%s", err, s.log)
	}
	logged := s.log.String()
	if !strings.Contains(logged, `msg="user plane off: open /dev/net/tun: operation not permitted: user plane needs root (CAP_NET_ADMIN) and /dev/net/tun"`) {
		t.Errorf("no plain \"user plane off: <why>\" line:\n%s", logged)
	}
	line := startLine(logged)
	for _, w := range []string{"nfs=amf,ausf,udm,udr,smf,pcf,nssf ", `user_plane="off: open /dev/net/tun`} {
		if !strings.Contains(line, w) {
			t.Errorf("start line lacks %s:\n%s", w, line)
		}
	}
	if st := s.core.SMF().Stats(); st.Rejected != 1 || st.Active != 0 {
		t.Errorf("SMF stats %+v", st)
	}
}

// TestNoUPF: with no UPF configured the core runs its SMF and says the
// user plane is off.
func TestNoUPF(t *testing.T) {
	s := start(t, testConfig(t))
	if line := startLine(s.log.String()); !strings.Contains(line, `user_plane="off: no UPF configured"`) {
		t.Errorf("start line: %s", line)
	}
	if s.core.SMFN4() != nil {
		t.Error("a PFCP node without UPFs")
	}
}

// TestEmbeddedUPF runs the core with its UPF in a network namespace of
// the test's own (as root): a UE registers and establishes a PDU session
// over real N4 to the embedded UPF, then an ICMP echo request sent as a
// G-PDU on the session's uplink tunnel reaches the UPF's TUN, the kernel
// answers, and the reply comes back to the gNB's N3 address as a G-PDU
// with the gNB's TEID and the session's QFI.
// Spec: TS 23.502 §4.3.2.2.1; TS 29.244 §7.5.2, §7.5.4; TS 29.281 §5.1
func TestEmbeddedUPF(t *testing.T) {
	testenv.NeedRoot(t)
	if err := tun.Probe(); err != nil {
		t.Skipf("no TUN here: %v", err)
	}
	ns := netnstest.New(t).NS("core")
	cfg := testConfig(t)
	d := Defaults()
	cfg.UPF, cfg.SMF.UPFs = d.UPF, d.SMF.UPFs
	cfg.UPF.N3.Address = "127.0.0.2:2152"
	cfg.UPF.N6.Device = "n6core"
	cfg.UPF.N6.Addresses = []string{"10.45.255.254/32"}
	cfg.UPF.Workers = 1
	cfg.SMF.DNNs[0].IPv6Pool = ""
	provision(t, cfg)
	s := startWith(t, cfg, func(c *Core) { c.OpenUserPlane = ns.Do })
	line := startLine(s.log.String())
	for _, w := range []string{"nfs=amf,ausf,udm,udr,smf,pcf,nssf,upf ", `user_plane="on: embedded UPF n4 127.0.0.1:8805 n3 127.0.0.2 n6 n6core"`} {
		if !strings.Contains(line, w) {
			t.Errorf("start line lacks %s:\n%s", w, line)
		}
	}
	if !s.core.SMFN4().UPF("upf").Associated() {
		t.Fatalf("no PFCP association with the embedded UPF at Ready\n%s", s.log)
	}

	// The gNB's N3 socket, in the namespace, where the UPF sends downlink.
	gpc, err := ns.ListenPacket("udp4", "127.0.0.1:2152")
	if err != nil {
		t.Fatal(err)
	}
	defer gpc.Close()
	g, u := registeredUE(t, s, cfg, netip.MustParseAddr("127.0.0.1"))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sess, err := u.EstablishPDUSession(ctx, g, "internet", nil, n1.PDUSessionTypeIPv4)
	if err != nil {
		t.Fatalf("EstablishPDUSession: %v\n%s", err, s.log)
	}
	// The UE has the accept before the gNB's PDU Session Resource Setup
	// Response reaches the SMF and the UPF's DL FAR: wait for the latter.
	var info smf.SessionInfo
	var ok bool
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		info, ok = s.core.SMF().Session(sessSUPI, sess.ID)
		if ok && info.Active || time.Now().After(deadline) {
			break
		}
	}
	if !ok || !info.Active || info.UL.Addr != netip.MustParseAddr("127.0.0.2") || info.UL.TEID == 0 ||
		info.DL.Addr != netip.MustParseAddr("127.0.0.1") || info.IPv4 != sess.IPv4 || !sess.IPv4.IsValid() {
		t.Fatalf("session %+v (UE sees %+v)\n%s", info, sess, s.log)
	}
	if st := s.core.SMFN4().UPF("upf").Stats(); st.Sessions != 1 {
		t.Errorf("N4 stats %+v", st)
	}

	// Ping the UPF's TUN address from the UE, through the tunnel.
	echo := icmpEcho(sess.IPv4, netip.MustParseAddr("10.45.255.254"), 0x4242)
	p := n3.NewGPDU(info.UL.TEID, echo)
	if err := p.AddExtension(n3.ExtensionHeader{Type: n3.ExtPDUSessionContainer,
		PDUSession: n3.PDUSessionContainer{PDUType: n3.PDUTypeUL, QFI: info.QFI}}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, p.MarshalLen())
	if _, err := p.MarshalTo(b); err != nil {
		t.Fatal(err)
	}
	if _, err := gpc.WriteTo(b, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 2152}); err != nil {
		t.Fatal(err)
	}
	gpc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, _, err := gpc.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no downlink G-PDU: %v (UPF %+v)\n%s", err, s.core.sessions.upf.Stats(), s.log)
	}
	var r n3.Packet
	if err := r.Parse(buf[:n]); err != nil {
		t.Fatal(err)
	}
	if r.TEID != info.DL.TEID || r.PDUSession() == nil || r.PDUSession().QFI != info.QFI {
		t.Errorf("downlink TEID %#x container %+v; want TEID %#x QFI %d", r.TEID, r.PDUSession(), info.DL.TEID, info.QFI)
	}
	ip := r.Payload
	if len(ip) < 28 || ip[9] != 1 || ip[20] != 0 || !bytes.Equal(ip[16:20], sess.IPv4.AsSlice()) ||
		binary.BigEndian.Uint16(ip[24:]) != 0x4242 {
		t.Errorf("downlink payload is not the echo reply to the UE: % x", ip)
	}
}

// icmpEcho is an IPv4 ICMP echo request with valid checksums (the kernel
// checks them on what the TUN gives it).
func icmpEcho(src, dst netip.Addr, id uint16) []byte {
	b := make([]byte, 20+8+16)
	b[0], b[8], b[9] = 0x45, 64, 1
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	copy(b[12:16], src.AsSlice())
	copy(b[16:20], dst.AsSlice())
	binary.BigEndian.PutUint16(b[10:], checksum(b[:20]))
	m := b[20:]
	m[0] = 8 // echo request
	binary.BigEndian.PutUint16(m[4:], id)
	binary.BigEndian.PutUint16(m[6:], 1)
	copy(m[8:], "go5g-core-test!!")
	binary.BigEndian.PutUint16(m[2:], checksum(m))
	return b
}

// checksum is the Internet checksum (RFC 1071).
func checksum(b []byte) uint16 {
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
