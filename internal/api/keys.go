package api

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"go5g/internal/store"
	"go5g/internal/suci"
)

// Caches are told what the API changed in the store, so that the caches
// of it (the UDR's, in `go5g core`) drop what they hold and the change
// applies at once: a home network key to the next SUCI. It is an
// interface so that this package need not import the UDR.
type Caches interface {
	InvalidateHomeNetworkKeys()
}

// keyOut is a home network key as the API shows it: its public half only.
// The private key never leaves the store.
type keyOut struct {
	ID        uint8  `json:"id"`
	Profile   string `json:"profile"`
	Curve     string `json:"curve"`
	PublicKey string `json:"publicKey"` // hex, as SIM tools take it
}

func toKeyOut(k suci.HomeNetworkKey) keyOut {
	curve := "X25519"
	if k.Scheme == suci.ProfileB {
		curve = "P-256" // the compressed point, 33 octets
	}
	return keyOut{ID: k.ID, Profile: k.Scheme.String(), Curve: curve, PublicKey: k.PublicKey().String()}
}

// keysChanged tells the key cache, if any, that the store's keys changed.
func (a *API) keysChanged() {
	if a.caches != nil {
		a.caches.InvalidateHomeNetworkKeys()
	}
}

// listKeys is GET /api/v1/keys: every home network public key by id.
//
// Spec: TS 33.501 §6.12.2, Annex C.3
func (a *API) listKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := a.st.HomeNetworkKeys(r.Context())
	writeItems(a, w, keys, err, toKeyOut)
}

// createKey is POST /api/v1/keys {"id": N, "profile": "A"|"B"}: the key
// pair is generated here, so the private key is never sent over the wire;
// the answer carries the public key to provision in the USIMs.
//
// Spec: TS 33.501 §C.3.4.1 (Profile A, X25519), §C.3.4.2 (Profile B, P-256)
func (a *API) createKey(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ID      *int   `json:"id"`
		Profile string `json:"profile"`
	}
	if decode(w, r, &in) != nil {
		return
	}
	if in.ID == nil {
		a.fail(w, fieldErr("id", "is required: the home network public key identifier, 0 to 255"))
		return
	}
	if *in.ID < 0 || *in.ID > 255 {
		a.fail(w, fieldErr("id", "must be 0 to 255 (the home network public key identifier is one octet)"))
		return
	}
	var scheme suci.Scheme
	switch strings.ToUpper(in.Profile) {
	case "A":
		scheme = suci.ProfileA
	case "B":
		scheme = suci.ProfileB
	case "":
		a.fail(w, fieldErr("profile", "is required: A (X25519) or B (P-256)"))
		return
	default:
		a.fail(w, fieldErr("profile", "must be A (X25519) or B (P-256)"))
		return
	}
	k, err := suci.GenerateKey(scheme, uint8(*in.ID), rand.Reader)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := toKeyOut(k)
	err = a.audited(r, "key.create", strconv.Itoa(*in.ID), "profile "+out.Profile+", public key "+out.PublicKey, func(ctx context.Context) error {
		return a.st.AddHomeNetworkKey(ctx, k)
	})
	if err != nil {
		if errors.Is(err, store.ErrExists) {
			writeProblem(w, problem{Status: http.StatusConflict, Field: "id",
				Detail: "key id " + strconv.Itoa(*in.ID) + " is taken; choose another id or delete that key first"})
			return
		}
		a.fail(w, err)
		return
	}
	a.keysChanged()
	w.Header().Set("Location", "/api/v1/keys/"+strconv.Itoa(*in.ID))
	writeJSON(w, http.StatusCreated, out)
}

// deleteKey is DELETE /api/v1/keys/{id}. Deleting is allowed for every key,
// the last one included, as `go5g keys delete` allows it: the API cannot
// know which keys the USIMs in the field hold, and the reason to delete a
// key in a hurry is that it leaked, when it must stop working at once.
// The deletion applies to the next SUCI this process deconceals (the key
// cache is invalidated); UEs whose USIM conceals with this key are then
// rejected (TS 29.503 INVALID_HN_PUBLIC_KEY_IDENTIFIER, 5GMM cause #3) until
// they are provisioned with another key. Another process over the same
// store (`go5g nf udr`) notices within its key cache TTL.
//
// Spec: TS 33.501 §6.12.2; TS 29.503 §6.3.7.3
func (a *API) deleteKey(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 0 || id > 255 {
		a.fail(w, fieldErr("id", "must be 0 to 255 (the home network public key identifier)"))
		return
	}
	// Read the key first, so the audit says which profile and public key went.
	keys, err := a.st.HomeNetworkKeys(r.Context())
	if err != nil {
		a.fail(w, err)
		return
	}
	detail := ""
	for _, k := range keys {
		if int(k.ID) == id {
			o := toKeyOut(k)
			detail = "profile " + o.Profile + ", public key " + o.PublicKey
		}
	}
	err = a.audited(r, "key.delete", strconv.Itoa(id), detail, func(ctx context.Context) error {
		return a.st.DeleteHomeNetworkKey(ctx, uint8(id))
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			writeProblem(w, problem{Status: http.StatusNotFound, Detail: "there is no home network key " + strconv.Itoa(id) + " (GET /api/v1/keys lists them)"})
			return
		}
		a.fail(w, err)
		return
	}
	a.keysChanged()
	if len(keys) == 1 {
		a.log.Warn("api: the last SUCI home network key was deleted: only UEs using the null scheme can register",
			"key_id", id, "fix", "POST /api/v1/keys, then provision the new public key in the USIMs")
	}
	w.WriteHeader(http.StatusNoContent)
}
