package n2

import (
	"fmt"

	"github.com/free5gc/ngap/ie"
)

// GBRQosInfo is the GBR QoS Flow Information of a GBR QoS flow, in bit/s:
// maximum and guaranteed flow bit rates each way (MFBR, GFBR).
//
// Spec: TS 38.413 §9.3.1.10 (all four bit rates mandatory)
type GBRQosInfo struct {
	MFBRUplink, MFBRDownlink uint64
	GFBRUplink, GFBRDownlink uint64
}

// maxBitRate is the upper bound of NGAP's Bit Rate. Spec: TS 38.413 §9.3.1.4
const maxBitRate = 4000000000000

// qosFlowParamsIE encodes a flow's QoS Flow Level QoS Parameters: the
// non-dynamic 5QI descriptor, the ARP and, for a GBR flow, the GBR QoS
// Flow Information.
//
// Spec: TS 38.413 §9.3.1.12 (QoS Flow Level QoS Parameters), §9.3.1.19
// (ARP), §9.3.1.10 (GBR QoS Flow Information)
func qosFlowParamsIE(f QosFlowRequest) (*ie.QosFlowLevelQosParameters, error) {
	if f.QFI > 63 || f.ARPPriority < 1 || f.ARPPriority > 15 {
		return nil, fmt.Errorf("%w: QoS flow QFI %d ARP %d", ErrSemantic, f.QFI, f.ARPPriority)
	}
	nd := ie.NonDynamic5QIDescriptor{FiveQI: &ie.FiveQI{Value: int64(f.FiveQI)}}
	if f.PriorityQoS != 0 {
		nd.PriorityLevelQos = &ie.PriorityLevelQos{Value: int64(f.PriorityQoS)}
	}
	p := &ie.QosFlowLevelQosParameters{
		QosCharacteristics: &ie.QosCharacteristics{Choice: &nd},
		AllocationAndRetentionPriority: &ie.AllocationAndRetentionPriority{
			PriorityLevelARP:        &ie.PriorityLevelARP{Value: int64(f.ARPPriority)},
			PreEmptionCapability:    &ie.PreEmptionCapability{Value: boolEnum(f.MayPreempt)},
			PreEmptionVulnerability: &ie.PreEmptionVulnerability{Value: boolEnum(f.Preemptable)},
		},
	}
	if g := f.GBR; g != nil {
		for _, r := range []uint64{g.MFBRUplink, g.MFBRDownlink, g.GFBRUplink, g.GFBRDownlink} {
			if r > maxBitRate {
				return nil, fmt.Errorf("%w: QoS flow %d bit rate %d", ErrSemantic, f.QFI, r)
			}
		}
		if g.GFBRUplink > g.MFBRUplink || g.GFBRDownlink > g.MFBRDownlink {
			return nil, fmt.Errorf("%w: QoS flow %d GFBR above MFBR", ErrSemantic, f.QFI)
		}
		p.GBRQosInformation = &ie.GBRQosInformation{
			MaximumFlowBitRateDL:    &ie.BitRate{Value: int64(g.MFBRDownlink)},
			MaximumFlowBitRateUL:    &ie.BitRate{Value: int64(g.MFBRUplink)},
			GuaranteedFlowBitRateDL: &ie.BitRate{Value: int64(g.GFBRDownlink)},
			GuaranteedFlowBitRateUL: &ie.BitRate{Value: int64(g.GFBRUplink)},
		}
	}
	return p, nil
}

// qosFlowFromIE reads a QFI and its QoS Flow Level QoS Parameters.
func qosFlowFromIE(id *ie.QosFlowIdentifier, p *ie.QosFlowLevelQosParameters) (QosFlowRequest, error) {
	if id == nil || p == nil || p.QosCharacteristics == nil || p.AllocationAndRetentionPriority == nil {
		return QosFlowRequest{}, fmt.Errorf("QoS flow: %w", errMissing)
	}
	q := QosFlowRequest{QFI: uint8(id.Value)}
	if nd, ok := p.QosCharacteristics.Choice.(*ie.NonDynamic5QIDescriptor); ok && nd.FiveQI != nil {
		q.FiveQI = uint8(nd.FiveQI.Value)
		if nd.PriorityLevelQos != nil {
			q.PriorityQoS = uint8(nd.PriorityLevelQos.Value)
		}
	}
	arp := p.AllocationAndRetentionPriority
	if arp.PriorityLevelARP != nil {
		q.ARPPriority = uint8(arp.PriorityLevelARP.Value)
	}
	q.MayPreempt = arp.PreEmptionCapability != nil && arp.PreEmptionCapability.Value == 1
	q.Preemptable = arp.PreEmptionVulnerability != nil && arp.PreEmptionVulnerability.Value == 1
	if g := p.GBRQosInformation; g != nil {
		if g.MaximumFlowBitRateDL == nil || g.MaximumFlowBitRateUL == nil ||
			g.GuaranteedFlowBitRateDL == nil || g.GuaranteedFlowBitRateUL == nil {
			return QosFlowRequest{}, fmt.Errorf("QoS flow %d GBR information: %w", q.QFI, errMissing)
		}
		q.GBR = &GBRQosInfo{MFBRDownlink: uint64(g.MaximumFlowBitRateDL.Value), MFBRUplink: uint64(g.MaximumFlowBitRateUL.Value),
			GFBRDownlink: uint64(g.GuaranteedFlowBitRateDL.Value), GFBRUplink: uint64(g.GuaranteedFlowBitRateUL.Value)}
	}
	return q, nil
}
