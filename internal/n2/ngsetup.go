package n2

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// BroadcastPLMN is one PLMN broadcast in a tracking area with the slices it supports there.
type BroadcastPLMN struct {
	PLMN   PLMN
	Slices []SNSSAI
}

// SupportedTA is one tracking area a gNB serves.
//
// Spec: TS 38.413 §9.2.6.1 (Supported TA List)
type SupportedTA struct {
	TAC   uint32
	PLMNs []BroadcastPLMN
}

// NGSetupRequest is sent by the gNB first on every new TNL association.
//
// Spec: TS 38.413 §9.2.6.1, §8.7.1
type NGSetupRequest struct {
	GlobalRANNodeID  GlobalGNBID
	RANNodeName      string // optional: empty means absent
	SupportedTAs     []SupportedTA
	DefaultPagingDRX PagingDRX
}

// Marshal encodes the message.
func (m NGSetupRequest) Marshal() ([]byte, error) {
	node, err := globalGNBIDIE(m.GlobalRANNodeID)
	if err != nil {
		return nil, err
	}
	if err := checkCount(len(m.SupportedTAs), 1, maxTACs, "supported TAs"); err != nil {
		return nil, err
	}
	x := &message.NGSetupRequest{
		GlobalRANNodeID:  node,
		SupportedTAList:  &ie.SupportedTAList{List: make([]ie.SupportedTAItem, len(m.SupportedTAs))},
		DefaultPagingDRX: &ie.PagingDRX{Value: aper.Enumerated(m.DefaultPagingDRX)},
	}
	if m.RANNodeName != "" {
		if err := printable(m.RANNodeName, "RAN node name"); err != nil {
			return nil, err
		}
		x.RANNodeName = &ie.RANNodeName{Value: aper.PrintableString(m.RANNodeName)}
	}
	for i, ta := range m.SupportedTAs {
		tac, err := uint24(ta.TAC, "TAC")
		if err != nil {
			return nil, err
		}
		if err := checkCount(len(ta.PLMNs), 1, maxBPLMNs, "broadcast PLMNs"); err != nil {
			return nil, err
		}
		item := &x.SupportedTAList.List[i]
		item.TAC = &ie.TAC{Value: tac}
		item.BroadcastPLMNList = &ie.BroadcastPLMNList{List: make([]ie.BroadcastPLMNItem, len(ta.PLMNs))}
		for j, bp := range ta.PLMNs {
			p, err := plmnIE(bp.PLMN)
			if err != nil {
				return nil, err
			}
			slices, err := sliceSupportIE(bp.Slices)
			if err != nil {
				return nil, err
			}
			item.BroadcastPLMNList.List[j] = ie.BroadcastPLMNItem{PLMNIdentity: p, TAISliceSupportList: slices}
		}
	}
	return marshal(x)
}

// ParseNGSetupRequest extracts an NG Setup Request from a decoded PDU.
func ParseNGSetupRequest(p PDU) (*NGSetupRequest, error) {
	x, ok := p.Msg.(*message.NGSetupRequest)
	if !ok {
		return nil, wrongMessage(p, "NGSetupRequest")
	}
	node, err := globalGNBIDFromIE(x.GlobalRANNodeID)
	if err != nil {
		return nil, fmt.Errorf("NG setup request: global RAN node ID: %w", err)
	}
	m := &NGSetupRequest{GlobalRANNodeID: node}
	if x.RANNodeName != nil {
		m.RANNodeName = string(x.RANNodeName.Value)
	}
	if x.DefaultPagingDRX != nil {
		if x.DefaultPagingDRX.Value > aper.Enumerated(PagingDRX256) {
			return nil, fmt.Errorf("%w: NG setup request: paging DRX %d", ErrUnsupported, x.DefaultPagingDRX.Value)
		}
		m.DefaultPagingDRX = PagingDRX(x.DefaultPagingDRX.Value)
	}
	if x.SupportedTAList == nil {
		return nil, fmt.Errorf("NG setup request: supported TA list: %w", errMissing)
	}
	for _, item := range x.SupportedTAList.List {
		if item.TAC == nil || item.BroadcastPLMNList == nil {
			return nil, fmt.Errorf("NG setup request: supported TA: %w", errMissing)
		}
		tac, err := uint24From(item.TAC.Value, "TAC")
		if err != nil {
			return nil, fmt.Errorf("NG setup request: %w", err)
		}
		ta := SupportedTA{TAC: tac}
		for _, bp := range item.BroadcastPLMNList.List {
			plmn, err := plmnFromIE(bp.PLMNIdentity)
			if err != nil {
				return nil, fmt.Errorf("NG setup request: broadcast PLMN: %w", err)
			}
			slices, err := sliceSupportFromIE(bp.TAISliceSupportList)
			if err != nil {
				return nil, fmt.Errorf("NG setup request: TAI slice support list: %w", err)
			}
			ta.PLMNs = append(ta.PLMNs, BroadcastPLMN{PLMN: plmn, Slices: slices})
		}
		m.SupportedTAs = append(m.SupportedTAs, ta)
	}
	return m, nil
}

// ServedGUAMI is one GUAMI an AMF serves, with the optional backup AMF name.
type ServedGUAMI struct {
	GUAMI         GUAMI
	BackupAMFName string // optional: empty means absent
}

// PLMNSupport is one PLMN an AMF serves with the slices it supports there.
type PLMNSupport struct {
	PLMN   PLMN
	Slices []SNSSAI
}

// NGSetupResponse accepts an NG Setup Request.
//
// Spec: TS 38.413 §9.2.6.2, §8.7.1.2
type NGSetupResponse struct {
	AMFName             string
	ServedGUAMIs        []ServedGUAMI
	RelativeAMFCapacity uint8
	PLMNSupport         []PLMNSupport
}

// Marshal encodes the message.
func (m NGSetupResponse) Marshal() ([]byte, error) {
	if err := errors.Join(printable(m.AMFName, "AMF name"),
		checkCount(len(m.ServedGUAMIs), 1, maxServedGUAMIs, "served GUAMIs"),
		checkCount(len(m.PLMNSupport), 1, maxPLMNs, "supported PLMNs")); err != nil {
		return nil, err
	}
	x := &message.NGSetupResponse{
		AMFName:             &ie.AMFName{Value: aper.PrintableString(m.AMFName)},
		ServedGUAMIList:     &ie.ServedGUAMIList{List: make([]ie.ServedGUAMIItem, len(m.ServedGUAMIs))},
		RelativeAMFCapacity: &ie.RelativeAMFCapacity{Value: int64(m.RelativeAMFCapacity)},
		PLMNSupportList:     &ie.PLMNSupportList{List: make([]ie.PLMNSupportItem, len(m.PLMNSupport))},
	}
	for i, sg := range m.ServedGUAMIs {
		g, err := guamiIE(sg.GUAMI)
		if err != nil {
			return nil, err
		}
		x.ServedGUAMIList.List[i].GUAMI = g
		if sg.BackupAMFName != "" {
			if err := printable(sg.BackupAMFName, "backup AMF name"); err != nil {
				return nil, err
			}
			x.ServedGUAMIList.List[i].BackupAMFName = &ie.AMFName{Value: aper.PrintableString(sg.BackupAMFName)}
		}
	}
	for i, ps := range m.PLMNSupport {
		p, err := plmnIE(ps.PLMN)
		if err != nil {
			return nil, err
		}
		slices, err := sliceSupportIE(ps.Slices)
		if err != nil {
			return nil, err
		}
		x.PLMNSupportList.List[i] = ie.PLMNSupportItem{PLMNIdentity: p, SliceSupportList: slices}
	}
	return marshal(x)
}

// ParseNGSetupResponse extracts an NG Setup Response from a decoded PDU.
func ParseNGSetupResponse(p PDU) (*NGSetupResponse, error) {
	x, ok := p.Msg.(*message.NGSetupResponse)
	if !ok {
		return nil, wrongMessage(p, "NGSetupResponse")
	}
	if x.AMFName == nil || x.ServedGUAMIList == nil || x.RelativeAMFCapacity == nil || x.PLMNSupportList == nil {
		return nil, fmt.Errorf("NG setup response: %w", errMissing)
	}
	m := &NGSetupResponse{AMFName: string(x.AMFName.Value), RelativeAMFCapacity: uint8(x.RelativeAMFCapacity.Value)}
	for _, item := range x.ServedGUAMIList.List {
		g, err := guamiFromIE(item.GUAMI)
		if err != nil {
			return nil, fmt.Errorf("NG setup response: served GUAMI: %w", err)
		}
		sg := ServedGUAMI{GUAMI: g}
		if item.BackupAMFName != nil {
			sg.BackupAMFName = string(item.BackupAMFName.Value)
		}
		m.ServedGUAMIs = append(m.ServedGUAMIs, sg)
	}
	for _, item := range x.PLMNSupportList.List {
		plmn, err := plmnFromIE(item.PLMNIdentity)
		if err != nil {
			return nil, fmt.Errorf("NG setup response: PLMN support: %w", err)
		}
		slices, err := sliceSupportFromIE(item.SliceSupportList)
		if err != nil {
			return nil, fmt.Errorf("NG setup response: slice support list: %w", err)
		}
		m.PLMNSupport = append(m.PLMNSupport, PLMNSupport{PLMN: plmn, Slices: slices})
	}
	return m, nil
}

// TimeToWait is how long a rejected gNB waits before retrying NG Setup.
//
// Spec: TS 38.413 §9.3.1.56
type TimeToWait uint8

// Time to wait values; TimeToWaitAbsent leaves the optional IE out.
const (
	TimeToWaitAbsent TimeToWait = iota
	TimeToWait1s
	TimeToWait2s
	TimeToWait5s
	TimeToWait10s
	TimeToWait20s
	TimeToWait60s
)

// NGSetupFailure rejects an NG Setup Request.
//
// Spec: TS 38.413 §9.2.6.3, §8.7.1.3
type NGSetupFailure struct {
	Cause       Cause
	TimeToWait  TimeToWait
	Diagnostics *CriticalityDiagnostics // optional
}

// Marshal encodes the message.
func (m NGSetupFailure) Marshal() ([]byte, error) {
	c, err := causeIE(m.Cause)
	if err != nil {
		return nil, err
	}
	diag, err := critDiagIE(m.Diagnostics)
	if err != nil {
		return nil, err
	}
	x := &message.NGSetupFailure{Cause: c, CriticalityDiagnostics: diag}
	switch {
	case m.TimeToWait > TimeToWait60s:
		return nil, fmt.Errorf("n2: time to wait %d", m.TimeToWait)
	case m.TimeToWait != TimeToWaitAbsent:
		x.TimeToWait = &ie.TimeToWait{Value: aper.Enumerated(m.TimeToWait - TimeToWait1s)}
	}
	return marshal(x)
}

// ParseNGSetupFailure extracts an NG Setup Failure from a decoded PDU.
func ParseNGSetupFailure(p PDU) (*NGSetupFailure, error) {
	x, ok := p.Msg.(*message.NGSetupFailure)
	if !ok {
		return nil, wrongMessage(p, "NGSetupFailure")
	}
	c, err := causeFromIE(x.Cause)
	if err != nil {
		return nil, fmt.Errorf("NG setup failure: cause: %w", err)
	}
	m := &NGSetupFailure{Cause: c, Diagnostics: critDiagFromIE(x.CriticalityDiagnostics)}
	if x.TimeToWait != nil {
		if x.TimeToWait.Value > aper.Enumerated(TimeToWait60s-TimeToWait1s) {
			return nil, fmt.Errorf("%w: NG setup failure: time to wait %d", ErrUnsupported, x.TimeToWait.Value)
		}
		m.TimeToWait = TimeToWait(x.TimeToWait.Value) + TimeToWait1s
	}
	return m, nil
}

// marshal encodes a codec message; its errors concern our own input, not the peer's.
func marshal(x message.Message) ([]byte, error) {
	b, err := x.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("n2: encode %T: %w", x, err)
	}
	return b, nil
}

func wrongMessage(p PDU, want string) error {
	if p.Msg == nil {
		return fmt.Errorf("%w: want %s, have no message", ErrWrongMessage, want)
	}
	return fmt.Errorf("%w: want %s, have %v %v", ErrWrongMessage, want, p.Procedure, p.Type)
}
