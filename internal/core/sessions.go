package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/nssf"
	"go5g/internal/pcf"
	"go5g/internal/rules"
	"go5g/internal/smf"
	"go5g/internal/tun"
	"go5g/internal/udm"
	"go5g/internal/upfnode"
)

// sessionNFs are the NFs of PDU sessions that Run starts beside the AMF:
// the SMF with its PCF, the NSSF, the SMF's PFCP node and the embedded UPF.
type sessionNFs struct {
	smf  *smf.SMF
	pcf  *pcf.PCF
	nssf *nssf.NSSF
	n4   *smf.N4       // nil when no UPF is reachable over PFCP
	upf  *upfnode.Node // nil when not embedded or the user plane is off
	// userPlane is the start line's user_plane attribute.
	userPlane           string
	n4Done, upfDone     sync.WaitGroup
	cancelN4, cancelUPF context.CancelFunc
}

// startSessions builds the PCF, NSSF, UPF and SMF and starts the N4 node
// and the embedded UPF. When the embedded UPF cannot run for lack of
// privileges (tun.ErrUnavailable) the core keeps serving signalling: the
// log says "user plane off: <why>" and the SMF answers every PDU session
// request for that UPF with 5GSM cause #26 (smf.UnavailableError).
func (c *Core) startSessions(d *udm.UDM) (*sessionNFs, error) {
	s := &sessionNFs{}
	var err error
	if s.pcf, err = pcf.New(pcf.Config{}, pcf.Deps{}); err != nil {
		return nil, fmt.Errorf("pcf: %w", err)
	}
	if s.nssf, err = nssf.New(c.nssfConfig(), nssf.Deps{}); err != nil {
		return nil, fmt.Errorf("nssf: %w", err)
	}
	open := c.OpenUserPlane
	if open == nil {
		open = func(f func() error) error { return f() }
	}
	newUPF := c.newUPF
	if newUPF == nil {
		newUPF = upfnode.New
	}
	upfs := map[string]smf.UPF{}
	var peers []smf.N4Peer
	var off error
	var conn net.PacketConn
	err = open(func() error {
		if c.cfg.UPF.Enabled && c.cfg.embedded() {
			n, err := newUPF(c.cfg.upfnodeConfig(), c.log.With("nf", "upf"))
			switch {
			case errors.Is(err, tun.ErrUnavailable):
				off = err
			case err != nil:
				return fmt.Errorf("upf: %w", err)
			default:
				s.upf = n
			}
		}
		for _, u := range c.cfg.SMF.UPFs {
			switch {
			case u.N4Address != "":
				ap, _ := netip.ParseAddrPort(u.N4Address)
				peers = append(peers, smf.N4Peer{Name: u.Name, Addr: ap})
			case s.upf != nil:
				peers = append(peers, smf.N4Peer{Name: u.Name, Addr: s.upf.N4Addr()})
			}
		}
		if len(peers) == 0 {
			return nil
		}
		var err error
		if conn, err = net.ListenPacket("udp", c.cfg.SMF.N4Address); err != nil {
			return fmt.Errorf("smf.n4_address: %w", err)
		}
		return nil
	})
	if err != nil {
		if s.upf != nil {
			s.upf.Close()
		}
		return nil, err
	}
	if len(peers) > 0 {
		host, _, _ := net.SplitHostPort(c.cfg.SMF.N4Address)
		if s.n4, err = smf.NewN4(smf.N4Config{NodeID: host, Conn: conn, UPFs: peers,
			HeartbeatInterval: time.Duration(c.cfg.SMF.HeartbeatInterval), Log: c.log}); err != nil {
			conn.Close()
			if s.upf != nil {
				s.upf.Close()
			}
			return nil, err
		}
		upfs = s.n4.UPFs()
	}
	for _, u := range c.cfg.SMF.UPFs {
		if upfs[u.Name] == nil {
			upfs[u.Name] = offUPF{name: u.Name, why: off}
		}
	}
	if len(c.cfg.SMF.UPFs) == 0 {
		// smf.Config's default UPF "upf" stands for none.
		upfs["upf"] = offUPF{name: "upf", why: errors.New("no UPF configured (smf.upfs is empty)")}
	}
	s.smf, err = smf.New(c.cfg.smfConfig(), smf.Deps{UDM: d, PCF: pcfAdapter{s.pcf}, UPFs: upfs, Log: c.log})
	if err != nil {
		if s.n4 != nil {
			s.n4.Close()
		}
		if s.upf != nil {
			s.upf.Close()
		}
		return nil, err
	}
	s.pcf.SetNotifier(s.smf) // policy.go
	s.userPlane = c.userPlaneState(s, off)
	if off != nil {
		c.log.Warn("user plane off: "+strings.TrimPrefix(off.Error(), "user plane off: "),
			"effect", "signalling works; PDU session requests are rejected with 5GSM cause #26 (insufficient resources)")
	}
	return s, nil
}

// run serves the N4 node and the embedded UPF until stop.
func (s *sessionNFs) run() {
	n4ctx, n4cancel := context.WithCancel(context.Background())
	upctx, upcancel := context.WithCancel(context.Background())
	s.cancelN4, s.cancelUPF = n4cancel, upcancel
	if s.upf != nil {
		s.upfDone.Go(func() { s.upf.Run(upctx) })
	}
	if s.n4 != nil {
		s.n4Done.Go(func() { s.n4.Run(n4ctx) })
	}
}

// waitAssociated waits a moment for the PFCP associations, so that the
// first PDU session after Ready does not find none (in-process they take
// a millisecond; a remote UPF may take longer and is retried anyway).
func (s *sessionNFs) waitAssociated(ctx context.Context, d time.Duration) {
	if s.n4 == nil {
		return
	}
	deadline := time.Now().Add(d)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		all := true
		for _, u := range s.n4.UPFs() {
			if p, ok := u.(*smf.PFCPUPF); ok && !p.Associated() {
				all = false
			}
		}
		if all {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop releases the PFCP associations while the UPF still answers (the
// UPF deletes their sessions, TS 29.244 §6.2.8.2), then stops the UPF.
func (s *sessionNFs) stop() {
	if s.cancelN4 != nil {
		s.cancelN4()
		s.n4Done.Wait()
		s.cancelUPF()
		s.upfDone.Wait()
	}
}

// userPlaneState is the start line's user_plane value.
func (c *Core) userPlaneState(s *sessionNFs, off error) string {
	var parts []string
	if s.upf != nil {
		parts = append(parts, fmt.Sprintf("on: embedded UPF n4 %s n3 %s n6 %s", s.upf.N4Addr(), s.upf.N3Addr(), s.upf.Device()))
	}
	for _, u := range c.cfg.SMF.UPFs {
		if u.N4Address != "" {
			parts = append(parts, "UPF "+u.Name+" at "+u.N4Address)
		}
	}
	if off != nil {
		parts = append(parts, "off: "+strings.TrimPrefix(off.Error(), "user plane off: "))
	}
	if len(parts) == 0 {
		return "off: no UPF configured"
	}
	return strings.Join(parts, "; ")
}

// nssfConfig serves the AMF's PLMN, TACs and slices, one slice instance
// per S-NSSAI.
func (c *Core) nssfConfig() nssf.Config {
	plmn := models.PlmnId{Mcc: c.cfg.PLMN.MCC, Mnc: c.cfg.PLMN.MNC}
	var sl []models.Snssai
	for _, s := range c.amf.Slices {
		m := models.Snssai{Sst: int32(s.SST)}
		if s.HasSD {
			m.Sd = fmt.Sprintf("%06x", s.SD)
		}
		sl = append(sl, m)
	}
	cfg := nssf.Config{PLMNs: []models.PlmnId{plmn}}
	for _, t := range c.amf.TACs {
		cfg.TrackingAreas = append(cfg.TrackingAreas, nssf.TrackingArea{
			TAI: models.Tai{PlmnId: &plmn, Tac: fmt.Sprintf("%06x", t)}, SNSSAIs: sl})
	}
	for _, s := range sl {
		cfg.Instances = append(cfg.Instances, nssf.Instance{SNSSAI: s, SMFSet: "smf-set-1", UPFSet: "upf-set-1"})
	}
	return cfg
}

// pcfAdapter is the SMF's view of Npcf_SMPolicyControl_Create: the
// decision without the association id (the SMF does not update or delete
// its SM policy associations yet; the PCF keys them by SUPI and PDU
// session ID, so a new session replaces the old one's).
type pcfAdapter struct{ p *pcf.PCF }

func (a pcfAdapter) CreateSMPolicy(ctx context.Context, data models.Pcf_SMPolCtrl_SmPolicyContextData) (models.Pcf_SMPolCtrl_SmPolicyDecision, error) {
	_, d, err := a.p.CreateSMPolicy(ctx, data)
	return d, err
}

// offUPF stands for a UPF the core could not start: every session request
// fails with smf.UnavailableError, which the SMF sends to the UE as 5GSM
// cause #26.
type offUPF struct {
	name string
	why  error
}

func (o offUPF) err() error {
	why := o.why
	if why == nil {
		why = errors.New("user plane off")
	}
	return &smf.UnavailableError{UPF: o.name, Err: why}
}

func (o offUPF) EstablishSession(context.Context, rules.Establishment) (rules.Established, error) {
	return rules.Established{}, o.err()
}
func (o offUPF) ModifySession(context.Context, uint64, rules.Modification) error { return o.err() }
func (o offUPF) DeleteSession(context.Context, uint64) error                     { return o.err() }

// newUPFFunc opens the embedded UPF (upfnode.New; tests replace it).
type newUPFFunc func(upfnode.Config, *slog.Logger) (*upfnode.Node, error)
