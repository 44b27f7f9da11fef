// Package storetest is the behaviour every store.Store implementation must
// have, as one suite: the SQLite store runs it here, the PostgreSQL store
// (issue 5) runs the same function against a real server.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"go5g/internal/store"
	"go5g/internal/suci"
)

// RunSuite runs every test against stores from open, which returns a new,
// empty store for each subtest (and closes it with t.Cleanup).
func RunSuite(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		f    func(*testing.T, store.Store)
	}{
		{"AddGet", testAddGet},
		{"AddDuplicate", testAddDuplicate},
		{"Validation", testValidation},
		{"RangeAllOrNothing", testRangeAllOrNothing},
		{"AddManyAllOrNothing", testAddManyAllOrNothing},
		{"AddConcurrentOverlap", testAddConcurrentOverlap},
		{"GetNotFound", testGetNotFound},
		{"Update", testUpdate},
		{"Delete", testDelete},
		{"ListPaging", testListPaging},
		{"ListPrefix", testListPrefix},
		{"NextSQN", testNextSQN},
		{"NextSQNWrap", testNextSQNWrap},
		{"ResyncSQN", testResyncSQN},
		{"NextSQNConcurrent", testNextSQNConcurrent},
		{"HomeNetworkKeys", testHomeNetworkKeys},
		{"Profiles", testProfiles},
		{"Policies", testPolicies},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, open(t)) })
	}
}

// Sample returns a valid subscriber with fixed keys (K = 00..0f, OPc =
// 10..1f) for supi.
func Sample(supi string) store.Subscriber {
	k, opc := make([]byte, 16), make([]byte, 16)
	for i := range k {
		k[i], opc[i] = byte(i), byte(0x10+i)
	}
	return store.Subscriber{
		SUPI: supi, K: k, OPc: opc, AMF: [2]byte{0x80, 0x00},
		AuthMethod:    store.AuthMethod5GAKA,
		SNSSAIs:       []store.SNSSAI{{SST: 1}, {SST: 2, SD: "00000a"}},
		DefaultSNSSAI: store.SNSSAI{SST: 1},
		DNNs:          []string{"internet", "ims"},
		AMBR:          store.AMBR{Uplink: 1e9, Downlink: 2e9},
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func mustAdd(t *testing.T, s store.Store, subs ...store.Subscriber) {
	t.Helper()
	if err := s.AddSubscribers(ctx(t), subs...); err != nil {
		t.Fatalf("AddSubscribers: %v", err)
	}
}

func count(t *testing.T, s store.Store) int {
	t.Helper()
	n, err := s.CountSubscribers(ctx(t), "", 0)
	if err != nil {
		t.Fatalf("CountSubscribers: %v", err)
	}
	return n
}

func equal(t *testing.T, got, want store.Subscriber) {
	t.Helper()
	// Secret formats as hidden, so compare and report the keys separately.
	if !bytes.Equal(got.K, want.K) || !bytes.Equal(got.OPc, want.OPc) {
		t.Errorf("%s: K or OPc differ from what was stored", want.SUPI)
	}
	got.K, got.OPc, want.K, want.OPc = nil, nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func testAddGet(t *testing.T, s store.Store) {
	want := Sample("imsi-001010000000001")
	want.SQN = 0x123456789abc
	want.AuthMethod = store.AuthMethodEAPAKAPrime
	want.AMF = [2]byte{0x90, 0x01}
	mustAdd(t, s, want)
	got, err := s.GetSubscriber(ctx(t), want.SUPI)
	if err != nil {
		t.Fatalf("GetSubscriber: %v", err)
	}
	equal(t, got, want)

	// SD is stored in lower case; an upper-case default still matches.
	up := Sample("imsi-001010000000002")
	up.SNSSAIs = []store.SNSSAI{{SST: 3, SD: "ABCDEF"}}
	up.DefaultSNSSAI = store.SNSSAI{SST: 3, SD: "AbCdEf"}
	mustAdd(t, s, up)
	got, err = s.GetSubscriber(ctx(t), up.SUPI)
	if err != nil {
		t.Fatalf("GetSubscriber: %v", err)
	}
	if got.SNSSAIs[0].SD != "abcdef" || got.DefaultSNSSAI.SD != "abcdef" {
		t.Errorf("SD not normalised: %v default %v", got.SNSSAIs, got.DefaultSNSSAI)
	}
}

func testAddDuplicate(t *testing.T, s store.Store) {
	first := Sample("imsi-001010000000001")
	mustAdd(t, s, first)
	dup := Sample(first.SUPI)
	dup.K = bytes.Repeat([]byte{0xee}, 16)
	err := s.AddSubscribers(ctx(t), dup)
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate: got %v, want ErrExists", err)
	}
	if !strings.Contains(err.Error(), first.SUPI) {
		t.Errorf("error %q does not name the SUPI", err)
	}
	got, err := s.GetSubscriber(ctx(t), first.SUPI)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, first)
	// A batch that repeats one of its own SUPIs is a duplicate too.
	err = s.AddSubscribers(ctx(t), Sample("imsi-001010000000002"), Sample("imsi-001010000000002"))
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("batch with a repeat: got %v, want ErrExists", err)
	}
	if n := count(t, s); n != 1 {
		t.Errorf("count = %d after failed adds, want 1", n)
	}
}

func testValidation(t *testing.T, s store.Store) {
	secretHex := fmt.Sprintf("%x", Sample("").K)
	cases := []struct {
		name, field string
		edit        func(*store.Subscriber)
	}{
		{"empty SUPI", "supi", func(x *store.Subscriber) { x.SUPI = "" }},
		{"no imsi prefix", "supi", func(x *store.Subscriber) { x.SUPI = "001010000000001" }},
		{"14 digits", "supi", func(x *store.Subscriber) { x.SUPI = "imsi-00101000000001" }},
		{"16 digits", "supi", func(x *store.Subscriber) { x.SUPI = "imsi-0010100000000011" }},
		{"letter in IMSI", "supi", func(x *store.Subscriber) { x.SUPI = "imsi-00101000000000a" }},
		{"nai", "supi", func(x *store.Subscriber) { x.SUPI = "nai-user@example.com" }},
		{"K 15 octets", "k", func(x *store.Subscriber) { x.K = x.K[:15] }},
		{"K 17 octets", "k", func(x *store.Subscriber) { x.K = append(x.K, 0) }},
		{"no K", "k", func(x *store.Subscriber) { x.K = nil }},
		{"OPc 8 octets", "opc", func(x *store.Subscriber) { x.OPc = x.OPc[:8] }},
		{"SQN 49 bits", "sqn", func(x *store.Subscriber) { x.SQN = 1 << 48 }},
		{"auth method", "auth_method", func(x *store.Subscriber) { x.AuthMethod = "5G-AKA" }},
		{"no slices", "snssais", func(x *store.Subscriber) { x.SNSSAIs = nil }},
		{"SD 5 digits", "snssais", func(x *store.Subscriber) { x.SNSSAIs[1].SD = "00000" }},
		{"SD not hex", "snssais", func(x *store.Subscriber) { x.SNSSAIs[1].SD = "00000g" }},
		{"slice twice", "snssais", func(x *store.Subscriber) { x.SNSSAIs[1] = x.SNSSAIs[0] }},
		{"default not subscribed", "default_snssai", func(x *store.Subscriber) { x.DefaultSNSSAI = store.SNSSAI{SST: 9} }},
		{"empty DNN", "dnns", func(x *store.Subscriber) { x.DNNs = []string{""} }},
		{"DNN with space", "dnns", func(x *store.Subscriber) { x.DNNs = []string{"my dnn"} }},
		{"DNN twice", "dnns", func(x *store.Subscriber) { x.DNNs = []string{"internet", "Internet"} }},
		{"DNN too long", "dnns", func(x *store.Subscriber) { x.DNNs = []string{strings.Repeat("a", 101)} }},
		{"AMBR UL 0", "ambr_uplink", func(x *store.Subscriber) { x.AMBR.Uplink = 0 }},
		{"AMBR DL 0", "ambr_downlink", func(x *store.Subscriber) { x.AMBR.Downlink = 0 }},
	}
	for _, c := range cases {
		sub := Sample("imsi-001010000000001")
		c.edit(&sub)
		check := func(op string, err error) {
			t.Helper()
			var fe *store.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: %s: got %v, want a FieldError", c.name, op, err)
				return
			}
			if fe.Field != c.field {
				t.Errorf("%s: %s: field %q, want %q (%v)", c.name, op, fe.Field, c.field, err)
			}
			if strings.Contains(err.Error(), secretHex) {
				t.Errorf("%s: %s: error shows the key: %v", c.name, op, err)
			}
		}
		check("add", s.AddSubscribers(ctx(t), sub))
		if c.field != "supi" {
			mustAdd(t, s, Sample(sub.SUPI))
			check("update", s.UpdateSubscriber(ctx(t), sub))
			if err := s.DeleteSubscriber(ctx(t), sub.SUPI); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := count(t, s); n != 0 {
		t.Errorf("count = %d after invalid adds, want 0", n)
	}
	// Lookups by a malformed SUPI are input errors, not misses.
	for _, err := range []error{
		func() error { _, err := s.GetSubscriber(ctx(t), "imsi-1"); return err }(),
		s.DeleteSubscriber(ctx(t), "imsi-1"),
		func() error { _, _, err := s.NextSQN(ctx(t), "imsi-1", 32); return err }(),
		func() error { _, err := s.ResyncSQN(ctx(t), "imsi-1", 0, 32); return err }(),
	} {
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("malformed SUPI: got %v, want ErrInvalid", err)
		}
	}
}

func testRangeAllOrNothing(t *testing.T, s store.Store) {
	tmpl := Sample("imsi-001010000000001")
	subs, err := tmpl.Range(20)
	if err != nil {
		t.Fatal(err)
	}
	if subs[19].SUPI != "imsi-001010000000020" {
		t.Fatalf("range ends at %s", subs[19].SUPI)
	}
	// One SUPI of the range already exists: nothing of the range is written.
	mustAdd(t, s, Sample("imsi-001010000000013"))
	err = s.AddSubscribers(ctx(t), subs...)
	if !errors.Is(err, store.ErrExists) || !strings.Contains(err.Error(), "imsi-001010000000013") {
		t.Fatalf("range over an existing SUPI: got %v, want ErrExists naming imsi-001010000000013", err)
	}
	if n := count(t, s); n != 1 {
		t.Fatalf("count = %d after the failed range, want 1", n)
	}
	// One invalid member: nothing written either.
	bad := append([]store.Subscriber(nil), subs...)
	bad[7].K = bad[7].K[:10]
	if err := s.AddSubscribers(ctx(t), bad...); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("range with a bad K: got %v, want ErrInvalid", err)
	}
	if n := count(t, s); n != 1 {
		t.Fatalf("count = %d after the invalid range, want 1", n)
	}
	if err := s.DeleteSubscriber(ctx(t), "imsi-001010000000013"); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, subs...)
	if n := count(t, s); n != 20 {
		t.Fatalf("count = %d, want 20", n)
	}
	if _, err := tmpl.Range(0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Range(0): got %v, want ErrInvalid", err)
	}
	if _, err := Sample("imsi-999999999999990").Range(11); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("range past the last IMSI: got %v, want ErrInvalid", err)
	}
}

// testAddManyAllOrNothing adds more subscribers than one INSERT carries:
// a conflict in a later statement undoes the earlier ones too.
func testAddManyAllOrNothing(t *testing.T, s store.Store) {
	subs, err := Sample("imsi-001010000000001").Range(1200)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, Sample("imsi-001010000001101"))
	err = s.AddSubscribers(ctx(t), subs...)
	if !errors.Is(err, store.ErrExists) || !strings.Contains(err.Error(), "imsi-001010000001101") {
		t.Fatalf("1200 over an existing SUPI: got %v, want ErrExists naming imsi-001010000001101", err)
	}
	if n := count(t, s); n != 1 {
		t.Fatalf("count = %d after the failed add, want 1", n)
	}
	// A SUPI repeated far apart in one call.
	rep := append([]store.Subscriber(nil), subs[:900]...)
	rep[750] = Sample(rep[20].SUPI)
	if err := s.AddSubscribers(ctx(t), rep...); !errors.Is(err, store.ErrExists) || !strings.Contains(err.Error(), rep[20].SUPI) {
		t.Fatalf("repeated SUPI: got %v, want ErrExists naming %s", err, rep[20].SUPI)
	}
	if n := count(t, s); n != 1 {
		t.Fatalf("count = %d after the repeated add, want 1", n)
	}
	if err := s.DeleteSubscriber(ctx(t), "imsi-001010000001101"); err != nil {
		t.Fatal(err)
	}
	subs[1199].SQN = 0xabcdef
	mustAdd(t, s, subs...)
	if n := count(t, s); n != 1200 {
		t.Fatalf("count = %d, want 1200", n)
	}
	for _, i := range []int{0, 499, 500, 1199} {
		got, err := s.GetSubscriber(ctx(t), subs[i].SUPI)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, got, subs[i])
	}
}

// testAddConcurrentOverlap is two operators adding the same range at once:
// one wins whole, the others get ErrExists and write nothing.
func testAddConcurrentOverlap(t *testing.T, s store.Store) {
	subs, err := Sample("imsi-001010000000001").Range(50)
	if err != nil {
		t.Fatal(err)
	}
	const adders = 4
	errs := make([]error, adders)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.AddSubscribers(ctx(t), subs...)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrExists):
			t.Errorf("concurrent add: got %v, want nil or ErrExists", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent adds succeeded, want 1", ok, adders)
	}
	if n := count(t, s); n != 50 {
		t.Errorf("count = %d, want 50", n)
	}
}

func testGetNotFound(t *testing.T, s store.Store) {
	supi := "imsi-001010000000099"
	if _, err := s.GetSubscriber(ctx(t), supi); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSubscriber: got %v, want ErrNotFound", err)
	}
	if err := s.UpdateSubscriber(ctx(t), Sample(supi)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateSubscriber: got %v, want ErrNotFound", err)
	}
	if _, _, err := s.NextSQN(ctx(t), supi, 32); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("NextSQN: got %v, want ErrNotFound", err)
	}
	if _, err := s.ResyncSQN(ctx(t), supi, 5, 32); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ResyncSQN: got %v, want ErrNotFound", err)
	}
	if err := s.DeleteSubscriber(ctx(t), supi); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteSubscriber: got %v, want ErrNotFound", err)
	}
}

func testUpdate(t *testing.T, s store.Store) {
	orig := Sample("imsi-001010000000001")
	orig.SQN = 640
	mustAdd(t, s, orig)
	upd := Sample(orig.SUPI)
	upd.K = bytes.Repeat([]byte{0xaa}, 16)
	upd.OPc = bytes.Repeat([]byte{0xbb}, 16)
	upd.AMF = [2]byte{0x00, 0x01}
	upd.AuthMethod = store.AuthMethodEAPAKAPrime
	upd.SNSSAIs = []store.SNSSAI{{SST: 4, SD: "123456"}}
	upd.DefaultSNSSAI = upd.SNSSAIs[0]
	upd.DNNs = []string{"iot.example"}
	upd.AMBR = store.AMBR{Uplink: 5e6, Downlink: 7e6}
	upd.SQN = 1 // ignored: only NextSQN and ResyncSQN move SQN
	if err := s.UpdateSubscriber(ctx(t), upd); err != nil {
		t.Fatalf("UpdateSubscriber: %v", err)
	}
	got, err := s.GetSubscriber(ctx(t), orig.SUPI)
	if err != nil {
		t.Fatal(err)
	}
	upd.SQN = 640
	equal(t, got, upd)
}

func testDelete(t *testing.T, s store.Store) {
	mustAdd(t, s, Sample("imsi-001010000000001"), Sample("imsi-001010000000002"))
	if err := s.DeleteSubscriber(ctx(t), "imsi-001010000000001"); err != nil {
		t.Fatalf("DeleteSubscriber: %v", err)
	}
	if _, err := s.GetSubscriber(ctx(t), "imsi-001010000000001"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: got %v, want ErrNotFound", err)
	}
	if err := s.DeleteSubscriber(ctx(t), "imsi-001010000000001"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
	if _, err := s.GetSubscriber(ctx(t), "imsi-001010000000002"); err != nil {
		t.Errorf("the other subscriber: %v", err)
	}
	// The SUPI can be provisioned again.
	mustAdd(t, s, Sample("imsi-001010000000001"))
}

func supis(subs []store.Subscriber) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = s.SUPI
	}
	return out
}

func testListPaging(t *testing.T, s store.Store) {
	// Added out of order; listed in SUPI order.
	var all []string
	for _, first := range []string{"imsi-001010000000030", "imsi-001010000000001"} {
		r, err := Sample(first).Range(11)
		if err != nil {
			t.Fatal(err)
		}
		mustAdd(t, s, r...)
		all = append(all, supis(r)...)
	}
	want := append(append([]string(nil), all[11:]...), all[:11]...)
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		page, err := s.ListSubscribers(ctx(t), store.ListOptions{After: after, Limit: 5})
		if err != nil {
			t.Fatalf("ListSubscribers: %v", err)
		}
		if len(page) > 5 || pages > 10 {
			t.Fatalf("page %d has %d entries", pages, len(page))
		}
		if len(page) == 0 {
			break
		}
		got = append(got, supis(page)...)
		after = page[len(page)-1].SUPI
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paged list:\n got %v\nwant %v", got, want)
	}
	page, err := s.ListSubscribers(ctx(t), store.ListOptions{})
	if err != nil || len(page) != 22 {
		t.Fatalf("default limit: %d entries, %v", len(page), err)
	}
	equal(t, page[0], Sample("imsi-001010000000001"))
	if _, err := s.ListSubscribers(ctx(t), store.ListOptions{Limit: -1}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("negative limit: got %v, want ErrInvalid", err)
	}
}

func testListPrefix(t *testing.T, s store.Store) {
	for _, first := range []string{"imsi-001010000000001", "imsi-001020000000001", "imsi-999700000000095"} {
		r, err := Sample(first).Range(10)
		if err != nil {
			t.Fatal(err)
		}
		mustAdd(t, s, r...)
	}
	cases := []struct {
		prefix, after string
		limit         int
		want          []string
		count         int
	}{
		{"imsi-00102", "", 3, []string{"imsi-001020000000001", "imsi-001020000000002", "imsi-001020000000003"}, 10},
		{"imsi-00102", "imsi-001020000000009", 0, []string{"imsi-001020000000010"}, 10},
		{"imsi-00101000000000", "", 0, []string{"imsi-001010000000001", "imsi-001010000000002", "imsi-001010000000003",
			"imsi-001010000000004", "imsi-001010000000005", "imsi-001010000000006", "imsi-001010000000007",
			"imsi-001010000000008", "imsi-001010000000009"}, 9},
		{"imsi-9997000000000", "", 2, []string{"imsi-999700000000095", "imsi-999700000000096"}, 5},
		{"imsi-99970000000010", "", 0, []string{"imsi-999700000000100", "imsi-999700000000101",
			"imsi-999700000000102", "imsi-999700000000103", "imsi-999700000000104"}, 5},
		{"imsi-001030", "", 0, nil, 0},
	}
	for _, c := range cases {
		page, err := s.ListSubscribers(ctx(t), store.ListOptions{Prefix: c.prefix, After: c.after, Limit: c.limit})
		if err != nil {
			t.Fatalf("prefix %q: %v", c.prefix, err)
		}
		if got := supis(page); !reflect.DeepEqual(got, c.want) && (len(got) != 0 || len(c.want) != 0) {
			t.Errorf("prefix %q after %q: got %v, want %v", c.prefix, c.after, got, c.want)
		}
		n, err := s.CountSubscribers(ctx(t), c.prefix, 0)
		if err != nil || n != c.count {
			t.Errorf("count %q = %d, %v; want %d", c.prefix, n, err, c.count)
		}
		// A cap below, at and above the count: min(count, cap).
		for _, upTo := range []int{1, 4, c.count, c.count + 1} {
			if upTo == 0 {
				continue
			}
			n, err := s.CountSubscribers(ctx(t), c.prefix, upTo)
			if err != nil || n != min(c.count, upTo) {
				t.Errorf("count %q up to %d = %d, %v; want %d", c.prefix, upTo, n, err, min(c.count, upTo))
			}
		}
	}
	for _, bad := range []string{"IMSI-", "imsi-%", "imsi_0", "imsi-'"} {
		if _, err := s.ListSubscribers(ctx(t), store.ListOptions{Prefix: bad}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("prefix %q: got %v, want ErrInvalid", bad, err)
		}
		if _, err := s.CountSubscribers(ctx(t), bad, 0); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("count prefix %q: got %v, want ErrInvalid", bad, err)
		}
	}
}

func testNextSQN(t *testing.T, s store.Store) {
	sub := Sample("imsi-001010000000001")
	sub.SQN = 0x20
	mustAdd(t, s, sub)
	for i, step := range []uint64{32, 32, 1, 1 << 20} {
		before, after, err := s.NextSQN(ctx(t), sub.SUPI, step)
		if err != nil {
			t.Fatalf("NextSQN #%d: %v", i, err)
		}
		if before != sub.SQN || after != sub.SQN+step {
			t.Errorf("NextSQN #%d step %d: %#x -> %#x, want %#x -> %#x", i, step, before, after, sub.SQN, sub.SQN+step)
		}
		sub.SQN = after
	}
	got, err := s.GetSubscriber(ctx(t), sub.SUPI)
	if err != nil || got.SQN != sub.SQN {
		t.Errorf("stored SQN %#x (%v), want %#x", got.SQN, err, sub.SQN)
	}
	for _, step := range []uint64{0, 1 << 48} {
		if _, _, err := s.NextSQN(ctx(t), sub.SUPI, step); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("step %#x: got %v, want ErrInvalid", step, err)
		}
	}
}

func testNextSQNWrap(t *testing.T, s store.Store) {
	sub := Sample("imsi-001010000000001")
	sub.SQN = store.MaxSQN - 10
	mustAdd(t, s, sub)
	before, after, err := s.NextSQN(ctx(t), sub.SUPI, 32)
	if err != nil {
		t.Fatal(err)
	}
	if before != store.MaxSQN-10 || after != 21 {
		t.Errorf("wrap: %#x -> %#x, want %#x -> 0x15", before, after, uint64(store.MaxSQN-10))
	}
}

func testResyncSQN(t *testing.T, s store.Store) {
	sub := Sample("imsi-001010000000001")
	sub.SQN = 0x1000
	mustAdd(t, s, sub)
	// The UE is ahead (SQN_MS = 0x5000): the next vector uses SQN_MS + step.
	sqn, err := s.ResyncSQN(ctx(t), sub.SUPI, 0x5000, 32)
	if err != nil || sqn != 0x5020 {
		t.Fatalf("ResyncSQN = %#x, %v; want 0x5020", sqn, err)
	}
	before, after, err := s.NextSQN(ctx(t), sub.SUPI, 32)
	if err != nil || before != 0x5020 || after != 0x5040 {
		t.Errorf("NextSQN after resync: %#x -> %#x (%v), want 0x5020 -> 0x5040", before, after, err)
	}
	sqn, err = s.ResyncSQN(ctx(t), sub.SUPI, store.MaxSQN, 32)
	if err != nil || sqn != 31 {
		t.Errorf("ResyncSQN at the top = %#x, %v; want 0x1f", sqn, err)
	}
	if _, err := s.ResyncSQN(ctx(t), sub.SUPI, 1<<48, 32); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SQN_MS of 49 bits: got %v, want ErrInvalid", err)
	}
	if _, err := s.ResyncSQN(ctx(t), sub.SUPI, 5, 0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("step 0: got %v, want ErrInvalid", err)
	}
}

// testNextSQNConcurrent is the property the UDR relies on: AMF workers
// asking for vectors at once never get the same SQN.
func testNextSQNConcurrent(t *testing.T, s store.Store) {
	const workers, calls, step = 8, 200, store.DefaultSQNStep
	sub := Sample("imsi-001010000000001")
	mustAdd(t, s, sub, Sample("imsi-001010000000002"))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = make(map[uint64]bool, workers*calls)
		errs []error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				before, after, err := s.NextSQN(ctx(t), sub.SUPI, step)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, err)
				case after != before+step:
					errs = append(errs, fmt.Errorf("%#x -> %#x", before, after))
				case seen[after]:
					errs = append(errs, fmt.Errorf("SQN %#x handed out twice", after))
				}
				seen[after] = true
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d failures, first: %v", len(errs), errs[0])
	}
	if len(seen) != workers*calls {
		t.Errorf("%d distinct SQNs, want %d", len(seen), workers*calls)
	}
	got, err := s.GetSubscriber(ctx(t), sub.SUPI)
	if err != nil || got.SQN != workers*calls*step {
		t.Errorf("final SQN %#x (%v), want %#x", got.SQN, err, workers*calls*step)
	}
	other, err := s.GetSubscriber(ctx(t), "imsi-001010000000002")
	if err != nil || other.SQN != 0 {
		t.Errorf("another subscriber's SQN moved to %#x (%v)", other.SQN, err)
	}
}

func testHomeNetworkKeys(t *testing.T, s store.Store) {
	a, err := suci.GenerateKey(suci.ProfileA, 7, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := suci.GenerateKey(suci.ProfileB, 2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []suci.HomeNetworkKey{a, b} {
		if err := s.AddHomeNetworkKey(ctx(t), k); err != nil {
			t.Fatalf("AddHomeNetworkKey: %v", err)
		}
	}
	dup, err := suci.GenerateKey(suci.ProfileB, 7, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddHomeNetworkKey(ctx(t), dup); !errors.Is(err, store.ErrExists) {
		t.Errorf("key id 7 again (other profile): got %v, want ErrExists", err)
	}
	if err := s.AddHomeNetworkKey(ctx(t), suci.HomeNetworkKey{Scheme: suci.ProfileA, ID: 9}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("key without private part: got %v, want ErrInvalid", err)
	}
	if err := s.AddHomeNetworkKey(ctx(t), suci.HomeNetworkKey{Scheme: suci.NullScheme, ID: 9}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("null scheme key: got %v, want ErrInvalid", err)
	}
	keys, err := s.HomeNetworkKeys(ctx(t))
	if err != nil {
		t.Fatalf("HomeNetworkKeys: %v", err)
	}
	if len(keys) != 2 || keys[0].ID != 2 || keys[1].ID != 7 {
		t.Fatalf("keys not [2 7]: %d keys", len(keys))
	}
	for i, want := range []suci.HomeNetworkKey{b, a} {
		got := keys[i]
		if got.Scheme != want.Scheme || !bytes.Equal(got.PrivateBytes(), want.PrivateBytes()) ||
			got.PublicKey().String() != want.PublicKey().String() {
			t.Errorf("key %d: read back differs (scheme %v, want %v)", want.ID, got.Scheme, want.Scheme)
		}
	}
	if err := s.DeleteHomeNetworkKey(ctx(t), 7); err != nil {
		t.Fatalf("DeleteHomeNetworkKey: %v", err)
	}
	if err := s.DeleteHomeNetworkKey(ctx(t), 7); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
	if keys, err := s.HomeNetworkKeys(ctx(t)); err != nil || len(keys) != 1 || keys[0].ID != 2 {
		t.Errorf("after delete: %d keys, %v", len(keys), err)
	}
}
