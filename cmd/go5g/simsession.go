package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/fleet"
	"go5g/internal/tun"
)

// The PDU session and user-plane flags of `go5g sim`.

func (f *simFlags) registerSession(fs *flag.FlagSet) {
	fs.BoolVar(&f.pduSession, "pdu-session", false, "establish one PDU session per UE after registration")
	fs.StringVar(&f.dnn, "dnn", "internet", "DNN of the PDU session (--pdu-session)")
	fs.StringVar(&f.pduType, "pdu-type", "ipv4", "PDU session type: ipv4, ipv6 or ipv4v6 (--pdu-session)")
	fs.BoolVar(&f.tun, "tun", false, "give each UE's PDU session a TUN device in a network namespace go5g-ue-<n>\n"+
		"and keep the UEs up until interrupted (implies --pdu-session; needs root)")
	fs.StringVar(&f.ueNetns, "ue-netns", "go5g-ue-", "prefix of the UEs' network namespaces (--tun): <prefix><n>, n from 1")
	fs.StringVar(&f.n3, "n3", "", "the first gNB's N3 (GTP-U) address, the next gNB the next address\n"+
		"(--tun; default the N2 local address or 127.0.0.1; port 2152 must be free there)")
}

// sessionOptions reads the session flags into cfg and the scenario's
// options; nil when no session is asked for.
func (f *simFlags) sessionOptions(cfg *fleet.Config, dereg fleet.Deregistration) (*fleet.SessionOptions, error) {
	if f.tun {
		f.pduSession = true
	}
	if !f.pduSession {
		if f.n3 != "" || f.ueNetns != "go5g-ue-" {
			return nil, fmt.Errorf("%w: --n3 and --ue-netns go with --tun", errUsage)
		}
		return nil, nil
	}
	if f.rate > 0 {
		return nil, fmt.Errorf("%w: --pdu-session and --tun are for scenario mode, not --rate", errUsage)
	}
	var t uint8
	switch strings.ToLower(f.pduType) {
	case "ipv4":
		t = n1.PDUSessionTypeIPv4
	case "ipv6":
		t = n1.PDUSessionTypeIPv6
	case "ipv4v6":
		t = n1.PDUSessionTypeIPv4v6
	default:
		return nil, fmt.Errorf("%w: --pdu-type: want ipv4, ipv6 or ipv4v6", errUsage)
	}
	if f.dnn == "" {
		return nil, fmt.Errorf("%w: --dnn must not be empty", errUsage)
	}
	opts := &fleet.SessionOptions{DNN: f.dnn, Type: t}
	if len(cfg.Slices) > 0 {
		sn := cfg.Slices[0]
		opts.SNSSAI = &n2.SNSSAI{SST: sn.SST, SD: sn.SD, HasSD: sn.HasSD}
	}
	if !f.tun {
		return opts, nil
	}
	if dereg != fleet.NoDeregistration {
		return nil, fmt.Errorf("%w: --tun keeps the UEs up until interrupted, then switches them off: drop --deregister/--switch-off", errUsage)
	}
	if err := tun.Probe(); err != nil {
		return nil, fmt.Errorf("--tun: %v (run go5g sim as root, or drop --tun to establish sessions without TUNs)", err)
	}
	if f.n3 != "" {
		a, err := netip.ParseAddr(f.n3)
		if err != nil {
			return nil, fmt.Errorf("%w: --n3 %q: want an IP address", errUsage, f.n3)
		}
		cfg.N3Addr = a
	}
	if f.ueNetns == "" || strings.ContainsAny(f.ueNetns, "/\x00") {
		return nil, fmt.Errorf("%w: --ue-netns: want a name prefix without '/'", errUsage)
	}
	prefix := f.ueNetns
	opts.Namespace = func(i int) string { return prefix + strconv.Itoa(i+1) }
	cfg.UserPlane = true
	opts.TUN = true
	return opts, nil
}

// sessionHeader is the session columns' header, when the run made sessions.
func sessionHeader(rep *fleet.ScenarioReport) string {
	switch {
	case !hasSessions(rep):
		return ""
	case hasTUNs(rep):
		return "ADDRESS\tTUN\t"
	}
	return "ADDRESS\t"
}

// sessionCells are a row's session columns: the IPv4 address and the IPv6
// interface identifier (the prefix comes by Router Advertisement).
func sessionCells(rep *fleet.ScenarioReport, r fleet.UEResult) string {
	if !hasSessions(rep) {
		return ""
	}
	var addr []string
	if r.IPv4.IsValid() {
		addr = append(addr, r.IPv4.String())
	}
	if r.IPv6IID.IsValid() {
		addr = append(addr, r.IPv6IID.String()+" (IID)")
	}
	a := strings.Join(addr, " ")
	if a == "" {
		a = "-"
	}
	if !hasTUNs(rep) {
		return a + "\t"
	}
	t := r.TUN
	if t == "" {
		t = "-"
	}
	return a + "\t" + t + "\t"
}

func hasSessions(rep *fleet.ScenarioReport) bool {
	for _, r := range rep.UEs {
		if r.IPv4.IsValid() || r.IPv6IID.IsValid() {
			return true
		}
	}
	return false
}

func hasTUNs(rep *fleet.ScenarioReport) bool {
	for _, r := range rep.UEs {
		if r.TUN != "" {
			return true
		}
	}
	return false
}

// holdTUNs keeps the UEs and their TUNs up until ctx ends (Ctrl-C).
func holdTUNs(ctx context.Context, e *env, rep *fleet.ScenarioReport) {
	for _, r := range rep.UEs {
		if r.TUN != "" {
			ns, dev, _ := strings.Cut(r.TUN, "/")
			fmt.Fprintf(e.stderr, "UEs are up: try `ip netns exec %s ping -c 3 -I %s <address>`; Ctrl-C ends the run and removes the TUNs\n", ns, dev)
			break
		}
	}
	<-ctx.Done()
}
