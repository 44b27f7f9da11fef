package n2

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// Errors callers test with errors.Is.
var (
	// ErrMalformed marks a PDU that could not be decoded: a transfer or abstract
	// syntax error of TS 38.413 §10.2/§10.3. Errors wrapping it are *ProtocolError.
	ErrMalformed = errors.New("n2: malformed NGAP PDU")
	// ErrSemantic marks a decoded PDU whose content is invalid for its IE type
	// (e.g. a non-decimal PLMN digit): a logical error of TS 38.413 §10.4.
	ErrSemantic = errors.New("n2: semantic error")
	// ErrUnsupported marks a valid alternative go5g does not handle (e.g. E-UTRA
	// user location, ng-eNB node ID).
	ErrUnsupported = errors.New("n2: unsupported alternative")
	// ErrWrongMessage is returned by a Parse* helper given a different message.
	ErrWrongMessage = errors.New("n2: not the expected NGAP message")
)

// Info is what routing needs from a PDU: which procedure and message it is and
// which UE it concerns. Routing takes AMF-UE-NGAP-ID when HasAMF, else RAN-UE-NGAP-ID
// (only the first messages of a UE, before the AMF assigned its ID, lack the former).
type Info struct {
	Procedure   ProcedureCode
	Type        MessageType
	Criticality Criticality
	IDs         UEIDs
}

// UEAssociated reports whether the PDU uses UE-associated signalling: its procedure
// can (TS 38.413 §8) and it carries a UE NGAP ID. NG Reset and its acknowledgement
// carry ID lists, not IDs, and are non-UE-associated.
func (i Info) UEAssociated() bool { return i.IDs.HasAMF || i.IDs.HasRAN }

// PDU is one decoded NGAP PDU.
type PDU struct {
	Info
	// Msg is the codec's message, for procedures without a typed helper here.
	Msg message.Message
}

// Decode decodes one NGAP PDU (one SCTP DATA chunk payload with PPID 60). It never
// panics: a panic inside the codec is recovered and reported as a transfer syntax
// error. Every error it returns is a *ProtocolError wrapping ErrMalformed; hand it to
// ErrorIndicationFor to learn what to send back.
//
// Spec: TS 38.413 §10
func Decode(b []byte) (PDU, error) {
	return decode(b, message.Parse)
}

// decode takes the codec's parse function so that tests can inject a panicking one.
func decode(b []byte, parse func([]byte) (message.Message, error)) (PDU, error) {
	h, val, headerOK, scanErr := scanHeader(b)
	var info Info
	var idErr error
	if headerOK {
		info = Info{Procedure: h.procedure, Type: h.typ, Criticality: h.criticality}
		if !h.procedure.nonUEAssociated() {
			info.IDs, idErr = scanIDs(val)
		}
	}
	msg, err := safeParse(parse, b)
	switch {
	case err != nil:
	case msg == nil:
		err = errors.New("codec returned no message")
	case scanErr != nil:
		// The codec accepted what the header scan rejected: trust neither.
		err = fmt.Errorf("NGAP-PDU header: %w", scanErr)
	case idErr != nil:
		err = idErr // the codec does not check INTEGER ranges
	case int64(h.procedure) != msg.ProcedureCode() || int64(h.typ) != msg.MessageType():
		err = fmt.Errorf("header %v/%v disagrees with codec %d/%d",
			h.procedure, h.typ, msg.ProcedureCode(), msg.MessageType())
	}
	if err != nil {
		return PDU{}, protocolError(err, h, headerOK, info.IDs)
	}
	return PDU{Info: info, Msg: msg}, nil
}

// errPanic marks a recovered codec panic inside a ProtocolError.
var errPanic = errors.New("codec panic")

func safeParse(parse func([]byte) (message.Message, error), b []byte) (m message.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return parse(b)
}

// ErrorKind classifies a protocol error per TS 38.413 §10.1.
type ErrorKind uint8

// Protocol error kinds.
const (
	TransferSyntax ErrorKind = iota // §10.2: the message could not be decoded
	AbstractSyntax                  // §10.3: decoded, but IEs unknown, missing, repeated or misplaced
)

// ProtocolError describes a PDU that failed to decode and what §10 asks the
// receiver to do about it.
type ProtocolError struct {
	Kind ErrorKind
	// Header is set when the NGAP-PDU header was readable; then Procedure, Type and
	// Criticality describe the failed message.
	Header      bool
	Procedure   ProcedureCode
	Type        MessageType
	Criticality Criticality
	// IDs are the UE NGAP IDs found in the message, if any (§8.7.5.2 wants them in
	// the Error Indication).
	IDs UEIDs
	// Cause for the report; nil when §10.3.4.1 reports by Criticality Diagnostics only.
	Cause *Cause
	// Diagnostics for the report, with the procedure fields set (as §10.3.4 asks for
	// an Error Indication); clear HasProcedure when reporting in a response message.
	Diagnostics *CriticalityDiagnostics
	// Report is false when §10 asks for no message at all: an ignored procedure, an
	// error in a response (local error handling) or in an Error Indication (§10.5).
	Report bool
	// UseFailureMessage is set when §10.3.4.2/§10.3.5/§10.3.6 ask for the procedure's
	// unsuccessful outcome message (e.g. NG SETUP FAILURE with Cause and Diagnostics)
	// instead of an Error Indication.
	UseFailureMessage bool

	err error
}

func (e *ProtocolError) Error() string {
	kind := "transfer syntax error"
	if e.Kind == AbstractSyntax {
		kind = "abstract syntax error"
	}
	if e.Header {
		return fmt.Sprintf("n2: %s in %v %v: %v", kind, e.Procedure, e.Type, e.err)
	}
	return fmt.Sprintf("n2: %s: %v", kind, e.err)
}

// Unwrap lets errors.Is find ErrMalformed and the codec's own error.
func (e *ProtocolError) Unwrap() []error { return []error{ErrMalformed, e.err} }

// protocolError maps a codec error onto the handling rules of TS 38.413 §10.
func protocolError(err error, h header, headerOK bool, ids UEIDs) *ProtocolError {
	pe := &ProtocolError{Kind: TransferSyntax, Header: headerOK, IDs: ids, Report: true, err: err}
	if headerOK {
		pe.Procedure, pe.Type, pe.Criticality = h.procedure, h.typ, h.criticality
	}
	procDiag := func() *CriticalityDiagnostics {
		if !pe.Header {
			return nil
		}
		return &CriticalityDiagnostics{HasProcedure: true, ProcedureCode: pe.Procedure,
			TriggeringMessage: pe.Type, ProcedureCriticality: pe.Criticality}
	}
	var ase *ie.AbstractSyntaxErr
	if errors.Is(err, errPanic) || !headerOK || !errors.As(err, &ase) {
		// §10.2: anything the decoder could not get through.
		pe.Cause = causeRef(CauseTransferSyntaxError)
		pe.Diagnostics = procDiag()
		return pe.finish()
	}
	pe.Kind = AbstractSyntax
	pe.Diagnostics = procDiag()
	response := pe.Type != InitiatingMessage
	switch c := ase.ErrorCase().(type) {
	case *ie.AbstractSyntaxErrNotComprehendedIE:
		switch {
		case c.ReportIe == nil:
			pe.Cause = causeRef(CauseAbstractSyntaxErrorReject)
		case c.ReportIe.IsProcedureCodeIe():
			// §10.3.4.1: report by Criticality Diagnostics (procedure fields), no cause;
			// "ignore" means ignore the procedure silently.
			pe.Report = pe.Criticality != Ignore
		default:
			pe.ieCase(ase, response)
		}
	case *ie.AbstractSyntaxErrMissingIE:
		pe.ieCase(ase, response)
	default:
		// §10.3.6: wrong order, too many occurrences, erroneously present.
		pe.Cause = causeRef(CauseAbstractSyntaxErrorFalselyConstructedMessage)
		if response {
			pe.Report = false // local error handling
		} else {
			pe.UseFailureMessage = pe.Procedure.hasFailureMessage()
		}
	}
	return pe.finish()
}

func causeRef(c Cause) *Cause { return &c }

// ieCase handles a not comprehended or missing IE per §10.3.4.2 and §10.3.5.
func (pe *ProtocolError) ieCase(ase *ie.AbstractSyntaxErr, response bool) {
	if d, err := ase.GetCritDiag(true); err == nil {
		pe.Diagnostics = critDiagFromIE(d)
	}
	cause, err := ase.GetCause()
	if err != nil || cause == nil {
		pe.Cause = causeRef(CauseAbstractSyntaxErrorReject)
	} else if c, err := causeFromIE(cause); err == nil {
		pe.Cause = causeRef(c)
	} else {
		pe.Cause = causeRef(CauseAbstractSyntaxErrorReject)
	}
	reject := *pe.Cause == CauseAbstractSyntaxErrorReject
	switch {
	case reject && response:
		pe.Report = false // "consider the procedure as unsuccessfully terminated and initiate local error handling"
	case !response:
		pe.UseFailureMessage = pe.Procedure.hasFailureMessage()
	}
}

// finish applies §10.5: no Error Indication about an Error Indication.
func (pe *ProtocolError) finish() *ProtocolError {
	if pe.Header && pe.Procedure == ProcErrorIndication {
		pe.Report, pe.UseFailureMessage = false, false
	}
	return pe
}

// ErrorIndicationFor builds the ERROR INDICATION a receiver sends back for err, a
// *ProtocolError from Decode, with the UE NGAP IDs the caller vouches for (usually
// pe.IDs when they name a known UE, per §8.7.5.2; zero UEIDs for non-UE-associated
// signalling). It returns nil bytes and nil error when §10 asks for no report
// (ProtocolError.Report is false). When pe.UseFailureMessage is set, the procedure's
// failure message is the better answer; this Error Indication is the fallback for
// when that message cannot be built.
//
// Spec: TS 38.413 §8.7.5, §10.2, §10.3
func ErrorIndicationFor(err error, ids UEIDs) ([]byte, error) {
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		return nil, fmt.Errorf("n2: no protocol error to report: %w", err)
	}
	if !pe.Report {
		return nil, nil
	}
	ei := ErrorIndication{IDs: ids, Cause: pe.Cause, Diagnostics: pe.Diagnostics}
	if ei.Cause == nil && ei.Diagnostics == nil {
		// §8.7.5.2 needs at least one of the two.
		ei.Cause = causeRef(CauseTransferSyntaxError)
	}
	return ei.Marshal()
}
