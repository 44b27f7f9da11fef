package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"go5g/internal/store"
)

// rotationSteps is the master key rotation procedure, printed by
// `keys master-generate` and in the usage of `keys reseal`. The store opens
// values sealed with any key in the file, so the old key stays after the
// new one until every value has been resealed.
const rotationSteps = `To rotate the master key:
  1. go5g keys master-generate --out new.key
  2. put new.key's line FIRST in the key file, the old key's line after it
     (the first key seals; the others only open), and restart go5g core
     so it holds both keys: a core still on the old key alone cannot open
     what reseal writes
  3. go5g keys reseal        (re-encrypts every K, OPc and home network
                              private key with the first key)
  4. remove the old key's line from the key file (the core may keep it
     until its next restart)
`

const masterGenerateUsage = `Usage: go5g keys master-generate --out FILE

Writes a new random 32-octet master key for sealing K, OPc and home network
private keys at rest (AES-256-GCM), as 64 hex digits, file mode 0600. An
existing file is never overwritten.

` + rotationSteps + "\n"

const resealUsage = `Usage: go5g keys reseal [--store PATH] [--master-key FILE]

Re-encrypts every K, OPc and home network private key in the store with the
first key of the master key file (--master-key, or env ` + store.MasterKeyFileEnv + `),
opening them with any key in the file, in one transaction. Values stored in
plaintext before a master key was configured are sealed too.

` + rotationSteps + "\n"

// keysMasterGenerate is `go5g keys master-generate`.
func keysMasterGenerate(_ context.Context, e *env, args []string) error {
	fset := flag.NewFlagSet("go5g keys master-generate", flag.ContinueOnError)
	out := fset.String("out", "", "file to write the new key to; must not exist (required)")
	pos, err := parseFlags(fset, e, masterGenerateUsage, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if *out == "" {
		return fmt.Errorf("%w: --out is required (the file to write the new master key to)", errUsage)
	}
	key := make([]byte, store.MasterKeyLen)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	if err := writeNewKeyFile(*out, key); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, `wrote a new master key to %[1]s (mode 0600); keep it secret and backed up:
without it the sealed K, OPc and private keys cannot be read.

To use it for a new store:
  core configuration:  store_key_file: %[1]s
  CLI:                 export %[2]s=%[1]s

%[3]s`, *out, store.MasterKeyFileEnv, rotationSteps)
	return nil
}

// writeNewKeyFile creates path with mode 0600 and writes key as one line of
// hex. O_EXCL makes an existing file (perhaps the only copy of the current
// key) an error rather than lost.
func writeNewKeyFile(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists; refusing to overwrite a key file (it may hold the only copy of a key): choose another --out", path)
	}
	if err != nil {
		return fmt.Errorf("master key file: %w", err)
	}
	_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(path)
		return fmt.Errorf("master key file %s: %w", path, err)
	}
	return nil
}

// keysReseal is `go5g keys reseal`.
func keysReseal(ctx context.Context, e *env, args []string) error {
	fset := flag.NewFlagSet("go5g keys reseal", flag.ContinueOnError)
	st := storeFlag(fset)
	keyFile := fset.String("master-key", os.Getenv(store.MasterKeyFileEnv),
		"master key file: the new key first, old keys after it (env "+store.MasterKeyFileEnv+")")
	pos, err := parseFlags(fset, e, resealUsage, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if *keyFile == "" {
		return fmt.Errorf("%w: no master key file: give --master-key FILE or set %s (go5g keys master-generate --out FILE makes a key)",
			errUsage, store.MasterKeyFileEnv)
	}
	if _, err := os.Stat(*st); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no store at %s: point --store / %s at the right file", *st, storeEnv)
	}
	opt, err := store.WithMasterKeyFile(*keyFile)
	if err != nil {
		return err
	}
	s, err := store.Open(*st, opt)
	if errors.Is(err, store.ErrMasterKey) {
		return fmt.Errorf("%w\nthe store holds values sealed with a key that is not in %s: put that key's line after the new one in the file and run go5g keys reseal again", err, *keyFile)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	r, ok := s.(store.Resealer)
	if !ok {
		return fmt.Errorf("store %s cannot reseal", *st)
	}
	n, err := r.Reseal(ctx)
	if errors.Is(err, store.ErrMasterKey) {
		return fmt.Errorf("%w\nnothing was changed; put the key that value was sealed with after the new one in %s and run go5g keys reseal again", err, *keyFile)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "resealed %d values with the first key in %s\n", n, *keyFile)
	if n > 0 {
		fmt.Fprintln(e.stdout, "every value now opens with that key alone; the other keys in the file can be removed")
	}
	return nil
}
