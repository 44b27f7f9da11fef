// Package nssf is go5g's Network Slice Selection Function:
// Nnssf_NSSelection Get (TS 29.531 §5.2.2.2) for the two uses go5g has.
// SelectForRegistration gives the AMF the allowed NSSAI of a registering
// UE (requested ∩ subscribed ∩ supported in the TA, else the default
// subscribed S-NSSAIs; TS 23.501 §5.15.5.2.1), the S-NSSAIs rejected in
// the PLMN or in the TA, and the configured NSSAI when the UE needs it.
// SelectForPDUSession gives the network slice instance of a PDU session:
// NSI id, NRF, and the SMF and UPF sets serving it.
//
// What is supported where is configuration (Config): S-NSSAIs per TAI
// and slice instances per S-NSSAI and DNN. The NSSF holds no mutable
// state. Errors are *problem.Error: 403 SNSSAI_NOT_SUPPORTED (TS 29.531
// Table 6.1.7.3-1) and TS 29.500's query parameter causes for malformed
// input.
//
// Not done: Nnssf_NSSAIAvailability (AMFs reporting their S-NSSAIs per
// TA, subscriptions); roaming S-NSSAI mapping (HPLMN values are used
// as they are); the UE configuration update and PDN connection variants
// of Get; NSSRG, NSAG, network slice admission control, candidate AMF
// lists (only a configured target AMF set); SNPNs (NID).
package nssf
