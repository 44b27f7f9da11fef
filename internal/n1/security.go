package n1

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
)

// HeaderType is the security header type of a 5GMM message.
//
// Spec: TS 24.501 §9.3.1
type HeaderType uint8

const (
	HeaderPlain                       HeaderType = 0
	HeaderIntegrity                   HeaderType = 1
	HeaderIntegrityCiphered           HeaderType = 2
	HeaderIntegrityNewContext         HeaderType = 3 // SECURITY MODE COMMAND
	HeaderIntegrityCipheredNewContext HeaderType = 4 // SECURITY MODE COMPLETE
)

// ciphered reports whether the NAS message under this header is ciphered.
func (h HeaderType) ciphered() bool {
	return h == HeaderIntegrityCiphered || h == HeaderIntegrityCipheredNewContext
}

func (h HeaderType) String() string {
	switch h {
	case HeaderPlain:
		return "plain"
	case HeaderIntegrity:
		return "integrity protected"
	case HeaderIntegrityCiphered:
		return "integrity protected and ciphered"
	case HeaderIntegrityNewContext:
		return "integrity protected with new 5G NAS security context"
	case HeaderIntegrityCipheredNewContext:
		return "integrity protected and ciphered with new 5G NAS security context"
	}
	return fmt.Sprintf("HeaderType(%d)", uint8(h))
}

// AccessType selects the NAS connection whose identifier is the BEARER input.
type AccessType uint8

const (
	Access3GPP    AccessType = 1
	AccessNon3GPP AccessType = 2
)

// bearer is the NAS connection identifier used as BEARER: 1 for 3GPP access,
// 2 for non-3GPP access.
//
// Spec: TS 33.501 §6.4.3.1
func (a AccessType) bearer() uint8 { return uint8(a) }

// EPD5GMM is the extended protocol discriminator of 5GS mobility management;
// a security protected 5GS NAS message carries it too.
//
// Spec: TS 24.501 §9.2
const EPD5GMM = 0x7e

// secHeaderLen is EPD, security header type, MAC (4) and sequence number.
//
// Spec: TS 24.501 §9.1.1
const secHeaderLen = 7

// maxCount is the largest 24-bit NAS COUNT.
//
// Spec: TS 24.501 §4.4.3.1
const maxCount = 1<<24 - 1

// Errors of Protect and Unprotect. Callers match them with errors.Is.
var (
	// ErrMAC: the NAS-MAC does not verify (TS 24.501 §4.4.3.3). The message
	// must be discarded except where TS 24.501 §4.4.4 says otherwise.
	ErrMAC = errors.New("n1: NAS-MAC verification failed")
	// ErrReplay: the message verified with a NAS COUNT not greater than the
	// last accepted one (TS 24.501 §4.4.3.2, TS 33.501 §6.4.3.1).
	ErrReplay = errors.New("n1: replayed NAS COUNT")
	// ErrCountWrap: the 24-bit NAS COUNT is exhausted; a new security context
	// (primary authentication) is needed (TS 24.501 §4.4.3.5).
	ErrCountWrap = errors.New("n1: NAS COUNT exhausted")
	// ErrNIA0: NIA0 is selected outside an emergency context (TS 33.501 §5.5.2).
	ErrNIA0 = errors.New("n1: NIA0 is allowed only for emergency services")
	// ErrMessage: the octets are not a well-formed 5GS NAS message for this layer.
	ErrMessage = errors.New("n1: malformed security protected NAS message")
)

// SecurityConfig is what a 5G NAS security context is made of. Its keys print
// redacted (see Key).
type SecurityConfig struct {
	// Send is the direction of the messages this end protects: Downlink at
	// the AMF, Uplink at the UE. It receives the other direction.
	Send      Direction
	Access    AccessType
	Cipher    CipherAlg
	Integrity IntegrityAlg
	KNASenc   Key
	KNASint   Key
	// Emergency marks a context for unauthenticated emergency services, the
	// only case in which NIA0 may be used.
	Emergency bool
}

// SecurityContext is the 5G NAS security context of one UE at one end of N1,
// for one access type: algorithms, keys and the uplink and downlink NAS
// COUNTs. The same type serves the AMF and the simulated UE; only
// SecurityConfig.Send differs. It is not safe for concurrent use: the UE's
// owner uses it.
//
// Spec: TS 24.501 §4.4.2, §4.4.3; TS 33.501 §6.4
type SecurityContext struct {
	// cfg is behind a pointer so that fmt, printing a struct that holds a
	// SecurityContext in an unexported field, shows an address, not keys.
	cfg *SecurityConfig
	// txCount is the NAS COUNT of the next message we send.
	txCount uint32
	// rxNext is the lowest NAS COUNT we still accept: one more than the last
	// accepted one, 0 before any.
	rxNext uint32
}

// NewSecurityContext makes a context whose both NAS COUNTs are zero, as after
// a SECURITY MODE COMMAND that takes a new 5G NAS security context into use
// (TS 24.501 §4.4.3.1).
func NewSecurityContext(cfg SecurityConfig) (*SecurityContext, error) {
	switch {
	case cfg.Send > Downlink:
		return nil, fmt.Errorf("%w: direction %d", ErrInput, cfg.Send)
	case cfg.Access != Access3GPP && cfg.Access != AccessNon3GPP:
		return nil, fmt.Errorf("%w: access type %d", ErrInput, cfg.Access)
	case cfg.Cipher > NEA3:
		return nil, fmt.Errorf("%w: %v", ErrAlgorithm, cfg.Cipher)
	case cfg.Integrity > NIA3:
		return nil, fmt.Errorf("%w: %v", ErrAlgorithm, cfg.Integrity)
	case cfg.Integrity == NIA0 && !cfg.Emergency:
		// Spec: TS 33.501 §5.5.2 — NIA0 only for unauthenticated emergency
		// sessions.
		return nil, ErrNIA0
	}
	return &SecurityContext{cfg: &cfg}, nil
}

// Cipher and Integrity return the selected algorithms.
func (c *SecurityContext) Cipher() CipherAlg       { return c.cfg.Cipher }
func (c *SecurityContext) Integrity() IntegrityAlg { return c.cfg.Integrity }

// SendCount is the NAS COUNT the next protected message will carry.
func (c *SecurityContext) SendCount() uint32 { return c.txCount }

// ReceiveCount is the NAS COUNT expected next from the peer: one more than
// the last accepted, or 0.
func (c *SecurityContext) ReceiveCount() uint32 { return c.rxNext }

// SetCounts sets both NAS COUNTs, e.g. when a stored context is taken back
// into use. Values above 24 bits are refused.
func (c *SecurityContext) SetCounts(send, receive uint32) error {
	if send > maxCount+1 || receive > maxCount+1 {
		return fmt.Errorf("%w: NAS COUNT %d/%d beyond 24 bits", ErrInput, send, receive)
	}
	c.txCount, c.rxNext = send, receive
	return nil
}

// String describes the context without its keys.
func (c SecurityContext) String() string {
	if c.cfg == nil {
		return "n1.SecurityContext{}"
	}
	return fmt.Sprintf("n1.SecurityContext{send:%v access:%d %v %v emergency:%t tx:%d rx:%d keys:redacted}",
		c.cfg.Send, c.cfg.Access, c.cfg.Cipher, c.cfg.Integrity, c.cfg.Emergency, c.txCount, c.rxNext)
}

// Format prints String for every verb, so %#v and %x cannot reach the keys.
func (c SecurityContext) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// LogValue gives slog the context without its keys.
func (c SecurityContext) LogValue() slog.Value {
	if c.cfg == nil {
		return slog.GroupValue()
	}
	return slog.GroupValue(
		slog.String("send", c.cfg.Send.String()),
		slog.String("cipher", c.cfg.Cipher.String()),
		slog.String("integrity", c.cfg.Integrity.String()),
		slog.Uint64("tx_count", uint64(c.txCount)),
		slog.Uint64("rx_count", uint64(c.rxNext)),
	)
}

// Protect builds a security protected 5GS NAS message around plain, a plain
// 5GMM message: EPD, header type, NAS-MAC, sequence number, then plain,
// ciphered when h says so. The NAS-MAC covers the sequence number and the
// (ciphered) message. Each call uses a new NAS COUNT, retransmissions too.
//
// Spec: TS 24.501 §4.4.3.1, §4.4.3.3, §4.4.3.4, §9.1.1
func (c *SecurityContext) Protect(plain []byte, h HeaderType) ([]byte, error) {
	if h < HeaderIntegrity || h > HeaderIntegrityCipheredNewContext {
		return nil, fmt.Errorf("%w: cannot protect with header type %v", ErrInput, h)
	}
	if len(plain) < 3 || plain[0] != EPD5GMM || plain[1]&0x0f != uint8(HeaderPlain) {
		return nil, fmt.Errorf("%w: protect needs a plain 5GMM message", ErrInput)
	}
	if c.txCount > maxCount {
		return nil, ErrCountWrap
	}
	count := c.txCount
	out := make([]byte, secHeaderLen+len(plain))
	out[0] = EPD5GMM
	out[1] = uint8(h) // spare half octet 0
	out[6] = uint8(count)
	body := plain
	if h.ciphered() {
		var err error
		if body, err = Encrypt(c.cfg.Cipher, c.cfg.KNASenc, count, c.cfg.Access.bearer(), c.cfg.Send, plain); err != nil {
			return nil, err
		}
	}
	copy(out[secHeaderLen:], body)
	mac, err := MAC(c.cfg.Integrity, c.cfg.KNASint, count, c.cfg.Access.bearer(), c.cfg.Send, out[6:])
	if err != nil {
		return nil, err
	}
	copy(out[2:6], mac[:])
	c.txCount++
	return out, nil
}

// Unprotect checks and opens a 5GS NAS message from the peer. A plain message
// (header type 0) comes back as it is with HeaderPlain: which plain messages
// are acceptable is the procedure's decision (TS 24.501 §4.4.4.2, §4.4.4.3).
//
// For a protected message it estimates the NAS COUNT from the 8-bit sequence
// number, verifies the NAS-MAC, refuses a COUNT not greater than the last
// accepted one, deciphers, and only then advances the receive COUNT. On
// ErrMAC with an unciphered header type the inner message is returned with
// the error, unverified, for the exceptions of TS 24.501 §4.4.4.3 (e.g. a
// REGISTRATION REQUEST that fails the check starts authentication). The
// returned message may share memory with b.
//
// Spec: TS 24.501 §4.4.3.1, §4.4.3.2, §4.4.3.3, §9.1.1
func (c *SecurityContext) Unprotect(b []byte) ([]byte, HeaderType, error) {
	if len(b) < 3 {
		return nil, 0, fmt.Errorf("%w: %d octets", ErrMessage, len(b))
	}
	if b[0] != EPD5GMM {
		return nil, 0, fmt.Errorf("%w: EPD 0x%02x", ErrMessage, b[0])
	}
	h := HeaderType(b[1] & 0x0f) // upper half octet is spare
	if h == HeaderPlain {
		return b, h, nil
	}
	if h > HeaderIntegrityCipheredNewContext {
		return nil, h, fmt.Errorf("%w: security header type %d", ErrMessage, h)
	}
	if len(b) < secHeaderLen+3 {
		return nil, h, fmt.Errorf("%w: %d octets", ErrMessage, len(b))
	}
	var mac [4]byte
	copy(mac[:], b[2:6])
	sqn := b[6]
	count, err := c.receiveCount(sqn, mac, b[6:])
	if err != nil {
		if errors.Is(err, ErrMAC) && !h.ciphered() {
			return b[secHeaderLen:], h, err
		}
		return nil, h, err
	}
	inner := b[secHeaderLen:]
	if h.ciphered() {
		if inner, err = Encrypt(c.cfg.Cipher, c.cfg.KNASenc, count, c.cfg.Access.bearer(), c.recvDir(), inner); err != nil {
			return nil, h, err
		}
	}
	c.rxNext = count + 1
	return inner, h, nil
}

func (c *SecurityContext) recvDir() Direction { return c.cfg.Send ^ 1 }

// receiveCount estimates the NAS COUNT of a received message and verifies
// its MAC. The estimate is the smallest COUNT not below the next expected
// one whose low octet is the received SQN: the overflow counter of the next
// expected COUNT, plus one if the SQN has wrapped. Only when the MAC fails
// at that estimate is the COUNT one SQN cycle earlier tried, to tell a
// replay (an old COUNT with a good MAC) from a forged or corrupted message;
// a replay from further back is indistinguishable from a forgery and fails
// as ErrMAC. With NIA0 the MAC is all zeros and verifies at any COUNT, so
// there is no replay protection, as TS 33.501 §D.1 says.
//
// Spec: TS 24.501 §4.4.3.1, §4.4.3.2; TS 33.501 §6.4.3.1, §D.1
func (c *SecurityContext) receiveCount(sqn uint8, mac [4]byte, macd []byte) (uint32, error) {
	est := c.rxNext&^0xff | uint32(sqn)
	if est < c.rxNext {
		est += 1 << 8
	}
	if est <= maxCount {
		ok, err := c.verify(est, mac, macd)
		if err != nil {
			return 0, err
		}
		if ok {
			return est, nil
		}
	}
	if est >= 1<<8 {
		ok, err := c.verify(est-1<<8, mac, macd)
		if err != nil {
			return 0, err
		}
		if ok {
			return 0, fmt.Errorf("%w: COUNT %d, next expected %d", ErrReplay, est-1<<8, c.rxNext)
		}
	}
	if est > maxCount {
		return 0, ErrCountWrap
	}
	return 0, ErrMAC
}

func (c *SecurityContext) verify(count uint32, mac [4]byte, macd []byte) (bool, error) {
	x, err := MAC(c.cfg.Integrity, c.cfg.KNASint, count, c.cfg.Access.bearer(), c.recvDir(), macd)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(x[:], mac[:]) == 1, nil
}
