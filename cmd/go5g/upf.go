package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"go5g/internal/tun"
	"go5g/internal/upfnode"
)

const upfUsage = `Usage: go5g upf [--config FILE] [--print-config] [-v]

Runs the User Plane Function alone until SIGINT or SIGTERM: PFCP (N4) on
:8805 for SMFs, GTP-U (N3) on 0.0.0.0:2152 for gNBs, and the TUN device
go5g-n6 towards the data network, with the UE pool 10.45.0.0/16 routed
into it. On exit the TUN and its routes are removed.

The user plane needs root (CAP_NET_ADMIN) and /dev/net/tun, and the kernel
must forward between the TUN and the data network (sysctl
net.ipv4.ip_forward=1). When this host has several IPv4 addresses, set
n3.advertise (or bind n3.address) to the one gNBs reach. Start a file from
'go5g upf --print-config > upf.yaml'.

Flags:
`

// runUPF is `go5g upf`: one UPF network function, reached over N4 by an SMF.
func runUPF(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g upf", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "YAML configuration `file`; keys it leaves out keep their defaults")
	printCfg := fs.Bool("print-config", false, "print the effective configuration as YAML and exit")
	verbose := fs.Bool("v", false, "verbose: debug logs")
	pos, err := parseFlags(fs, e, upfUsage, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q (a config file goes after --config)", errUsage, pos[0])
	}
	cfg := upfnode.Defaults()
	if *cfgPath != "" {
		if cfg, err = upfnode.Load(*cfgPath); err != nil {
			return fmt.Errorf("%w\nfix the file above; 'go5g upf --print-config' prints every key with its default", err)
		}
	}
	if *printCfg {
		b, err := upfnode.Marshal(cfg)
		if err != nil {
			return err
		}
		from := "defaults"
		if *cfgPath != "" {
			from = "defaults and " + *cfgPath
		}
		fmt.Fprintf(e.stdout, "# go5g upf configuration in effect (%s).\n# Save it, edit it, and run: go5g upf --config FILE\n", from)
		_, err = e.stdout.Write(b)
		return err
	}
	log := e.log
	if *verbose && !log.Enabled(ctx, slog.LevelDebug) {
		log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	err = upfnode.Run(ctx, cfg, log)
	if errors.Is(err, tun.ErrUnavailable) {
		return fmt.Errorf("%w\nrun it as root, or grant the capability: setcap cap_net_admin+ep go5g; "+
			"if /dev/net/tun is missing, load the driver (modprobe tun) or, in a container, pass the device (--device /dev/net/tun --cap-add NET_ADMIN)", err)
	}
	return err
}
