// Package amf is go5g's Access and Mobility Management Function: it
// terminates N2 (NGAP over SCTP) from gNBs and N1 (NAS-5GS) from UEs, is
// the SEAF of primary authentication, and keeps each UE's registration and
// NAS security context.
//
// # Shape
//
// New(cfg, deps) checks the configuration; Run(ctx) listens on N2. The home
// network NFs are reached through the small AUSF and UDM interfaces of
// Deps (Go calls in process, SBI later).
//
// One reader goroutine per SCTP association (ran.go) decodes each NGAP PDU
// once. It handles non-UE-associated signalling itself (NG Setup, NG
// Reset, Error Indication) and hands UE-associated signalling to the UE's
// worker. Workers (worker.go) are a fixed number of shards; each owns its
// UEs' contexts and handles their events one at a time: NGAP and NAS,
// answers from the AUSF and UDM (called from short-lived goroutines, so a
// worker never waits on the network), timer expiries (timers only post
// events) and association loss. A UE's shard is fixed at its first contact
// and every identifier it is given later maps back to it: AMF UE NGAP IDs
// are allocated as n·shards+shard and 5G-TMSIs ≡ shard (mod shards), so a
// later Initial UE Message with the UE's 5G-S-TMSI reaches the same worker.
// Events name the UE by AMF UE NGAP ID (and home network answers by the
// UE's call number), and the worker looks the UE up again: an event for a
// released UE, an old timer or an answer to a superseded call is dropped.
//
// The UE context is split as the specifications split it (ue.go): the
// UE-associated N2 connection, security (ngKSI, KAMF, the n1 NAS security
// context, the authentication under way), subscription (SUPI, 5G-GUTI,
// allowed NSSAI) and location. Each procedure has its own file, citing the
// clauses it implements.
//
// # Procedures
//
// NGAP (TS 38.413): NG Setup; Initial UE Message, Uplink and Downlink NAS
// Transport; Initial Context Setup (after registration and after Service
// Request); UE Context Release, AMF- and gNB-initiated (an AN release
// leaves a registered UE in CM-IDLE with its 5GMM and security context);
// NG Reset from the gNB and from the AMF (ResetRAN, all or listed
// connections); Error Indication both ways; loss of the association (its
// UEs' connections are released, those of other gNBs are untouched).
//
// 5GMM (TS 24.501): initial registration by SUCI (null scheme, Profile A
// and B) or by 5G-GUTI: one this AMF knows is authenticated by its SUPI
// without Identity, an unknown one gets Identity Request for the SUCI;
// 5G-AKA and EAP-AKA' with the AUSF, including re-synchronisation after a
// synch failure, MAC failure and RES* mismatch (Authentication Reject);
// Security Mode Control with NEA/NIA chosen by configured preference
// (never NIA0); Registration Accept in Initial Context Setup with KgNB;
// Registration Complete; mobility and periodic registration updates of a
// registered UE, checked with its current NAS security context (no new
// AKA), with a new 5G-GUTI each time (update.go); Service Request from
// CM-IDLE with Service Accept in Initial Context Setup, KgNB from the
// request's uplink NAS COUNT, and Service Reject #9 for an unknown
// 5G-S-TMSI or a failed integrity check (service.go); Configuration Update
// for 5G-GUTI reallocation (ReallocateGUTI); UE-originating deregistration,
// normal and switch-off, from CM-CONNECTED or CM-IDLE; network-initiated
// deregistration (Deregister), with Nudm_UECM Deregistration; Nudm_UECM
// DeregistrationNotification (DeregistrationNotify) when another AMF takes
// the UE; the rejects with their 5GMM causes; T3550, T3555, T3560, T3570
// and T3522 with retransmission and abort on the fifth expiry.
//
// Authentication policy: every initial registration runs primary
// authentication (a fresh KAMF), even by a known 5G-GUTI and even when
// its message passes the integrity check; updates and Service Requests
// reuse the current 5G NAS security context.
//
// Security of the UE context: NAS messages that fail the integrity check,
// replay a NAS COUNT, or arrive unprotected once security is established
// are dropped and counted (Stats), never acted on. An initial NAS message
// joins the context its 5G-S-TMSI names only if it passes the integrity
// check with that context; otherwise it starts a new context, which takes
// over the old one only after a successful authentication, so a forged or
// unprotected message naming a registered UE changes nothing of it.
//
// Idle mode (paging.go, reactivate.go): N1N2MessageTransfer for a UE in
// CM-IDLE keeps the SMF's PDU session setup content, answers
// ATTEMPTING_TO_REACH_UE and pages the UE (NGAP Paging with its 5G-S-TMSI
// to every gNB of its registration area), again on each T3513 expiry up to
// Config.Pagings, then notifies the SMF UE_NOT_RESPONDING; one paging per
// UE at a time. SERVICE REQUEST re-activates the user plane of the
// sessions whose SMF waits and of those in the UE's Uplink data status
// (UpdateSMContext ACTIVATING), in INITIAL CONTEXT SETUP with the PDU
// session list and UE-AMBR; its answer goes to each SMF. Sessions the UE
// reports inactive in PDU session status are released locally. SERVICE
// ACCEPT carries PDU session status and the reactivation result.
//
// Not yet: paging of UEs for network-initiated 5GMM procedures (they are
// refused or done locally), NAS transport of other N2 content to an idle
// UE, paging priority and the last-gNB-first strategies, the implicit
// deregistration of idle UEs (mobile reachable timer), requested NSSAI in
// updates (the allowed NSSAI of the initial registration is kept).
//
// An integrity protected initial REGISTRATION REQUEST or SERVICE REQUEST
// that passed the check with the UE's current context is served from the
// complete message in its ciphered NAS message container (container.go;
// TS 24.501 §4.4.6).
//
// # Overload
//
// General NAS level mobility management congestion control (overload.go,
// n2overload.go; TS 24.501 §5.3.9): calls to the AUSF and UDM in flight
// and UEs in a registration's home network part are bounded
// (Config.Overload); a registration beyond the bounds, or whose home
// network call fails from overload (503 NF_CONGESTION, 504, no answer
// within SBITimeout), gets REGISTRATION REJECT #22 with a T3346 drawn at
// random from a configured range. Other home network failures keep their
// causes (#111 for a fault, #3 or #7 for a refusal). An N2 reader never
// waits on a full worker queue: an INITIAL UE MESSAGE it cannot queue is
// answered, without a context, with REGISTRATION REJECT or SERVICE REJECT
// #22 and T3346; other PDUs are dropped and counted. Not yet: NGAP
// Overload Start towards gNBs (TS 38.413 §8.7.6), and an adaptive bound
// (the bounds are fixed numbers per worker).
//
// # Signalling trace
//
// Each UE context keeps its last 31 N2 and N1 messages (trace.go): time,
// direction, NGAP procedure and message type or NAS message type,
// security header type, and a cause or PDU session ID; never contents or
// keys. It is 8 bytes a message in one 256-byte allocation per UE,
// recorded on the send and receive paths without allocating; Trace names
// them (tracenames.go) for the console's ladder diagram.
//
// # NAS encoding
//
// The downlink messages are encoded here, directly from TS 24.501 §8.2
// (nasmsg.go); the uplink ones are decoded with free5gc/nas through n1. The
// simulated UE does the reverse, so neither end of N1 relies on one
// encoder for both directions.
package amf
