package n2

import (
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// SessionItem is one PDU session of a PDU Session Resource message: its
// ID, the NAS PDU for the UE (setup and release requests, optional), the
// S-NSSAI (setup request) and the N2 SM transfer.
type SessionItem struct {
	ID       uint8
	NASPDU   []byte
	SNSSAI   SNSSAI
	Transfer []byte
}

// PDUSessionResourceSetupRequest asks the gNB to set up resources for PDU
// sessions. Spec: TS 38.413 §9.2.1.1, §8.2.1
type PDUSessionResourceSetupRequest struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	Sessions    []SessionItem
}

// Marshal encodes the message.
func (m PDUSessionResourceSetupRequest) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	if len(m.Sessions) == 0 || len(m.Sessions) > 256 {
		return nil, fmt.Errorf("%w: %d PDU sessions", ErrSemantic, len(m.Sessions))
	}
	l := &ie.PDUSessionResourceSetupListSUReq{}
	for _, s := range m.Sessions {
		sn, err := snssaiIE(s.SNSSAI)
		if err != nil {
			return nil, err
		}
		it := ie.PDUSessionResourceSetupItemSUReq{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)}, SNSSAI: sn,
			PDUSessionResourceSetupRequestTransfer: (*aper.OctetString)(&s.Transfer)}
		if s.NASPDU != nil {
			if it.PDUSessionNASPDU, err = nasPDUIE(s.NASPDU); err != nil {
				return nil, err
			}
		}
		l.List = append(l.List, it)
	}
	return marshal(&message.PDUSessionResourceSetupRequest{AMFUENGAPID: amf, RANUENGAPID: ran,
		PDUSessionResourceSetupListSUReq: l})
}

// ParsePDUSessionResourceSetupRequest extracts the message from a decoded PDU.
func ParsePDUSessionResourceSetupRequest(p PDU) (*PDUSessionResourceSetupRequest, error) {
	x, ok := p.Msg.(*message.PDUSessionResourceSetupRequest)
	if !ok {
		return nil, wrongMessage(p, "PDUSessionResourceSetupRequest")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("PDU session resource setup request: %w", err)
	}
	m := &PDUSessionResourceSetupRequest{AMFUENGAPID: amf, RANUENGAPID: ran}
	if x.PDUSessionResourceSetupListSUReq == nil {
		return nil, fmt.Errorf("PDU session resource setup request: list: %w", errMissing)
	}
	for _, it := range x.PDUSessionResourceSetupListSUReq.List {
		if it.PDUSessionID == nil || it.PDUSessionResourceSetupRequestTransfer == nil {
			return nil, fmt.Errorf("PDU session resource setup request: item: %w", errMissing)
		}
		s := SessionItem{ID: uint8(it.PDUSessionID.Value), Transfer: []byte(*it.PDUSessionResourceSetupRequestTransfer)}
		if s.SNSSAI, err = snssaiFromIE(it.SNSSAI); err != nil {
			return nil, fmt.Errorf("PDU session resource setup request: S-NSSAI: %w", err)
		}
		if it.PDUSessionNASPDU != nil {
			s.NASPDU = []byte(it.PDUSessionNASPDU.Value)
		}
		m.Sessions = append(m.Sessions, s)
	}
	return m, nil
}

// PDUSessionResourceSetupResponse is the gNB's answer: the sessions set up
// (with Setup Response Transfers) and those that failed (with Setup
// Unsuccessful Transfers). Spec: TS 38.413 §9.2.1.2
type PDUSessionResourceSetupResponse struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	Setup       []SessionItem
	Failed      []SessionItem
}

// Marshal encodes the message.
func (m PDUSessionResourceSetupResponse) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	x := &message.PDUSessionResourceSetupResponse{AMFUENGAPID: amf, RANUENGAPID: ran}
	if len(m.Setup) > 0 {
		x.PDUSessionResourceSetupListSURes = &ie.PDUSessionResourceSetupListSURes{}
		for _, s := range m.Setup {
			x.PDUSessionResourceSetupListSURes.List = append(x.PDUSessionResourceSetupListSURes.List,
				ie.PDUSessionResourceSetupItemSURes{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)},
					PDUSessionResourceSetupResponseTransfer: (*aper.OctetString)(&s.Transfer)})
		}
	}
	if len(m.Failed) > 0 {
		x.PDUSessionResourceFailedToSetupListSURes = &ie.PDUSessionResourceFailedToSetupListSURes{}
		for _, s := range m.Failed {
			x.PDUSessionResourceFailedToSetupListSURes.List = append(x.PDUSessionResourceFailedToSetupListSURes.List,
				ie.PDUSessionResourceFailedToSetupItemSURes{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)},
					PDUSessionResourceSetupUnsuccessfulTransfer: (*aper.OctetString)(&s.Transfer)})
		}
	}
	return marshal(x)
}

// ParsePDUSessionResourceSetupResponse extracts the message from a decoded PDU.
func ParsePDUSessionResourceSetupResponse(p PDU) (*PDUSessionResourceSetupResponse, error) {
	x, ok := p.Msg.(*message.PDUSessionResourceSetupResponse)
	if !ok {
		return nil, wrongMessage(p, "PDUSessionResourceSetupResponse")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("PDU session resource setup response: %w", err)
	}
	m := &PDUSessionResourceSetupResponse{AMFUENGAPID: amf, RANUENGAPID: ran}
	if l := x.PDUSessionResourceSetupListSURes; l != nil {
		for _, it := range l.List {
			if it.PDUSessionID == nil || it.PDUSessionResourceSetupResponseTransfer == nil {
				return nil, fmt.Errorf("PDU session resource setup response: item: %w", errMissing)
			}
			m.Setup = append(m.Setup, SessionItem{ID: uint8(it.PDUSessionID.Value),
				Transfer: []byte(*it.PDUSessionResourceSetupResponseTransfer)})
		}
	}
	if l := x.PDUSessionResourceFailedToSetupListSURes; l != nil {
		for _, it := range l.List {
			if it.PDUSessionID == nil || it.PDUSessionResourceSetupUnsuccessfulTransfer == nil {
				return nil, fmt.Errorf("PDU session resource setup response: failed item: %w", errMissing)
			}
			m.Failed = append(m.Failed, SessionItem{ID: uint8(it.PDUSessionID.Value),
				Transfer: []byte(*it.PDUSessionResourceSetupUnsuccessfulTransfer)})
		}
	}
	return m, nil
}

// PDUSessionResourceReleaseCommand asks the gNB to release PDU session
// resources, with an optional NAS PDU for the UE (e.g. PDU SESSION RELEASE
// COMMAND). Spec: TS 38.413 §9.2.1.5, §8.2.2
type PDUSessionResourceReleaseCommand struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	NASPDU      []byte
	Sessions    []SessionItem // ID and Release Command Transfer
}

// Marshal encodes the message.
func (m PDUSessionResourceReleaseCommand) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	if len(m.Sessions) == 0 || len(m.Sessions) > 256 {
		return nil, fmt.Errorf("%w: %d PDU sessions", ErrSemantic, len(m.Sessions))
	}
	x := &message.PDUSessionResourceReleaseCommand{AMFUENGAPID: amf, RANUENGAPID: ran,
		PDUSessionResourceToReleaseListRelCmd: &ie.PDUSessionResourceToReleaseListRelCmd{}}
	if m.NASPDU != nil {
		if x.NASPDU, err = nasPDUIE(m.NASPDU); err != nil {
			return nil, err
		}
	}
	for _, s := range m.Sessions {
		x.PDUSessionResourceToReleaseListRelCmd.List = append(x.PDUSessionResourceToReleaseListRelCmd.List,
			ie.PDUSessionResourceToReleaseItemRelCmd{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)},
				PDUSessionResourceReleaseCommandTransfer: (*aper.OctetString)(&s.Transfer)})
	}
	return marshal(x)
}

// ParsePDUSessionResourceReleaseCommand extracts the message from a decoded PDU.
func ParsePDUSessionResourceReleaseCommand(p PDU) (*PDUSessionResourceReleaseCommand, error) {
	x, ok := p.Msg.(*message.PDUSessionResourceReleaseCommand)
	if !ok {
		return nil, wrongMessage(p, "PDUSessionResourceReleaseCommand")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("PDU session resource release command: %w", err)
	}
	m := &PDUSessionResourceReleaseCommand{AMFUENGAPID: amf, RANUENGAPID: ran}
	if x.NASPDU != nil {
		m.NASPDU = []byte(x.NASPDU.Value)
	}
	if x.PDUSessionResourceToReleaseListRelCmd == nil {
		return nil, fmt.Errorf("PDU session resource release command: list: %w", errMissing)
	}
	for _, it := range x.PDUSessionResourceToReleaseListRelCmd.List {
		if it.PDUSessionID == nil || it.PDUSessionResourceReleaseCommandTransfer == nil {
			return nil, fmt.Errorf("PDU session resource release command: item: %w", errMissing)
		}
		m.Sessions = append(m.Sessions, SessionItem{ID: uint8(it.PDUSessionID.Value),
			Transfer: []byte(*it.PDUSessionResourceReleaseCommandTransfer)})
	}
	return m, nil
}

// PDUSessionResourceReleaseResponse confirms the release.
// Spec: TS 38.413 §9.2.1.6
type PDUSessionResourceReleaseResponse struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	Released    []SessionItem // ID and Release Response Transfer
}

// Marshal encodes the message.
func (m PDUSessionResourceReleaseResponse) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	if len(m.Released) == 0 || len(m.Released) > 256 {
		return nil, fmt.Errorf("%w: %d PDU sessions", ErrSemantic, len(m.Released))
	}
	x := &message.PDUSessionResourceReleaseResponse{AMFUENGAPID: amf, RANUENGAPID: ran,
		PDUSessionResourceReleasedListRelRes: &ie.PDUSessionResourceReleasedListRelRes{}}
	for _, s := range m.Released {
		x.PDUSessionResourceReleasedListRelRes.List = append(x.PDUSessionResourceReleasedListRelRes.List,
			ie.PDUSessionResourceReleasedItemRelRes{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)},
				PDUSessionResourceReleaseResponseTransfer: (*aper.OctetString)(&s.Transfer)})
	}
	return marshal(x)
}

// ParsePDUSessionResourceReleaseResponse extracts the message from a decoded PDU.
func ParsePDUSessionResourceReleaseResponse(p PDU) (*PDUSessionResourceReleaseResponse, error) {
	x, ok := p.Msg.(*message.PDUSessionResourceReleaseResponse)
	if !ok {
		return nil, wrongMessage(p, "PDUSessionResourceReleaseResponse")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("PDU session resource release response: %w", err)
	}
	m := &PDUSessionResourceReleaseResponse{AMFUENGAPID: amf, RANUENGAPID: ran}
	if x.PDUSessionResourceReleasedListRelRes == nil {
		return nil, fmt.Errorf("PDU session resource release response: list: %w", errMissing)
	}
	for _, it := range x.PDUSessionResourceReleasedListRelRes.List {
		if it.PDUSessionID == nil || it.PDUSessionResourceReleaseResponseTransfer == nil {
			return nil, fmt.Errorf("PDU session resource release response: item: %w", errMissing)
		}
		m.Released = append(m.Released, SessionItem{ID: uint8(it.PDUSessionID.Value),
			Transfer: []byte(*it.PDUSessionResourceReleaseResponseTransfer)})
	}
	return m, nil
}
