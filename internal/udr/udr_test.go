package udr_test

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/free5gc/openapi/models"

	"go5g/internal/problem"
	"go5g/internal/store"
	"go5g/internal/store/storetest"
	"go5g/internal/suci"
	"go5g/internal/udr"
)

const supi1 = "imsi-001010000000001"

func newUDR(t *testing.T, subs ...store.Subscriber) (*udr.UDR, store.Store) {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if len(subs) > 0 {
		if err := s.AddSubscribers(t.Context(), subs...); err != nil {
			t.Fatal(err)
		}
	}
	u, err := udr.New(udr.Config{}, udr.Deps{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	return u, s
}

func wantCause(t *testing.T, err error, cause string, status int) {
	t.Helper()
	p := problem.As(err)
	if p == nil || p.Cause != cause || p.Status != status {
		t.Fatalf("error %v, want %s (%d)", err, cause, status)
	}
}

func TestNewNeedsStore(t *testing.T) {
	if _, err := udr.New(udr.Config{}, udr.Deps{}); err == nil {
		t.Fatal("New without a store succeeded")
	}
}

func TestQueryAuthSubsData(t *testing.T) {
	sub := storetest.Sample(supi1)
	sub.AuthMethod = store.AuthMethodEAPAKAPrime
	u, _ := newUDR(t, sub)
	got, err := u.QueryAuthSubsData(t.Context(), supi1)
	if err != nil {
		t.Fatal(err)
	}
	want := models.Udr_DR_AuthenticationSubscription{
		Supi:                          supi1,
		AuthenticationMethod:          models.Udr_DR_AuthMethod_EAP_AKA_PRIME,
		EncPermanentKey:               "000102030405060708090a0b0c0d0e0f",
		EncOpcKey:                     "101112131415161718191a1b1c1d1e1f",
		AuthenticationManagementField: "8000",
		AlgorithmId:                   "milenage",
		SequenceNumber: &models.Udr_DR_SequenceNumber{
			SqnScheme: models.Udr_DR_SqnScheme_NON_TIME_BASED, Sqn: "000000000000", IndLength: 5,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("QueryAuthSubsData =\n%+v\nwant\n%+v", got, want)
	}
}

func TestUnknownAndMalformedSUPI(t *testing.T) {
	u, _ := newUDR(t, storetest.Sample(supi1))
	ctx := t.Context()
	for _, tc := range []struct {
		supi   string
		cause  string
		status int
	}{
		{"imsi-001010000000002", problem.UserNotFound, 404},
		{"imsi-00101", problem.UserNotFound, 404},           // an IMSI go5g cannot hold
		{"nai-user@example.com", problem.UserNotFound, 404}, // a NAI SUPI
		{"001010000000001", problem.MandatoryIEIncorrect, 400},
		{"", problem.MandatoryIEIncorrect, 400},
	} {
		_, err := u.QueryAuthSubsData(ctx, tc.supi)
		wantCause(t, err, tc.cause, tc.status)
		_, err = u.IncrementSQN(ctx, tc.supi)
		wantCause(t, err, tc.cause, tc.status)
		_, err = u.QueryAmData(ctx, tc.supi)
		wantCause(t, err, tc.cause, tc.status)
	}
}

func TestSQN(t *testing.T) {
	u, s := newUDR(t, storetest.Sample(supi1))
	ctx := t.Context()
	for i := uint64(1); i <= 3; i++ {
		sqn, err := u.IncrementSQN(ctx, supi1)
		if err != nil || sqn != i*store.DefaultSQNStep {
			t.Fatalf("IncrementSQN #%d = %d, %v; want %d", i, sqn, err, i*store.DefaultSQNStep)
		}
	}
	sqn, err := u.ResyncSQN(ctx, supi1, 0x1000)
	if err != nil || sqn != 0x1000+store.DefaultSQNStep {
		t.Fatalf("ResyncSQN = %#x, %v; want %#x", sqn, err, 0x1000+store.DefaultSQNStep)
	}
	sub, err := s.GetSubscriber(ctx, supi1)
	if err != nil || sub.SQN != sqn {
		t.Fatalf("stored SQN %#x, %v; want %#x", sub.SQN, err, sqn)
	}
	if _, err := u.ResyncSQN(ctx, "imsi-001010000000009", 1); !problem.Is(err, problem.UserNotFound) {
		t.Fatalf("ResyncSQN of an unknown SUPI: %v", err)
	}
}

func TestSQNStepConfig(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AddSubscribers(t.Context(), storetest.Sample(supi1)); err != nil {
		t.Fatal(err)
	}
	u, err := udr.New(udr.Config{SQNStep: 1}, udr.Deps{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	if sqn, err := u.IncrementSQN(t.Context(), supi1); err != nil || sqn != 1 {
		t.Fatalf("IncrementSQN with step 1 = %d, %v", sqn, err)
	}
	if _, err := udr.New(udr.Config{SQNStep: 1 << 48}, udr.Deps{Store: s}); err == nil {
		t.Fatal("a 49-bit step was accepted")
	}
}

func TestAmData(t *testing.T) {
	u, _ := newUDR(t, storetest.Sample(supi1))
	got, err := u.QueryAmData(t.Context(), supi1)
	if err != nil {
		t.Fatal(err)
	}
	want := models.Udm_SDM_AccessAndMobilitySubscriptionData{
		Nssai: &models.Udm_SDM_Nssai{
			DefaultSingleNssais: []models.Snssai{{Sst: 1}},
			SingleNssais:        []models.Snssai{{Sst: 2, Sd: "00000a"}},
		},
		SubscribedUeAmbr:  &models.AmbrRm{Uplink: "1 Gbps", Downlink: "2 Gbps"},
		SubscribedDnnList: []interface{}{"internet", "ims"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("QueryAmData =\n%+v\nwant\n%+v", got, want)
	}
}

func TestSmfSelectData(t *testing.T) {
	u, _ := newUDR(t, storetest.Sample(supi1))
	got, err := u.QuerySmfSelectData(t.Context(), supi1)
	if err != nil {
		t.Fatal(err)
	}
	dnns := []models.Udm_SDM_DnnInfo{{Dnn: "internet", DefaultDnnIndicator: true}, {Dnn: "ims"}}
	want := models.Udm_SDM_SmfSelectionSubscriptionData{SubscribedSnssaiInfos: map[string]models.Udm_SDM_SnssaiInfo{
		"1":        {DnnInfos: dnns},
		"2-00000a": {DnnInfos: dnns},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("QuerySmfSelectData =\n%+v\nwant\n%+v", got, want)
	}
}

func TestSnssaiKey(t *testing.T) {
	for _, tc := range []struct {
		in   models.Snssai
		want string
	}{
		{models.Snssai{Sst: 1}, "1"},
		{models.Snssai{Sst: 255, Sd: "ABCDEF"}, "255-abcdef"},
		{models.Snssai{Sst: 0, Sd: "000001"}, "0-000001"},
	} {
		if got := udr.SnssaiKey(tc.in); got != tc.want {
			t.Errorf("SnssaiKey(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func guami(amfID string) *models.Guami {
	return &models.Guami{PlmnId: &models.PlmnIdNid{Mcc: "001", Mnc: "01"}, AmfId: amfID}
}

func TestAmfContext3gpp(t *testing.T) {
	u, _ := newUDR(t, storetest.Sample(supi1))
	ctx := t.Context()
	if _, err := u.QueryAmfContext3gpp(ctx, supi1); !problem.Is(err, problem.ContextNotFound) {
		t.Fatalf("query before registration: %v", err)
	}
	if _, _, err := u.CreateAmfContext3gpp(ctx, "imsi-001010000000002", models.Udm_UECM_Amf3GppAccessRegistration{}); !problem.Is(err, problem.UserNotFound) {
		t.Fatalf("registration of an unknown SUPI: %v", err)
	}
	first := models.Udm_UECM_Amf3GppAccessRegistration{AmfInstanceId: "amf-1", Guami: guami("cafe00")}
	if _, replaced, err := u.CreateAmfContext3gpp(ctx, supi1, first); err != nil || replaced {
		t.Fatalf("first registration: replaced %v, %v", replaced, err)
	}
	second := models.Udm_UECM_Amf3GppAccessRegistration{AmfInstanceId: "amf-2", Guami: guami("beef00")}
	old, replaced, err := u.CreateAmfContext3gpp(ctx, supi1, second)
	if err != nil || !replaced || old.AmfInstanceId != "amf-1" {
		t.Fatalf("second registration: old %+v, replaced %v, %v", old, replaced, err)
	}
	if got, err := u.QueryAmfContext3gpp(ctx, supi1); err != nil || got.AmfInstanceId != "amf-2" {
		t.Fatalf("query = %+v, %v", got, err)
	}
	// The old AMF's purge must not remove the new AMF's registration.
	wantCause(t, u.DeleteAmfContext3gpp(ctx, supi1, *guami("cafe00")), problem.InvalidGUAMI, 403)
	if err := u.DeleteAmfContext3gpp(ctx, supi1, *guami("BEEF00")); err != nil {
		t.Fatalf("delete with the registered GUAMI (other letter case): %v", err)
	}
	wantCause(t, u.DeleteAmfContext3gpp(ctx, supi1, *guami("beef00")), problem.ContextNotFound, 404)
}

func TestSameGUAMI(t *testing.T) {
	a := *guami("cafe00")
	for _, tc := range []struct {
		b    models.Guami
		want bool
	}{
		{*guami("CAFE00"), true},
		{*guami("cafe01"), false},
		{models.Guami{PlmnId: &models.PlmnIdNid{Mcc: "001", Mnc: "02"}, AmfId: "cafe00"}, false},
		{models.Guami{AmfId: "cafe00"}, false},
	} {
		if got := udr.SameGUAMI(a, tc.b); got != tc.want {
			t.Errorf("SameGUAMI(%+v) = %v, want %v", tc.b, got, tc.want)
		}
	}
}

func TestHomeNetworkKey(t *testing.T) {
	u, s := newUDR(t)
	ctx := t.Context()
	keyA, err := suci.GenerateKey(suci.ProfileA, 1, bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	keyB, err := suci.GenerateKey(suci.ProfileB, 2, bytes.NewReader(bytes.Repeat([]byte{9}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []suci.HomeNetworkKey{keyA, keyB} {
		if err := s.AddHomeNetworkKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	got, err := u.HomeNetworkKey(ctx, suci.ProfileB, 2)
	if err != nil || !bytes.Equal(got.PrivateBytes(), keyB.PrivateBytes()) {
		t.Fatalf("HomeNetworkKey(B, 2): %v", err)
	}
	for _, q := range []struct {
		scheme suci.Scheme
		id     uint8
	}{{suci.ProfileA, 2}, {suci.ProfileB, 1}, {suci.ProfileA, 3}} {
		_, err := u.HomeNetworkKey(ctx, q.scheme, q.id)
		wantCause(t, err, problem.InvalidHNPublicKeyIdentifier, 403)
	}
}

func TestStoreFailureIsSystemFailure(t *testing.T) {
	u, s := newUDR(t, storetest.Sample(supi1))
	s.Close()
	_, err := u.QueryAuthSubsData(context.Background(), supi1)
	wantCause(t, err, problem.SystemFailure, 500)
}
