// Package n3 is the GTP-U codec (TS 29.281 with the PDU Session Container of
// TS 38.415) and the batch socket layer of the user-plane fast path on N3/N9.
//
// Why our own codec rather than a library: every user packet crosses it
// twice, so parsing and marshalling must not allocate, and the decoded
// packet must point into the receive buffer instead of copying the T-PDU
// (DESIGN.md, "GTP-U fast path"). Parse therefore fills a caller-owned
// struct whose extension headers live in a fixed array and whose byte
// slices alias the input; Header.MarshalHeaderTo writes a header into the
// headroom in front of a payload that is already in place.
//
// The API follows wmnsk/go-gtp: structs with MarshalLen, MarshalTo and
// Parse. Every malformed input returns one of the sentinel errors below
// (wrapped with detail where it helps) so the UPF can count drops by cause
// with errors.Is; no input panics.
//
// The socket layer (Conn) reads and writes batches with recvmmsg/sendmmsg
// into preallocated buffers; see conn.go for why Linux does not go through
// golang.org/x/net's ReadBatch.
package n3
