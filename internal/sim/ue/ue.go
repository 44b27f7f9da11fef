// Package ue is a simulated UE for go5g's simulator: a USIM (SUPI, K, OPc,
// SQN, SUCI protection profile and home network public key) and the UE's
// side of 5GMM (TS 24.501): registration with 5G-AKA or EAP-AKA' (by SUCI
// or by its stored 5G-GUTI), security mode control, mobility and periodic
// registration updates with its current NAS security context, Service
// Request from CM-IDLE, Configuration Update (5G-GUTI reallocation), and
// deregistration, UE-originating or by the network; PDU sessions, each
// optionally with a TUN device in the UE's network namespace (tun.go) so
// that real programs use it. Released to CM-IDLE it camps on its gNB,
// answers paging with SERVICE REQUEST and holds its TUNs' uplink until a
// SERVICE REQUEST (with Uplink data status) re-activates the sessions
// (idle.go). It reaches the network only through a
// simulated gNB, as a phone does, and shares with the core only the
// protocol, crypto and OS packages (n1, n2, aka, suci, tun, netns).
//
// Its NAS messages are encoded here from the tables of TS 24.501 §8.2 and
// what it receives is decoded with the free5gc/nas library, so the two ends
// of N1 do not share an encoder.
package ue

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
	"go5g/internal/suci"
)

// Config is the UE's USIM and behaviour.
type Config struct {
	SUPI suci.SUPI // an IMSI (MCC, MNC, MSIN)
	K    [16]byte
	OPc  [16]byte
	// SQN is the highest sequence number the USIM has accepted (SQN_MS);
	// a challenge must carry a greater one (TS 33.102 §6.3.3).
	SQN uint64

	// HomeNetworkKey conceals the SUPI (Profile A or B); nil means the null
	// scheme. RoutingIndicator defaults to "0".
	HomeNetworkKey   *suci.PublicKey
	RoutingIndicator string

	// SecurityCapability is the UE security capability IE value (octet 1:
	// 5G-EA0..7, octet 2: 5G-IA0..7, bit 8 first); default EA0-3 and IA0-3.
	SecurityCapability []byte
	// RequestedNSSAI is sent in the complete REGISTRATION REQUEST.
	RequestedNSSAI []n2.SNSSAI
	// FollowOnRequest sets "follow-on request pending" in registration
	// updates, so that the network keeps the connection and sets up the AS
	// context (TS 24.501 §9.11.3.7).
	FollowOnRequest bool

	// Timers: T3510 guards the registration (initial or update), T3521
	// the deregistration, T3517 the service request (TS 24.501 Table
	// 10.2.1); default 15 s each. Deregistration Request is sent at most 5
	// times.
	T3510, T3521, T3517 time.Duration
	// T3580 guards PDU session establishment and release (TS 24.501
	// Table 10.3.1, T3580/T3582); default 16 s.
	T3580 time.Duration

	Faults Faults
	Log    *slog.Logger
}

// Faults make the UE misbehave on purpose, for tests of the network.
type Faults struct {
	// CorruptMAC flips a bit of the NAS-MAC of the first protected uplink
	// message of this 5GMM message type (0: none).
	CorruptMAC uint8
	// Ignore makes the UE silently drop every downlink message of this
	// 5GMM message type (0: none).
	Ignore uint8
	// CorruptRES flips a bit of RES* (5G-AKA) before sending it.
	CorruptRES bool
	// TamperSM flips a bit of the 5GSM container of the first protected
	// UL NAS TRANSPORT after protection (session.go).
	TamperSM bool
	// TamperContainer flips a bit of the ciphered NAS message container of
	// every initial message of this 5GMM message type after protection, so
	// that its NAS-MAC fails (0: none; service.go).
	TamperContainer uint8
	// ForeignContainer puts another message in the NAS message container
	// of every initial message of this 5GMM message type, well ciphered and
	// protected: a REGISTRATION REQUEST in a SERVICE REQUEST's, a SERVICE
	// REQUEST in a REGISTRATION REQUEST's (0: none; service.go).
	ForeignContainer uint8
	// NoContainer sends every initial message of this 5GMM message type
	// complete, non-cleartext IEs outside a NAS message container, as UEs
	// that do not follow TS 24.501 §4.4.6 do (0: none; service.go).
	NoContainer uint8
}

// Result is what a registration achieved, with counts and timings.
type Result struct {
	Registered bool
	// TMSI and GUTI (5GS mobile identity contents) assigned by the AMF.
	TMSI uint32
	GUTI []byte
	// Allowed NSSAI and T3512 from REGISTRATION ACCEPT.
	Allowed []n2.SNSSAI
	T3512   time.Duration
	// EAP is set when the network authenticated with EAP-AKA'.
	EAP bool
	// Algorithms selected in SECURITY MODE COMMAND.
	Cipher    n1.CipherAlg
	Integrity n1.IntegrityAlg
	// Counts of downlink messages received.
	AuthenticationRequests, SecurityModeCommands, RegistrationAccepts, DeregistrationAccepts int
	IdentityRequests                                                                         int
	// Counts of the procedures of a registered UE: SERVICE ACCEPTs,
	// CONFIGURATION UPDATE COMMANDs and network DEREGISTRATION REQUESTs
	// received (the last with its "re-registration required").
	ServiceAccepts, ConfigurationUpdates, NetworkDeregistrations int
	ReregistrationRequired                                       bool
	// ASSecurityActivations counts AS security set up by the gNB (Initial
	// Context Setup) with a KgNB equal to the UE's.
	ASSecurityActivations int
	// Pagings counts pagings received in CM-IDLE; MTServiceRequests and
	// DataServiceRequests the SERVICE REQUESTs they and held uplink data
	// started; Releases the RRC connections the network released
	// (idle.go).
	Pagings, MTServiceRequests, DataServiceRequests, Releases int
	// Duration from REGISTRATION REQUEST to REGISTRATION COMPLETE sent.
	Duration time.Duration
}

// RejectError is the network refusing the UE: REGISTRATION REJECT with a
// 5GMM cause, or AUTHENTICATION REJECT.
type RejectError struct {
	Cause          uint8 // 5GMM cause of REGISTRATION REJECT
	Authentication bool  // AUTHENTICATION REJECT
	// BackOff is the T3346 back-off of a #22 "congestion" reject; nil
	// for other causes.
	BackOff *BackOff
}

func (e *RejectError) Error() string {
	if e.Authentication {
		return "ue: authentication rejected by the network"
	}
	if e.BackOff != nil {
		return fmt.Sprintf("ue: registration rejected with 5GMM cause #%d (%v)", e.Cause, e.BackOff)
	}
	return fmt.Sprintf("ue: registration rejected with 5GMM cause #%d", e.Cause)
}

// ErrTimeout is a procedure's guard timer expiring (T3510, T3521).
var ErrTimeout = errors.New("ue: no answer from the network")

// UE is one simulated UE. One goroutine owns its state and handles, in
// order, what the gNB delivers, its timers and the procedures asked of it,
// so that it keeps answering the network between procedures (a
// retransmitted REGISTRATION ACCEPT, a release).
type UE struct {
	cfg    Config
	supi   string
	caps   []byte
	log    *slog.Logger
	events chan event
	calls  chan func()
	quit   chan struct{}
	closed sync.Once
	ended  chan struct{} // closed when the loop has returned

	// Owned by the loop goroutine.
	g    *gnb.GNB
	link *gnb.Connection
	gen  uint64 // of the current RRC connection

	sqnMS      uint64
	ngKSI      uint8 // 7: no key
	kamf       []byte
	sec        *n1.SecurityContext
	secured    bool
	kgNB       [32]byte
	registered bool
	tmsi       uint32
	guti       []byte
	faultsUsed bool
	lastUL     []byte // last protected uplink message as sent
	fullReq    []byte // the complete REGISTRATION REQUEST
	res        Result
	pending    *pending // the procedure under way
	timerSeq   uint64

	// 5GSM (session.go): PDU sessions by ID, procedures by PTI.
	sessions   map[uint8]*Session
	smProcs    map[uint8]*smProc
	pti        uint8
	smTampered bool
	tuns       map[uint8]*TUN // TUN devices by PDU session ID (tun.go)
	camped     *n2.FiveGSTMSI // the identity the UE is pageable with (idle.go)
}

// pending is a procedure under way and who waits for its end.
type pending struct {
	kind  procKind
	done  chan error // buffered: the loop never blocks on it
	start time.Time
	timer *time.Timer
	seq   uint64 // of the armed timer
	tries int
	msg   []byte // DEREGISTRATION REQUEST, for T3521 retransmission
}

type procKind uint8

const (
	procRegister procKind = iota + 1
	procDeregister
	procUpdate  // mobility or periodic registration update
	procService // service request
)

// New makes a UE from its USIM data and starts its goroutine; Close stops it.
func New(cfg Config) (*UE, error) {
	if _, err := suci.NewIMSI(cfg.SUPI.MCC, cfg.SUPI.MNC, cfg.SUPI.MSIN); err != nil {
		return nil, fmt.Errorf("ue: SUPI: %w", err)
	}
	if cfg.RoutingIndicator == "" {
		cfg.RoutingIndicator = "0"
	}
	if cfg.SecurityCapability == nil {
		cfg.SecurityCapability = []byte{0xf0, 0xf0}
	}
	if len(cfg.SecurityCapability) < 2 || len(cfg.SecurityCapability) > 8 {
		return nil, errors.New("ue: security capability must be 2 to 8 octets")
	}
	if cfg.T3510 == 0 {
		cfg.T3510 = 15 * time.Second
	}
	if cfg.T3521 == 0 {
		cfg.T3521 = 15 * time.Second
	}
	if cfg.T3517 == 0 {
		cfg.T3517 = 15 * time.Second
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u := &UE{cfg: cfg, supi: cfg.SUPI.String(), caps: cfg.SecurityCapability,
		events: make(chan event, 64), calls: make(chan func()), quit: make(chan struct{}), ended: make(chan struct{}),
		sqnMS: cfg.SQN, ngKSI: 7}
	u.log = log.With("supi", u.supi)
	go u.loop()
	return u, nil
}

// Close stops the UE's goroutine; a procedure under way ends with ErrClosed.
func (u *UE) Close() { u.closed.Do(func() { close(u.quit) }) }

// ErrClosed is returned by the procedures of a closed UE.
var ErrClosed = errors.New("ue: closed")

func (u *UE) loop() {
	defer close(u.ended)
	for {
		select {
		case ev := <-u.events:
			u.handle(ev)
		case f := <-u.calls:
			f()
		case <-u.quit:
			u.finish(ErrClosed)
			u.closeTUNs()
			return
		}
	}
}

// do runs f on the UE's goroutine and waits for it.
func (u *UE) do(f func()) error {
	done := make(chan struct{})
	select {
	case u.calls <- func() { f(); close(done) }:
		<-done
		return nil
	case <-u.quit:
		return ErrClosed
	}
}

// run starts a procedure with start (on the UE's goroutine) and waits for
// its end or ctx.
func (u *UE) run(ctx context.Context, kind procKind, start func(*pending) error) error {
	p := &pending{kind: kind, done: make(chan error, 1), start: time.Now()}
	var err error
	if cerr := u.do(func() {
		if u.pending != nil {
			err = errors.New("ue: another procedure is under way")
			return
		}
		u.pending = p
		if err = start(p); err != nil {
			u.stopTimer(p)
			u.pending = nil
		}
	}); cerr != nil {
		return cerr
	}
	if err != nil {
		return err
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		u.do(func() {
			if u.pending == p {
				u.finish(ctx.Err())
			}
		})
		return ctx.Err()
	}
}

// finish ends the procedure under way with err.
func (u *UE) finish(err error) {
	p := u.pending
	if p == nil {
		return
	}
	u.stopTimer(p)
	u.pending = nil
	if p.kind == procRegister || p.kind == procUpdate {
		u.res.Duration = time.Since(p.start)
		u.res.Registered = err == nil && u.registered
	}
	p.done <- err
}

// armTimer (re)starts the procedure's guard timer.
func (u *UE) armTimer(p *pending, d time.Duration) {
	u.stopTimer(p)
	u.timerSeq++
	p.seq = u.timerSeq
	ev := event{timer: p.seq}
	p.timer = time.AfterFunc(d, func() {
		select {
		case u.events <- ev:
		case <-u.quit:
		}
	})
}

func (u *UE) stopTimer(p *pending) {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}

// SUPI is the UE's SUPI, "imsi-...".
func (u *UE) SUPI() string { return u.supi }

// SQN is the USIM's highest accepted sequence number.
func (u *UE) SQN() uint64 {
	var v uint64
	u.do(func() { v = u.sqnMS })
	return v
}

// Result is the current result of the last registration: its counts go on
// as the network sends again (a retransmitted REGISTRATION ACCEPT).
func (u *UE) Result() Result {
	var v Result
	u.do(func() { v = u.res })
	return v
}

// Registered reports whether the UE is registered.
func (u *UE) Registered() bool {
	var v bool
	u.do(func() { v = u.registered })
	return v
}

// Connected reports whether the UE has an RRC connection.
func (u *UE) Connected() bool {
	var v bool
	u.do(func() { v = u.link != nil })
	return v
}

// event is what the gNB hands the UE, tagged with the RRC connection, or
// the expiry of a guard timer.
type event struct {
	gen      uint64
	nas      []byte
	kgNB     *[32]byte
	released bool
	timer    uint64 // timer sequence number; 0 for gNB events
	// paged: the gNB paged the UE; ulData: a TUN holds uplink data while
	// the UE is idle (idle.go). Neither belongs to a connection.
	paged, ulData bool
	sessionsUp    bool // the gNB set up PDU sessions on the connection
}

// terminal is the gNB's view of one RRC connection of the UE.
type terminal struct {
	u   *UE
	gen uint64
}

func (t terminal) post(ev event) {
	ev.gen = t.gen
	select {
	case t.u.events <- ev:
	default:
		t.u.log.Warn("UE event queue full: downlink dropped")
	}
}

func (t terminal) DownlinkNAS(pdu []byte) { t.post(event{nas: append([]byte(nil), pdu...)}) }
func (t terminal) ASSecurity(k [32]byte)  { t.post(event{kgNB: &k}) }
func (t terminal) Released()              { t.post(event{released: true}) }
func (t terminal) SessionsUp()            { t.post(event{sessionsUp: true}) }

// attach opens a new RRC connection through g.
func (u *UE) attach(g *gnb.GNB, opt gnb.AttachOptions) {
	u.gen++
	u.g = g
	u.link = g.Attach(terminal{u: u, gen: u.gen}, opt)
}

// suciIdentity conceals the SUPI afresh (a new ephemeral key each time) and
// encodes it as 5GS mobile identity contents.
// Spec: TS 33.501 §6.12.2, TS 24.501 §9.11.3.4
func (u *UE) suciIdentity() ([]byte, error) {
	s, err := suci.Conceal(u.cfg.SUPI, u.cfg.RoutingIndicator, u.cfg.HomeNetworkKey, rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("ue: conceal SUPI: %w", err)
	}
	return s.Marshal()
}
