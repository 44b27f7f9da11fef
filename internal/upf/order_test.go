package upf

import "testing"

// TestBufferReleaseOrder: downlink packets that arrive after the FAR
// turned FORW but before the buffer is released queue behind the buffered
// ones, so the gNB gets all of them in arrival order; once released, new
// packets go straight out again.
// Spec: TS 29.244 §5.2.3.1; TS 23.502 §4.2.3.3 step 12
func TestBufferReleaseOrder(t *testing.T) {
	u, clk, _ := newTestUPF(t)
	gnb := udpConn(t)
	defer gnb.Close()
	r := basicRules(gnb.LocalAddr())
	r.FARs[1].Action = ActBuff | ActNocp
	r.FARs[1].OHC = nil
	s, _, err := u.Establish(1, r)
	if err != nil {
		t.Fatal(err)
	}
	upfConn := udpConn(t)
	defer upfConn.Close()
	w := u.NewWorker(upfConn, nil)
	send := func(mark byte) []byte {
		buf, n := dlBuf(ipv4UDP(dnIP, ueIP, 53, 1000, 100, mark))
		out, _ := w.Downlink(buf, n, clk.NS())
		return out
	}
	for i := range 3 {
		if send(byte(i)) != nil {
			t.Fatal("forwarded while buffering")
		}
	}
	r = s.Rules()
	r.FARs[1].Action = ActForw
	r.FARs[1].OHC = &OuterHeader{TEID: dlTEID, Addr: gnb.LocalAddr()}
	if _, err := s.Install(r); err != nil {
		t.Fatal(err)
	}
	// The FAR forwards, the buffer is not released yet: these wait.
	for i := 3; i < 5; i++ {
		if send(byte(i)) != nil {
			t.Fatalf("packet %d passed the buffered ones", i)
		}
	}
	if sent, err := w.Release(s); err != nil || sent != 5 {
		t.Fatalf("released %d: %v", sent, err)
	}
	rd := &gnbReader{c: gnb}
	for i := range 5 {
		if p := rd.next(t); p.Payload[99] != byte(i) {
			t.Fatalf("packet %d arrived with mark %d", i, p.Payload[99])
		}
	}
	if out := send(5); out == nil {
		t.Error("after the release a new packet did not go straight out")
	}
	if s.buf.held.Load() {
		t.Error("buffer still marked as holding packets")
	}
}
