package n4

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// hdr builds a PFCP header by hand: version, type, SEID (when withSEID)
// and sequence number, followed by body, with the Message Length computed
// unless length >= 0 overrides it.
func hdr(version, typ uint8, withSEID bool, seid uint64, seq uint32, length int, body []byte) []byte {
	b := []byte{version << 5, typ, 0, 0}
	if withSEID {
		b[0] |= 0x01
		b = binary.BigEndian.AppendUint64(b, seid)
	}
	b = append(b, byte(seq>>16), byte(seq>>8), byte(seq), 0)
	b = append(b, body...)
	if length < 0 {
		length = len(b) - 4
	}
	binary.BigEndian.PutUint16(b[2:4], uint16(length))
	return b
}

// rtsBody is a Recovery Time Stamp IE (type 96, length 4).
func rtsBody() []byte { return []byte{0, 96, 0, 4, 0xe8, 0, 0, 0} }

func TestProtocolErrors(t *testing.T) {
	n := newNode(t, testConfig(UP, nil))
	stranger := newRawPeer(t, n)
	friend := newRawPeer(t, n)
	friend.associate(time.Now())

	fseid := ie.NewFSEID(0x1234, []byte{127, 0, 0, 9}, nil)
	fseidBytes, _ := fseid.Marshal()
	cases := []struct {
		name      string
		from      *rawPeer
		in        []byte
		wantType  uint8  // 0: no answer
		wantCause uint8  // for answers with a Cause
		wantSEID  uint64 // header SEID of session answers
		wantSeq   uint32
		counter   func(Stats) uint64
	}{
		{name: "too short for a header", from: stranger, in: []byte{0x20, 0x01, 0x00},
			counter: func(s Stats) uint64 { return s.Malformed }},
		{name: "length beyond the datagram", from: stranger, in: hdr(1, 1, false, 0, 5, 200, rtsBody()),
			counter: func(s Stats) uint64 { return s.Malformed }},
		{name: "length shorter than the header", from: stranger, in: hdr(1, 1, false, 0, 5, 2, nil),
			counter: func(s Stats) uint64 { return s.Malformed }},
		{name: "version 2 heartbeat", from: stranger, in: hdr(2, 1, false, 0, 42, -1, rtsBody()),
			wantType: message.MsgTypeVersionNotSupportedResponse, wantSeq: 42,
			counter: func(s Stats) uint64 { return s.VersionNotSupported }},
		{name: "version 7 session message", from: friend, in: hdr(7, 52, true, 9, 43, -1, nil),
			wantType: message.MsgTypeVersionNotSupportedResponse, wantSeq: 43,
			counter: func(s Stats) uint64 { return s.VersionNotSupported }},
		{name: "unknown message type", from: friend, in: hdr(1, 99, false, 0, 44, -1, nil),
			counter: func(s Stats) uint64 { return s.UnknownType }},
		{name: "modification without association", from: stranger, in: hdr(1, 52, true, 5, 45, -1, nil),
			wantType: message.MsgTypeSessionModificationResponse, wantCause: ie.CauseNoEstablishedPFCPAssociation, wantSeq: 45,
			counter: func(s Stats) uint64 { return s.NoAssociation }},
		{name: "establishment without association", from: stranger, in: hdr(1, 50, true, 0, 46, -1, fseidBytes),
			wantType: message.MsgTypeSessionEstablishmentResponse, wantCause: ie.CauseNoEstablishedPFCPAssociation,
			wantSEID: 0x1234, wantSeq: 46,
			counter: func(s Stats) uint64 { return s.NoAssociation }},
		{name: "node report without association", from: stranger, in: hdr(1, 12, false, 0, 47, -1, nil),
			wantType: message.MsgTypeNodeReportResponse, wantCause: ie.CauseNoEstablishedPFCPAssociation, wantSeq: 47,
			counter: func(s Stats) uint64 { return s.NoAssociation }},
		{name: "unknown SEID", from: friend, in: hdr(1, 52, true, 0xdead, 48, -1, nil),
			wantType: message.MsgTypeSessionModificationResponse, wantCause: ie.CauseSessionContextNotFound, wantSeq: 48,
			counter: func(s Stats) uint64 { return s.SessionNotFound }},
		{name: "IE longer than the message", from: friend, in: hdr(1, 52, true, 0xdead, 49, -1, []byte{0, 19, 0, 50, 1}),
			wantType: message.MsgTypeSessionModificationResponse, wantCause: ie.CauseInvalidLength, wantSeq: 49,
			counter: func(s Stats) uint64 { return s.Malformed }},
		{name: "association setup without Recovery Time Stamp", from: stranger,
			in:       hdr(1, 5, false, 0, 50, -1, []byte{0, 60, 0, 5, 0, 127, 0, 0, 10}),
			wantType: message.MsgTypeAssociationSetupResponse, wantCause: ie.CauseMandatoryIEMissing, wantSeq: 50,
			counter: func(s Stats) uint64 { return s.Requests }},
		{name: "no handler for PFD management", from: friend, in: hdr(1, 3, false, 0, 51, -1, nil),
			wantType: message.MsgTypePFDManagementResponse, wantCause: ie.CauseServiceNotSupported, wantSeq: 51,
			counter: func(s Stats) uint64 { return s.Requests }},
		{name: "heartbeat from a stranger", from: stranger, in: hdr(1, 1, false, 0, 52, -1, rtsBody()),
			wantType: message.MsgTypeHeartbeatResponse, wantSeq: 52,
			counter: func(s Stats) uint64 { return s.Requests }},
		{name: "unsolicited response", from: friend, in: hdr(1, 2, false, 0, 53, -1, rtsBody()),
			counter: func(s Stats) uint64 { return s.Unsolicited }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.counter(n.Stats())
			c.from.send(c.in)
			wait := 2 * time.Second
			if c.wantType == 0 {
				wait = 200 * time.Millisecond // the silence we expect
			}
			got := c.from.recv(wait)
			if c.wantType == 0 {
				if got != nil {
					t.Fatalf("answered %x", got)
				}
			} else {
				if got == nil {
					t.Fatal("no answer")
				}
				if got[0]>>5 != 1 {
					t.Errorf("answer version %d", got[0]>>5)
				}
				m, err := message.Parse(got)
				if err != nil {
					t.Fatalf("answer does not parse: %v (%x)", err, got)
				}
				if m.MessageType() != c.wantType || m.Sequence() != c.wantSeq {
					t.Errorf("answer %s seq %d, want %s seq %d", typeName(m.MessageType()), m.Sequence(), typeName(c.wantType), c.wantSeq)
				}
				if Cause(m) != c.wantCause {
					t.Errorf("cause %d, want %d", Cause(m), c.wantCause)
				}
				if isSessionType(m.MessageType()) && m.SEID() != c.wantSEID {
					t.Errorf("SEID %#x, want %#x", m.SEID(), c.wantSEID)
				}
			}
			waitFor(t, time.Second, "the counter", func() bool { return c.counter(n.Stats()) == before+1 })
		})
	}
	// Still working: a heartbeat from the associated peer is answered.
	friend.sendMsg(message.NewHeartbeatRequest(60, ie.NewRecoveryTimeStamp(time.Now()), nil))
	if m := friend.recvMsg(time.Second); m.MessageType() != message.MsgTypeHeartbeatResponse {
		t.Fatalf("got %s", typeName(m.MessageType()))
	}
}

// Two messages bundled with the FO flag are both handled.
//
// Spec: TS 29.244 §6.5, §7.2.1A
func TestBundledMessages(t *testing.T) {
	n := newNode(t, testConfig(CP, nil))
	r := newRawPeer(t, n)
	first := hdr(1, 1, false, 0, 7, -1, rtsBody())
	first[0] |= 0x04 // FO
	r.send(append(first, hdr(1, 1, false, 0, 8, -1, rtsBody())...))
	seqs := map[uint32]bool{}
	for i := 0; i < 2; i++ {
		seqs[r.recvMsg(time.Second).Sequence()] = true
	}
	if !seqs[7] || !seqs[8] {
		t.Errorf("answered %v, want 7 and 8", seqs)
	}
}

// A handler that panics costs its request a "System failure", not the node.
func TestHandlerPanic(t *testing.T) {
	cfg := testConfig(UP, nil)
	cfg.Handlers = map[uint8]HandlerFunc{
		message.MsgTypeNodeReportRequest: func(*Peer, message.Message) (message.Message, error) { panic("bug") },
	}
	n := newNode(t, cfg)
	r := newRawPeer(t, n)
	r.associate(time.Now())
	r.sendMsg(message.NewNodeReportRequest(5, ie.NewNodeID("127.0.0.9", "", "")))
	if m := r.recvMsg(time.Second); Cause(m) != ie.CauseSystemFailure {
		t.Errorf("cause %d, want 77", Cause(m))
	}
	if n.Stats().HandlerErrors != 1 {
		t.Errorf("handler errors = %d", n.Stats().HandlerErrors)
	}
}
