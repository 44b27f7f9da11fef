package n1

import (
	"bytes"
	"errors"
	"testing"
)

// TestContainer: the UE ciphers a container for the message it protects
// next and the AMF deciphers it after Unprotect of that message, at every
// algorithm and across an SQN wrap; the value is ciphered with the
// message's NAS COUNT, BEARER 1 and DIRECTION uplink (checked against
// Encrypt itself), and is really ciphered unless NEA0.
//
// Spec: TS 24.501 §4.4.6; TS 33.501 §6.4.6
func TestContainer(t *testing.T) {
	inner := []byte{0x7e, 0x00, 0x4c, 0x10, 0x00, 0x07, 0xf4, 0x00, 0x41, 0x12, 0x34, 0x56, 0x78, 0x40, 0x02, 0x02, 0x00}
	outer := []byte{0x7e, 0x00, 0x4c, 0x10, 0x00, 0x07, 0xf4, 0x00, 0x41, 0x12, 0x34, 0x56, 0x78}
	for ea := NEA0; ea <= NEA3; ea++ {
		t.Run(ea.String(), func(t *testing.T) {
			amf, ue := pair(t, ea, NIA2, false)
			if err := amf.SetCounts(0, 254); err != nil {
				t.Fatal(err)
			}
			if err := ue.SetCounts(254, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := amf.OpenContainer(inner); err != nil {
				// 254 as the next expected COUNT means 253 was accepted.
				t.Fatalf("OpenContainer with a receive COUNT set: %v", err)
			}
			for i := range 4 { // COUNT 254..257
				count := ue.SendCount()
				sealed, err := ue.SealContainer(inner)
				if err != nil {
					t.Fatal(err)
				}
				want, err := Encrypt(ea, testKEnc, count, 1, Uplink, inner)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(sealed, want) {
					t.Fatalf("message %d: sealed %x, want Encrypt at COUNT %d: %x", i, sealed, count, want)
				}
				if ciphered := !bytes.Equal(sealed, inner); ciphered != (ea != NEA0) {
					t.Fatalf("%v: container ciphered %t", ea, ciphered)
				}
				msg := append(append([]byte(nil), outer...), 0x71, 0, byte(len(sealed)))
				msg = append(msg, sealed...)
				b, err := ue.Protect(msg, HeaderIntegrity)
				if err != nil {
					t.Fatal(err)
				}
				plain, _, err := amf.Unprotect(b)
				if err != nil {
					t.Fatal(err)
				}
				got, err := amf.OpenContainer(plain[len(outer)+3:])
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, inner) {
					t.Fatalf("message %d: opened %x, want %x", i, got, inner)
				}
			}
		})
	}
}

// TestContainerWithoutMessage: the AMF cannot open a container before it
// accepted a message, and a context whose COUNT is exhausted seals none.
func TestContainerWithoutMessage(t *testing.T) {
	amf, ue := pair(t, NEA2, NIA2, false)
	if _, err := amf.OpenContainer([]byte{1}); !errors.Is(err, ErrInput) {
		t.Errorf("OpenContainer before any message: %v, want ErrInput", err)
	}
	if err := ue.SetCounts(maxCount+1, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := ue.SealContainer([]byte{1}); !errors.Is(err, ErrCountWrap) {
		t.Errorf("SealContainer at COUNT 2^24: %v, want ErrCountWrap", err)
	}
}
