// Package ausf is go5g's Authentication Server Function:
// Nausf_UEAuthentication (TS 29.509) for 5G-AKA and EAP-AKA' (TS 33.501
// §6.1.3). Authenticate starts an authentication with a vector from the
// UDM and keeps its state (XRES*, or the EAP-AKA' keys) in an
// authentication context; Confirm5GAKA and EAPSession finish it and hand
// the SEAF the anchor key KSEAF and the SUPI.
//
// Authentication contexts live in memory, in one map behind a mutex: each
// is used by one confirmation (or one EAP exchange) and expires after
// Config.ContextTTL. Expiry costs no goroutine or timer: contexts are kept
// in creation order, which with one TTL is expiry order, and every new
// authentication first drops the expired ones at the front. Config.
// MaxContexts bounds the memory; past it Authenticate answers 503
// NF_CONGESTION.
//
// UEAuthenticationCtx.Var5gAuthData holds a models.Ausf_UEAU_Av5gAka for
// 5G_AKA and the base64 EAP packet (a string) for EAP_AKA_PRIME, the two
// members of the OpenAPI oneOf. Links names the context: ContextID extracts
// the id a consumer passes back.
//
// Not done yet: Nudm_UEAuthentication ResultConfirmation towards the UDM
// (TS 33.501 §6.1.4), EAP-AKA' result indications (AT_RESULT_IND) and
// notifications, deregistration of authentication contexts (Delete).
package ausf
