package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"go5g/internal/aka"
	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/fleet"
	"go5g/internal/sim/gnb"
	"go5g/internal/suci"
)

const simUsage = `Usage: go5g sim --k HEX (--opc HEX | --op HEX) [flags]

Brings up simulated gNBs (N2 over SCTP to the AMF) and UEs that register
through them, as real base stations and phones do.

Scenario mode (the default) registers every UE, --concurrency at a time,
optionally deregisters it, and prints a row per UE (for more than 50 UEs
a summary and the failed rows; --table full for all). Exit status 0 when
every UE succeeded, 1 when any failed.

With --pdu-session each UE then establishes a PDU session (--dnn,
--pdu-type) and the table shows its address. --tun (as root) also gives
each session a TUN device, pdu1, in a network namespace go5g-ue-<n>, and
keeps the UEs up until Ctrl-C (then switches them off), so that any
program can use the session:
  ip netns exec go5g-ue-1 ping -c 3 <an address on the data network>
The gNBs' GTP-U then runs on --n3 port 2152, which must be free there
(a UPF on the same host binds its own N3 address: give the gNB another).
With --inactivity D a gNB releases a UE whose user plane has been quiet
for D (CM-IDLE); downlink data then pages it back (Service Request), and
uplink data from its TUN makes it come back by itself.

Load mode (--rate R) starts registrations at R per second, evenly spaced,
for --ues registrations or for --duration (reusing the SUPIs), prints
progress each second on stderr and then the achieved rate and latency
percentiles.

Example (against 'go5g core' on this host, with the subscribers added by
'go5g subscriber add --supi imsi-001010000000001 --count 1000 --k ... --opc ...'):
  go5g sim --gnbs 4 --ues 1000 --k 465B5CE8B199B49FAA5F0A2EE238A6BC \
      --opc E8ED289DEBA952E4283B54E88E6183CA --deregister

`

// simFlags are the flags of `go5g sim`, as text where a bad value must be
// reported naming its flag.
type simFlags struct {
	amf, transport, imsi, k, opc, op, suci, hnKey, sd, mcc, mnc, table string
	amfUDPPort, gnbs, gnbID, ues, hnKeyID, sst, tac, concurrency       int
	deregister, switchOff, verbose                                     bool
	rate                                                               float64
	duration, timeout, connectTimeout, inactivity                      time.Duration

	// PDU sessions and the user plane (simsession.go).
	pduSession, tun           bool
	dnn, pduType, n3, ueNetns string
}

func (f *simFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.amf, "amf", "127.0.0.1:38412", "the AMF's N2 address, host:port")
	fs.StringVar(&f.transport, "transport", "auto", "SCTP transport: udp, ip, kernel or auto (kernel if present, else udp)")
	fs.IntVar(&f.amfUDPPort, "amf-udp-port", sctp.DefaultUDPPort, "the AMF's UDP encapsulation port (transport udp)")
	fs.IntVar(&f.gnbs, "gnbs", 1, "number of gNBs; UEs are spread round robin over them")
	fs.IntVar(&f.gnbID, "gnb-id", 1, "gNB ID of the first gNB (22 bits); the others follow")
	fs.IntVar(&f.ues, "ues", 1, "number of UEs, with consecutive IMSIs from --imsi")
	fs.StringVar(&f.imsi, "imsi", "001010000000001", "IMSI of the first UE (imsi- prefix optional)")
	fs.StringVar(&f.k, "k", "", "subscriber key K of every UE, 32 hex digits (required)")
	fs.StringVar(&f.opc, "opc", "", "operator variant key OPc, 32 hex digits")
	fs.StringVar(&f.op, "op", "", "operator key OP, 32 hex digits (OPc is computed from it and K)")
	fs.StringVar(&f.suci, "suci", "null", "SUCI protection scheme: null, a (Profile A) or b (Profile B)")
	fs.StringVar(&f.hnKey, "hn-key", "", "home network public key, hex, as 'go5g keys list' prints it (--suci a or b)")
	fs.IntVar(&f.hnKeyID, "hn-key-id", -1, "home network public key identifier, 0 to 255 (--suci a or b)")
	fs.IntVar(&f.sst, "sst", 1, "slice/service type of the gNBs' slice and the requested NSSAI")
	fs.StringVar(&f.sd, "sd", "", "slice differentiator, 6 hex digits (default none)")
	fs.StringVar(&f.mcc, "mcc", "001", "PLMN MCC the gNBs broadcast")
	fs.StringVar(&f.mnc, "mnc", "01", "PLMN MNC the gNBs broadcast (its length also splits --imsi)")
	fs.IntVar(&f.tac, "tac", 1, "tracking area code of the gNBs' cells")
	fs.BoolVar(&f.deregister, "deregister", false, "deregister each UE after it registered (waits for DEREGISTRATION ACCEPT)")
	fs.BoolVar(&f.switchOff, "switch-off", false, "deregister each UE as switched off (no answer awaited)")
	fs.IntVar(&f.concurrency, "concurrency", fleet.DefaultConcurrency, "UE procedures in flight at most")
	fs.Float64Var(&f.rate, "rate", 0, "load mode: registrations started per second")
	fs.DurationVar(&f.duration, "duration", 0, "load mode: run this long (e.g. 30s) instead of --ues registrations")
	fs.DurationVar(&f.connectTimeout, "connect-timeout", 10*time.Second, "how long each gNB may take to set up N2 with the AMF")
	fs.DurationVar(&f.timeout, "timeout", 0, "T3510/T3521: how long a UE waits for the network (default 15s)")
	fs.DurationVar(&f.inactivity, "inactivity", 0, "gNB user inactivity timer, e.g. 2s: a UE quiet that long is released to CM-IDLE\n(UE Context Release Request, cause user-inactivity) and paged back for downlink data (default off)")
	fs.StringVar(&f.table, "table", "auto", "scenario table: auto (all rows up to 50 UEs, else failed rows), full or failed")
	fs.BoolVar(&f.verbose, "v", false, "verbose: debug logs of the gNBs and UEs on stderr")
	f.registerSession(fs)
}

// runSim is `go5g sim`.
func runSim(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g sim", flag.ContinueOnError)
	var f simFlags
	f.register(fs)
	pos, err := parseFlags(fs, e, simUsage, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	cfg, dereg, err := f.config(e)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if f.rate < 0 || (f.duration != 0 && f.rate == 0) || f.duration < 0 {
		return fmt.Errorf("%w: load mode needs a positive --rate (--duration only applies with --rate)", errUsage)
	}
	sess, err := f.sessionOptions(&cfg, dereg)
	if err != nil {
		return err
	}
	fl, err := fleet.Connect(ctx, cfg)
	if err != nil {
		return connectError(err, &f)
	}
	defer fl.Close(context.WithoutCancel(ctx))
	if f.rate > 0 {
		return simLoad(ctx, e, fl, &f, dereg)
	}
	return simScenario(ctx, e, fl, &f, dereg, sess)
}

// config turns the flags into the fleet's configuration.
func (f *simFlags) config(e *env) (fleet.Config, fleet.Deregistration, error) {
	var cfg fleet.Config
	tr, err := sctp.ParseTransport(f.transport)
	if err != nil {
		return cfg, 0, fmt.Errorf("--transport: %v", err)
	}
	plmn := n2.PLMN{MCC: f.mcc, MNC: f.mnc}
	if len(f.mcc) != 3 || strings.Trim(f.mcc, "0123456789") != "" {
		return cfg, 0, fmt.Errorf("--mcc: must be 3 digits, e.g. 001")
	}
	if (len(f.mnc) != 2 && len(f.mnc) != 3) || strings.Trim(f.mnc, "0123456789") != "" {
		return cfg, 0, fmt.Errorf("--mnc: must be 2 or 3 digits, e.g. 01")
	}
	imsi := strings.TrimPrefix(f.imsi, "imsi-")
	if len(imsi) < 6 {
		return cfg, 0, fmt.Errorf("--imsi %q: want up to 15 digits: MCC, MNC, MSIN", f.imsi)
	}
	first, err := suci.NewIMSI(imsi[:3], imsi[3:3+len(f.mnc)], imsi[3+len(f.mnc):])
	if err != nil {
		return cfg, 0, fmt.Errorf("--imsi %q: want up to 15 digits: MCC, MNC, MSIN", f.imsi)
	}
	if f.tac < 0 || f.tac >= 1<<24 {
		return cfg, 0, fmt.Errorf("--tac: must be 0 to 16777215 (24 bits)")
	}
	if f.sst < 0 || f.sst > 255 {
		return cfg, 0, fmt.Errorf("--sst: must be 0 to 255")
	}
	slice := n2.SNSSAI{SST: uint8(f.sst)}
	if f.sd != "" {
		sd, err := strconv.ParseUint(f.sd, 16, 32)
		if err != nil || len(f.sd) != 6 {
			return cfg, 0, fmt.Errorf("--sd: must be 6 hex digits, e.g. 000001")
		}
		slice.SD, slice.HasSD = uint32(sd), true
	}
	if f.gnbs < 1 || f.ues < 1 || f.concurrency < 1 || f.gnbID < 0 || f.timeout < 0 || f.connectTimeout < 0 || f.inactivity < 0 {
		return cfg, 0, fmt.Errorf("--gnbs, --ues and --concurrency must be at least 1, --gnb-id and the timeouts not negative")
	}
	if f.amfUDPPort < 1 || f.amfUDPPort > 65535 {
		return cfg, 0, fmt.Errorf("--amf-udp-port: must be 1 to 65535")
	}
	cfg = fleet.Config{
		AMF: f.amf, Transport: tr, SCTP: sctp.Options{RemoteUDPPort: f.amfUDPPort},
		GNBs: f.gnbs, FirstGNBID: uint32(f.gnbID), PLMN: plmn, TAC: uint32(f.tac), Slices: []n2.SNSSAI{slice},
		UEs: f.ues, FirstSUPI: first, Concurrency: f.concurrency, T3510: f.timeout, T3521: f.timeout,
		ConnectTimeout: f.connectTimeout, Inactivity: f.inactivity,
		Log: e.log,
	}
	if f.verbose {
		cfg.Log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if err := f.keys(&cfg); err != nil {
		return cfg, 0, err
	}
	var dereg fleet.Deregistration
	switch {
	case f.deregister && f.switchOff:
		return cfg, 0, fmt.Errorf("give at most one of --deregister and --switch-off")
	case f.deregister:
		dereg = fleet.Deregister
	case f.switchOff:
		dereg = fleet.SwitchOff
	}
	switch f.table {
	case "auto", "full", "failed":
	default:
		return cfg, 0, fmt.Errorf("--table: want auto, full or failed")
	}
	return cfg, dereg, nil
}

// keys reads K, OPc (or OP) and the SUCI protection scheme.
func (f *simFlags) keys(cfg *fleet.Config) error {
	switch {
	case f.k == "":
		return fmt.Errorf("--k is required: the subscribers' K, as given to 'go5g subscriber add'")
	case (f.opc == "") == (f.op == ""):
		return fmt.Errorf("give exactly one of --opc and --op")
	}
	k, err := parseKey("k", f.k)
	if err != nil {
		return err
	}
	cfg.K = [16]byte(k)
	if f.op != "" {
		op, err := parseKey("op", f.op)
		if err != nil {
			return err
		}
		// Spec: TS 35.206 §4.1 (OPc = E_K(OP) xor OP)
		opc, err := aka.OPc(k, op)
		if err != nil {
			return fmt.Errorf("--op: %v", err)
		}
		cfg.OPc = [16]byte(opc)
	} else {
		opc, err := parseKey("opc", f.opc)
		if err != nil {
			return err
		}
		cfg.OPc = [16]byte(opc)
	}
	var scheme suci.Scheme
	switch strings.ToLower(f.suci) {
	case "null", "0":
		if f.hnKey != "" || f.hnKeyID != -1 {
			return fmt.Errorf("--hn-key and --hn-key-id go with --suci a or b")
		}
		return nil
	case "a", "profile-a", "1":
		scheme = suci.ProfileA
	case "b", "profile-b", "2":
		scheme = suci.ProfileB
	default:
		return fmt.Errorf("--suci: want null, a or b")
	}
	if f.hnKey == "" || f.hnKeyID < 0 || f.hnKeyID > 255 {
		return fmt.Errorf("--suci %s needs --hn-key (a public key 'go5g keys list' prints) and its --hn-key-id (0 to 255)", f.suci)
	}
	pub, err := suci.ParsePublicKeyHex(scheme, uint8(f.hnKeyID), f.hnKey)
	if err != nil {
		return fmt.Errorf("--hn-key: %v (is it a Profile %s key?)", err, scheme)
	}
	cfg.HomeNetworkKey = &pub
	return nil
}

// connectError says what to do when the gNBs cannot come up.
func connectError(err error, f *simFlags) error {
	var sf *gnb.SetupFailure
	switch {
	case errors.Is(err, fleet.ErrConfig):
		return fmt.Errorf("%w: %v", errUsage, err)
	case errors.As(err, &sf):
		return fmt.Errorf("%v: the AMF does not serve these gNBs: check --mcc %s --mnc %s --tac %d --sst %d against the core's configuration",
			err, f.mcc, f.mnc, f.tac, f.sst)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted while connecting the gNBs")
	}
	hint := "check --amf and --transport"
	if strings.Contains(err.Error(), "udp") {
		hint += fmt.Sprintf(" (and --amf-udp-port, now %d)", f.amfUDPPort)
	}
	return fmt.Errorf("%v\nno N2 association with the AMF at %s: is `go5g core` running? %s", err, f.amf, hint)
}

func simScenario(ctx context.Context, e *env, fl *fleet.Fleet, f *simFlags, dereg fleet.Deregistration, sess *fleet.SessionOptions) error {
	rep, err := fl.Scenario(ctx, fleet.ScenarioOptions{Deregistration: dereg, Session: sess})
	all := f.table == "full" || (f.table == "auto" && len(rep.UEs) <= 50)
	printScenario(e.stdout, rep, all, dereg)
	switch {
	case err != nil:
		return fmt.Errorf("interrupted: %d of %d UEs did not finish", rep.Failed, len(rep.UEs))
	case !rep.AllOK():
		return fmt.Errorf("%d of %d UEs failed", rep.Failed, len(rep.UEs))
	}
	if sess != nil && sess.TUN {
		holdTUNs(ctx, e, rep)
	}
	return nil
}

// printScenario writes the result table (every row, or the failed ones)
// and the summary line.
func printScenario(w io.Writer, rep *fleet.ScenarioReport, all bool, dereg fleet.Deregistration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rows := 0
	for _, r := range rep.UEs {
		if !all && r.OK {
			continue
		}
		if rows == 0 {
			fmt.Fprintln(tw, "SUPI\tGNB\tRESULT\t5G-GUTI\tLATENCY\t"+sessionHeader(rep)+"REASON")
		}
		rows++
		res, guti := "ok", r.GUTI
		if !r.OK {
			res = "FAILED"
		}
		if guti == "" {
			guti = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s%s\n", r.SUPI, r.GNB, res, guti, ms(r.Latency), sessionCells(rep, r), r.Reason)
	}
	tw.Flush()
	if rows > 0 {
		fmt.Fprintln(w)
	}
	if !all && rep.OK > 0 {
		fmt.Fprintf(w, "(%d successful rows not shown: --table full shows every UE)\n", rep.OK)
	}
	what := "registered"
	switch dereg {
	case fleet.Deregister:
		what = "registered and deregistered"
	case fleet.SwitchOff:
		what = "registered and switched off"
	}
	rate := 0.0
	if s := rep.Elapsed.Seconds(); s > 0 {
		rate = float64(rep.OK) / s
	}
	fmt.Fprintf(w, "%d UEs: %d %s, %d failed in %s (%.1f/s)", len(rep.UEs), rep.OK, what, rep.Failed,
		rep.Elapsed.Round(time.Millisecond), rate)
	if l := rep.Latency; l.Max > 0 {
		fmt.Fprintf(w, "; registration latency p50 %s p90 %s p99 %s max %s", ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max))
	}
	fmt.Fprintln(w)
}

func simLoad(ctx context.Context, e *env, fl *fleet.Fleet, f *simFlags, dereg fleet.Deregistration) error {
	opts := fleet.LoadOptions{Rate: f.rate, Duration: f.duration, Deregistration: dereg,
		Progress: func(p fleet.Progress) {
			total := "?"
			if p.Total > 0 {
				total = strconv.Itoa(p.Total)
			}
			fmt.Fprintf(e.stderr, "%6.1fs  %d/%s done  %.1f/s  %d failed  %d in flight\n",
				p.Elapsed.Seconds(), p.Done, total, p.Rate, p.Failed, p.InFlight)
		}}
	rep, err := fl.Load(ctx, opts)
	if err != nil && rep == nil {
		return err
	}
	printLoad(e.stdout, rep)
	switch {
	case err != nil:
		return fmt.Errorf("interrupted after %d registrations", rep.Started)
	case rep.Failed > 0:
		return fmt.Errorf("%d of %d registrations failed", rep.Failed, rep.Started)
	}
	return nil
}

// printLoad writes the load run's counts, rates, latency and failures.
func printLoad(w io.Writer, rep *fleet.LoadReport) {
	fmt.Fprintf(w, "%d registrations started, %d ok, %d failed", rep.Started, rep.OK, rep.Failed)
	if rep.Canceled > 0 {
		fmt.Fprintf(w, ", %d canceled", rep.Canceled)
	}
	fmt.Fprintf(w, " in %s\n", rep.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "rate: requested %.1f/s, started %.1f/s, achieved %.1f/s\n", rep.Requested, rep.StartRate, rep.Rate)
	l := rep.Latency
	fmt.Fprintf(w, "latency: p50 %s  p90 %s  p99 %s  max %s  (min %s, mean %s)\n",
		ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), ms(l.Min), ms(l.Mean))
	reasons := make([]string, 0, len(rep.Reasons))
	for r := range rep.Reasons {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b string) int {
		if c := cmp.Compare(rep.Reasons[b], rep.Reasons[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, r := range reasons {
		fmt.Fprintf(w, "failed: %d × %s\n", rep.Reasons[r], r)
	}
}

// ms shows a duration in milliseconds, to a tenth.
func ms(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
}
