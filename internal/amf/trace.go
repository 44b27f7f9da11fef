package amf

import (
	"context"
	"math"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// This file keeps, per UE, a short trace of its recent N1 and N2
// signalling for operations (the console's ladder diagram): what went
// which way and when, never what it carried. An entry is 8 bytes of codes
// (message type, security header type, a cause or PDU session ID), no
// payload and no key material; names are decoded only when someone asks
// (tracenames.go). The ring is one fixed 256-byte allocation per UE
// context, made at its first message, so recording does not allocate
// after that and never grows; only the UE's worker writes or reads it.

// traceLen is how many messages a UE's trace keeps: one initial
// registration with a PDU session establishment is about 20. With the
// ring's 8-byte header it makes exactly a 256-byte allocation size class
// (the ring has no pointers, so no malloc header either).
const traceLen = 31

// traceLog is the UE context's handle on its trace: 8 bytes in the ue
// struct, the ring allocated on the first message.
type traceLog struct{ r *traceRing }

// traceRing is the UE's recent signalling, oldest overwritten first.
type traceRing struct {
	// base is the Unix second that entries' ms count from: 32 bits (until
	// 2106) keep the UE context in a smaller allocation size class.
	base uint32
	next uint8 // where the next entry goes
	n    uint8 // entries held, up to traceLen
	e    [traceLen]traceEntry
}

// traceEntry is one message. kind packs direction, interface and the NGAP
// message type or NAS security header type:
//
//	bit 7:    downlink (from the AMF)
//	bits 5-6: interface (traceNGAP, trace5GMM, trace5GSM)
//	bit 4:    dropped (an uplink NAS message that failed its checks)
//	bits 0-3: NGAP message type, or NAS security header type
type traceEntry struct {
	ms   uint32 // milliseconds since traceRing.base
	kind uint8
	code uint8 // NGAP procedure code or NAS message type (0: unknown)
	a, b uint8 // detail, per interface and message (traceDetail)
}

const (
	traceDown    = 0x80
	traceDropped = 0x10
	traceIfShift = 5
)

// Interfaces a trace entry can be on.
const (
	traceNGAP = iota
	trace5GMM
	trace5GSM
)

// add records one message now.
func (l *traceLog) add(kind, code, a, b uint8) {
	if l.r == nil {
		l.r = new(traceRing)
	}
	r := l.r
	now := time.Now().UnixMilli()
	base := int64(r.base) * 1000
	if r.n == 0 || now < base || now-base > math.MaxUint32 {
		// First entry, a clock step back, or 49 days since the base:
		// start afresh rather than show wrong times.
		r.base, r.n, r.next = uint32(now/1000), 0, 0
		base = int64(r.base) * 1000
	}
	r.e[r.next] = traceEntry{ms: uint32(now - base), kind: kind, code: code, a: a, b: b}
	r.next = (r.next + 1) % traceLen
	if r.n < traceLen {
		r.n++
	}
}

// ngap records an NGAP message of the UE's connection; cause, when not
// zero, is one the AMF chose for it.
//
// Spec: TS 38.413 §9.4.7 (procedure codes), §9.3.1.1 (Type of Message)
func (l *traceLog) ngap(down bool, p n2.ProcedureCode, t n2.MessageType, cause n2.Cause) {
	kind := uint8(traceNGAP)<<traceIfShift | uint8(t)&0x0f
	if down {
		kind |= traceDown
	}
	var a, b uint8
	if cause != 0 {
		a, b = uint8(cause.Group())+1, cause.Value()
	}
	l.add(kind, uint8(p), a, b)
}

// ngapPDU records an encoded NGAP PDU the AMF sends, reading only its
// header (TS 38.413 §9.4.3: octet 0 the NGAP-PDU choice, octet 1 the
// procedure code).
func (l *traceLog) ngapPDU(pdu []byte) {
	if len(pdu) < 2 {
		return
	}
	l.ngap(true, n2.ProcedureCode(pdu[1]), n2.MessageType(pdu[0]>>5&3), 0)
}

// nasUp records an uplink NAS message: sec as it arrived, plain with its
// protection removed (nil if that failed, then dropped is true).
func (l *traceLog) nasUp(sec, plain []byte, dropped bool) {
	if len(sec) < 3 {
		return
	}
	h := n1.HeaderType(sec[1] & 0x0f)
	if plain == nil {
		switch h {
		case n1.HeaderPlain:
			plain = sec
		case n1.HeaderIntegrity, n1.HeaderIntegrityNewContext:
			if len(sec) > 7 {
				plain = sec[7:] // not ciphered: the type is readable
			}
		}
	}
	kind := uint8(h) & 0x0f
	if dropped {
		kind |= traceDropped
	}
	l.nas(kind, plain)
}

// nasDown records a downlink NAS message: plain before protection, sec
// as sent.
func (l *traceLog) nasDown(plain, sec []byte) {
	if len(sec) < 2 {
		return
	}
	l.nas(traceDown|sec[1]&0x0f, plain)
}

// nas records a 5GMM message, or the 5GSM message a UL or DL NAS
// TRANSPORT carries, with the detail worth showing: a cause, a PDU session
// ID, a registration or service type. kind has direction, header type and
// the dropped flag; plain may be nil (ciphered and not deciphered).
//
// Spec: TS 24.501 §8.2 (5GMM messages), §8.3 (5GSM messages), §9.7
func (l *traceLog) nas(kind uint8, plain []byte) {
	kind |= trace5GMM << traceIfShift
	if len(plain) < 3 || plain[0] != n1.EPD5GMM || plain[1]&0x0f != 0 {
		l.add(kind, 0, 0, 0)
		return
	}
	t := plain[2]
	var a, b uint8
	switch t {
	case n1.MsgRegistrationReject, n1.MsgServiceReject, n1.MsgAuthenticationFailure,
		n1.MsgSecurityModeReject, n1.MsgStatus:
		// §8.2.9, §8.2.18, §8.2.4, §8.2.27, §8.2.29: 5GMM cause, octet 4.
		a = octet(plain, 3)
	case n1.MsgRegistrationRequest:
		a = octet(plain, 3) & 0x07 // §9.11.3.7 5GS registration type
	case n1.MsgServiceRequest:
		a = octet(plain, 3)>>4 | 0x10 // §9.11.3.50 service type; 0x10: present
	case n1.MsgDeregistrationRequestUE:
		a = octet(plain, 3)&0x08 | 0x10 // §9.11.3.20 switch off; 0x10: present
	case n1.MsgULNASTransport, n1.MsgDLNASTransport:
		if sm, psi, cause, ok := transported5GSM(plain); ok {
			if t == n1.MsgDLNASTransport && cause != 0 {
				// The AMF returns the UE's 5GSM message with a 5GMM cause
				// (§5.4.5.2.5): it is the transport that matters.
				a, b = cause, psi
				break
			}
			kind = kind&^(3<<traceIfShift) | trace5GSM<<traceIfShift
			t, a = sm[3], sm[1]
			switch t {
			case n1.MsgPDUSessionEstablishmentReject, n1.MsgPDUSessionModificationReject,
				n1.MsgPDUSessionReleaseReject, n1.MsgPDUSessionReleaseCommand, n1.MsgStatus5GSM:
				// §8.3.3, §8.3.8, §8.3.13, §8.3.14, §8.3.16: 5GSM cause, octet 5.
				b = octet(sm, 4)
			}
		}
	}
	l.add(kind, t, a, b)
}

// transported5GSM finds the 5GSM message in a UL or DL NAS TRANSPORT
// (payload container type N1 SM information) and the PDU session ID and
// 5GMM cause IEs after it.
//
// Spec: TS 24.501 §8.2.10, §8.2.11, §9.11.3.39, §9.11.3.40
func transported5GSM(m []byte) (sm []byte, psi, cause uint8, ok bool) {
	if len(m) < 6 || m[3]&0x0f != n1.PayloadN1SMInformation {
		return nil, 0, 0, false
	}
	n := int(m[4])<<8 | int(m[5])
	if len(m) < 6+n || n < 4 || m[6] != n1.EPD5GSM {
		return nil, 0, 0, false
	}
	sm = m[6 : 6+n]
	for rest := m[6+n:]; len(rest) >= 2; rest = rest[2:] {
		switch rest[0] {
		case n1.IEIPDUSessionID:
			psi = rest[1]
		case n1.IEI5GMMCause:
			cause = rest[1]
		default:
			return sm, psi, cause, true // the rest is of no interest
		}
	}
	return sm, psi, cause, true
}

func octet(b []byte, i int) uint8 {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// entries are the ring's entries, oldest first.
func (r *traceRing) entries() []traceEntry {
	out := make([]traceEntry, 0, r.n)
	start := (int(r.next) - int(r.n) + traceLen) % traceLen
	for i := range int(r.n) {
		out = append(out, r.e[(start+i)%traceLen])
	}
	return out
}

// TraceEvent is one N1 or N2 message of a UE, as the AMF saw it.
type TraceEvent struct {
	Time time.Time
	// From and To are "UE", "gNB" or "AMF": NAS runs between the UE and
	// the AMF (through the gNB), NGAP between the gNB and the AMF.
	From, To string
	// Interface is "NGAP", "NAS-5GMM" or "NAS-5GSM" (a 5GSM message in a
	// UL or DL NAS TRANSPORT).
	Interface string
	// Message is the message's name: the ASN.1 name for NGAP (TS 38.413
	// §9.4.4), the message type's for NAS (TS 24.501 Table 9.7.1, 9.7.2).
	Message string
	// Security is the NAS security header type ("plain", "integrity",
	// "integrity+ciphered", with ", new context" for header types 3 and 4);
	// empty for NGAP.
	Security string
	// Detail is a cause, a PDU session ID or a registration type, if any.
	Detail string
	// Dropped: an uplink NAS message that failed its security checks.
	Dropped bool
}

// Trace returns the recent N1/N2 signalling of supi, oldest first (at most
// traceLen messages); ok is false when the AMF has no context for supi.
// The trace belongs to the UE context: a new registration that replaces
// the context (another connection, another gNB) starts a new one.
func (a *AMF) Trace(ctx context.Context, supi string) (events []TraceEvent, ok bool, err error) {
	v, found := a.supis.Load(supi)
	if !found {
		return nil, false, nil
	}
	var r traceRing
	err = a.ask(ctx, v.(*shard), func(s *shard) any {
		if u := s.bySUPI[supi]; u != nil {
			if u.trace.r == nil {
				return traceRing{}
			}
			return *u.trace.r // a copy: decoding happens outside the worker
		}
		return nil
	}, func(v any) {
		if v != nil {
			r, ok = v.(traceRing), true
		}
	})
	if err != nil || !ok {
		return nil, ok, err
	}
	for _, e := range r.entries() {
		events = append(events, e.event(r.base))
	}
	return events, true, nil
}

// event decodes e.
func (e traceEntry) event(base uint32) TraceEvent {
	ev := TraceEvent{Time: time.UnixMilli(int64(base)*1000 + int64(e.ms)), Dropped: e.kind&traceDropped != 0}
	peer := "UE"
	switch e.kind >> traceIfShift & 3 {
	case traceNGAP:
		peer, ev.Interface = "gNB", "NGAP"
		ev.Message = ngapMessageName(n2.ProcedureCode(e.code), n2.MessageType(e.kind&0x0f))
		if e.a != 0 {
			ev.Detail = ngapCauseName(n2.MakeCause(n2.CauseGroup(e.a-1), e.b))
		}
	case trace5GMM:
		ev.Interface, ev.Security = "NAS-5GMM", securityName(e.kind&0x0f)
		ev.Message, ev.Detail = gmmName(e.code, e.kind&traceDown != 0), gmmDetail(e.code, e.a, e.b)
	case trace5GSM:
		ev.Interface, ev.Security = "NAS-5GSM", securityName(e.kind&0x0f)
		ev.Message, ev.Detail = gsmName(e.code), gsmDetail(e.a, e.b)
	default: // not written by this version
		ev.Interface, ev.Message = "unknown", "unknown"
	}
	ev.From, ev.To = peer, "AMF"
	if e.kind&traceDown != 0 {
		ev.From, ev.To = "AMF", peer
	}
	return ev
}
