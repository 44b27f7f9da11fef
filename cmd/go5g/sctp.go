package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"slices"
	"time"

	"go5g/internal/sctp"
)

// runSCTP is `go5g sctp`: tools to check the N2 transport between a gNB
// host and an AMF host before any NGAP runs over it.
func runSCTP(ctx context.Context, e *env, args []string) error {
	sub := map[string]func(context.Context, *env, []string) error{
		"check": sctpCheck,
		"serve": sctpServe,
		"ping":  sctpPing,
	}
	if len(args) == 0 || sub[args[0]] == nil {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(e.stdout, sctpUsage)
			return nil
		}
		fmt.Fprint(e.stderr, sctpUsage)
		return fmt.Errorf("%w: expected check, serve or ping", errUsage)
	}
	return sub[args[0]](ctx, e, args[1:])
}

const sctpUsage = `Usage: go5g sctp <check|serve|ping> [flags]

  check   report which SCTP transports this host can use
  serve   run an echo server (what an AMF would listen on)
  ping    open an association to a server, send messages and time the echoes

Transports: kernel (Linux SCTP module), udp (userspace SCTP over UDP, RFC 6951),
ip (userspace SCTP over raw IP, needs root), auto (kernel if present, else udp).
`

// transportFlags are the flags serve and ping share.
type transportFlags struct {
	transport string
	udpPort   int
	rudpPort  int
}

func (t *transportFlags) register(fs *flag.FlagSet, udpDefault int) {
	fs.StringVar(&t.transport, "transport", "auto", "kernel, udp, ip or auto")
	fs.IntVar(&t.udpPort, "udp-port", udpDefault, "local UDP encapsulation port (udp transport)")
	fs.IntVar(&t.rudpPort, "remote-udp-port", 9899, "peer UDP encapsulation port (udp transport)")
}

func (t *transportFlags) options(e *env) (sctp.Transport, sctp.Options, error) {
	tr, err := sctp.ParseTransport(t.transport)
	if err != nil {
		return "", sctp.Options{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	return tr, sctp.Options{Config: sctp.Config{Logger: e.log}, UDPPort: t.udpPort, RemoteUDPPort: t.rudpPort}, nil
}

func sctpCheck(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g sctp check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ok := 0
	report := func(name string, err error) {
		if err == nil {
			ok++
			fmt.Fprintf(e.stdout, "%-7s available\n", name)
			return
		}
		fmt.Fprintf(e.stdout, "%-7s unavailable: %v\n", name, err)
	}
	report("kernel", sctp.KernelAvailable())
	report("udp", probeUDP())
	report("ip", probeRawIP())
	if ok == 0 {
		return errors.New("no SCTP transport is usable on this host")
	}
	return nil
}

// probeRawIP checks that a raw IP socket for protocol 132 can be opened
// (root or CAP_NET_RAW).
func probeRawIP() error {
	c, err := net.ListenIP("ip4:132", &net.IPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return fmt.Errorf("%w (the ip transport needs root or CAP_NET_RAW)", err)
	}
	return c.Close()
}

// probeUDP checks that a UDP socket can be bound on loopback.
func probeUDP() error {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	return c.Close()
}

func sctpServe(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g sctp serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var tf transportFlags
	tf.register(fs, 9899)
	listen := fs.String("listen", "127.0.0.1:38412", "SCTP address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tr, opt, err := tf.options(e)
	if err != nil {
		return err
	}
	ln, chosen, err := sctp.Listen(ctx, tr, *listen, opt)
	if err != nil {
		return err
	}
	defer ln.Close()
	e.log.Info("sctp echo server listening", "addr", ln.Addr(), "transport", chosen)
	go func() { <-ctx.Done(); ln.Close() }()
	for {
		c, err := ln.Accept(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go echo(ctx, e, c)
	}
}

// echo sends every message back on the stream and PPID it came on.
func echo(ctx context.Context, e *env, c sctp.Conn) {
	e.log.Info("association up", "peer", c.RemoteAddr(), "streams", c.Streams())
	for {
		m, err := c.Recv(ctx)
		if err != nil {
			e.log.Info("association down", "peer", c.RemoteAddr(), "reason", err)
			return
		}
		if err := c.Send(ctx, m); err != nil {
			e.log.Info("association down", "peer", c.RemoteAddr(), "reason", err)
			return
		}
	}
}

func sctpPing(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("go5g sctp ping", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var tf transportFlags
	tf.register(fs, 0)
	count := fs.Int("c", 5, "messages to send")
	size := fs.Int("s", 200, "message size in bytes")
	ppid := fs.Uint("ppid", sctp.PPIDNGAP, "payload protocol identifier")
	interval := fs.Duration("i", 200*time.Millisecond, "interval between messages")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: go5g sctp ping [flags] <address:port>")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *count < 1 || *size < 1 {
		fs.Usage()
		return fmt.Errorf("%w: need one address, -c >= 1 and -s >= 1", errUsage)
	}
	tr, opt, err := tf.options(e)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	c, chosen, err := sctp.Dial(dctx, tr, fs.Arg(0), opt)
	cancel()
	if err != nil {
		return fmt.Errorf("cannot open an association to %s: %w", fs.Arg(0), err)
	}
	fmt.Fprintf(e.stdout, "association to %s over %s, %d streams\n", c.RemoteAddr(), chosen, c.Streams())
	var rtts []time.Duration
	payload := make([]byte, *size)
	for i := 0; i < *count && ctx.Err() == nil; i++ {
		start := time.Now()
		m := sctp.Message{Stream: uint16(i % int(max(c.Streams(), 1))), PPID: uint32(*ppid), Data: payload}
		if err := c.Send(ctx, m); err != nil {
			return err
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		r, err := c.Recv(rctx)
		cancel()
		if err != nil {
			return fmt.Errorf("no echo for message %d: %w", i, err)
		}
		rtt := time.Since(start)
		rtts = append(rtts, rtt)
		fmt.Fprintf(e.stdout, "%d bytes stream %d ppid %d: time=%v\n", len(r.Data), r.Stream, r.PPID, rtt.Round(time.Microsecond))
		if i+1 < *count {
			time.Sleep(*interval)
		}
	}
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Close(cctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if len(rtts) > 0 {
		slices.Sort(rtts)
		fmt.Fprintf(e.stdout, "%d sent, %d echoed, rtt min/p50/max = %v/%v/%v\n", *count, len(rtts),
			rtts[0].Round(time.Microsecond), rtts[len(rtts)/2].Round(time.Microsecond), rtts[len(rtts)-1].Round(time.Microsecond))
	}
	return nil
}
