package gnb

// Downlink that arrives before the UE's bearer: after a Service Request
// the UPF sends its buffered packets as soon as the SMF has the gNB's DL
// tunnel, which can be before the UE has bound its bearer to the new
// session (it does on SERVICE ACCEPT). Like a gNB that holds downlink until
// the data radio bearer is up, the gNB keeps them, in order, and hands
// them over when the bearer is bound.
//
// Spec: TS 23.502 §4.2.3.2 step 12 (the data radio bearers are set up
// with the AS context), §4.2.3.3 step 12 (buffered DL data towards the UE)

// maxEarly bounds the packets held per session.
const maxEarly = 128

// holdEarly keeps a T-PDU for a set-up session that has no bearer yet;
// false if no session has the TEID.
func (up *userPlane) holdEarly(teid uint32, payload []byte) bool {
	up.g.mu.Lock()
	_, known := up.g.byTEID[teid]
	up.g.mu.Unlock()
	if !known || len(payload) == 0 {
		return false
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if b := up.bearers[teid]; b != nil {
		// Bound meanwhile: deliver (under the lock, behind what was held).
		b.deliver(payload)
		return true
	}
	if up.early == nil {
		up.early = map[uint32][][]byte{}
	}
	if len(up.early[teid]) < maxEarly {
		up.early[teid] = append(up.early[teid], append([]byte(nil), payload...))
	}
	return true
}

// flushEarly hands a new bearer what was held for its session, oldest
// first. Caller holds up.mu (write), so that no newer packet passes.
func (up *userPlane) flushEarly(b *Bearer) {
	held := up.early[b.sess.DL.TEID]
	delete(up.early, b.sess.DL.TEID)
	for _, p := range held {
		b.deliver(p)
	}
}

// deliver writes one downlink T-PDU to the UE and counts it.
func (b *Bearer) deliver(p []byte) {
	b.conn.touch()
	if _, err := b.dl.Write(p); err != nil {
		b.dlDrop.Add(1)
		return
	}
	b.dlPkts.Add(1)
	b.dlBytes.Add(uint64(len(p)))
}
