package udm

import (
	"context"
	"errors"
	"strings"

	"go5g/internal/problem"
	"go5g/internal/suci"
)

// supiOf resolves the ueId of Nudm_UEAuthentication Get: a SUPI is taken as
// it is; a SUCI is de-concealed by the SIDF with the home network private
// key it names, read from the UDR.
//
// Spec: TS 33.501 §6.12.5, §C.3.3; TS 29.503 §5.4.2.2, §6.3.7.3
func (u *UDM) supiOf(ctx context.Context, supiOrSuci string) (string, error) {
	if !strings.HasPrefix(supiOrSuci, "suci-") {
		if strings.HasPrefix(supiOrSuci, "imsi-") || strings.HasPrefix(supiOrSuci, "nai-") {
			return supiOrSuci, nil
		}
		return "", problem.Newf(problem.MandatoryIEIncorrect, "supiOrSuci %q is neither a SUPI nor a SUCI", supiOrSuci)
	}
	s, err := suci.ParseSUCI(supiOrSuci)
	if err != nil {
		return "", problem.Wrap(problem.MandatoryIEIncorrect, err)
	}
	var keys []suci.HomeNetworkKey
	switch s.Scheme {
	case suci.NullScheme:
	case suci.ProfileA, suci.ProfileB:
		k, err := u.udr.HomeNetworkKey(ctx, s.Scheme, s.KeyID)
		if err != nil {
			return "", err
		}
		keys = append(keys, k)
	default:
		return "", problem.Newf(problem.UnsupportedProtectionScheme, "protection scheme %v", s.Scheme)
	}
	supi, err := suci.Deconceal(s, keys...)
	switch {
	case err == nil:
		return supi.String(), nil
	case errors.Is(err, suci.ErrUnknownKey):
		return "", problem.Wrap(problem.InvalidHNPublicKeyIdentifier, err)
	case errors.Is(err, suci.ErrScheme):
		return "", problem.Wrap(problem.UnsupportedProtectionScheme, err)
	}
	// MAC tag mismatch, a bad ephemeral key, a wrong length or a plaintext
	// that is no MSIN: the SIDF cannot recover a SUPI from this output.
	return "", problem.Wrap(problem.InvalidSchemeOutput, err)
}
