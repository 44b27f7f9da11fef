package ausf_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/ausf"
	"go5g/internal/problem"
	"go5g/internal/store"
	"go5g/internal/store/storetest"
	"go5g/internal/suci"
	"go5g/internal/udm"
	"go5g/internal/udr"
)

const (
	supiAKA = "imsi-001010000000001" // 5G-AKA subscriber
	supiEAP = "imsi-001010000000002" // EAP-AKA' subscriber
	snn     = "5G:mnc001.mcc001.3gppnetwork.org"
	ttl     = time.Minute
)

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

func seeded(seed byte) io.Reader { return &lockedReader{r: rand.NewChaCha8([32]byte{seed})} }

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// network is the home network under test: AUSF -> UDM -> UDR -> SQLite
// store, with a fake clock for the AUSF.
type network struct {
	ausf       *ausf.AUSF
	udm        *udm.UDM
	store      store.Store
	clock      *fakeClock
	keyA, keyB suci.HomeNetworkKey
}

func newNetwork(t testing.TB) *network {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	eap := storetest.Sample(supiEAP)
	eap.AuthMethod = store.AuthMethodEAPAKAPrime
	if err := s.AddSubscribers(t.Context(), storetest.Sample(supiAKA), eap); err != nil {
		t.Fatal(err)
	}
	n := &network{store: s, clock: &fakeClock{t: time.Unix(1_700_000_000, 0)}}
	r := seeded(99)
	if n.keyA, err = suci.GenerateKey(suci.ProfileA, 1, r); err != nil {
		t.Fatal(err)
	}
	if n.keyB, err = suci.GenerateKey(suci.ProfileB, 2, r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []suci.HomeNetworkKey{n.keyA, n.keyB} {
		if err := s.AddHomeNetworkKey(t.Context(), k); err != nil {
			t.Fatal(err)
		}
	}
	r1, err := udr.New(udr.Config{}, udr.Deps{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	plmns := []models.PlmnId{{Mcc: "001", Mnc: "01"}}
	n.udm, err = udm.New(udm.Config{ServingPLMNs: plmns}, udm.Deps{UDR: r1, Rand: seeded(1)})
	if err != nil {
		t.Fatal(err)
	}
	n.ausf, err = ausf.New(ausf.Config{PLMNs: plmns, ContextTTL: ttl, Now: n.clock.Now}, ausf.Deps{UDM: n.udm, Rand: seeded(2)})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// ue is the simulated UE side: USIM credentials and SQN_MS, and the ME's
// key derivations.
type ue struct {
	supi     suci.SUPI
	k, opc   []byte
	sqnMS    uint64
	accepted uint64 // SQN of the last accepted challenge
}

func newUE(t testing.TB, supi string) *ue {
	t.Helper()
	s := storetest.Sample(supi)
	id, err := suci.NewIMSI(supi[5:8], supi[8:10], supi[10:])
	if err != nil {
		t.Fatal(err)
	}
	return &ue{supi: id, k: s.K, opc: s.OPc}
}

// suci conceals the UE's SUPI with the home network key of scheme.
func (u *ue) suci(t testing.TB, n *network, scheme suci.Scheme) string {
	t.Helper()
	var pub *suci.PublicKey
	switch scheme {
	case suci.ProfileA:
		p := n.keyA.PublicKey()
		pub = &p
	case suci.ProfileB:
		p := n.keyB.PublicKey()
		pub = &p
	}
	s, err := suci.Conceal(u.supi, "0", pub, seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	return s.String()
}

// check is the USIM's SQN check: accept anything fresher than SQN_MS and
// remember it.
func (u *ue) check(sqn uint64) (bool, uint64) {
	if sqn <= u.sqnMS {
		return false, u.sqnMS
	}
	u.sqnMS, u.accepted = sqn, sqn
	return true, u.sqnMS
}

// answer5GAKA runs the UE side of 5G-AKA on the AV the SEAF forwards and
// also does the SEAF's HRES* check. It returns RES* and the UE's KSEAF.
func (u *ue) answer5GAKA(t *testing.T, actx models.Ausf_UEAU_UEAuthenticationCtx) (resStar, kseaf []byte, err error) {
	t.Helper()
	if actx.AuthType != models.Ausf_UEAU_AuthType_5_G_AKA {
		t.Fatalf("auth type %q, want 5G_AKA", actx.AuthType)
	}
	av, ok := actx.Var5gAuthData.(models.Ausf_UEAU_Av5gAka)
	if !ok {
		t.Fatalf("5gAuthData is %T", actx.Var5gAuthData)
	}
	rand := mustHex(t, av.Rand)
	resStar, kausf, err := aka.UEResponse(u.k, u.opc, rand, mustHex(t, av.Autn), snn, u.check)
	if err != nil {
		return nil, nil, err
	}
	// SEAF: HRES* must equal HXRES* (TS 33.501 §6.1.3.2.0 step 9).
	if !bytes.Equal(aka.HRESStar(rand, resStar), mustHex(t, av.HxresStar)) {
		t.Fatal("HRES* != HXRES*")
	}
	return resStar, aka.KSEAF(kausf, snn), nil
}

// answerEAP runs the peer side of one EAP-AKA' request and returns the
// base64 response and the KSEAF the UE will hold if the network accepts.
// A synchronisation failure is answered with AKA'-Synchronization-Failure.
func (u *ue) answerEAP(t *testing.T, payload string) (resp string, kseaf []byte) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	p, err := aka.ParseEAP(raw)
	if err != nil || p.Code != aka.EAPRequest || p.Type != aka.EAPTypeAKAPrime || p.Subtype != aka.SubtypeChallenge {
		t.Fatalf("not an AKA'-Challenge request: %+v, %v", p, err)
	}
	attr := func(typ uint8) aka.EAPAttribute {
		a, ok := p.Attribute(typ)
		if !ok {
			t.Fatalf("challenge without attribute %d", typ)
		}
		return a
	}
	rand, err1 := attr(aka.AtRAND).Value16()
	autn, err2 := attr(aka.AtAUTN).Value16()
	kdf, err3 := attr(aka.AtKDF).Uint16()
	name, err4 := attr(aka.AtKDFInput).KDFInput()
	if err := errors.Join(err1, err2, err3, err4); err != nil || kdf != aka.KDFEAPAKAPrime || name != snn {
		t.Fatalf("challenge attributes: KDF %d, KDF input %q, %v", kdf, name, err)
	}
	res, ckp, ikp, err := aka.UEResponseEAP(u.k, u.opc, rand, autn, name, u.check)
	var sf *aka.SyncFailureError
	if errors.As(err, &sf) {
		return encodeEAP(t, &aka.EAPPacket{Code: aka.EAPResponse, Identifier: p.Identifier, Type: aka.EAPTypeAKAPrime,
			Subtype: aka.SubtypeSyncFailure, Attributes: []aka.EAPAttribute{aka.AutsAttribute(sf.AUTS)}}), nil
	}
	if err != nil {
		t.Fatalf("UE rejects the challenge: %v", err)
	}
	identity, err := aka.SupiKeyInput(u.supi.String())
	if err != nil {
		t.Fatal(err)
	}
	keys := aka.DeriveEAPKeys(ckp, ikp, identity)
	if err := aka.VerifyEAP(raw, keys.KAut); err != nil {
		t.Fatalf("the challenge's AT_MAC does not verify: %v", err)
	}
	out, err := aka.ChallengeResponse(p.Identifier, res, keys.KAut)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(out), aka.KSEAF(keys.KAUSF(), snn)
}

func encodeEAP(t *testing.T, p *aka.EAPPacket) string {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// eapCode decodes an EAP-Success or EAP-Failure from the AUSF.
func eapCode(t *testing.T, payload string) (code, id uint8) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	p, err := aka.ParseEAP(raw)
	if err != nil {
		t.Fatal(err)
	}
	return p.Code, p.Identifier
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ctxID(t testing.TB, links map[string][]models.Link) string {
	t.Helper()
	id, err := ausf.ContextID(links)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func wantCause(t *testing.T, err error, cause string, status int) {
	t.Helper()
	p := problem.As(err)
	if p == nil || p.Cause != cause || p.Status != status {
		t.Fatalf("error %v, want %s (%d)", err, cause, status)
	}
}

func authInfo(id string) models.Ausf_UEAU_AuthenticationInfo {
	return models.Ausf_UEAU_AuthenticationInfo{SupiOrSuci: id, ServingNetworkName: snn}
}

func resStarOf(b []byte) *string {
	s := fmt.Sprintf("%x", b)
	return &s
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t *testing.T, payload string) *aka.EAPPacket {
	t.Helper()
	p, err := aka.ParseEAP(unb64(t, payload))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func attr16(t *testing.T, p *aka.EAPPacket, typ uint8) []byte {
	t.Helper()
	a, ok := p.Attribute(typ)
	if !ok {
		t.Fatalf("no attribute %d", typ)
	}
	v, err := a.Value16()
	if err != nil {
		t.Fatal(err)
	}
	return v
}
