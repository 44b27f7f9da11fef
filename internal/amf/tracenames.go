package amf

import (
	"strconv"

	"go5g/internal/n2"
)

// Names for the trace (trace.go), decoded only when the trace is read.

// gmmNames are the 5GMM message types.
//
// Spec: TS 24.501 §9.7 Table 9.7.1; §8.2 (message definitions)
var gmmNames = map[uint8]string{
	0x41: "Registration request",
	0x42: "Registration accept",
	0x43: "Registration complete",
	0x44: "Registration reject",
	0x45: "Deregistration request (UE originating)",
	0x46: "Deregistration accept (UE originating)",
	0x47: "Deregistration request (UE terminated)",
	0x48: "Deregistration accept (UE terminated)",
	0x4c: "Service request",
	0x4d: "Service reject",
	0x4e: "Service accept",
	0x4f: "Control plane service request",
	0x50: "Network slice-specific authentication command",
	0x51: "Network slice-specific authentication complete",
	0x52: "Network slice-specific authentication result",
	0x54: "Configuration update command",
	0x55: "Configuration update complete",
	0x56: "Authentication request",
	0x57: "Authentication response",
	0x58: "Authentication reject",
	0x59: "Authentication failure",
	0x5a: "Authentication result",
	0x5b: "Identity request",
	0x5c: "Identity response",
	0x5d: "Security mode command",
	0x5e: "Security mode complete",
	0x5f: "Security mode reject",
	0x64: "5GMM status",
	0x65: "Notification",
	0x66: "Notification response",
	0x67: "UL NAS transport",
	0x68: "DL NAS transport",
}

// gsmNames are the 5GSM message types.
//
// Spec: TS 24.501 §9.7 Table 9.7.2; §8.3 (message definitions)
var gsmNames = map[uint8]string{
	0xc1: "PDU session establishment request",
	0xc2: "PDU session establishment accept",
	0xc3: "PDU session establishment reject",
	0xc5: "PDU session authentication command",
	0xc6: "PDU session authentication complete",
	0xc7: "PDU session authentication result",
	0xc9: "PDU session modification request",
	0xca: "PDU session modification reject",
	0xcb: "PDU session modification command",
	0xcc: "PDU session modification complete",
	0xcd: "PDU session modification command reject",
	0xd1: "PDU session release request",
	0xd2: "PDU session release reject",
	0xd3: "PDU session release command",
	0xd4: "PDU session release complete",
	0xd6: "5GSM status",
}

// gmmName names a 5GMM message type; 0 is a message the AMF could not
// read (ciphered with a context it could not verify).
func gmmName(t uint8, down bool) string {
	if t == 0 {
		if down {
			return "(not a 5GMM message)"
		}
		return "(unreadable: ciphered or malformed)"
	}
	if n, ok := gmmNames[t]; ok {
		return n
	}
	return "5GMM message type 0x" + strconv.FormatUint(uint64(t), 16)
}

func gsmName(t uint8) string {
	if n, ok := gsmNames[t]; ok {
		return n
	}
	return "5GSM message type 0x" + strconv.FormatUint(uint64(t), 16)
}

// gmmDetail is what trace.go kept of a 5GMM message (traceRing.nas).
func gmmDetail(t, a, b uint8) string {
	switch t {
	case 0x44, 0x4d, 0x59, 0x5f, 0x64: // rejects, failure, status
		return gmmCauseName(a)
	case 0x41:
		return registrationTypeName(a)
	case 0x4c:
		if a&0x10 != 0 {
			return "service type: " + serviceTypeName(a&0x0f)
		}
	case 0x45:
		if a&0x08 != 0 {
			return "switch off"
		}
		if a&0x10 != 0 {
			return "normal de-registration"
		}
	case 0x67, 0x68:
		if a != 0 {
			return gmmCauseName(a) + ", PDU session " + strconv.Itoa(int(b))
		}
	}
	return ""
}

func gsmDetail(psi, cause uint8) string {
	d := "PDU session " + strconv.Itoa(int(psi))
	if cause != 0 {
		d += ", " + gsmCauseName(cause)
	}
	return d
}

// securityName names a NAS security header type.
//
// Spec: TS 24.501 §9.3.1
func securityName(h uint8) string {
	switch h {
	case 0:
		return "plain"
	case 1:
		return "integrity"
	case 2:
		return "integrity+ciphered"
	case 3:
		return "integrity, new context"
	case 4:
		return "integrity+ciphered, new context"
	}
	return "header type " + strconv.Itoa(int(h))
}

// registrationTypeName names a 5GS registration type value.
//
// Spec: TS 24.501 §9.11.3.7
func registrationTypeName(v uint8) string {
	switch v {
	case 1:
		return "initial registration"
	case 2:
		return "mobility registration updating"
	case 3:
		return "periodic registration updating"
	case 4:
		return "emergency registration"
	case 5:
		return "SNPN onboarding registration"
	case 6:
		return "disaster roaming mobility registration updating"
	case 7:
		return "disaster roaming initial registration"
	}
	return ""
}

// serviceTypeName names a service type value. Spec: TS 24.501 §9.11.3.50
func serviceTypeName(v uint8) string {
	if names := [...]string{"signalling", "data", "mobile terminated services", "emergency services",
		"emergency services fallback", "high priority access", "elevated signalling",
		"unused (signalling)", "unused (signalling)", "unused (data)", "unused (data)", "unused (data)"}; int(v) < len(names) {
		return names[v]
	}
	return strconv.Itoa(int(v))
}

// gmmCauses are the 5GMM causes most often seen.
//
// Spec: TS 24.501 §9.11.3.2 Table 9.11.3.2.1
var gmmCauses = map[uint8]string{
	3: "illegal UE", 5: "PEI not accepted", 6: "illegal ME", 7: "5GS services not allowed",
	9: "UE identity cannot be derived by the network", 10: "implicitly de-registered",
	11: "PLMN not allowed", 12: "tracking area not allowed", 13: "roaming not allowed in this tracking area",
	15: "no suitable cells in tracking area", 20: "MAC failure", 21: "synch failure", 22: "congestion",
	23: "UE security capabilities mismatch", 24: "security mode rejected, unspecified",
	26: "non-5G authentication unacceptable", 27: "N1 mode not allowed", 28: "restricted service area",
	62: "no network slices available", 65: "maximum number of PDU sessions reached",
	67: "insufficient resources for specific slice and DNN", 69: "insufficient resources for specific slice",
	71: "ngKSI already in use", 73: "serving network not authorized", 90: "payload was not forwarded",
	91: "DNN not supported or not subscribed in the slice",
	92: "insufficient user-plane resources for the PDU session",
	95: "semantically incorrect message", 96: "invalid mandatory information",
	97: "message type non-existent or not implemented", 98: "message type not compatible with the protocol state",
	99: "information element non-existent or not implemented", 100: "conditional IE error",
	101: "message not compatible with the protocol state", 111: "protocol error, unspecified",
}

func gmmCauseName(c uint8) string {
	return causeName("5GMM", c, gmmCauses[c])
}

// gsmCauses are the 5GSM causes most often seen.
//
// Spec: TS 24.501 §9.11.4.2 Table 9.11.4.2.1
var gsmCauses = map[uint8]string{
	8: "operator determined barring", 26: "insufficient resources", 27: "missing or unknown DNN",
	28: "unknown PDU session type", 29: "user authentication or authorization failed",
	31: "request rejected, unspecified", 32: "service option not supported",
	33: "requested service option not subscribed", 35: "PTI already in use", 36: "regular deactivation",
	37: "5GS QoS not accepted", 38: "network failure", 39: "reactivation requested",
	43: "invalid PDU session identity", 46: "out of LADN service area", 47: "PTI mismatch",
	50: "PDU session type IPv4 only allowed", 51: "PDU session type IPv6 only allowed",
	54: "PDU session does not exist", 57: "PDU session type IPv4v6 only allowed",
	58: "PDU session type Unstructured only allowed", 59: "unsupported 5QI value",
	61: "PDU session type Ethernet only allowed", 67: "insufficient resources for specific slice and DNN",
	68: "not supported SSC mode", 69: "insufficient resources for specific slice",
	70: "missing or unknown DNN in a slice", 81: "invalid PTI value",
	95: "semantically incorrect message", 96: "invalid mandatory information",
	97: "message type non-existent or not implemented", 98: "message type not compatible with the protocol state",
	99: "information element non-existent or not implemented", 100: "conditional IE error",
	101: "message not compatible with the protocol state", 111: "protocol error, unspecified",
}

func gsmCauseName(c uint8) string {
	return causeName("5GSM", c, gsmCauses[c])
}

func causeName(kind string, c uint8, name string) string {
	s := kind + " cause #" + strconv.Itoa(int(c))
	if name != "" {
		s += " " + name
	}
	return s
}

// ngapMessages names the messages of the UE-associated NGAP procedures:
// initiating message, successful outcome, unsuccessful outcome.
//
// Spec: TS 38.413 §9.4.4 (PDU definitions), §8.1 (elementary procedures)
var ngapMessages = map[n2.ProcedureCode][3]string{
	n2.ProcInitialUEMessage:                   {"InitialUEMessage"},
	n2.ProcDownlinkNASTransport:               {"DownlinkNASTransport"},
	n2.ProcUplinkNASTransport:                 {"UplinkNASTransport"},
	n2.ProcNASNonDeliveryIndication:           {"NASNonDeliveryIndication"},
	n2.ProcRerouteNASRequest:                  {"RerouteNASRequest"},
	n2.ProcInitialContextSetup:                {"InitialContextSetupRequest", "InitialContextSetupResponse", "InitialContextSetupFailure"},
	n2.ProcUEContextRelease:                   {"UEContextReleaseCommand", "UEContextReleaseComplete"},
	n2.ProcUEContextReleaseRequest:            {"UEContextReleaseRequest"},
	n2.ProcUEContextModification:              {"UEContextModificationRequest", "UEContextModificationResponse", "UEContextModificationFailure"},
	n2.ProcUEContextSuspend:                   {"UEContextSuspendRequest", "UEContextSuspendResponse", "UEContextSuspendFailure"},
	n2.ProcUEContextResume:                    {"UEContextResumeRequest", "UEContextResumeResponse", "UEContextResumeFailure"},
	n2.ProcPDUSessionResourceSetup:            {"PDUSessionResourceSetupRequest", "PDUSessionResourceSetupResponse"},
	n2.ProcPDUSessionResourceRelease:          {"PDUSessionResourceReleaseCommand", "PDUSessionResourceReleaseResponse"},
	n2.ProcPDUSessionResourceModify:           {"PDUSessionResourceModifyRequest", "PDUSessionResourceModifyResponse"},
	n2.ProcPDUSessionResourceModifyIndication: {"PDUSessionResourceModifyIndication", "PDUSessionResourceModifyConfirm"},
	n2.ProcPDUSessionResourceNotify:           {"PDUSessionResourceNotify"},
	n2.ProcErrorIndication:                    {"ErrorIndication"},
	n2.ProcUERadioCapabilityInfoIndication:    {"UERadioCapabilityInfoIndication"},
	n2.ProcUERadioCapabilityCheck:             {"UERadioCapabilityCheckRequest", "UERadioCapabilityCheckResponse"},
	n2.ProcPathSwitchRequest:                  {"PathSwitchRequest", "PathSwitchRequestAcknowledge", "PathSwitchRequestFailure"},
	n2.ProcHandoverPreparation:                {"HandoverRequired", "HandoverCommand", "HandoverPreparationFailure"},
	n2.ProcHandoverResourceAllocation:         {"HandoverRequest", "HandoverRequestAcknowledge", "HandoverFailure"},
	n2.ProcHandoverNotification:               {"HandoverNotify"},
	n2.ProcHandoverCancel:                     {"HandoverCancel", "HandoverCancelAcknowledge"},
	n2.ProcPaging:                             {"Paging"},
	n2.ProcLocationReportingControl:           {"LocationReportingControl"},
	n2.ProcLocationReport:                     {"LocationReport"},
	n2.ProcRRCInactiveTransitionReport:        {"RRCInactiveTransitionReport"},
	n2.ProcSecondaryRATDataUsageReport:        {"SecondaryRATDataUsageReport"},
	n2.ProcUETNLABindingRelease:               {"UETNLABindingReleaseRequest"},
	n2.ProcTraceStart:                         {"TraceStart"},
	n2.ProcDeactivateTrace:                    {"DeactivateTrace"},
}

// ngapMessageName names the NGAP message of procedure p and type t.
func ngapMessageName(p n2.ProcedureCode, t n2.MessageType) string {
	if m, ok := ngapMessages[p]; ok && int(t) < len(m) && m[t] != "" {
		return m[t]
	}
	return p.String() + " " + t.String()
}

// ngapCauseName names an NGAP cause by group and value index.
//
// Spec: TS 38.413 §9.3.1.2
func ngapCauseName(c n2.Cause) string { return "cause " + c.String() }
