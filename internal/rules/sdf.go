package rules

// SDFFilter is an SDF Filter IE of a PDI: an IPFilterRule flow
// description ("permit out 17 from any to assigned 5000-5010") read from
// the network's side as in TS 29.212 §5.4.2, so a UL PDR matches it
// reversed. ID, if not zero, is the SDF Filter ID (BID flag).
//
// Spec: TS 29.244 §8.2.5
type SDFFilter struct {
	FlowDescription string
	ID              uint32
}
