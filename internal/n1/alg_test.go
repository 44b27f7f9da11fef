package n1

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/free5gc/nas/security"
	"github.com/free5gc/nas/security/zuc"

	"go5g/internal/testenv"
)

type vector struct {
	ID             string   `json:"id"`
	Key            string   `json:"key"`
	Count          string   `json:"count"`
	Bearer         uint8    `json:"bearer"`
	Direction      uint8    `json:"direction"`
	LengthBits     int      `json:"length_bits"`
	Plaintext      string   `json:"plaintext"`
	Ciphertext     string   `json:"ciphertext"`
	Message        string   `json:"message"`
	MAC            string   `json:"mac"`
	IV             string   `json:"iv"`
	KeystreamWords []string `json:"keystream_words"`
}

// loadVectors returns every array of vectors in file, by group name.
func loadVectors(t *testing.T, file string) map[string][]vector {
	t.Helper()
	var raw map[string]json.RawMessage
	testenv.Vectors(t, file, &raw)
	groups := map[string][]vector{}
	for name, r := range raw {
		if len(r) == 0 || r[0] != '[' {
			continue
		}
		var vs []vector
		if err := json.Unmarshal(r, &vs); err != nil {
			t.Fatalf("%s %s: %v", file, name, err)
		}
		groups[name] = vs
	}
	if len(groups) == 0 {
		t.Fatalf("%s: no vectors", file)
	}
	return groups
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (v vector) key(t *testing.T) Key {
	var k Key
	if copy(k[:], unhex(t, v.Key)) != 16 {
		t.Fatalf("%s: key is not 16 octets", v.ID)
	}
	return k
}

func (v vector) count(t *testing.T) uint32 {
	c, err := strconv.ParseUint(v.Count, 16, 32)
	if err != nil {
		t.Fatalf("%s: count: %v", v.ID, err)
	}
	return uint32(c)
}

// TestVectors checks every vector of the NEA/NIA files; a group it cannot
// classify fails the test, so new vectors are never skipped silently.
func TestVectors(t *testing.T) {
	total := map[string]int{}
	for _, file := range []string{"nea1_nia1.json", "nea2_nia2.json", "nea3_nia3.json"} {
		for group, vs := range loadVectors(t, file) {
			var run func(*testing.T, vector)
			switch {
			case strings.HasPrefix(group, "nea"):
				alg, err := strconv.Atoi(group[3:4])
				if err != nil {
					t.Fatalf("%s: group %q", file, group)
				}
				run = func(t *testing.T, v vector) { checkNEA(t, CipherAlg(alg), v) }
			case strings.HasPrefix(group, "nia"):
				alg, err := strconv.Atoi(group[3:4])
				if err != nil {
					t.Fatalf("%s: group %q", file, group)
				}
				run = func(t *testing.T, v vector) { checkNIA(t, IntegrityAlg(alg), v) }
			case group == "zuc_keystream":
				run = checkZUC
			default:
				t.Fatalf("%s: unknown vector group %q", file, group)
			}
			for _, v := range vs {
				t.Run(fmt.Sprintf("%s/%s", group, v.ID), func(t *testing.T) { run(t, v) })
				total[group[:3]]++
			}
		}
	}
	t.Logf("vectors checked: %v", total)
	for _, k := range []string{"nea", "nia", "zuc"} {
		if total[k] == 0 {
			t.Errorf("no %s vectors", k)
		}
	}
}

func checkNEA(t *testing.T, alg CipherAlg, v vector) {
	key, count := v.key(t), v.count(t)
	pt, ct := unhex(t, v.Plaintext), unhex(t, v.Ciphertext)
	if len(pt) != (v.LengthBits+7)/8 || len(ct) != len(pt) {
		t.Fatalf("vector octets %d/%d for %d bits", len(pt), len(ct), v.LengthBits)
	}
	got, err := EncryptBits(alg, key, count, v.Bearer, Direction(v.Direction), pt, v.LengthBits)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, ct) {
		t.Errorf("encrypt:\n got %x\nwant %x", got, ct)
	}
	back, err := EncryptBits(alg, key, count, v.Bearer, Direction(v.Direction), ct, v.LengthBits)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, pt) {
		t.Errorf("decrypt:\n got %x\nwant %x", back, pt)
	}
}

func checkNIA(t *testing.T, alg IntegrityAlg, v vector) {
	key, count := v.key(t), v.count(t)
	msg := unhex(t, v.Message)
	want := unhex(t, v.MAC)
	got, err := MACBits(alg, key, count, v.Bearer, Direction(v.Direction), msg, v.LengthBits)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[:], want) {
		t.Errorf("MAC %x, want %x", got, want)
	}
	// Bits after LENGTH are not input: set them and expect the same MAC.
	if r := v.LengthBits % 8; r != 0 {
		noisy := bytes.Clone(msg)
		noisy[len(noisy)-1] |= 0xff >> r
		got2, err := MACBits(alg, key, count, v.Bearer, Direction(v.Direction), noisy, v.LengthBits)
		if err != nil {
			t.Fatal(err)
		}
		if got2 != got {
			t.Errorf("bits after LENGTH changed the MAC: %x vs %x", got2, got)
		}
	}
}

// checkZUC checks the ZUC keystream generator we take from the library.
func checkZUC(t *testing.T, v vector) {
	ks := zuc.Zuc(unhex(t, v.Key), unhex(t, v.IV), uint32(len(v.KeystreamWords)))
	for i, w := range v.KeystreamWords {
		if got := fmt.Sprintf("%08x", ks[i]); got != w {
			t.Errorf("word %d = %s, want %s", i, got, w)
		}
	}
}

// TestAgreesWithLibrary compares our whole-octet results with free5gc/nas
// security, whose NIA2 uses an independent CMAC (github.com/aead/cmac).
func TestAgreesWithLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 80; n++ {
		var key Key
		for i := range key {
			key[i] = byte(r.Uint32())
		}
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(r.Uint32())
		}
		count, bearer, dir := r.Uint32(), uint8(r.IntN(32)), Direction(r.IntN(2))

		for alg := NEA1; alg <= NEA3; alg++ {
			got, err := Encrypt(alg, key, count, bearer, dir, msg)
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			switch alg {
			case NEA1:
				want, err = security.NEA1(key, count, uint32(bearer), uint32(dir), msg, uint32(8*n))
			case NEA2:
				want, err = security.NEA2(key, count, bearer, uint8(dir), msg)
			case NEA3:
				want, err = security.NEA3(key, count, bearer, uint8(dir), msg, uint32(8*n))
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%v n=%d: got %x want %x (%v)", alg, n, got, want, err)
			}
		}
		for alg := NIA1; alg <= NIA3; alg++ {
			got, err := MAC(alg, key, count, bearer, dir, msg)
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			switch alg {
			case NIA1:
				want, err = security.NIA1(key, count, bearer, uint32(dir), msg, uint64(8*n))
			case NIA2:
				want, err = security.NIA2(key, count, bearer, uint8(dir), msg)
			case NIA3:
				want, err = security.NIA3(key, count, bearer, uint8(dir), msg, uint32(8*n))
			}
			if err != nil || !bytes.Equal(got[:], want) {
				t.Errorf("%v n=%d: got %x want %x (%v)", alg, n, got, want, err)
			}
		}
	}
}

func TestAlgInputErrors(t *testing.T) {
	var key Key
	msg := []byte{1, 2, 3}
	if _, err := EncryptBits(NEA2, key, 0, 32, Uplink, msg, 24); err == nil {
		t.Error("BEARER 32 accepted")
	}
	if _, err := EncryptBits(NEA2, key, 0, 1, 2, msg, 24); err == nil {
		t.Error("DIRECTION 2 accepted")
	}
	if _, err := EncryptBits(NEA2, key, 0, 1, Uplink, msg, 25); err == nil {
		t.Error("length beyond the data accepted")
	}
	if _, err := MACBits(NIA1, key, 0, 1, Uplink, msg, -1); err == nil {
		t.Error("negative length accepted")
	}
	if _, err := Encrypt(CipherAlg(4), key, 0, 1, Uplink, msg); err == nil {
		t.Error("NEA4 accepted")
	}
	if _, err := MAC(IntegrityAlg(7), key, 0, 1, Uplink, msg); err == nil {
		t.Error("NIA7 accepted")
	}
	// Empty input is valid for every algorithm and must not panic.
	for a := NIA0; a <= NIA3; a++ {
		if _, err := MAC(a, key, 0, 1, Downlink, nil); err != nil {
			t.Errorf("%v on empty message: %v", a, err)
		}
	}
	for a := NEA0; a <= NEA3; a++ {
		if out, err := Encrypt(a, key, 0, 1, Downlink, nil); err != nil || len(out) != 0 {
			t.Errorf("%v on empty message: %x %v", a, out, err)
		}
	}
}

func TestKeyRedacted(t *testing.T) {
	k := Key{0xde, 0xad, 0xbe, 0xef}
	for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%X", "%s", "%d"} {
		if s := fmt.Sprintf(verb, k); strings.Contains(strings.ToLower(s), "dead") || strings.Contains(s, "222") {
			t.Errorf("%s printed %q", verb, s)
		}
	}
}
