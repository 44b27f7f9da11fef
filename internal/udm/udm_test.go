package udm_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/problem"
	"go5g/internal/store"
	"go5g/internal/store/storetest"
	"go5g/internal/suci"
	"go5g/internal/udm"
	"go5g/internal/udr"
)

const (
	supi1 = "imsi-001010000000001"
	supi2 = "imsi-001010000000002" // EAP-AKA'
	snn   = "5G:mnc001.mcc001.3gppnetwork.org"
)

var home = []models.PlmnId{{Mcc: "001", Mnc: "01"}}

// lockedReader makes a deterministic source safe for concurrent readers.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

func seeded(seed byte) io.Reader {
	return &lockedReader{r: rand.NewChaCha8([32]byte{seed})}
}

type fixture struct {
	udm        *udm.UDM
	udr        *udr.UDR
	store      store.Store
	keyA, keyB suci.HomeNetworkKey
	subs       map[string]store.Subscriber
}

func newFixture(t *testing.T, deps udm.Deps) *fixture {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &fixture{store: s, subs: map[string]store.Subscriber{}}
	aka5g := storetest.Sample(supi1)
	eap := storetest.Sample(supi2)
	eap.AuthMethod = store.AuthMethodEAPAKAPrime
	for _, sub := range []store.Subscriber{aka5g, eap} {
		f.subs[sub.SUPI] = sub
	}
	if err := s.AddSubscribers(t.Context(), aka5g, eap); err != nil {
		t.Fatal(err)
	}
	r := seeded(42)
	if f.keyA, err = suci.GenerateKey(suci.ProfileA, 1, r); err != nil {
		t.Fatal(err)
	}
	if f.keyB, err = suci.GenerateKey(suci.ProfileB, 2, r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []suci.HomeNetworkKey{f.keyA, f.keyB} {
		if err := s.AddHomeNetworkKey(t.Context(), k); err != nil {
			t.Fatal(err)
		}
	}
	if f.udr, err = udr.New(udr.Config{}, udr.Deps{Store: s}); err != nil {
		t.Fatal(err)
	}
	if deps.UDR == nil {
		deps.UDR = f.udr
	}
	if deps.Rand == nil {
		deps.Rand = seeded(1)
	}
	if f.udm, err = udm.New(udm.Config{ServingPLMNs: home}, deps); err != nil {
		t.Fatal(err)
	}
	return f
}

// conceal returns the SUCI string of SUPI 00101<msin> for a scheme.
func (f *fixture) conceal(t *testing.T, msin string, scheme suci.Scheme) string {
	t.Helper()
	supi, err := suci.NewIMSI("001", "01", msin)
	if err != nil {
		t.Fatal(err)
	}
	var pub *suci.PublicKey
	switch scheme {
	case suci.ProfileA:
		p := f.keyA.PublicKey()
		pub = &p
	case suci.ProfileB:
		p := f.keyB.PublicKey()
		pub = &p
	}
	s, err := suci.Conceal(supi, "0", pub, seeded(7))
	if err != nil {
		t.Fatal(err)
	}
	return s.String()
}

func wantCause(t *testing.T, err error, cause string, status int) {
	t.Helper()
	p := problem.As(err)
	if p == nil || p.Cause != cause || p.Status != status {
		t.Fatalf("error %v, want %s (%d)", err, cause, status)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ueSQN runs the UE's check of a 5G HE AV and returns the SQN it carried,
// or the UE's error (a *aka.SyncFailureError when sqn <= sqnMS).
func ueSQN(t *testing.T, sub store.Subscriber, av *models.Udm_UEAU_AuthenticationVector, sqnMS uint64) (uint64, []byte, []byte, error) {
	t.Helper()
	var sqn uint64
	check := func(s uint64) (bool, uint64) { sqn = s; return s > sqnMS, sqnMS }
	resStar, kausf, err := aka.UEResponse(sub.K, sub.OPc, mustHex(t, av.Rand), mustHex(t, av.Autn), snn, check)
	return sqn, resStar, kausf, err
}

func TestNew(t *testing.T) {
	f := newFixture(t, udm.Deps{})
	if _, err := udm.New(udm.Config{ServingPLMNs: home}, udm.Deps{}); err == nil {
		t.Error("New without a UDR succeeded")
	}
	if _, err := udm.New(udm.Config{}, udm.Deps{UDR: f.udr}); err == nil {
		t.Error("New without serving PLMNs succeeded")
	}
	if _, err := udm.New(udm.Config{ServingPLMNs: []models.PlmnId{{Mcc: "1", Mnc: "01"}}}, udm.Deps{UDR: f.udr}); err == nil {
		t.Error("New with a bad MCC succeeded")
	}
}

func TestGenerateAuthData5GAKA(t *testing.T) {
	f := newFixture(t, udm.Deps{})
	sub := f.subs[supi1]
	for i, tc := range []struct {
		name   string
		scheme suci.Scheme
		bySUPI bool
	}{
		{"SUPI", 0, true},
		{"SUCI null scheme", suci.NullScheme, false},
		{"SUCI Profile A", suci.ProfileA, false},
		{"SUCI Profile B", suci.ProfileB, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := supi1
			if !tc.bySUPI {
				id = f.conceal(t, "0000000001", tc.scheme)
			}
			res, err := f.udm.GenerateAuthData(t.Context(), id, models.Udm_UEAU_AuthenticationInfoRequest{ServingNetworkName: snn})
			if err != nil {
				t.Fatal(err)
			}
			av := res.AuthenticationVector
			if res.Supi != supi1 || res.AuthType != models.Udm_UEAU_AuthType_5_G_AKA || av == nil || av.AvType != models.Udm_UEAU_AvType_5_G_HE_AKA {
				t.Fatalf("result %+v", res)
			}
			sqn, resStar, kausf, err := ueSQN(t, sub, av, 0)
			if err != nil {
				t.Fatalf("UE rejects the vector: %v", err)
			}
			if want := uint64(i+1) * store.DefaultSQNStep; sqn != want {
				t.Errorf("SQN %d, want %d", sqn, want)
			}
			if !bytes.Equal(resStar, mustHex(t, av.XresStar)) || !bytes.Equal(kausf, mustHex(t, av.Kausf)) {
				t.Error("the UE's RES* or KAUSF differ from XRES* or KAUSF")
			}
		})
	}
}

func TestGenerateAuthDataEAPAKAPrime(t *testing.T) {
	f := newFixture(t, udm.Deps{})
	sub := f.subs[supi2]
	res, err := f.udm.GenerateAuthData(t.Context(), f.conceal(t, "0000000002", suci.ProfileA),
		models.Udm_UEAU_AuthenticationInfoRequest{ServingNetworkName: snn})
	if err != nil {
		t.Fatal(err)
	}
	av := res.AuthenticationVector
	if res.Supi != supi2 || res.AuthType != models.Udm_UEAU_AuthType_EAP_AKA_PRIME || av == nil || av.AvType != models.Udm_UEAU_AvType_EAP_AKA_PRIME {
		t.Fatalf("result %+v", res)
	}
	if av.XresStar != "" || av.Kausf != "" {
		t.Error("an EAP-AKA' vector carries 5G-AKA fields")
	}
	xres, ckp, ikp, err := aka.UEResponseEAP(sub.K, sub.OPc, mustHex(t, av.Rand), mustHex(t, av.Autn), snn, aka.FresherThan(0))
	if err != nil {
		t.Fatalf("UE rejects the vector: %v", err)
	}
	if !bytes.Equal(xres, mustHex(t, av.Xres)) || !bytes.Equal(ckp, mustHex(t, av.CkPrime)) || !bytes.Equal(ikp, mustHex(t, av.IkPrime)) {
		t.Error("the UE's RES, CK', IK' differ from the vector's")
	}
}

func TestGenerateAuthDataErrors(t *testing.T) {
	f := newFixture(t, udm.Deps{})
	good := f.conceal(t, "0000000001", suci.ProfileB)
	tampered := []byte(good)
	if last := len(tampered) - 1; tampered[last] == '0' { // a hex digit of the MAC tag
		tampered[last] = '1'
	} else {
		tampered[last] = '0'
	}
	nullUnknown := f.conceal(t, "0000000099", suci.NullScheme)
	otherKey := []byte(f.conceal(t, "0000000001", suci.ProfileA))
	otherKey[len("suci-0-001-01-0-1-")] = '9' // key id 1 -> 9
	for _, tc := range []struct {
		name, id, snn string
		cause         string
		status        int
	}{
		{"no serving network name", supi1, "", problem.MandatoryIEMissing, 400},
		{"serving network not authorized", supi1, "5G:mnc002.mcc001.3gppnetwork.org", problem.ServingNetworkNotAuthorized, 403},
		{"unknown SUPI", "imsi-001010000000099", snn, problem.UserNotFound, 404},
		{"unknown SUPI behind a null-scheme SUCI", nullUnknown, snn, problem.UserNotFound, 404},
		{"neither SUPI nor SUCI", "msisdn-123", snn, problem.MandatoryIEIncorrect, 400},
		{"malformed SUCI", "suci-0-001-01-0-1-1-zz", snn, problem.MandatoryIEIncorrect, 400},
		{"SUCI MAC tag mismatch", string(tampered), snn, problem.InvalidSchemeOutput, 403},
		{"unknown home network key id", string(otherKey), snn, problem.InvalidHNPublicKeyIdentifier, 403},
		{"unsupported protection scheme", "suci-0-001-01-0-3-1-00112233", snn, problem.UnsupportedProtectionScheme, 501},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.udm.GenerateAuthData(t.Context(), tc.id, models.Udm_UEAU_AuthenticationInfoRequest{ServingNetworkName: tc.snn})
			wantCause(t, err, tc.cause, tc.status)
		})
	}
	// No failed request stepped the counter.
	sub, err := f.store.GetSubscriber(t.Context(), supi1)
	if err != nil || sub.SQN != 0 {
		t.Fatalf("SQN after failures %d, %v; want 0", sub.SQN, err)
	}
}

// methodUDR reports another authentication method for every subscriber.
type methodUDR struct {
	udm.UDR
	method models.Udr_DR_AuthMethod
}

func (m methodUDR) QueryAuthSubsData(ctx context.Context, supi string) (models.Udr_DR_AuthenticationSubscription, error) {
	s, err := m.UDR.QueryAuthSubsData(ctx, supi)
	s.AuthenticationMethod = m.method
	return s, err
}

func TestUnsupportedMethodRejected(t *testing.T) {
	f := newFixture(t, udm.Deps{})
	u, err := udm.New(udm.Config{ServingPLMNs: home}, udm.Deps{UDR: methodUDR{f.udr, models.Udr_DR_AuthMethod_EAP_TLS}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = u.GenerateAuthData(t.Context(), supi1, models.Udm_UEAU_AuthenticationInfoRequest{ServingNetworkName: snn})
	wantCause(t, err, problem.AuthenticationRejected, 403)
}

func TestResynchronisation(t *testing.T) {
	f := newFixture(t, udm.Deps{})
	sub := f.subs[supi1]
	ctx := t.Context()
	req := models.Udm_UEAU_AuthenticationInfoRequest{ServingNetworkName: snn}
	// The USIM has seen SQNs far beyond the network's (e.g. a restored
	// database): it rejects the first vector with AUTS.
	const sqnMS = 5000 * store.DefaultSQNStep
	res, err := f.udm.GenerateAuthData(ctx, supi1, req)
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, err = ueSQN(t, sub, res.AuthenticationVector, sqnMS)
	var sf *aka.SyncFailureError
	if !errors.As(err, &sf) {
		t.Fatalf("UE: %v, want a synch failure", err)
	}

	// A forged AUTS (MAC-S wrong) moves nothing: the next vector is the
	// counter's next step, still unacceptable to the UE.
	bad := append([]byte(nil), sf.AUTS...)
	bad[13] ^= 1
	req.ResynchronizationInfo = &models.Udm_UEAU_ResynchronizationInfo{Rand: res.AuthenticationVector.Rand, Auts: hex.EncodeToString(bad)}
	res2, err := f.udm.GenerateAuthData(ctx, supi1, req)
	if err != nil {
		t.Fatal(err)
	}
	if sqn, _, _, err := ueSQN(t, sub, res2.AuthenticationVector, sqnMS); sqn != 2*store.DefaultSQNStep || err == nil {
		t.Fatalf("after a forged AUTS: SQN %d (UE %v), want %d and a rejection", sqn, err, 2*store.DefaultSQNStep)
	}

	// The genuine AUTS re-synchronises: SQN = SQN_MS + one step.
	req.ResynchronizationInfo.Auts = hex.EncodeToString(sf.AUTS)
	res3, err := f.udm.GenerateAuthData(ctx, supi1, req)
	if err != nil {
		t.Fatal(err)
	}
	sqn, _, _, err := ueSQN(t, sub, res3.AuthenticationVector, sqnMS)
	if err != nil || sqn != sqnMS+store.DefaultSQNStep {
		t.Fatalf("after resync: SQN %d, UE %v; want %d accepted", sqn, err, sqnMS+store.DefaultSQNStep)
	}

	// Malformed resynchronisation information.
	for _, rs := range []models.Udm_UEAU_ResynchronizationInfo{
		{Rand: "00", Auts: hex.EncodeToString(sf.AUTS)},
		{Rand: res.AuthenticationVector.Rand, Auts: "zz"},
		{Rand: res.AuthenticationVector.Rand, Auts: hex.EncodeToString(sf.AUTS[:13])},
	} {
		req.ResynchronizationInfo = &rs
		_, err := f.udm.GenerateAuthData(ctx, supi1, req)
		wantCause(t, err, problem.MandatoryIEIncorrect, 400)
	}
}

func TestConcurrentVectorsHaveDistinctSQNs(t *testing.T) {
	f := newFixture(t, udm.Deps{})
	sub := f.subs[supi1]
	const n = 16
	sqns := make([]uint64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := f.udm.GenerateAuthData(context.Background(), supi1, models.Udm_UEAU_AuthenticationInfoRequest{ServingNetworkName: snn})
			if err != nil {
				errs[i] = err
				return
			}
			sqns[i], _, _, errs[i] = ueSQN(t, sub, res.AuthenticationVector, 0)
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("vector %d: %v", i, errs[i])
		}
		if seen[sqns[i]] {
			t.Fatalf("SQN %d handed out twice", sqns[i])
		}
		seen[sqns[i]] = true
	}
	for i := uint64(1); i <= n; i++ {
		if !seen[i*store.DefaultSQNStep] {
			t.Fatalf("SQN %d missing from %v", i*store.DefaultSQNStep, sqns)
		}
	}
}

func TestSDM(t *testing.T) {
	f := newFixture(t, udm.Deps{})
	ctx := t.Context()
	am, err := f.udm.GetAmData(ctx, supi1)
	if err != nil || am.SubscribedUeAmbr == nil || am.SubscribedUeAmbr.Downlink != "2 Gbps" || len(am.SubscribedDnnList) != 2 {
		t.Fatalf("GetAmData = %+v, %v", am, err)
	}
	n, err := f.udm.GetNssai(ctx, supi1)
	if err != nil || len(n.DefaultSingleNssais) != 1 || n.DefaultSingleNssais[0].Sst != 1 || len(n.SingleNssais) != 1 || n.SingleNssais[0].Sd != "00000a" {
		t.Fatalf("GetNssai = %+v, %v", n, err)
	}
	sel, err := f.udm.GetSmfSelectData(ctx, supi1)
	if err != nil || len(sel.SubscribedSnssaiInfos["2-00000a"].DnnInfos) != 2 {
		t.Fatalf("GetSmfSelectData = %+v, %v", sel, err)
	}
	for _, get := range []func() error{
		func() error { _, err := f.udm.GetAmData(ctx, "imsi-001019999999999"); return err },
		func() error { _, err := f.udm.GetNssai(ctx, "imsi-001019999999999"); return err },
		func() error { _, err := f.udm.GetSmfSelectData(ctx, "imsi-001019999999999"); return err },
	} {
		wantCause(t, get(), problem.UserNotFound, 404)
	}
}

type notification struct {
	amf, supi string
	data      models.Udm_UECM_DeregistrationData
}

type recorder struct{ got []notification }

func (r *recorder) DeregistrationNotify(_ context.Context, amf, supi string, d models.Udm_UECM_DeregistrationData) {
	r.got = append(r.got, notification{amf, supi, d})
}

func registration(amf, amfID string, initial bool) models.Udm_UECM_Amf3GppAccessRegistration {
	return models.Udm_UECM_Amf3GppAccessRegistration{
		AmfInstanceId:          amf,
		Guami:                  &models.Guami{PlmnId: &models.PlmnIdNid{Mcc: "001", Mnc: "01"}, AmfId: amfID},
		RatType:                models.RatType_NR,
		InitialRegistrationInd: initial,
	}
}

func TestUECM(t *testing.T) {
	rec := &recorder{}
	f := newFixture(t, udm.Deps{Notifier: rec})
	ctx := t.Context()

	for _, tc := range []struct {
		name string
		reg  models.Udm_UECM_Amf3GppAccessRegistration
	}{
		{"no amfInstanceId", models.Udm_UECM_Amf3GppAccessRegistration{Guami: registration("", "cafe00", true).Guami, RatType: models.RatType_NR}},
		{"no guami", models.Udm_UECM_Amf3GppAccessRegistration{AmfInstanceId: "amf-1", RatType: models.RatType_NR}},
		{"no ratType", models.Udm_UECM_Amf3GppAccessRegistration{AmfInstanceId: "amf-1", Guami: registration("", "cafe00", true).Guami}},
	} {
		wantCause(t, f.udm.RegisterAMF(ctx, supi1, tc.reg), problem.MandatoryIEMissing, 400)
	}
	wantCause(t, f.udm.RegisterAMF(ctx, "imsi-001019999999999", registration("amf-1", "cafe00", true)), problem.UserNotFound, 404)

	if err := f.udm.RegisterAMF(ctx, supi1, registration("amf-1", "cafe00", true)); err != nil {
		t.Fatal(err)
	}
	// The same AMF registering again is nobody's deregistration.
	if err := f.udm.RegisterAMF(ctx, supi1, registration("amf-1", "cafe00", false)); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 0 {
		t.Fatalf("notified %+v for a re-registration by the same AMF", rec.got)
	}
	// Another AMF takes the UE over with an initial registration.
	if err := f.udm.RegisterAMF(ctx, supi1, registration("amf-2", "beef00", true)); err != nil {
		t.Fatal(err)
	}
	want := notification{"amf-1", supi1, models.Udm_UECM_DeregistrationData{
		DeregReason: models.Udm_UECM_DeregistrationReason_UE_INITIAL_REGISTRATION,
		AccessType:  models.AccessType_3_GPP_ACCESS,
	}}
	if len(rec.got) != 1 || rec.got[0] != want {
		t.Fatalf("notifications %+v, want [%+v]", rec.got, want)
	}
	got, err := f.udm.GetAMFRegistration(ctx, supi1)
	if err != nil || got.AmfInstanceId != "amf-2" || got.Supi != supi1 {
		t.Fatalf("GetAMFRegistration = %+v, %v", got, err)
	}

	oldGUAMI := registration("", "cafe00", false).Guami
	newGUAMI := registration("", "beef00", false).Guami
	wantCause(t, f.udm.DeregisterAMF(ctx, supi1, models.Udm_UECM_Amf3GppAccessRegistrationModification{Guami: newGUAMI}), problem.MandatoryIEIncorrect, 400)
	wantCause(t, f.udm.DeregisterAMF(ctx, supi1, models.Udm_UECM_Amf3GppAccessRegistrationModification{PurgeFlag: true}), problem.MandatoryIEMissing, 400)
	wantCause(t, f.udm.DeregisterAMF(ctx, supi1, models.Udm_UECM_Amf3GppAccessRegistrationModification{PurgeFlag: true, Guami: oldGUAMI}), problem.InvalidGUAMI, 403)
	if err := f.udm.DeregisterAMF(ctx, supi1, models.Udm_UECM_Amf3GppAccessRegistrationModification{PurgeFlag: true, Guami: newGUAMI}); err != nil {
		t.Fatal(err)
	}
	_, err = f.udm.GetAMFRegistration(ctx, supi1)
	wantCause(t, err, problem.ContextNotFound, 404)
}
