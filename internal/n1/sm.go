package n1

// 5GSM message types, causes and the values of the IEs that carry 5GSM in
// 5GMM, shared by the network (AMF, SMF) and the simulated UE so both ends
// name them once. Each end encodes its own messages.

// 5GSM message types. Spec: TS 24.501 §9.7 Table 9.7.2
const (
	MsgPDUSessionEstablishmentRequest = 0xc1
	MsgPDUSessionEstablishmentAccept  = 0xc2
	MsgPDUSessionEstablishmentReject  = 0xc3
	MsgPDUSessionModificationRequest  = 0xc9
	MsgPDUSessionModificationReject   = 0xca
	MsgPDUSessionModificationCommand  = 0xcb
	MsgPDUSessionModificationComplete = 0xcc
	MsgPDUSessionReleaseRequest       = 0xd1
	MsgPDUSessionReleaseReject        = 0xd2
	MsgPDUSessionReleaseCommand       = 0xd3
	MsgPDUSessionReleaseComplete      = 0xd4
	MsgStatus5GSM                     = 0xd6
)

// MsgDLNASTransport is DL NAS TRANSPORT. Spec: TS 24.501 §8.2.11
const MsgDLNASTransport = 0x68

// 5GMM causes about forwarding 5GSM. Spec: TS 24.501 §9.11.3.2, §5.4.5.2.5
const (
	CausePayloadNotForwarded          = 90
	CauseDNNNotSupportedInSlice       = 91
	CauseInsufficientResourcesInSlice = 69
)

// 5GSM causes. Spec: TS 24.501 §9.11.4.2 Table 9.11.4.2.1
const (
	SMCauseInsufficientResources      = 26
	SMCauseMissingOrUnknownDNN        = 27
	SMCauseUnknownPDUSessionType      = 28
	SMCauseRequestRejectedUnspecified = 31
	SMCauseServiceOptionNotSupported  = 32
	SMCauseNotSubscribed              = 33
	SMCausePTIAlreadyInUse            = 35
	SMCauseRegularDeactivation        = 36
	SMCauseNetworkFailure             = 38
	SMCauseInvalidPDUSessionIdentity  = 43
	SMCausePTIMismatch                = 47
	SMCauseIPv4OnlyAllowed            = 50
	SMCauseIPv6OnlyAllowed            = 51
	SMCauseSingleAddressBearersOnly   = 52
	SMCausePDUSessionDoesNotExist     = 54
	SMCauseInvalidPTI                 = 81
	SMCauseSemanticallyIncorrect      = 95
	SMCauseInvalidMandatoryInfo       = 96
	SMCauseMessageTypeNotExist        = 97
	SMCauseProtocolErrorUnspecified   = 111
)

// PDU session types. Spec: TS 24.501 §9.11.4.11
const (
	PDUSessionTypeIPv4         = 1
	PDUSessionTypeIPv6         = 2
	PDUSessionTypeIPv4v6       = 3
	PDUSessionTypeUnstructured = 4
	PDUSessionTypeEthernet     = 5
)

// PayloadN1SMInformation is the payload container type of 5GSM in UL/DL
// NAS TRANSPORT. Spec: TS 24.501 §9.11.3.40
const PayloadN1SMInformation = 0x01

// Request types of UL NAS TRANSPORT. Spec: TS 24.501 §9.11.3.47
const (
	RequestInitial          = 1
	RequestExistingSession  = 2
	RequestInitialEmergency = 3
	RequestModification     = 5
)

// IEIs of UL and DL NAS TRANSPORT. Spec: TS 24.501 §8.2.10, §8.2.11
const (
	IEIPDUSessionID  = 0x12
	IEIRequestType   = 0x8 // half octet
	IEISNSSAI        = 0x22
	IEIDNN           = 0x25
	IEI5GMMCause     = 0x58
	IEIAdditionalInf = 0x24
)
