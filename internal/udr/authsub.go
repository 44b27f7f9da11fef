package udr

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/free5gc/openapi/models"

	"go5g/internal/store"
)

// AlgorithmMilenage is the algorithmId of every go5g subscription: f1-f5*
// are Milenage (TS 35.206) with an OPc.
const AlgorithmMilenage = "milenage"

// QueryAuthSubsData returns the authentication subscription of supi. The
// keys go out in the clear (encPermanentKey and encOpcKey with no
// protectionParameterId): the UDM and the UDR share one process, and the
// store is the place for encryption at rest. The values carry key material:
// never log them.
//
// Spec: TS 29.505 §5.2.2.3.1 (GET AuthenticationSubscription)
func (u *UDR) QueryAuthSubsData(ctx context.Context, supi string) (models.Udr_DR_AuthenticationSubscription, error) {
	s, err := u.subscriber(ctx, supi)
	if err != nil {
		return models.Udr_DR_AuthenticationSubscription{}, err
	}
	return models.Udr_DR_AuthenticationSubscription{
		Supi:                          s.SUPI,
		AuthenticationMethod:          authMethod(s.AuthMethod),
		EncPermanentKey:               hex.EncodeToString(s.K),
		EncOpcKey:                     hex.EncodeToString(s.OPc),
		AuthenticationManagementField: hex.EncodeToString(s.AMF[:]),
		AlgorithmId:                   AlgorithmMilenage,
		SequenceNumber: &models.Udr_DR_SequenceNumber{
			SqnScheme: models.Udr_DR_SqnScheme_NON_TIME_BASED,
			Sqn:       fmt.Sprintf("%012x", s.SQN),
			IndLength: store.IndBits,
		},
	}, nil
}

func authMethod(m store.AuthMethod) models.Udr_DR_AuthMethod {
	switch m {
	case store.AuthMethod5GAKA:
		return models.Udr_DR_AuthMethod_5_G_AKA
	case store.AuthMethodEAPAKAPrime:
		return models.Udr_DR_AuthMethod_EAP_AKA_PRIME
	}
	return models.Udr_DR_AuthMethod(m)
}
