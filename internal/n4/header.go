package n4

import (
	"errors"
	"fmt"

	"github.com/wmnsk/go-pfcp/message"
)

// Version is the PFCP version this node speaks.
//
// Spec: TS 29.244 §7.2.2.1 (Version field: 1)
const Version = 1

// header is what the node reads from a PFCP header before handing the
// message to go-pfcp: enough to classify, route and bound it.
//
// Spec: TS 29.244 §7.2.2.1, §7.2.2.2 (node related), §7.2.2.3 (session related)
type header struct {
	version uint8
	fo      bool // another message follows in the datagram (§6.5)
	hasSEID bool
	typ     uint8
	length  int // octets after the first four
	seid    uint64
	seq     uint32
}

// errShort is a datagram too short for the header it announces.
var errShort = errors.New("pfcp: message shorter than its header")

// parseHeader reads the header at the start of b. It needs only the octets
// of the header itself, so it also serves messages of other versions (to
// answer them with a Version Not Supported Response).
func parseHeader(b []byte) (header, error) {
	var h header
	if len(b) < 8 {
		return h, errShort
	}
	h.version = b[0] >> 5
	h.fo = b[0]&0x04 != 0
	h.hasSEID = b[0]&0x01 != 0
	h.typ = b[1]
	h.length = int(b[2])<<8 | int(b[3])
	off := 4
	if h.hasSEID {
		if len(b) < 16 {
			return h, errShort
		}
		for _, c := range b[4:12] {
			h.seid = h.seid<<8 | uint64(c)
		}
		off = 12
	}
	h.seq = uint32(b[off])<<16 | uint32(b[off+1])<<8 | uint32(b[off+2])
	return h, nil
}

// total is the length of the whole message: the four octets before the
// Message Length field plus the length it announces.
func (h header) total() int { return 4 + h.length }

// checkLength validates the Message Length against the datagram.
//
// Spec: TS 29.244 §7.6.3 (message of invalid length)
func (h header) checkLength(avail int) error {
	min := 4 // sequence number and spare
	if h.hasSEID {
		min += 8
	}
	if h.length < min {
		return fmt.Errorf("pfcp: message length %d shorter than its header", h.length)
	}
	if h.total() > avail {
		return fmt.Errorf("pfcp: message length %d exceeds the %d octets received", h.length, avail-4)
	}
	return nil
}

// kind is what the node knows about a message type.
type kind uint8

const (
	kindUnknown kind = iota
	kindRequest
	kindResponse
)

// msgKind classifies the message types of TS 29.244 Table 7.3-1 that
// go-pfcp decodes. Types it does not know (e.g. the MBS and TSN messages
// of later releases) are unknown here too and are discarded (§7.6.4).
func msgKind(t uint8) kind {
	switch t {
	case message.MsgTypeHeartbeatRequest, message.MsgTypePFDManagementRequest,
		message.MsgTypeAssociationSetupRequest, message.MsgTypeAssociationUpdateRequest,
		message.MsgTypeAssociationReleaseRequest, message.MsgTypeNodeReportRequest,
		message.MsgTypeSessionSetDeletionRequest, message.MsgTypeSessionEstablishmentRequest,
		message.MsgTypeSessionModificationRequest, message.MsgTypeSessionDeletionRequest,
		message.MsgTypeSessionReportRequest:
		return kindRequest
	case message.MsgTypeHeartbeatResponse, message.MsgTypePFDManagementResponse,
		message.MsgTypeAssociationSetupResponse, message.MsgTypeAssociationUpdateResponse,
		message.MsgTypeAssociationReleaseResponse, message.MsgTypeVersionNotSupportedResponse,
		message.MsgTypeNodeReportResponse, message.MsgTypeSessionSetDeletionResponse,
		message.MsgTypeSessionEstablishmentResponse, message.MsgTypeSessionModificationResponse,
		message.MsgTypeSessionDeletionResponse, message.MsgTypeSessionReportResponse:
		return kindResponse
	}
	return kindUnknown
}

// isSessionType reports whether t is a session related message, which
// carries an SEID in its header.
//
// Spec: TS 29.244 §7.2.2.3, Table 7.3-1 (types 50 to 99)
func isSessionType(t uint8) bool { return t >= 50 }

// needsAssociation reports whether a request of type t is accepted only
// from a peer with an established association. Heartbeat and Association
// Setup are the two that are not.
//
// Spec: TS 29.244 §6.2.6.1
func needsAssociation(t uint8) bool {
	return t != message.MsgTypeHeartbeatRequest && t != message.MsgTypeAssociationSetupRequest
}

// decode parses one message (exactly b, already cut to its length) with
// go-pfcp. go-pfcp slices its input with lengths taken from the wire, so a
// panic in it is turned into an error here: a peer's bytes must never stop
// the node.
func decode(b []byte) (m message.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, &PanicError{Value: r}
		}
	}()
	return message.Parse(b)
}

// PanicError is a panic inside go-pfcp while decoding, returned as an error.
type PanicError struct{ Value any }

func (e *PanicError) Error() string { return fmt.Sprintf("pfcp: decoder panicked: %v", e.Value) }

// marshal encodes m.
func marshal(m message.Message) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, &PanicError{Value: r}
		}
	}()
	b = make([]byte, m.MarshalLen())
	if err := m.MarshalTo(b); err != nil {
		return nil, err
	}
	return b, nil
}
