package amf_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go5g/internal/n2"
	"go5g/internal/sctp"
	"go5g/internal/store"
	"go5g/internal/suci"
)

// noCause stands for an Error Indication with Criticality Diagnostics only.
const noCause n2.Cause = 0xffff

// TestHostileGNB: a gNB sending malformed or foreign NGAP gets Error
// Indications, and the UEs of another gNB, registering at the same time,
// are not affected.
//
// Spec: TS 38.413 §10.2, §10.6, §8.7.5
func TestHostileGNB(t *testing.T) {
	n := newNet(t, nil)
	good := n.connect(t, "gnb-good", 1)
	bad := n.connect(t, "gnb-bad", 2)
	const count = 20
	n.provision(t, 1, count+1, store.AuthMethod5GAKA)
	victim := n.register(t, good, count+1, 1)[0]
	info, _ := n.ueState(t, victim.SUPI())

	loc := n2.UserLocation{CGI: n2.NRCGI{PLMN: plmn, CellID: 1}, TAI: n2.TAI{PLMN: plmn, TAC: 1}}
	valid, err := n2.UplinkNASTransport{AMFUENGAPID: 12345, RANUENGAPID: 7, NASPDU: []byte{0x7e, 0, 0x43}, Location: loc}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := n2.UplinkNASTransport{AMFUENGAPID: info.AMFUENGAPID, RANUENGAPID: info.RANUENGAPID,
		NASPDU: []byte{0x7e, 0x00, 0x45, 0x09, 0x00, 0x0b}, Location: loc}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	attacks := []struct {
		name  string
		pdu   []byte
		cause n2.Cause
	}{
		// Procedure code 255 with criticality reject: reported by
		// Criticality Diagnostics alone, no cause (§10.3.4.1).
		{"unknown procedure", []byte{0x00, 0xff, 0x13, 0x37}, noCause},
		{"one octet", []byte{0x00}, n2.CauseTransferSyntaxError},
		{"truncated", valid[:len(valid)/2], n2.CauseTransferSyntaxError},
		{"unknown AMF UE NGAP ID", valid, n2.CauseUnknownLocalUENGAPID},
		{"another gNB's UE", foreign, n2.CauseUnknownLocalUENGAPID},
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, count)
	for i := range count {
		u := n.newUE(t, i+1, suci.ProfileA, nil)
		wg.Go(func() { _, errs[i] = u.Register(ctx, good) })
	}
	for _, a := range attacks {
		for range 5 {
			if err := bad.SendRaw(ctx, 1, a.pdu); err != nil {
				t.Fatalf("%s: %v", a.name, err)
			}
		}
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("UE %d on the good gNB: %v", i+1, err)
		}
	}
	eventually(t, 5*time.Second, "an Error Indication for each attack", func() bool {
		return len(bad.ErrorIndications()) == 5*len(attacks)
	})
	got := map[n2.Cause]int{}
	for _, ei := range bad.ErrorIndications() {
		switch {
		case ei.Cause != nil:
			got[*ei.Cause]++
		case ei.Diagnostics != nil && ei.Diagnostics.HasProcedure && ei.Diagnostics.ProcedureCode == 255:
			got[noCause]++
		}
	}
	want := map[n2.Cause]int{}
	for _, a := range attacks {
		want[a.cause] += 5
	}
	for c, k := range want {
		if got[c] != k {
			t.Errorf("%d Error Indications with %v, want %d (all: %v)", got[c], c, k, got)
		}
	}
	if len(good.ErrorIndications()) != 0 {
		t.Errorf("the good gNB got Error Indications: %+v", good.ErrorIndications())
	}
	// The victim was not deregistered by the forged message and still works.
	if info, ok := n.ueState(t, victim.SUPI()); !ok || !info.Registered || !info.Connected {
		t.Errorf("victim %+v (known %t)", info, ok)
	}
	if err := victim.Deregister(ctx, false); err != nil {
		t.Errorf("victim Deregister: %v", err)
	}
}

// TestNGAPBeforeSetup: NG Setup must be the first procedure on an
// association; anything else gets an Error Indication.
//
// Spec: TS 38.413 §8.7.1.1
func TestNGAPBeforeSetup(t *testing.T) {
	n := newNet(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := sctp.Dial(ctx, sctp.TransportUDP, "127.0.0.1:38412", sctp.Options{RemoteUDPPort: n.udpPort})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Abort("test over")
	loc := n2.UserLocation{CGI: n2.NRCGI{PLMN: plmn, CellID: 1}, TAI: n2.TAI{PLMN: plmn, TAC: 1}}
	b, err := n2.InitialUEMessage{RANUENGAPID: 1, NASPDU: []byte{0x7e, 0, 0x41}, Location: loc}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Send(ctx, sctp.Message{Stream: 1, PPID: sctp.PPIDNGAP, Data: b}); err != nil {
		t.Fatal(err)
	}
	m, err := conn.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pdu, err := n2.Decode(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	ei, err := n2.ParseErrorIndication(pdu)
	if err != nil || ei.Cause == nil || *ei.Cause != n2.CauseMessageNotCompatibleWithReceiverState {
		t.Fatalf("answer %v %v (%v), want ERROR INDICATION with %v", pdu.Procedure, pdu.Type, err,
			n2.CauseMessageNotCompatibleWithReceiverState)
	}
}
