package n2

import "testing"

func benchMessages() []struct {
	name string
	msg  marshaler
} {
	return []struct {
		name string
		msg  marshaler
	}{
		{"InitialUEMessage", InitialUEMessage{RANUENGAPID: 1, NASPDU: regReq, Location: loc,
			RRCCause: RRCMOSignalling, UEContextRequested: true}},
		{"UplinkNASTransport", UplinkNASTransport{AMFUENGAPID: 0x1234567, RANUENGAPID: 0x10000, NASPDU: regReq, Location: loc}},
	}
}

// BenchmarkDecode measures what the reader of an association pays per PDU: Decode
// (codec decode plus the routing scan), and Decode followed by the typed parser.
func BenchmarkDecode(b *testing.B) {
	for _, m := range benchMessages() {
		pdu := mustMarshal(m.msg)
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(pdu)))
			for b.Loop() {
				if _, err := Decode(pdu); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(m.name+"/typed", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(pdu)))
			for b.Loop() {
				p, err := Decode(pdu)
				if err != nil {
					b.Fatal(err)
				}
				switch m.msg.(type) {
				case InitialUEMessage:
					_, err = ParseInitialUEMessage(p)
				case UplinkNASTransport:
					_, err = ParseUplinkNASTransport(p)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(m.name+"/scan-only", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, val, ok, err := scanHeader(pdu)
				ids, err2 := scanIDs(val)
				if !ok || err != nil || err2 != nil || !ids.HasRAN {
					b.Fatal("scan failed")
				}
			}
		})
	}
}

// BenchmarkBuild measures Marshal of the same messages.
func BenchmarkBuild(b *testing.B) {
	for _, m := range benchMessages() {
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.msg.Marshal(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
