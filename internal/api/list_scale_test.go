package api

import (
	"testing"

	"go5g/internal/store"
	"go5g/internal/store/storetest"
)

// BenchmarkList1M: GET /api/v1/subscribers at 1,000,000 subscribers on
// both stores: the first page (which counts, up to countCap), the first
// page of a prefix search, a page deep by cursor, and, for comparison, the
// exact COUNT(*) the first page made before the cap. Loading takes about
// 20 s per store, so this is a benchmark, not a test:
//
//	go test -run '^$' -bench List1M -benchtime 20x ./internal/api/
func BenchmarkList1M(b *testing.B) {
	const n = 1_000_000
	subs, err := storetest.Sample("imsi-001010000000001").Range(n)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		open func(testing.TB) (store.Store, func())
	}{
		{"SQLite", func(tb testing.TB) (store.Store, func()) { return benchSQLite(tb), func() {} }},
		{"Postgres", func(tb testing.TB) (store.Store, func()) { return benchPG(tb), func() {} }},
		{"PostgresVacuumed", vacuumedPG},
	} {
		b.Run(tc.name, func(b *testing.B) {
			st, loaded := tc.open(b)
			for start := 0; start < n; start += 100_000 {
				if err := st.AddSubscribers(b.Context(), subs[start:start+100_000]...); err != nil {
					b.Fatal(err)
				}
			}
			loaded()
			a, err := New(Config{Auth: authCheap()}, Deps{Store: st})
			if err != nil {
				b.Fatal(err)
			}
			tok, _, err := a.auth.CreateAPIToken(b.Context(), "bench", store.RoleReadOnly, "bench")
			if err != nil {
				b.Fatal(err)
			}
			for _, page := range []struct{ name, query string }{
				{"FirstPage", ""},
				{"FirstPagePrefix", "&prefix=imsi-0010100005"}, // 100,000 match
				{"Deep900k", "&cursor=" + encodeCursor("imsi-001010000900000")},
			} {
				b.Run(page.name, func(b *testing.B) {
					for b.Loop() {
						r := newReq("GET", "/api/v1/subscribers?limit=100"+page.query)
						r.Header.Set("Authorization", "Bearer "+tok)
						w := newRec()
						a.ServeHTTP(w, r)
						if w.Code != 200 {
							b.Fatalf("%d %s", w.Code, w.Body)
						}
					}
				})
			}
			b.Run("ExactCount", func(b *testing.B) {
				for b.Loop() {
					if got, err := st.CountSubscribers(b.Context(), "", 0); err != nil || got != n {
						b.Fatalf("count = %d, %v", got, err)
					}
				}
			})
		})
	}
}
