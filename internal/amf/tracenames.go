package amf

import (
	"strconv"

	"go5g/internal/n2"
)

// Names for the trace (trace.go), decoded only when the trace is read.

// gmmMessage names the 5GMM message types.
//
// Spec: TS 24.501 §9.7 Table 9.7.1; §8.2 (message definitions)
func gmmMessage(k uint8) (string, bool) {
	switch k {
	case 0x41:
		return "Registration request", true
	case 0x42:
		return "Registration accept", true
	case 0x43:
		return "Registration complete", true
	case 0x44:
		return "Registration reject", true
	case 0x45:
		return "Deregistration request (UE originating)", true
	case 0x46:
		return "Deregistration accept (UE originating)", true
	case 0x47:
		return "Deregistration request (UE terminated)", true
	case 0x48:
		return "Deregistration accept (UE terminated)", true
	case 0x4c:
		return "Service request", true
	case 0x4d:
		return "Service reject", true
	case 0x4e:
		return "Service accept", true
	case 0x4f:
		return "Control plane service request", true
	case 0x50:
		return "Network slice-specific authentication command", true
	case 0x51:
		return "Network slice-specific authentication complete", true
	case 0x52:
		return "Network slice-specific authentication result", true
	case 0x54:
		return "Configuration update command", true
	case 0x55:
		return "Configuration update complete", true
	case 0x56:
		return "Authentication request", true
	case 0x57:
		return "Authentication response", true
	case 0x58:
		return "Authentication reject", true
	case 0x59:
		return "Authentication failure", true
	case 0x5a:
		return "Authentication result", true
	case 0x5b:
		return "Identity request", true
	case 0x5c:
		return "Identity response", true
	case 0x5d:
		return "Security mode command", true
	case 0x5e:
		return "Security mode complete", true
	case 0x5f:
		return "Security mode reject", true
	case 0x64:
		return "5GMM status", true
	case 0x65:
		return "Notification", true
	case 0x66:
		return "Notification response", true
	case 0x67:
		return "UL NAS transport", true
	case 0x68:
		return "DL NAS transport", true
	}
	return "", false
}

// gsmMessage names the 5GSM message types.
//
// Spec: TS 24.501 §9.7 Table 9.7.2; §8.3 (message definitions)
func gsmMessage(k uint8) (string, bool) {
	switch k {
	case 0xc1:
		return "PDU session establishment request", true
	case 0xc2:
		return "PDU session establishment accept", true
	case 0xc3:
		return "PDU session establishment reject", true
	case 0xc5:
		return "PDU session authentication command", true
	case 0xc6:
		return "PDU session authentication complete", true
	case 0xc7:
		return "PDU session authentication result", true
	case 0xc9:
		return "PDU session modification request", true
	case 0xca:
		return "PDU session modification reject", true
	case 0xcb:
		return "PDU session modification command", true
	case 0xcc:
		return "PDU session modification complete", true
	case 0xcd:
		return "PDU session modification command reject", true
	case 0xd1:
		return "PDU session release request", true
	case 0xd2:
		return "PDU session release reject", true
	case 0xd3:
		return "PDU session release command", true
	case 0xd4:
		return "PDU session release complete", true
	case 0xd6:
		return "5GSM status", true
	}
	return "", false
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
	if n, ok := gmmMessage(t); ok {
		return n
	}
	return "5GMM message type 0x" + strconv.FormatUint(uint64(t), 16)
}

func gsmName(t uint8) string {
	if n, ok := gsmMessage(t); ok {
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

// gmmCause names the 5GMM causes most often seen.
//
// Spec: TS 24.501 §9.11.3.2 Table 9.11.3.2.1
func gmmCause(k uint8) (string, bool) {
	switch k {
	case 3:
		return "illegal UE", true
	case 5:
		return "PEI not accepted", true
	case 6:
		return "illegal ME", true
	case 7:
		return "5GS services not allowed", true
	case 9:
		return "UE identity cannot be derived by the network", true
	case 10:
		return "implicitly de-registered", true
	case 11:
		return "PLMN not allowed", true
	case 12:
		return "tracking area not allowed", true
	case 13:
		return "roaming not allowed in this tracking area", true
	case 15:
		return "no suitable cells in tracking area", true
	case 20:
		return "MAC failure", true
	case 21:
		return "synch failure", true
	case 22:
		return "congestion", true
	case 23:
		return "UE security capabilities mismatch", true
	case 24:
		return "security mode rejected, unspecified", true
	case 26:
		return "non-5G authentication unacceptable", true
	case 27:
		return "N1 mode not allowed", true
	case 28:
		return "restricted service area", true
	case 62:
		return "no network slices available", true
	case 65:
		return "maximum number of PDU sessions reached", true
	case 67:
		return "insufficient resources for specific slice and DNN", true
	case 69:
		return "insufficient resources for specific slice", true
	case 71:
		return "ngKSI already in use", true
	case 73:
		return "serving network not authorized", true
	case 90:
		return "payload was not forwarded", true
	case 91:
		return "DNN not supported or not subscribed in the slice", true
	case 92:
		return "insufficient user-plane resources for the PDU session", true
	case 95:
		return "semantically incorrect message", true
	case 96:
		return "invalid mandatory information", true
	case 97:
		return "message type non-existent or not implemented", true
	case 98:
		return "message type not compatible with the protocol state", true
	case 99:
		return "information element non-existent or not implemented", true
	case 100:
		return "conditional IE error", true
	case 101:
		return "message not compatible with the protocol state", true
	case 111:
		return "protocol error, unspecified", true
	}
	return "", false
}

func gmmCauseName(c uint8) string {
	return causeName("5GMM", c, first(gmmCause(c)))
}

// gsmCause names the 5GSM causes most often seen.
//
// Spec: TS 24.501 §9.11.4.2 Table 9.11.4.2.1
func gsmCause(k uint8) (string, bool) {
	switch k {
	case 8:
		return "operator determined barring", true
	case 26:
		return "insufficient resources", true
	case 27:
		return "missing or unknown DNN", true
	case 28:
		return "unknown PDU session type", true
	case 29:
		return "user authentication or authorization failed", true
	case 31:
		return "request rejected, unspecified", true
	case 32:
		return "service option not supported", true
	case 33:
		return "requested service option not subscribed", true
	case 35:
		return "PTI already in use", true
	case 36:
		return "regular deactivation", true
	case 37:
		return "5GS QoS not accepted", true
	case 38:
		return "network failure", true
	case 39:
		return "reactivation requested", true
	case 43:
		return "invalid PDU session identity", true
	case 46:
		return "out of LADN service area", true
	case 47:
		return "PTI mismatch", true
	case 50:
		return "PDU session type IPv4 only allowed", true
	case 51:
		return "PDU session type IPv6 only allowed", true
	case 54:
		return "PDU session does not exist", true
	case 57:
		return "PDU session type IPv4v6 only allowed", true
	case 58:
		return "PDU session type Unstructured only allowed", true
	case 59:
		return "unsupported 5QI value", true
	case 61:
		return "PDU session type Ethernet only allowed", true
	case 67:
		return "insufficient resources for specific slice and DNN", true
	case 68:
		return "not supported SSC mode", true
	case 69:
		return "insufficient resources for specific slice", true
	case 70:
		return "missing or unknown DNN in a slice", true
	case 81:
		return "invalid PTI value", true
	case 95:
		return "semantically incorrect message", true
	case 96:
		return "invalid mandatory information", true
	case 97:
		return "message type non-existent or not implemented", true
	case 98:
		return "message type not compatible with the protocol state", true
	case 99:
		return "information element non-existent or not implemented", true
	case 100:
		return "conditional IE error", true
	case 101:
		return "message not compatible with the protocol state", true
	case 111:
		return "protocol error, unspecified", true
	}
	return "", false
}

func gsmCauseName(c uint8) string {
	return causeName("5GSM", c, first(gsmCause(c)))
}

func causeName(kind string, c uint8, name string) string {
	s := kind + " cause #" + strconv.Itoa(int(c))
	if name != "" {
		s += " " + name
	}
	return s
}

// ngapMessage names the messages of the UE-associated NGAP procedures:
// initiating message, successful outcome, unsuccessful outcome.
//
// Spec: TS 38.413 §9.4.4 (PDU definitions), §8.1 (elementary procedures)
func ngapMessage(k n2.ProcedureCode) ([3]string, bool) {
	switch k {
	case n2.ProcInitialUEMessage:
		return [3]string{"InitialUEMessage"}, true
	case n2.ProcDownlinkNASTransport:
		return [3]string{"DownlinkNASTransport"}, true
	case n2.ProcUplinkNASTransport:
		return [3]string{"UplinkNASTransport"}, true
	case n2.ProcNASNonDeliveryIndication:
		return [3]string{"NASNonDeliveryIndication"}, true
	case n2.ProcRerouteNASRequest:
		return [3]string{"RerouteNASRequest"}, true
	case n2.ProcInitialContextSetup:
		return [3]string{"InitialContextSetupRequest", "InitialContextSetupResponse", "InitialContextSetupFailure"}, true
	case n2.ProcUEContextRelease:
		return [3]string{"UEContextReleaseCommand", "UEContextReleaseComplete"}, true
	case n2.ProcUEContextReleaseRequest:
		return [3]string{"UEContextReleaseRequest"}, true
	case n2.ProcUEContextModification:
		return [3]string{"UEContextModificationRequest", "UEContextModificationResponse", "UEContextModificationFailure"}, true
	case n2.ProcUEContextSuspend:
		return [3]string{"UEContextSuspendRequest", "UEContextSuspendResponse", "UEContextSuspendFailure"}, true
	case n2.ProcUEContextResume:
		return [3]string{"UEContextResumeRequest", "UEContextResumeResponse", "UEContextResumeFailure"}, true
	case n2.ProcPDUSessionResourceSetup:
		return [3]string{"PDUSessionResourceSetupRequest", "PDUSessionResourceSetupResponse"}, true
	case n2.ProcPDUSessionResourceRelease:
		return [3]string{"PDUSessionResourceReleaseCommand", "PDUSessionResourceReleaseResponse"}, true
	case n2.ProcPDUSessionResourceModify:
		return [3]string{"PDUSessionResourceModifyRequest", "PDUSessionResourceModifyResponse"}, true
	case n2.ProcPDUSessionResourceModifyIndication:
		return [3]string{"PDUSessionResourceModifyIndication", "PDUSessionResourceModifyConfirm"}, true
	case n2.ProcPDUSessionResourceNotify:
		return [3]string{"PDUSessionResourceNotify"}, true
	case n2.ProcErrorIndication:
		return [3]string{"ErrorIndication"}, true
	case n2.ProcUERadioCapabilityInfoIndication:
		return [3]string{"UERadioCapabilityInfoIndication"}, true
	case n2.ProcUERadioCapabilityCheck:
		return [3]string{"UERadioCapabilityCheckRequest", "UERadioCapabilityCheckResponse"}, true
	case n2.ProcPathSwitchRequest:
		return [3]string{"PathSwitchRequest", "PathSwitchRequestAcknowledge", "PathSwitchRequestFailure"}, true
	case n2.ProcHandoverPreparation:
		return [3]string{"HandoverRequired", "HandoverCommand", "HandoverPreparationFailure"}, true
	case n2.ProcHandoverResourceAllocation:
		return [3]string{"HandoverRequest", "HandoverRequestAcknowledge", "HandoverFailure"}, true
	case n2.ProcHandoverNotification:
		return [3]string{"HandoverNotify"}, true
	case n2.ProcHandoverCancel:
		return [3]string{"HandoverCancel", "HandoverCancelAcknowledge"}, true
	case n2.ProcPaging:
		return [3]string{"Paging"}, true
	case n2.ProcLocationReportingControl:
		return [3]string{"LocationReportingControl"}, true
	case n2.ProcLocationReport:
		return [3]string{"LocationReport"}, true
	case n2.ProcRRCInactiveTransitionReport:
		return [3]string{"RRCInactiveTransitionReport"}, true
	case n2.ProcSecondaryRATDataUsageReport:
		return [3]string{"SecondaryRATDataUsageReport"}, true
	case n2.ProcUETNLABindingRelease:
		return [3]string{"UETNLABindingReleaseRequest"}, true
	case n2.ProcTraceStart:
		return [3]string{"TraceStart"}, true
	case n2.ProcDeactivateTrace:
		return [3]string{"DeactivateTrace"}, true
	}
	return [3]string{}, false
}

// ngapMessageName names the NGAP message of procedure p and type t.
func ngapMessageName(p n2.ProcedureCode, t n2.MessageType) string {
	if m, ok := ngapMessage(p); ok && int(t) < len(m) && m[t] != "" {
		return m[t]
	}
	return p.String() + " " + t.String()
}

// ngapCauseName names an NGAP cause by group and value index.
//
// Spec: TS 38.413 §9.3.1.2
func ngapCauseName(c n2.Cause) string { return "cause " + c.String() }

// first is the first of a value and its ok.
func first[T any](v T, _ bool) T { return v }
