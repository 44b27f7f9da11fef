package n4

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// ErrClosed is returned by operations on a closed Node.
var ErrClosed = errors.New("n4: node closed")

// ErrNotAssociated is returned when a request needs an association the
// peer does not have.
var ErrNotAssociated = errors.New("n4: no established PFCP association")

// TimeoutError is a request that got no response after N1 retransmissions.
//
// Spec: TS 29.244 §6.4 (retransmission), §7.6.1
type TimeoutError struct {
	Peer        netip.AddrPort
	MessageType uint8
	Sequence    uint32
	Sent        int // transmissions, the first one included
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("n4: %s (seq %d) to %s: no response after %d transmissions",
		typeName(e.MessageType), e.Sequence, e.Peer, e.Sent)
}

// Timeout lets net.Error-style checks see it as a timeout.
func (e *TimeoutError) Timeout() bool { return true }

// VersionNotSupportedError is a request answered with a Version Not
// Supported Response.
//
// Spec: TS 29.244 §7.4.4.7, §7.6.2
type VersionNotSupportedError struct{ Peer netip.AddrPort }

func (e *VersionNotSupportedError) Error() string {
	return fmt.Sprintf("n4: %s answered Version Not Supported", e.Peer)
}

// ResponseError is a response that did not decode or has the wrong type.
// The transaction ends with it rather than retransmitting.
//
// Spec: TS 29.244 §7.6.1 ("If the received erroneous message is a reply to
// an outstanding PFCP message, the PFCP transaction layer shall stop
// retransmissions and notify the PFCP application layer of the error")
type ResponseError struct {
	Peer netip.AddrPort
	Err  error
}

func (e *ResponseError) Error() string { return fmt.Sprintf("n4: response from %s: %v", e.Peer, e.Err) }
func (e *ResponseError) Unwrap() error { return e.Err }

// CauseError is what a handler returns to reject a request with a cause
// (TS 29.244 §8.2.1); the node builds the response of the right type.
type CauseError struct {
	Cause     uint8
	Offending uint16 // IE type for the Offending IE, or 0
	Err       error
}

func (e *CauseError) Error() string {
	s := fmt.Sprintf("n4: cause %d", e.Cause)
	if e.Offending != 0 {
		s += fmt.Sprintf(" (offending IE %d)", e.Offending)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}
func (e *CauseError) Unwrap() error { return e.Err }

// RejectedError is a response whose Cause is not "Request accepted".
type RejectedError struct {
	MessageType uint8
	Cause       uint8
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("n4: %s rejected with cause %d", typeName(e.MessageType), e.Cause)
}

func typeName(t uint8) string {
	switch t {
	case 1:
		return "Heartbeat Request"
	case 2:
		return "Heartbeat Response"
	case 3:
		return "PFD Management Request"
	case 4:
		return "PFD Management Response"
	case 5:
		return "Association Setup Request"
	case 6:
		return "Association Setup Response"
	case 7:
		return "Association Update Request"
	case 8:
		return "Association Update Response"
	case 9:
		return "Association Release Request"
	case 10:
		return "Association Release Response"
	case 11:
		return "Version Not Supported Response"
	case 12:
		return "Node Report Request"
	case 13:
		return "Node Report Response"
	case 14:
		return "Session Set Deletion Request"
	case 15:
		return "Session Set Deletion Response"
	case 50:
		return "Session Establishment Request"
	case 51:
		return "Session Establishment Response"
	case 52:
		return "Session Modification Request"
	case 53:
		return "Session Modification Response"
	case 54:
		return "Session Deletion Request"
	case 55:
		return "Session Deletion Response"
	case 56:
		return "Session Report Request"
	case 57:
		return "Session Report Response"
	}
	return fmt.Sprintf("message type %d", t)
}

// reject builds the response to a request of type reqType carrying cause:
// every PFCP response but the Heartbeat Response has a Cause IE, and the
// Node ID where the message has one. It returns nil for a request whose
// response cannot carry a cause.
//
// Spec: TS 29.244 §7.2.3.2 (rejection responses), §7.4, §7.5
func reject(reqType uint8, seid uint64, seq uint32, nodeID *ie.IE, cause uint8, offending uint16) message.Message {
	c := ie.NewCause(cause)
	var off *ie.IE
	if offending != 0 {
		off = ie.NewOffendingIE(offending)
	}
	switch reqType {
	case message.MsgTypePFDManagementRequest:
		return message.NewPFDManagementResponse(seq, c, off)
	case message.MsgTypeAssociationSetupRequest:
		return message.NewAssociationSetupResponse(seq, nodeID, c)
	case message.MsgTypeAssociationUpdateRequest:
		return message.NewAssociationUpdateResponse(seq, nodeID, c)
	case message.MsgTypeAssociationReleaseRequest:
		return message.NewAssociationReleaseResponse(seq, nodeID, c)
	case message.MsgTypeNodeReportRequest:
		return message.NewNodeReportResponse(seq, nodeID, c, off)
	case message.MsgTypeSessionSetDeletionRequest:
		return message.NewSessionSetDeletionResponse(seq, nodeID, c, off)
	}
	// go-pfcp's session message constructors dereference every IE they
	// are given: no nil may be passed.
	ies := []*ie.IE{c}
	if off != nil {
		ies = append(ies, off)
	}
	switch reqType {
	case message.MsgTypeSessionEstablishmentRequest:
		return message.NewSessionEstablishmentResponse(0, 0, seid, seq, 0, append([]*ie.IE{nodeID}, ies...)...)
	case message.MsgTypeSessionModificationRequest:
		return message.NewSessionModificationResponse(0, 0, seid, seq, 0, ies...)
	case message.MsgTypeSessionDeletionRequest:
		return message.NewSessionDeletionResponse(0, 0, seid, seq, 0, ies...)
	case message.MsgTypeSessionReportRequest:
		return message.NewSessionReportResponse(0, 0, seid, seq, 0, ies...)
	}
	return nil
}

// causeOf returns the Cause of a response, and whether it has one.
func causeOf(m message.Message) (uint8, bool) {
	var c *ie.IE
	switch r := m.(type) {
	case *message.AssociationSetupResponse:
		c = r.Cause
	case *message.AssociationUpdateResponse:
		c = r.Cause
	case *message.AssociationReleaseResponse:
		c = r.Cause
	case *message.NodeReportResponse:
		c = r.Cause
	case *message.PFDManagementResponse:
		c = r.Cause
	case *message.SessionSetDeletionResponse:
		c = r.Cause
	case *message.SessionEstablishmentResponse:
		c = r.Cause
	case *message.SessionModificationResponse:
		c = r.Cause
	case *message.SessionDeletionResponse:
		c = r.Cause
	case *message.SessionReportResponse:
		c = r.Cause
	}
	if c == nil {
		return 0, false
	}
	v, err := c.Cause()
	if err != nil {
		return 0, false
	}
	return v, true
}

// Cause returns the Cause value of a PFCP response, or 0 when it has none.
func Cause(m message.Message) uint8 {
	v, _ := causeOf(m)
	return v
}
