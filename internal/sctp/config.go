package sctp

import (
	"log/slog"
	"net/netip"
	"time"
)

// PacketConn carries whole SCTP packets (from the common header on) to and
// from peers. addr is the peer's IP and UDP port (UDP encapsulation) or port
// 0 (raw IP). WriteTo must not keep b after it returns.
type PacketConn interface {
	ReadFrom(b []byte) (n int, addr netip.AddrPort, err error)
	WriteTo(b []byte, addr netip.AddrPort) error
	LocalAddr() netip.AddrPort
	Close() error
}

// Config tunes the userspace stack. The zero value gives the protocol
// parameters of RFC 9260 §16; NGAP deployments often lower the RTOs.
//
// Spec: RFC 9260 §16.
type Config struct {
	RTOInitial, RTOMin, RTOMax time.Duration // 1s, 1s, 60s

	// MaxInitRetransmits bounds INIT and COOKIE ECHO retransmissions;
	// AssociationMaxRetrans and PathMaxRetrans bound the error counters of
	// §8.1 and §8.2. Defaults 8, 10, 5.
	MaxInitRetransmits, AssociationMaxRetrans, PathMaxRetrans int

	HeartbeatInterval time.Duration // HB.interval, 30s
	ValidCookieLife   time.Duration // Valid.Cookie.Life, 60s

	// OutStreams is the number of outbound streams asked for and
	// MaxInStreams the most inbound streams accepted; the association uses
	// the minimum of each with the peer's offer. Default 16 each (NGAP
	// needs at least 2: stream 0 for non-UE signalling).
	OutStreams, MaxInStreams uint16

	// MTU is the largest SCTP packet sent, common header included, without
	// the IP or UDP header. Default 1200, safe for UDP encapsulation on
	// any path; raw IP uses the link MTU less the IP header.
	MTU int

	// SendBuffer bounds the bytes queued and unacknowledged before Send
	// blocks (a single message larger than it is still accepted when the
	// queue is empty); default 1 MiB. ReceiveWindow is the receive buffer
	// advertised to the peer (a_rwnd); default 1 MiB. A message larger than
	// ReceiveWindow cannot be reassembled.
	SendBuffer, ReceiveWindow int

	// CookieSecret keys the HMAC-SHA-256 of the state cookie; a random
	// 32-byte key per Endpoint when nil.
	CookieSecret []byte

	// IgnoreForeignPorts drops, without any answer, packets for SCTP ports
	// that have neither a listener nor an association here. A raw IP socket
	// sees every SCTP packet to the host, including other stacks' ports.
	IgnoreForeignPorts bool

	// DelayedAckTime is how long a SACK may wait (RFC 9260 §6.2: at most
	// 500 ms, 200 ms recommended); default 200 ms, and at most RTOMin/2.
	DelayedAckTime time.Duration

	// MaxBurst bounds the packets of new data sent at once (Max.Burst); default 4.
	MaxBurst int

	// AcceptBacklog bounds associations established but not yet accepted;
	// beyond it new ones are aborted (Out of Resource). Default 1024.
	AcceptBacklog int

	// LocalPort is the local SCTP port DialUDP uses; 0 picks an ephemeral one.
	LocalPort uint16
	// LocalUDPAddr is the local UDP address DialUDP binds; the zero value
	// binds an ephemeral port on every address of the peer's family.
	LocalUDPAddr netip.AddrPort

	Logger *slog.Logger
}

// Protocol parameter defaults. Spec: RFC 9260 §16.
const (
	defaultRTOInitial         = 1 * time.Second
	defaultRTOMin             = 1 * time.Second
	defaultRTOMax             = 60 * time.Second
	defaultMaxInitRetransmits = 8
	defaultAssocMaxRetrans    = 10
	defaultPathMaxRetrans     = 5
	defaultHeartbeatInterval  = 30 * time.Second
	defaultValidCookieLife    = 60 * time.Second
	defaultStreams            = 16
	defaultMTU                = 1200
	defaultBuffer             = 1 << 20
	defaultDelayedAck         = 200 * time.Millisecond
	maxDelayedAck             = 500 * time.Millisecond
	defaultMaxBurst           = 4
	defaultAcceptBacklog      = 1024

	// minMTU keeps room for a DATA chunk with some payload after the headers.
	minMTU = 256
	// minWindow is the smallest a_rwnd RFC 9260 §3.3.2 allows.
	minWindow = 1500
)

// withDefaults fills zero fields with their RFC 9260 §16 defaults and fixes
// inconsistent values (RTO.Min above RTO.Max and the like).
func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.RTOInitial, defaultRTOInitial)
	def(&c.RTOMin, defaultRTOMin)
	def(&c.RTOMax, defaultRTOMax)
	if c.RTOMax < c.RTOMin {
		c.RTOMax = c.RTOMin
	}
	c.RTOInitial = min(max(c.RTOInitial, c.RTOMin), c.RTOMax)
	defInt(&c.MaxInitRetransmits, defaultMaxInitRetransmits)
	defInt(&c.AssociationMaxRetrans, defaultAssocMaxRetrans)
	defInt(&c.PathMaxRetrans, defaultPathMaxRetrans)
	def(&c.HeartbeatInterval, defaultHeartbeatInterval)
	def(&c.ValidCookieLife, defaultValidCookieLife)
	if c.OutStreams == 0 {
		c.OutStreams = defaultStreams
	}
	if c.MaxInStreams == 0 {
		c.MaxInStreams = defaultStreams
	}
	defInt(&c.MTU, defaultMTU)
	c.MTU = max(c.MTU, minMTU) &^ 3
	defInt(&c.SendBuffer, defaultBuffer)
	defInt(&c.ReceiveWindow, defaultBuffer)
	c.ReceiveWindow = max(c.ReceiveWindow, minWindow)
	def(&c.DelayedAckTime, defaultDelayedAck)
	// A SACK delayed beyond the peer's RTO would fire its T3-rtx for
	// nothing: with an RTO.Min lowered below the 200 ms default, the delay
	// follows (assuming the peer's RTO.Min is like ours).
	c.DelayedAckTime = min(c.DelayedAckTime, maxDelayedAck, c.RTOMin/2)
	defInt(&c.MaxBurst, defaultMaxBurst)
	defInt(&c.AcceptBacklog, defaultAcceptBacklog)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
