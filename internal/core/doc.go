// Package core runs every NF of go5g in one process, the `go5g core` mode:
// the store, UDR, UDM, AUSF, AMF, SMF, PCF and NSSF, calling each other
// through the Go interfaces of their Deps (no HTTP inside), and a UPF
// (internal/upfnode, as `go5g upf` runs it) that the SMF reaches over real
// PFCP on loopback (smf.N4).
//
// One YAML file configures it (Config, Load). Every key has a default, so
// the core runs with no file at all: PLMN 001/01, TAC 1, slice SST 1, N2 on
// port 38412 with transport auto, and the store go5g-data/go5g.db, the same
// file `go5g subscriber` and `go5g keys` use without flags. The AUSF and
// UDM serve the one home PLMN of the file. The SMF serves DNN "internet"
// (UE pools 10.45.0.0/16 and fd00:45::/48) through the embedded UPF, whose
// TUN routes exactly the pools of the DNNs it serves. A key the core does
// not know is an error, never ignored.
//
// The user plane needs root (a TUN). Without it the core still serves
// signalling: it logs "user plane off: <why>" once, the start line says
// user_plane="off: ...", and the SMF rejects PDU session requests with
// 5GSM cause #26 "insufficient resources" (TS 24.501 §6.4.1.4.2, Annex B),
// the cause it also gives when no UPF serves a DNN, rather than #38
// "network failure": nothing failed, the network has no user plane
// resource to give. The NSSF is built from the AMF's TACs and slices; the
// AMF does not consult it yet. The SMF does not update or delete its SM
// policy associations with the PCF yet.
//
// Errors name the field by its full YAML path and, when loaded from a file,
// its line ("core.yaml:7: amf.n2.transport: ..."): the decoder runs with
// KnownFields, and each decoder or Validate message is mapped back to the
// key it is about through an index of the parsed file.
//
// Run resolves transport auto itself (kernel SCTP when the kernel has it,
// else SCTP over UDP) and hands the listener to the AMF, so the one start
// line can say which transport was chosen and why, next to the bound N2
// address and the SUCI home network keys in the store (scheme and id only).
//
// Dependency: go.yaml.in/yaml/v3, the maintained YAML v3 decoder; the
// standard library has none, and it gives line numbers and KnownFields.
package core
