// Package udm is go5g's Unified Data Management for registration: the
// Nudm_UEAuthentication Get operation with its SIDF (SUCI de-concealment)
// and ARPF (5G-AKA and EAP-AKA' vectors, SQN re-synchronisation), the
// Nudm_SDM Get of the data sets an AMF needs, and the Nudm_UECM
// registration of the serving AMF for 3GPP access (TS 29.503).
//
// The UDM keeps no subscriber state of its own: everything is read from or
// written to the UDR (its Deps), which steps SQN atomically in the store.
// Errors are *problem.Error with the causes of TS 29.503.
//
// Not done yet: Nudm_UEAuthentication ResultConfirmation (authentication
// events), Nudm_SDM Subscribe/Notify, SMF and SMSF registrations,
// non-3GPP access and SUCIs of the NAI (network specific identifier) form.
package udm
