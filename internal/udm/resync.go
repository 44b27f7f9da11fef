package udm

import (
	"context"
	"encoding/hex"
	"errors"

	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/problem"
)

// sqnFor returns the SQN of the next vector for supi. Without
// resynchronisation information it is the next step of the subscriber's
// counter. With it, the ARPF verifies AUTS (MAC-S) against the RAND it was
// computed for; if MAC-S verifies, SQN_HE is reset to the SQN_MS the UE
// reported and the vector continues from there. If MAC-S fails, SQN_HE is
// left as it is and a vector is generated anyway, as TS 33.102 sends new
// vectors in both cases.
//
// The ARPF resets SQN_HE whenever AUTS verifies, without first checking
// (TS 33.102 §6.3.5 step 2) whether its next SQN would already be accepted:
// the reset SQN is fresher than SQN_MS either way, and the UE accepts each
// SQN at most once, so a re-issued SQN with a new RAND opens no replay.
//
// Spec: TS 33.102 §6.3.5; TS 33.501 §6.1.3.3.2
func (u *UDM) sqnFor(ctx context.Context, supi string, c credentials, rs *models.Udm_UEAU_ResynchronizationInfo) (uint64, error) {
	if rs == nil {
		return u.udr.IncrementSQN(ctx, supi)
	}
	rand, err := hex.DecodeString(rs.Rand)
	if err != nil || len(rand) != 16 {
		return 0, problem.New(problem.MandatoryIEIncorrect, "resynchronizationInfo.rand is not 16 octets of hex")
	}
	auts, err := hex.DecodeString(rs.Auts)
	if err != nil || len(auts) != 14 {
		return 0, problem.New(problem.MandatoryIEIncorrect, "resynchronizationInfo.auts is not 14 octets of hex")
	}
	sqnMS, err := aka.Resync(c.k, c.opc, rand, auts)
	if errors.Is(err, aka.ErrMACFailure) {
		return u.udr.IncrementSQN(ctx, supi)
	}
	if err != nil {
		return 0, problem.Wrap(problem.SystemFailure, err)
	}
	return u.udr.ResyncSQN(ctx, supi, sqnMS)
}
