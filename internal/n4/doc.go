// Package n4 is the PFCP node layer of the N4 reference point (TS 29.244):
// what a CP function (the SMF) and a UP function (the UPF) share below their
// session logic.
//
// github.com/wmnsk/go-pfcp gives the messages and information elements:
// typed structs, constructors, Marshal and Parse. It has no notion of a
// node, a peer, a transaction or an association, so this package adds them:
//
//   - A Node bound to a UDP socket (port 8805, TS 29.244 §4.2) with its Node
//     ID and Recovery Time Stamp (§19.2).
//   - Transactions (§6.4, §7.6): 24-bit sequence numbers, a per-peer table of
//     outstanding requests, retransmission every T1 up to N1 times and then a
//     *TimeoutError; responses matched by sequence number and peer; a
//     retransmitted request answered with the cached response of the first
//     copy, without running the handler again; unsolicited responses dropped.
//   - Error handling (§7.6): every decode is bounded by the header's length
//     and guarded by recover (the library indexes slices from peer input);
//     a wrong version gets a Version Not Supported Response (§7.6.2); an
//     unknown message type is discarded (§7.6.4); a request that needs an
//     association from a node without one is rejected with cause #72
//     "No established PFCP Association" (§6.2.6.1). Each case is counted in
//     Stats and none stops the node.
//   - Associations (§6.2.6 setup from either side, §6.2.7 update, §6.2.8
//     release), heartbeats (§6.2.2) while the peer is idle, a dead peer after
//     missed heartbeats, and peer restart detection by a changed Recovery
//     Time Stamp (§19.2), each reported through Events so the SMF can
//     re-establish its sessions.
//   - Sessions: local SEIDs (unique, never 0), session requests routed by the
//     header SEID to the Session's handler, and Session.Request for the
//     session procedures. What the rules inside a session mean (PDR, FAR,
//     QER, URR) is the UPF's and SMF's business, not this package's.
//
// Ordering: one goroutine reads the socket; requests from one peer are
// handled one at a time, in arrival order, by that peer's worker (never a
// goroutine per packet); responses are matched on the reader, so a handler
// may itself send a request and wait for its answer.
//
// Things in go-pfcp v0.0.24 this package works around, found while writing
// it: Header.UnmarshalBinary ignores the Message Length field (it always
// takes the rest of the datagram), so the node cuts each message to its
// length itself, which also gives message bundling (§6.5, the FO flag);
// Header.Version always returns 1, so the version is read from the first
// octet; Header.SetMP sets the FO bit instead of the MP bit, so this package
// never calls it; and message.Parse logs unknown message types to a
// package-level logger, so unknown types are filtered out before it.
package n4
