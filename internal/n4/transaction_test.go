package n4

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

// The first two copies of a request are lost: the third gets through, the
// handler runs once.
func TestRetransmitLostRequest(t *testing.T) {
	pr := newPair(t, nil)
	s := pr.establish(t, nil)
	pr.cpLossy.setDrop(dropFirst(message.MsgTypeSessionModificationRequest, 2))
	before := pr.cp.Stats().Retransmissions
	start := time.Now()
	resp, err := modify(ctxT(t, 5*time.Second), s)
	if err != nil {
		t.Fatal(err)
	}
	if Cause(resp) != ie.CauseRequestAccepted {
		t.Fatalf("cause %d", Cause(resp))
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Errorf("answered after %v: two T1 (100 ms) retransmissions cannot be that fast", el)
	}
	if got := pr.cp.Stats().Retransmissions - before; got != 2 {
		t.Errorf("retransmissions = %d, want 2", got)
	}
	if got := pr.upCalls.Load(); got != 1 {
		t.Errorf("handler ran %d times, want 1", got)
	}
	if got := pr.cpLossy.droppedCount(); got != 2 {
		t.Errorf("dropped %d, want 2", got)
	}
}

// The first response is lost: the retransmitted request is a duplicate,
// answered from the cache without running the handler again.
func TestDuplicateRequestGetsCachedResponse(t *testing.T) {
	pr := newPair(t, nil)
	s := pr.establish(t, nil)
	pr.upLossy.setDrop(dropFirst(message.MsgTypeSessionModificationResponse, 1))
	dupsBefore := pr.up.Stats().Duplicates
	resp, err := modify(ctxT(t, 5*time.Second), s)
	if err != nil {
		t.Fatal(err)
	}
	if Cause(resp) != ie.CauseRequestAccepted {
		t.Fatalf("cause %d", Cause(resp))
	}
	if got := pr.upCalls.Load(); got != 1 {
		t.Errorf("handler ran %d times, want 1", got)
	}
	// One duplicate, or more when the UP was slower than T1 (a copy that
	// arrives while the first is still being handled is dropped).
	if got := pr.up.Stats().Duplicates - dupsBefore; got < 1 {
		t.Errorf("UP duplicates = %d, want at least 1", got)
	}
}

// Byte for byte: the same request twice gets the same response twice and
// runs the handler once; a new sequence number runs it again.
func TestDuplicateRequestRaw(t *testing.T) {
	var calls atomic.Int64
	cfg := testConfig(UP, nil)
	cfg.Handlers = map[uint8]HandlerFunc{
		message.MsgTypeNodeReportRequest: func(p *Peer, req message.Message) (message.Message, error) {
			c := calls.Add(1)
			return message.NewNodeReportResponse(0, p.Node().NodeID(), ie.NewCause(ie.CauseRequestAccepted), nil,
				ie.NewRecoveryTimeStamp(time.Unix(1_700_000_000+c, 0))), nil
		},
	}
	n := newNode(t, cfg)
	r := newRawPeer(t, n)
	r.associate(time.Now())
	req := r.sendMsg(message.NewNodeReportRequest(77, ie.NewNodeID("127.0.0.9", "", "")))
	first := r.recv(2 * time.Second)
	r.send(req)
	second := r.recv(2 * time.Second)
	if first == nil || !bytes.Equal(first, second) {
		t.Fatalf("responses differ:\n%x\n%x\n%+v", first, second, n.Stats())
	}
	r.sendMsg(message.NewNodeReportRequest(78, ie.NewNodeID("127.0.0.9", "", "")))
	third := r.recv(2 * time.Second)
	if bytes.Equal(first[8:], third[8:]) {
		t.Error("a new request got the cached response")
	}
	if calls.Load() != 2 {
		t.Errorf("handler ran %d times, want 2", calls.Load())
	}
	if got := n.Stats().Duplicates; got != 1 {
		t.Errorf("duplicates = %d, want 1", got)
	}
}

// The peer never answers: after N1 retransmissions the request fails with
// a typed timeout.
func TestRequestTimeout(t *testing.T) {
	pr := newPair(t, nil)
	s := pr.establish(t, nil)
	pr.cpLossy.setDrop(func(b []byte) bool { return true })
	start := time.Now()
	_, err := modify(ctxT(t, 5*time.Second), s)
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *TimeoutError", err)
	}
	if te.Sent != 4 || te.MessageType != message.MsgTypeSessionModificationRequest || te.Peer != addrOf(t, pr.up) {
		t.Errorf("timeout %+v, want 4 transmissions of a modification to the UP", te)
	}
	if el := time.Since(start); el < 400*time.Millisecond || el > 3*time.Second {
		t.Errorf("timed out after %v, want (N1+1)*T1 = 400 ms", el)
	}
	if got := pr.cpLossy.droppedCount(); got != 4 {
		t.Errorf("sent %d copies, want 4", got)
	}
	if got := pr.cp.Stats().Timeouts; got != 1 {
		t.Errorf("timeouts = %d", got)
	}
	// The late transaction is gone: a response now would be unsolicited.
	pr.cpLossy.setDrop(nil)
	if _, err := modify(ctxT(t, 5*time.Second), s); err != nil {
		t.Fatalf("node no longer works: %v", err)
	}
}

func TestRequestContextCancel(t *testing.T) {
	pr := newPair(t, nil)
	s := pr.establish(t, nil)
	pr.cpLossy.setDrop(func(b []byte) bool { return true })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := modify(ctx, s); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestUnsolicitedResponseDropped(t *testing.T) {
	n := newNode(t, testConfig(CP, nil))
	r := newRawPeer(t, n)
	r.associate(time.Now())
	r.sendMsg(message.NewHeartbeatResponse(12345, ie.NewRecoveryTimeStamp(time.Now())))
	// From an unknown address too.
	r2 := newRawPeer(t, n)
	r2.sendMsg(message.NewSessionModificationResponse(0, 0, 1, 999, 0, ie.NewCause(1)))
	waitFor(t, 2*time.Second, "two unsolicited responses", func() bool { return n.Stats().Unsolicited == 2 })
	if b := r.recv(100 * time.Millisecond); b != nil {
		t.Errorf("answered an unsolicited response with %x", b)
	}
}

// A response of the wrong type ends the transaction with an error instead
// of retransmitting (§7.6.1).
func TestWrongResponseType(t *testing.T) {
	n := newNode(t, testConfig(CP, nil))
	r := newRawPeer(t, n)
	from, _ := addrPortOf(r.conn.LocalAddr())
	p, err := n.Peer(from)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.Request(context.Background(), message.NewHeartbeatRequest(0, n.rtsIE(), nil))
		done <- err
	}()
	req := r.recvMsg(2 * time.Second)
	r.sendMsg(message.NewNodeReportResponse(req.Sequence(), ie.NewNodeID("127.0.0.9", "", ""), ie.NewCause(1), nil))
	var re *ResponseError
	if err := <-done; !errors.As(err, &re) {
		t.Fatalf("err = %v, want *ResponseError", err)
	}
	go func() {
		_, err := p.Request(context.Background(), message.NewHeartbeatRequest(0, n.rtsIE(), nil))
		done <- err
	}()
	req = r.recvMsg(2 * time.Second)
	r.sendMsg(message.NewVersionNotSupportedResponse(req.Sequence()))
	var ve *VersionNotSupportedError
	if err := <-done; !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *VersionNotSupportedError", err)
	}
}
