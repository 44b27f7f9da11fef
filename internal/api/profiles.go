package api

import (
	"context"
	"errors"
	"net/http"

	"go5g/internal/store"
)

// Subscriber profiles are templates: a create or import that names one
// ("profile": "gold", CSV column profile) takes the profile's values for
// every subscription field it leaves out. The values are copied, so a
// profile can be changed or deleted while subscribers made from it exist;
// they keep what they were given.

// profileJSON is a profile as the API reads and shows it; the field names
// and formats are those of a subscriber.
type profileJSON struct {
	Name          string         `json:"name"`
	AuthMethod    string         `json:"authMethod,omitempty"`
	SNSSAIs       []store.SNSSAI `json:"snssais"`
	DefaultSNSSAI *store.SNSSAI  `json:"defaultSnssai,omitempty"`
	DNNs          []string       `json:"dnns"`
	AMBR          *ambrJSON      `json:"ambr"`
}

func profileOut(p store.Profile) profileJSON {
	def := p.DefaultSNSSAI
	o := profileJSON{Name: p.Name, AuthMethod: string(p.AuthMethod), SNSSAIs: p.SNSSAIs, DefaultSNSSAI: &def,
		DNNs: p.DNNs, AMBR: &ambrJSON{Uplink: p.AMBR.Uplink.String(), Downlink: p.AMBR.Downlink.String()}}
	if o.DNNs == nil {
		o.DNNs = []string{}
	}
	return o
}

// toProfile reads a profile: authMethod defaults to 5G_AKA, the default
// S-NSSAI to the first listed; snssais and ambr are required (a profile is
// a whole subscription), dnns may be empty.
func toProfile(in profileJSON) (store.Profile, error) {
	p := store.Profile{Name: in.Name, AuthMethod: store.AuthMethod(in.AuthMethod), SNSSAIs: in.SNSSAIs, DNNs: in.DNNs}
	if err := store.ValidName(p.Name); err != nil {
		return p, err
	}
	if p.AuthMethod == "" {
		p.AuthMethod = store.AuthMethod5GAKA
	}
	switch {
	case in.DefaultSNSSAI != nil:
		p.DefaultSNSSAI = *in.DefaultSNSSAI
	case len(in.SNSSAIs) > 0:
		p.DefaultSNSSAI = in.SNSSAIs[0]
	}
	if in.AMBR == nil {
		return p, fieldErr("ambr", "is required: {\"uplink\": \"1 Gbps\", \"downlink\": \"2 Gbps\"}")
	}
	var err error
	if p.AMBR.Uplink, err = store.ParseBitRate(in.AMBR.Uplink); err != nil {
		return p, fieldErr("ambr_uplink", "%v", err)
	}
	if p.AMBR.Downlink, err = store.ParseBitRate(in.AMBR.Downlink); err != nil {
		return p, fieldErr("ambr_downlink", "%v", err)
	}
	return p, p.Validate()
}

func (a *API) listProfiles(w http.ResponseWriter, r *http.Request) {
	ps, err := a.st.ListProfiles(r.Context())
	writeItems(a, w, ps, err, profileOut)
}

func (a *API) getProfile(w http.ResponseWriter, r *http.Request) {
	p, err := a.st.GetProfile(r.Context(), r.PathValue("name"))
	writeItem(a, w, p, err, profileOut)
}

func (a *API) createProfile(w http.ResponseWriter, r *http.Request) {
	var in profileJSON
	if decode(w, r, &in) != nil {
		return
	}
	p, err := toProfile(in)
	if err != nil {
		a.fail(w, err)
		return
	}
	if err := a.audited(r, "profile.create", p.Name, "", func(ctx context.Context) error {
		return a.st.AddProfile(ctx, p)
	}); err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/profiles/"+p.Name)
	writeJSON(w, http.StatusCreated, profileOut(p))
}

// updateProfile replaces a profile; subscribers made from it keep their
// values.
func (a *API) updateProfile(w http.ResponseWriter, r *http.Request) {
	var in profileJSON
	if decode(w, r, &in) != nil {
		return
	}
	name := r.PathValue("name")
	if in.Name == "" {
		in.Name = name
	}
	if in.Name != name {
		a.fail(w, fieldErr("name", "differs from the name in the path; a profile cannot be renamed"))
		return
	}
	p, err := toProfile(in)
	if err != nil {
		a.fail(w, err)
		return
	}
	if err := a.audited(r, "profile.update", p.Name, "", func(ctx context.Context) error {
		return a.st.UpdateProfile(ctx, p)
	}); err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, profileOut(p))
}

// deleteProfile removes a profile even while subscribers made from it
// exist: they hold copies of its values, not a reference.
func (a *API) deleteProfile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := a.audited(r, "profile.delete", name, "", func(ctx context.Context) error {
		return a.st.DeleteProfile(ctx, name)
	}); err != nil {
		a.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// profileCache looks profiles up once per request (an import names the
// same few on many rows).
type profileCache map[string]*store.Profile

// get returns the named profile; a missing one is a field error on
// "profile", since it is the request that is wrong.
func (c profileCache) get(ctx context.Context, st store.Store, name string) (*store.Profile, error) {
	if p, ok := c[name]; ok {
		if p == nil {
			return nil, fieldErr("profile", "no profile %q (see GET /api/v1/profiles)", name)
		}
		return p, nil
	}
	p, err := st.GetProfile(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		c[name] = nil
		return nil, fieldErr("profile", "no profile %q (see GET /api/v1/profiles)", name)
	}
	if err != nil {
		return nil, err
	}
	c[name] = &p
	return &p, nil
}

// withProfile fills what in leaves out from p: authMethod, snssais with
// defaultSnssai (the default only when snssais is left out too, so it is
// one of them), dnns, and ambr or the direction of it that is empty.
func withProfile(in subscriberIn, p *store.Profile) subscriberIn {
	if p == nil {
		return in
	}
	if in.AuthMethod == nil {
		m := string(p.AuthMethod)
		in.AuthMethod = &m
	}
	if in.SNSSAIs == nil {
		in.SNSSAIs = append([]store.SNSSAI(nil), p.SNSSAIs...)
		if in.DefaultSNSSAI == nil {
			d := p.DefaultSNSSAI
			in.DefaultSNSSAI = &d
		}
	}
	if in.DNNs == nil {
		in.DNNs = append([]string{}, p.DNNs...)
	}
	ambr := ambrJSON{}
	if in.AMBR != nil {
		ambr = *in.AMBR
	}
	if ambr.Uplink == "" {
		ambr.Uplink = p.AMBR.Uplink.String()
	}
	if ambr.Downlink == "" {
		ambr.Downlink = p.AMBR.Downlink.String()
	}
	in.AMBR = &ambr
	return in
}

// applyProfile resolves in.Profile, if any, and fills in from it.
func (a *API) applyProfile(ctx context.Context, in subscriberIn, cache profileCache) (subscriberIn, error) {
	if in.Profile == "" {
		return in, nil
	}
	p, err := cache.get(ctx, a.st, in.Profile)
	if err != nil {
		return in, err
	}
	return withProfile(in, p), nil
}
