package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"go5g/internal/aka"
	"go5g/internal/store"
)

// runSubscriber is `go5g subscriber`: provisioning of the UDR's subscribers
// in the store the core reads.
func runSubscriber(ctx context.Context, e *env, args []string) error {
	return subcommands(ctx, e, args, subscriberUsage, map[string]func(context.Context, *env, []string) error{
		"add":    subscriberAdd,
		"list":   subscriberList,
		"show":   subscriberShow,
		"delete": subscriberDelete,
	})
}

const subscriberUsage = `Usage: go5g subscriber <add|list|show|delete> [flags]

  add     provision a subscriber, or a range of them (--count) in one transaction
  list    list subscribers by SUPI (--prefix, --after, --limit, --json)
  show    show one subscriber (K and OPc masked unless --show-secrets)
  delete  remove one subscriber

Example:
  go5g subscriber add --supi imsi-001010000000001 --count 100 \
      --k 465B5CE8B199B49FAA5F0A2EE238A6BC --opc E8ED289DEBA952E4283B54E88E6183CA
`

const subscriberAddUsage = `Usage: go5g subscriber add --supi imsi-<15 digits> --k HEX (--opc HEX | --op HEX) [flags]

Adds one subscriber, or --count N of them (SUPI, SUPI+1, ..., with the same
keys and profile) in one transaction: all are written or none.

`

// addFlags are the flags of `subscriber add`, kept as text until parsed so
// that a bad value is an input error (exit 1) naming its flag.
type addFlags struct {
	supi, k, opc, op, amf, sqn, auth, defSlice, ambrUL, ambrDL *string
	count                                                      *int
	slices, dnns                                               listFlag
}

func subscriberAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g subscriber add", flag.ContinueOnError)
	f := addFlags{
		supi:     fs.String("supi", "", "first SUPI, imsi- and 15 digits (required)"),
		count:    fs.Int("count", 1, "number of consecutive SUPIs to add"),
		k:        fs.String("k", "", "subscriber key K, 32 hex digits (required)"),
		opc:      fs.String("opc", "", "operator variant key OPc, 32 hex digits"),
		op:       fs.String("op", "", "operator key OP, 32 hex digits (OPc is computed from it and K; OP is not stored)"),
		amf:      fs.String("amf", "8000", "authentication management field, 4 hex digits"),
		sqn:      fs.String("sqn", "0", "initial sequence number SQN, up to 12 hex digits"),
		auth:     fs.String("auth", "5g-aka", "authentication method: 5g-aka or eap-aka-prime"),
		defSlice: fs.String("default-snssai", "", "default S-NSSAI (default: the first --snssai)"),
		ambrUL:   fs.String("ambr-ul", "1Gbps", "UE-AMBR uplink, e.g. 1Gbps, 500Mbps"),
		ambrDL:   fs.String("ambr-dl", "2Gbps", "UE-AMBR downlink"),
	}
	f.slices.vals, f.dnns.vals = []string{"1"}, []string{"internet"}
	fs.Var(&f.slices, "snssai", "subscribed S-NSSAI, SST or SST:SD (SD 6 hex digits); repeat or comma-separate")
	fs.Var(&f.dnns, "dnn", "subscribed DNN; repeat or comma-separate")
	st := storeFlag(fs)
	pos, err := parseFlags(fs, e, subscriberAddUsage, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return fmt.Errorf("%w: unexpected argument %q: the SUPI goes in --supi", errUsage, pos[0])
	case *f.supi == "":
		return fmt.Errorf("%w: --supi is required", errUsage)
	case *f.k == "":
		return fmt.Errorf("%w: --k is required", errUsage)
	case (*f.opc == "") == (*f.op == ""):
		return fmt.Errorf("%w: give exactly one of --opc and --op", errUsage)
	}
	tmpl, err := f.subscriber()
	if err != nil {
		return err
	}
	if err := tmpl.Validate(); err != nil {
		var fe *store.FieldError
		if errors.As(err, &fe) && fe.Field == "supi" {
			return fmt.Errorf("--supi %q: %s", tmpl.SUPI, fe.Reason)
		}
		return flagError(err, *f.op != "")
	}
	subs, err := tmpl.Range(*f.count)
	if err != nil {
		return flagError(err, false)
	}
	s, err := openStore(*st, true)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.AddSubscribers(ctx, subs...); err != nil {
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("%v; nothing was written (delete it first, or choose another --supi or --count)", err)
		}
		return fmt.Errorf("%v; nothing was written", err)
	}
	if len(subs) == 1 {
		fmt.Fprintf(e.stdout, "added %s\n", subs[0].SUPI)
	} else {
		fmt.Fprintf(e.stdout, "added %d subscribers, %s to %s\n", len(subs), subs[0].SUPI, subs[len(subs)-1].SUPI)
	}
	return nil
}

// subscriber turns the flags into the first subscriber of the range.
func (f *addFlags) subscriber() (store.Subscriber, error) {
	sub := store.Subscriber{SUPI: *f.supi, DNNs: f.dnns.vals}
	var err error
	if sub.K, err = parseKey("k", *f.k); err != nil {
		return sub, err
	}
	if *f.op != "" {
		op, err := parseKey("op", *f.op)
		if err != nil {
			return sub, err
		}
		// Spec: TS 35.206 §4.1 (OPc = E_K(OP) xor OP)
		if sub.OPc, err = aka.OPc(sub.K, op); err != nil {
			return sub, fmt.Errorf("--op: %v", err)
		}
	} else if sub.OPc, err = parseKey("opc", *f.opc); err != nil {
		return sub, err
	}
	amf, err := hex.DecodeString(*f.amf)
	if err != nil || len(amf) != 2 {
		return sub, fmt.Errorf("--amf: must be 4 hex digits (2 octets), e.g. 8000")
	}
	sub.AMF = [2]byte(amf)
	if sub.SQN, err = strconv.ParseUint(strings.TrimPrefix(*f.sqn, "0x"), 16, 64); err != nil || sub.SQN > store.MaxSQN {
		return sub, fmt.Errorf("--sqn: must be at most 12 hex digits (48 bits)")
	}
	switch strings.ToLower(strings.ReplaceAll(*f.auth, "_", "-")) {
	case "5g-aka":
		sub.AuthMethod = store.AuthMethod5GAKA
	case "eap-aka-prime", "eap-aka'":
		sub.AuthMethod = store.AuthMethodEAPAKAPrime
	default:
		return sub, fmt.Errorf("--auth: must be 5g-aka or eap-aka-prime, not %q", *f.auth)
	}
	for _, v := range f.slices.vals {
		n, err := parseSNSSAI(v)
		if err != nil {
			return sub, fmt.Errorf("--snssai: %v", err)
		}
		sub.SNSSAIs = append(sub.SNSSAIs, n)
	}
	if len(sub.SNSSAIs) > 0 {
		sub.DefaultSNSSAI = sub.SNSSAIs[0]
	}
	if *f.defSlice != "" {
		if sub.DefaultSNSSAI, err = parseSNSSAI(*f.defSlice); err != nil {
			return sub, fmt.Errorf("--default-snssai: %v", err)
		}
	}
	if sub.AMBR.Uplink, err = store.ParseBitRate(*f.ambrUL); err != nil {
		return sub, fmt.Errorf("--ambr-ul: %v", err)
	}
	if sub.AMBR.Downlink, err = store.ParseBitRate(*f.ambrDL); err != nil {
		return sub, fmt.Errorf("--ambr-dl: %v", err)
	}
	return sub, nil
}

// parseSNSSAI reads "SST" or "SST:SD" (SST 0-255, SD 6 hex digits).
func parseSNSSAI(s string) (store.SNSSAI, error) {
	sst, sd, _ := strings.Cut(s, ":")
	v, err := strconv.ParseUint(sst, 10, 8)
	if err != nil {
		return store.SNSSAI{}, fmt.Errorf("%q: SST must be 0 to 255, as SST or SST:SD (e.g. 1 or 1:000001)", s)
	}
	n := store.SNSSAI{SST: uint8(v), SD: strings.ToLower(sd)}
	if err := store.ValidSNSSAI(n); err != nil || (sd == "" && strings.Contains(s, ":")) {
		return store.SNSSAI{}, fmt.Errorf("%q: SD must be 6 hex digits (24 bits), e.g. 1:000001", s)
	}
	return n, nil
}

// fieldFlag names the flag that sets a store field.
func fieldFlag(field string) string {
	switch field {
	case "auth_method":
		return "--auth"
	case "snssais":
		return "--snssai"
	case "default_snssai":
		return "--default-snssai"
	case "dnns":
		return "--dnn"
	case "ambr_uplink":
		return "--ambr-ul"
	case "ambr_downlink":
		return "--ambr-dl"
	}
	return "--" + field // supi, k, opc, amf, sqn, count, prefix, limit
}

// flagError rewrites a store validation error to name the flag to fix.
func flagError(err error, fromOP bool) error {
	var fe *store.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	name := fieldFlag(fe.Field)
	if fromOP && fe.Field == "opc" {
		name = "--op"
	}
	return fmt.Errorf("%s: %s", name, fe.Reason)
}

// supiError rewrites a store error about a SUPI given as an argument.
func supiError(supi string, err error) error {
	var fe *store.FieldError
	if errors.As(err, &fe) && fe.Field == "supi" {
		return fmt.Errorf("SUPI %q: %s", supi, fe.Reason)
	}
	return err
}

// subscriberJSON is the CLI's JSON form of a subscriber; K and OPc are
// "[hidden]" unless secrets are asked for.
type subscriberJSON struct {
	SUPI          string         `json:"supi"`
	K             string         `json:"k"`
	OPc           string         `json:"opc"`
	AMF           string         `json:"amf"`
	SQN           string         `json:"sqn"`
	AuthMethod    string         `json:"authMethod"`
	SNSSAIs       []store.SNSSAI `json:"snssais"`
	DefaultSNSSAI store.SNSSAI   `json:"defaultSnssai"`
	DNNs          []string       `json:"dnns"`
	AMBR          struct {
		Uplink   string `json:"uplink"`
		Downlink string `json:"downlink"`
	} `json:"ambr"`
}

const hiddenSecret = "[hidden]"

func toJSON(s store.Subscriber, secrets bool) subscriberJSON {
	j := subscriberJSON{SUPI: s.SUPI, K: hiddenSecret, OPc: hiddenSecret,
		AMF: hex.EncodeToString(s.AMF[:]), SQN: fmt.Sprintf("%012x", s.SQN),
		AuthMethod: string(s.AuthMethod), SNSSAIs: s.SNSSAIs, DefaultSNSSAI: s.DefaultSNSSAI, DNNs: s.DNNs}
	if secrets {
		j.K, j.OPc = hex.EncodeToString(s.K), hex.EncodeToString(s.OPc)
	}
	j.AMBR.Uplink, j.AMBR.Downlink = s.AMBR.Uplink.String(), s.AMBR.Downlink.String()
	return j
}

// sliceList lists the S-NSSAIs with the default marked by '*'.
func sliceList(s store.Subscriber) string {
	parts := make([]string, len(s.SNSSAIs))
	for i, n := range s.SNSSAIs {
		parts[i] = n.String()
		if n.Equal(s.DefaultSNSSAI) {
			parts[i] += "*"
		}
	}
	return strings.Join(parts, ",")
}

func subscriberList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g subscriber list", flag.ContinueOnError)
	prefix := fs.String("prefix", "", "only SUPIs starting with this, e.g. imsi-00101")
	after := fs.String("after", "", "start after this SUPI (the last one of the previous page)")
	limit := fs.Int("limit", store.DefaultLimit, fmt.Sprintf("at most this many (up to %d)", store.MaxLimit-1))
	asJSON := fs.Bool("json", false, "print JSON (K and OPc hidden)")
	st := storeFlag(fs)
	pos, err := parseFlags(fs, e, "Usage: go5g subscriber list [flags]\n\n", args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q (use --prefix to filter)", errUsage, pos[0])
	}
	if *limit < 1 || *limit >= store.MaxLimit {
		return fmt.Errorf("--limit: must be 1 to %d", store.MaxLimit-1)
	}
	s, err := openStore(*st, false)
	if err != nil {
		return err
	}
	defer s.Close()
	// One more than asked tells whether there is a next page.
	page, err := s.ListSubscribers(ctx, store.ListOptions{Prefix: *prefix, After: *after, Limit: *limit + 1})
	if err != nil {
		return flagError(err, false)
	}
	more := len(page) > *limit
	page = page[:min(len(page), *limit)]
	if *asJSON {
		out := make([]subscriberJSON, len(page))
		for i, sub := range page {
			out[i] = toJSON(sub, false)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	total, err := s.CountSubscribers(ctx, *prefix, 0)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SUPI\tAUTH\tSQN\tS-NSSAI (*default)\tDNN\tAMBR UL\tAMBR DL")
	for _, sub := range page {
		fmt.Fprintf(tw, "%s\t%s\t%012x\t%s\t%s\t%s\t%s\n", sub.SUPI, sub.AuthMethod, sub.SQN,
			sliceList(sub), strings.Join(sub.DNNs, ","), sub.AMBR.Uplink, sub.AMBR.Downlink)
	}
	tw.Flush()
	switch {
	case len(page) == 0 && total == 0:
		fmt.Fprintln(e.stdout, "(no subscribers)")
	case more:
		fmt.Fprintf(e.stdout, "(%d shown, %d in all; next page: --after %s)\n", len(page), total, page[len(page)-1].SUPI)
	default:
		fmt.Fprintf(e.stdout, "(%d shown, %d in all)\n", len(page), total)
	}
	return nil
}

func subscriberShow(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g subscriber show", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	secrets := fs.Bool("show-secrets", false, "print K and OPc in hex")
	st := storeFlag(fs)
	pos, err := parseFlags(fs, e, "Usage: go5g subscriber show SUPI [flags]\n\n", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give exactly one SUPI", errUsage)
	}
	s, err := openStore(*st, false)
	if err != nil {
		return err
	}
	defer s.Close()
	sub, err := s.GetSubscriber(ctx, pos[0])
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s is not provisioned (go5g subscriber list shows who is)", pos[0])
	}
	if err != nil {
		return supiError(pos[0], err)
	}
	j := toJSON(sub, *secrets)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	if !*secrets {
		j.K += " (--show-secrets prints it)"
		j.OPc += " (--show-secrets prints it)"
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "SUPI\t%s\n", j.SUPI)
	fmt.Fprintf(tw, "K\t%s\n", j.K)
	fmt.Fprintf(tw, "OPc\t%s\n", j.OPc)
	fmt.Fprintf(tw, "AMF\t%s\n", j.AMF)
	fmt.Fprintf(tw, "SQN\t%s (SEQ %d, IND %d)\n", j.SQN, sub.SQN>>store.IndBits, sub.SQN&(1<<store.IndBits-1))
	fmt.Fprintf(tw, "Authentication\t%s\n", j.AuthMethod)
	fmt.Fprintf(tw, "S-NSSAIs\t%s (default %s)\n", sliceList(sub), sub.DefaultSNSSAI)
	fmt.Fprintf(tw, "DNNs\t%s\n", strings.Join(sub.DNNs, ", "))
	fmt.Fprintf(tw, "UE-AMBR\t%s up, %s down\n", j.AMBR.Uplink, j.AMBR.Downlink)
	return tw.Flush()
}

func subscriberDelete(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g subscriber delete", flag.ContinueOnError)
	st := storeFlag(fs)
	pos, err := parseFlags(fs, e, "Usage: go5g subscriber delete SUPI [flags]\n\n", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give exactly one SUPI", errUsage)
	}
	s, err := openStore(*st, false)
	if err != nil {
		return err
	}
	defer s.Close()
	err = s.DeleteSubscriber(ctx, pos[0])
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s is not provisioned; nothing deleted", pos[0])
	}
	if err != nil {
		return supiError(pos[0], err)
	}
	fmt.Fprintf(e.stdout, "deleted %s\n", pos[0])
	return nil
}
