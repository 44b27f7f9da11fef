// Package sctp is go5g's SCTP (RFC 9260) for N2: associations that carry whole
// messages with a stream id and a PPID. Three transports sit behind one API:
//
//   - kernel SCTP sockets, where the Linux kernel has the SCTP module;
//   - our own userspace stack over UDP encapsulation (RFC 6951, port 9899),
//     which usrsctp and Linux 5.11+ kernels also speak;
//   - the same userspace stack over raw IP (protocol 132), so real gNBs can
//     reach an AMF on a host or container without the SCTP module.
//
// The userspace stack is ours rather than pion/sctp, which is a WebRTC subset
// (fixed ports, no HEARTBEAT ACK parsing, unknown chunks drop the packet).
// Packets are encoded by package wire.
package sctp

import (
	"context"
	"errors"
	"net"
)

// PPIDNGAP is the payload protocol identifier of NGAP. Spec: TS 38.412 §7.
const PPIDNGAP = 60

// Message is one user message of an association.
type Message struct {
	Stream    uint16
	PPID      uint32
	Unordered bool
	Data      []byte
}

// Conn is one SCTP association.
type Conn interface {
	// Send queues m for reliable delivery. It blocks while the send buffer is
	// full, until ctx is done or the association ends.
	Send(ctx context.Context, m Message) error
	// Recv returns the next whole message, in order per stream for ordered
	// messages. It returns ErrClosed (wrapping the reason) once the
	// association has ended and every received message has been read.
	Recv(ctx context.Context) (Message, error)
	// Close shuts the association down gracefully (SHUTDOWN sequence),
	// delivering what is queued first, and waits until it ends or ctx is done.
	Close(ctx context.Context) error
	// Abort ends the association at once with an ABORT chunk carrying reason.
	Abort(reason string) error
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
	// Streams is the number of outbound streams the peer agreed to.
	Streams() uint16
}

// Listener accepts associations, one per peer (one per gNB on N2).
type Listener interface {
	Accept(ctx context.Context) (Conn, error)
	Close() error
	Addr() net.Addr
}

// Errors an association reports. Wrap them; test with errors.Is.
var (
	// ErrClosed: the association has ended (shutdown, abort, or failure).
	ErrClosed = errors.New("sctp: association closed")
	// ErrAborted: the peer aborted the association.
	ErrAborted = errors.New("sctp: association aborted by peer")
	// ErrPeerUnreachable: retransmissions or heartbeats exceeded Association.Max.Retrans.
	ErrPeerUnreachable = errors.New("sctp: peer unreachable")
	// ErrNoKernelSCTP: the kernel lacks SCTP; use the udp or ip transport.
	ErrNoKernelSCTP = errors.New("sctp: this kernel has no SCTP support (load the sctp module, or use transport \"udp\" (RFC 6951) or \"ip\" (userspace over raw IP))")
)
