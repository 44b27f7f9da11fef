package metrics

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves r in the Prometheus exposition formats (text or
// OpenMetrics, as the scraper asks) on GET and HEAD.
//
// With a non-empty token every request must carry "Authorization: Bearer
// <token>" (Prometheus' scrape_config authorization/bearer_token); others
// get 401 with a WWW-Authenticate challenge. Metrics name no subscriber,
// but they reveal load and failure rates, so a core reachable beyond the
// operator's network should set one. Spec: RFC 6750 §2.1, §3
func Handler(r *Registry, token string) http.Handler {
	prom := promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{
		// A failing collector costs its own series, not the scrape.
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
		EnableOpenMetrics:   true,
	})
	// Compare digests so that the comparison takes the same time whatever
	// the length of the token presented.
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if token != "" {
			got, ok := bearer(req.Header.Get("Authorization"))
			sum := sha256.Sum256([]byte(got))
			if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="go5g metrics"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		prom.ServeHTTP(w, req)
	})
}

// bearer returns the token of an Authorization header of the Bearer
// scheme, whose name is case-insensitive (RFC 9110 §11.1).
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimLeft(tok, " ")
	return tok, tok != ""
}
