package core

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/api"
	"go5g/internal/ausf"
	"go5g/internal/metrics"
	"go5g/internal/sctp"
	"go5g/internal/smf"
	"go5g/internal/store"
	"go5g/internal/suci"
	"go5g/internal/udm"
	"go5g/internal/udr"
)

// Core is every NF of go5g in one process: the store, UDR, UDM, AUSF, AMF,
// SMF, PCF and NSSF wired through their Go interfaces, and a UPF embedded
// when this process may run a user plane.
type Core struct {
	cfg Config
	amf amf.Config
	log *slog.Logger

	started atomic.Bool
	ready   chan struct{}
	n2Addr  net.Addr
	running *amf.AMF
	store   store.Store
	apiAddr net.Addr

	// Notices receives what the operator must see once and that must not
	// go to the logs: the first admin password. Default: discarded.
	Notices   io.Writer
	transport sctp.Transport

	// OpenUserPlane, when set, runs open, which opens the embedded UPF
	// (TUN, N3 and N4 sockets) and the SMF's N4 socket; tests pass a
	// network namespace's Do so that nothing appears on the host. Set it
	// before Run.
	OpenUserPlane func(open func() error) error

	sessions *sessionNFs
	newUPF   newUPFFunc // tests: an unprivileged host
	caches   api.Caches
}

// New checks cfg and returns a Core; Run starts it. log may be nil.
func New(cfg Config, log *slog.Logger) (*Core, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ac, err := cfg.amfConfig()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Core{cfg: cfg, amf: ac, log: log, ready: make(chan struct{})}, nil
}

// NewLogger returns the logger lc describes, writing to w; debug forces
// the debug level (the -v flag).
func NewLogger(w io.Writer, lc LogConfig, debug bool) *slog.Logger {
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(lc.Level)); err != nil {
		level = slog.LevelInfo // Validate refuses it; never fail on a logger
	}
	if debug {
		level = slog.LevelDebug
	}
	opt := &slog.HandlerOptions{Level: level}
	if lc.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opt))
	}
	return slog.New(slog.NewTextHandler(w, opt))
}

// Ready is closed once the AMF listens on N2. It is never closed if Run
// fails before that; callers wait on Run's result too.
func (c *Core) Ready() <-chan struct{} { return c.ready }

// N2Addr is the bound N2 address (an sctp.Addr, with the UDP port of
// transport udp); valid once Ready is closed.
func (c *Core) N2Addr() net.Addr { return c.n2Addr }

// Transport is the SCTP transport N2 runs over (auto resolved); valid once
// Ready is closed.
func (c *Core) Transport() sctp.Transport { return c.transport }

// APIAddr is the REST API's bound address, nil when it is off; valid once
// Ready is closed.
func (c *Core) APIAddr() net.Addr { return c.apiAddr }

// AMF is the running AMF, for operations (UE queries, NG Reset, GUTI
// reallocation); valid once Ready is closed, until Run returns.
func (c *Core) AMF() *amf.AMF { return c.running }

// Store is the open store; valid once Ready is closed, until Run returns.
func (c *Core) Store() store.Store { return c.store }

// SMF is the running SMF, for operations (session queries); valid once
// Ready is closed, until Run returns.
func (c *Core) SMF() *smf.SMF { return c.sessions.smf }

// SMFN4 is the SMF's PFCP node, nil when no UPF is reachable; valid once
// Ready is closed, until Run returns.
func (c *Core) SMFN4() *smf.N4 { return c.sessions.n4 }

// Run opens the store (creating it and bringing its schema up to date),
// builds UDR → UDM → AUSF, the PCF, NSSF, embedded UPF and SMF (with its
// PFCP associations) and the AMF, and serves N2 until ctx is done. Then
// the AMF ends its associations, the SMF releases its PFCP associations,
// the UPF stops (removing its TUN), the store is closed, and Run returns
// nil.
// Run may be called once.
func (c *Core) Run(ctx context.Context) (err error) {
	if !c.started.CompareAndSwap(false, true) {
		return errors.New("core: Run called twice; make a new Core")
	}
	path := c.cfg.StorePath()
	opts, err := c.cfg.StoreOptions()
	if err != nil {
		return err
	}
	st, err := store.Open(path, opts...)
	if err != nil {
		return fmt.Errorf("%w (check that this user may write there, or point store / --store elsewhere)", err)
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()

	plmns := []models.PlmnId{{Mcc: c.cfg.PLMN.MCC, Mnc: c.cfg.PLMN.MNC}}
	r, err := udr.New(udr.Config{}, udr.Deps{Store: st})
	if err != nil {
		return err
	}
	c.caches = r // the API invalidates the UDR caches (startAPI)
	// The UDM notifies the AMF it replaces, and the AMF needs the UDM: the
	// notifier is bound once the AMF exists.
	notify := &lateNotifier{}
	d, err := udm.New(udm.Config{ServingPLMNs: plmns}, udm.Deps{UDR: r, Notifier: notify})
	if err != nil {
		return err
	}
	au, err := ausf.New(ausf.Config{PLMNs: plmns, InstanceID: newUUID()}, ausf.Deps{UDM: d})
	if err != nil {
		return err
	}

	sess, err := c.startSessions(d)
	if err != nil {
		return err
	}
	c.sessions = sess
	sess.run()
	defer sess.stop()
	if err := c.loadPolicies(ctx, st, sess.pcf); err != nil {
		return err
	}

	l, t, why, err := listenN2(ctx, c.amf.N2)
	if err != nil {
		return err
	}
	m := metrics.New()
	a, err := amf.New(c.amf, amf.Deps{AUSF: au, UDM: d, SMF: sess.smf, Log: c.log, N2Listener: l, Latency: m.Latency})
	if err != nil {
		l.Close()
		return err
	}
	notify.amf.Store(a)
	sess.smf.SetAMF(a)
	if err := c.addMetrics(m, a, sess); err != nil {
		l.Close()
		return err
	}

	keys, err := st.HomeNetworkKeys(ctx)
	if err != nil {
		l.Close()
		return fmt.Errorf("read home network keys: %w", err)
	}
	c.n2Addr, c.transport, c.running, c.store = l.Addr(), t, a, st
	stopAPI, err := c.startAPI(ctx, st, m)
	if err != nil {
		l.Close()
		return err
	}
	defer stopAPI()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	sess.waitAssociated(ctx, 3*time.Second)
	select {
	case <-a.Ready():
	case err := <-done:
		return err
	}
	// "running" is said once the AMF serves N2, so whoever waits for it
	// (an operator, a test) also sees "stopped" at the end.
	c.logStart(t, why, path, keys)
	close(c.ready)
	err = <-done
	c.log.Info("go5g core stopped")
	if err != nil && !errors.Is(err, sctp.ErrClosed) {
		return err
	}
	return nil
}

// logStart writes the one line that says what runs where, and a warning
// when SUCIs other than the null scheme cannot be deconcealed.
func (c *Core) logStart(t sctp.Transport, why, path string, keys []suci.HomeNetworkKey) {
	attrs := []any{
		"n2", c.n2Addr.String(), "transport", string(t),
	}
	if why != "" {
		attrs = append(attrs, "transport_reason", why)
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = "profile " + k.Scheme.String() + " id " + strconv.Itoa(int(k.ID))
	}
	if len(names) == 0 {
		names = []string{"none"}
	}
	attrs = append(attrs,
		"plmn", c.cfg.PLMN.MCC+"-"+c.cfg.PLMN.MNC,
		"amf", c.amf.Name,
		"store", store.MaskDSN(path),
		"api", apiURL(c.apiAddr),
		"suci_keys", strings.Join(names, ", "),
		"nfs", c.nfs(),
		"user_plane", c.sessions.userPlane)
	c.log.Info("go5g core running", attrs...)
	if len(keys) == 0 {
		c.log.Warn("no SUCI home network keys in the store: UEs that conceal their SUPI with Profile A or B cannot be identified, only the null scheme works",
			"fix", "go5g keys generate --profile A --id 1 --store "+path+" (then provision the printed public key in the USIMs)")
	}
}

// nfs lists the NFs running in this process.
func (c *Core) nfs() string {
	n := "amf,ausf,udm,udr,smf,pcf,nssf"
	if c.sessions.upf != nil {
		n += ",upf"
	}
	return n
}

// listenN2 opens the N2 listener on the transport the configuration asks
// for, resolving auto here so the start line can say what was chosen and
// why. Transport udp with UDP port 0 binds any free port (tests).
func listenN2(ctx context.Context, n amf.N2Config) (sctp.Listener, sctp.Transport, string, error) {
	t, why := n.Transport, ""
	if t == sctp.TransportAuto {
		if err := sctp.KernelAvailable(); err == nil {
			t, why = sctp.TransportKernel, "auto: this kernel has SCTP"
		} else {
			t, why = sctp.TransportUDP, "auto: no kernel SCTP here, so SCTP over UDP (RFC 6951); gNBs must speak it too, or load the sctp module / use transport ip as root"
		}
	}
	if t == sctp.TransportUDP && n.UDPPort == 0 {
		ap, err := hostPort(ctx, n.Address)
		if err != nil {
			return nil, t, why, fmt.Errorf("amf.n2.address: %w", err)
		}
		l, err := sctp.ListenUDP(netip.AddrPortFrom(ap.Addr(), 0), ap.Port(), n.SCTP)
		if err != nil {
			return nil, t, why, fmt.Errorf("amf.n2: listen udp on %s: %w", n.Address, err)
		}
		return l, t, why, nil
	}
	l, t, err := sctp.Listen(ctx, t, n.Address, sctp.Options{Config: n.SCTP, UDPPort: n.UDPPort})
	if err != nil {
		return nil, t, why, fmt.Errorf("amf.n2: %w", err)
	}
	return l, t, why, nil
}

// hostPort resolves host:port; an empty host is every IPv4 address.
func hostPort(ctx context.Context, s string) (netip.AddrPort, error) {
	host, ps, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	port, err := strconv.ParseUint(ps, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port %q: %w", ps, err)
	}
	if host == "" {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port)), nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(ip.Unmap(), uint16(port)), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return netip.AddrPort{}, fmt.Errorf("resolve %s: %v", host, err)
	}
	return netip.AddrPortFrom(ips[0].Unmap(), uint16(port)), nil
}

// lateNotifier forwards the UDM's DeregistrationNotification to the AMF
// once it exists; before that there is no AMF registration to replace.
type lateNotifier struct{ amf atomic.Pointer[amf.AMF] }

func (n *lateNotifier) DeregistrationNotify(ctx context.Context, amfInstanceID, supi string, data models.Udm_UECM_DeregistrationData) {
	if a := n.amf.Load(); a != nil {
		a.DeregistrationNotify(ctx, amfInstanceID, supi, data)
	}
}

// newUUID is a random UUID (version 4, RFC 9562 §5.4), the form of an NF
// instance id (TS 29.571 NfInstanceId).
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
