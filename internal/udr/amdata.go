package udr

import (
	"context"
	"strconv"
	"strings"

	"github.com/free5gc/openapi/models"

	"go5g/internal/store"
)

// QueryAmData returns the access and mobility subscription data of supi:
// the subscribed S-NSSAIs (the default one marked), the subscribed DNNs and
// the UE-AMBR.
//
// Spec: TS 29.505 §5.2.3.3.1 (GET AccessAndMobilitySubscriptionData)
func (u *UDR) QueryAmData(ctx context.Context, supi string) (models.Udm_SDM_AccessAndMobilitySubscriptionData, error) {
	s, err := u.subscriber(ctx, supi)
	if err != nil {
		return models.Udm_SDM_AccessAndMobilitySubscriptionData{}, err
	}
	dnns := make([]interface{}, len(s.DNNs))
	for i, d := range s.DNNs {
		dnns[i] = d
	}
	return models.Udm_SDM_AccessAndMobilitySubscriptionData{
		Nssai: nssai(s),
		SubscribedUeAmbr: &models.AmbrRm{
			Uplink:   s.AMBR.Uplink.String(),
			Downlink: s.AMBR.Downlink.String(),
		},
		SubscribedDnnList: dnns,
	}, nil
}

// nssai splits the subscribed S-NSSAIs as the TS 29.503 Nssai type lists
// them: defaultSingleNssais holds those marked default, singleNssais the
// others.
//
// Spec: TS 23.501 §5.15.3
func nssai(s store.Subscriber) *models.Udm_SDM_Nssai {
	n := &models.Udm_SDM_Nssai{DefaultSingleNssais: []models.Snssai{snssai(s.DefaultSNSSAI)}}
	for _, x := range s.SNSSAIs {
		if !x.Equal(s.DefaultSNSSAI) {
			n.SingleNssais = append(n.SingleNssais, snssai(x))
		}
	}
	return n
}

func snssai(n store.SNSSAI) models.Snssai {
	return models.Snssai{Sst: int32(n.SST), Sd: strings.ToLower(n.SD)}
}

// SnssaiKey is the string form of an S-NSSAI used as a map key in SBI data
// types: the SST in decimal, then "-" and the six hex digits of the SD if
// there is one.
//
// Spec: TS 29.571 §5.4.4.2 (Snssai)
func SnssaiKey(n models.Snssai) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(n.Sst)))
	if n.Sd != "" {
		b.WriteString("-")
		b.WriteString(strings.ToLower(n.Sd))
	}
	return b.String()
}

// QuerySmfSelectData returns the SMF selection subscription data of supi:
// every subscribed S-NSSAI with the subscribed DNNs, the first DNN marked
// as the default. go5g subscribes DNNs per subscriber, not per slice.
//
// Spec: TS 29.505 §5.2.4.3.1 (GET SmfSelectionSubscriptionData)
func (u *UDR) QuerySmfSelectData(ctx context.Context, supi string) (models.Udm_SDM_SmfSelectionSubscriptionData, error) {
	s, err := u.subscriber(ctx, supi)
	if err != nil {
		return models.Udm_SDM_SmfSelectionSubscriptionData{}, err
	}
	infos := make(map[string]models.Udm_SDM_SnssaiInfo, len(s.SNSSAIs))
	for _, n := range s.SNSSAIs {
		dnns := make([]models.Udm_SDM_DnnInfo, len(s.DNNs))
		for i, d := range s.DNNs {
			dnns[i] = models.Udm_SDM_DnnInfo{Dnn: d, DefaultDnnIndicator: i == 0}
		}
		infos[SnssaiKey(snssai(n))] = models.Udm_SDM_SnssaiInfo{DnnInfos: dnns}
	}
	return models.Udm_SDM_SmfSelectionSubscriptionData{SubscribedSnssaiInfos: infos}, nil
}
