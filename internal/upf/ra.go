package upf

// IPv6 Router Advertisements for IPv6 PDU sessions. The UE gets only an
// interface identifier in NAS; its /64 prefix comes in a Router
// Advertisement that the network sends over the user plane. Like Open5GS,
// this UPF is that router: the prefix is the DL PDR's UE IP address, so
// the SMF tells it nothing more.
//
// Spec: TS 23.501 §5.8.2.2.2; TS 29.061 §11.2.1.3.2, §11.2.1.3.4; RFC 4861 §4.1, §4.2, §4.6

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"go5g/internal/n3"
)

// Router Advertisement contents.
const (
	// RARouterLifetime is the Router Lifetime (s): the largest RFC 4861
	// allows (§4.2, MaxRtrAdvInterval ≤ 1800 s, lifetime ≤ 9000 s), since
	// this router is the UE's only one for the whole session.
	RARouterLifetime = 9000
	// RAMTU is the MTU option: 1500 less the N3 encapsulation over IPv6
	// (40 + 8 + 16 octets), rounded down; the simulated UE's TUN uses it.
	RAMTU = 1400
	// raLifetimeInfinite: the prefix lives as long as the PDU session.
	// Spec: TS 29.061 §11.2.1.3.4 (AdvValidLifetime, AdvPreferredLifetime)
	raLifetimeInfinite = 0xffffffff
	raCurHopLimit      = 64

	icmp6RS  = 133
	icmp6RA  = 134
	protoIC6 = 58

	raLen = 40 + 16 + 32 + 8 // IPv6 + RA + Prefix Information + MTU
)

var (
	// RouterLinkLocal is the UPF's link-local address on every UE link,
	// the source of its Router Advertisements. The SMF gives UEs random
	// interface identifiers, so the UE's own link-local address differs.
	RouterLinkLocal = netip.MustParseAddr("fe80::1")
	allNodes        = netip.MustParseAddr("ff02::1")
	allRouters      = netip.MustParseAddr("ff02::2")
)

// buildRA writes an IPv6 packet carrying a Router Advertisement of
// prefix (a /64) to dst into b (at least raLen octets) and returns its
// length. It does not allocate.
//
// Spec: RFC 4861 §4.2 (RA: M=O=0, Router Lifetime non-zero), §4.6.2
// (Prefix Information: L=0, A=1 as TS 29.061 §11.2.1.3.2 asks: the UE is
// not on-link with others of its prefix), §4.6.4 (MTU), §6.1.2 (hop limit
// 255); RFC 4443 §2.3 (checksum over the pseudo header, RFC 8200 §8.1)
func buildRA(b []byte, prefix netip.Prefix, dst netip.Addr) int {
	b = b[:raLen]
	clear(b)
	src, d := RouterLinkLocal.As16(), dst.As16()
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], raLen-40)
	b[6] = protoIC6
	b[7] = 255
	copy(b[8:24], src[:])
	copy(b[24:40], d[:])
	m := b[40:]
	m[0] = icmp6RA
	m[4] = raCurHopLimit
	binary.BigEndian.PutUint16(m[6:], RARouterLifetime)
	// Reachable Time and Retrans Timer 0: unspecified.
	o := m[16:]
	o[0], o[1], o[2] = 3, 4, 64 // Prefix Information, 32 octets, /64
	o[3] = 0x40                 // A=1, L=0
	binary.BigEndian.PutUint32(o[4:], raLifetimeInfinite)
	binary.BigEndian.PutUint32(o[8:], raLifetimeInfinite)
	p := prefix.Masked().Addr().As16()
	copy(o[16:32], p[:])
	o = m[48:]
	o[0], o[1] = 5, 1 // MTU, 8 octets
	binary.BigEndian.PutUint32(o[4:], RAMTU)
	binary.BigEndian.PutUint16(m[2:], icmp6Checksum(src, d, m))
	return raLen
}

// icmp6Checksum is the ICMPv6 checksum of msg (its checksum field zero)
// between src and dst. Spec: RFC 4443 §2.3, RFC 8200 §8.1
func icmp6Checksum(src, dst [16]byte, msg []byte) uint16 {
	var sum uint32
	for i := 0; i < 16; i += 2 {
		sum += uint32(src[i])<<8 | uint32(src[i+1])
		sum += uint32(dst[i])<<8 | uint32(dst[i+1])
	}
	sum += uint32(len(msg)) + protoIC6
	for i := 0; i+1 < len(msg); i += 2 {
		sum += uint32(msg[i])<<8 | uint32(msg[i+1])
	}
	if len(msg)%2 == 1 {
		sum += uint32(msg[len(msg)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// isRS reports whether ip is a Router Solicitation that this router
// answers: ICMPv6 type 133 right after the IPv6 header, to all-routers or
// a link-local address, passing RFC 4861 §6.1.1 validation (hop limit
// 255, code 0, length ≥ 8, checksum). It returns the address to answer:
// the solicitor, or all-nodes when it has no address yet. The first test
// is cheap so that other uplink packets pay one comparison.
//
// Spec: RFC 4861 §6.1.1, §6.2.6
func isRS(ip []byte) (netip.Addr, bool) {
	if len(ip) < 48 || ip[0]>>4 != 6 || ip[6] != protoIC6 || ip[40] != icmp6RS {
		return netip.Addr{}, false
	}
	plen := int(binary.BigEndian.Uint16(ip[4:6]))
	if ip[7] != 255 || ip[41] != 0 || plen < 8 || 40+plen > len(ip) {
		return netip.Addr{}, false
	}
	src, dst := [16]byte(ip[8:24]), [16]byte(ip[24:40])
	d := netip.AddrFrom16(dst)
	if d != allRouters && !d.IsLinkLocalUnicast() {
		return netip.Addr{}, false
	}
	msg := ip[40 : 40+plen]
	if icmp6Checksum(src, dst, msg) != 0 {
		return netip.Addr{}, false
	}
	s := netip.AddrFrom16(src)
	if s.IsUnspecified() {
		return allNodes, true
	}
	if !s.IsLinkLocalUnicast() {
		return netip.Addr{}, false
	}
	return s, true
}

// raTunnel finds the session's IPv6 DL PDR and, when its FAR forwards to
// the gNB, writes the GTP-U header (with the QFI of its QERs) in front of
// the RA at buf[Headroom:Headroom+n]. An RA is the network's own
// signalling: it is not metered, gated or counted as user data.
//
// Spec: TS 29.281 §5.2.2.7; TS 38.415 §5.5.2.1
func raTunnel(h *n3.Header, rs *ruleSet, buf []byte, n int) ([]byte, netip.AddrPort, bool) {
	pdr := v6DLPDR(rs)
	if pdr == nil || pdr.far.Action&ActForw == 0 || pdr.far.OHC == nil {
		return nil, netip.AddrPort{}, false
	}
	var qfi uint8
	for _, q := range pdr.qers {
		if q.QFI != 0 {
			qfi = q.QFI
		}
	}
	h.Type, h.TEID, h.S, h.PN, h.NumExt = n3.TypeGPDU, pdr.far.OHC.TEID, false, false, 0
	if qfi != 0 {
		h.Exts[0].Type = n3.ExtPDUSessionContainer
		h.Exts[0].PDUSession = n3.PDUSessionContainer{PDUType: n3.PDUTypeDL, QFI: qfi}
		h.NumExt = 1
	}
	hl := h.HeaderLen()
	if _, err := h.MarshalHeaderTo(buf[Headroom-hl:], n); err != nil {
		return nil, netip.AddrPort{}, false
	}
	return buf[Headroom-hl : Headroom+n], pdr.far.OHC.Addr, true
}

// v6DLPDR is the DL PDR that carries the UE's IPv6 prefix and matches
// all its traffic (no SDF filter), else the first with the prefix; rs.dl
// is in precedence order.
func v6DLPDR(rs *ruleSet) *cpdr {
	var first *cpdr
	for i := range rs.dl {
		p := &rs.dl[i]
		if !p.UEIPv6.IsValid() {
			continue
		}
		if len(p.SDF) == 0 {
			return p
		}
		if first == nil {
			first = p
		}
	}
	return first
}

// answerRS builds, in the worker's scratch buffer, the RA answering a
// Router Solicitation to solicitor on session rs. It does not allocate.
func (w *Worker) answerRS(s *Session, rs *ruleSet, solicitor netip.Addr) ([]byte, netip.AddrPort, bool) {
	pdr := v6DLPDR(rs)
	if pdr == nil {
		return nil, netip.AddrPort{}, false
	}
	n := buildRA(w.ra[Headroom:], netip.PrefixFrom(pdr.UEIPv6, 64), solicitor)
	out, to, ok := raTunnel(&w.raHdr, rs, w.ra[:], n)
	if ok {
		s.raSent.Add(1)
	}
	return out, to, ok
}

// errNoRA: Advertise on a session without an IPv6 DL PDR forwarding to
// the gNB.
var errNoRA = errors.New("upf: session has no IPv6 prefix forwarded to the access side")

// Advertise sends an unsolicited Router Advertisement of the session's
// /64 to all-nodes through w's N3 socket. The N4 glue calls it when an
// IPv6 session's DL FAR starts forwarding to the gNB, i.e. after PDU
// session establishment, so the UE learns its prefix without soliciting.
//
// Spec: TS 23.501 §5.8.2.2.2; TS 29.061 §11.2.1.3.2; RFC 4861 §6.2.4
func (w *Worker) Advertise(s *Session) error {
	rs := s.rules.Load()
	if rs == nil {
		return errNoRA
	}
	if w.conn == nil {
		return errNoConn
	}
	pdr := v6DLPDR(rs)
	if pdr == nil {
		return errNoRA
	}
	buf := make([]byte, Headroom+raLen)
	n := buildRA(buf[Headroom:], netip.PrefixFrom(pdr.UEIPv6, 64), allNodes)
	out, to, ok := raTunnel(new(n3.Header), rs, buf, n)
	if !ok {
		return errNoRA
	}
	if err := w.send(out, to); err != nil {
		w.drop(s, DropIO)
		return err
	}
	s.raSent.Add(1)
	return nil
}

// Initial unsolicited advertisements: a UE whose first RA was lost (or
// not yet listening) learns its prefix from a later one without having to
// solicit. Spec: RFC 4861 §6.2.4, §10 (MAX_INITIAL_RTR_ADVERTISEMENTS 3,
// intervals of at least MinRtrAdvInterval 3 s, at most
// MAX_INITIAL_RTR_ADVERT_INTERVAL 16 s)
const (
	raInitial     = 3
	raMinInterval = 3 * time.Second
)

// advertise sends the session's initial unsolicited RAs: one now and the
// rest at intervals, until the session is deleted or stops forwarding
// its prefix to the gNB.
func (w *Worker) advertise(s *Session, left int) {
	if left <= 0 || w.Advertise(s) != nil || left == 1 {
		return
	}
	time.AfterFunc(w.u.raInterval(), func() {
		s.mu.Lock()
		dead := s.dead
		s.mu.Unlock()
		if !dead {
			w.advertise(s, left-1)
		}
	})
}

// raInterval is Config.RAInterval, or 3 to 4 s at random (RFC 4861
// §6.2.4 asks for a random interval so that routers do not synchronise).
func (u *UPF) raInterval() time.Duration {
	if u.cfg.RAInterval > 0 {
		return u.cfg.RAInterval
	}
	u.rngMu.Lock()
	j := time.Duration(u.rng.Int64N(int64(time.Second)))
	u.rngMu.Unlock()
	return raMinInterval + j
}

// RAsSent is the number of Router Advertisements sent to the session's UE.
func (s *Session) RAsSent() uint64 { return s.raSent.Load() }

// raDue reports whether installing now (after before) starts forwarding
// the UE's IPv6 prefix to the gNB: the moment to advertise it.
func raDue(before, now Rules) bool {
	return v6Forwarding(now) && !v6Forwarding(before)
}

// v6Forwarding: some DL PDR with a UE IPv6 prefix has a FAR forwarding
// with outer header creation.
func v6Forwarding(r Rules) bool {
	for _, p := range r.PDRs {
		if p.SourceInterface != IfCore || !p.UEIPv6.IsValid() {
			continue
		}
		for _, f := range r.FARs {
			if f.ID == p.FARID && f.Action&ActForw != 0 && f.OHC != nil {
				return true
			}
		}
	}
	return false
}
