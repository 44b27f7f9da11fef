package n2

import "strconv"

// ProcedureCode identifies an NGAP elementary procedure.
//
// Spec: TS 38.413 §9.4.7 (id-* ProcedureCode constants), §8.1 (list of elementary procedures)
type ProcedureCode uint8

// Procedure codes. The names follow the ASN.1 constants without the "id-" prefix.
const (
	ProcAMFConfigurationUpdate                ProcedureCode = 0
	ProcAMFStatusIndication                   ProcedureCode = 1
	ProcCellTrafficTrace                      ProcedureCode = 2
	ProcDeactivateTrace                       ProcedureCode = 3
	ProcDownlinkNASTransport                  ProcedureCode = 4
	ProcDownlinkNonUEAssociatedNRPPaTransport ProcedureCode = 5
	ProcDownlinkRANConfigurationTransfer      ProcedureCode = 6
	ProcDownlinkRANStatusTransfer             ProcedureCode = 7
	ProcDownlinkUEAssociatedNRPPaTransport    ProcedureCode = 8
	ProcErrorIndication                       ProcedureCode = 9
	ProcHandoverCancel                        ProcedureCode = 10
	ProcHandoverNotification                  ProcedureCode = 11
	ProcHandoverPreparation                   ProcedureCode = 12
	ProcHandoverResourceAllocation            ProcedureCode = 13
	ProcInitialContextSetup                   ProcedureCode = 14
	ProcInitialUEMessage                      ProcedureCode = 15
	ProcLocationReportingControl              ProcedureCode = 16
	ProcLocationReportingFailureIndication    ProcedureCode = 17
	ProcLocationReport                        ProcedureCode = 18
	ProcNASNonDeliveryIndication              ProcedureCode = 19
	ProcNGReset                               ProcedureCode = 20
	ProcNGSetup                               ProcedureCode = 21
	ProcOverloadStart                         ProcedureCode = 22
	ProcOverloadStop                          ProcedureCode = 23
	ProcPaging                                ProcedureCode = 24
	ProcPathSwitchRequest                     ProcedureCode = 25
	ProcPDUSessionResourceModify              ProcedureCode = 26
	ProcPDUSessionResourceModifyIndication    ProcedureCode = 27
	ProcPDUSessionResourceRelease             ProcedureCode = 28
	ProcPDUSessionResourceSetup               ProcedureCode = 29
	ProcPDUSessionResourceNotify              ProcedureCode = 30
	ProcPrivateMessage                        ProcedureCode = 31
	ProcPWSCancel                             ProcedureCode = 32
	ProcPWSFailureIndication                  ProcedureCode = 33
	ProcPWSRestartIndication                  ProcedureCode = 34
	ProcRANConfigurationUpdate                ProcedureCode = 35
	ProcRerouteNASRequest                     ProcedureCode = 36
	ProcRRCInactiveTransitionReport           ProcedureCode = 37
	ProcTraceFailureIndication                ProcedureCode = 38
	ProcTraceStart                            ProcedureCode = 39
	ProcUEContextModification                 ProcedureCode = 40
	ProcUEContextRelease                      ProcedureCode = 41
	ProcUEContextReleaseRequest               ProcedureCode = 42
	ProcUERadioCapabilityCheck                ProcedureCode = 43
	ProcUERadioCapabilityInfoIndication       ProcedureCode = 44
	ProcUETNLABindingRelease                  ProcedureCode = 45
	ProcUplinkNASTransport                    ProcedureCode = 46
	ProcUplinkNonUEAssociatedNRPPaTransport   ProcedureCode = 47
	ProcUplinkRANConfigurationTransfer        ProcedureCode = 48
	ProcUplinkRANStatusTransfer               ProcedureCode = 49
	ProcUplinkUEAssociatedNRPPaTransport      ProcedureCode = 50
	ProcWriteReplaceWarning                   ProcedureCode = 51
	ProcSecondaryRATDataUsageReport           ProcedureCode = 52
	ProcUplinkRIMInformationTransfer          ProcedureCode = 53
	ProcDownlinkRIMInformationTransfer        ProcedureCode = 54
	ProcRetrieveUEInformation                 ProcedureCode = 55
	ProcUEInformationTransfer                 ProcedureCode = 56
	ProcRANCPRelocationIndication             ProcedureCode = 57
	ProcUEContextResume                       ProcedureCode = 58
	ProcUEContextSuspend                      ProcedureCode = 59
	ProcUERadioCapabilityIDMapping            ProcedureCode = 60
	ProcHandoverSuccess                       ProcedureCode = 61
	ProcUplinkRANEarlyStatusTransfer          ProcedureCode = 62
	ProcDownlinkRANEarlyStatusTransfer        ProcedureCode = 63
	ProcAMFCPRelocationIndication             ProcedureCode = 64
	ProcConnectionEstablishmentIndication     ProcedureCode = 65
	ProcBroadcastSessionModification          ProcedureCode = 66
	ProcBroadcastSessionRelease               ProcedureCode = 67
	ProcBroadcastSessionSetup                 ProcedureCode = 68
	ProcDistributionSetup                     ProcedureCode = 69
	ProcDistributionRelease                   ProcedureCode = 70
	ProcMulticastSessionActivation            ProcedureCode = 71
	ProcMulticastSessionDeactivation          ProcedureCode = 72
	ProcMulticastSessionUpdate                ProcedureCode = 73
	ProcMulticastGroupPaging                  ProcedureCode = 74
	ProcBroadcastSessionReleaseRequired       ProcedureCode = 75
)

var procedureNames = [...]string{
	"AMFConfigurationUpdate", "AMFStatusIndication", "CellTrafficTrace", "DeactivateTrace",
	"DownlinkNASTransport", "DownlinkNonUEAssociatedNRPPaTransport", "DownlinkRANConfigurationTransfer",
	"DownlinkRANStatusTransfer", "DownlinkUEAssociatedNRPPaTransport", "ErrorIndication", "HandoverCancel",
	"HandoverNotification", "HandoverPreparation", "HandoverResourceAllocation", "InitialContextSetup",
	"InitialUEMessage", "LocationReportingControl", "LocationReportingFailureIndication", "LocationReport",
	"NASNonDeliveryIndication", "NGReset", "NGSetup", "OverloadStart", "OverloadStop", "Paging",
	"PathSwitchRequest", "PDUSessionResourceModify", "PDUSessionResourceModifyIndication",
	"PDUSessionResourceRelease", "PDUSessionResourceSetup", "PDUSessionResourceNotify", "PrivateMessage",
	"PWSCancel", "PWSFailureIndication", "PWSRestartIndication", "RANConfigurationUpdate", "RerouteNASRequest",
	"RRCInactiveTransitionReport", "TraceFailureIndication", "TraceStart", "UEContextModification",
	"UEContextRelease", "UEContextReleaseRequest", "UERadioCapabilityCheck", "UERadioCapabilityInfoIndication",
	"UETNLABindingRelease", "UplinkNASTransport", "UplinkNonUEAssociatedNRPPaTransport",
	"UplinkRANConfigurationTransfer", "UplinkRANStatusTransfer", "UplinkUEAssociatedNRPPaTransport",
	"WriteReplaceWarning", "SecondaryRATDataUsageReport", "UplinkRIMInformationTransfer",
	"DownlinkRIMInformationTransfer", "RetrieveUEInformation", "UEInformationTransfer",
	"RANCPRelocationIndication", "UEContextResume", "UEContextSuspend", "UERadioCapabilityIDMapping",
	"HandoverSuccess", "UplinkRANEarlyStatusTransfer", "DownlinkRANEarlyStatusTransfer",
	"AMFCPRelocationIndication", "ConnectionEstablishmentIndication", "BroadcastSessionModification",
	"BroadcastSessionRelease", "BroadcastSessionSetup", "DistributionSetup", "DistributionRelease",
	"MulticastSessionActivation", "MulticastSessionDeactivation", "MulticastSessionUpdate",
	"MulticastGroupPaging", "BroadcastSessionReleaseRequired",
}

func (p ProcedureCode) String() string {
	if int(p) < len(procedureNames) {
		return procedureNames[p]
	}
	return "ProcedureCode(" + strconv.Itoa(int(p)) + ")"
}

// hasFailureMessage reports whether the procedure is a class 1 procedure with an
// UNSUCCESSFUL OUTCOME message, which §10.3.4.2, §10.3.5 and §10.3.6 prefer over an
// Error Indication for reporting abstract syntax errors in its initiating message.
//
// Spec: TS 38.413 §9.4.3 (NGAP-ELEMENTARY-PROCEDURE definitions with UNSUCCESSFUL OUTCOME)
func (p ProcedureCode) hasFailureMessage() bool {
	switch p {
	case ProcAMFConfigurationUpdate, ProcBroadcastSessionModification, ProcBroadcastSessionSetup,
		ProcDistributionSetup, ProcHandoverPreparation, ProcHandoverResourceAllocation,
		ProcInitialContextSetup, ProcMulticastSessionActivation, ProcMulticastSessionUpdate,
		ProcNGSetup, ProcPathSwitchRequest, ProcRANConfigurationUpdate, ProcUEContextModification,
		ProcUEContextResume, ProcUEContextSuspend:
		return true
	}
	return false
}

// nonUEAssociated reports whether the procedure always uses non-UE-associated
// signalling, so that UE NGAP IDs found in its messages mean nothing for routing.
// Error Indication and Multicast Session Update can be either.
//
// Spec: TS 38.413 §8 (each procedure's "General" clause)
func (p ProcedureCode) nonUEAssociated() bool {
	switch p {
	case ProcAMFConfigurationUpdate, ProcAMFStatusIndication, ProcBroadcastSessionModification,
		ProcBroadcastSessionRelease, ProcBroadcastSessionReleaseRequired, ProcBroadcastSessionSetup,
		ProcDistributionRelease, ProcDistributionSetup, ProcDownlinkNonUEAssociatedNRPPaTransport,
		ProcDownlinkRANConfigurationTransfer, ProcDownlinkRIMInformationTransfer, ProcMulticastGroupPaging,
		ProcMulticastSessionActivation, ProcMulticastSessionDeactivation, ProcNGReset, ProcNGSetup,
		ProcOverloadStart, ProcOverloadStop, ProcPaging, ProcPrivateMessage, ProcPWSCancel,
		ProcPWSFailureIndication, ProcPWSRestartIndication, ProcRANConfigurationUpdate,
		ProcRetrieveUEInformation, ProcUEInformationTransfer, ProcUERadioCapabilityIDMapping,
		ProcUplinkNonUEAssociatedNRPPaTransport, ProcUplinkRANConfigurationTransfer,
		ProcUplinkRIMInformationTransfer, ProcWriteReplaceWarning:
		return true
	}
	return false
}

// MessageType is the NGAP-PDU alternative: which message of a procedure this is.
//
// Spec: TS 38.413 §9.3.1.1 (Message Type: Type of Message), §9.4.3 (NGAP-PDU CHOICE)
type MessageType uint8

// Message types, in the order of the NGAP-PDU CHOICE.
const (
	InitiatingMessage   MessageType = 0
	SuccessfulOutcome   MessageType = 1
	UnsuccessfulOutcome MessageType = 2
)

func (t MessageType) String() string {
	switch t {
	case InitiatingMessage:
		return "initiatingMessage"
	case SuccessfulOutcome:
		return "successfulOutcome"
	case UnsuccessfulOutcome:
		return "unsuccessfulOutcome"
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// Criticality tells a receiver what to do with what it does not comprehend.
//
// Spec: TS 38.413 §10.3.2, §9.4.6 (Criticality ::= ENUMERATED { reject, ignore, notify })
type Criticality uint8

// Criticality values.
const (
	Reject Criticality = 0
	Ignore Criticality = 1
	Notify Criticality = 2
)

func (c Criticality) String() string {
	switch c {
	case Reject:
		return "reject"
	case Ignore:
		return "ignore"
	case Notify:
		return "notify"
	}
	return "Criticality(" + strconv.Itoa(int(c)) + ")"
}
