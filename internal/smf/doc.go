// Package smf is go5g's Session Management Function: the control plane of
// PDU sessions. The AMF consumes it as Nsmf_PDUSession (CreateSMContext,
// UpdateSMContext, ReleaseSMContext with the TS 29.502 data types of
// free5gc/openapi; the N1 SM message and N2 SM information travel beside
// them as the multipart binary parts would), and it answers the UE through
// the AMF's N1N2MessageTransfer.
//
// For each PDU session it
//   - decodes PDU SESSION ESTABLISHMENT REQUEST with free5gc/nas (through
//     n1.Decode, which recovers the library's panics) and encodes its own
//     downlink 5GSM messages from the tables of TS 24.501 §8.3 (the
//     simulated UE does the reverse, so the two ends share no encoder);
//   - reads the subscription (UDM SDM sm-data: allowed PDU session types,
//     Session-AMBR, default 5QI/ARP) and, if a PCF is configured, lets the
//     policy decision override Session-AMBR and default QoS;
//   - chooses the PDU session type per TS 24.501 §6.4.1.3 from the request,
//     the subscription and the DNN's pools (#50/#51, #28);
//   - allocates an IPv4 address and/or an IPv6 /64 prefix from the DNN's
//     pools (never twice; released addresses are reused; exhaustion is
//     5GSM cause #26), and DNS servers in ePCO;
//   - selects a UPF by DNN and slice and installs the session's rules
//     through the UPF interface (package rules: PDR, FAR, QER, URR), then
//     points the DL FAR at the gNB's tunnel once the PDU Session Resource
//     Setup Response arrives, and back to buffering on AN release;
//   - releases sessions at the UE's request, the network's (Release), or
//     locally (ReleaseSMContext), returning the addresses.
//
// N4 (pfcp.go, pfcp_ies.go). N4 is the SMF's PFCP node (a CP function on
// internal/n4) and PFCPUPF its UPF interface over PFCP: rules become
// Create/Update/Remove PDR, FAR, QER and URR IEs (F-TEID CHOOSE with the
// CH flag, MBR in kbit/s, the QFI in the QER and UL PDI, Outer Header
// Removal GTP-U/UDP/IP, Outer Header Creation GTP-U/UDP/IPv4 or IPv6, PDN
// Type); Created PDRs give the F-TEIDs the UPF chose. A rejected request
// is a *RejectError whose 5GSM cause is #26 for PFCP #74/#75 and #38
// otherwise; a UPF without an association gives #26 (*UnavailableError).
// N4 associates with every configured UPF, again after a dead peer or a
// release, and after a UPF restart (new Recovery Time Stamp) it
// re-establishes every session with the rules it last sent and the
// F-TEIDs the UPF had chosen, so the gNB's tunnels stay valid.
//
// Idle mode (paging.go, pfcpreport.go): a Downlink Data Report from the
// UPF for a session whose user plane is deactivated makes the SMF send the
// PDU Session Resource Setup Request Transfer through the AMF (which pages
// the UE), once per report while that is under way; the gNB's new tunnel
// (PDU_RES_SETUP_RSP) turns the DL FAR back to forwarding and the UPF
// sends what it buffered, in order. When the AMF cannot reach the UE
// (N1N2TransferFailureNotification) the buffer is discarded and the
// report re-armed. UpdateSMContext with upCnxState ACTIVATING (a
// UE-triggered Service Request) answers the same transfer
// (UpdateSMContextN2).
//
// QoS flows and modification (qosflow.go, policy.go, modify.go,
// timers.go): each GBR PCC rule of the PCF's decision becomes a QoS flow
// besides the default one (QFI 2 and up): a QoS rule with its packet
// filters and a QoS flow description (5QI, GFBR, MFBR) for the UE, a GBR
// QoS flow for the gNB, and on N4 a UL and a DL PDR with the SDF filters
// (the UL ones share the session's F-TEID) and a QER with MBR, GBR and
// the QFI. A new PCF decision (SMPolicyUpdateNotify) or a UE's PDU
// SESSION MODIFICATION REQUEST starts a modification: COMMAND with the
// Session-AMBR and the QoS rule and flow operations, the Modify Request
// Transfer when the user plane is active, the UPF changed once the gNB
// answered (or the UE completed, or T3591 gave up). T3591 and T3592
// retransmit the modification and release commands four times. The SM
// policy association is deleted with the session. Non-GBR PCC rules stay
// on the default flow; UE-requested QoS (requested QoS rules) is refused
// with #37; packet filters with port lists are not translated.
//
// Not done yet: usage reports for charging, secondary authentication,
// SSC modes 2 and 3 and extended buffering at the SMF.
//
// Spec: TS 23.502 §4.3.2, §4.3.3.2, §4.3.4, §4.2.6; TS 24.501 §6.3.2,
// §6.4; TS 29.502; TS 29.512 §4.2.3; TS 29.244 §5.2
package smf
