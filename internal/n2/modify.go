package n2

import (
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// PDU Session Resource Modify: the AMF asks the gNB to change the QoS
// flows (and AMBR) of established PDU sessions on behalf of the SMF, with
// the UE's PDU SESSION MODIFICATION COMMAND as each session's NAS PDU.

// PDUSessionResourceModifyRequest is PDU SESSION RESOURCE MODIFY REQUEST:
// per session its ID, the NAS PDU (optional) and the Modify Request
// Transfer.
//
// Spec: TS 38.413 §9.2.1.3, §8.2.3
type PDUSessionResourceModifyRequest struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	Sessions    []SessionItem
}

// Marshal encodes the message.
func (m PDUSessionResourceModifyRequest) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	if len(m.Sessions) == 0 || len(m.Sessions) > 256 {
		return nil, fmt.Errorf("%w: %d PDU sessions", ErrSemantic, len(m.Sessions))
	}
	l := &ie.PDUSessionResourceModifyListModReq{}
	for _, s := range m.Sessions {
		it := ie.PDUSessionResourceModifyItemModReq{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)},
			PDUSessionResourceModifyRequestTransfer: (*aper.OctetString)(&s.Transfer)}
		if s.NASPDU != nil {
			if it.NASPDU, err = nasPDUIE(s.NASPDU); err != nil {
				return nil, err
			}
		}
		l.List = append(l.List, it)
	}
	return marshal(&message.PDUSessionResourceModifyRequest{AMFUENGAPID: amf, RANUENGAPID: ran,
		PDUSessionResourceModifyListModReq: l})
}

// ParsePDUSessionResourceModifyRequest extracts the message from a decoded PDU.
func ParsePDUSessionResourceModifyRequest(p PDU) (*PDUSessionResourceModifyRequest, error) {
	x, ok := p.Msg.(*message.PDUSessionResourceModifyRequest)
	if !ok {
		return nil, wrongMessage(p, "PDUSessionResourceModifyRequest")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("PDU session resource modify request: %w", err)
	}
	m := &PDUSessionResourceModifyRequest{AMFUENGAPID: amf, RANUENGAPID: ran}
	if x.PDUSessionResourceModifyListModReq == nil {
		return nil, fmt.Errorf("PDU session resource modify request: list: %w", errMissing)
	}
	for _, it := range x.PDUSessionResourceModifyListModReq.List {
		if it.PDUSessionID == nil || it.PDUSessionResourceModifyRequestTransfer == nil {
			return nil, fmt.Errorf("PDU session resource modify request: item: %w", errMissing)
		}
		s := SessionItem{ID: uint8(it.PDUSessionID.Value), Transfer: []byte(*it.PDUSessionResourceModifyRequestTransfer)}
		if it.NASPDU != nil {
			s.NASPDU = []byte(it.NASPDU.Value)
		}
		m.Sessions = append(m.Sessions, s)
	}
	return m, nil
}

// PDUSessionResourceModifyResponse is the gNB's answer: the sessions
// modified (Modify Response Transfers) and those that could not be
// (Modify Unsuccessful Transfers).
//
// Spec: TS 38.413 §9.2.1.4
type PDUSessionResourceModifyResponse struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	Modified    []SessionItem
	Failed      []SessionItem
}

// Marshal encodes the message.
func (m PDUSessionResourceModifyResponse) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	x := &message.PDUSessionResourceModifyResponse{AMFUENGAPID: amf, RANUENGAPID: ran}
	if len(m.Modified) > 0 {
		x.PDUSessionResourceModifyListModRes = &ie.PDUSessionResourceModifyListModRes{}
		for _, s := range m.Modified {
			x.PDUSessionResourceModifyListModRes.List = append(x.PDUSessionResourceModifyListModRes.List,
				ie.PDUSessionResourceModifyItemModRes{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)},
					PDUSessionResourceModifyResponseTransfer: (*aper.OctetString)(&s.Transfer)})
		}
	}
	if len(m.Failed) > 0 {
		x.PDUSessionResourceFailedToModifyListModRes = &ie.PDUSessionResourceFailedToModifyListModRes{}
		for _, s := range m.Failed {
			x.PDUSessionResourceFailedToModifyListModRes.List = append(x.PDUSessionResourceFailedToModifyListModRes.List,
				ie.PDUSessionResourceFailedToModifyItemModRes{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)},
					PDUSessionResourceModifyUnsuccessfulTransfer: (*aper.OctetString)(&s.Transfer)})
		}
	}
	return marshal(x)
}

// ParsePDUSessionResourceModifyResponse extracts the message from a decoded PDU.
func ParsePDUSessionResourceModifyResponse(p PDU) (*PDUSessionResourceModifyResponse, error) {
	x, ok := p.Msg.(*message.PDUSessionResourceModifyResponse)
	if !ok {
		return nil, wrongMessage(p, "PDUSessionResourceModifyResponse")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("PDU session resource modify response: %w", err)
	}
	m := &PDUSessionResourceModifyResponse{AMFUENGAPID: amf, RANUENGAPID: ran}
	if l := x.PDUSessionResourceModifyListModRes; l != nil {
		for _, it := range l.List {
			if it.PDUSessionID == nil || it.PDUSessionResourceModifyResponseTransfer == nil {
				return nil, fmt.Errorf("PDU session resource modify response: item: %w", errMissing)
			}
			m.Modified = append(m.Modified, SessionItem{ID: uint8(it.PDUSessionID.Value),
				Transfer: []byte(*it.PDUSessionResourceModifyResponseTransfer)})
		}
	}
	if l := x.PDUSessionResourceFailedToModifyListModRes; l != nil {
		for _, it := range l.List {
			if it.PDUSessionID == nil || it.PDUSessionResourceModifyUnsuccessfulTransfer == nil {
				return nil, fmt.Errorf("PDU session resource modify response: failed item: %w", errMissing)
			}
			m.Failed = append(m.Failed, SessionItem{ID: uint8(it.PDUSessionID.Value),
				Transfer: []byte(*it.PDUSessionResourceModifyUnsuccessfulTransfer)})
		}
	}
	return m, nil
}

// QosFlowCause is a QoS flow with a cause (released, or failed).
// Spec: TS 38.413 §9.3.1.13 (QoS Flow List with Cause)
type QosFlowCause struct {
	QFI   uint8
	Cause Cause
}

// ModifyRequestTransfer is the PDU Session Resource Modify Request
// Transfer: a new PDU Session AMBR (both 0: unchanged), QoS flows to add
// or modify and QoS flows to release.
//
// Spec: TS 38.413 §9.3.4.3
type ModifyRequestTransfer struct {
	AMBRUplink, AMBRDownlink uint64
	AddOrModify              []QosFlowRequest
	Release                  []QosFlowCause
}

// Marshal encodes the transfer.
func (t ModifyRequestTransfer) Marshal() ([]byte, error) {
	if len(t.AddOrModify) > 64 || len(t.Release) > 64 {
		return nil, fmt.Errorf("%w: %d QoS flows to add, %d to release", ErrSemantic, len(t.AddOrModify), len(t.Release))
	}
	ies := []ie.PDUSessionResourceModifyRequestTransferIEs{}
	if t.AMBRUplink != 0 || t.AMBRDownlink != 0 {
		if t.AMBRUplink > maxBitRate || t.AMBRDownlink > maxBitRate {
			return nil, fmt.Errorf("%w: AMBR out of range", ErrSemantic)
		}
		ies = append(ies, ie.PDUSessionResourceModifyRequestTransferIEs{
			PDUSessionAggregateMaximumBitRate: &ie.PDUSessionAggregateMaximumBitRate{
				PDUSessionAggregateMaximumBitRateDL: &ie.BitRate{Value: int64(t.AMBRDownlink)},
				PDUSessionAggregateMaximumBitRateUL: &ie.BitRate{Value: int64(t.AMBRUplink)},
			}})
	}
	if len(t.AddOrModify) > 0 {
		l := &ie.QosFlowAddOrModifyRequestList{}
		for _, f := range t.AddOrModify {
			p, err := qosFlowParamsIE(f)
			if err != nil {
				return nil, err
			}
			l.List = append(l.List, ie.QosFlowAddOrModifyRequestItem{
				QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(f.QFI)}, QosFlowLevelQosParameters: p})
		}
		ies = append(ies, ie.PDUSessionResourceModifyRequestTransferIEs{QosFlowAddOrModifyRequestList: l})
	}
	if len(t.Release) > 0 {
		l, err := qosFlowCauseListIE(t.Release)
		if err != nil {
			return nil, err
		}
		ies = append(ies, ie.PDUSessionResourceModifyRequestTransferIEs{QosFlowToReleaseList: l})
	}
	return marshalIE(&ie.PDUSessionResourceModifyRequestTransfer{
		ProtocolIEs: &ie.ProtocolIEContainerPDUSessionResourceModifyRequestTransferIEs{List: ies}})
}

// ParseModifyRequestTransfer decodes a PDU Session Resource Modify Request Transfer.
func ParseModifyRequestTransfer(b []byte) (*ModifyRequestTransfer, error) {
	var x ie.PDUSessionResourceModifyRequestTransfer
	if err := unmarshalIE(b, &x); err != nil {
		return nil, err
	}
	if x.ProtocolIEs == nil {
		return nil, fmt.Errorf("modify request transfer: %w", errMissing)
	}
	t := &ModifyRequestTransfer{}
	for _, v := range x.ProtocolIEs.List {
		switch {
		case v.PDUSessionAggregateMaximumBitRate != nil:
			a := v.PDUSessionAggregateMaximumBitRate
			if a.PDUSessionAggregateMaximumBitRateDL == nil || a.PDUSessionAggregateMaximumBitRateUL == nil {
				return nil, fmt.Errorf("modify request transfer: AMBR: %w", errMissing)
			}
			t.AMBRDownlink = uint64(a.PDUSessionAggregateMaximumBitRateDL.Value)
			t.AMBRUplink = uint64(a.PDUSessionAggregateMaximumBitRateUL.Value)
		case v.QosFlowAddOrModifyRequestList != nil:
			for _, f := range v.QosFlowAddOrModifyRequestList.List {
				if f.QosFlowIdentifier == nil {
					return nil, fmt.Errorf("modify request transfer: QFI: %w", errMissing)
				}
				if f.QosFlowLevelQosParameters == nil {
					// Modify without new parameters: only the QFI.
					t.AddOrModify = append(t.AddOrModify, QosFlowRequest{QFI: uint8(f.QosFlowIdentifier.Value)})
					continue
				}
				q, err := qosFlowFromIE(f.QosFlowIdentifier, f.QosFlowLevelQosParameters)
				if err != nil {
					return nil, fmt.Errorf("modify request transfer: %w", err)
				}
				t.AddOrModify = append(t.AddOrModify, q)
			}
		case v.QosFlowToReleaseList != nil:
			l, err := qosFlowCauseList(v.QosFlowToReleaseList)
			if err != nil {
				return nil, fmt.Errorf("modify request transfer: release: %w", err)
			}
			t.Release = l
		}
	}
	return t, nil
}

// ModifyResponseTransfer is the PDU Session Resource Modify Response
// Transfer: the QoS flows the gNB added or modified and those it failed to.
//
// Spec: TS 38.413 §9.3.4.4
type ModifyResponseTransfer struct {
	AddedOrModified []uint8
	Failed          []QosFlowCause
}

// Marshal encodes the transfer.
func (t ModifyResponseTransfer) Marshal() ([]byte, error) {
	if len(t.AddedOrModified) > 64 || len(t.Failed) > 64 {
		return nil, fmt.Errorf("%w: %d QoS flows modified, %d failed", ErrSemantic, len(t.AddedOrModified), len(t.Failed))
	}
	x := &ie.PDUSessionResourceModifyResponseTransfer{}
	if len(t.AddedOrModified) > 0 {
		x.QosFlowAddOrModifyResponseList = &ie.QosFlowAddOrModifyResponseList{}
		for _, q := range t.AddedOrModified {
			x.QosFlowAddOrModifyResponseList.List = append(x.QosFlowAddOrModifyResponseList.List,
				ie.QosFlowAddOrModifyResponseItem{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(q)}})
		}
	}
	if len(t.Failed) > 0 {
		l, err := qosFlowCauseListIE(t.Failed)
		if err != nil {
			return nil, err
		}
		x.QosFlowFailedToAddOrModifyList = l
	}
	return marshalIE(x)
}

// ParseModifyResponseTransfer decodes a PDU Session Resource Modify Response Transfer.
func ParseModifyResponseTransfer(b []byte) (*ModifyResponseTransfer, error) {
	var x ie.PDUSessionResourceModifyResponseTransfer
	if err := unmarshalIE(b, &x); err != nil {
		return nil, err
	}
	t := &ModifyResponseTransfer{}
	if l := x.QosFlowAddOrModifyResponseList; l != nil {
		for _, f := range l.List {
			if f.QosFlowIdentifier == nil {
				return nil, fmt.Errorf("modify response transfer: QFI: %w", errMissing)
			}
			t.AddedOrModified = append(t.AddedOrModified, uint8(f.QosFlowIdentifier.Value))
		}
	}
	if x.QosFlowFailedToAddOrModifyList != nil {
		l, err := qosFlowCauseList(x.QosFlowFailedToAddOrModifyList)
		if err != nil {
			return nil, fmt.Errorf("modify response transfer: failed: %w", err)
		}
		t.Failed = l
	}
	return t, nil
}

// ModifyUnsuccessfulTransfer is the PDU Session Resource Modify
// Unsuccessful Transfer. Spec: TS 38.413 §9.3.4.17
type ModifyUnsuccessfulTransfer struct{ Cause Cause }

// Marshal encodes the transfer.
func (t ModifyUnsuccessfulTransfer) Marshal() ([]byte, error) {
	c, err := causeIE(t.Cause)
	if err != nil {
		return nil, err
	}
	return marshalIE(&ie.PDUSessionResourceModifyUnsuccessfulTransfer{Cause: c})
}

// ParseModifyUnsuccessfulTransfer decodes the transfer.
func ParseModifyUnsuccessfulTransfer(b []byte) (*ModifyUnsuccessfulTransfer, error) {
	var x ie.PDUSessionResourceModifyUnsuccessfulTransfer
	if err := unmarshalIE(b, &x); err != nil {
		return nil, err
	}
	c, err := causeFromIE(x.Cause)
	if err != nil {
		return nil, err
	}
	return &ModifyUnsuccessfulTransfer{Cause: c}, nil
}

func qosFlowCauseListIE(l []QosFlowCause) (*ie.QosFlowListWithCause, error) {
	x := &ie.QosFlowListWithCause{}
	for _, f := range l {
		if f.QFI > 63 {
			return nil, fmt.Errorf("%w: QFI %d", ErrSemantic, f.QFI)
		}
		c, err := causeIE(f.Cause)
		if err != nil {
			return nil, err
		}
		x.List = append(x.List, ie.QosFlowWithCauseItem{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(f.QFI)}, Cause: c})
	}
	return x, nil
}

func qosFlowCauseList(x *ie.QosFlowListWithCause) ([]QosFlowCause, error) {
	var out []QosFlowCause
	for _, f := range x.List {
		if f.QosFlowIdentifier == nil {
			return nil, errMissing
		}
		c, err := causeFromIE(f.Cause)
		if err != nil {
			return nil, err
		}
		out = append(out, QosFlowCause{QFI: uint8(f.QosFlowIdentifier.Value), Cause: c})
	}
	return out, nil
}
