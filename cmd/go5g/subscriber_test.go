package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"go5g/internal/store"
)

// TS 35.208 test set 1: K, OP and the OPc Milenage derives from them.
const (
	testK   = "465b5ce8b199b49faa5f0a2ee238a6bc"
	testOP  = "cdc202d5123e20f62b6d676ac72cb318"
	testOPc = "cd63cb71954a9f4e48a5994e37a02baf"
)

func add(supi string, extra ...string) []string {
	return append([]string{"subscriber", "add", "--supi", supi, "--k", testK, "--opc", testOPc}, extra...)
}

func wantSubscriber(supi string, f func(*testing.T, store.Subscriber)) func(*testing.T, store.Store) {
	return func(t *testing.T, s store.Store) {
		t.Helper()
		sub, err := s.GetSubscriber(context.Background(), supi)
		if err != nil {
			t.Errorf("%s: %v", supi, err)
			return
		}
		f(t, sub)
	}
}

func wantAbsent(supis ...string) func(*testing.T, store.Store) {
	return func(t *testing.T, s store.Store) {
		t.Helper()
		for _, supi := range supis {
			if _, err := s.GetSubscriber(context.Background(), supi); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: got %v, want not found", supi, err)
			}
		}
	}
}

func TestSubscriberAdd(t *testing.T) {
	path := storePath(t)
	badK := "zz5b5ce8b199b49faa5f0a2ee238a6bc"
	runSteps(t, path, []step{
		// Defaults: 5G-AKA, AMF 8000, SQN 0, SST 1, DNN internet, 1/2 Gbps.
		{args: add("imsi-001010000000001"), code: 0, want: []string{"added imsi-001010000000001"},
			check: wantSubscriber("imsi-001010000000001", func(t *testing.T, s store.Subscriber) {
				want := store.Subscriber{SUPI: "imsi-001010000000001", AMF: [2]byte{0x80, 0}, AuthMethod: store.AuthMethod5GAKA,
					SNSSAIs: []store.SNSSAI{{SST: 1}}, DefaultSNSSAI: store.SNSSAI{SST: 1}, DNNs: []string{"internet"},
					AMBR: store.AMBR{Uplink: 1e9, Downlink: 2e9}}
				if hex.EncodeToString(s.K) != testK || hex.EncodeToString(s.OPc) != testOPc {
					t.Error("K or OPc stored wrong")
				}
				s.K, s.OPc = nil, nil
				if !reflect.DeepEqual(s, want) {
					t.Errorf("stored %+v\nwant   %+v", s, want)
				}
			})},
		// Every option; OPc computed from OP (TS 35.208 set 1).
		{args: []string{"subscriber", "add", "--supi", "imsi-001010000000002", "--k", strings.ToUpper(testK), "--op", testOP,
			"--amf", "9001", "--sqn", "3e0", "--auth", "eap-aka-prime", "--snssai", "1", "--snssai", "2:00000A,3",
			"--default-snssai", "2:00000a", "--dnn", "internet,ims", "--ambr-ul", "100Mbps", "--ambr-dl", "1.5 Gbps"}, code: 0,
			check: wantSubscriber("imsi-001010000000002", func(t *testing.T, s store.Subscriber) {
				if hex.EncodeToString(s.OPc) != testOPc {
					t.Errorf("OPc from --op is wrong")
				}
				if s.AMF != [2]byte{0x90, 0x01} || s.SQN != 0x3e0 || s.AuthMethod != store.AuthMethodEAPAKAPrime ||
					!reflect.DeepEqual(s.SNSSAIs, []store.SNSSAI{{SST: 1}, {SST: 2, SD: "00000a"}, {SST: 3}}) ||
					s.DefaultSNSSAI != (store.SNSSAI{SST: 2, SD: "00000a"}) ||
					!reflect.DeepEqual(s.DNNs, []string{"internet", "ims"}) || s.AMBR != (store.AMBR{Uplink: 1e8, Downlink: 15e8}) {
					t.Errorf("stored %+v", s)
				}
			})},
		{args: add("imsi-001010000000010", "--count", "5"), code: 0,
			want: []string{"added 5 subscribers, imsi-001010000000010 to imsi-001010000000014"}, check: wantCount(7)},
		// A range over an existing SUPI writes nothing.
		{args: add("imsi-001010000000013", "--count", "3"), code: 1,
			want:  []string{"imsi-001010000000013", "already exists", "nothing was written"},
			check: func(t *testing.T, s store.Store) { wantCount(7)(t, s); wantAbsent("imsi-001010000000015")(t, s) }},
		{args: add("imsi-001010000000001"), code: 1, want: []string{"already exists"}, check: wantCount(7)},

		// Bad input: exit 1, a message naming the flag, nothing written.
		{args: []string{"subscriber", "add", "--supi", "imsi-001010000000020", "--k", badK, "--opc", testOPc}, code: 1,
			want: []string{"--k: not hex"}, never: []string{badK}, check: wantCount(7)},
		{args: []string{"subscriber", "add", "--supi", "imsi-001010000000020", "--k", testK[:30], "--opc", testOPc}, code: 1,
			want: []string{"--k: must be 32 hex digits (16 octets), got 30"}, never: []string{testK[:30]}, check: wantCount(7)},
		{args: []string{"subscriber", "add", "--supi", "imsi-001010000000020", "--k", testK, "--opc", testOPc + "00"}, code: 1,
			want: []string{"--opc: must be 32 hex digits", "got 34"}, never: []string{testOPc}, check: wantCount(7)},
		{args: []string{"subscriber", "add", "--supi", "imsi-001010000000020", "--k", testK, "--op", "12"}, code: 1,
			want: []string{"--op: must be 32 hex digits"}, check: wantCount(7)},
		{args: add("imsi-00101000000002"), code: 1, want: []string{`--supi "imsi-00101000000002"`, "15 digits"}, check: wantCount(7)},
		{args: add("001010000000020"), code: 1, want: []string{"--supi", "imsi-"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--snssai", "300"), code: 1, want: []string{"--snssai", "SST must be 0 to 255"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--snssai", "1:0001"), code: 1, want: []string{"--snssai", "SD must be 6 hex digits"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--snssai", "1,1"), code: 1, want: []string{"--snssai", "listed twice"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--default-snssai", "2"), code: 1, want: []string{"--default-snssai", "not one of"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--dnn", "my dnn"), code: 1, want: []string{"--dnn", "my dnn"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--ambr-ul", "fast"), code: 1, want: []string{"--ambr-ul", "1Gbps"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--ambr-dl", "0"), code: 1, want: []string{"--ambr-dl", "above 0"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--auth", "milenage"), code: 1, want: []string{"--auth", "5g-aka or eap-aka-prime"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--amf", "800"), code: 1, want: []string{"--amf", "4 hex digits"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--sqn", "1000000000000"), code: 1, want: []string{"--sqn", "48 bits"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--count", "0"), code: 1, want: []string{"--count", "must be 1 to 1000000"}, check: wantCount(7)},
		{args: add("imsi-999999999999999", "--count", "2"), code: 1, want: []string{"--count", "passes"}, check: wantCount(7)},

		// Usage mistakes: exit 2.
		{args: []string{"subscriber", "add", "--supi", "imsi-001010000000020", "--k", testK, "--opc", testOPc, "--op", testOP}, code: 2,
			want: []string{"exactly one of --opc and --op"}, check: wantCount(7)},
		{args: []string{"subscriber", "add", "--supi", "imsi-001010000000020", "--opc", testOPc}, code: 2, want: []string{"--k is required"}},
		{args: []string{"subscriber", "add", "--k", testK, "--opc", testOPc}, code: 2, want: []string{"--supi is required"}},
		{args: add("imsi-001010000000020", "--colour", "red"), code: 2, want: []string{"-colour"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "--count", "many"), code: 2, want: []string{"-count"}, check: wantCount(7)},
		{args: add("imsi-001010000000020", "extra"), code: 2, want: []string{`unexpected argument "extra"`}, check: wantCount(7)},
		{args: []string{"subscriber", "add", "-h"}, code: 0, want: []string{"Usage: go5g subscriber add", "-snssai"}},
		{args: []string{"subscriber"}, code: 2, want: []string{"Usage: go5g subscriber"}},
		{args: []string{"subscriber", "frobnicate"}, code: 2, want: []string{`unknown subcommand "frobnicate"`}},
	})
}

func TestSubscriberListShowDelete(t *testing.T) {
	path := storePath(t)
	missing := storePath(t)
	runSteps(t, path, []step{
		// Reading a store that does not exist is an error and creates nothing.
		{args: []string{"subscriber", "list", "--store", missing}, code: 1, want: []string{"no store at " + missing}},
		{args: []string{"subscriber", "show", "imsi-001010000000001", "--store", missing}, code: 1, want: []string{"no store at"},
			check: func(t *testing.T, _ store.Store) {
				if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s was created (%v)", missing, err)
				}
			}},
		{args: add("imsi-001010000000001", "--count", "3"), code: 0},
		{args: add("imsi-001020000000001", "--count", "2", "--snssai", "1,2:abcdef"), code: 0},
		{args: []string{"subscriber", "list"}, code: 0, never: []string{testK, testOPc},
			want: []string{"SUPI", "imsi-001010000000001  5G_AKA  000000000000  1*", "imsi-001020000000002", "(5 shown, 5 in all)"}},
		{args: []string{"subscriber", "list", "--prefix", "imsi-00102"}, code: 0,
			want: []string{"1*,2:abcdef", "(2 shown, 2 in all)"}, never: []string{"imsi-00101"}},
		{args: []string{"subscriber", "list", "--limit", "2"}, code: 0,
			want: []string{"imsi-001010000000002", "next page: --after imsi-001010000000002"}, never: []string{"imsi-001010000000003"}},
		{args: []string{"subscriber", "list", "--limit", "2", "--after", "imsi-001010000000002"}, code: 0,
			want:  []string{"imsi-001010000000003", "imsi-001020000000001", "next page: --after imsi-001020000000001"},
			never: []string{"imsi-001010000000002"}},
		{args: []string{"subscriber", "list", "--limit", "2", "--after", "imsi-001020000000001"}, code: 0,
			want: []string{"imsi-001020000000002", "(1 shown, 5 in all)"}, never: []string{"next page"}},
		{args: []string{"subscriber", "list", "--prefix", "imsi-00102", "--limit", "2"}, code: 0,
			want: []string{"(2 shown, 2 in all)"}, never: []string{"next page"}},
		{args: []string{"subscriber", "list", "--prefix", "IMSI"}, code: 1, want: []string{"--prefix"}},
		{args: []string{"subscriber", "list", "--limit", "0"}, code: 1, want: []string{"--limit"}},
		{args: []string{"subscriber", "show", "imsi-001010000000002"}, code: 0, never: []string{testK, testOPc},
			want: []string{"imsi-001010000000002", "[hidden]", "AMF             8000", "5G_AKA", "1 Gbps up, 2 Gbps down"}},
		{args: []string{"subscriber", "show", "--show-secrets", "imsi-001010000000002"}, code: 0, want: []string{testK, testOPc}},
		{args: []string{"subscriber", "show", "imsi-001010000000009"}, code: 1, want: []string{"imsi-001010000000009 is not provisioned"}},
		{args: []string{"subscriber", "show", "imsi-1"}, code: 1, want: []string{`SUPI "imsi-1"`, "15 digits"}},
		{args: []string{"subscriber", "show"}, code: 2, want: []string{"exactly one SUPI"}},
		{args: []string{"subscriber", "delete", "imsi-001010000000002"}, code: 0, want: []string{"deleted imsi-001010000000002"},
			check: func(t *testing.T, s store.Store) { wantCount(4)(t, s); wantAbsent("imsi-001010000000002")(t, s) }},
		{args: []string{"subscriber", "delete", "imsi-001010000000002"}, code: 1, want: []string{"not provisioned"}, check: wantCount(4)},
		{args: []string{"subscriber", "delete", "imsi-1"}, code: 1, want: []string{`SUPI "imsi-1"`}, check: wantCount(4)},
		{args: []string{"subscriber", "delete"}, code: 2, check: wantCount(4)},
	})
}

func TestSubscriberJSON(t *testing.T) {
	path := storePath(t)
	runSteps(t, path, []step{{args: add("imsi-001010000000001", "--count", "2", "--snssai", "1:000001"), code: 0}})
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"subscriber", "list", "--json", "--store", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("list --json: exit %d: %s", code, stderr.String())
	}
	var list []subscriberJSON
	if err := json.Unmarshal(stdout.Bytes(), &list); err != nil {
		t.Fatalf("list --json is not JSON: %v\n%s", err, stdout.String())
	}
	if len(list) != 2 || list[1].SUPI != "imsi-001010000000002" || list[0].K != "[hidden]" || list[0].OPc != "[hidden]" ||
		list[0].DefaultSNSSAI != (store.SNSSAI{SST: 1, SD: "000001"}) || list[0].AMBR.Downlink != "2 Gbps" {
		t.Errorf("list --json: %+v", list)
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"subscriber", "show", "imsi-001010000000001", "--json", "--show-secrets", "--store", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("show --json: exit %d: %s", code, stderr.String())
	}
	var one subscriberJSON
	if err := json.Unmarshal(stdout.Bytes(), &one); err != nil {
		t.Fatal(err)
	}
	if one.K != testK || one.OPc != testOPc || one.SQN != "000000000000" || one.AuthMethod != "5G_AKA" {
		t.Errorf("show --json --show-secrets: %+v", one)
	}
}

// TestStoreEnv checks GO5G_STORE is the default for --store.
func TestStoreEnv(t *testing.T) {
	path := storePath(t)
	t.Setenv(storeEnv, path)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), add("imsi-001010000000001"), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wantCount(1)(t, s)
}
