package sctp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"net/netip"
	"time"
)

// stateCookie is the Transmission Control Block a listener hands the peer in
// its INIT ACK instead of keeping it: the association exists only once the
// peer echoes the cookie back, authenticated and in time.
//
// Spec: RFC 9260 §5.1.3, §5.2.2 (Tie-Tags).
type stateCookie struct {
	created time.Time     // when the INIT ACK was sent
	life    time.Duration // Valid.Cookie.Life plus any granted Cookie Preservative

	myTag, peerTag    uint32 // verification tags: ours (the INIT ACK's Initiate Tag) and the peer's (the INIT's)
	myTSN, peerTSN    uint32 // initial TSNs
	peerRwnd          uint32 // the INIT's a_rwnd
	outStreams        uint16 // negotiated: min(our OS, the peer's MIS)
	inStreams         uint16 // negotiated: min(our MIS, the peer's OS)
	localPort         uint16
	peerPort          uint16
	tieLocal, tiePeer uint32 // the tags of an existing association, 0 when none
	peer              netip.AddrPort
	peerAddrs         []netip.Addr // addresses the INIT listed, for §5.2.2's restart check
}

const (
	cookieVersion  = 1
	cookieMACLen   = sha256.Size
	cookieMaxAddrs = 8
	cookieFixedLen = 1 + 8 + 4 + 5*4 + 4*2 + 2*4 + 16 + 2 + 1
)

var (
	errCookieMalformed = errors.New("state cookie malformed")
	errCookieMAC       = errors.New("state cookie MAC mismatch")
)

// marshal encodes c and appends its HMAC-SHA-256 under key.
// Spec: RFC 9260 §5.1.3 (the cookie carries a MAC and a timestamp).
func (c *stateCookie) marshal(key []byte) []byte {
	addrs := c.peerAddrs[:min(len(c.peerAddrs), cookieMaxAddrs)]
	b := make([]byte, 0, cookieFixedLen+16*len(addrs)+cookieMACLen)
	b = append(b, cookieVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(c.created.UnixNano()))
	b = binary.BigEndian.AppendUint32(b, uint32(c.life/time.Millisecond))
	for _, v := range []uint32{c.myTag, c.peerTag, c.myTSN, c.peerTSN, c.peerRwnd} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	for _, v := range []uint16{c.outStreams, c.inStreams, c.localPort, c.peerPort} {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	b = binary.BigEndian.AppendUint32(b, c.tieLocal)
	b = binary.BigEndian.AppendUint32(b, c.tiePeer)
	ip := c.peer.Addr().As16()
	b = append(b, ip[:]...)
	b = binary.BigEndian.AppendUint16(b, c.peer.Port())
	b = append(b, byte(len(addrs)))
	for _, a := range addrs {
		ip := a.As16()
		b = append(b, ip[:]...)
	}
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return m.Sum(b)
}

// parseCookie authenticates b under key and decodes it. It does not check
// the lifetime: a cookie for an existing association is judged by its tags
// (§5.2.4), a new one by stale().
func parseCookie(b, key []byte) (stateCookie, error) {
	var c stateCookie
	if len(b) < cookieFixedLen+cookieMACLen {
		return c, errCookieMalformed
	}
	body, mac := b[:len(b)-cookieMACLen], b[len(b)-cookieMACLen:]
	m := hmac.New(sha256.New, key)
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), mac) {
		return c, errCookieMAC
	}
	if body[0] != cookieVersion {
		return c, errCookieMalformed
	}
	u32 := func(i int) uint32 { return binary.BigEndian.Uint32(body[i:]) }
	u16 := func(i int) uint16 { return binary.BigEndian.Uint16(body[i:]) }
	c.created = time.Unix(0, int64(binary.BigEndian.Uint64(body[1:])))
	c.life = time.Duration(u32(9)) * time.Millisecond
	c.myTag, c.peerTag, c.myTSN, c.peerTSN, c.peerRwnd = u32(13), u32(17), u32(21), u32(25), u32(29)
	c.outStreams, c.inStreams, c.localPort, c.peerPort = u16(33), u16(35), u16(37), u16(39)
	c.tieLocal, c.tiePeer = u32(41), u32(45)
	c.peer = netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[49:65])).Unmap(), u16(65))
	n := int(body[67])
	if len(body) != cookieFixedLen+16*n {
		return c, errCookieMalformed
	}
	for i := range n {
		off := cookieFixedLen + 16*i
		c.peerAddrs = append(c.peerAddrs, netip.AddrFrom16([16]byte(body[off:off+16])).Unmap())
	}
	return c, nil
}

// stale reports how long ago the cookie expired, or 0 if it is still valid.
// Spec: RFC 9260 §5.1.5 step 3, §3.3.10.3 (Measure of Staleness).
func (c *stateCookie) stale(now time.Time) time.Duration {
	if d := now.Sub(c.created.Add(c.life)); d > 0 {
		return d
	}
	return 0
}
