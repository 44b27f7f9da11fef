package n2

import (
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
)

// CauseGroup is the alternative of the Cause CHOICE.
//
// Spec: TS 38.413 §9.3.1.2
type CauseGroup uint8

// Cause groups, in CHOICE order.
const (
	CauseRadioNetwork CauseGroup = 0
	CauseTransport    CauseGroup = 1
	CauseNAS          CauseGroup = 2
	CauseProtocol     CauseGroup = 3
	CauseMisc         CauseGroup = 4
)

// Cause is an NGAP cause: the group in the high octet, the ENUMERATED index within
// the group in the low octet (extension values continue after the root, in the order
// the ASN.1 lists them). An integer so that the values below can be constants.
//
// Spec: TS 38.413 §9.3.1.2
type Cause uint16

// MakeCause returns the cause with value index v in group g.
func MakeCause(g CauseGroup, v uint8) Cause { return Cause(g)<<8 | Cause(v) }

// Group returns the cause group.
func (c Cause) Group() CauseGroup { return CauseGroup(c >> 8) }

// Value returns the ENUMERATED index within the group.
func (c Cause) Value() uint8 { return uint8(c) }

const (
	radioNetwork = Cause(CauseRadioNetwork) << 8
	transport    = Cause(CauseTransport) << 8
	nas          = Cause(CauseNAS) << 8
	protocol     = Cause(CauseProtocol) << 8
	misc         = Cause(CauseMisc) << 8
)

// Cause values used by go5g. The full lists are in TS 38.413 §9.3.1.2 and §9.4.5.
const (
	// Radio network layer.
	CauseUnspecifiedRadioNetwork           = radioNetwork | 0
	CauseReleaseDueToNGRANGeneratedReason  = radioNetwork | 3
	CauseReleaseDueTo5GCGeneratedReason    = radioNetwork | 4
	CauseUnknownLocalUENGAPID              = radioNetwork | 14
	CauseInconsistentRemoteUENGAPID        = radioNetwork | 15
	CauseUserInactivity                    = radioNetwork | 20
	CauseRadioConnectionWithUELost         = radioNetwork | 21
	CauseFailureInRadioInterfaceProcedure  = radioNetwork | 24
	CauseEncryptionOrIntegrityNotSupported = radioNetwork | 30
	CauseSliceNotSupported                 = radioNetwork | 39

	// Transport layer.
	CauseTransportResourceUnavailable = transport | 0

	// NAS.
	CauseNormalRelease         = nas | 0
	CauseAuthenticationFailure = nas | 1
	CauseDeregister            = nas | 2
	CauseUnspecifiedNAS        = nas | 3

	// Protocol (TS 38.413 §10).
	CauseTransferSyntaxError                          = protocol | 0
	CauseAbstractSyntaxErrorReject                    = protocol | 1
	CauseAbstractSyntaxErrorIgnoreAndNotify           = protocol | 2
	CauseMessageNotCompatibleWithReceiverState        = protocol | 3
	CauseSemanticError                                = protocol | 4
	CauseAbstractSyntaxErrorFalselyConstructedMessage = protocol | 5
	CauseUnspecifiedProtocol                          = protocol | 6

	// Miscellaneous. NGAP has no TAC-specific cause: an AMF that serves none of the
	// gNB's TAIs rejects NG Setup with unknown-PLMN-or-SNPN (§8.7.1.4 asks for "an
	// appropriate cause value").
	CauseControlProcessingOverload = misc | 0
	CauseHardwareFailure           = misc | 2
	CauseOMIntervention            = misc | 3
	CauseUnknownPLMNOrSNPN         = misc | 4
	CauseUnspecifiedMisc           = misc | 5
)

var causeGroupNames = [...]string{"radioNetwork", "transport", "nas", "protocol", "misc"}

func (c Cause) String() string {
	if int(c.Group()) < len(causeGroupNames) {
		return fmt.Sprintf("%s(%d)", causeGroupNames[c.Group()], c.Value())
	}
	return fmt.Sprintf("cause(%d,%d)", c.Group(), c.Value())
}

func causeIE(c Cause) (*ie.Cause, error) {
	v := aper.Enumerated(c.Value())
	var alt ie.CauseAlt
	switch c.Group() {
	case CauseRadioNetwork:
		alt = &ie.CauseRadioNetwork{Value: v}
	case CauseTransport:
		alt = &ie.CauseTransport{Value: v}
	case CauseNAS:
		alt = &ie.CauseNas{Value: v}
	case CauseProtocol:
		alt = &ie.CauseProtocol{Value: v}
	case CauseMisc:
		alt = &ie.CauseMisc{Value: v}
	default:
		return nil, fmt.Errorf("n2: cause group %d", c.Group())
	}
	return &ie.Cause{Choice: alt}, nil
}

func causeFromIE(x *ie.Cause) (Cause, error) {
	if x == nil || x.Choice == nil {
		return 0, errMissing
	}
	var g CauseGroup
	var v aper.Enumerated
	switch a := x.Choice.(type) {
	case *ie.CauseRadioNetwork:
		g, v = CauseRadioNetwork, a.Value
	case *ie.CauseTransport:
		g, v = CauseTransport, a.Value
	case *ie.CauseNas:
		g, v = CauseNAS, a.Value
	case *ie.CauseProtocol:
		g, v = CauseProtocol, a.Value
	case *ie.CauseMisc:
		g, v = CauseMisc, a.Value
	default:
		return 0, fmt.Errorf("%w: cause %T", ErrUnsupported, x.Choice)
	}
	if v > 255 {
		return 0, fmt.Errorf("%w: cause value %d", ErrSemantic, v)
	}
	return MakeCause(g, uint8(v)), nil
}

// TypeOfError says whether a reported IE was not understood or missing.
//
// Spec: TS 38.413 §9.3.1.3
type TypeOfError uint8

// Types of error.
const (
	NotUnderstood TypeOfError = 0
	Missing       TypeOfError = 1
)

// IEDiagnostic reports one IE in Criticality Diagnostics.
type IEDiagnostic struct {
	Criticality Criticality
	ID          uint16
	Error       TypeOfError
}

// CriticalityDiagnostics tells the sender which IEs or which procedure the receiver
// did not comprehend. The three procedure fields are optional in the ASN.1 but §10
// always includes or omits them together, so one flag, HasProcedure, covers them.
//
// Spec: TS 38.413 §9.3.1.3, §10.3.4, §10.3.5
type CriticalityDiagnostics struct {
	HasProcedure         bool
	ProcedureCode        ProcedureCode
	TriggeringMessage    MessageType
	ProcedureCriticality Criticality
	IEs                  []IEDiagnostic
}

func critDiagIE(d *CriticalityDiagnostics) (*ie.CriticalityDiagnostics, error) {
	if d == nil {
		return nil, nil
	}
	if err := checkCount(len(d.IEs), 0, maxErrors, "IE criticality diagnostics"); err != nil {
		return nil, err
	}
	x := &ie.CriticalityDiagnostics{}
	if d.HasProcedure {
		x.ProcedureCode = &ie.ProcedureCode{Value: int64(d.ProcedureCode)}
		x.TriggeringMessage = &ie.TriggeringMessage{Value: aper.Enumerated(d.TriggeringMessage)}
		x.ProcedureCriticality = &ie.Criticality{Value: aper.Enumerated(d.ProcedureCriticality)}
	}
	if len(d.IEs) > 0 {
		l := &ie.CriticalityDiagnosticsIEList{List: make([]ie.CriticalityDiagnosticsIEItem, len(d.IEs))}
		for i, e := range d.IEs {
			l.List[i] = ie.CriticalityDiagnosticsIEItem{
				IECriticality: &ie.Criticality{Value: aper.Enumerated(e.Criticality)},
				IEID:          &ie.ProtocolIEID{Value: int64(e.ID)},
				TypeOfError:   &ie.TypeOfError{Value: aper.Enumerated(e.Error)},
			}
		}
		x.IEsCriticalityDiagnostics = l
	}
	return x, nil
}

func critDiagFromIE(x *ie.CriticalityDiagnostics) *CriticalityDiagnostics {
	if x == nil {
		return nil
	}
	d := &CriticalityDiagnostics{}
	if x.ProcedureCode != nil && x.ProcedureCode.Value >= 0 && x.ProcedureCode.Value <= 255 {
		d.HasProcedure = true
		d.ProcedureCode = ProcedureCode(x.ProcedureCode.Value)
		if x.TriggeringMessage != nil {
			d.TriggeringMessage = MessageType(x.TriggeringMessage.Value)
		}
		if x.ProcedureCriticality != nil {
			d.ProcedureCriticality = Criticality(x.ProcedureCriticality.Value)
		}
	}
	if x.IEsCriticalityDiagnostics != nil {
		for _, e := range x.IEsCriticalityDiagnostics.List {
			var item IEDiagnostic
			if e.IECriticality != nil {
				item.Criticality = Criticality(e.IECriticality.Value)
			}
			if e.IEID != nil {
				item.ID = uint16(e.IEID.Value)
			}
			if e.TypeOfError != nil {
				item.Error = TypeOfError(e.TypeOfError.Value)
			}
			d.IEs = append(d.IEs, item)
		}
	}
	return d
}
