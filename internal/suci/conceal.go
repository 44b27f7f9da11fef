package suci

import (
	"fmt"
	"io"
)

// Conceal is the UE side: it builds the SUCI of supi for the given routing
// indicator ("0" when the USIM has none). A nil key selects the null scheme;
// otherwise the ephemeral private key is read from rand, so tests can fix it.
//
// Spec: TS 33.501 §6.12.2, §C.2, §C.3.2
func Conceal(supi SUPI, routingIndicator string, key *PublicKey, rand io.Reader) (SUCI, error) {
	input, err := supi.schemeInput()
	if err != nil {
		return SUCI{}, err
	}
	s := SUCI{Format: supi.Format, MCC: supi.MCC, MNC: supi.MNC, RoutingIndicator: routingIndicator}
	if supi.Format == FormatNSI {
		_, s.Realm, _ = splitNAI(supi.NAI)
	}
	if len(routingIndicator) < 1 || len(routingIndicator) > 4 || !isDigits(routingIndicator) {
		return SUCI{}, fmt.Errorf("%w: routing indicator %q is not 1 to 4 digits", ErrFormat, routingIndicator)
	}
	if key == nil {
		s.Scheme, s.Output = NullScheme, input
		return s, nil
	}
	p, err := profileOf(key.Scheme)
	if err != nil {
		return SUCI{}, err
	}
	if key.key == nil || key.key.Curve() != p.curve {
		return SUCI{}, fmt.Errorf("%w: home network public key not set for profile %v", ErrBadPoint, key.Scheme)
	}
	eph, err := newPrivate(p.curve, rand)
	if err != nil {
		return SUCI{}, err
	}
	if s.Output, err = seal(p, key.key, eph, input); err != nil {
		return SUCI{}, err
	}
	s.Scheme, s.KeyID = key.Scheme, key.ID
	return s, nil
}

// Deconceal is the home network side (SIDF): it recovers the SUPI from a
// SUCI with the key whose scheme and identifier the SUCI names. Errors:
// ErrUnknownKey, ErrScheme, ErrLength, ErrBadPoint, ErrMAC, ErrFormat.
//
// Spec: TS 33.501 §6.12.5, §C.3.3
func Deconceal(s SUCI, keys ...HomeNetworkKey) (SUPI, error) {
	var input []byte
	switch s.Scheme {
	case NullScheme:
		input = s.Output
	case ProfileA, ProfileB:
		k, ok := findKey(keys, s.Scheme, s.KeyID)
		if !ok {
			return SUPI{}, fmt.Errorf("%w: profile %v, key id %d", ErrUnknownKey, s.Scheme, s.KeyID)
		}
		p, _ := profileOf(s.Scheme)
		var err error
		if input, err = open(p, k.priv, s.Output); err != nil {
			return SUPI{}, err
		}
	default:
		return SUPI{}, fmt.Errorf("%w: %v", ErrScheme, s.Scheme)
	}
	switch s.Format {
	case FormatIMSI:
		if err := s.checkHeader(); err != nil {
			return SUPI{}, err
		}
		msin, err := decodeBCD(input)
		if err != nil {
			return SUPI{}, fmt.Errorf("scheme input: %w", err)
		}
		return NewIMSI(s.MCC, s.MNC, msin)
	case FormatNSI:
		return NewNAI(string(input) + "@" + s.Realm)
	}
	return SUPI{}, fmt.Errorf("%w: SUPI format %d", ErrFormat, s.Format)
}

func findKey(keys []HomeNetworkKey, scheme Scheme, id uint8) (HomeNetworkKey, bool) {
	for _, k := range keys {
		if k.Scheme == scheme && k.ID == id && k.priv != nil {
			return k, true
		}
	}
	return HomeNetworkKey{}, false
}
