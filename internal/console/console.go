// Package console is go5g's web console: a single-page application of
// plain HTML, CSS and JavaScript modules, embedded in the binary and served
// by Handler beside the REST API (internal/api), which does all the work.
// There is no build step and nothing is fetched from elsewhere, so the
// console works on an offline network and its Content-Security-Policy can
// be default-src 'self' with no exceptions.
//
// Assets are served under /assets/<version>/, where version is a hash of
// every embedded file: a browser may cache them forever, and a new binary
// changes the path. index.html (which names the version) is revalidated on
// every load.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// CSP allows only the console's own origin: no inline script or style, no
// framing, no plugins, and forms and <base> cannot point elsewhere.
//
// Spec: W3C Content Security Policy Level 3 §6 (directives)
const CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"

// assetsPrefix is where the versioned assets live.
const assetsPrefix = "/assets/"

// versionPlaceholder in index.html becomes the assets' URL path.
const versionPlaceholder = "{{ASSETS}}"

// asset is one embedded file, ready to serve.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// handler serves index.html and the versioned assets.
type handler struct {
	version string
	index   asset
	assets  map[string]asset // by file name under static/, without index.html
	modTime time.Time
}

// Handler returns the console's http.Handler, to be mounted at "/" beside
// the API at /api/v1/. It answers GET and HEAD only.
func Handler() http.Handler {
	h, err := newHandler(static)
	if err != nil {
		// The embedded files are fixed at build time; TestHandler covers them.
		panic("console: embedded files: " + err.Error())
	}
	return h
}

func newHandler(fsys fs.FS) (*handler, error) {
	sub, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, err
	}
	var names []string
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	sum := sha256.New()
	files := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(sub, n)
		if err != nil {
			return nil, err
		}
		files[n] = b
		sum.Write([]byte(n))
		sum.Write([]byte{0})
		sum.Write(b)
	}
	h := &handler{version: hex.EncodeToString(sum.Sum(nil))[:16], assets: make(map[string]asset, len(names))}
	idx, ok := files["index.html"]
	if !ok {
		return nil, fs.ErrNotExist
	}
	idx = bytes.ReplaceAll(idx, []byte(versionPlaceholder), []byte(assetsPrefix+h.version))
	h.index = newAsset("index.html", idx)
	for n, b := range files {
		if n != "index.html" {
			h.assets[n] = newAsset(n, b)
		}
	}
	return h, nil
}

func newAsset(name string, b []byte) asset {
	ct := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) { // the host's MIME table may lack or differ on these
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".html":
		ct = "text/html; charset=utf-8"
	case ".svg":
		ct = "image/svg+xml"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	s := sha256.Sum256(b)
	return asset{body: b, ctype: ct, etag: `"` + hex.EncodeToString(s[:8]) + `"`}
}

// securityHeaders go on every response, errors included.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY") // for browsers without CSP frame-ancestors
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/" || p == "/index.html":
		// Revalidated on every load: it names the current assets.
		w.Header().Set("Cache-Control", "no-cache")
		h.serve(w, r, h.index)
		return
	case strings.HasPrefix(p, assetsPrefix):
		ver, name, ok := strings.Cut(strings.TrimPrefix(p, assetsPrefix), "/")
		a, found := h.assets[name]
		if ok && found && ver == h.version {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			h.serve(w, r, a)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "404 page not found", http.StatusNotFound)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, a asset) {
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("ETag", a.etag)
	// ServeContent answers If-None-Match with 304, HEAD without a body, and ranges.
	http.ServeContent(w, r, "", h.modTime, bytes.NewReader(a.body))
}
