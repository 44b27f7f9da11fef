package n1

// 5GMM message types and causes, shared by the AMF and the simulated UE so
// both ends name them once.

// 5GMM message types. Spec: TS 24.501 §9.7 Table 9.7.1
const (
	MsgRegistrationRequest     = 0x41
	MsgRegistrationAccept      = 0x42
	MsgRegistrationComplete    = 0x43
	MsgRegistrationReject      = 0x44
	MsgDeregistrationRequestUE = 0x45
	MsgDeregistrationAcceptUE  = 0x46
	// Network-initiated (UE terminated) deregistration.
	MsgDeregistrationRequestNW     = 0x47
	MsgDeregistrationAcceptNW      = 0x48
	MsgServiceRequest              = 0x4c
	MsgServiceReject               = 0x4d
	MsgServiceAccept               = 0x4e
	MsgConfigurationUpdateCommand  = 0x54
	MsgConfigurationUpdateComplete = 0x55
	MsgAuthenticationRequest       = 0x56
	MsgAuthenticationResponse      = 0x57
	MsgAuthenticationReject        = 0x58
	MsgAuthenticationFailure       = 0x59
	MsgAuthenticationResult        = 0x5a
	MsgIdentityRequest             = 0x5b
	MsgIdentityResponse            = 0x5c
	MsgSecurityModeCommand         = 0x5d
	MsgSecurityModeComplete        = 0x5e
	MsgSecurityModeReject          = 0x5f
	MsgStatus                      = 0x64
	MsgULNASTransport              = 0x67
)

// 5GMM causes. Spec: TS 24.501 §9.11.3.2 Table 9.11.3.2.1
const (
	CauseIllegalUE                = 3
	CauseServicesNotAllowed       = 7
	CauseUEIdentityNotDerived     = 9
	CauseImplicitlyDeregistered   = 10
	CausePLMNNotAllowed           = 11
	CauseTANotAllowed             = 12
	CauseMACFailure               = 20
	CauseSynchFailure             = 21
	CauseCongestion               = 22
	CauseSecurityCapsMismatch     = 23
	CauseSecurityModeRejected     = 24
	CauseNon5GAuthUnacceptable    = 26
	CauseNoNetworkSlicesAvailable = 62
	CauseSemanticallyIncorrect    = 95
	// #96 and #97 also answer a message the receiver cannot decode (5GSM uses
	// the same values). Spec: TS 24.501 §9.11.4.2
	CauseInvalidMandatoryInfo     = 96
	CauseMessageTypeNotExist      = 97
	CauseMessageNotCompatible     = 98
	CauseIENotExist               = 99
	CauseProtocolErrorUnspecified = 111
)
