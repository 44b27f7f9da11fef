package n2

import "fmt"

// Sample messages shared by the round-trip, golden, fuzz-corpus and benchmark tests.

var (
	plmn00101  = PLMN{MCC: "001", MNC: "01"}
	plmn310410 = PLMN{MCC: "310", MNC: "410"}
	loc        = UserLocation{
		CGI: NRCGI{PLMN: plmn00101, CellID: 0x000000010},
		TAI: TAI{PLMN: plmn00101, TAC: 1},
	}
	guami = GUAMI{PLMN: plmn00101, RegionID: 0xca, SetID: 0x3f8, Pointer: 0x01}
	// A NAS Registration Request (plain 5GMM header, SUCI null scheme) as a gNB
	// would forward it; its content does not matter to NGAP.
	regReq = []byte{0x7e, 0x00, 0x41, 0x79, 0x00, 0x0d, 0x01, 0x00, 0xf1, 0x10, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x2e, 0x02, 0xf0, 0xf0}
	// A Service Request with 5G-S-TMSI (set 1023, pointer 63, TMSI 0xdeadbeef).
	svcReq = []byte{0x7e, 0x00, 0x4c, 0x00, 0x00, 0x07, 0xf4, 0xff, 0xff, 0xde, 0xad, 0xbe, 0xef}
	// A Deregistration Accept (UE originating), header only.
	deregAccept = []byte{0x7e, 0x00, 0x46}
)

// ciphered returns a security protected and ciphered NAS message (security header
// type 2) of n octets: dissectors cannot look inside, so its content is free.
func ciphered(n int) []byte {
	b := make([]byte, n)
	copy(b, []byte{0x7e, 0x02, 0x01, 0x02, 0x03, 0x04, 0x05})
	for i := 7; i < n; i++ {
		b[i] = byte(i)
	}
	return b
}

type marshaler interface{ Marshal() ([]byte, error) }

type sample struct {
	name  string
	msg   marshaler
	info  Info                         // what Decode must report
	parse func(PDU) (marshaler, error) // the typed parser; its result must equal msg
}

func parser[T marshaler](f func(PDU) (*T, error)) func(PDU) (marshaler, error) {
	return func(p PDU) (marshaler, error) {
		m, err := f(p)
		if err != nil {
			return nil, err
		}
		return *m, nil
	}
}

func ids(amf uint64, ran uint32) UEIDs { return UEIDs{AMF: amf, RAN: ran, HasAMF: true, HasRAN: true} }

func samples() []sample {
	key := [32]byte{}
	for i := range key {
		key[i] = byte(i)
	}
	cause := CauseAbstractSyntaxErrorReject
	return []sample{
		{"NGSetupRequest", NGSetupRequest{
			GlobalRANNodeID: GlobalGNBID{PLMN: plmn00101, ID: 1, IDLength: 22},
			RANNodeName:     "go5g-gnb",
			SupportedTAs: []SupportedTA{{TAC: 1, PLMNs: []BroadcastPLMN{{PLMN: plmn00101,
				Slices: []SNSSAI{{SST: 1}, {SST: 1, SD: 0x010203, HasSD: true}}}}}},
			DefaultPagingDRX: PagingDRX128,
		}, Info{Procedure: ProcNGSetup, Type: InitiatingMessage, Criticality: Reject}, parser(ParseNGSetupRequest)},
		{"NGSetupRequest/3-digit-MNC", NGSetupRequest{
			GlobalRANNodeID: GlobalGNBID{PLMN: plmn310410, ID: 0xfffffffe, IDLength: 32},
			SupportedTAs: []SupportedTA{
				{TAC: 0xabcdef, PLMNs: []BroadcastPLMN{{PLMN: plmn310410, Slices: []SNSSAI{{SST: 2}}}, {PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}}},
				{TAC: 2, PLMNs: []BroadcastPLMN{{PLMN: plmn310410, Slices: []SNSSAI{{SST: 3, SD: 0xffffff, HasSD: true}}}}},
			},
			DefaultPagingDRX: PagingDRX32,
		}, Info{Procedure: ProcNGSetup, Type: InitiatingMessage, Criticality: Reject}, parser(ParseNGSetupRequest)},
		{"NGSetupResponse", NGSetupResponse{
			AMFName:             "go5g-amf",
			ServedGUAMIs:        []ServedGUAMI{{GUAMI: guami}, {GUAMI: GUAMI{PLMN: plmn310410, RegionID: 1, SetID: 1, Pointer: 63}, BackupAMFName: "backup"}},
			RelativeAMFCapacity: 255,
			PLMNSupport:         []PLMNSupport{{PLMN: plmn00101, Slices: []SNSSAI{{SST: 1}}}},
		}, Info{Procedure: ProcNGSetup, Type: SuccessfulOutcome, Criticality: Reject}, parser(ParseNGSetupResponse)},
		{"NGSetupFailure", NGSetupFailure{Cause: CauseUnknownPLMNOrSNPN, TimeToWait: TimeToWait10s},
			Info{Procedure: ProcNGSetup, Type: UnsuccessfulOutcome, Criticality: Reject}, parser(ParseNGSetupFailure)},
		{"NGSetupFailure/diagnostics", NGSetupFailure{Cause: CauseAbstractSyntaxErrorReject,
			Diagnostics: &CriticalityDiagnostics{IEs: []IEDiagnostic{{Criticality: Reject, ID: 27, Error: Missing}}}},
			Info{Procedure: ProcNGSetup, Type: UnsuccessfulOutcome, Criticality: Reject}, parser(ParseNGSetupFailure)},
		{"InitialUEMessage", InitialUEMessage{RANUENGAPID: 1, NASPDU: regReq, Location: loc,
			RRCCause: RRCMOSignalling, HasRRCCause: true, UEContextRequested: true},
			Info{Procedure: ProcInitialUEMessage, Type: InitiatingMessage, Criticality: Ignore, IDs: UEIDs{RAN: 1, HasRAN: true}},
			parser(ParseInitialUEMessage)},
		{"InitialUEMessage/5G-S-TMSI", InitialUEMessage{RANUENGAPID: 0xffffffff, NASPDU: svcReq,
			Location: UserLocation{CGI: NRCGI{PLMN: plmn310410, CellID: 1<<36 - 1}, TAI: TAI{PLMN: plmn310410, TAC: 0xffffff}},
			RRCCause: RRCMOExceptionData, HasRRCCause: true, STMSI: &FiveGSTMSI{SetID: 1023, Pointer: 63, TMSI: 0xdeadbeef}},
			Info{Procedure: ProcInitialUEMessage, Type: InitiatingMessage, Criticality: Ignore, IDs: UEIDs{RAN: 0xffffffff, HasRAN: true}},
			parser(ParseInitialUEMessage)},
		{"DownlinkNASTransport", DownlinkNASTransport{AMFUENGAPID: 1, RANUENGAPID: 1, NASPDU: deregAccept},
			Info{Procedure: ProcDownlinkNASTransport, Type: InitiatingMessage, Criticality: Ignore, IDs: ids(1, 1)},
			parser(ParseDownlinkNASTransport)},
		{"DownlinkNASTransport/max-ids", DownlinkNASTransport{AMFUENGAPID: maxAMFUENGAPID, RANUENGAPID: 0, NASPDU: ciphered(300)},
			Info{Procedure: ProcDownlinkNASTransport, Type: InitiatingMessage, Criticality: Ignore, IDs: ids(maxAMFUENGAPID, 0)},
			parser(ParseDownlinkNASTransport)},
		{"UplinkNASTransport", UplinkNASTransport{AMFUENGAPID: 0x1234567, RANUENGAPID: 0x10000, NASPDU: regReq, Location: loc},
			Info{Procedure: ProcUplinkNASTransport, Type: InitiatingMessage, Criticality: Ignore, IDs: ids(0x1234567, 0x10000)},
			parser(ParseUplinkNASTransport)},
		{"InitialContextSetupRequest", InitialContextSetupRequest{AMFUENGAPID: 7, RANUENGAPID: 9, GUAMI: guami,
			AllowedNSSAI: []SNSSAI{{SST: 1}, {SST: 2, SD: 1, HasSD: true}},
			SecurityCaps: UESecurityCapabilities{NREncryption: 0xe000, NRIntegrity: 0xe000, EUTRAEncryption: 0xc000, EUTRAIntegrity: 0x4000},
			SecurityKey:  key, NASPDU: ciphered(40)},
			Info{Procedure: ProcInitialContextSetup, Type: InitiatingMessage, Criticality: Reject, IDs: ids(7, 9)},
			parser(ParseInitialContextSetupRequest)},
		{"InitialContextSetupRequest/no-NAS", InitialContextSetupRequest{AMFUENGAPID: 7, RANUENGAPID: 9, GUAMI: guami,
			AllowedNSSAI: []SNSSAI{{SST: 1}}, SecurityKey: key},
			Info{Procedure: ProcInitialContextSetup, Type: InitiatingMessage, Criticality: Reject, IDs: ids(7, 9)},
			parser(ParseInitialContextSetupRequest)},
		{"InitialContextSetupResponse", InitialContextSetupResponse{AMFUENGAPID: 7, RANUENGAPID: 9},
			Info{Procedure: ProcInitialContextSetup, Type: SuccessfulOutcome, Criticality: Reject, IDs: ids(7, 9)},
			parser(ParseInitialContextSetupResponse)},
		{"InitialContextSetupFailure", InitialContextSetupFailure{AMFUENGAPID: 7, RANUENGAPID: 9, Cause: CauseEncryptionOrIntegrityNotSupported},
			Info{Procedure: ProcInitialContextSetup, Type: UnsuccessfulOutcome, Criticality: Reject, IDs: ids(7, 9)},
			parser(ParseInitialContextSetupFailure)},
		{"UEContextReleaseRequest", UEContextReleaseRequest{AMFUENGAPID: 7, RANUENGAPID: 9, Cause: CauseUserInactivity},
			Info{Procedure: ProcUEContextReleaseRequest, Type: InitiatingMessage, Criticality: Ignore, IDs: ids(7, 9)},
			parser(ParseUEContextReleaseRequest)},
		{"UEContextReleaseCommand/pair", UEContextReleaseCommand{IDs: ids(7, 9), Cause: CauseDeregister},
			Info{Procedure: ProcUEContextRelease, Type: InitiatingMessage, Criticality: Reject, IDs: ids(7, 9)},
			parser(ParseUEContextReleaseCommand)},
		{"UEContextReleaseCommand/AMF-ID", UEContextReleaseCommand{IDs: UEIDs{AMF: 1 << 39, HasAMF: true}, Cause: CauseReleaseDueTo5GCGeneratedReason},
			Info{Procedure: ProcUEContextRelease, Type: InitiatingMessage, Criticality: Reject, IDs: UEIDs{AMF: 1 << 39, HasAMF: true}},
			parser(ParseUEContextReleaseCommand)},
		{"UEContextReleaseComplete", UEContextReleaseComplete{AMFUENGAPID: 7, RANUENGAPID: 9},
			Info{Procedure: ProcUEContextRelease, Type: SuccessfulOutcome, Criticality: Reject, IDs: ids(7, 9)},
			parser(ParseUEContextReleaseComplete)},
		{"UEContextReleaseComplete/location", UEContextReleaseComplete{AMFUENGAPID: 7, RANUENGAPID: 9, Location: &loc},
			Info{Procedure: ProcUEContextRelease, Type: SuccessfulOutcome, Criticality: Reject, IDs: ids(7, 9)},
			parser(ParseUEContextReleaseComplete)},
		{"ErrorIndication", ErrorIndication{IDs: ids(7, 9), Cause: &cause},
			Info{Procedure: ProcErrorIndication, Type: InitiatingMessage, Criticality: Ignore, IDs: ids(7, 9)},
			parser(ParseErrorIndication)},
		{"ErrorIndication/diagnostics", ErrorIndication{Diagnostics: &CriticalityDiagnostics{HasProcedure: true,
			ProcedureCode: 200, TriggeringMessage: InitiatingMessage, ProcedureCriticality: Notify}},
			Info{Procedure: ProcErrorIndication, Type: InitiatingMessage, Criticality: Ignore},
			parser(ParseErrorIndication)},
		{"NGReset/all", NGReset{Cause: CauseOMIntervention},
			Info{Procedure: ProcNGReset, Type: InitiatingMessage, Criticality: Reject}, parser(ParseNGReset)},
		{"NGReset/part", NGReset{Cause: CauseUnspecifiedRadioNetwork,
			Part: []UEIDs{ids(1, 2), {AMF: 3, HasAMF: true}, {RAN: 4, HasRAN: true}}},
			Info{Procedure: ProcNGReset, Type: InitiatingMessage, Criticality: Reject}, parser(ParseNGReset)},
		{"NGResetAcknowledge", NGResetAcknowledge{},
			Info{Procedure: ProcNGReset, Type: SuccessfulOutcome, Criticality: Reject}, parser(ParseNGResetAcknowledge)},
		{"NGResetAcknowledge/part", NGResetAcknowledge{Part: []UEIDs{ids(1, 2), {AMF: 3, HasAMF: true}}},
			Info{Procedure: ProcNGReset, Type: SuccessfulOutcome, Criticality: Reject}, parser(ParseNGResetAcknowledge)},
	}
}

// sampleMsg returns the message of the named sample.
func sampleMsg(name string) marshaler {
	for _, s := range samples() {
		if s.name == name {
			return s.msg
		}
	}
	panic("no sample " + name)
}

func mustMarshal(m marshaler) []byte {
	b, err := m.Marshal()
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", m, err))
	}
	return b
}
