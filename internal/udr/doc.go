// Package udr is go5g's Unified Data Repository: the subset of
// Nudr_DataRepository (TS 29.504, subscription data per TS 29.505) that the
// UDM needs to authenticate and register UEs, over go5g/internal/store.
//
// It serves:
//   - the authentication subscription (K, OPc, AMF field, SQN, method);
//   - SQN steps and re-synchronisation as single atomic store operations.
//     TS 29.505 lets the UDM read the subscription and PATCH the new SQN
//     back; two AMF workers doing that at once could hand out one SQN
//     twice, so the counter moves only inside the database;
//   - access and mobility subscription data (S-NSSAIs, DNNs, UE-AMBR) and
//     SMF selection subscription data;
//   - the AMF registration for 3GPP access (context data);
//   - the SUCI home network private keys, by scheme and key identifier,
//     from an in-memory snapshot: a new key is used at once (a miss
//     reloads), a deleted one within Config.KeyCacheTTL (5 s by default),
//     or at once after InvalidateHomeNetworkKeys (the REST API calls it).
//
// Limitation: AMF registrations (context data) are kept in this process's
// memory, not in the store, until the store has a table for them. They are
// lost when the core restarts (AMFs re-register UEs as they come back) and
// are not shared with other processes, so one UDR instance per store.
package udr
