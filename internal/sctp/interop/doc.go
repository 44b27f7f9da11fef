// Package interop tests go5g's userspace SCTP (package sctp, RFC 9260 over
// UDP encapsulation, RFC 6951) against oracles that share none of its code.
// Two of our own endpoints agree with each other even when both are wrong in
// the same way: a field encoded in the wrong byte order, a chunk laid out
// against the RFC, a shutdown that only our stack completes. So this package
// holds no production code, only tests with two independent judges:
//
//   - libusrsctp (Debian's libusrsctp-dev, the stack inside Firefox and
//     Chrome's WebRTC), as a live peer: associations in both directions,
//     messages on several streams with fragmentation, graceful shutdown and
//     abort started by either side, stream negotiation. These tests need
//     gcc and the library, so they are behind the build tag usrsctp:
//     go test -race -tags usrsctp ./internal/sctp/interop
//   - Wireshark's dissectors (tshark), as a decoder of captured sessions,
//     through package pcapcheck: every expected chunk type is seen, the
//     checksums are right, nothing is malformed or flagged, and a DATA
//     packet dropped each way by a relay (a NAT, to the endpoints) is
//     reported in SACK gap blocks and retransmitted. These tests run
//     without a tag but need root, tcpdump and tshark; they skip otherwise,
//     except under CI (env CI set), where a skip would hide a regression.
//     Their test bytes travel with PPID 0, shown as plain data: with PPID
//     60 tshark would rightly call them malformed NGAP. One valid, hand-
//     encoded NGSetupRequest goes with PPID 60, so the NGAP dissector shows
//     that the PPID reached the wire in network byte order.
//
// The usrsctp peer is a small C program (testdata/usrsctp_peer.c) that the
// tests compile with gcc and drive line by line over stdin and stdout, a
// process per association, rather than cgo inside the test binary:
// usrsctp_init may run once per process and owns the UDP encapsulation
// port and its own threads, so a process per scenario gives every scenario
// a fresh stack and fresh ports, keeps usrsctp's threads and blocking calls
// out of the race detector's and the Go scheduler's way, and lets a test
// kill a hung peer at its deadline.
package interop
