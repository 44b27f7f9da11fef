package n2

import (
	"encoding/binary"
	"hash/crc32"
	"os"
)

// writePCAP writes each payload as one SCTP DATA chunk (PPID 60, NGAP) in its own
// SCTP packet, carried over UDP to port 9899 (RFC 6951) in IPv4 in Ethernet, so that
// tshark can dissect it with `-d udp.port==9899,sctp`. Test helper only.
func writePCAP(path string, payloads [][]byte) error {
	// Spec: pcap file format (libpcap): global header, then per record a 16-octet header.
	out := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4) // magic, microsecond timestamps
	out = binary.LittleEndian.AppendUint16(out, 2)           // version 2.4
	out = binary.LittleEndian.AppendUint16(out, 4)
	out = binary.LittleEndian.AppendUint32(out, 0)     // thiszone
	out = binary.LittleEndian.AppendUint32(out, 0)     // sigfigs
	out = binary.LittleEndian.AppendUint32(out, 65535) // snaplen
	out = binary.LittleEndian.AppendUint32(out, 1)     // LINKTYPE_ETHERNET
	for i, p := range payloads {
		frame := ethernetFrame(sctpOverUDP(p, uint32(i+1)))
		out = binary.LittleEndian.AppendUint32(out, uint32(i+1)) // ts_sec
		out = binary.LittleEndian.AppendUint32(out, 0)           // ts_usec
		out = binary.LittleEndian.AppendUint32(out, uint32(len(frame)))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(frame)))
		out = append(out, frame...)
	}
	return os.WriteFile(path, out, 0o644)
}

// sctpOverUDP builds an SCTP packet with one DATA chunk carrying payload.
//
// Spec: RFC 9260 §3.1 (common header), §3.3.1 (DATA), appendix A (CRC32c, stored so
// that the first octet on the wire is the least significant one); TS 38.412 §7 (PPID 60)
func sctpOverUDP(payload []byte, tsn uint32) []byte {
	pad := (4 - len(payload)%4) % 4
	b := make([]byte, 12, 12+16+len(payload)+pad)
	binary.BigEndian.PutUint16(b[0:], 38412)      // source port
	binary.BigEndian.PutUint16(b[2:], 38412)      // destination port
	binary.BigEndian.PutUint32(b[4:], 0x5a5a5a5a) // verification tag
	chunk := []byte{0, 0x03}                      // type DATA, flags B|E (unfragmented)
	chunk = binary.BigEndian.AppendUint16(chunk, uint16(16+len(payload)))
	chunk = binary.BigEndian.AppendUint32(chunk, tsn)
	chunk = binary.BigEndian.AppendUint16(chunk, 1) // stream: UE-associated signalling uses a non-zero stream
	chunk = binary.BigEndian.AppendUint16(chunk, uint16(tsn-1))
	chunk = binary.BigEndian.AppendUint32(chunk, 60) // PPID NGAP
	b = append(append(append(b, chunk...), payload...), make([]byte, pad)...)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))

	// UDP (RFC 768); checksum 0 = none, allowed over IPv4.
	udp := make([]byte, 8, 8+len(b))
	binary.BigEndian.PutUint16(udp[0:], 9899)
	binary.BigEndian.PutUint16(udp[2:], 9899)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(b)))
	return append(udp, b...)
}

// ethernetFrame wraps a UDP datagram in IPv4 (127.0.0.1 → 127.0.0.2) and Ethernet.
func ethernetFrame(udp []byte) []byte {
	ip := []byte{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(udp)))
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	eth := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00}
	return append(append(eth, ip...), udp...)
}
