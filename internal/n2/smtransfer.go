package n2

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
)

// The N2 SM information the SMF and the gNB exchange through the AMF: the
// "transfer" OCTET STRINGs of the PDU Session Resource procedures, each an
// APER-encoded structure of its own (TS 38.413 §9.3.4). The AMF carries
// them without reading them.

// Tunnel is a GTP-U tunnel endpoint: transport layer address and TEID.
//
// Spec: TS 38.413 §9.3.2.2 (UP Transport Layer Information), §9.3.2.4
// (Transport Layer Address: 32 bits IPv4, 128 bits IPv6)
type Tunnel struct {
	Addr netip.Addr
	TEID uint32
}

// PDU session types of NGAP. Spec: TS 38.413 §9.3.1.52
const (
	PDUSessionIPv4   = 0
	PDUSessionIPv6   = 1
	PDUSessionIPv4v6 = 2
)

// QosFlowRequest is one QoS flow of a PDU session to set up or modify,
// with a standardized 5QI.
//
// Spec: TS 38.413 §9.3.4.1 (QoS Flow Setup Request List), §9.3.1.12,
// §9.3.1.19 (ARP)
type QosFlowRequest struct {
	QFI    uint8
	FiveQI uint8
	// ARP priority level 1..15 and pre-emption capability/vulnerability.
	ARPPriority uint8
	MayPreempt  bool
	Preemptable bool
	PriorityQoS uint8 // 0: absent
	// GBR is the GBR QoS Flow Information of a GBR 5QI (qosflow.go);
	// nil for a non-GBR flow.
	GBR *GBRQosInfo
}

// SetupRequestTransfer is the PDU Session Resource Setup Request Transfer.
//
// Spec: TS 38.413 §9.3.4.1
type SetupRequestTransfer struct {
	// AMBRUplink/AMBRDownlink: PDU Session Aggregate Maximum Bit Rate in
	// bit/s (§9.3.1.102); both 0 means absent (allowed only without
	// non-GBR flows, so set it).
	AMBRUplink, AMBRDownlink uint64
	UL                       Tunnel // UL NG-U UP TNL Information: the UPF's N3 endpoint
	PDUSessionType           uint8
	Flows                    []QosFlowRequest
}

// Marshal encodes the transfer.
func (t SetupRequestTransfer) Marshal() ([]byte, error) {
	if len(t.Flows) == 0 || len(t.Flows) > 64 {
		return nil, fmt.Errorf("%w: %d QoS flows", ErrSemantic, len(t.Flows))
	}
	ul, err := upTNLIE(t.UL)
	if err != nil {
		return nil, err
	}
	var ies []ie.PDUSessionResourceSetupRequestTransferIEs
	if t.AMBRUplink != 0 || t.AMBRDownlink != 0 {
		ies = append(ies, ie.PDUSessionResourceSetupRequestTransferIEs{
			PDUSessionAggregateMaximumBitRate: &ie.PDUSessionAggregateMaximumBitRate{
				PDUSessionAggregateMaximumBitRateDL: &ie.BitRate{Value: int64(t.AMBRDownlink)},
				PDUSessionAggregateMaximumBitRateUL: &ie.BitRate{Value: int64(t.AMBRUplink)},
			}})
	}
	flows := &ie.QosFlowSetupRequestList{}
	for _, f := range t.Flows {
		params, err := qosFlowParamsIE(f)
		if err != nil {
			return nil, err
		}
		flows.List = append(flows.List, ie.QosFlowSetupRequestItem{
			QosFlowIdentifier:         &ie.QosFlowIdentifier{Value: int64(f.QFI)},
			QosFlowLevelQosParameters: params,
		})
	}
	ies = append(ies,
		ie.PDUSessionResourceSetupRequestTransferIEs{ULNGUUPTNLInformation: ul},
		ie.PDUSessionResourceSetupRequestTransferIEs{PDUSessionType: &ie.PDUSessionType{Value: aper.Enumerated(t.PDUSessionType)}},
		ie.PDUSessionResourceSetupRequestTransferIEs{QosFlowSetupRequestList: flows})
	return marshalIE(&ie.PDUSessionResourceSetupRequestTransfer{
		ProtocolIEs: &ie.ProtocolIEContainerPDUSessionResourceSetupRequestTransferIEs{List: ies}})
}

// ParseSetupRequestTransfer decodes a PDU Session Resource Setup Request Transfer.
func ParseSetupRequestTransfer(b []byte) (*SetupRequestTransfer, error) {
	var x ie.PDUSessionResourceSetupRequestTransfer
	if err := unmarshalIE(b, &x); err != nil {
		return nil, err
	}
	if x.ProtocolIEs == nil {
		return nil, fmt.Errorf("setup request transfer: %w", errMissing)
	}
	t := &SetupRequestTransfer{}
	var haveUL, haveType, haveFlows bool
	for _, v := range x.ProtocolIEs.List {
		switch {
		case v.PDUSessionAggregateMaximumBitRate != nil:
			a := v.PDUSessionAggregateMaximumBitRate
			if a.PDUSessionAggregateMaximumBitRateDL == nil || a.PDUSessionAggregateMaximumBitRateUL == nil {
				return nil, fmt.Errorf("setup request transfer: AMBR: %w", errMissing)
			}
			t.AMBRDownlink = uint64(a.PDUSessionAggregateMaximumBitRateDL.Value)
			t.AMBRUplink = uint64(a.PDUSessionAggregateMaximumBitRateUL.Value)
		case v.ULNGUUPTNLInformation != nil:
			tun, err := upTNLFromIE(v.ULNGUUPTNLInformation)
			if err != nil {
				return nil, fmt.Errorf("setup request transfer: UL NG-U: %w", err)
			}
			t.UL, haveUL = tun, true
		case v.PDUSessionType != nil:
			t.PDUSessionType, haveType = uint8(v.PDUSessionType.Value), true
		case v.QosFlowSetupRequestList != nil:
			for _, f := range v.QosFlowSetupRequestList.List {
				if f.QosFlowIdentifier == nil || f.QosFlowLevelQosParameters == nil {
					return nil, fmt.Errorf("setup request transfer: QoS flow: %w", errMissing)
				}
				q, err := qosFlowFromIE(f.QosFlowIdentifier, f.QosFlowLevelQosParameters)
				if err != nil {
					return nil, fmt.Errorf("setup request transfer: %w", err)
				}
				t.Flows = append(t.Flows, q)
			}
			haveFlows = true
		}
	}
	if !haveUL || !haveType || !haveFlows {
		return nil, fmt.Errorf("setup request transfer: %w", errMissing)
	}
	return t, nil
}

// SetupResponseTransfer is the PDU Session Resource Setup Response
// Transfer: the gNB's DL tunnel endpoint and the QoS flows it carries.
//
// Spec: TS 38.413 §9.3.4.2
type SetupResponseTransfer struct {
	DL   Tunnel
	QFIs []uint8
}

// Marshal encodes the transfer.
func (t SetupResponseTransfer) Marshal() ([]byte, error) {
	dl, err := upTNLIE(t.DL)
	if err != nil {
		return nil, err
	}
	if len(t.QFIs) == 0 || len(t.QFIs) > 64 {
		return nil, fmt.Errorf("%w: %d associated QoS flows", ErrSemantic, len(t.QFIs))
	}
	l := &ie.AssociatedQosFlowList{}
	for _, q := range t.QFIs {
		l.List = append(l.List, ie.AssociatedQosFlowItem{QosFlowIdentifier: &ie.QosFlowIdentifier{Value: int64(q)}})
	}
	return marshalIE(&ie.PDUSessionResourceSetupResponseTransfer{
		DLQosFlowPerTNLInformation: &ie.QosFlowPerTNLInformation{UPTransportLayerInformation: dl, AssociatedQosFlowList: l}})
}

// ParseSetupResponseTransfer decodes a PDU Session Resource Setup Response Transfer.
func ParseSetupResponseTransfer(b []byte) (*SetupResponseTransfer, error) {
	var x ie.PDUSessionResourceSetupResponseTransfer
	if err := unmarshalIE(b, &x); err != nil {
		return nil, err
	}
	q := x.DLQosFlowPerTNLInformation
	if q == nil || q.AssociatedQosFlowList == nil {
		return nil, fmt.Errorf("setup response transfer: %w", errMissing)
	}
	dl, err := upTNLFromIE(q.UPTransportLayerInformation)
	if err != nil {
		return nil, fmt.Errorf("setup response transfer: DL: %w", err)
	}
	t := &SetupResponseTransfer{DL: dl}
	for _, f := range q.AssociatedQosFlowList.List {
		if f.QosFlowIdentifier == nil {
			return nil, fmt.Errorf("setup response transfer: QFI: %w", errMissing)
		}
		t.QFIs = append(t.QFIs, uint8(f.QosFlowIdentifier.Value))
	}
	return t, nil
}

// SetupUnsuccessfulTransfer is the PDU Session Resource Setup
// Unsuccessful Transfer. Spec: TS 38.413 §9.3.4.16
type SetupUnsuccessfulTransfer struct{ Cause Cause }

// Marshal encodes the transfer.
func (t SetupUnsuccessfulTransfer) Marshal() ([]byte, error) {
	c, err := causeIE(t.Cause)
	if err != nil {
		return nil, err
	}
	return marshalIE(&ie.PDUSessionResourceSetupUnsuccessfulTransfer{Cause: c})
}

// ParseSetupUnsuccessfulTransfer decodes the transfer.
func ParseSetupUnsuccessfulTransfer(b []byte) (*SetupUnsuccessfulTransfer, error) {
	var x ie.PDUSessionResourceSetupUnsuccessfulTransfer
	if err := unmarshalIE(b, &x); err != nil {
		return nil, err
	}
	c, err := causeFromIE(x.Cause)
	if err != nil {
		return nil, err
	}
	return &SetupUnsuccessfulTransfer{Cause: c}, nil
}

// ReleaseCommandTransfer is the PDU Session Resource Release Command
// Transfer. Spec: TS 38.413 §9.3.4.12
type ReleaseCommandTransfer struct{ Cause Cause }

// Marshal encodes the transfer.
func (t ReleaseCommandTransfer) Marshal() ([]byte, error) {
	c, err := causeIE(t.Cause)
	if err != nil {
		return nil, err
	}
	return marshalIE(&ie.PDUSessionResourceReleaseCommandTransfer{Cause: c})
}

// ParseReleaseCommandTransfer decodes the transfer.
func ParseReleaseCommandTransfer(b []byte) (*ReleaseCommandTransfer, error) {
	var x ie.PDUSessionResourceReleaseCommandTransfer
	if err := unmarshalIE(b, &x); err != nil {
		return nil, err
	}
	c, err := causeFromIE(x.Cause)
	if err != nil {
		return nil, err
	}
	return &ReleaseCommandTransfer{Cause: c}, nil
}

// ReleaseResponseTransfer is the (empty) PDU Session Resource Release
// Response Transfer. Spec: TS 38.413 §9.3.4.21
func ReleaseResponseTransfer() ([]byte, error) {
	return marshalIE(&ie.PDUSessionResourceReleaseResponseTransfer{})
}

func boolEnum(v bool) aper.Enumerated {
	if v {
		return 1
	}
	return 0
}

// upTNLIE encodes a GTP tunnel as UP Transport Layer Information.
func upTNLIE(t Tunnel) (*ie.UPTransportLayerInformation, error) {
	if !t.Addr.IsValid() {
		return nil, fmt.Errorf("%w: tunnel without address", ErrSemantic)
	}
	a := t.Addr.Unmap().AsSlice()
	teid := binary.BigEndian.AppendUint32(nil, t.TEID)
	return &ie.UPTransportLayerInformation{Choice: &ie.GTPTunnel{
		TransportLayerAddress: &ie.TransportLayerAddress{Value: aper.BitString{Bytes: a, BitLength: uint64(8 * len(a))}},
		GTPTEID:               &ie.GTPTEID{Value: teid},
	}}, nil
}

func upTNLFromIE(x *ie.UPTransportLayerInformation) (Tunnel, error) {
	if x == nil {
		return Tunnel{}, errMissing
	}
	g, ok := x.Choice.(*ie.GTPTunnel)
	if !ok || g.TransportLayerAddress == nil || g.GTPTEID == nil {
		return Tunnel{}, errMissing
	}
	bs := g.TransportLayerAddress.Value
	var a netip.Addr
	switch {
	case bs.BitLength == 32 && len(bs.Bytes) >= 4:
		a = netip.AddrFrom4([4]byte(bs.Bytes[:4]))
	case bs.BitLength == 128 && len(bs.Bytes) >= 16, bs.BitLength == 160 && len(bs.Bytes) >= 20:
		// 160 bits: IPv4 then IPv6 (dual stack); the IPv6 one is used
		// only when there is no IPv4 use here, so take IPv4 first.
		if bs.BitLength == 160 {
			a = netip.AddrFrom4([4]byte(bs.Bytes[:4]))
		} else {
			a = netip.AddrFrom16([16]byte(bs.Bytes[:16]))
		}
	default:
		return Tunnel{}, fmt.Errorf("%w: transport layer address of %d bits", ErrSemantic, bs.BitLength)
	}
	if len(g.GTPTEID.Value) != 4 {
		return Tunnel{}, fmt.Errorf("%w: GTP-TEID of %d octets", ErrSemantic, len(g.GTPTEID.Value))
	}
	return Tunnel{Addr: a, TEID: binary.BigEndian.Uint32(g.GTPTEID.Value)}, nil
}

// errTransfer marks a transfer that did not decode.
var errTransfer = errors.New("n2: malformed N2 SM transfer")

type ieCodec interface {
	Write(pd *aper.PerBitData) error
	Read(pd *aper.PerBitData) error
}

func marshalIE(x ieCodec) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("%w: encode: %v", ErrSemantic, r)
		}
	}()
	b, err = ie.MarshalBinary(x)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSemantic, err)
	}
	return b, nil
}

// unmarshalIE decodes a transfer; a panic in the codec is an error.
func unmarshalIE(b []byte, x ieCodec) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errTransfer, r)
		}
	}()
	if len(b) == 0 {
		return fmt.Errorf("%w: empty", errTransfer)
	}
	if err := ie.UnmarshalBinary(b, x); err != nil {
		return fmt.Errorf("%w: %v", errTransfer, err)
	}
	return nil
}
