package n1

import (
	"fmt"
	"testing"
)

func BenchmarkMAC(b *testing.B) {
	msg := make([]byte, 64)
	for ia := NIA1; ia <= NIA3; ia++ {
		b.Run(fmt.Sprintf("%v/64B", ia), func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := MAC(ia, testKInt, 1, 1, Uplink, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for ea := NEA1; ea <= NEA3; ea++ {
		b.Run(fmt.Sprintf("%v/64B", ea), func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := Encrypt(ea, testKEnc, 1, 1, Uplink, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkProtectUnprotect(b *testing.B) {
	for _, a := range []struct {
		ea CipherAlg
		ia IntegrityAlg
	}{{NEA1, NIA1}, {NEA2, NIA2}, {NEA3, NIA3}} {
		b.Run(fmt.Sprintf("%v+%v", a.ea, a.ia), func(b *testing.B) {
			cfg := SecurityConfig{Send: Downlink, Access: Access3GPP, Cipher: a.ea, Integrity: a.ia, KNASenc: testKEnc, KNASint: testKInt}
			amf, _ := NewSecurityContext(cfg)
			cfg.Send = Uplink
			ue, _ := NewSecurityContext(cfg)
			for b.Loop() {
				p, err := amf.Protect(plainDL, HeaderIntegrityCiphered)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := ue.Unprotect(p); err != nil {
					b.Fatal(err)
				}
				if amf.SendCount() == maxCount {
					if amf.SetCounts(0, 0) != nil || ue.SetCounts(0, 0) != nil {
						b.Fatal("SetCounts")
					}
				}
			}
		})
	}
}
