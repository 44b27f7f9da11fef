package nssf

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/free5gc/openapi/models"

	"go5g/internal/dnname"
	"go5g/internal/problem"
)

// Application error causes of Nnssf_NSSelection. The Get operation takes
// query parameters, so malformed input is a query parameter error.
//
// Spec: TS 29.531 §6.1.7.3 (Table 6.1.7.3-1); TS 29.500 §5.2.7.2
const (
	// SnssaiNotSupported (403): no slice can be authorized, or the
	// S-NSSAI of a PDU session is not served in the TA.
	SnssaiNotSupported = "SNSSAI_NOT_SUPPORTED"
	// MandatoryQueryParamIncorrect (400): tai or slice information is
	// malformed.
	MandatoryQueryParamIncorrect = "MANDATORY_QUERY_PARAM_INCORRECT"
	// MandatoryQueryParamMissing (400): tai or the subscribed S-NSSAIs are
	// missing.
	MandatoryQueryParamMissing = "MANDATORY_QUERY_PARAM_MISSING"
)

// Size limits of the NSSAIs given to a UE.
//
// Spec: TS 24.501 §9.11.3.37 (NSSAI: at most 8 S-NSSAIs in an allowed
// NSSAI, 16 in a configured NSSAI)
const (
	MaxAllowed    = 8
	MaxConfigured = 16
)

func fail(status int, cause, format string, a ...any) *problem.Error {
	return &problem.Error{Status: status, Cause: cause, Title: http.StatusText(status), Detail: fmt.Sprintf(format, a...)}
}

func badParam(format string, a ...any) *problem.Error {
	return fail(http.StatusBadRequest, MandatoryQueryParamIncorrect, format, a...)
}

// checkTAIParam checks the tai query parameter and that its PLMN is
// served.
func (n *NSSF) checkTAIParam(tai models.Tai) error {
	if tai.PlmnId == nil && tai.Tac == "" {
		return fail(http.StatusBadRequest, MandatoryQueryParamMissing, "tai is missing")
	}
	if err := checkTAI(tai); err != nil {
		return badParam("tai: %v", err)
	}
	for _, p := range n.plmns {
		if p == *tai.PlmnId {
			return nil
		}
	}
	return badParam("tai: PLMN %s-%s is not served", tai.PlmnId.Mcc, tai.PlmnId.Mnc)
}

// SelectForRegistration is Nnssf_NSSelection Get during registration: it
// authorizes the slices of a UE in the TA it registers in.
//
// The allowed NSSAI is each requested S-NSSAI that is subscribed and
// supported in the TA, in requested order. If none was requested or none
// is allowed, it is instead every subscribed S-NSSAI marked default that
// is supported in the TA. A requested S-NSSAI not allowed is rejected in
// the PLMN when it is not subscribed or no TA of the PLMN supports it, and
// rejected in the TA otherwise (the AMF reports these with rejected NSSAI
// causes "not available in the current PLMN" and "... registration area",
// TS 24.501 §9.11.3.46). If the allowed NSSAI is still empty the answer is
// 403 SNSSAI_NOT_SUPPORTED. At most MaxAllowed S-NSSAIs are allowed; later
// ones are left out.
//
// The configured NSSAI (the subscribed S-NSSAIs some TA of the PLMN
// supports, at most MaxConfigured) is included when nothing was
// requested, when a requested S-NSSAI is not valid in the PLMN, or when
// defaultConfiguredSnssaiInd is set.
//
// homePLMN is the PLMN of the SUPI, nil for one of ours. For a roamer the
// S-NSSAI values are used as they are: there is no HPLMN-to-VPLMN mapping
// (sNssaiForMapping, requestMapping and mappingOfNssai are ignored), nor
// NSSRG or NSAG handling.
//
// Spec: TS 29.531 §5.2.2.2.2, §6.1.6.2.2 (AuthorizedNetworkSliceInfo);
// TS 23.501 §5.15.5.2.1
func (n *NSSF) SelectForRegistration(ctx context.Context, homePLMN *models.PlmnId, req models.Nssf_NSSel_SliceInfoForRegistration, tai models.Tai) (models.Nssf_NSSel_AuthorizedNetworkSliceInfo, error) {
	var none models.Nssf_NSSel_AuthorizedNetworkSliceInfo
	if err := n.checkTAIParam(tai); err != nil {
		return none, err
	}
	if homePLMN != nil {
		if err := checkPLMN(*homePLMN); err != nil {
			return none, badParam("home-plmn-id: %v", err)
		}
	}
	if len(req.SubscribedNssai) == 0 {
		return none, fail(http.StatusBadRequest, MandatoryQueryParamMissing, "sliceInfoRequestForRegistration.subscribedNssai is missing")
	}
	var subscribed, defaults []models.Snssai
	for i, s := range req.SubscribedNssai {
		if s.SubscribedSnssai == nil {
			return none, badParam("sliceInfoRequestForRegistration.subscribedNssai[%d].subscribedSnssai is missing", i)
		}
		if err := checkSnssai(*s.SubscribedSnssai); err != nil {
			return none, badParam("sliceInfoRequestForRegistration.subscribedNssai[%d]: %v", i, err)
		}
		subscribed = append(subscribed, *s.SubscribedSnssai)
		if s.DefaultIndication {
			defaults = append(defaults, *s.SubscribedSnssai)
		}
	}
	for i, s := range req.RequestedNssai {
		if err := checkSnssai(s); err != nil {
			return none, badParam("sliceInfoRequestForRegistration.requestedNssai[%d]: %v", i, err)
		}
	}

	inTA := n.ta[taiKey(tai)]
	var allowed, rejPLMN, rejTA, requested []models.Snssai
	for _, r := range req.RequestedNssai {
		if contains(requested, r) {
			continue
		}
		requested = append(requested, r)
		switch {
		case !contains(subscribed, r) || !contains(n.inPLMN, r):
			rejPLMN = append(rejPLMN, r)
		case !contains(inTA, r):
			rejTA = append(rejTA, r)
		default:
			allowed = append(allowed, r)
		}
	}
	if len(allowed) == 0 {
		// Spec: TS 23.501 §5.15.5.2.1: with no Requested NSSAI, or none of
		// its S-NSSAIs permitted, the default subscribed S-NSSAIs.
		for _, d := range defaults {
			if contains(inTA, d) && !contains(allowed, d) {
				allowed = append(allowed, d)
			}
		}
	}
	if len(allowed) == 0 {
		return none, fail(http.StatusForbidden, SnssaiNotSupported,
			"no requested or default subscribed S-NSSAI is available in tracking area %s", taiKey(tai))
	}
	if len(allowed) > MaxAllowed {
		allowed = allowed[:MaxAllowed]
	}

	info := models.Nssf_NSSel_AuthorizedNetworkSliceInfo{
		AllowedNssaiList:    []models.Nssf_NSSel_AllowedNssai{{AccessType: models.AccessType_3_GPP_ACCESS}},
		RejectedNssaiInPlmn: rejPLMN,
		RejectedNssaiInTa:   rejTA,
		TargetAmfSet:        n.amfSet,
	}
	for _, a := range allowed {
		s := normalized(a)
		info.AllowedNssaiList[0].AllowedSnssaiList = append(info.AllowedNssaiList[0].AllowedSnssaiList,
			models.Nssf_NSSel_AllowedSnssai{AllowedSnssai: &s, NsiInformationList: n.nsiInformation(a)})
	}
	if len(requested) == 0 || len(rejPLMN) > 0 || req.DefaultConfiguredSnssaiInd {
		for _, s := range subscribed {
			if contains(n.inPLMN, s) && len(info.ConfiguredNssai) < MaxConfigured &&
				!containsConfigured(info.ConfiguredNssai, s) {
				c := normalized(s)
				info.ConfiguredNssai = append(info.ConfiguredNssai, models.Nssf_NSSel_ConfiguredSnssai{ConfiguredSnssai: &c})
			}
		}
	}
	return info, nil
}

func containsConfigured(list []models.Nssf_NSSel_ConfiguredSnssai, s models.Snssai) bool {
	for _, c := range list {
		if sameSnssai(*c.ConfiguredSnssai, s) {
			return true
		}
	}
	return false
}

// normalized is s with its SD in lower case, the form TS 29.571 examples
// and the rest of go5g use.
func normalized(s models.Snssai) models.Snssai {
	return models.Snssai{Sst: s.Sst, Sd: strings.ToLower(s.Sd)}
}

// nsiInformation lists the slice instances of s that name an NRF: where
// the AMF discovers the SMFs of the slice.
//
// Spec: TS 29.531 §6.1.6.2.7 (NsiInformation: nrfId mandatory)
func (n *NSSF) nsiInformation(s models.Snssai) []models.Nssf_NSSel_NsiInformation {
	var out []models.Nssf_NSSel_NsiInformation
	for _, in := range n.instances {
		if in.NRFID != "" && sameSnssai(in.SNSSAI, s) {
			out = append(out, models.Nssf_NSSel_NsiInformation{NrfId: in.NRFID, NsiId: in.NSIID})
		}
	}
	return out
}

// PDUSessionSlice is the slice instance selected for a PDU session.
type PDUSessionSlice struct {
	// NsiInformation is what TS 29.531 answers (AuthorizedNetworkSliceInfo
	// nsiInformation): the NRF of the instance and its NSI id, each empty
	// when not configured.
	NsiInformation models.Nssf_NSSel_NsiInformation
	// SMFSet and UPFSet are the configured sets serving the instance.
	SMFSet string
	UPFSet string
}

// SelectForPDUSession is Nnssf_NSSelection Get during PDU session
// establishment: the network slice instance for a PDU session of snssai
// and dnn in tai. The instance is the one configured for snssai and dnn,
// else the one for snssai with no DNN list. An S-NSSAI the TA does not
// support, or one with no instance for the DNN, is 403
// SNSSAI_NOT_SUPPORTED. dnn may be empty (only an instance with no DNN
// list matches then).
//
// Spec: TS 29.531 §5.2.2.2.3; TS 23.501 §5.15.5.3 (PDU session: NSI and
// SMF selection)
func (n *NSSF) SelectForPDUSession(ctx context.Context, snssai models.Snssai, dnn string, tai models.Tai) (PDUSessionSlice, error) {
	if err := n.checkTAIParam(tai); err != nil {
		return PDUSessionSlice{}, err
	}
	if err := checkSnssai(snssai); err != nil {
		return PDUSessionSlice{}, badParam("sliceInfoRequestForPduSession.sNssai: %v", err)
	}
	if dnn != "" {
		if err := dnname.Check(dnn); err != nil {
			return PDUSessionSlice{}, badParam("dnn: %v", err)
		}
	}
	if !contains(n.ta[taiKey(tai)], snssai) {
		return PDUSessionSlice{}, fail(http.StatusForbidden, SnssaiNotSupported,
			"%s is not supported in tracking area %s", snssaiString(snssai), taiKey(tai))
	}
	var fallback *Instance
	for i := range n.instances {
		in := &n.instances[i]
		if !sameSnssai(in.SNSSAI, snssai) {
			continue
		}
		if len(in.DNNs) == 0 {
			if fallback == nil {
				fallback = in
			}
			continue
		}
		for _, d := range in.DNNs {
			if dnn != "" && strings.EqualFold(d, dnn) {
				return in.selection(), nil
			}
		}
	}
	if fallback == nil {
		return PDUSessionSlice{}, fail(http.StatusForbidden, SnssaiNotSupported,
			"no slice instance of %s serves DNN %q", snssaiString(snssai), dnn)
	}
	return fallback.selection(), nil
}

func (in *Instance) selection() PDUSessionSlice {
	return PDUSessionSlice{
		NsiInformation: models.Nssf_NSSel_NsiInformation{NrfId: in.NRFID, NsiId: in.NSIID},
		SMFSet:         in.SMFSet,
		UPFSet:         in.UPFSet,
	}
}
