package ausf_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/ausf"
	"go5g/internal/problem"
	"go5g/internal/store"
	"go5g/internal/suci"
)

func TestFull5GAKA(t *testing.T) {
	n := newNetwork(t)
	u := newUE(t, supiAKA)
	for _, tc := range []struct {
		name   string
		scheme suci.Scheme
	}{
		{"null scheme", suci.NullScheme},
		{"Profile A", suci.ProfileA},
		{"Profile B", suci.ProfileB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			actx, err := n.ausf.Authenticate(t.Context(), authInfo(u.suci(t, n, tc.scheme)))
			if err != nil {
				t.Fatal(err)
			}
			if actx.ServingNetworkName != snn {
				t.Errorf("servingNetworkName %q", actx.ServingNetworkName)
			}
			resStar, ueKSEAF, err := u.answer5GAKA(t, actx)
			if err != nil {
				t.Fatalf("UE: %v", err)
			}
			conf, err := n.ausf.Confirm5GAKA(t.Context(), ctxID(t, actx.Links), models.Ausf_UEAU_ConfirmationData{ResStar: resStarOf(resStar)})
			if err != nil {
				t.Fatal(err)
			}
			if conf.AuthResult != models.Ausf_UEAU_AuthResult_SUCCESS || conf.Supi != supiAKA {
				t.Fatalf("confirmation %+v", conf)
			}
			if !bytes.Equal(mustHex(t, conf.Kseaf), ueKSEAF) {
				t.Fatal("the AUSF's KSEAF differs from the UE's")
			}
			// KAMF follows from KSEAF on both sides alike (TS 33.501 §A.7).
			if _, err := aka.KAMF(mustHex(t, conf.Kseaf), conf.Supi, []byte{0, 0}); err != nil {
				t.Fatal(err)
			}
		})
	}
	if u.accepted != 3*store.DefaultSQNStep {
		t.Fatalf("last accepted SQN %d, want %d", u.accepted, 3*store.DefaultSQNStep)
	}
}

func TestFullEAPAKAPrime(t *testing.T) {
	n := newNetwork(t)
	u := newUE(t, supiEAP)
	for _, scheme := range []suci.Scheme{suci.NullScheme, suci.ProfileA, suci.ProfileB} {
		t.Run(scheme.String(), func(t *testing.T) {
			actx, err := n.ausf.Authenticate(t.Context(), authInfo(u.suci(t, n, scheme)))
			if err != nil {
				t.Fatal(err)
			}
			payload, ok := actx.Var5gAuthData.(string)
			if actx.AuthType != models.Ausf_UEAU_AuthType_EAP_AKA_PRIME || !ok {
				t.Fatalf("auth type %q, 5gAuthData %T", actx.AuthType, actx.Var5gAuthData)
			}
			resp, ueKSEAF := u.answerEAP(t, payload)
			s, err := n.ausf.EAPSession(t.Context(), ctxID(t, actx.Links), models.Ausf_UEAU_EapSession{EapPayload: resp})
			if err != nil {
				t.Fatal(err)
			}
			if code, _ := eapCode(t, s.EapPayload); code != aka.EAPSuccess || s.AuthResult != models.Ausf_UEAU_AuthResult_SUCCESS {
				t.Fatalf("EAP code %d, result %q", code, s.AuthResult)
			}
			if s.Supi != supiEAP || !bytes.Equal(mustHex(t, s.KSeaf), ueKSEAF) {
				t.Fatalf("SUPI %q; KSEAF equal to the UE's: %v", s.Supi, bytes.Equal(mustHex(t, s.KSeaf), ueKSEAF))
			}
		})
	}
}

func TestWrongRESStar(t *testing.T) {
	n := newNetwork(t)
	u := newUE(t, supiAKA)
	actx, err := n.ausf.Authenticate(t.Context(), authInfo(supiAKA))
	if err != nil {
		t.Fatal(err)
	}
	resStar, _, err := u.answer5GAKA(t, actx)
	if err != nil {
		t.Fatal(err)
	}
	resStar[0] ^= 1
	id := ctxID(t, actx.Links)
	conf, err := n.ausf.Confirm5GAKA(t.Context(), id, models.Ausf_UEAU_ConfirmationData{ResStar: resStarOf(resStar)})
	if err != nil {
		t.Fatal(err)
	}
	if conf.AuthResult != models.Ausf_UEAU_AuthResult_FAILURE || conf.Supi != "" || conf.Kseaf != "" {
		t.Fatalf("confirmation %+v, want a bare AUTHENTICATION_FAILURE", conf)
	}
	// The context is used up: the right RES* is too late now.
	resStar[0] ^= 1
	_, err = n.ausf.Confirm5GAKA(t.Context(), id, models.Ausf_UEAU_ConfirmationData{ResStar: resStarOf(resStar)})
	wantCause(t, err, problem.ContextNotFound, 404)
}

func TestAuthenticateErrors(t *testing.T) {
	n := newNetwork(t)
	u := newUE(t, supiAKA)
	good := u.suci(t, n, suci.ProfileA)
	tampered := []byte(good)
	if last := len(tampered) - 1; tampered[last] == 'f' { // a hex digit of the MAC tag
		tampered[last] = 'e'
	} else {
		tampered[last] = 'f'
	}
	unknownKey := []byte(u.suci(t, n, suci.ProfileB))
	unknownKey[len("suci-0-001-01-0-2-")] = '7' // key id 2 -> 7
	for _, tc := range []struct {
		name   string
		req    models.Ausf_UEAU_AuthenticationInfo
		cause  string
		status int
	}{
		{"unknown SUPI", authInfo("imsi-001010000000099"), problem.UserNotFound, 404},
		{"unknown SUPI in a SUCI", authInfo(newUE(t, "imsi-001010000000099").suci(t, n, suci.ProfileB)), problem.UserNotFound, 404},
		{"bad SUCI MAC", authInfo(string(tampered)), problem.InvalidSchemeOutput, 403},
		{"unknown home network key", authInfo(string(unknownKey)), problem.InvalidHNPublicKeyIdentifier, 403},
		{"no supiOrSuci", authInfo(""), problem.MandatoryIEMissing, 400},
		{"no serving network name", models.Ausf_UEAU_AuthenticationInfo{SupiOrSuci: supiAKA}, problem.MandatoryIEMissing, 400},
		{"serving network not served", models.Ausf_UEAU_AuthenticationInfo{SupiOrSuci: supiAKA, ServingNetworkName: "5G:mnc099.mcc999.3gppnetwork.org"}, problem.ServingNetworkNotAuthorized, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := n.ausf.Authenticate(t.Context(), tc.req)
			wantCause(t, err, tc.cause, tc.status)
		})
	}
}

// TestErrorsDoNotRevealSUPI: an error for a SUCI never names the SUPI
// behind it, which the serving network may learn only on success.
func TestErrorsDoNotRevealSUPI(t *testing.T) {
	n := newNetwork(t)
	const unknown = "imsi-001010000000099"
	_, err := n.ausf.Authenticate(t.Context(), authInfo(newUE(t, unknown).suci(t, n, suci.ProfileA)))
	wantCause(t, err, problem.UserNotFound, 404)
	if strings.Contains(err.Error(), "0000000099") || strings.Contains(problem.As(err).ProblemDetails().Detail, "0000000099") {
		t.Fatalf("error for a SUCI names the SUPI: %v", err)
	}
	// By SUPI the detail stays.
	_, err = n.ausf.Authenticate(t.Context(), authInfo(unknown))
	if !strings.Contains(err.Error(), unknown) {
		t.Fatalf("error for a SUPI lost its detail: %v", err)
	}
}

func TestResync5GAKA(t *testing.T) {
	n := newNetwork(t)
	u := newUE(t, supiAKA)
	u.sqnMS = 777 * store.DefaultSQNStep // the USIM is ahead of the network
	id := u.suci(t, n, suci.ProfileA)
	actx, err := n.ausf.Authenticate(t.Context(), authInfo(id))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = u.answer5GAKA(t, actx)
	var sf *aka.SyncFailureError
	if !errors.As(err, &sf) {
		t.Fatalf("UE: %v, want a synch failure", err)
	}
	// The AMF starts again with RAND and AUTS (TS 33.501 §6.1.3.3.2).
	req := authInfo(id)
	req.ResynchronizationInfo = &models.Udm_UEAU_ResynchronizationInfo{
		Rand: actx.Var5gAuthData.(models.Ausf_UEAU_Av5gAka).Rand,
		Auts: hexOf(sf.AUTS),
	}
	actx2, err := n.ausf.Authenticate(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	resStar, ueKSEAF, err := u.answer5GAKA(t, actx2)
	if err != nil {
		t.Fatalf("UE after resync: %v", err)
	}
	if want := uint64(778 * store.DefaultSQNStep); u.accepted != want {
		t.Fatalf("accepted SQN %d, want %d", u.accepted, want)
	}
	conf, err := n.ausf.Confirm5GAKA(t.Context(), ctxID(t, actx2.Links), models.Ausf_UEAU_ConfirmationData{ResStar: resStarOf(resStar)})
	if err != nil || conf.AuthResult != models.Ausf_UEAU_AuthResult_SUCCESS || !bytes.Equal(mustHex(t, conf.Kseaf), ueKSEAF) {
		t.Fatalf("confirmation after resync %+v, %v", conf, err)
	}
}

func TestResyncEAPAKAPrime(t *testing.T) {
	n := newNetwork(t)
	u := newUE(t, supiEAP)
	u.sqnMS = 900 * store.DefaultSQNStep
	actx, err := n.ausf.Authenticate(t.Context(), authInfo(u.suci(t, n, suci.ProfileB)))
	if err != nil {
		t.Fatal(err)
	}
	id := ctxID(t, actx.Links)
	resp, _ := u.answerEAP(t, actx.Var5gAuthData.(string)) // a synchronisation failure
	s, err := n.ausf.EAPSession(t.Context(), id, models.Ausf_UEAU_EapSession{EapPayload: resp})
	if err != nil {
		t.Fatal(err)
	}
	if s.AuthResult != models.Ausf_UEAU_AuthResult_ONGOING || ctxID(t, s.Links) != id {
		t.Fatalf("after AUTS: %+v, want a new challenge on the same context", s)
	}
	resp, ueKSEAF := u.answerEAP(t, s.EapPayload)
	if want := uint64(901 * store.DefaultSQNStep); u.accepted != want {
		t.Fatalf("accepted SQN %d, want %d", u.accepted, want)
	}
	s, err = n.ausf.EAPSession(t.Context(), id, models.Ausf_UEAU_EapSession{EapPayload: resp})
	if err != nil || s.AuthResult != models.Ausf_UEAU_AuthResult_SUCCESS || !bytes.Equal(mustHex(t, s.KSeaf), ueKSEAF) {
		t.Fatalf("after resync: %+v, %v", s, err)
	}
}

func TestEAPSecondSyncFailureFails(t *testing.T) {
	n := newNetwork(t)
	u := newUE(t, supiEAP)
	u.sqnMS = 900 * store.DefaultSQNStep
	actx, err := n.ausf.Authenticate(t.Context(), authInfo(supiEAP))
	if err != nil {
		t.Fatal(err)
	}
	id := ctxID(t, actx.Links)
	resp, _ := u.answerEAP(t, actx.Var5gAuthData.(string))
	s, err := n.ausf.EAPSession(t.Context(), id, models.Ausf_UEAU_EapSession{EapPayload: resp})
	if err != nil || s.AuthResult != models.Ausf_UEAU_AuthResult_ONGOING {
		t.Fatalf("first AUTS: %+v, %v", s, err)
	}
	u.sqnMS = 5000 * store.DefaultSQNStep // the USIM jumps ahead again
	resp, _ = u.answerEAP(t, s.EapPayload)
	s, err = n.ausf.EAPSession(t.Context(), id, models.Ausf_UEAU_EapSession{EapPayload: resp})
	if err != nil || s.AuthResult != models.Ausf_UEAU_AuthResult_FAILURE {
		t.Fatalf("second AUTS: %+v, %v; want EAP-Failure", s, err)
	}
}

func TestEAPFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mangle func(t *testing.T, u *ue, request, response string) string
	}{
		{"wrong RES", func(t *testing.T, u *ue, req, _ string) string {
			// A response with a valid MAC over a wrong RES: the UE's keys
			// and a RES that is not XRES.
			p := parse(t, req)
			res, ckp, ikp, err := aka.UEResponseEAP(u.k, u.opc, attr16(t, p, aka.AtRAND), attr16(t, p, aka.AtAUTN), snn, aka.FresherThan(0))
			if err != nil {
				t.Fatal(err)
			}
			res[0] ^= 1
			id, _ := aka.SupiKeyInput(u.supi.String())
			out, err := aka.ChallengeResponse(p.Identifier, res, aka.DeriveEAPKeys(ckp, ikp, id).KAut)
			if err != nil {
				t.Fatal(err)
			}
			return b64(out)
		}},
		{"bad AT_MAC", func(t *testing.T, _ *ue, _, resp string) string {
			raw := unb64(t, resp)
			raw[len(raw)-1] ^= 1 // the last octet of the MAC value
			return b64(raw)
		}},
		{"wrong identifier", func(t *testing.T, _ *ue, _, resp string) string {
			raw := unb64(t, resp)
			raw[1]++
			return b64(raw)
		}},
		{"authentication reject", func(t *testing.T, _ *ue, req, _ string) string {
			return encodeEAP(t, &aka.EAPPacket{Code: aka.EAPResponse, Identifier: parse(t, req).Identifier,
				Type: aka.EAPTypeAKAPrime, Subtype: aka.SubtypeAuthReject})
		}},
		{"client error", func(t *testing.T, _ *ue, req, _ string) string {
			return encodeEAP(t, &aka.EAPPacket{Code: aka.EAPResponse, Identifier: parse(t, req).Identifier,
				Type: aka.EAPTypeAKAPrime, Subtype: aka.SubtypeClientError,
				Attributes: []aka.EAPAttribute{aka.Uint16Attribute(aka.AtClientErrorCode, 0)}})
		}},
		{"not EAP-AKA'", func(t *testing.T, _ *ue, req, _ string) string {
			return encodeEAP(t, &aka.EAPPacket{Code: aka.EAPResponse, Identifier: parse(t, req).Identifier,
				Type: 3, Data: []byte{aka.EAPTypeAKA}}) // Nak
		}},
		{"truncated packet", func(t *testing.T, _ *ue, _, resp string) string {
			return b64(unb64(t, resp)[:10])
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNetwork(t)
			u := newUE(t, supiEAP)
			actx, err := n.ausf.Authenticate(t.Context(), authInfo(supiEAP))
			if err != nil {
				t.Fatal(err)
			}
			req := actx.Var5gAuthData.(string)
			resp, _ := u.answerEAP(t, req)
			id := ctxID(t, actx.Links)
			s, err := n.ausf.EAPSession(t.Context(), id, models.Ausf_UEAU_EapSession{EapPayload: tc.mangle(t, u, req, resp)})
			if err != nil {
				t.Fatal(err)
			}
			code, eapID := eapCode(t, s.EapPayload)
			if code != aka.EAPFailure || eapID != parse(t, req).Identifier || s.AuthResult != models.Ausf_UEAU_AuthResult_FAILURE || s.KSeaf != "" || s.Supi != "" {
				t.Fatalf("answer %+v (EAP code %d), want a bare EAP-Failure", s, code)
			}
			// Used up: even the genuine response is refused now.
			_, err = n.ausf.EAPSession(t.Context(), id, models.Ausf_UEAU_EapSession{EapPayload: resp})
			wantCause(t, err, problem.ContextNotFound, 404)
		})
	}
}

func TestEAPSessionBadInput(t *testing.T) {
	n := newNetwork(t)
	u := newUE(t, supiEAP)
	actx, err := n.ausf.Authenticate(t.Context(), authInfo(supiEAP))
	if err != nil {
		t.Fatal(err)
	}
	id := ctxID(t, actx.Links)
	_, err = n.ausf.EAPSession(t.Context(), id, models.Ausf_UEAU_EapSession{EapPayload: "%%%"})
	wantCause(t, err, problem.MandatoryIEIncorrect, 400)
	_, err = n.ausf.EAPSession(t.Context(), "no-such-context", models.Ausf_UEAU_EapSession{EapPayload: "AAAA"})
	wantCause(t, err, problem.ContextNotFound, 404)
	_, err = n.ausf.Confirm5GAKA(t.Context(), id, models.Ausf_UEAU_ConfirmationData{ResStar: resStarOf(make([]byte, 16))})
	wantCause(t, err, problem.ContextNotFound, 404) // an EAP context has no 5G-AKA confirmation
	// Malformed input left the context usable.
	resp, _ := u.answerEAP(t, actx.Var5gAuthData.(string))
	if s, err := n.ausf.EAPSession(t.Context(), id, models.Ausf_UEAU_EapSession{EapPayload: resp}); err != nil || s.AuthResult != models.Ausf_UEAU_AuthResult_SUCCESS {
		t.Fatalf("after bad input: %+v, %v", s, err)
	}
}

func TestConfirmBadInput(t *testing.T) {
	n := newNetwork(t)
	actx, err := n.ausf.Authenticate(t.Context(), authInfo(supiAKA))
	if err != nil {
		t.Fatal(err)
	}
	id := ctxID(t, actx.Links)
	_, err = n.ausf.Confirm5GAKA(t.Context(), id, models.Ausf_UEAU_ConfirmationData{})
	wantCause(t, err, problem.MandatoryIEMissing, 400)
	bad := "xyz"
	_, err = n.ausf.Confirm5GAKA(t.Context(), id, models.Ausf_UEAU_ConfirmationData{ResStar: &bad})
	wantCause(t, err, problem.MandatoryIEIncorrect, 400)
	_, err = n.ausf.EAPSession(t.Context(), id, models.Ausf_UEAU_EapSession{EapPayload: "AAAA"})
	wantCause(t, err, problem.ContextNotFound, 404) // a 5G-AKA context has no EAP session
	u := newUE(t, supiAKA)
	resStar, _, err := u.answer5GAKA(t, actx)
	if err != nil {
		t.Fatal(err)
	}
	if conf, err := n.ausf.Confirm5GAKA(t.Context(), id, models.Ausf_UEAU_ConfirmationData{ResStar: resStarOf(resStar)}); err != nil || conf.AuthResult != models.Ausf_UEAU_AuthResult_SUCCESS {
		t.Fatalf("after bad input: %+v, %v", conf, err)
	}
}

func TestContextReuseAndExpiry(t *testing.T) {
	n := newNetwork(t)
	u := newUE(t, supiAKA)
	ctx := t.Context()

	actx, err := n.ausf.Authenticate(ctx, authInfo(supiAKA))
	if err != nil {
		t.Fatal(err)
	}
	resStar, _, err := u.answer5GAKA(t, actx)
	if err != nil {
		t.Fatal(err)
	}
	id := ctxID(t, actx.Links)
	conf := models.Ausf_UEAU_ConfirmationData{ResStar: resStarOf(resStar)}
	if r, err := n.ausf.Confirm5GAKA(ctx, id, conf); err != nil || r.AuthResult != models.Ausf_UEAU_AuthResult_SUCCESS {
		t.Fatalf("first confirmation %+v, %v", r, err)
	}
	_, err = n.ausf.Confirm5GAKA(ctx, id, conf)
	wantCause(t, err, problem.ContextNotFound, 404)

	// An answer that comes after the TTL fails, even with the right RES*.
	actx, err = n.ausf.Authenticate(ctx, authInfo(supiAKA))
	if err != nil {
		t.Fatal(err)
	}
	if resStar, _, err = u.answer5GAKA(t, actx); err != nil {
		t.Fatal(err)
	}
	n.clock.Advance(ttl)
	r, err := n.ausf.Confirm5GAKA(ctx, ctxID(t, actx.Links), models.Ausf_UEAU_ConfirmationData{ResStar: resStarOf(resStar)})
	if err != nil || r.AuthResult != models.Ausf_UEAU_AuthResult_FAILURE || r.Kseaf != "" {
		t.Fatalf("expired confirmation %+v, %v; want AUTHENTICATION_FAILURE", r, err)
	}

	// An expired context is dropped by the next authentication: then it is
	// not found at all.
	actx, err = n.ausf.Authenticate(ctx, authInfo(supiAKA))
	if err != nil {
		t.Fatal(err)
	}
	n.clock.Advance(ttl)
	if _, err := n.ausf.Authenticate(ctx, authInfo(supiAKA)); err != nil {
		t.Fatal(err)
	}
	_, err = n.ausf.Confirm5GAKA(ctx, ctxID(t, actx.Links), conf)
	wantCause(t, err, problem.ContextNotFound, 404)
}

func TestExpiredEAPContextFails(t *testing.T) {
	n := newNetwork(t)
	u := newUE(t, supiEAP)
	actx, err := n.ausf.Authenticate(t.Context(), authInfo(supiEAP))
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := u.answerEAP(t, actx.Var5gAuthData.(string))
	n.clock.Advance(ttl)
	s, err := n.ausf.EAPSession(t.Context(), ctxID(t, actx.Links), models.Ausf_UEAU_EapSession{EapPayload: resp})
	if code, _ := eapCode(t, s.EapPayload); err != nil || code != aka.EAPFailure || s.KSeaf != "" {
		t.Fatalf("expired EAP session %+v, %v; want EAP-Failure", s, err)
	}
}

func TestConcurrentAuthenticationsDistinctSQNs(t *testing.T) {
	n := newNetwork(t)
	const workers = 8
	sqns := make([]uint64, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			actx, err := n.ausf.Authenticate(context.Background(), authInfo(supiAKA))
			if err != nil {
				errs[i] = err
				return
			}
			u := newUE(t, supiAKA) // a fresh USIM per worker: every fresh SQN is accepted
			resStar, _, err := u.answer5GAKA(t, actx)
			if err != nil {
				errs[i] = err
				return
			}
			sqns[i] = u.accepted
			conf, err := n.ausf.Confirm5GAKA(context.Background(), ctxID(t, actx.Links), models.Ausf_UEAU_ConfirmationData{ResStar: resStarOf(resStar)})
			if err == nil && conf.AuthResult != models.Ausf_UEAU_AuthResult_SUCCESS {
				err = errors.New("authentication failed")
			}
			errs[i] = err
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for i := range workers {
		if errs[i] != nil {
			t.Fatalf("worker %d: %v", i, errs[i])
		}
		if seen[sqns[i]] {
			t.Fatalf("SQN %d used by two authentications: %v", sqns[i], sqns)
		}
		seen[sqns[i]] = true
	}
}

func TestContextID(t *testing.T) {
	for _, tc := range []struct {
		links map[string][]models.Link
		want  string
		ok    bool
	}{
		{map[string][]models.Link{"5g-aka": {{Href: "/nausf-auth/v1/ue-authentications/abc/5g-aka-confirmation"}}}, "abc", true},
		{map[string][]models.Link{"eap-session": {{Href: "https://ausf:8443/nausf-auth/v1/ue-authentications/x1/eap-session"}}}, "x1", true},
		{map[string][]models.Link{"5g-aka": {{Href: "/other/abc"}}}, "", false},
		{map[string][]models.Link{"5g-aka": {{Href: "/nausf-auth/v1/ue-authentications//5g-aka-confirmation"}}}, "", false},
		{nil, "", false},
	} {
		got, err := ausf.ContextID(tc.links)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ContextID(%v) = %q, %v", tc.links, got, err)
		}
	}
}

func TestNew(t *testing.T) {
	plmns := []models.PlmnId{{Mcc: "001", Mnc: "01"}}
	if _, err := ausf.New(ausf.Config{PLMNs: plmns}, ausf.Deps{}); err == nil {
		t.Error("New without a UDM succeeded")
	}
	udm := fakeUDM{}
	if _, err := ausf.New(ausf.Config{}, ausf.Deps{UDM: udm}); err == nil {
		t.Error("New without PLMNs succeeded")
	}
	if _, err := ausf.New(ausf.Config{PLMNs: []models.PlmnId{{Mcc: "001", Mnc: "1"}}}, ausf.Deps{UDM: udm}); err == nil {
		t.Error("New with a one-digit MNC succeeded")
	}
	if _, err := ausf.New(ausf.Config{PLMNs: plmns, ContextTTL: -1}, ausf.Deps{UDM: udm}); err == nil {
		t.Error("New with a negative TTL succeeded")
	}
}

// fakeUDM answers every Get with one result or error.
type fakeUDM struct {
	res models.Udm_UEAU_AuthenticationInfoResult
	err error
}

func (f fakeUDM) GenerateAuthData(context.Context, string, models.Udm_UEAU_AuthenticationInfoRequest) (models.Udm_UEAU_AuthenticationInfoResult, error) {
	return f.res, f.err
}

func TestUDMAnswersChecked(t *testing.T) {
	plmns := []models.PlmnId{{Mcc: "001", Mnc: "01"}}
	for _, tc := range []struct {
		name   string
		udm    fakeUDM
		cause  string
		status int
	}{
		{"plain error", fakeUDM{err: errors.New("udm down")}, problem.SystemFailure, 500},
		{"no vector", fakeUDM{res: models.Udm_UEAU_AuthenticationInfoResult{Supi: supiAKA, AuthType: models.Udm_UEAU_AuthType_5_G_AKA}}, problem.SystemFailure, 500},
		{"malformed vector", fakeUDM{res: models.Udm_UEAU_AuthenticationInfoResult{Supi: supiAKA, AuthType: models.Udm_UEAU_AuthType_5_G_AKA,
			AuthenticationVector: &models.Udm_UEAU_AuthenticationVector{Rand: "00"}}}, problem.SystemFailure, 500},
		{"EAP-TLS", fakeUDM{res: models.Udm_UEAU_AuthenticationInfoResult{Supi: supiAKA, AuthType: models.Udm_UEAU_AuthType_EAP_TLS,
			AuthenticationVector: &models.Udm_UEAU_AuthenticationVector{}}}, problem.AuthenticationRejected, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ausf.New(ausf.Config{PLMNs: plmns}, ausf.Deps{UDM: tc.udm})
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Authenticate(t.Context(), authInfo(supiAKA))
			wantCause(t, err, tc.cause, tc.status)
		})
	}
}

func TestMaxContexts(t *testing.T) {
	n := newNetwork(t)
	plmns := []models.PlmnId{{Mcc: "001", Mnc: "01"}}
	// A second AUSF over the same UDM chain, bounded to two contexts.
	a, err := ausf.New(ausf.Config{PLMNs: plmns, MaxContexts: 2, ContextTTL: ttl, Now: n.clock.Now}, ausf.Deps{UDM: n.udm})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := a.Authenticate(t.Context(), authInfo(supiAKA)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = a.Authenticate(t.Context(), authInfo(supiAKA))
	wantCause(t, err, problem.NFCongestion, 503)
	n.clock.Advance(ttl)
	if _, err := a.Authenticate(t.Context(), authInfo(supiAKA)); err != nil {
		t.Fatalf("after the contexts expired: %v", err)
	}
}
