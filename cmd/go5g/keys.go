package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"go5g/internal/store"
	"go5g/internal/suci"
)

// runKeys is `go5g keys`: the home network key pairs the UDM uses to
// deconceal SUCIs; the public halves go into the USIMs.
//
// Spec: TS 33.501 §6.12.2, Annex C
func runKeys(ctx context.Context, e *env, args []string) error {
	return subcommands(ctx, e, args, keysUsage, map[string]func(context.Context, *env, []string) error{
		"generate": keysGenerate,
		"list":     keysList,
		"delete":   keysDelete,

		"master-generate": keysMasterGenerate,
		"reseal":          keysReseal,
	})
}

const keysUsage = `Usage: go5g keys <generate|list|delete|master-generate|reseal> [flags]

  generate         make a SUCI home network key pair (--profile A|B --id N),
                   store it, and print the public key to provision in the USIMs
  list             list key ids, profiles and public keys (never the private keys)
  delete           remove a key pair (--id N)
  master-generate  write a new master key file (--out FILE) for sealing K, OPc
                   and private keys at rest
  reseal           re-encrypt the store's secrets with the first master key,
                   to finish a master key rotation

Profile A is ECIES with X25519, profile B ECIES with P-256 (TS 33.501 Annex C.3).

` + rotationSteps

// keyID checks an --id value; -1 means it was not given.
func keyID(id int) (uint8, error) {
	if id == -1 {
		return 0, fmt.Errorf("%w: --id is required (0 to 255)", errUsage)
	}
	if id < 0 || id > 255 {
		return 0, fmt.Errorf("--id: must be 0 to 255 (the home network public key identifier)")
	}
	return uint8(id), nil
}

// curveName says what a profile's keys are.
func curveName(s suci.Scheme) string {
	if s == suci.ProfileB {
		return "P-256, compressed point"
	}
	return "X25519"
}

func keysGenerate(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g keys generate", flag.ContinueOnError)
	profile := fs.String("profile", "", "A (X25519) or B (P-256) (required)")
	id := fs.Int("id", -1, "home network public key identifier, 0 to 255 (required)")
	st := storeFlag(fs)
	pos, err := parseFlags(fs, e, "Usage: go5g keys generate --profile A|B --id N [flags]\n\n", args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	if *profile == "" {
		return fmt.Errorf("%w: --profile is required (A or B)", errUsage)
	}
	var scheme suci.Scheme
	switch strings.ToUpper(*profile) {
	case "A":
		scheme = suci.ProfileA
	case "B":
		scheme = suci.ProfileB
	default:
		return fmt.Errorf("--profile: must be A (X25519) or B (P-256), not %q", *profile)
	}
	kid, err := keyID(*id)
	if err != nil {
		return err
	}
	k, err := suci.GenerateKey(scheme, kid, rand.Reader)
	if err != nil {
		return err
	}
	s, err := openStore(*st, true)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.AddHomeNetworkKey(ctx, k); err != nil {
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("key id %d is taken; choose another --id or delete it first (go5g keys delete --id %d)", kid, kid)
		}
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "key id\t%d\n", kid)
	fmt.Fprintf(tw, "profile\t%s (%s)\n", scheme, curveName(scheme))
	fmt.Fprintf(tw, "public key\t%s\n", k.PublicKey())
	return tw.Flush()
}

// keyJSON is what `keys list --json` prints: never the private key.
type keyJSON struct {
	ID        uint8  `json:"id"`
	Profile   string `json:"profile"`
	PublicKey string `json:"publicKey"`
}

func keysList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g keys list", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	st := storeFlag(fs)
	pos, err := parseFlags(fs, e, "Usage: go5g keys list [flags]\n\n", args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	s, err := openStore(*st, false)
	if err != nil {
		return err
	}
	defer s.Close()
	keys, err := s.HomeNetworkKeys(ctx)
	if err != nil {
		return err
	}
	out := make([]keyJSON, len(keys))
	for i, k := range keys {
		out[i] = keyJSON{ID: k.ID, Profile: k.Scheme.String(), PublicKey: k.PublicKey().String()}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stdout, "(no home network keys; go5g keys generate --profile A --id 1 makes one)")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROFILE\tPUBLIC KEY")
	for _, k := range out {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", k.ID, k.Profile, k.PublicKey)
	}
	return tw.Flush()
}

func keysDelete(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g keys delete", flag.ContinueOnError)
	id := fs.Int("id", -1, "key id to delete (required)")
	st := storeFlag(fs)
	pos, err := parseFlags(fs, e, "Usage: go5g keys delete --id N [flags]\n\n", args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	kid, err := keyID(*id)
	if err != nil {
		return err
	}
	s, err := openStore(*st, false)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.DeleteHomeNetworkKey(ctx, kid); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("there is no key with id %d (go5g keys list shows them)", kid)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted home network key %d\n", kid)
	return nil
}
