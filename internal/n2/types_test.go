package n2

import (
	"errors"
	"testing"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

func TestPLMN(t *testing.T) {
	tests := []struct {
		plmn      PLMN
		ngap, nas string
	}{
		{PLMN{"001", "01"}, "00f110", "00f110"},
		{PLMN{"208", "93"}, "02f839", "02f839"},
		{PLMN{"310", "410"}, "134001", "130014"}, // 3-digit MNC: the layouts differ
		{PLMN{"001", "001"}, "000110", "001100"},
		{PLMN{"999", "999"}, "999999", "999999"},
		{PLMN{"123", "045"}, "210354", "215340"},
	}
	for _, tt := range tests {
		b, err := tt.plmn.NGAPBytes()
		if err != nil || string(hexs(b[:])) != tt.ngap {
			t.Errorf("%v.NGAPBytes() = %x, %v; want %s", tt.plmn, b, err, tt.ngap)
		}
		if p, err := PLMNFromNGAP(unhexString(tt.ngap)); err != nil || p != tt.plmn {
			t.Errorf("PLMNFromNGAP(%s) = %v, %v; want %v", tt.ngap, p, err, tt.plmn)
		}
		b, err = tt.plmn.NASBytes()
		if err != nil || string(hexs(b[:])) != tt.nas {
			t.Errorf("%v.NASBytes() = %x, %v; want %s", tt.plmn, b, err, tt.nas)
		}
		if p, err := PLMNFromNAS(unhexString(tt.nas)); err != nil || p != tt.plmn {
			t.Errorf("PLMNFromNAS(%s) = %v, %v; want %v", tt.nas, p, err, tt.plmn)
		}
	}
}

func hexs(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}

func TestPLMNInvalid(t *testing.T) {
	for _, p := range []PLMN{{"01", "01"}, {"0011", "01"}, {"001", "1"}, {"001", "0001"}, {"00a", "01"}, {"001", "0x"}, {}} {
		if b, err := p.NGAPBytes(); err == nil {
			t.Errorf("%q.NGAPBytes() = %x, want error", p, b)
		}
		if b, err := p.NASBytes(); err == nil {
			t.Errorf("%q.NASBytes() = %x, want error", p, b)
		}
	}
	for _, h := range []string{"", "00f1", "0af110", "00fa10", "00f11f", "00f1f0", "001f10", "a0f110"} {
		if p, err := PLMNFromNGAP(unhexString(h)); !errors.Is(err, ErrSemantic) {
			t.Errorf("PLMNFromNGAP(%s) = %v, %v; want ErrSemantic", h, p, err)
		}
	}
	for _, h := range []string{"", "0af110", "00f11a", "001af0"} {
		if p, err := PLMNFromNAS(unhexString(h)); !errors.Is(err, ErrSemantic) {
			t.Errorf("PLMNFromNAS(%s) = %v, %v; want ErrSemantic", h, p, err)
		}
	}
}

func TestBits(t *testing.T) {
	tests := []struct {
		v    uint64
		n    int
		want string
	}{
		{1, 22, "000004"},
		{0x3f8, 10, "fe00"},
		{1, 6, "04"},
		{0x10, 36, "0000000100"},
		{1<<36 - 1, 36, "fffffffff0"},
		{0xfffffffe, 32, "fffffffe"},
		{0xe000, 16, "e000"},
	}
	for _, tt := range tests {
		b := bits(tt.v, tt.n)
		if string(hexs(b.Bytes)) != tt.want || b.BitLength != uint64(tt.n) {
			t.Errorf("bits(%#x, %d) = %x/%d, want %s", tt.v, tt.n, b.Bytes, b.BitLength, tt.want)
		}
		if v, err := bitsValue(b, tt.n, "x"); err != nil || v != tt.v {
			t.Errorf("bitsValue(bits(%#x, %d)) = %#x, %v", tt.v, tt.n, v, err)
		}
	}
	if _, err := bitsValue(aper.BitString{Bytes: []byte{0xff}, BitLength: 8}, 10, "x"); !errors.Is(err, ErrSemantic) {
		t.Errorf("bitsValue of 8 bits as 10: err = %v", err)
	}
	if _, err := bitsValue(aper.BitString{Bytes: []byte{0xff}, BitLength: 10}, 10, "x"); !errors.Is(err, ErrSemantic) {
		t.Errorf("bitsValue with short bytes: err = %v", err)
	}
}

// TestConstantsMatchCodec checks our constants against the codec's, which were
// generated from the ASN.1 independently of this package.
func TestConstantsMatchCodec(t *testing.T) {
	causes := []struct {
		ours Cause
		g    CauseGroup
		v    aper.Enumerated
	}{
		{CauseReleaseDueToNGRANGeneratedReason, CauseRadioNetwork, ie.CauseRadioNetworkPresentReleaseDueToNgranGeneratedReason},
		{CauseReleaseDueTo5GCGeneratedReason, CauseRadioNetwork, ie.CauseRadioNetworkPresentReleaseDueTo5gcGeneratedReason},
		{CauseUnknownLocalUENGAPID, CauseRadioNetwork, ie.CauseRadioNetworkPresentUnknownLocalUENGAPID},
		{CauseInconsistentRemoteUENGAPID, CauseRadioNetwork, ie.CauseRadioNetworkPresentInconsistentRemoteUENGAPID},
		{CauseUserInactivity, CauseRadioNetwork, ie.CauseRadioNetworkPresentUserInactivity},
		{CauseRadioConnectionWithUELost, CauseRadioNetwork, ie.CauseRadioNetworkPresentRadioConnectionWithUeLost},
		{CauseFailureInRadioInterfaceProcedure, CauseRadioNetwork, ie.CauseRadioNetworkPresentFailureInRadioInterfaceProcedure},
		{CauseEncryptionOrIntegrityNotSupported, CauseRadioNetwork, ie.CauseRadioNetworkPresentEncryptionAndOrIntegrityProtectionAlgorithmsNotSupported},
		{CauseSliceNotSupported, CauseRadioNetwork, ie.CauseRadioNetworkPresentSliceNotSupported},
		{CauseTransportResourceUnavailable, CauseTransport, ie.CauseTransportPresentTransportResourceUnavailable},
		{CauseNormalRelease, CauseNAS, ie.CauseNasPresentNormalRelease},
		{CauseAuthenticationFailure, CauseNAS, ie.CauseNasPresentAuthenticationFailure},
		{CauseDeregister, CauseNAS, ie.CauseNasPresentDeregister},
		{CauseUnspecifiedNAS, CauseNAS, ie.CauseNasPresentUnspecified},
		{CauseTransferSyntaxError, CauseProtocol, ie.CauseProtocolPresentTransferSyntaxError},
		{CauseAbstractSyntaxErrorReject, CauseProtocol, ie.CauseProtocolPresentAbstractSyntaxErrorReject},
		{CauseAbstractSyntaxErrorIgnoreAndNotify, CauseProtocol, ie.CauseProtocolPresentAbstractSyntaxErrorIgnoreAndNotify},
		{CauseMessageNotCompatibleWithReceiverState, CauseProtocol, ie.CauseProtocolPresentMessageNotCompatibleWithReceiverState},
		{CauseSemanticError, CauseProtocol, ie.CauseProtocolPresentSemanticError},
		{CauseAbstractSyntaxErrorFalselyConstructedMessage, CauseProtocol, ie.CauseProtocolPresentAbstractSyntaxErrorFalselyConstructedMessage},
		{CauseUnspecifiedProtocol, CauseProtocol, ie.CauseProtocolPresentUnspecified},
		{CauseControlProcessingOverload, CauseMisc, ie.CauseMiscPresentControlProcessingOverload},
		{CauseHardwareFailure, CauseMisc, ie.CauseMiscPresentHardwareFailure},
		{CauseOMIntervention, CauseMisc, ie.CauseMiscPresentOmIntervention},
		{CauseUnknownPLMNOrSNPN, CauseMisc, ie.CauseMiscPresentUnknownPLMNOrSNPN},
		{CauseUnspecifiedMisc, CauseMisc, ie.CauseMiscPresentUnspecified},
	}
	for _, c := range causes {
		if c.ours.Group() != c.g || aper.Enumerated(c.ours.Value()) != c.v {
			t.Errorf("%v: codec has group %d value %d", c.ours, c.g, c.v)
		}
	}
	procs := map[ProcedureCode]int64{
		ProcAMFConfigurationUpdate:          message.ProcedureCodeAMFConfigurationUpdate,
		ProcDownlinkNASTransport:            message.ProcedureCodeDownlinkNASTransport,
		ProcErrorIndication:                 message.ProcedureCodeErrorIndication,
		ProcInitialContextSetup:             message.ProcedureCodeInitialContextSetup,
		ProcInitialUEMessage:                message.ProcedureCodeInitialUEMessage,
		ProcNGReset:                         message.ProcedureCodeNGReset,
		ProcNGSetup:                         message.ProcedureCodeNGSetup,
		ProcUEContextRelease:                message.ProcedureCodeUEContextRelease,
		ProcUEContextReleaseRequest:         message.ProcedureCodeUEContextReleaseRequest,
		ProcUplinkNASTransport:              message.ProcedureCodeUplinkNASTransport,
		ProcPDUSessionResourceSetup:         message.ProcedureCodePDUSessionResourceSetup,
		ProcBroadcastSessionReleaseRequired: message.ProcedureCodeBroadcastSessionReleaseRequired,
	}
	for ours, theirs := range procs {
		if int64(ours) != theirs {
			t.Errorf("%v = %d, codec says %d", ours, ours, theirs)
		}
	}
	if got := ProcBroadcastSessionReleaseRequired.String(); got != "BroadcastSessionReleaseRequired" {
		t.Errorf("String() = %q", got)
	}
	if got := ProcedureCode(200).String(); got != "ProcedureCode(200)" {
		t.Errorf("String() = %q", got)
	}
	if got := CauseUnknownPLMNOrSNPN.String(); got != "misc(4)" {
		t.Errorf("String() = %q", got)
	}
}
