package n2

import (
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// InitialContextSetupRequest sets up the UE context in the gNB: security (KgNB and
// the UE's algorithms), the serving GUAMI and the allowed slices; it may piggyback a
// NAS PDU (e.g. Registration Accept). PDU session setup inside it is not built here.
//
// Spec: TS 38.413 §9.2.2.1, §8.3.1
type InitialContextSetupRequest struct {
	AMFUENGAPID  uint64
	RANUENGAPID  uint32
	GUAMI        GUAMI
	AllowedNSSAI []SNSSAI
	SecurityCaps UESecurityCapabilities
	// SecurityKey is KgNB (TS 33.501 §A.9), 256 bits. Key material: never log it.
	SecurityKey [32]byte
	NASPDU      []byte // optional: nil means absent
	// Sessions is the PDU Session Resource Setup Request List (optional):
	// ID, S-NSSAI, Setup Request Transfer and a NAS PDU each (contextpdu.go).
	// UE-AMBR (bit/s) goes with it, as §9.2.2.1 makes it conditional on it.
	Sessions               []SessionItem
	UEAMBRUplink, UEAMBRDL uint64
}

// Marshal encodes the message.
func (m InitialContextSetupRequest) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	g, err := guamiIE(m.GUAMI)
	if err != nil {
		return nil, err
	}
	nssai, err := allowedNSSAIIE(m.AllowedNSSAI)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	copy(key, m.SecurityKey[:])
	x := &message.InitialContextSetupRequest{
		AMFUENGAPID:            amf,
		RANUENGAPID:            ran,
		GUAMI:                  g,
		AllowedNSSAI:           nssai,
		UESecurityCapabilities: secCapIE(m.SecurityCaps),
		SecurityKey:            &ie.SecurityKey{Value: aper.BitString{Bytes: key, BitLength: 256}},
	}
	if m.NASPDU != nil {
		if x.NASPDU, err = nasPDUIE(m.NASPDU); err != nil {
			return nil, err
		}
	}
	if x.PDUSessionResourceSetupListCxtReq, err = setupListCxtReq(m.Sessions); err != nil {
		return nil, err
	}
	if x.PDUSessionResourceSetupListCxtReq != nil {
		if x.UEAggregateMaximumBitRate, err = ueAMBRIE(m.UEAMBRUplink, m.UEAMBRDL); err != nil {
			return nil, err
		}
	}
	return marshal(x)
}

// ParseInitialContextSetupRequest extracts an Initial Context Setup Request from a decoded PDU.
func ParseInitialContextSetupRequest(p PDU) (*InitialContextSetupRequest, error) {
	x, ok := p.Msg.(*message.InitialContextSetupRequest)
	if !ok {
		return nil, wrongMessage(p, "InitialContextSetupRequest")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("initial context setup request: %w", err)
	}
	m := &InitialContextSetupRequest{AMFUENGAPID: amf, RANUENGAPID: ran}
	if m.GUAMI, err = guamiFromIE(x.GUAMI); err != nil {
		return nil, fmt.Errorf("initial context setup request: GUAMI: %w", err)
	}
	if m.AllowedNSSAI, err = allowedNSSAIFromIE(x.AllowedNSSAI); err != nil {
		return nil, fmt.Errorf("initial context setup request: allowed NSSAI: %w", err)
	}
	if m.SecurityCaps, err = secCapFromIE(x.UESecurityCapabilities); err != nil {
		return nil, fmt.Errorf("initial context setup request: UE security capabilities: %w", err)
	}
	if x.SecurityKey == nil {
		return nil, fmt.Errorf("initial context setup request: security key: %w", errMissing)
	}
	if k := x.SecurityKey.Value; k.BitLength != 256 || len(k.Bytes) != 32 {
		return nil, fmt.Errorf("%w: initial context setup request: security key of %d bits", ErrSemantic, k.BitLength)
	}
	copy(m.SecurityKey[:], x.SecurityKey.Value.Bytes)
	if x.NASPDU != nil {
		m.NASPDU = []byte(x.NASPDU.Value)
	}
	if m.Sessions, err = setupListCxtReqFrom(x.PDUSessionResourceSetupListCxtReq); err != nil {
		return nil, fmt.Errorf("initial context setup request: %w", err)
	}
	if m.Sessions != nil {
		if m.UEAMBRUplink, m.UEAMBRDL, err = ueAMBRFromIE(x.UEAggregateMaximumBitRate); err != nil {
			return nil, fmt.Errorf("initial context setup request: UE-AMBR: %w", err)
		}
	}
	return m, nil
}

// InitialContextSetupResponse confirms the UE context, with the PDU
// sessions set up (Setup Response Transfers) and failed (Setup
// Unsuccessful Transfers) when the request had a session list.
//
// Spec: TS 38.413 §9.2.2.2, §8.3.1.2
type InitialContextSetupResponse struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	Setup       []SessionItem
	Failed      []SessionItem
}

// Marshal encodes the message.
func (m InitialContextSetupResponse) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	x := &message.InitialContextSetupResponse{AMFUENGAPID: amf, RANUENGAPID: ran}
	if x.PDUSessionResourceSetupListCxtRes, x.PDUSessionResourceFailedToSetupListCxtRes, err = setupListsCxtRes(m.Setup, m.Failed); err != nil {
		return nil, err
	}
	return marshal(x)
}

// ParseInitialContextSetupResponse extracts an Initial Context Setup Response from a decoded PDU.
func ParseInitialContextSetupResponse(p PDU) (*InitialContextSetupResponse, error) {
	x, ok := p.Msg.(*message.InitialContextSetupResponse)
	if !ok {
		return nil, wrongMessage(p, "InitialContextSetupResponse")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("initial context setup response: %w", err)
	}
	m := &InitialContextSetupResponse{AMFUENGAPID: amf, RANUENGAPID: ran}
	if m.Setup, m.Failed, err = setupListsCxtResFrom(x.PDUSessionResourceSetupListCxtRes, x.PDUSessionResourceFailedToSetupListCxtRes); err != nil {
		return nil, fmt.Errorf("initial context setup response: %w", err)
	}
	return m, nil
}

// InitialContextSetupFailure reports that the gNB could not set up the UE context.
//
// Spec: TS 38.413 §9.2.2.3, §8.3.1.3
type InitialContextSetupFailure struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	Cause       Cause
}

// Marshal encodes the message.
func (m InitialContextSetupFailure) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	c, err := causeIE(m.Cause)
	if err != nil {
		return nil, err
	}
	return marshal(&message.InitialContextSetupFailure{AMFUENGAPID: amf, RANUENGAPID: ran, Cause: c})
}

// ParseInitialContextSetupFailure extracts an Initial Context Setup Failure from a decoded PDU.
func ParseInitialContextSetupFailure(p PDU) (*InitialContextSetupFailure, error) {
	x, ok := p.Msg.(*message.InitialContextSetupFailure)
	if !ok {
		return nil, wrongMessage(p, "InitialContextSetupFailure")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("initial context setup failure: %w", err)
	}
	c, err := causeFromIE(x.Cause)
	if err != nil {
		return nil, fmt.Errorf("initial context setup failure: cause: %w", err)
	}
	return &InitialContextSetupFailure{AMFUENGAPID: amf, RANUENGAPID: ran, Cause: c}, nil
}

// UEContextReleaseRequest is the gNB asking the AMF to release a UE context.
//
// Spec: TS 38.413 §9.2.2.4, §8.3.2
type UEContextReleaseRequest struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	Cause       Cause
}

// Marshal encodes the message.
func (m UEContextReleaseRequest) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	c, err := causeIE(m.Cause)
	if err != nil {
		return nil, err
	}
	return marshal(&message.UEContextReleaseRequest{AMFUENGAPID: amf, RANUENGAPID: ran, Cause: c})
}

// ParseUEContextReleaseRequest extracts a UE Context Release Request from a decoded PDU.
func ParseUEContextReleaseRequest(p PDU) (*UEContextReleaseRequest, error) {
	x, ok := p.Msg.(*message.UEContextReleaseRequest)
	if !ok {
		return nil, wrongMessage(p, "UEContextReleaseRequest")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("UE context release request: %w", err)
	}
	c, err := causeFromIE(x.Cause)
	if err != nil {
		return nil, fmt.Errorf("UE context release request: cause: %w", err)
	}
	return &UEContextReleaseRequest{AMFUENGAPID: amf, RANUENGAPID: ran, Cause: c}, nil
}

// UEContextReleaseCommand orders the gNB to release a UE context. IDs carries the
// UE NGAP ID pair, or the AMF UE NGAP ID alone (HasRAN false) when the AMF does not
// know the RAN UE NGAP ID.
//
// Spec: TS 38.413 §9.2.2.5, §8.3.3
type UEContextReleaseCommand struct {
	IDs   UEIDs
	Cause Cause
}

// Marshal encodes the message.
func (m UEContextReleaseCommand) Marshal() ([]byte, error) {
	if !m.IDs.HasAMF {
		return nil, fmt.Errorf("n2: UE context release command needs the AMF UE NGAP ID")
	}
	amf, err := amfUEIDIE(m.IDs.AMF)
	if err != nil {
		return nil, err
	}
	ids := &ie.UENGAPIDs{Choice: amf}
	if m.IDs.HasRAN {
		ids.Choice = &ie.UENGAPIDPair{AMFUENGAPID: amf, RANUENGAPID: &ie.RANUENGAPID{Value: int64(m.IDs.RAN)}}
	}
	c, err := causeIE(m.Cause)
	if err != nil {
		return nil, err
	}
	return marshal(&message.UEContextReleaseCommand{UENGAPIDs: ids, Cause: c})
}

// ParseUEContextReleaseCommand extracts a UE Context Release Command from a decoded PDU.
func ParseUEContextReleaseCommand(p PDU) (*UEContextReleaseCommand, error) {
	x, ok := p.Msg.(*message.UEContextReleaseCommand)
	if !ok {
		return nil, wrongMessage(p, "UEContextReleaseCommand")
	}
	if x.UENGAPIDs == nil || x.UENGAPIDs.Choice == nil {
		return nil, fmt.Errorf("UE context release command: UE NGAP IDs: %w", errMissing)
	}
	var ids UEIDs
	var err error
	switch c := x.UENGAPIDs.Choice.(type) {
	case *ie.UENGAPIDPair:
		if c == nil {
			return nil, fmt.Errorf("UE context release command: UE NGAP IDs: %w", errMissing)
		}
		ids.AMF, ids.RAN, err = uePairFromIEs(c.AMFUENGAPID, c.RANUENGAPID)
		ids.HasAMF, ids.HasRAN = true, true
	case *ie.AMFUENGAPID:
		ids.AMF, err = amfUEIDFromIE(c)
		ids.HasAMF = true
	default:
		err = fmt.Errorf("%w: UE NGAP IDs %T", ErrUnsupported, c)
	}
	if err != nil {
		return nil, fmt.Errorf("UE context release command: %w", err)
	}
	cause, err := causeFromIE(x.Cause)
	if err != nil {
		return nil, fmt.Errorf("UE context release command: cause: %w", err)
	}
	return &UEContextReleaseCommand{IDs: ids, Cause: cause}, nil
}

// UEContextReleaseComplete confirms the release; Location is the UE's last known
// location if the gNB has it.
//
// Spec: TS 38.413 §9.2.2.6, §8.3.3.2
type UEContextReleaseComplete struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	Location    *UserLocation // optional
}

// Marshal encodes the message.
func (m UEContextReleaseComplete) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	x := &message.UEContextReleaseComplete{AMFUENGAPID: amf, RANUENGAPID: ran}
	if m.Location != nil {
		if x.UserLocationInformation, err = userLocationIE(*m.Location); err != nil {
			return nil, err
		}
	}
	return marshal(x)
}

// ParseUEContextReleaseComplete extracts a UE Context Release Complete from a decoded PDU.
func ParseUEContextReleaseComplete(p PDU) (*UEContextReleaseComplete, error) {
	x, ok := p.Msg.(*message.UEContextReleaseComplete)
	if !ok {
		return nil, wrongMessage(p, "UEContextReleaseComplete")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("UE context release complete: %w", err)
	}
	m := &UEContextReleaseComplete{AMFUENGAPID: amf, RANUENGAPID: ran}
	if x.UserLocationInformation != nil {
		loc, err := userLocationFromIE(x.UserLocationInformation)
		if err != nil {
			return nil, fmt.Errorf("UE context release complete: user location: %w", err)
		}
		m.Location = &loc
	}
	return m, nil
}
