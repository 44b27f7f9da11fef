package problem

import "net/http"

// Application error causes go5g's NFs use, with the status each goes with.
//
// Spec: TS 29.500 §5.2.7.2 (Table 5.2.7.2-1, causes common to all APIs),
// TS 29.503 §6.1.7.3, §6.2.7.3, §6.3.7.3 (Nudm), TS 29.504 §6.1.7.3 (Nudr),
// TS 29.509 §6.1.7.3 (Nausf)
const (
	// TS 29.500: any API.
	MandatoryIEIncorrect = "MANDATORY_IE_INCORRECT" // 400
	MandatoryIEMissing   = "MANDATORY_IE_MISSING"   // 400
	SystemFailure        = "SYSTEM_FAILURE"         // 500
	NFCongestion         = "NF_CONGESTION"          // 503
	TimedOutRequest      = "TIMED_OUT_REQUEST"      // 504

	// TS 29.503 / 29.504: subscriber data.
	UserNotFound    = "USER_NOT_FOUND"    // 404
	DataNotFound    = "DATA_NOT_FOUND"    // 404
	ContextNotFound = "CONTEXT_NOT_FOUND" // 404

	// TS 29.503 Nudm_UEAuthentication and TS 29.509 Nausf_UEAuthentication.
	AuthenticationRejected       = "AUTHENTICATION_REJECTED"          // 403
	ServingNetworkNotAuthorized  = "SERVING_NETWORK_NOT_AUTHORIZED"   // 403
	InvalidHNPublicKeyIdentifier = "INVALID_HN_PUBLIC_KEY_IDENTIFIER" // 403
	InvalidSchemeOutput          = "INVALID_SCHEME_OUTPUT"            // 403
	UnsupportedProtectionScheme  = "UNSUPPORTED_PROTECTION_SCHEME"    // 501

	// TS 29.503 Nudm_UEContextManagement.
	InvalidGUAMI = "INVALID_GUAMI" // 403
)

// Status is the HTTP status the specification gives cause; 500 for a cause
// this package does not know.
func Status(cause string) int {
	switch cause {
	case MandatoryIEIncorrect, MandatoryIEMissing:
		return http.StatusBadRequest
	case AuthenticationRejected, ServingNetworkNotAuthorized, InvalidHNPublicKeyIdentifier,
		InvalidSchemeOutput, InvalidGUAMI:
		return http.StatusForbidden
	case UserNotFound, DataNotFound, ContextNotFound:
		return http.StatusNotFound
	case UnsupportedProtectionScheme:
		return http.StatusNotImplemented
	case NFCongestion:
		return http.StatusServiceUnavailable
	case TimedOutRequest:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}
