package api

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"go5g/internal/store"
	"go5g/internal/suci"
)

// countingCache counts the API's invalidations of the key cache.
type countingCache struct{ n atomic.Int64 }

func (c *countingCache) InvalidateHomeNetworkKeys() { c.n.Add(1) }

func TestKeysSQLite(t *testing.T) { runKeys(t, openSQLite) }

func TestKeysPostgres(t *testing.T) { runKeys(t, pgOpener(t)) }

func runKeys(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range []struct {
		name string
		f    func(*testing.T, *env, *countingCache)
	}{
		{"CRUD", testKeysCRUD},
		{"Errors", testKeysErrors},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, open(t))
			cache := &countingCache{}
			e.api.caches = cache
			tc.f(t, e, cache)
			// The private keys are never in a log line.
			keys, err := e.st.HomeNetworkKeys(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if strings.Contains(e.log.String(), hex.EncodeToString(k.PrivateBytes())) {
					t.Errorf("key %d's private key is in the log", k.ID)
				}
			}
		})
	}
}

type keyList struct{ Items []keyOut }

// testKeysCRUD: an admin generates a Profile A and a Profile B key, every
// role lists them (public halves only, matching the stored private keys),
// the admin deletes one; each change is audited and invalidates the cache.
func testKeysCRUD(t *testing.T, e *env, cache *countingCache) {
	var empty keyList
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/keys", "", 200), &empty)
	if empty.Items == nil || len(empty.Items) != 0 {
		t.Fatalf("no keys yet: %s", e.do(e.readOnly, "GET", "/api/v1/keys", "").Body)
	}

	var a, b keyOut
	w := e.mustStatus(e.admin, "POST", "/api/v1/keys", `{"id":3,"profile":"A"}`, 201)
	e.decode(w, &a)
	if loc := w.Header().Get("Location"); loc != "/api/v1/keys/3" {
		t.Errorf("Location %q", loc)
	}
	e.decode(e.mustStatus(e.admin, "POST", "/api/v1/keys", `{"id":1,"profile":"b"}`, 201), &b)
	if a.ID != 3 || a.Profile != "A" || a.Curve != "X25519" || len(a.PublicKey) != 64 {
		t.Errorf("profile A key %+v: want id 3, 32 octets of X25519", a)
	}
	if b.ID != 1 || b.Profile != "B" || b.Curve != "P-256" || len(b.PublicKey) != 66 {
		t.Errorf("profile B key %+v: want id 1, a 33-octet compressed P-256 point", b)
	}
	if n := cache.n.Load(); n != 2 {
		t.Errorf("%d cache invalidations after two creations", n)
	}

	// The answer's public key is the stored private key's.
	stored, err := e.st.HomeNetworkKeys(t.Context())
	if err != nil || len(stored) != 2 {
		t.Fatalf("store: %d keys, %v", len(stored), err)
	}
	for _, k := range stored {
		e.secrets = append(e.secrets, hex.EncodeToString(k.PrivateBytes()))
		want := map[uint8]keyOut{1: b, 3: a}[k.ID]
		if got := k.PublicKey().String(); got != want.PublicKey {
			t.Errorf("key %d: stored public key %s, API said %s", k.ID, got, want.PublicKey)
		}
		if _, err := suci.ParsePublicKeyHex(k.Scheme, k.ID, want.PublicKey); err != nil {
			t.Errorf("key %d: the API's public key does not parse: %v", k.ID, err)
		}
	}

	// Every role lists them, by id, with the same public keys.
	for _, c := range []cred{e.readOnly, e.operator, e.admin, e.token} {
		var l keyList
		e.decode(e.mustStatus(c, "GET", "/api/v1/keys", "", 200), &l)
		if len(l.Items) != 2 || l.Items[0] != b || l.Items[1] != a {
			t.Errorf("list as %s: %+v, want [%+v %+v]", c.name, l.Items, b, a)
		}
	}
	body := e.do(e.admin, "GET", "/api/v1/keys", "").Body.String()
	if strings.Contains(strings.ToLower(body), "priv") {
		t.Errorf("the list names a private key: %s", body)
	}

	// Only an admin changes them.
	for _, c := range []cred{e.readOnly, e.operator, e.token} {
		e.problemOf(e.do(c, "POST", "/api/v1/keys", `{"id":9,"profile":"A"}`), 403, "")
		e.problemOf(e.do(c, "DELETE", "/api/v1/keys/3", ""), 403, "")
	}

	e.mustStatus(e.admin, "DELETE", "/api/v1/keys/3", "", 204)
	if n := cache.n.Load(); n != 3 {
		t.Errorf("%d cache invalidations after two creations and a deletion", n)
	}
	var l keyList
	e.decode(e.mustStatus(e.readOnly, "GET", "/api/v1/keys", "", 200), &l)
	if len(l.Items) != 1 || l.Items[0] != b {
		t.Errorf("after deleting key 3: %+v", l.Items)
	}
	// The last key may be deleted too (see deleteKey), with a warning logged.
	if strings.Contains(e.log.String(), "last SUCI home network key") {
		t.Error("warned of the last key while one is left")
	}
	e.mustStatus(e.admin, "DELETE", "/api/v1/keys/1", "", 204)
	if !strings.Contains(e.log.String(), "last SUCI home network key") {
		t.Error("no warning when the last key was deleted")
	}
	e.problemOf(e.do(e.admin, "DELETE", "/api/v1/keys/1", ""), 404, "")

	// The audit log has each change, newest first, naming profile and public key.
	var audit struct{ Items []auditOut }
	e.decode(e.mustStatus(e.admin, "GET", "/api/v1/audit?limit=4", "", 200), &audit)
	want := []struct{ action, target, detail string }{
		{"key.delete", "1", "profile B, public key " + b.PublicKey},
		{"key.delete", "3", "profile A, public key " + a.PublicKey},
		{"key.create", "1", "profile B, public key " + b.PublicKey},
		{"key.create", "3", "profile A, public key " + a.PublicKey},
	}
	if len(audit.Items) != len(want) {
		t.Fatalf("audit %+v", audit.Items)
	}
	for i, w := range want {
		got := audit.Items[i]
		if got.Action != w.action || got.Target != w.target || got.Detail != w.detail || got.Actor != "user:admin" {
			t.Errorf("audit[%d] = %+v, want %s %s %q by user:admin", i, got, w.action, w.target, w.detail)
		}
	}
}

// testKeysErrors: bad input is a 400 naming the field, a taken id 409, an
// unknown key 404; none of them touches the store or the cache.
func testKeysErrors(t *testing.T, e *env, cache *countingCache) {
	e.mustStatus(e.admin, "POST", "/api/v1/keys", `{"id":0,"profile":"A"}`, 201)
	before := cache.n.Load()
	for _, tc := range []struct {
		body   string
		status int
		field  string
	}{
		{`{"profile":"A"}`, 400, "id"},
		{`{"id":256,"profile":"A"}`, 400, "id"},
		{`{"id":-1,"profile":"A"}`, 400, "id"},
		{`{"id":"1","profile":"A"}`, 400, "id"},
		{`{"id":1.5,"profile":"A"}`, 400, "id"},
		{`{"id":1}`, 400, "profile"},
		{`{"id":1,"profile":"C"}`, 400, "profile"},
		{`{"id":1,"profile":"null"}`, 400, "profile"},
		{`{"id":1,"profile":"A","privateKey":"00"}`, 400, "privateKey"},
		{`{"id":0,"profile":"B"}`, 409, "id"},
	} {
		w := e.do(e.admin, "POST", "/api/v1/keys", tc.body)
		p := e.problemOf(w, tc.status, tc.field)
		if p.Detail == "" {
			t.Errorf("%s: problem without detail", tc.body)
		}
	}
	e.problemOf(e.request(e.admin, "POST", "/api/v1/keys", `id=1&profile=A`, "application/x-www-form-urlencoded"), 415, "")
	for _, id := range []string{"x", "256", "-1", "1.0", "0x01"} {
		e.problemOf(e.do(e.admin, "DELETE", "/api/v1/keys/"+id, ""), 400, "id")
	}
	e.problemOf(e.do(e.admin, "DELETE", "/api/v1/keys/17", ""), 404, "")
	// A cookie without the CSRF header changes nothing.
	noCSRF := e.admin
	noCSRF.csrf = ""
	e.problemOf(e.do(noCSRF, "DELETE", "/api/v1/keys/0", ""), 403, "")
	if n := cache.n.Load(); n != before {
		t.Errorf("%d invalidations for refused requests", n-before)
	}
	keys, err := e.st.HomeNetworkKeys(t.Context())
	if err != nil || len(keys) != 1 || keys[0].ID != 0 || keys[0].Scheme != suci.ProfileA {
		t.Errorf("store after refused requests: %v %v", keys, err)
	}
	var audit struct{ Items []auditOut }
	e.decode(e.mustStatus(e.admin, "GET", "/api/v1/audit?limit=100", "", 200), &audit)
	n := 0
	for _, it := range audit.Items {
		if strings.HasPrefix(it.Action, "key.") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d key audit entries, want the one creation: %s", n, fmt.Sprint(audit.Items))
	}
}
