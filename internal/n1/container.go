package n1

import "fmt"

// The NAS message container of an initial NAS message. A UE with a valid 5G
// NAS security context sends REGISTRATION REQUEST or SERVICE REQUEST
// integrity protected but not ciphered, with only the cleartext IEs, and
// the entire message in a NAS message container IE whose value part is
// ciphered with the same NAS COUNT, BEARER and DIRECTION as the message that
// carries it.
//
// Spec: TS 24.501 §4.4.6, §9.11.3.33; TS 33.501 §6.4.6

// SealContainer ciphers the value part of a NAS message container for the
// next message this end protects: call it before Protect of the message
// that will carry the container, whose NAS COUNT (SendCount) it uses. With
// NEA0 the value comes back unchanged (a copy).
//
// Spec: TS 24.501 §4.4.6; TS 33.501 §6.4.6
func (c *SecurityContext) SealContainer(value []byte) ([]byte, error) {
	if c.txCount > maxCount {
		return nil, ErrCountWrap
	}
	return Encrypt(c.cfg.Cipher, c.cfg.KNASenc, c.txCount, c.cfg.Access.bearer(), c.cfg.Send, value)
}

// OpenContainer deciphers the value part of a NAS message container of the
// message Unprotect accepted last: call it right after a successful
// Unprotect of the message that carried the container, whose NAS COUNT
// (ReceiveCount-1) it uses. The caller must not use a container of a
// message that failed Unprotect.
//
// Spec: TS 24.501 §4.4.6; TS 33.501 §6.4.6
func (c *SecurityContext) OpenContainer(value []byte) ([]byte, error) {
	if c.rxNext == 0 {
		return nil, fmt.Errorf("%w: no message accepted yet to open a NAS message container of", ErrInput)
	}
	return Encrypt(c.cfg.Cipher, c.cfg.KNASenc, c.rxNext-1, c.cfg.Access.bearer(), c.recvDir(), value)
}
