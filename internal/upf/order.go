package upf

// queueBehind keeps the downlink order across a buffer release: a packet
// whose FAR forwards again, arriving while older packets of its PDR are
// still buffered (the FAR changed, Release has not sent them yet), joins
// the buffer's tail instead of passing them; Release sends it with them.
// It reports whether it took the packet. Only sessions whose buffer may
// hold packets come here, so the packet path of others does not lock.
//
// Spec: TS 29.244 §5.2.3.1 (buffered packets are forwarded when the FAR
// changes to FORW); TS 23.502 §4.2.3.3 step 12 (the UPF sends the buffered
// downlink data towards the UE)
func (w *Worker) queueBehind(s *Session, pdr *cpdr, ip []byte) bool {
	b := &s.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pkts) == 0 {
		b.held.Store(false)
		return false
	}
	if !containsID(b.pdr, pdr.ID) {
		return false // what waits belongs to a PDR that still buffers
	}
	if len(b.pkts) >= s.rules.Load().bufMax || b.bytes+len(ip) > MaxBufferBytes {
		w.drop(s, DropBufferFull)
		return true
	}
	b.pkts = append(b.pkts, append([]byte(nil), ip...))
	b.pdr = append(b.pdr, pdr.ID)
	b.bytes += len(ip)
	return true
}

func containsID(ids []uint16, id uint16) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
