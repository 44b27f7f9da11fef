// Package upfnode wires one UPF network function: its configuration, the
// PFCP node on N4, the GTP-U sockets on N3, the TUN device on N6 with the
// routes of the UE pools, and the packet workers of internal/upf between
// them. `go5g upf` runs one alone; `go5g core` starts its UPF the same way,
// so the two cannot drift apart.
//
// The packages it joins keep their own concerns: internal/upf the rules and
// the data path, internal/n4 the PFCP node, internal/tun the device. This
// one owns what only a whole network function has: which address gNBs are
// told to send to, which routes bring the data network's replies back, the
// order in which resources are opened, and that all of them are released on
// every exit path (the TUN, and with it its routes, is removed on close).
//
// The user plane needs CAP_NET_ADMIN and /dev/net/tun. New probes for them
// first and returns an error wrapping tun.ErrUnavailable that says why, so a
// caller can report "user plane off" and carry on with signalling.
package upfnode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"go5g/internal/n3"
	"go5g/internal/n4"
	"go5g/internal/tun"
	"go5g/internal/upf"
)

// Node is a running UPF network function: what New opened, served by Run.
type Node struct {
	cfg     Config
	log     *slog.Logger
	adv     netip.Addr
	nodeID  string
	dev     *tun.Device
	conns   []*n3.Conn
	upf     *upf.UPF
	n4      *n4.Node
	ran     bool
	closeMu sync.Mutex
	closed  bool
}

// Run opens a UPF with cfg, serves it until ctx is done, and closes it.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	n, err := New(cfg, log)
	if err != nil {
		return err
	}
	return n.Run(ctx)
}

// New validates cfg, checks that this process can run a user plane, and
// opens the N6 TUN (with its addresses and pool routes), the N3 sockets
// and the N4 node, in that order; on error everything opened is closed
// again. Nothing is served until Run.
func New(cfg Config, log *slog.Logger) (*Node, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := tun.Probe(); err != nil {
		return nil, fmt.Errorf("user plane off: %w", err)
	}
	adv, err := cfg.advertise(hostAddrs())
	if err != nil {
		return nil, err
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = min(runtime.NumCPU(), tun.MaxQueues)
	}
	n := &Node{cfg: cfg, log: log, adv: adv, nodeID: cfg.nodeID(adv)}
	ok := false
	defer func() {
		if !ok {
			n.Close()
		}
	}()

	n.dev, err = tun.Open(tun.Config{Name: cfg.N6.Device, MTU: cfg.N6.MTU, Queues: workers,
		Addrs: prefixes(cfg.N6.Addresses), Routes: prefixes(cfg.N6.Pools)})
	if err != nil {
		return nil, fmt.Errorf("n6: %w", err)
	}
	if n.conns, err = upf.ListenN3(cfg.N3.Address, workers); err != nil {
		return nil, fmt.Errorf("n3: %w (is another UPF running?)", err)
	}
	if n.upf, err = upf.New(upf.Config{N3Addr: adv, Log: log}); err != nil {
		return nil, err
	}
	queues := n.dev.Queues()
	var first *upf.Worker
	for i, c := range n.conns {
		w := n.upf.NewWorker(c, queues[i])
		if i == 0 {
			first = w
		}
	}
	g := upf.NewN4(n.upf, first)
	hb := time.Duration(cfg.N4.HeartbeatInterval)
	n.n4, err = n4.New(n4.Config{
		Function: n4.UP, NodeID: n.nodeID, Addr: cfg.N4.Address,
		HeartbeatInterval: hb, SetupIEs: g.SetupIEs(), Handlers: g.Handlers(),
		Events: n.events(), Log: log,
	})
	if err != nil {
		return nil, fmt.Errorf("n4: %w (is another UPF running?)", err)
	}
	ok = true
	return n, nil
}

// N4Addr is the PFCP socket's address (the SMF's peer address).
func (n *Node) N4Addr() netip.AddrPort {
	if a, ok := n.n4.Addr().(*net.UDPAddr); ok {
		return a.AddrPort()
	}
	return netip.AddrPort{}
}

// N3Addr is the address the UPF puts in the F-TEIDs it allocates.
func (n *Node) N3Addr() netip.Addr { return n.adv }

// NodeID is the PFCP Node ID the UPF uses.
func (n *Node) NodeID() string { return n.nodeID }

// Device is the N6 TUN device's name.
func (n *Node) Device() string { return n.dev.Name() }

// Stats sums the packet counters of every worker.
func (n *Node) Stats() upf.Snapshot { return n.upf.Stats() }

// Sessions is the number of PFCP sessions installed.
func (n *Node) Sessions() int { return n.upf.Sessions() }

// Run serves N4, N3 and N6 until ctx is done, then closes everything: the
// N4 node (no more requests), the N3 sockets, and the TUN (the kernel
// removes it with its routes). It may be called once.
func (n *Node) Run(ctx context.Context) error {
	if n.ran {
		return errors.New("upfnode: Run called twice")
	}
	n.ran = true
	defer n.Close()
	n.warnForwarding()
	n.log.Info("upf running", "node_id", n.nodeID, "n4", n.cfg.N4.Address,
		"n3", n.cfg.N3.Address, "n3_advertised", n.adv.String(),
		"n6", n.dev.Name(), "mtu", n.cfg.N6.MTU, "pools", strings.Join(n.cfg.N6.Pools, ","),
		"workers", len(n.conns))
	var wg sync.WaitGroup
	for _, s := range n.cfg.N4.SMF {
		ap, err := smfAddr(s)
		if err != nil {
			continue // Validate refused it
		}
		wg.Go(func() { n.associate(ctx, ap) })
	}
	err := n.upf.Run(ctx) // returns once ctx is done and the N3 loops ended
	wg.Wait()
	st := n.upf.Stats()
	n.log.Info("upf stopped", "sessions", n.upf.Sessions(), "ul_packets", st.ULPackets, "dl_packets", st.DLPackets)
	return err
}

// Close releases what New opened; Run calls it on return. The TUN goes
// last, after the N3 sockets, since the downlink loops end on its close.
func (n *Node) Close() error {
	n.closeMu.Lock()
	defer n.closeMu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	var errs []error
	if n.n4 != nil {
		errs = append(errs, n.n4.Close())
	}
	for _, c := range n.conns {
		c.Close() // already closed by upf.Run when it ran
	}
	if n.dev != nil {
		errs = append(errs, n.dev.Close())
	}
	return errors.Join(errs...)
}

// associate sets up and keeps a UP-initiated association with the SMF at
// addr: it retries with a growing pause while the SMF is unreachable and
// again whenever the association went down (released, dead peer).
// Spec: TS 29.244 §6.2.6.3
func (n *Node) associate(ctx context.Context, addr netip.AddrPort) {
	const minWait, maxWait = time.Second, 30 * time.Second
	wait := minWait
	for {
		p, err := n.n4.Peer(addr)
		if err == nil && !p.Associated() {
			_, err = n.n4.Associate(ctx, addr)
			if err != nil && ctx.Err() == nil {
				n.log.Warn("n4: association setup failed; retrying", "smf", addr.String(), "in", wait.String(), "err", err)
			}
		}
		if err == nil {
			wait = minWait
		} else {
			wait = min(2*wait, maxWait)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// events logs the association life cycle. Sessions of a released or
// restarted SMF stay installed in the UPF (see the package report):
// internal/upf has no call to drop a peer's sessions yet.
func (n *Node) events() n4.Events {
	return n4.Events{
		AssociationUp: func(p *n4.Peer) {
			n.log.Info("n4: association up", "smf", p.Addr().String(), "smf_node_id", p.NodeID())
		},
		AssociationReleased: func(p *n4.Peer) {
			n.log.Info("n4: association released", "smf", p.Addr().String())
		},
		PeerDead: func(p *n4.Peer) {
			n.log.Warn("n4: SMF stopped answering heartbeats; association down", "smf", p.Addr().String())
		},
		PeerRestarted: func(p *n4.Peer, old, new uint32) {
			n.log.Warn("n4: SMF restarted (recovery time stamp changed)", "smf", p.Addr().String(), "old", old, "new", new)
		},
	}
}

// warnForwarding logs when the kernel will not forward between the TUN and
// the data network: the UPF writes uplink packets into the TUN and the
// kernel routes them on, which needs forwarding in this namespace.
func (n *Node) warnForwarding() {
	var v4, v6 bool
	for _, p := range prefixes(n.cfg.N6.Pools) {
		v4, v6 = v4 || p.Addr().Is4(), v6 || p.Addr().Is6()
	}
	check := func(on bool, file, key string) {
		if !on {
			return
		}
		if b, err := os.ReadFile(file); err == nil && strings.TrimSpace(string(b)) == "0" {
			n.log.Warn("n6: forwarding is off: UE traffic will not reach the data network; run: sysctl -w "+key+"=1", "sysctl", key)
		}
	}
	check(v4, "/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward")
	check(v6, "/proc/sys/net/ipv6/conf/all/forwarding", "net.ipv6.conf.all.forwarding")
}

// hostAddrs lists the addresses of this namespace's interfaces that are up.
func hostAddrs() []netip.Addr {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
					out = append(out, ip.Unmap())
				}
			}
		}
	}
	return out
}
