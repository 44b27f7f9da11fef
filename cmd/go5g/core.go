package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"go5g/internal/core"
)

const coreUsage = `Usage: go5g core [--config FILE] [--data-dir DIR] [--store PATH] [--print-config] [-v]

Runs every control-plane NF (AMF, AUSF, UDM, UDR and the store) in this
process until SIGINT or SIGTERM. With no file every key has its default:
PLMN 001/01, TAC 1, slice SST 1, N2 on :38412 over transport auto, and the
store go5g-data/go5g.db that 'go5g subscriber' and 'go5g keys' use too.

Where a value comes from, strongest first: flags, then the environment
(GO5G_STORE), then the file, then the defaults. Start a file from
'go5g core --print-config > core.yaml'. No privileges are needed.

Flags:
`

// runCore is `go5g core`: the control plane in one process.
func runCore(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g core", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "YAML configuration `file`; keys it leaves out keep their defaults")
	dataDir := fs.String("data-dir", "", "data `directory` (default go5g-data); the store defaults to DIR/go5g.db")
	storePath := fs.String("store", "", "SQLite store `file` shared with 'go5g subscriber' (default <data_dir>/go5g.db, env "+storeEnv+")")
	printCfg := fs.Bool("print-config", false, "print the effective configuration as YAML and exit")
	verbose := fs.Bool("v", false, "verbose: debug logs")
	pos, err := parseFlags(fs, e, coreUsage, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q (a config file goes after --config)", errUsage, pos[0])
	}

	cfg := core.Defaults()
	if *cfgPath != "" {
		if cfg, err = core.Load(*cfgPath); err != nil {
			return fmt.Errorf("%w\nfix the file above; 'go5g core --print-config' prints every key with its default", err)
		}
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	if v := os.Getenv(storeEnv); v != "" {
		cfg.Store = v
	}
	if *storePath != "" {
		cfg.Store = *storePath
	}
	cfg.Store = cfg.StorePath()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w\n(from --data-dir, --store or %s)", err, storeEnv)
	}

	if *printCfg {
		b, err := core.Marshal(cfg)
		if err != nil {
			return err
		}
		from := "defaults, flags and environment"
		if *cfgPath != "" {
			from = "defaults, " + *cfgPath + ", flags and environment"
		}
		fmt.Fprintf(e.stdout, "# go5g core configuration in effect (%s).\n# Save it, edit it, and run: go5g core --config FILE\n", from)
		_, err = e.stdout.Write(b)
		return err
	}

	debug := *verbose || e.log.Enabled(ctx, slog.LevelDebug)
	c, err := core.New(cfg, core.NewLogger(e.stderr, cfg.Log, debug))
	if err != nil {
		return err
	}
	c.Notices = e.stderr
	return c.Run(ctx)
}
