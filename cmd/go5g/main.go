// Command go5g runs a 5G Standalone mobile network: the 5G Core network
// functions, and simulated gNBs and UEs that drive it over the real interfaces.
// This file only dispatches subcommands; each lives in its own file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// command is one subcommand: run gets the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every subcommand may use; no globals.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}

// errUsage marks a command-line mistake: exit status 2, as flag does.
var errUsage = errors.New("usage error")

func commands() []command {
	return []command{
		{"core", "run the 5G core control plane (AMF, AUSF, UDM, UDR, store) in one process", runCore},
		{"demo", "run a whole network on its defaults: core, test subscribers, gNBs and UEs that register", runDemo},
		{"keys", "SUCI home network keys (profiles A, B) and the store's master key (generate, reseal)", runKeys},
		{"sctp", "check, serve and ping SCTP for N2 (kernel, udp, ip transports)", runSCTP},
		{"sim", "simulated gNBs and UEs: registration scenarios and load tests", runSim},
		{"subscriber", "add, list, show and delete subscribers in the store", runSubscriber},
		{"upf", "run the user plane function alone (N4 PFCP, N3 GTP-U, N6 TUN); needs root", runUPF},
		{"version", "print the go5g version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run parses global flags, dispatches, and maps errors to exit codes:
// 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("go5g", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "verbose: debug logs")
	fs.Usage = func() { usage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	e := &env{stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	if fs.NArg() == 0 {
		usage(stderr, fs)
		return 2
	}
	name := fs.Arg(0)
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, fs.Args()[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "go5g %s: %v\n", name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "go5g %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "go5g: unknown command %q; run 'go5g --help' for the list\n", name)
	return 2
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "go5g: a 5G Standalone mobile network in one binary.\n\nUsage: go5g [-v] <command> [arguments]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nGlobal flags:\n")
	fs.PrintDefaults()
	fmt.Fprintf(w, "\nRun 'go5g <command> --help' for a command's flags.\n")
}

func runVersion(_ context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: version takes no arguments", errUsage)
	}
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
	}
	fmt.Fprintf(e.stdout, "go5g %s\n", v)
	return nil
}
