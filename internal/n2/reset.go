package n2

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// NGReset resets UE-associated logical connections; either node may send it. With
// Part nil (or empty) the whole NG interface is reset ("reset all"); otherwise only
// the listed connections, each named by its AMF and/or RAN UE NGAP ID.
//
// Spec: TS 38.413 §9.2.6.11, §8.7.4
type NGReset struct {
	Cause Cause
	Part  []UEIDs
}

// Marshal encodes the message.
func (m NGReset) Marshal() ([]byte, error) {
	c, err := causeIE(m.Cause)
	if err != nil {
		return nil, err
	}
	x := &message.NGReset{Cause: c, ResetType: &ie.ResetType{Choice: &ie.ResetAll{Value: ie.ResetAllPresentResetAll}}}
	if len(m.Part) > 0 {
		l, err := connectionListIE(m.Part)
		if err != nil {
			return nil, err
		}
		x.ResetType.Choice = l
	}
	return marshal(x)
}

// ParseNGReset extracts an NG Reset from a decoded PDU.
func ParseNGReset(p PDU) (*NGReset, error) {
	x, ok := p.Msg.(*message.NGReset)
	if !ok {
		return nil, wrongMessage(p, "NGReset")
	}
	c, err := causeFromIE(x.Cause)
	if err != nil {
		return nil, fmt.Errorf("NG reset: cause: %w", err)
	}
	m := &NGReset{Cause: c}
	if x.ResetType == nil || x.ResetType.Choice == nil {
		return nil, fmt.Errorf("NG reset: reset type: %w", errMissing)
	}
	switch t := x.ResetType.Choice.(type) {
	case *ie.ResetAll:
	case *ie.UEAssociatedLogicalNGConnectionList:
		if m.Part, err = connectionListFromIE(t); err != nil {
			return nil, fmt.Errorf("NG reset: %w", err)
		}
		if len(m.Part) == 0 {
			return nil, fmt.Errorf("%w: NG reset: empty connection list", ErrSemantic)
		}
	default:
		return nil, fmt.Errorf("%w: NG reset: reset type %T", ErrUnsupported, t)
	}
	return m, nil
}

// Acknowledge returns the NG Reset Acknowledge for r. For a partial reset either
// receiver "shall include ... for each UE association to be reset" the item, in the
// received order, unknown ones too; empty items "may be omitted" and are.
//
// Spec: TS 38.413 §8.7.4.2.1, §8.7.4.2.2
func (r NGReset) Acknowledge() NGResetAcknowledge {
	var ack NGResetAcknowledge
	for _, id := range r.Part {
		if id.HasAMF || id.HasRAN {
			ack.Part = append(ack.Part, id)
		}
	}
	return ack
}

// NGResetAcknowledge confirms an NG Reset; for a partial reset it lists the
// connections that were reset (see NGReset.Acknowledge).
//
// Spec: TS 38.413 §9.2.6.12, §8.7.4
type NGResetAcknowledge struct {
	Part        []UEIDs                 // optional
	Diagnostics *CriticalityDiagnostics // optional
}

// Marshal encodes the message.
func (m NGResetAcknowledge) Marshal() ([]byte, error) {
	diag, err := critDiagIE(m.Diagnostics)
	if err != nil {
		return nil, err
	}
	x := &message.NGResetAcknowledge{CriticalityDiagnostics: diag}
	if len(m.Part) > 0 {
		l, err := connectionListIE(m.Part)
		if err != nil {
			return nil, err
		}
		x.UEAssociatedLogicalNGConnectionList = l
	}
	return marshal(x)
}

// ParseNGResetAcknowledge extracts an NG Reset Acknowledge from a decoded PDU.
func ParseNGResetAcknowledge(p PDU) (*NGResetAcknowledge, error) {
	x, ok := p.Msg.(*message.NGResetAcknowledge)
	if !ok {
		return nil, wrongMessage(p, "NGResetAcknowledge")
	}
	m := &NGResetAcknowledge{Diagnostics: critDiagFromIE(x.CriticalityDiagnostics)}
	if x.UEAssociatedLogicalNGConnectionList != nil {
		var err error
		if m.Part, err = connectionListFromIE(x.UEAssociatedLogicalNGConnectionList); err != nil {
			return nil, fmt.Errorf("NG reset acknowledge: %w", err)
		}
	}
	return m, nil
}

// Spec: TS 38.413 §9.3.3.25 (UE-associated Logical NG-connection List)
func connectionListIE(ids []UEIDs) (*ie.UEAssociatedLogicalNGConnectionList, error) {
	if err := checkCount(len(ids), 1, maxConnectionsToReset, "UE-associated logical NG-connections"); err != nil {
		return nil, err
	}
	l := &ie.UEAssociatedLogicalNGConnectionList{List: make([]ie.UEAssociatedLogicalNGConnectionItem, len(ids))}
	for i, id := range ids {
		if !id.HasAMF && !id.HasRAN {
			return nil, errors.New("n2: UE-associated logical NG-connection item without an ID")
		}
		if id.HasAMF {
			a, err := amfUEIDIE(id.AMF)
			if err != nil {
				return nil, err
			}
			l.List[i].AMFUENGAPID = a
		}
		if id.HasRAN {
			l.List[i].RANUENGAPID = &ie.RANUENGAPID{Value: int64(id.RAN)}
		}
	}
	return l, nil
}

func connectionListFromIE(x *ie.UEAssociatedLogicalNGConnectionList) ([]UEIDs, error) {
	out := make([]UEIDs, 0, len(x.List))
	for _, item := range x.List {
		var id UEIDs
		var err error
		if item.AMFUENGAPID != nil {
			if id.AMF, err = amfUEIDFromIE(item.AMFUENGAPID); err != nil {
				return nil, err
			}
			id.HasAMF = true
		}
		if item.RANUENGAPID != nil {
			if id.RAN, err = ranUEIDFromIE(item.RANUENGAPID); err != nil {
				return nil, err
			}
			id.HasRAN = true
		}
		out = append(out, id)
	}
	return out, nil
}

// ErrorIndication reports an error in a received message that no failure message
// can report. Cause and Diagnostics are each optional, but at least one is sent.
// IDs are present for UE-associated signalling.
//
// Spec: TS 38.413 §9.2.6.13, §8.7.5
type ErrorIndication struct {
	IDs         UEIDs
	Cause       *Cause
	Diagnostics *CriticalityDiagnostics
}

// Marshal encodes the message.
func (m ErrorIndication) Marshal() ([]byte, error) {
	if m.Cause == nil && m.Diagnostics == nil {
		return nil, errors.New("n2: error indication needs a cause or criticality diagnostics (§8.7.5.2)")
	}
	diag, err := critDiagIE(m.Diagnostics)
	if err != nil {
		return nil, err
	}
	x := &message.ErrorIndication{CriticalityDiagnostics: diag}
	if m.IDs.HasAMF {
		if x.AMFUENGAPID, err = amfUEIDIE(m.IDs.AMF); err != nil {
			return nil, err
		}
	}
	if m.IDs.HasRAN {
		x.RANUENGAPID = &ie.RANUENGAPID{Value: int64(m.IDs.RAN)}
	}
	if m.Cause != nil {
		if x.Cause, err = causeIE(*m.Cause); err != nil {
			return nil, err
		}
	}
	return marshal(x)
}

// ParseErrorIndication extracts an Error Indication from a decoded PDU.
func ParseErrorIndication(p PDU) (*ErrorIndication, error) {
	x, ok := p.Msg.(*message.ErrorIndication)
	if !ok {
		return nil, wrongMessage(p, "ErrorIndication")
	}
	m := &ErrorIndication{Diagnostics: critDiagFromIE(x.CriticalityDiagnostics)}
	var err error
	if x.AMFUENGAPID != nil {
		if m.IDs.AMF, err = amfUEIDFromIE(x.AMFUENGAPID); err != nil {
			return nil, fmt.Errorf("error indication: %w", err)
		}
		m.IDs.HasAMF = true
	}
	if x.RANUENGAPID != nil {
		if m.IDs.RAN, err = ranUEIDFromIE(x.RANUENGAPID); err != nil {
			return nil, fmt.Errorf("error indication: %w", err)
		}
		m.IDs.HasRAN = true
	}
	if x.Cause != nil {
		c, err := causeFromIE(x.Cause)
		if err != nil {
			return nil, fmt.Errorf("error indication: cause: %w", err)
		}
		m.Cause = &c
	}
	return m, nil
}
