// Package rules holds the packet handling rules the SMF gives a UPF over N4
// (PFCP, TS 29.244): Packet Detection Rules, Forwarding Action Rules, QoS
// Enforcement Rules and Usage Reporting Rules, as plain Go values.
//
// They live in their own package, not in smf, because three parties need
// the same types: the SMF that builds them, the N4 layer that encodes them
// as PFCP IEs (go-pfcp), and the UPF that installs them in its fast path.
// None of those should import another NF. Field names follow the PFCP IE
// names so that the N4 mapping reads one to one.
//
// Spec: TS 29.244 §5.2, §7.5.2 (Create PDR/FAR/QER/URR), §8.2
package rules

import "net/netip"

// Interface is a PFCP source or destination interface.
//
// Spec: TS 29.244 §8.2.2, §8.2.24
type Interface uint8

// Interface values.
const (
	Access     Interface = 0 // N3: towards the gNB
	Core       Interface = 1 // N6: towards the data network
	SGiLAN     Interface = 2
	CPFunction Interface = 3
)

func (i Interface) String() string {
	switch i {
	case Access:
		return "access"
	case Core:
		return "core"
	case SGiLAN:
		return "sgi-lan"
	case CPFunction:
		return "cp-function"
	}
	return "interface(?)"
}

// FTEID is a fully qualified TEID. With Choose set the UPF allocates the
// TEID (and address) and reports them in the Created PDR (CH flag).
//
// Spec: TS 29.244 §8.2.3
type FTEID struct {
	TEID   uint32
	IPv4   netip.Addr
	IPv6   netip.Addr
	Choose bool
	// ChooseID lets several PDRs share one chosen F-TEID (CHID flag); 0: none.
	ChooseID uint8
}

// UEIP is the UE IP Address IE of a PDI: the UE's IPv4 address and/or IPv6
// prefix. Destination says the address is matched as the destination (DL
// PDRs on the core side), else as the source (UL PDRs).
//
// Spec: TS 29.244 §8.2.62
type UEIP struct {
	IPv4        netip.Addr
	IPv6Prefix  netip.Prefix
	Destination bool
}

// PDI is the packet detection information of a PDR.
//
// Spec: TS 29.244 §7.5.2.2 Table 7.5.2.2-2
type PDI struct {
	SourceInterface Interface
	FTEID           *FTEID // UL on N3: the local tunnel endpoint
	NetworkInstance string // the DNN
	UEIP            *UEIP
	QFI             uint8 // 0: not matched
	// SDFFilters restrict the PDR to a service data flow (sdf.go); none:
	// every packet of the PDI matches.
	SDFFilters []SDFFilter
}

// OuterHeaderRemoval values. Spec: TS 29.244 §8.2.64
const (
	RemoveGTPUUDPIPv4 uint8 = 0
	RemoveGTPUUDPIPv6 uint8 = 1
	RemoveGTPUUDPIP   uint8 = 6 // GTP-U/UDP/IP, whichever IP version
)

// PDR is a Packet Detection Rule.
//
// Spec: TS 29.244 §7.5.2.2
type PDR struct {
	ID         uint16
	Precedence uint32 // lower wins
	PDI        PDI
	// OuterHeaderRemoval is one of the Remove* values; nil: keep the header.
	OuterHeaderRemoval *uint8
	FARID              uint32
	QERIDs             []uint32
	URRIDs             []uint32
}

// ApplyAction are the FAR's action flags.
//
// Spec: TS 29.244 §8.2.26
type ApplyAction uint16

// Apply action flags.
const (
	Drop      ApplyAction = 1 << 0 // DROP
	Forward   ApplyAction = 1 << 1 // FORW
	Buffer    ApplyAction = 1 << 2 // BUFF
	NotifyCP  ApplyAction = 1 << 3 // NOCP: notify the CP function of the first buffered packet
	Duplicate ApplyAction = 1 << 4 // DUPL
)

// OuterHeaderCreation makes the UPF encapsulate in GTP-U/UDP/IP towards
// Addr with TEID (IPv4 or IPv6 by the address).
//
// Spec: TS 29.244 §8.2.56
type OuterHeaderCreation struct {
	TEID uint32
	Addr netip.Addr
}

// Forwarding are the forwarding parameters of a FAR.
//
// Spec: TS 29.244 §7.5.2.3 Table 7.5.2.3-2
type Forwarding struct {
	DestinationInterface Interface
	NetworkInstance      string
	OuterHeaderCreation  *OuterHeaderCreation
}

// FAR is a Forwarding Action Rule.
//
// Spec: TS 29.244 §7.5.2.3
type FAR struct {
	ID         uint32
	Action     ApplyAction
	Forwarding *Forwarding // with Forward
}

// Gate is a QER gate status. Spec: TS 29.244 §8.2.7
type Gate uint8

// Gate values.
const (
	Open   Gate = 0
	Closed Gate = 1
)

// QER is a QoS Enforcement Rule: gates and maximum bit rates (bit/s),
// marking packets with QFI.
//
// Spec: TS 29.244 §7.5.2.5, §8.2.8 (MBR, in kbit/s on the wire)
type QER struct {
	ID            uint32
	GateUplink    Gate
	GateDownlink  Gate
	MBRUplink     uint64
	MBRDownlink   uint64
	QFI           uint8
	CorrelationID uint32

	// GBRUplink/GBRDownlink (bit/s) are a GBR QoS flow's guaranteed bit
	// rates (§8.2.9); 0: none.
	GBRUplink, GBRDownlink uint64
}

// MeasurementMethod flags of a URR. Spec: TS 29.244 §8.2.40
type MeasurementMethod uint8

// Measurement methods.
const (
	MeasureDuration MeasurementMethod = 1 << 0
	MeasureVolume   MeasurementMethod = 1 << 1
	MeasureEvent    MeasurementMethod = 1 << 2
)

// URR is a Usage Reporting Rule.
//
// Spec: TS 29.244 §7.5.2.4
type URR struct {
	ID     uint32
	Method MeasurementMethod
	// VolumeThreshold (octets, total) triggers a report when reached; 0: none.
	VolumeThreshold uint64
	// PeriodSeconds triggers periodic reports; 0: none.
	PeriodSeconds uint32
}

// Establishment is a PFCP Session Establishment Request: the SMF's F-SEID
// (CPSEID) and every rule of the session.
//
// Spec: TS 29.244 §7.5.2
type Establishment struct {
	CPSEID uint64
	PDRs   []PDR
	FARs   []FAR
	QERs   []QER
	URRs   []URR
}

// CreatedPDR reports the F-TEID a UPF chose for a PDR (Created PDR IE).
//
// Spec: TS 29.244 §7.5.3.2
type CreatedPDR struct {
	ID    uint16
	FTEID FTEID
}

// Established is the UPF's answer: its F-SEID and the chosen F-TEIDs.
//
// Spec: TS 29.244 §7.5.3
type Established struct {
	UPSEID  uint64
	Created []CreatedPDR
}

// Modification is a PFCP Session Modification Request: rules to create,
// replace (same ID) and remove.
//
// Spec: TS 29.244 §7.5.4
type Modification struct {
	CreatePDRs []PDR
	UpdatePDRs []PDR
	RemovePDRs []uint16
	CreateFARs []FAR
	UpdateFARs []FAR
	RemoveFARs []uint32
	CreateQERs []QER
	UpdateQERs []QER
	RemoveQERs []uint32
}
