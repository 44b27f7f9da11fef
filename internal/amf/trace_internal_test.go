package amf

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// TestTraceNAS: what a trace keeps of NAS messages, and what it decodes
// back: the message name, security header type, and a cause, PDU session
// ID or registration type; 5GSM messages are named from inside UL/DL NAS
// TRANSPORT unless the AMF returns one with a 5GMM cause.
//
// Spec: TS 24.501 §8.2, §8.3, §9.3.1, §9.7
func TestTraceNAS(t *testing.T) {
	estReq := []byte{n1.EPD5GSM, 5, 1, n1.MsgPDUSessionEstablishmentRequest, 0xff, 0xff}
	estRej := []byte{n1.EPD5GSM, 5, 1, n1.MsgPDUSessionEstablishmentReject, n1.SMCauseMissingOrUnknownDNN}
	transport := func(t uint8, sm []byte, ies ...byte) []byte {
		b := []byte{n1.EPD5GMM, 0, t, n1.PayloadN1SMInformation, 0, byte(len(sm))}
		return append(append(b, sm...), ies...)
	}
	secured := func(h n1.HeaderType, plain []byte) []byte {
		return append([]byte{n1.EPD5GMM, byte(h), 1, 2, 3, 4, 0}, plain...)
	}
	regReq := []byte{n1.EPD5GMM, 0, n1.MsgRegistrationRequest, 0x79, 0, 1, 1}
	for _, c := range []struct {
		name string
		rec  func(r *traceLog)
		want TraceEvent
	}{
		{"registration request", func(r *traceLog) { r.nasUp(regReq, regReq, false) },
			TraceEvent{From: "UE", To: "AMF", Interface: "NAS-5GMM", Message: "Registration request", Security: "plain", Detail: "initial registration"}},
		{"integrity protected, not verified", func(r *traceLog) { r.nasUp(secured(n1.HeaderIntegrity, regReq), nil, true) },
			TraceEvent{From: "UE", To: "AMF", Interface: "NAS-5GMM", Message: "Registration request", Security: "integrity", Detail: "initial registration", Dropped: true}},
		{"ciphered, not deciphered", func(r *traceLog) { r.nasUp(secured(n1.HeaderIntegrityCiphered, []byte{9, 9, 9}), nil, true) },
			TraceEvent{From: "UE", To: "AMF", Interface: "NAS-5GMM", Message: "(unreadable: ciphered or malformed)", Security: "integrity+ciphered", Dropped: true}},
		{"registration reject", func(r *traceLog) {
			m := []byte{n1.EPD5GMM, 0, n1.MsgRegistrationReject, n1.CauseCongestion}
			r.nasDown(m, m)
		}, TraceEvent{From: "AMF", To: "UE", Interface: "NAS-5GMM", Message: "Registration reject", Security: "plain", Detail: "5GMM cause #22 congestion"}},
		{"security mode command", func(r *traceLog) {
			m := []byte{n1.EPD5GMM, 0, n1.MsgSecurityModeCommand, 0x02}
			r.nasDown(m, secured(n1.HeaderIntegrityNewContext, m))
		}, TraceEvent{From: "AMF", To: "UE", Interface: "NAS-5GMM", Message: "Security mode command", Security: "integrity, new context"}},
		{"5GSM in UL NAS TRANSPORT", func(r *traceLog) {
			m := transport(n1.MsgULNASTransport, estReq, n1.IEIPDUSessionID, 5)
			r.nasUp(secured(n1.HeaderIntegrityCiphered, m), m, false)
		}, TraceEvent{From: "UE", To: "AMF", Interface: "NAS-5GSM", Message: "PDU session establishment request", Security: "integrity+ciphered", Detail: "PDU session 5"}},
		{"5GSM reject in DL NAS TRANSPORT", func(r *traceLog) {
			m := transport(n1.MsgDLNASTransport, estRej, n1.IEIPDUSessionID, 5)
			r.nasDown(m, secured(n1.HeaderIntegrityCiphered, m))
		}, TraceEvent{From: "AMF", To: "UE", Interface: "NAS-5GSM", Message: "PDU session establishment reject", Security: "integrity+ciphered", Detail: "PDU session 5, 5GSM cause #27 missing or unknown DNN"}},
		{"5GSM returned with a 5GMM cause", func(r *traceLog) {
			m := transport(n1.MsgDLNASTransport, estReq, n1.IEIPDUSessionID, 5, n1.IEI5GMMCause, n1.CausePayloadNotForwarded)
			r.nasDown(m, secured(n1.HeaderIntegrityCiphered, m))
		}, TraceEvent{From: "AMF", To: "UE", Interface: "NAS-5GMM", Message: "DL NAS transport", Security: "integrity+ciphered", Detail: "5GMM cause #90 payload was not forwarded, PDU session 5"}},
		{"switch-off deregistration", func(r *traceLog) {
			m := []byte{n1.EPD5GMM, 0, n1.MsgDeregistrationRequestUE, 0x09}
			r.nasUp(m, m, false)
		}, TraceEvent{From: "UE", To: "AMF", Interface: "NAS-5GMM", Message: "Deregistration request (UE originating)", Security: "plain", Detail: "switch off"}},
		{"NGAP from the AMF", func(r *traceLog) {
			pdu, err := n2.DownlinkNASTransport{AMFUENGAPID: 1, RANUENGAPID: 2, NASPDU: regReq}.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			r.ngapPDU(pdu)
		}, TraceEvent{From: "AMF", To: "gNB", Interface: "NGAP", Message: "DownlinkNASTransport"}},
		{"NGAP outcome from the gNB", func(r *traceLog) {
			r.ngap(false, n2.ProcInitialContextSetup, n2.UnsuccessfulOutcome, 0)
		}, TraceEvent{From: "gNB", To: "AMF", Interface: "NGAP", Message: "InitialContextSetupFailure"}},
		{"Error Indication with its cause", func(r *traceLog) {
			r.ngap(true, n2.ProcErrorIndication, n2.InitiatingMessage, n2.CauseUnknownLocalUENGAPID)
		}, TraceEvent{From: "AMF", To: "gNB", Interface: "NGAP", Message: "ErrorIndication", Detail: "cause radioNetwork(14)"}},
	} {
		var l traceLog
		c.rec(&l)
		es := l.r.entries()
		if len(es) != 1 {
			t.Errorf("%s: %d entries", c.name, len(es))
			continue
		}
		got := es[0].event(l.r.base)
		c.want.Time = got.Time
		if got != c.want || got.Time.IsZero() {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

// TestTraceRing: the ring keeps the last traceLen entries, oldest first,
// records without allocating (once the ring exists), and decodes any
// entry without panicking.
func TestTraceRing(t *testing.T) {
	var r traceLog
	for i := range traceLen + 5 {
		r.add(uint8(traceNGAP)<<traceIfShift, uint8(i), 0, 0)
	}
	es := r.r.entries()
	if len(es) != traceLen || es[0].code != 5 || es[traceLen-1].code != traceLen+4 {
		t.Fatalf("%d entries from %d to %d, want %d from 5 to %d", len(es), es[0].code, es[len(es)-1].code, traceLen, traceLen+4)
	}
	m := []byte{n1.EPD5GMM, 0, n1.MsgRegistrationComplete}
	if n := testing.AllocsPerRun(100, func() {
		r.nasUp(m, m, false)
		r.ngap(false, n2.ProcUplinkNASTransport, n2.InitiatingMessage, 0)
	}); n != 0 {
		t.Errorf("recording allocates %v times", n)
	}
	for k := range 256 {
		for _, c := range []uint8{0, 0x41, 0x44, 0x4c, 0x45, 0x67, 0x68, 0xc3, 14, 200, 255} {
			e := traceEntry{kind: uint8(k), code: c, a: 0xff, b: 0xff}
			if ev := e.event(0); ev.Message == "" || ev.From == "" || ev.To == "" || ev.Interface == "" {
				t.Fatalf("entry %+v: %+v", e, ev)
			}
		}
	}
}

// TestTraceHoldsNoPayload: a trace entry is a few fixed bytes, so no
// message content (and so no RES*, key or identity) can be kept in it.
func TestTraceHoldsNoPayload(t *testing.T) {
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		switch ty.Kind() {
		case reflect.Struct:
			for i := range ty.NumField() {
				walk(ty.Field(i).Type, path+"."+ty.Field(i).Name)
			}
		case reflect.Array:
			walk(ty.Elem(), path+"[]")
		case reflect.Uint8, reflect.Uint32:
		default:
			t.Errorf("%s is a %s: a trace holds numbers only", path, ty.Kind())
		}
	}
	walk(reflect.TypeFor[traceRing](), "traceRing")
	if s := unsafe.Sizeof(traceEntry{}); s != 8 {
		t.Errorf("traceEntry is %d bytes, want 8", s)
	}
	if s := unsafe.Sizeof(traceRing{}); s != 256 {
		t.Errorf("traceRing is %d bytes, want 256 (an allocation size class)", s)
	}
	t.Logf("traceRing %d B per UE context (ue %d B)", unsafe.Sizeof(traceRing{}), unsafe.Sizeof(ue{}))
	if !strings.Contains(securityName(9), "9") {
		t.Errorf("unknown header type not shown")
	}
}

// BenchmarkTraceRecord is the cost of recording one uplink NAS message
// and its NGAP transport.
func BenchmarkTraceRecord(b *testing.B) {
	var l traceLog
	m := []byte{n1.EPD5GMM, 0, n1.MsgRegistrationComplete}
	b.ReportAllocs()
	for b.Loop() {
		l.ngap(false, n2.ProcUplinkNASTransport, n2.InitiatingMessage, 0)
		l.nasUp(m, m, false)
	}
}
