package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"go5g/internal/amf"
)

// AMF is what the AMF collector reads; *amf.AMF satisfies it. When the
// value also implements AMFGauges, AMFRegistrationCauses or
// AMFAuthentications, their series appear too.
type AMF interface {
	Stats() amf.Stats
}

// AMFGauges are the AMF's current counts of UEs and RAN nodes. They should
// be O(1) (atomics kept on state changes): a scrape must not walk every UE.
type AMFGauges interface {
	// UECounts: UE contexts in 5GMM-REGISTERED, and UE contexts with a
	// UE-associated N2 connection (CM-CONNECTED). Spec: TS 23.501 §5.3.2, §5.3.3
	UECounts() (registered, connected int)
	// RANCounts: SCTP associations up on N2, and those of them on which NG
	// Setup succeeded (gNBs). Spec: TS 38.413 §8.7.1
	RANCounts() (associations, gnbs int)
}

// AMFRegistrationCauses reports REGISTRATION REJECT sent by 5GMM cause.
type AMFRegistrationCauses interface {
	// RegistrationRejects calls f once per 5GMM cause value (TS 24.501
	// §9.11.3.2) with the number of REGISTRATION REJECTs sent with it.
	RegistrationRejects(f func(cause uint8, n uint64))
}

// AMFAuthentications reports primary authentications by method and outcome.
type AMFAuthentications interface {
	// Authentications calls f once per method ("5g_aka", "eap_aka_prime")
	// and outcome with the number of authentications that ended so:
	// success when the AUSF confirmed it (TS 33.501 §6.1.3), else failure
	// (AUTHENTICATION REJECT sent).
	Authentications(f func(method string, success bool, n uint64))
}

// amfCollector reads the AMF on each scrape.
type amfCollector struct {
	a AMF

	descRegistrations, descAuthentications, descDeregistrations, descServiceRequests *prometheus.Desc
	descConfigUpdates, descNGSetups, descNASDropped, descErrorIndications            *prometheus.Desc
	descUEReleases, descRegisteredUEs, descConnectedUEs, descGNBs, descAssociations  *prometheus.Desc
}

func newAMFCollector(a AMF) *amfCollector {
	return &amfCollector{a: a,
		descRegistrations: prometheus.NewDesc("go5g_amf_registrations_total",
			"Registrations that ended: accepted (REGISTRATION COMPLETE received) or rejected (REGISTRATION REJECT sent), "+
				"by 5GMM cause (TS 24.501 §9.11.3.2; \"unknown\" when the AMF does not report causes).",
			[]string{"result", "cause"}, nil),
		descAuthentications: prometheus.NewDesc("go5g_amf_authentications_total",
			"Primary authentications that ended, by method (5g_aka, eap_aka_prime; \"unknown\" when the AMF does not report methods) "+
				"and result (success, failure: AUTHENTICATION REJECT sent).",
			[]string{"method", "result"}, nil),
		descDeregistrations: prometheus.NewDesc("go5g_amf_deregistrations_total",
			"Deregistrations of registered UEs, UE- or network-initiated (the UDM is told to purge).", nil, nil),
		descServiceRequests: prometheus.NewDesc("go5g_amf_service_requests_total",
			"Service requests answered, by result (accepted: SERVICE ACCEPT, rejected: SERVICE REJECT).",
			[]string{"result"}, nil),
		descConfigUpdates: prometheus.NewDesc("go5g_amf_configuration_updates_total",
			"UE configuration updates completed (CONFIGURATION UPDATE COMPLETE received).", nil, nil),
		descNGSetups: prometheus.NewDesc("go5g_amf_ng_setups_total",
			"NG Setup procedures, by result (accepted, rejected).", []string{"result"}, nil),
		descNASDropped: prometheus.NewDesc("go5g_amf_nas_dropped_total",
			"Uplink NAS messages dropped, by cause (mac: integrity check failed, replay: COUNT replayed, "+
				"unprotected: not protected once security is established, invalid: undecodable).",
			[]string{"cause"}, nil),
		descErrorIndications: prometheus.NewDesc("go5g_amf_error_indications_sent_total",
			"NGAP ERROR INDICATION messages sent.", nil, nil),
		descUEReleases: prometheus.NewDesc("go5g_amf_ue_context_releases_total",
			"UE-associated N2 connections released.", nil, nil),
		descRegisteredUEs: prometheus.NewDesc("go5g_amf_registered_ues",
			"UE contexts in 5GMM-REGISTERED.", nil, nil),
		descConnectedUEs: prometheus.NewDesc("go5g_amf_connected_ues",
			"UE contexts in CM-CONNECTED (with a UE-associated N2 connection).", nil, nil),
		descGNBs: prometheus.NewDesc("go5g_amf_gnbs",
			"gNBs connected: N2 associations on which NG Setup succeeded.", nil, nil),
		descAssociations: prometheus.NewDesc("go5g_sctp_associations",
			"SCTP associations up on N2.", nil, nil),
	}
}

func (c *amfCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.descRegistrations, c.descAuthentications, c.descDeregistrations,
		c.descServiceRequests, c.descConfigUpdates, c.descNGSetups, c.descNASDropped, c.descErrorIndications,
		c.descUEReleases, c.descRegisteredUEs, c.descConnectedUEs, c.descGNBs, c.descAssociations} {
		ch <- d
	}
}

func (c *amfCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.a.Stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v int) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v))
	}

	counter(c.descRegistrations, s.Registrations, "accepted", "")
	if rc, ok := c.a.(AMFRegistrationCauses); ok {
		rc.RegistrationRejects(func(cause uint8, n uint64) {
			counter(c.descRegistrations, n, "rejected", CauseName(cause))
		})
	} else {
		counter(c.descRegistrations, s.RegistrationRejects, "rejected", "unknown")
	}
	if au, ok := c.a.(AMFAuthentications); ok {
		au.Authentications(func(method string, success bool, n uint64) {
			result := "failure"
			if success {
				result = "success"
			}
			counter(c.descAuthentications, n, method, result)
		})
	} else {
		counter(c.descAuthentications, s.AuthenticationRejects, "unknown", "failure")
	}
	counter(c.descDeregistrations, s.Deregistrations)
	counter(c.descServiceRequests, s.ServiceAccepts, "accepted")
	counter(c.descServiceRequests, s.ServiceRejects, "rejected")
	counter(c.descConfigUpdates, s.ConfigurationUpdates)
	counter(c.descNGSetups, s.NGSetupAccepted, "accepted")
	counter(c.descNGSetups, s.NGSetupRejected, "rejected")
	counter(c.descNASDropped, s.NASDroppedMAC, "mac")
	counter(c.descNASDropped, s.NASDroppedReplay, "replay")
	counter(c.descNASDropped, s.NASDroppedUnprotected, "unprotected")
	counter(c.descNASDropped, s.NASDroppedInvalid, "invalid")
	counter(c.descErrorIndications, s.ErrorIndicationsSent)
	counter(c.descUEReleases, s.UEsReleased)
	if g, ok := c.a.(AMFGauges); ok {
		reg, conn := g.UECounts()
		assocs, gnbs := g.RANCounts()
		gauge(c.descRegisteredUEs, reg)
		gauge(c.descConnectedUEs, conn)
		gauge(c.descGNBs, gnbs)
		gauge(c.descAssociations, assocs)
	}
}

// CauseName is the label value of a 5GMM cause: its name in TS 24.501
// Table 9.11.3.2.1, in snake case, or "cause_<n>" for a value the table
// lists as unassigned here.
func CauseName(c uint8) string {
	switch c {
	case 3:
		return "illegal_ue"
	case 5:
		return "pei_not_accepted"
	case 6:
		return "illegal_me"
	case 7:
		return "5gs_services_not_allowed"
	case 9:
		return "ue_identity_cannot_be_derived"
	case 10:
		return "implicitly_deregistered"
	case 11:
		return "plmn_not_allowed"
	case 12:
		return "tracking_area_not_allowed"
	case 13:
		return "roaming_not_allowed_in_this_tracking_area"
	case 15:
		return "no_suitable_cells_in_tracking_area"
	case 20:
		return "mac_failure"
	case 21:
		return "synch_failure"
	case 22:
		return "congestion"
	case 23:
		return "ue_security_capabilities_mismatch"
	case 24:
		return "security_mode_rejected_unspecified"
	case 26:
		return "non_5g_authentication_unacceptable"
	case 27:
		return "n1_mode_not_allowed"
	case 28:
		return "restricted_service_area"
	case 31:
		return "redirection_to_epc_required"
	case 62:
		return "no_network_slices_available"
	case 65:
		return "maximum_number_of_pdu_sessions_reached"
	case 67:
		return "insufficient_resources_for_specific_slice_and_dnn"
	case 69:
		return "insufficient_resources_for_specific_slice"
	case 71:
		return "ngksi_already_in_use"
	case 72:
		return "non_3gpp_access_to_5gcn_not_allowed"
	case 73:
		return "serving_network_not_authorized"
	case 74:
		return "temporarily_not_authorized_for_this_snpn"
	case 75:
		return "permanently_not_authorized_for_this_snpn"
	case 76:
		return "not_authorized_for_this_cag_or_authorized_for_cag_cells_only"
	case 77:
		return "wireline_access_area_not_allowed"
	case 90:
		return "payload_was_not_forwarded"
	case 91:
		return "dnn_not_supported_or_not_subscribed_in_the_slice"
	case 92:
		return "insufficient_user_plane_resources_for_the_pdu_session"
	case 95:
		return "semantically_incorrect_message"
	case 96:
		return "invalid_mandatory_information"
	case 97:
		return "message_type_non_existent_or_not_implemented"
	case 98:
		return "message_type_not_compatible_with_the_protocol_state"
	case 99:
		return "information_element_non_existent_or_not_implemented"
	case 100:
		return "conditional_ie_error"
	case 101:
		return "message_not_compatible_with_the_protocol_state"
	case 111:
		return "protocol_error_unspecified"
	}
	return "cause_" + strconv.Itoa(int(c))
}
