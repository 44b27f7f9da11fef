// Package n2 is the NGAP message layer (TS 38.413) shared by the AMF and the
// simulated gNB: a Decode that never panics, routing information for the single
// reader of an SCTP association, the Error Indication a receiver owes for what it
// cannot decode (§10), and builders and typed parsers for the procedures go5g runs.
// It knows nothing of SCTP: a PDU here is the payload of one DATA chunk with PPID 60.
//
// # Codec
//
// ASN.1 ALIGNED PER is done by github.com/free5gc/ngap v1.2.0, through its
// `message` and `ie` packages. Its older API (ngapType structs encoded by reflection
// with github.com/free5gc/aper, via ngap.Decoder/Encoder) is no longer in v1.2.0,
// which carries its own generated `aper` package instead; so github.com/free5gc/aper
// is not needed by this package. The new API is the better one anyway:
//   - cleaner: one struct per message with typed, named IE fields; CHOICEs as Go
//     interfaces; decode errors typed after §10 (ie.TransferSyntaxErr,
//     ie.AbstractSyntaxErr with the IE id and criticality), which is what an Error
//     Indication needs, instead of strings from a reflection walk;
//   - faster: generated code calls the bit reader directly. On this (shared,
//     2-core) machine, for the same Initial UE Message bytes, Decode takes about
//     3 µs, 1000 B and 70 allocations, where v1.1.3's ngap.Decoder took about 10 µs,
//     2350 B and 116; building one takes 1.6 µs and 34 allocations against 9 µs
//     and 171 for v1.1.3's ngap.Encoder. See BenchmarkDecode and BenchmarkBuild.
//
// It is not reflection-based any more, but a profile shows where the time goes:
// nearly all of Decode is the codec, and half of its allocated bytes come from its
// bit reader (a new slice per field read); the routing scan below costs 40-90 ns
// and no allocation. Failures build stack-traced errors (github.com/pkg/errors), so
// malformed input costs more than good input.
//
// Codec behaviour this package works around, found by its tests:
//   - the decoder does not check INTEGER ranges (an AMF UE NGAP ID of 2^40, sent
//     in 6 octets, decodes): Decode checks the UE NGAP IDs itself and the typed
//     parsers check every integer they return; other INTEGER IEs reach Msg as sent;
//   - the encoder does not enforce SEQUENCE OF lower bounds and writes a corrupt
//     length for an empty list: builders check every list size first (checkCount);
//   - it cannot encode a SEQUENCE OF longer than 16383 items, which caps an NG Reset
//     list below the spec's 65536;
//   - ie.AbstractSyntaxErr.GetCause fails for "wrong order or too many
//     occurrences"; that case is mapped here (§10.3.6);
//   - on re-encoding it writes each procedure's own criticality, not the received one;
//   - unknown IEs of criticality "notify" are skipped like "ignore" (no report).
//
// # Routing
//
// Decode reads the NGAP-PDU header and the UE NGAP IDs itself from the wire (see
// scan.go), independently of the codec. Routing therefore works the same for every
// message type, known to this package or not, and for PDUs the codec rejects, whose
// IDs the Error Indication must echo (§8.7.5.2).
package n2
