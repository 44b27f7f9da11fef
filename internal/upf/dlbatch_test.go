package upf

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// burstDev is an N6 device that hands out whole bursts through ReadBatch.
type burstDev struct {
	*memDev
	bursts chan [][]byte
}

func (d *burstDev) ReadBatch(bufs [][]byte, sizes []int) (int, error) {
	select {
	case burst := <-d.bursts:
		for i, p := range burst {
			sizes[i] = copy(bufs[i], p)
		}
		return len(burst), nil
	case <-d.closed:
		return 0, errDeviceClosed
	}
}

// TestDownlinkBurst: a burst read from N6 in one call leaves as one
// sendmmsg, every packet in order with its session's TEID; a packet the
// socket refuses (an IPv6 gNB address on the IPv4 N3 socket) is counted
// as an I/O drop and the rest of the burst still goes out; packets for no
// session are dropped. The worker's counters add up.
func TestDownlinkBurst(t *testing.T) {
	u, _, _ := newTestUPF(t)
	u.now = time.Now
	upfConn, gnb := udpConn(t), udpConn(t)
	defer gnb.Close()
	if _, _, err := u.Establish(1, basicRules(gnb.LocalAddr())); err != nil {
		t.Fatal(err)
	}
	bad := basicRules(netip.MustParseAddrPort("[2001:db8::9]:2152"))
	badUE := netip.MustParseAddr("10.45.0.3")
	bad.PDRs[0].TEID, bad.PDRs[0].UEIPv4, bad.PDRs[1].UEIPv4 = 0x3003, badUE, badUE
	if _, _, err := u.Establish(2, bad); err != nil {
		t.Fatal(err)
	}
	dev := &burstDev{memDev: newMemDev(), bursts: make(chan [][]byte, 4)}
	w := u.NewWorker(upfConn, dev)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx); close(done) }()
	defer func() { cancel(); dev.Close(); <-done }()

	var burst [][]byte
	want := 0
	for i := range DLBatch {
		switch {
		case i%8 == 3:
			burst = append(burst, ipv4UDP(dnIP, badUE, 53, 1000, 100, byte(i)))
		case i%8 == 5:
			burst = append(burst, ipv4UDP(dnIP, netip.MustParseAddr("10.99.0.1"), 53, 1000, 100, byte(i)))
		default:
			burst = append(burst, ipv4UDP(dnIP, ueIP, 53, 1000, 100+i, byte(i)))
			want++
		}
	}
	dev.bursts <- burst
	rd := &gnbReader{c: gnb}
	for i := range DLBatch {
		if i%8 == 3 || i%8 == 5 {
			continue
		}
		p := rd.next(t)
		if p.TEID != dlTEID || len(p.Payload) != 100+i || p.Payload[len(p.Payload)-1] != byte(i) {
			t.Fatalf("packet %d: TEID %#x, %d octets, mark %d", i, p.TEID, len(p.Payload), p.Payload[len(p.Payload)-1])
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for u.Stats().Drops["io"] < DLBatch/8 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	st := u.Stats()
	if st.DLPackets != uint64(want+DLBatch/8) || st.Drops["io"] != DLBatch/8 || st.Drops["no_session"] != DLBatch/8 {
		t.Errorf("stats %+v: want %d DL packets (%d sent, %d refused by the socket), %d io and %d no_session drops",
			st, want+DLBatch/8, want, DLBatch/8, DLBatch/8, DLBatch/8)
	}
	if w.dlPackets() != st.DLPackets {
		t.Errorf("worker counted %d DL packets, UPF %d", w.dlPackets(), st.DLPackets)
	}
}
