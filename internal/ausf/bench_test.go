package ausf_test

import (
	"testing"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/suci"
)

// BenchmarkAuthenticate5GAKA measures the home network's share of one
// 5G-AKA: Authenticate (SIDF, one SQN step in SQLite, the vector) and
// Confirm5GAKA. The UE's computation is outside the timer.
func BenchmarkAuthenticate5GAKA(b *testing.B) {
	for _, scheme := range []suci.Scheme{suci.NullScheme, suci.ProfileA, suci.ProfileB} {
		b.Run(scheme.String(), func(b *testing.B) {
			n := newNetwork(b)
			u := newUE(b, supiAKA)
			id := u.suci(b, n, scheme)
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				actx, err := n.ausf.Authenticate(ctx, authInfo(id))
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				av := actx.Var5gAuthData.(models.Ausf_UEAU_Av5gAka)
				resStar, _, err := aka.UEResponse(u.k, u.opc, mustHex(b, av.Rand), mustHex(b, av.Autn), snn, aka.FresherThan(0))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				conf, err := n.ausf.Confirm5GAKA(ctx, ctxID(b, actx.Links), models.Ausf_UEAU_ConfirmationData{ResStar: resStarOf(resStar)})
				if err != nil || conf.AuthResult != models.Ausf_UEAU_AuthResult_SUCCESS {
					b.Fatal(conf, err)
				}
			}
		})
	}
}
