package n2

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/free5gc/ngap/message"
)

// rawIE encodes a ProtocolIE-Field by hand: id (2 octets), criticality (2 bits,
// padded), value as an open type (short form, < 128 octets).
func rawIE(id uint16, crit Criticality, val ...byte) []byte {
	return append([]byte{byte(id >> 8), byte(id), byte(crit) << 6, byte(len(val))}, val...)
}

// rawPDU encodes an NGAP-PDU by hand around the given IEs (each < 128 octets total).
func rawPDU(typ MessageType, proc ProcedureCode, crit Criticality, ies ...[]byte) []byte {
	val := []byte{0, 0, byte(len(ies))}
	for _, ie := range ies {
		val = append(val, ie...)
	}
	out := []byte{byte(typ) << 5, byte(proc), byte(crit) << 6}
	if len(val) < 128 {
		out = append(out, byte(len(val)))
	} else {
		out = append(out, 0x80|byte(len(val)>>8), byte(len(val)))
	}
	return append(out, val...)
}

// IEs of the golden Initial UE Message, for building broken variants of it.
var (
	ieRAN1     = rawIE(85, Reject, 0x00, 0x01)
	ieNAS      = rawIE(38, Reject, append([]byte{byte(len(regReq))}, regReq...)...)
	ieLocation = rawIE(121, Reject, unhexString("4000f110000000010000f110000001")...)
	ieRRCCause = rawIE(90, Ignore, 0x18)
)

func unhexString(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		hi, lo := strings.IndexByte("0123456789abcdef", s[2*i]), strings.IndexByte("0123456789abcdef", s[2*i+1])
		b[i] = byte(hi<<4 | lo)
	}
	return b
}

func TestRawPDUMatchesCodec(t *testing.T) {
	// The hand encoder must agree with the codec, or the error tests below test nothing.
	want := mustMarshal(InitialUEMessage{RANUENGAPID: 1, NASPDU: regReq, Location: loc, RRCCause: RRCMOSignalling})
	got := rawPDU(InitiatingMessage, ProcInitialUEMessage, Ignore, ieRAN1, ieNAS, ieLocation, ieRRCCause)
	if string(got) != string(want) {
		t.Fatalf("rawPDU = %x\nwant     %x", got, want)
	}
}

// TestProtocolErrors checks the mapping of decode failures onto TS 38.413 §10 and
// the Error Indication built for each.
func TestProtocolErrors(t *testing.T) {
	procDiag := func(p ProcedureCode, typ MessageType, c Criticality, ies ...IEDiagnostic) *CriticalityDiagnostics {
		return &CriticalityDiagnostics{HasProcedure: true, ProcedureCode: p, TriggeringMessage: typ,
			ProcedureCriticality: c, IEs: ies}
	}
	cause := func(c Cause) *Cause { return &c }
	tests := []struct {
		name     string
		in       []byte
		kind     ErrorKind
		header   bool
		ids      UEIDs
		cause    *Cause
		diag     *CriticalityDiagnostics
		report   bool
		failure  bool // UseFailureMessage
		wantInEI bool // the Error Indication carries ids
	}{
		{name: "empty", in: nil, kind: TransferSyntax, cause: cause(CauseTransferSyntaxError), report: true},
		{name: "NGAP-PDU extension alternative", in: []byte{0x80, 0x15, 0x00, 0x00},
			kind: TransferSyntax, cause: cause(CauseTransferSyntaxError), report: true},
		{name: "truncated initial UE message",
			in:   mustMarshal(sampleMsg("InitialUEMessage"))[:40],
			kind: TransferSyntax, header: true, ids: UEIDs{RAN: 1, HasRAN: true},
			cause: cause(CauseTransferSyntaxError), diag: procDiag(ProcInitialUEMessage, InitiatingMessage, Ignore),
			report: true, wantInEI: true},
		{name: "truncated, two-octet length form",
			in:   mustMarshal(sampleMsg("DownlinkNASTransport/max-ids"))[:30],
			kind: TransferSyntax, header: true, ids: ids(maxAMFUENGAPID, 0),
			cause: cause(CauseTransferSyntaxError), diag: procDiag(ProcDownlinkNASTransport, InitiatingMessage, Ignore),
			report: true, wantInEI: true},
		{name: "unknown procedure, reject",
			in:   rawPDU(InitiatingMessage, 200, Reject),
			kind: AbstractSyntax, header: true, diag: procDiag(200, InitiatingMessage, Reject), report: true},
		{name: "unknown procedure, notify",
			in:   rawPDU(SuccessfulOutcome, 201, Notify),
			kind: AbstractSyntax, header: true, diag: procDiag(201, SuccessfulOutcome, Notify), report: true},
		{name: "unknown procedure, ignore",
			in:   rawPDU(InitiatingMessage, 202, Ignore),
			kind: AbstractSyntax, header: true, diag: procDiag(202, InitiatingMessage, Ignore)},
		{name: "missing NAS-PDU (reject)",
			in:   rawPDU(InitiatingMessage, ProcInitialUEMessage, Ignore, ieRAN1, ieLocation, ieRRCCause),
			kind: AbstractSyntax, header: true, ids: UEIDs{RAN: 1, HasRAN: true},
			cause:  cause(CauseAbstractSyntaxErrorReject),
			diag:   procDiag(ProcInitialUEMessage, InitiatingMessage, Ignore, IEDiagnostic{Reject, 38, Missing}),
			report: true, wantInEI: true},
		{name: "unknown IE marked reject",
			in: rawPDU(InitiatingMessage, ProcInitialUEMessage, Ignore, ieRAN1, ieNAS, ieLocation, ieRRCCause,
				rawIE(9999, Reject, 0x00)),
			kind: AbstractSyntax, header: true, ids: UEIDs{RAN: 1, HasRAN: true},
			cause:  cause(CauseAbstractSyntaxErrorReject),
			diag:   procDiag(ProcInitialUEMessage, InitiatingMessage, Ignore, IEDiagnostic{Reject, 9999, NotUnderstood}),
			report: true, wantInEI: true},
		{name: "duplicated IE",
			in:   rawPDU(InitiatingMessage, ProcInitialUEMessage, Ignore, ieRAN1, ieRAN1, ieNAS, ieLocation, ieRRCCause),
			kind: AbstractSyntax, header: true, ids: UEIDs{RAN: 1, HasRAN: true},
			cause: cause(CauseAbstractSyntaxErrorFalselyConstructedMessage),
			diag:  procDiag(ProcInitialUEMessage, InitiatingMessage, Ignore), report: true, wantInEI: true},
		{name: "NG setup request without supported TA list: use NG SETUP FAILURE",
			in: rawPDU(InitiatingMessage, ProcNGSetup, Reject,
				rawIE(27, Reject, unhexString("0000f11000000004")...), rawIE(21, Ignore, 0x40)),
			kind: AbstractSyntax, header: true, cause: cause(CauseAbstractSyntaxErrorReject),
			diag:   procDiag(ProcNGSetup, InitiatingMessage, Reject, IEDiagnostic{Reject, 102, Missing}),
			report: true, failure: true},
		{name: "response missing an IE: local error handling",
			in:   rawPDU(SuccessfulOutcome, ProcNGSetup, Reject, rawIE(86, Ignore, 0xff)),
			kind: AbstractSyntax, header: true, cause: cause(CauseAbstractSyntaxErrorReject),
			diag: procDiag(ProcNGSetup, SuccessfulOutcome, Reject, IEDiagnostic{Reject, 1, Missing})},
		{name: "broken error indication: never answered (§10.5)",
			in:   mustMarshal(sampleMsg("ErrorIndication"))[:13],
			kind: TransferSyntax, header: true, ids: UEIDs{AMF: 7, HasAMF: true},
			cause: cause(CauseTransferSyntaxError), diag: procDiag(ProcErrorIndication, InitiatingMessage, Ignore)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(tt.in)
			if err == nil {
				t.Fatalf("Decode = %+v, want error", p.Info)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v is not ErrMalformed", err)
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *ProtocolError", err)
			}
			if pe.Kind != tt.kind || pe.Header != tt.header || pe.IDs != tt.ids || pe.Report != tt.report ||
				pe.UseFailureMessage != tt.failure {
				t.Errorf("kind/header/ids/report/failure = %v/%v/%+v/%v/%v, want %v/%v/%+v/%v/%v", pe.Kind, pe.Header,
					pe.IDs, pe.Report, pe.UseFailureMessage, tt.kind, tt.header, tt.ids, tt.report, tt.failure)
			}
			if !reflect.DeepEqual(pe.Cause, tt.cause) || !reflect.DeepEqual(pe.Diagnostics, tt.diag) {
				t.Errorf("cause/diagnostics = %v/%+v, want %v/%+v", pe.Cause, pe.Diagnostics, tt.cause, tt.diag)
			}

			ei, err := ErrorIndicationFor(err, pe.IDs)
			if err != nil {
				t.Fatalf("ErrorIndicationFor: %v", err)
			}
			if !tt.report {
				if ei != nil {
					t.Errorf("ErrorIndicationFor = %x, want nothing to send", ei)
				}
				return
			}
			p, err = Decode(ei)
			if err != nil {
				t.Fatalf("Decode(Error Indication): %v", err)
			}
			got, err := ParseErrorIndication(p)
			if err != nil {
				t.Fatal(err)
			}
			want := ErrorIndication{Cause: tt.cause, Diagnostics: tt.diag}
			if tt.wantInEI {
				want.IDs = tt.ids
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("Error Indication = %+v, want %+v", *got, want)
			}
		})
	}
}

// TestUnknownIgnoredIE: an unknown IE marked "ignore" is skipped (§10.3.4.2) and the
// message decodes.
func TestUnknownIgnoredIE(t *testing.T) {
	in := rawPDU(InitiatingMessage, ProcInitialUEMessage, Ignore, ieRAN1, rawIE(9999, Ignore, 1, 2, 3),
		ieNAS, ieLocation, ieRRCCause)
	p, err := Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseInitialUEMessage(p)
	if err != nil || m.RANUENGAPID != 1 || string(m.NASPDU) != string(regReq) || !m.HasRRCCause {
		t.Errorf("ParseInitialUEMessage = %+v, %v", m, err)
	}
}

// TestMissingIgnoreIE: RRC Establishment Cause is mandatory with criticality
// "ignore": its absence is not an error (§10.3.5) and the parser says so.
func TestMissingIgnoreIE(t *testing.T) {
	p, err := Decode(rawPDU(InitiatingMessage, ProcInitialUEMessage, Ignore, ieRAN1, ieNAS, ieLocation))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseInitialUEMessage(p)
	if err != nil || m.HasRRCCause {
		t.Errorf("ParseInitialUEMessage = %+v, %v; want HasRRCCause false", m, err)
	}
}

// TestSemanticErrors: decodable messages whose content we cannot use are refused by
// the typed parsers with ErrSemantic or ErrUnsupported, never by a panic.
func TestSemanticErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"PLMN digit 0xa", rawPDU(InitiatingMessage, ProcInitialUEMessage, Ignore, ieRAN1, ieNAS,
			rawIE(121, Reject, unhexString("40a0f110000000010000f110000001")...), ieRRCCause), ErrSemantic},
		{"E-UTRA location", rawPDU(InitiatingMessage, ProcInitialUEMessage, Ignore, ieRAN1, ieNAS,
			// userLocationInformationEUTRA: E-UTRA CGI (PLMN, 28-bit cell) and TAI
			rawIE(121, Reject, unhexString("0000f1100000001000f110000001")...), ieRRCCause), ErrUnsupported},
	}
	for _, tt := range tests {
		p, err := Decode(tt.in)
		if err != nil {
			t.Fatalf("%s: Decode: %v", tt.name, err)
		}
		if _, err := ParseInitialUEMessage(p); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestDecodeRecoversPanic injects a panicking codec: Decode must turn the panic
// into a transfer syntax error that ErrorIndicationFor can answer.
func TestDecodeRecoversPanic(t *testing.T) {
	in := mustMarshal(sampleMsg("DownlinkNASTransport")) // IDs 1/1
	_, err := decode(in, func([]byte) (message.Message, error) {
		var s []int
		_ = s[3] // index out of range, like a codec bug on a crafted length
		return nil, nil
	})
	var pe *ProtocolError
	if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) || !errors.Is(err, errPanic) {
		t.Fatalf("err = %v, want a ProtocolError wrapping ErrMalformed and the panic", err)
	}
	if pe.Kind != TransferSyntax || !pe.Report || pe.IDs != ids(1, 1) {
		t.Errorf("ProtocolError = %+v", pe)
	}
	if !strings.Contains(err.Error(), "index out of range") {
		t.Errorf("error %q does not say what panicked", err)
	}
	if b, err := ErrorIndicationFor(err, pe.IDs); err != nil || b == nil {
		t.Errorf("ErrorIndicationFor = %x, %v", b, err)
	}
}

func TestErrorIndicationForOtherErrors(t *testing.T) {
	if b, err := ErrorIndicationFor(errors.New("read: connection reset"), UEIDs{}); err == nil {
		t.Errorf("ErrorIndicationFor(non-protocol error) = %x, want error", b)
	}
}

// TestFragmentedPDU: a PDU over 16K octets uses X.691 length fragments; the scanner
// must still find the UE NGAP IDs.
func TestFragmentedPDU(t *testing.T) {
	m := DownlinkNASTransport{AMFUENGAPID: 5, RANUENGAPID: 6, NASPDU: ciphered(40000)}
	b := mustMarshal(m)
	if b[3]&0xc0 != 0xc0 {
		t.Fatalf("value length octet %#x is not a fragment header", b[3])
	}
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.IDs != ids(5, 6) {
		t.Errorf("IDs = %+v, want 5/6", p.IDs)
	}
	got, err := ParseDownlinkNASTransport(p)
	if err != nil || !reflect.DeepEqual(*got, m) {
		t.Errorf("parse: %v", err)
	}
}

func TestScanIDsStopsAtGarbage(t *testing.T) {
	// A valid RAN UE NGAP ID followed by an IE whose length runs past the end.
	val := append([]byte{0, 0, 2}, ieRAN1...)
	val = append(val, 0, 10, 0, 0x7f)
	if got, err := scanIDs(val); got != (UEIDs{RAN: 1, HasRAN: true}) || err != nil {
		t.Errorf("scanIDs = %+v, %v", got, err)
	}
	if got, err := scanIDs([]byte{0, 0}); got != (UEIDs{}) || err != nil {
		t.Errorf("scanIDs(short) = %+v, %v", got, err)
	}
	// AMF UE NGAP ID in 6 octets (2^40): out of range, an error; the RAN ID still counts.
	val = append([]byte{0, 0, 2}, rawIE(10, Reject, 0xa0, 1, 0, 0, 0, 0, 0)...)
	val = append(val, ieRAN1...)
	if got, err := scanIDs(val); got != (UEIDs{RAN: 1, HasRAN: true}) || !errors.Is(err, errBadID) {
		t.Errorf("scanIDs(AMF ID 2^40) = %+v, %v; want RAN 1 and errBadID", got, err)
	}
}
