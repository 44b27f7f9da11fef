package n3

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Default Error Indication limits: 100 a second with bursts of 20, per
// Responder (one per UPF N3 address). An Error Indication answers any
// G-PDU with an unknown TEID, and a G-PDU's source address can be forged,
// so without a limit the UPF reflects traffic at a victim and amplifies
// it: an empty G-PDU (36 octets on the wire over IPv4, 56 over IPv6)
// draws an Error Indication of 56 (IPv4) or 88 (IPv6) octets, about 1.6
// times. 100/s is plenty for real stale-tunnel signalling, where one
// indication makes the peer release the tunnel.
const (
	DefaultErrorIndicationRate  = 100
	DefaultErrorIndicationBurst = 20
)

var (
	// ErrRateLimited: the answer was suppressed by the rate limit.
	ErrRateLimited = errors.New("n3: error indication rate limit reached")
	// ErrNoIndication: the spec says not to answer (TEID 0). Spec: TS 29.281 §7.3.1
	ErrNoIndication = errors.New("n3: no error indication for TEID 0")
)

// ResponderConfig configures a Responder; zero values pick the defaults.
type ResponderConfig struct {
	// Recovery is the restart counter sent in Echo Responses. TS 29.281
	// §7.2.2 says the sender sets it to zero (the IE survives only for
	// backward compatibility), so leave it 0 unless a legacy peer needs
	// otherwise.
	Recovery uint8
	// Rate (answers per second) and Burst limit Error Indications and
	// Supported Extension Headers Notifications together.
	Rate  float64
	Burst int
}

// Responder builds the messages a GTP-U endpoint owes its peers: Echo
// Response, Error Indication and Supported Extension Headers Notification.
// It writes into the caller's buffer and allocates nothing. It is safe for
// concurrent use.
type Responder struct {
	recovery uint8
	rate     float64
	burst    float64

	mu     sync.Mutex
	tokens float64
	last   time.Time

	suppressed atomic.Uint64
}

// NewResponder returns a Responder with cfg.
func NewResponder(cfg ResponderConfig) *Responder {
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultErrorIndicationRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultErrorIndicationBurst
	}
	return &Responder{recovery: cfg.Recovery, rate: cfg.Rate, burst: float64(cfg.Burst), tokens: float64(cfg.Burst)}
}

// Suppressed counts answers the rate limit has suppressed.
func (r *Responder) Suppressed() uint64 { return r.suppressed.Load() }

// allow takes a token from the bucket at time now.
func (r *Responder) allow(now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.last.IsZero() {
		if d := now.Sub(r.last); d > 0 {
			r.tokens = min(r.burst, r.tokens+d.Seconds()*r.rate)
		}
	}
	if now.After(r.last) {
		r.last = now
	}
	if r.tokens < 1 {
		r.suppressed.Add(1)
		return false
	}
	r.tokens--
	return true
}

// EchoResponse writes into b the answer to the Echo Request whose header
// is req: TEID 0, the request's sequence number and the Recovery IE. It
// is not rate limited: the 14-octet answer is at most 2 octets longer than
// the request, and a GTP-U entity shall answer every Echo Request (TS
// 23.007 §18A). Spec: TS 29.281 §7.2.2, §5.1
func (r *Responder) EchoResponse(b []byte, req *Header) (int, error) {
	if req.Type != TypeEchoRequest {
		return 0, ErrMessageType
	}
	const n = HeaderLen + OptionalLen + 2
	if len(b) < n {
		return 0, ErrBufferTooShort
	}
	h := Header{Type: TypeEchoResponse, S: true, Seq: req.Seq}
	if _, err := h.MarshalHeaderTo(b, 2); err != nil {
		return 0, err
	}
	b[12], b[13] = IERecovery, r.recovery
	return n, nil
}

// ErrorIndication writes into b the Error Indication for a G-PDU whose
// TEID (gpdu.TEID) we do not know. local is the address the G-PDU was sent
// to (the GTP-U Peer Address IE names the sender of the indication) and
// srcPort the G-PDU's UDP source port, carried in a UDP Port extension
// header. Send the result to the G-PDU's source address on port 2152
// (Port). It returns ErrNoIndication for TEID 0 and ErrRateLimited beyond
// the limit. Spec: TS 29.281 §7.3.1, §5.2.2.1
func (r *Responder) ErrorIndication(b []byte, now time.Time, gpdu *Header, local netip.Addr, srcPort uint16) (int, error) {
	if gpdu.TEID == 0 {
		// "If the TEID of the incoming G-PDU is different from the
		// value 'all zeros' the GTP-U node shall also return a GTP error
		// indication".
		return 0, ErrNoIndication
	}
	if !local.IsValid() {
		return 0, ErrInvalidValue
	}
	addr := local.Unmap()
	alen := 4
	if addr.Is6() {
		alen = 16
	}
	ielen := 5 + 3 + alen
	var h Header
	h.Type, h.S = TypeErrorIndication, true
	h.Exts[0] = ExtensionHeader{Type: ExtUDPPort, Value: uint32(srcPort)}
	h.NumExt = 1
	hl := h.HeaderLen()
	if len(b) < hl+ielen {
		return 0, ErrBufferTooShort
	}
	if !r.allow(now) {
		return 0, ErrRateLimited
	}
	if _, err := h.MarshalHeaderTo(b, ielen); err != nil {
		return 0, err
	}
	o := hl
	b[o] = IETEIDDataI
	binary.BigEndian.PutUint32(b[o+1:], gpdu.TEID)
	o += 5
	b[o] = IEGTPUPeerAddress
	binary.BigEndian.PutUint16(b[o+1:], uint16(alen))
	o += 3
	if alen == 4 {
		a := addr.As4()
		copy(b[o:], a[:])
	} else {
		a := addr.As16()
		copy(b[o:], a[:])
	}
	return o + alen, nil
}

// SupportedExtensionHeaders writes into b the Supported Extension Headers
// Notification owed for msg, which carried an extension header that needs
// comprehension and that we do not support (Parse returned
// ErrUnsupportedExtension). It shares the Error Indication rate limit.
// Spec: TS 29.281 §5.2.1, §7.3.2
func (r *Responder) SupportedExtensionHeaders(b []byte, now time.Time, msg *Header) (int, error) {
	types := supportedTypes()
	const ielen = 2 + len(types)
	const n = HeaderLen + OptionalLen + ielen
	if len(b) < n {
		return 0, ErrBufferTooShort
	}
	if !r.allow(now) {
		return 0, ErrRateLimited
	}
	h := Header{Type: TypeSupportedExtensionHeadersNotification, S: true, Seq: msg.Seq}
	if _, err := h.MarshalHeaderTo(b, ielen); err != nil {
		return 0, err
	}
	b[12], b[13] = IEExtensionHeaderTypeList, byte(len(types))
	copy(b[14:], types[:])
	return n, nil
}
