// Package pcf is go5g's Policy Control Function for PDU sessions:
// Npcf_SMPolicyControl Create, Update and Delete (TS 29.512 §4.2.2,
// §4.2.4, §4.2.5) as CreateSMPolicy, UpdateSMPolicy and DeleteSMPolicy. Given the SMF's SmPolicyContextData (SUPI, PDU session
// id, DNN, S-NSSAI, and the subscribed session AMBR and default QoS the
// SMF read from the UDM) it decides an SmPolicyDecision: one session rule
// with the authorized session AMBR and default QoS (5QI, ARP, priority
// level), and PCC rules with their QoS data decisions.
//
// Operator policy is configuration: an ordered list of Policy values
// matched on DNN, S-NSSAI, a SUPI range and internal groups; the first
// match may replace the session AMBR and default QoS and adds its PCC
// rules (for example a GBR flow of 5QI 1 for "permit out 17 from any to
// assigned 5000-5010"). Config.Validate checks 5QIs against TS 23.501
// Table 5.7.4-1, GBR <= MBR, ARP ranges, packet filters and BitRate
// strings (ParseBitRate, TS 29.571 §5.5.2) and names the bad field.
//
// Associations, one per (SUPI, PDU session id) (PolicyID), live in memory
// behind one mutex. Errors are *problem.Error with the causes of TS 29.512
// §5.7.3 (ERROR_INITIAL_PARAMETERS, ERROR_TRIGGER_EVENT) or TS 29.500.
//
// SetPolicies replaces the policies at runtime (notify.go): every
// association is decided again and the SMF of each one whose decision
// changed is told with Npcf_SMPolicyControl_UpdateNotify (TS 29.512
// §4.2.3) at the notification URI it gave, removed PCC rules as null.
//
// Not done: Npcf_AMPolicyControl and Npcf_UEPolicyControl (AMF and UE
// policies); Npcf_PolicyAuthorization (AF sessions); charging, usage monitoring,
// traffic steering and conditional rules; the UDR's policy data
// (Nudr_DR, TS 29.519). UpdateSMPolicy handles only the SE_AMBR_CH and DEF_QOS_CH
// triggers.
package pcf
