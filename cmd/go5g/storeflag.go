package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"go5g/internal/store"
)

// defaultStorePath is where the CLI and `go5g core` keep their shared
// SQLite store unless --store or GO5G_STORE says otherwise.
const defaultStorePath = "go5g-data/go5g.db"

// storeEnv names the environment variable that overrides defaultStorePath.
const storeEnv = "GO5G_STORE"

// storeFlag registers --store on fs.
func storeFlag(fs *flag.FlagSet) *string {
	def := defaultStorePath
	if v := os.Getenv(storeEnv); v != "" {
		def = v
	}
	return fs.String("store", def, "SQLite store file, shared with `go5g core` (env "+storeEnv+")")
}

// openStore opens the store at path. Commands that only read or delete
// pass create=false, so a mistyped --store is an error rather than a new,
// empty database. The master key comes from the file named by
// GO5G_MASTER_KEY_FILE, the same file as the core's store_key_file.
func openStore(path string, create bool) (store.Store, error) {
	if !create {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no store at %s: provision something first (go5g subscriber add) or point --store / %s at the right file", path, storeEnv)
		}
	}
	key, err := store.WithMasterKeyFile(os.Getenv(store.MasterKeyFileEnv))
	if err != nil {
		return nil, fmt.Errorf("%w (from %s)", err, store.MasterKeyFileEnv)
	}
	return store.Open(path, key)
}

// subcommands dispatches args[0] to one of subs, printing usage text for
// help or a missing/unknown name.
func subcommands(ctx context.Context, e *env, args []string, usage string,
	subs map[string]func(context.Context, *env, []string) error) error {
	if len(args) > 0 && subs[args[0]] != nil {
		return subs[args[0]](ctx, e, args[1:])
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	fmt.Fprint(e.stderr, usage)
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 {
		return fmt.Errorf("%w: expected one of %s", errUsage, strings.Join(names, ", "))
	}
	return fmt.Errorf("%w: unknown subcommand %q; expected one of %s", errUsage, args[0], strings.Join(names, ", "))
}

// parseFlags parses flags anywhere among args (`show SUPI --json` as well
// as `show --json SUPI`) and returns the positional arguments. -h prints
// usage to stdout and returns flag.ErrHelp; other mistakes are errUsage.
func parseFlags(fs *flag.FlagSet, e *env, usage string, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(e.stdout, usage)
				fs.SetOutput(e.stdout)
				fs.PrintDefaults()
				return nil, flag.ErrHelp
			}
			return nil, fmt.Errorf("%w: %v (run '%s -h' for the flags)", errUsage, err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseKey reads a 16-octet key given as 32 hex digits for flag name.
// Errors describe the input's shape, never its digits.
func parseKey(name, s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" || strings.Trim(s, "0123456789abcdefABCDEF") != "" {
		return nil, fmt.Errorf("--%s: not hex: give 32 hex digits (16 octets)", name)
	}
	if len(s) != 32 {
		return nil, fmt.Errorf("--%s: must be 32 hex digits (16 octets), got %d digits", name, len(s))
	}
	return hex.DecodeString(s)
}

// listFlag is a repeatable flag whose values may also be comma lists.
type listFlag struct {
	vals []string
	set  bool
}

func (l *listFlag) String() string { return strings.Join(l.vals, ",") }

func (l *listFlag) Set(v string) error {
	if !l.set {
		l.vals, l.set = nil, true // the first use replaces the default
	}
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			l.vals = append(l.vals, p)
		}
	}
	return nil
}
