package nssf_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/free5gc/openapi/models"

	"go5g/internal/nssf"
	"go5g/internal/problem"
)

var (
	home  = models.PlmnId{Mcc: "001", Mnc: "01"}
	other = models.PlmnId{Mcc: "999", Mnc: "70"}

	embb    = models.Snssai{Sst: 1}
	embbA   = models.Snssai{Sst: 1, Sd: "00000a"}
	urllc   = models.Snssai{Sst: 2}
	miot    = models.Snssai{Sst: 3, Sd: "abcdef"}
	nowhere = models.Snssai{Sst: 4} // supported in no TA

	ta1 = models.Tai{PlmnId: &home, Tac: "000001"} // eMBB, eMBB/A, URLLC
	ta2 = models.Tai{PlmnId: &home, Tac: "000002"} // eMBB, mIoT
	ta9 = models.Tai{PlmnId: &home, Tac: "000009"} // not configured
)

func config() nssf.Config {
	return nssf.Config{
		PLMNs: []models.PlmnId{home},
		TrackingAreas: []nssf.TrackingArea{
			{TAI: ta1, SNSSAIs: []models.Snssai{embb, embbA, urllc}},
			{TAI: ta2, SNSSAIs: []models.Snssai{embb, {Sst: 3, Sd: "ABCDEF"}}},
		},
		Instances: []nssf.Instance{
			{SNSSAI: embb, SMFSet: "smf-embb", UPFSet: "upf-embb", NSIID: "nsi-1", NRFID: "http://nrf.example/nnrf-nfm/v1/"},
			{SNSSAI: embb, DNNs: []string{"ims"}, SMFSet: "smf-ims", UPFSet: "upf-ims", NSIID: "nsi-ims"},
			{SNSSAI: urllc, DNNs: []string{"factory"}, SMFSet: "smf-urllc", UPFSet: "upf-edge"},
			{SNSSAI: miot, SMFSet: "smf-iot", UPFSet: "upf-iot"},
		},
		TargetAMFSet: "001-01-01-001",
	}
}

func newNSSF(t *testing.T) *nssf.NSSF {
	t.Helper()
	n, err := nssf.New(config(), nssf.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCause(t *testing.T, err error, status int, cause string) {
	t.Helper()
	e := problem.As(err)
	if e == nil || e.Status != status || e.Cause != cause {
		t.Fatalf("error = %v, want %d %s", err, status, cause)
	}
}

func sub(s models.Snssai, def bool) models.Nssf_NSSel_SubscribedSnssai {
	return models.Nssf_NSSel_SubscribedSnssai{SubscribedSnssai: &s, DefaultIndication: def}
}

func allowedOf(info models.Nssf_NSSel_AuthorizedNetworkSliceInfo) []models.Snssai {
	var out []models.Snssai
	for _, l := range info.AllowedNssaiList {
		for _, a := range l.AllowedSnssaiList {
			out = append(out, *a.AllowedSnssai)
		}
	}
	return out
}

func configuredOf(info models.Nssf_NSSel_AuthorizedNetworkSliceInfo) []models.Snssai {
	var out []models.Snssai
	for _, c := range info.ConfiguredNssai {
		out = append(out, *c.ConfiguredSnssai)
	}
	return out
}

func same(a, b []models.Snssai) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

func TestSelectForRegistration(t *testing.T) {
	// The subscription: eMBB (default), eMBB/A, URLLC, mIoT (default).
	subscribed := []models.Nssf_NSSel_SubscribedSnssai{sub(embb, true), sub(embbA, false), sub(urllc, false), sub(miot, true)}
	for _, tc := range []struct {
		name       string
		subscribed []models.Nssf_NSSel_SubscribedSnssai
		requested  []models.Snssai
		defaultCfg bool
		tai        models.Tai
		allowed    []models.Snssai
		rejPLMN    []models.Snssai
		rejTA      []models.Snssai
		configured []models.Snssai
	}{
		{name: "requested, subscribed and in TA", requested: []models.Snssai{urllc, embbA}, tai: ta1,
			allowed: []models.Snssai{urllc, embbA}},
		{name: "SD compared case-insensitively, answered in lower case", requested: []models.Snssai{{Sst: 1, Sd: "00000A"}}, tai: ta1,
			allowed: []models.Snssai{embbA}},
		{name: "duplicates requested once", requested: []models.Snssai{urllc, urllc}, tai: ta1,
			allowed: []models.Snssai{urllc}},
		{name: "not in TA: rejected in TA, rest allowed", requested: []models.Snssai{urllc, embb}, tai: ta2,
			allowed: []models.Snssai{embb}, rejTA: []models.Snssai{urllc}},
		{name: "not subscribed: rejected in PLMN, configured NSSAI sent", requested: []models.Snssai{embb, {Sst: 2, Sd: "000001"}}, tai: ta1,
			allowed: []models.Snssai{embb}, rejPLMN: []models.Snssai{{Sst: 2, Sd: "000001"}},
			configured: []models.Snssai{embb, embbA, urllc, miot}},
		{name: "subscribed but in no TA: rejected in PLMN", subscribed: []models.Nssf_NSSel_SubscribedSnssai{sub(embb, true), sub(nowhere, false)},
			requested: []models.Snssai{nowhere}, tai: ta1,
			allowed: []models.Snssai{embb}, rejPLMN: []models.Snssai{nowhere}, configured: []models.Snssai{embb}},
		{name: "nothing requested: defaults in TA, configured NSSAI", tai: ta2,
			allowed: []models.Snssai{embb, miot}, configured: []models.Snssai{embb, embbA, urllc, miot}},
		{name: "nothing requested: default not in TA left out", tai: ta1,
			allowed: []models.Snssai{embb}, configured: []models.Snssai{embb, embbA, urllc, miot}},
		{name: "none requested allowed: defaults, rejections kept", requested: []models.Snssai{urllc}, tai: ta2,
			allowed: []models.Snssai{embb, miot}, rejTA: []models.Snssai{urllc}},
		{name: "defaultConfiguredSnssaiInd", requested: []models.Snssai{embb}, defaultCfg: true, tai: ta1,
			allowed: []models.Snssai{embb}, configured: []models.Snssai{embb, embbA, urllc, miot}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNSSF(t)
			s := tc.subscribed
			if s == nil {
				s = subscribed
			}
			info, err := n.SelectForRegistration(context.Background(), nil, models.Nssf_NSSel_SliceInfoForRegistration{
				SubscribedNssai: s, RequestedNssai: tc.requested, DefaultConfiguredSnssaiInd: tc.defaultCfg}, tc.tai)
			if err != nil {
				t.Fatal(err)
			}
			if len(info.AllowedNssaiList) != 1 || info.AllowedNssaiList[0].AccessType != models.AccessType_3_GPP_ACCESS {
				t.Fatalf("allowed NSSAI list = %+v, want one for 3GPP access", info.AllowedNssaiList)
			}
			if got := allowedOf(info); !same(got, tc.allowed) {
				t.Errorf("allowed %v, want %v", got, tc.allowed)
			}
			if !same(info.RejectedNssaiInPlmn, tc.rejPLMN) {
				t.Errorf("rejected in PLMN %v, want %v", info.RejectedNssaiInPlmn, tc.rejPLMN)
			}
			if !same(info.RejectedNssaiInTa, tc.rejTA) {
				t.Errorf("rejected in TA %v, want %v", info.RejectedNssaiInTa, tc.rejTA)
			}
			if got := configuredOf(info); !same(got, tc.configured) {
				t.Errorf("configured %v, want %v", got, tc.configured)
			}
			if info.TargetAmfSet != "001-01-01-001" {
				t.Errorf("target AMF set %q", info.TargetAmfSet)
			}
		})
	}
}

func TestSelectForRegistrationNsiInformation(t *testing.T) {
	n := newNSSF(t)
	info, err := n.SelectForRegistration(context.Background(), &home, models.Nssf_NSSel_SliceInfoForRegistration{
		SubscribedNssai: []models.Nssf_NSSel_SubscribedSnssai{sub(embb, true), sub(urllc, false)},
		RequestedNssai:  []models.Snssai{embb, urllc}}, ta1)
	if err != nil {
		t.Fatal(err)
	}
	l := info.AllowedNssaiList[0].AllowedSnssaiList
	want := []models.Nssf_NSSel_NsiInformation{{NrfId: "http://nrf.example/nnrf-nfm/v1/", NsiId: "nsi-1"}}
	if len(l) != 2 || !reflect.DeepEqual(l[0].NsiInformationList, want) || l[1].NsiInformationList != nil {
		t.Fatalf("allowed S-NSSAIs %+v: want NSI information for eMBB only (the only instance naming an NRF)", l)
	}
}

func TestSelectForRegistrationMaxAllowed(t *testing.T) {
	cfg := config()
	var many []models.Snssai
	var subs []models.Nssf_NSSel_SubscribedSnssai
	for sst := int32(10); sst < 20; sst++ {
		many = append(many, models.Snssai{Sst: sst})
		subs = append(subs, sub(models.Snssai{Sst: sst}, sst == 10))
	}
	cfg.TrackingAreas[0].SNSSAIs = append(cfg.TrackingAreas[0].SNSSAIs, many...)
	n, err := nssf.New(cfg, nssf.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := n.SelectForRegistration(context.Background(), nil,
		models.Nssf_NSSel_SliceInfoForRegistration{SubscribedNssai: subs, RequestedNssai: many}, ta1)
	if err != nil {
		t.Fatal(err)
	}
	if got := allowedOf(info); !same(got, many[:nssf.MaxAllowed]) {
		t.Fatalf("allowed %v, want the first %d requested", got, nssf.MaxAllowed)
	}
}

func TestSelectForRegistrationErrors(t *testing.T) {
	subs := []models.Nssf_NSSel_SubscribedSnssai{sub(embb, true), sub(urllc, false)}
	for _, tc := range []struct {
		name      string
		home      *models.PlmnId
		subs      []models.Nssf_NSSel_SubscribedSnssai
		requested []models.Snssai
		tai       models.Tai
		status    int
		cause     string
		detail    string
	}{
		{"no TAI", nil, subs, nil, models.Tai{}, 400, nssf.MandatoryQueryParamMissing, "tai"},
		{"TAI without PLMN", nil, subs, nil, models.Tai{Tac: "000001"}, 400, nssf.MandatoryQueryParamIncorrect, "plmnId"},
		{"bad TAC", nil, subs, nil, models.Tai{PlmnId: &home, Tac: "00001"}, 400, nssf.MandatoryQueryParamIncorrect, "tac"},
		{"TAI with NID", nil, subs, nil, models.Tai{PlmnId: &home, Tac: "000001", Nid: "00000000001"}, 400, nssf.MandatoryQueryParamIncorrect, "nid"},
		{"TAI of a PLMN not served", nil, subs, nil, models.Tai{PlmnId: &other, Tac: "000001"}, 400, nssf.MandatoryQueryParamIncorrect, "not served"},
		{"bad home PLMN", &models.PlmnId{Mcc: "1", Mnc: "01"}, subs, nil, ta1, 400, nssf.MandatoryQueryParamIncorrect, "home-plmn-id"},
		{"no subscribed", nil, nil, []models.Snssai{embb}, ta1, 400, nssf.MandatoryQueryParamMissing, "subscribedNssai"},
		{"nil subscribed S-NSSAI", nil, []models.Nssf_NSSel_SubscribedSnssai{{DefaultIndication: true}}, nil, ta1, 400, nssf.MandatoryQueryParamIncorrect, "subscribedNssai[0]"},
		{"bad subscribed SD", nil, []models.Nssf_NSSel_SubscribedSnssai{sub(models.Snssai{Sst: 1, Sd: "zz"}, true)}, nil, ta1, 400, nssf.MandatoryQueryParamIncorrect, "subscribedNssai[0]"},
		{"bad requested SST", nil, subs, []models.Snssai{embb, {Sst: -1}}, ta1, 400, nssf.MandatoryQueryParamIncorrect, "requestedNssai[1]"},
		{"nothing allowed, default not in TA", nil, []models.Nssf_NSSel_SubscribedSnssai{sub(urllc, true)}, []models.Snssai{urllc}, ta2, 403, nssf.SnssaiNotSupported, "000002"},
		{"nothing allowed, no default", nil, []models.Nssf_NSSel_SubscribedSnssai{sub(urllc, false)}, []models.Snssai{embb}, ta1, 403, nssf.SnssaiNotSupported, "default"},
		{"unconfigured TA", nil, subs, []models.Snssai{embb}, ta9, 403, nssf.SnssaiNotSupported, "000009"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNSSF(t)
			_, err := n.SelectForRegistration(context.Background(), tc.home,
				models.Nssf_NSSel_SliceInfoForRegistration{SubscribedNssai: tc.subs, RequestedNssai: tc.requested}, tc.tai)
			wantCause(t, err, tc.status, tc.cause)
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q does not mention %q", err, tc.detail)
			}
		})
	}
}

func TestSelectForPDUSession(t *testing.T) {
	for _, tc := range []struct {
		name   string
		snssai models.Snssai
		dnn    string
		tai    models.Tai
		smf    string
		upf    string
		nsi    string
		status int
		cause  string
	}{
		{name: "eMBB internet: instance without DNN list", snssai: embb, dnn: "internet", tai: ta1, smf: "smf-embb", upf: "upf-embb", nsi: "nsi-1"},
		{name: "eMBB ims: DNN instance first", snssai: embb, dnn: "IMS", tai: ta2, smf: "smf-ims", upf: "upf-ims", nsi: "nsi-ims"},
		{name: "eMBB without DNN", snssai: embb, tai: ta1, smf: "smf-embb", upf: "upf-embb", nsi: "nsi-1"},
		{name: "URLLC factory", snssai: urllc, dnn: "factory", tai: ta1, smf: "smf-urllc", upf: "upf-edge"},
		{name: "mIoT, SD in other case", snssai: models.Snssai{Sst: 3, Sd: "ABCDEF"}, dnn: "iot", tai: ta2, smf: "smf-iot", upf: "upf-iot"},
		{name: "URLLC other DNN: no instance", snssai: urllc, dnn: "internet", tai: ta1, status: 403, cause: nssf.SnssaiNotSupported},
		{name: "URLLC not in TA", snssai: urllc, dnn: "factory", tai: ta2, status: 403, cause: nssf.SnssaiNotSupported},
		{name: "eMBB/A: in TA, no instance", snssai: embbA, dnn: "internet", tai: ta1, status: 403, cause: nssf.SnssaiNotSupported},
		{name: "unconfigured TA", snssai: embb, dnn: "internet", tai: ta9, status: 403, cause: nssf.SnssaiNotSupported},
		{name: "bad S-NSSAI", snssai: models.Snssai{Sst: 256}, dnn: "internet", tai: ta1, status: 400, cause: nssf.MandatoryQueryParamIncorrect},
		{name: "bad DNN", snssai: embb, dnn: "a..b", tai: ta1, status: 400, cause: nssf.MandatoryQueryParamIncorrect},
		{name: "no TAI", snssai: embb, dnn: "internet", status: 400, cause: nssf.MandatoryQueryParamMissing},
		{name: "foreign TAI", snssai: embb, dnn: "internet", tai: models.Tai{PlmnId: &other, Tac: "0001"}, status: 400, cause: nssf.MandatoryQueryParamIncorrect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNSSF(t)
			got, err := n.SelectForPDUSession(context.Background(), tc.snssai, tc.dnn, tc.tai)
			if tc.cause != "" {
				wantCause(t, err, tc.status, tc.cause)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.SMFSet != tc.smf || got.UPFSet != tc.upf || got.NsiInformation.NsiId != tc.nsi {
				t.Errorf("selection %+v, want SMF set %s UPF set %s NSI %q", got, tc.smf, tc.upf, tc.nsi)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	if err := config().Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	if err := nssf.Defaults().Validate(); err != nil {
		t.Fatalf("Defaults: %v", err)
	}
	for _, tc := range []struct {
		name  string
		mod   func(*nssf.Config)
		field string
	}{
		{"no PLMN", func(c *nssf.Config) { c.PLMNs = nil }, "plmns"},
		{"bad MCC", func(c *nssf.Config) { c.PLMNs = append(c.PLMNs, models.PlmnId{Mcc: "01", Mnc: "01"}) }, "plmns[1]"},
		{"bad MNC", func(c *nssf.Config) { c.PLMNs[0].Mnc = "1" }, "plmns[0]"},
		{"TAI without PLMN", func(c *nssf.Config) { c.TrackingAreas[1].TAI.PlmnId = nil }, "tracking_areas[1].tai"},
		{"TAC of 5 digits", func(c *nssf.Config) { c.TrackingAreas[0].TAI = models.Tai{PlmnId: &home, Tac: "00001"} }, "tracking_areas[0].tai"},
		{"TAC not hex", func(c *nssf.Config) { c.TrackingAreas[0].TAI = models.Tai{PlmnId: &home, Tac: "00000g"} }, "tracking_areas[0].tai"},
		{"TAI of another PLMN", func(c *nssf.Config) { c.TrackingAreas[0].TAI = models.Tai{PlmnId: &other, Tac: "000001"} }, "tracking_areas[0].tai.plmn_id"},
		{"TAI twice", func(c *nssf.Config) {
			c.TrackingAreas[1].TAI = models.Tai{PlmnId: &home, Tac: "00000A"}
			c.TrackingAreas[0].TAI.Tac = "00000a"
		}, "tracking_areas[1].tai"},
		{"TA without slices", func(c *nssf.Config) { c.TrackingAreas[1].SNSSAIs = nil }, "tracking_areas[1].snssais"},
		{"bad SD in TA", func(c *nssf.Config) { c.TrackingAreas[0].SNSSAIs[1].Sd = "0000" }, "tracking_areas[0].snssais[1]"},
		{"slice twice in TA", func(c *nssf.Config) { c.TrackingAreas[0].SNSSAIs[2] = models.Snssai{Sst: 1, Sd: "00000A"} }, "tracking_areas[0].snssais[2]"},
		{"instance SST 300", func(c *nssf.Config) { c.Instances[0].SNSSAI.Sst = 300 }, "instances[0].snssai"},
		{"instance slice in no TA", func(c *nssf.Config) { c.Instances[2].SNSSAI = nowhere }, "instances[2].snssai"},
		{"instance bad DNN", func(c *nssf.Config) { c.Instances[1].DNNs = []string{"ims", "-x"} }, "instances[1].dnns[1]"},
		{"two default instances", func(c *nssf.Config) { c.Instances[1].DNNs = nil }, "instances[1]"},
		{"two instances for a DNN", func(c *nssf.Config) {
			c.Instances = append(c.Instances, nssf.Instance{SNSSAI: embb, DNNs: []string{"IMS"}, SMFSet: "x"})
		}, "instances[4]"},
		{"instance without SMF set", func(c *nssf.Config) { c.Instances[3].SMFSet = "" }, "instances[3].smf_set"},
		{"bad target AMF set", func(c *nssf.Config) { c.TargetAMFSet = "001-01-01-400" }, "target_amf_set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config()
			tc.mod(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), "nssf config: "+tc.field+": ") {
				t.Fatalf("Validate = %v, want an error naming %s", err, tc.field)
			}
			if _, err := nssf.New(c, nssf.Deps{}); err == nil {
				t.Fatal("New accepted a configuration Validate refuses")
			}
		})
	}
}
