package console

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, path string, hdr ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkSecurity asserts the headers every response carries.
func checkSecurity(t *testing.T, path string, res *http.Response) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": CSP,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	}
	for k, v := range want {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", path, k, got, v)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: CSP %q lacks %q", path, csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-") {
		t.Errorf("%s: CSP %q allows something unsafe", path, csp)
	}
}

var assetRef = regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)

func TestIndexAndAssets(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/", "/index.html"} {
		res := get(t, h, "GET", p)
		checkSecurity(t, p, res)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("GET %s: %d %s", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", p, cc)
		}
		b := body(t, res)
		if strings.Contains(b, versionPlaceholder) {
			t.Errorf("GET %s: placeholder left in index.html", p)
		}
		refs := assetRef.FindAllStringSubmatch(b, -1)
		if len(refs) < 3 {
			t.Fatalf("GET %s: %d asset references, want the icon, CSS and JS: %s", p, len(refs), b)
		}
		for _, m := range refs {
			res := get(t, h, "GET", m[1])
			checkSecurity(t, m[1], res)
			if res.StatusCode != 200 {
				t.Errorf("GET %s (named by index.html): %d", m[1], res.StatusCode)
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
				t.Errorf("GET %s: Cache-Control %q, want a year, immutable", m[1], cc)
			}
		}
	}
}

// TestEveryEmbeddedFileServed checks each embedded file under its versioned
// path with the right type, and that every module a script imports exists
// (there is no bundler to notice a typo).
func TestEveryEmbeddedFileServed(t *testing.T) {
	hd, err := newHandler(static)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	imp := regexp.MustCompile(`from "\./([a-z]+\.js)"`)
	n := 0
	err = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "static/index.html" {
			return err
		}
		n++
		name := strings.TrimPrefix(p, "static/")
		url := assetsPrefix + hd.version + "/" + name
		res := get(t, hd, "GET", url)
		b := body(t, res)
		ext := name[strings.LastIndex(name, "."):]
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != types[ext] {
			t.Errorf("GET %s: %d %q, want 200 %q", url, res.StatusCode, res.Header.Get("Content-Type"), types[ext])
		}
		for _, m := range imp.FindAllStringSubmatch(b, -1) {
			if _, ok := hd.assets[m[1]]; !ok {
				t.Errorf("%s imports ./%s, which is not embedded", name, m[1])
			}
		}
		if strings.Contains(b, "innerHTML") || strings.Contains(b, "eval(") {
			t.Errorf("%s uses innerHTML or eval: put data into the page as text", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d embedded assets", n)
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := Handler()
	hd := h.(*handler)
	for _, p := range []string{
		"/nope", "/index.htm", "/app.js", "/assets/", "/assets/app.js",
		"/assets/0000000000000000/app.js", // another build's version
		"/assets/" + hd.version + "/", "/assets/" + hd.version + "/index.html",
		"/assets/" + hd.version + "/nope.js", "/assets/" + hd.version + "/../index.html",
		"/api/v1/subscribers", // the API's, not the console's
	} {
		res := get(t, h, "GET", p)
		checkSecurity(t, p, res)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", p, cc)
		}
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		res := get(t, h, m, "/")
		checkSecurity(t, m+" /", res)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /: %d Allow %q, want 405 with Allow: GET, HEAD", m, res.StatusCode, res.Header.Get("Allow"))
		}
	}
	res := get(t, h, "HEAD", "/")
	if res.StatusCode != 200 || body(t, res) != "" {
		t.Errorf("HEAD /: %d, want 200 without a body", res.StatusCode)
	}
}

func TestConditionalGet(t *testing.T) {
	h := Handler()
	res := get(t, h, "GET", "/")
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("GET /: no ETag")
	}
	res = get(t, h, "GET", "/", "If-None-Match", etag)
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("GET / If-None-Match %s: %d, want 304", etag, res.StatusCode)
	}
	checkSecurity(t, "304 /", res)
	res = get(t, h, "GET", "/", "If-None-Match", `"other"`)
	if res.StatusCode != 200 {
		t.Errorf("GET / with a stale ETag: %d, want 200", res.StatusCode)
	}
}

// TestVersionFollowsContent checks that changing any asset changes the
// assets' path, so an immutable cache never serves an old file.
func TestVersionFollowsContent(t *testing.T) {
	mk := func(js string) string {
		h, err := newHandler(fstest.MapFS{
			"static/index.html": {Data: []byte(`<script src="{{ASSETS}}/a.js"></script>`)},
			"static/a.js":       {Data: []byte(js)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := body(t, get(t, h, "GET", "/")); got != `<script src="/assets/`+h.version+`/a.js"></script>` {
			t.Fatalf("index.html = %q", got)
		}
		return h.version
	}
	if a, b := mk("1"), mk("2"); a == b {
		t.Errorf("version %s did not change with the content", a)
	}
	if a, b := mk("1"), mk("1"); a != b {
		t.Errorf("version is not deterministic: %s, %s", a, b)
	}
	if _, err := newHandler(fstest.MapFS{"static/a.js": {Data: []byte("x")}}); err == nil {
		t.Error("newHandler without index.html: no error")
	}
}
