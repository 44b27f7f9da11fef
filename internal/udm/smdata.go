package udm

import (
	"context"
	"strconv"
	"strings"

	"github.com/free5gc/openapi/models"

	"go5g/internal/problem"
)

// GetSmData is Nudm_SDM Get of the session management subscription data
// for one S-NSSAI and, if dnn is not empty, one DNN. go5g subscribes DNNs
// per subscriber, not per slice, and keeps no per-DNN settings, so each
// subscribed DNN of a subscribed slice gets the same configuration: IPv4
// by default with IPv6 and IPv4v6 allowed, SSC mode 1, 5QI 9 with ARP
// priority 8, and the subscribed UE-AMBR as Session-AMBR.
//
// Spec: TS 29.503 §5.2.2.2.5, §6.1.6.2.7 (SessionManagementSubscriptionData)
func (u *UDM) GetSmData(ctx context.Context, supi string, snssai models.Snssai, dnn string) ([]models.Udm_SDM_SessionManagementSubscriptionData, error) {
	am, err := u.udr.QueryAmData(ctx, supi)
	if err != nil {
		return nil, err
	}
	if am.Nssai == nil || !hasSlice(am.Nssai, snssai) {
		return nil, problem.Newf(problem.DataNotFound, "slice %d/%s not subscribed by %s", snssai.Sst, snssai.Sd, supi)
	}
	cfg := models.Udm_SDM_DnnConfiguration{
		PduSessionTypes: &models.Udm_SDM_PduSessionTypes{DefaultSessionType: models.PduSessionType_IPV4,
			AllowedSessionTypes: []models.PduSessionType{models.PduSessionType_IPV4, models.PduSessionType_IPV6, models.PduSessionType_IPV4_V6}},
		SscModes: &models.Udm_SDM_SscModes{DefaultSscMode: models.SscMode_1,
			AllowedSscModes: []models.SscMode{models.SscMode_1}},
		Var5gQosProfile: &models.SubscribedDefaultQos{Var5qi: 9, Arp: &models.Arp{PriorityLevel: 8,
			PreemptCap: models.PreemptionCapability_NOT_PREEMPT, PreemptVuln: models.PreemptionVulnerability_PREEMPTABLE}},
	}
	if a := am.SubscribedUeAmbr; a != nil {
		cfg.SessionAmbr = &models.Ambr{Uplink: a.Uplink, Downlink: a.Downlink}
	}
	dnns := map[string]models.Udm_SDM_DnnConfiguration{}
	for _, d := range am.SubscribedDnnList {
		name, ok := d.(string)
		if !ok || (dnn != "" && !strings.EqualFold(name, dnn)) {
			continue
		}
		dnns[name] = cfg
	}
	sn := snssai
	return []models.Udm_SDM_SessionManagementSubscriptionData{{SingleNssai: &sn, DnnConfigurations: dnns}}, nil
}

func hasSlice(n *models.Udm_SDM_Nssai, s models.Snssai) bool {
	key := sliceKey(s)
	for _, l := range [][]models.Snssai{n.DefaultSingleNssais, n.SingleNssais} {
		for _, x := range l {
			if sliceKey(x) == key {
				return true
			}
		}
	}
	return false
}

func sliceKey(s models.Snssai) string {
	return strconv.Itoa(int(s.Sst)) + "-" + strings.ToLower(s.Sd)
}
