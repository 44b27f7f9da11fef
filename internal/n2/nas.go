package n2

import (
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// RRCEstablishmentCause is why the UE set up its RRC connection.
//
// Spec: TS 38.413 §9.3.1.111
type RRCEstablishmentCause uint8

// RRC establishment causes (root values, then the extensions notAvailable and
// mo-ExceptionData).
const (
	RRCEmergency          RRCEstablishmentCause = 0
	RRCHighPriorityAccess RRCEstablishmentCause = 1
	RRCMTAccess           RRCEstablishmentCause = 2
	RRCMOSignalling       RRCEstablishmentCause = 3
	RRCMOData             RRCEstablishmentCause = 4
	RRCMOVoiceCall        RRCEstablishmentCause = 5
	RRCMOVideoCall        RRCEstablishmentCause = 6
	RRCMOSMS              RRCEstablishmentCause = 7
	RRCMPSPriorityAccess  RRCEstablishmentCause = 8
	RRCMCSPriorityAccess  RRCEstablishmentCause = 9
	RRCNotAvailable       RRCEstablishmentCause = 10
	RRCMOExceptionData    RRCEstablishmentCause = 11
)

// InitialUEMessage carries the first NAS message of a UE to the AMF and opens the
// UE-associated logical connection.
//
// Spec: TS 38.413 §9.2.5.1, §8.6.1
type InitialUEMessage struct {
	RANUENGAPID uint32
	NASPDU      []byte
	Location    UserLocation
	// RRCCause is mandatory in the message but has criticality "ignore", so a
	// receiver accepts its absence (§10.3.5); HasRRCCause reports it on parse.
	RRCCause    RRCEstablishmentCause
	HasRRCCause bool
	STMSI       *FiveGSTMSI // optional
	// UEContextRequested sets the UE Context Request IE ("requested"): the gNB asks
	// the AMF to set up a UE context (Initial Context Setup).
	UEContextRequested bool
}

// Marshal encodes the message. RRCCause is always sent.
func (m InitialUEMessage) Marshal() ([]byte, error) {
	nas, err := nasPDUIE(m.NASPDU)
	if err != nil {
		return nil, err
	}
	loc, err := userLocationIE(m.Location)
	if err != nil {
		return nil, err
	}
	if m.RRCCause > RRCMOExceptionData {
		return nil, fmt.Errorf("n2: RRC establishment cause %d", m.RRCCause)
	}
	x := &message.InitialUEMessage{
		RANUENGAPID:             &ie.RANUENGAPID{Value: int64(m.RANUENGAPID)},
		NASPDU:                  nas,
		UserLocationInformation: loc,
		RRCEstablishmentCause:   &ie.RRCEstablishmentCause{Value: aper.Enumerated(m.RRCCause)},
	}
	if m.STMSI != nil {
		if x.FiveGSTMSI, err = stmsiIE(*m.STMSI); err != nil {
			return nil, err
		}
	}
	if m.UEContextRequested {
		x.UEContextRequest = &ie.UEContextRequest{Value: ie.UEContextRequestPresentRequested}
	}
	return marshal(x)
}

// ParseInitialUEMessage extracts an Initial UE Message from a decoded PDU.
func ParseInitialUEMessage(p PDU) (*InitialUEMessage, error) {
	x, ok := p.Msg.(*message.InitialUEMessage)
	if !ok {
		return nil, wrongMessage(p, "InitialUEMessage")
	}
	ran, err := ranUEIDFromIE(x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("initial UE message: RAN UE NGAP ID: %w", err)
	}
	nas, err := nasPDUFromIE(x.NASPDU)
	if err != nil {
		return nil, fmt.Errorf("initial UE message: NAS-PDU: %w", err)
	}
	loc, err := userLocationFromIE(x.UserLocationInformation)
	if err != nil {
		return nil, fmt.Errorf("initial UE message: user location: %w", err)
	}
	m := &InitialUEMessage{RANUENGAPID: ran, NASPDU: nas, Location: loc}
	if c := x.RRCEstablishmentCause; c != nil && c.Value <= aper.Enumerated(RRCMOExceptionData) {
		m.RRCCause, m.HasRRCCause = RRCEstablishmentCause(c.Value), true
	}
	if x.FiveGSTMSI != nil {
		s, err := stmsiFromIE(x.FiveGSTMSI)
		if err != nil {
			return nil, fmt.Errorf("initial UE message: 5G-S-TMSI: %w", err)
		}
		m.STMSI = &s
	}
	m.UEContextRequested = x.UEContextRequest != nil && x.UEContextRequest.Value == ie.UEContextRequestPresentRequested
	return m, nil
}

// DownlinkNASTransport carries a NAS message from the AMF to the UE.
//
// Spec: TS 38.413 §9.2.5.2, §8.6.2
type DownlinkNASTransport struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	NASPDU      []byte
}

// Marshal encodes the message.
func (m DownlinkNASTransport) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	nas, err := nasPDUIE(m.NASPDU)
	if err != nil {
		return nil, err
	}
	return marshal(&message.DownlinkNASTransport{AMFUENGAPID: amf, RANUENGAPID: ran, NASPDU: nas})
}

// ParseDownlinkNASTransport extracts a Downlink NAS Transport from a decoded PDU.
func ParseDownlinkNASTransport(p PDU) (*DownlinkNASTransport, error) {
	x, ok := p.Msg.(*message.DownlinkNASTransport)
	if !ok {
		return nil, wrongMessage(p, "DownlinkNASTransport")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("downlink NAS transport: %w", err)
	}
	nas, err := nasPDUFromIE(x.NASPDU)
	if err != nil {
		return nil, fmt.Errorf("downlink NAS transport: NAS-PDU: %w", err)
	}
	return &DownlinkNASTransport{AMFUENGAPID: amf, RANUENGAPID: ran, NASPDU: nas}, nil
}

// UplinkNASTransport carries a NAS message from the UE to the AMF.
//
// Spec: TS 38.413 §9.2.5.3, §8.6.3
type UplinkNASTransport struct {
	AMFUENGAPID uint64
	RANUENGAPID uint32
	NASPDU      []byte
	Location    UserLocation
}

// Marshal encodes the message.
func (m UplinkNASTransport) Marshal() ([]byte, error) {
	amf, ran, err := uePairIEs(m.AMFUENGAPID, m.RANUENGAPID)
	if err != nil {
		return nil, err
	}
	nas, err := nasPDUIE(m.NASPDU)
	if err != nil {
		return nil, err
	}
	loc, err := userLocationIE(m.Location)
	if err != nil {
		return nil, err
	}
	return marshal(&message.UplinkNASTransport{AMFUENGAPID: amf, RANUENGAPID: ran, NASPDU: nas,
		UserLocationInformation: loc})
}

// ParseUplinkNASTransport extracts an Uplink NAS Transport from a decoded PDU.
func ParseUplinkNASTransport(p PDU) (*UplinkNASTransport, error) {
	x, ok := p.Msg.(*message.UplinkNASTransport)
	if !ok {
		return nil, wrongMessage(p, "UplinkNASTransport")
	}
	amf, ran, err := uePairFromIEs(x.AMFUENGAPID, x.RANUENGAPID)
	if err != nil {
		return nil, fmt.Errorf("uplink NAS transport: %w", err)
	}
	nas, err := nasPDUFromIE(x.NASPDU)
	if err != nil {
		return nil, fmt.Errorf("uplink NAS transport: NAS-PDU: %w", err)
	}
	loc, err := userLocationFromIE(x.UserLocationInformation)
	if err != nil {
		return nil, fmt.Errorf("uplink NAS transport: user location: %w", err)
	}
	return &UplinkNASTransport{AMFUENGAPID: amf, RANUENGAPID: ran, NASPDU: nas, Location: loc}, nil
}
