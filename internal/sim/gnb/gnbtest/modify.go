package gnbtest

import (
	"context"
	"fmt"
	"time"

	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/sim/gnb"
)

// ModifySessions sends PDU SESSION RESOURCE MODIFY REQUEST with the given
// sessions (ID, NAS PDU, Modify Request Transfer) for c and returns the
// gNB's response. Spec: TS 38.413 §8.2.3
func (a *AMF) ModifySessions(ctx context.Context, c *gnb.Connection, sessions []n2.SessionItem) (*n2.PDUSessionResourceModifyResponse, error) {
	b, err := n2.PDUSessionResourceModifyRequest{AMFUENGAPID: AMFUENGAPID(c.RANUENGAPID()), RANUENGAPID: c.RANUENGAPID(),
		Sessions: sessions}.Marshal()
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	conn := a.conn
	a.mu.Unlock()
	if conn == nil {
		return nil, fmt.Errorf("gnbtest: no gNB connected")
	}
	if err := conn.Send(ctx, sctp.Message{Stream: 1 % max(conn.Streams(), 1), PPID: sctp.PPIDNGAP, Data: b}); err != nil {
		return nil, err
	}
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case pdu := <-a.answers:
			if pdu.Procedure != n2.ProcPDUSessionResourceModify {
				continue
			}
			return n2.ParsePDUSessionResourceModifyResponse(pdu)
		case <-t.C:
			return nil, fmt.Errorf("gnbtest: no answer to PDU SESSION RESOURCE MODIFY REQUEST")
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
