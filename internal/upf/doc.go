// Package upf is the User Plane Function: the PFCP session rules of
// TS 29.244 §5.2 (PDR, FAR, QER, URR, BAR), the packet path between N3
// (GTP-U, internal/n3) and N6 (a TUN device, internal/tun), and the N4
// glue that turns the SMF's PFCP session requests into rules.
//
// Rules. A Session holds its rules as one immutable ruleSet behind an
// atomic pointer: the N4 handler builds a new version (PDRs compiled with
// pointers to their FAR, QERs and URRs, sorted by precedence) and swaps
// it in; a packet loads the pointer once and never takes a session lock.
// Meter state (QER token buckets, URR counters) lives outside the version
// so it survives modifications that do not change it.
//
// Lookup. Uplink packets find their session by local TEID, downlink
// packets by the destination UE address (IPv6 by /64 prefix), each in a
// table of 64 shards, every shard an immutable map behind an atomic
// pointer, copied on write by the control plane (see table.go). The PDR is
// then the first of the session's PDRs, in precedence order, whose PDI
// matches: TEID and QFI (UL), UE address, SDF filters.
//
// Workers. One Worker per core owns an N3 socket (ListenN3 opens them
// with SO_REUSEPORT), a TUN queue and scratch buffers; its per-packet
// functions Uplink and Downlink do not allocate (TestZeroAlloc). Uplink
// reads batches (recvmmsg) and writes one packet per TUN write(2) (a TUN
// without virtio headers takes no more). Downlink takes a burst per
// wake-up (tun.Queue.ReadBatch: one blocking read, then what the queue
// holds, up to DLBatch) and sends its GTP-U datagrams with one sendmmsg.
// Counters are per worker and per session, drops by cause (DropCause);
// the worker's packet and octet counts have one writer per direction and
// take no locked instruction (see Worker).
//
// Performance (perf_test.go, bench_test.go). On the machine this was
// written on, the rule work is ~0.1-0.15 µs a packet; the system calls
// around it cost ten times that: a TUN write runs the kernel's IP input
// for the packet inside the write, so the I/O benchmarks, not the
// in-memory ones, say what a core forwards.
//
// IPv6. The UPF is the UE's IPv6 router (ra.go): it sends Router
// Advertisements of the session's /64 (the DL PDR's UE IP address) when
// the DL FAR starts forwarding to the gNB, and answers Router
// Solicitations, which never reach N6 (TS 29.061 §11.2.1.3.2).
//
// Limits chosen here: MBR buckets hold 50 ms at the rate (at least 3,000
// octets, see meter.go); a session buffers at most 128 packets and
// 192 KiB (a BAR's Suggested Buffering Packets Count may lower the count);
// time thresholds are checked every second. When a FAR turns from BUFF to
// FORW the buffer leaves oldest first, and packets of the same PDR that
// arrive meanwhile queue behind it (order.go), so the UE gets them in order.
//
// N4. n4.go (the only file that uses internal/n4) answers Session
// Establishment, Modification and Deletion and sends Session Report
// Requests; pfcp.go translates go-pfcp IEs to rules and back. Supported
// in modifications: create/update/remove of PDR, FAR, QER, URR and BAR,
// and the PFCPSMReq-Flags DROBU and QAURR.
//
// Not supported yet (rejected or ignored, never crashing): predefined
// rules, Ethernet PDUs, duplication, N9 and uplink PDRs without outer
// header removal (N3 G-PDUs are always decapsulated), quotas, periodic
// reporting, Query URR IEs, End Marker (SNDEM), Error Indications received
// from a gNB (counted, not reported to the SMF).
package upf
