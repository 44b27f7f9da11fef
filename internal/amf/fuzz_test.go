package amf

import (
	"bytes"
	"context"
	"net"
	"testing"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n2"
	"go5g/internal/problem"
	"go5g/internal/sctp"
)

// The AMF's peer-facing entry points are fuzzed through its real worker:
// NGAP as its association reader gets it (FuzzNGAP), and sequences of NAS
// messages from one UE (FuzzUplinkNAS). Nothing a peer sends may panic or
// wedge a worker.

// nullConn is an association that swallows what is sent.
type nullConn struct{}

func (nullConn) Send(context.Context, sctp.Message) error { return nil }
func (nullConn) Recv(ctx context.Context) (sctp.Message, error) {
	<-ctx.Done()
	return sctp.Message{}, ctx.Err()
}
func (nullConn) Close(context.Context) error { return nil }
func (nullConn) Abort(string) error          { return nil }
func (nullConn) LocalAddr() net.Addr         { return sctp.Addr{} }
func (nullConn) RemoteAddr() net.Addr        { return sctp.Addr{} }
func (nullConn) Streams() uint16             { return 16 }

// stubHome answers as a home network would, with fixed values: a 5G-AKA
// challenge, and a confirmation that always succeeds.
type stubHome struct{}

func (stubHome) Authenticate(context.Context, models.Ausf_UEAU_AuthenticationInfo) (models.Ausf_UEAU_UEAuthenticationCtx, error) {
	return models.Ausf_UEAU_UEAuthenticationCtx{
		AuthType: models.Ausf_UEAU_AuthType_5_G_AKA,
		Var5gAuthData: models.Ausf_UEAU_Av5gAka{Rand: "00112233445566778899aabbccddeeff",
			Autn: "00112233445566778899aabbccddeeff", HxresStar: "00112233445566778899aabbccddeeff"},
		Links: map[string][]models.Link{"5g-aka": {{Href: "/nausf-auth/v1/ue-authentications/x/5g-aka-confirmation"}}},
	}, nil
}
func (stubHome) Confirm5GAKA(context.Context, string, models.Ausf_UEAU_ConfirmationData) (models.Ausf_UEAU_ConfirmationDataResponse, error) {
	return models.Ausf_UEAU_ConfirmationDataResponse{AuthResult: models.Ausf_UEAU_AuthResult_SUCCESS,
		Supi: "imsi-001010000000001", Kseaf: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}, nil
}
func (stubHome) EAPSession(context.Context, string, models.Ausf_UEAU_EapSession) (models.Ausf_UEAU_EapSession, error) {
	return models.Ausf_UEAU_EapSession{}, problem.New(problem.ContextNotFound, "stub")
}
func (stubHome) GetAmData(context.Context, string) (models.Udm_SDM_AccessAndMobilitySubscriptionData, error) {
	return models.Udm_SDM_AccessAndMobilitySubscriptionData{Nssai: &models.Udm_SDM_Nssai{
		DefaultSingleNssais: []models.Snssai{{Sst: 1}}, SingleNssais: []models.Snssai{{Sst: 1}}}}, nil
}
func (stubHome) RegisterAMF(context.Context, string, models.Udm_UECM_Amf3GppAccessRegistration) error {
	return nil
}
func (stubHome) DeregisterAMF(context.Context, string, models.Udm_UECM_Amf3GppAccessRegistrationModification) error {
	return nil
}

// fuzzAMF is an AMF with one running worker and a gNB on a null association.
func fuzzAMF(t *testing.T, setUp bool) (*AMF, *ranNode, func()) {
	cfg := Defaults()
	cfg.Workers = 1
	a, err := New(cfg, Deps{AUSF: stubHome{}, UDM: stubHome{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.runCtx = ctx
	done := make(chan struct{})
	go func() { a.shards[0].run(ctx); close(done) }()
	r := &ranNode{conn: nullConn{}, log: a.log}
	r.setUp.Store(setUp)
	return a, r, func() { cancel(); <-done }
}

// drain waits until the worker has handled everything posted so far.
func drain(t *testing.T, a *AMF) {
	reply := make(chan queryReply, 1)
	if !a.shards[0].post(context.Background(), queryUE{supi: "x", reply: reply}) {
		t.Fatal("worker stopped")
	}
	<-reply
}

var fuzzLoc = n2.UserLocation{CGI: n2.NRCGI{PLMN: n2.PLMN{MCC: "001", MNC: "01"}, CellID: 1},
	TAI: n2.TAI{PLMN: n2.PLMN{MCC: "001", MNC: "01"}, TAC: 1}}

// regRequest is a REGISTRATION REQUEST with a null-scheme SUCI.
const regRequest = "\x7e\x00\x41\x71\x00\x0d\x01\x00\xf1\x10\x00\x00\x00\x00\x00\x00\x00\x00\x01\x2e\x02\xf0\xf0"

func FuzzNGAP(f *testing.F) {
	setup, _ := n2.NGSetupRequest{GlobalRANNodeID: n2.GlobalGNBID{PLMN: fuzzLoc.TAI.PLMN, ID: 1, IDLength: 22},
		SupportedTAs: []n2.SupportedTA{{TAC: 1, PLMNs: []n2.BroadcastPLMN{{PLMN: fuzzLoc.TAI.PLMN,
			Slices: []n2.SNSSAI{{SST: 1}}}}}}}.Marshal()
	initial, _ := n2.InitialUEMessage{RANUENGAPID: 1, NASPDU: []byte(regRequest), Location: fuzzLoc}.Marshal()
	ul, _ := n2.UplinkNASTransport{AMFUENGAPID: 1, RANUENGAPID: 1, NASPDU: []byte{0x7e, 0, 0x43}, Location: fuzzLoc}.Marshal()
	rel, _ := n2.UEContextReleaseRequest{AMFUENGAPID: 1, RANUENGAPID: 1, Cause: n2.CauseUserInactivity}.Marshal()
	reset, _ := n2.NGReset{Cause: n2.CauseOMIntervention}.Marshal()
	for _, b := range [][]byte{setup, initial, ul, rel, reset, {0x00, 0xff, 0x13, 0x37}} {
		f.Add(b, true)
		f.Add(b, false)
	}
	f.Fuzz(func(t *testing.T, b []byte, setUp bool) {
		a, r, stop := fuzzAMF(t, setUp)
		defer stop()
		ctx := context.Background()
		// The same PDU twice: the second meets whatever state the first left.
		a.onPDU(ctx, r, sctp.Message{Stream: 1, PPID: sctp.PPIDNGAP, Data: b})
		a.onPDU(ctx, r, sctp.Message{Stream: 1, PPID: sctp.PPIDNGAP, Data: b})
		drain(t, a)
	})
}

func FuzzUplinkNAS(f *testing.F) {
	sep := []byte("|")
	f.Add([]byte(regRequest))
	f.Add(bytes.Join([][]byte{[]byte(regRequest), {0x7e, 0, 0x57, 0x2d, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}}, sep))
	f.Add(bytes.Join([][]byte{[]byte(regRequest), {0x7e, 0, 0x59, 21, 0x30, 14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}}, sep))
	f.Add(bytes.Join([][]byte{[]byte(regRequest), {0x7e, 0, 0x45, 0x09, 0, 0x0b, 0xf2, 0, 0xf1, 0x10, 1, 0, 0x40, 1, 2, 3, 4}}, sep))
	f.Add([]byte{0x7e, 0x02, 0, 0, 0, 0, 0, 0x7e, 0, 0x41})
	// SERVICE REQUEST (5G-S-TMSI), plain and integrity protected; then the
	// answers to network-initiated procedures.
	f.Add([]byte{0x7e, 0, 0x4c, 0x00, 0, 7, 0xf4, 0, 0x40, 1, 2, 3, 4})
	f.Add([]byte{0x7e, 0x01, 1, 2, 3, 4, 0, 0x7e, 0, 0x4c, 0x00, 0, 7, 0xf4, 0, 0x40, 1, 2, 3, 4})
	f.Add(bytes.Join([][]byte{[]byte(regRequest), {0x7e, 0, 0x55}, {0x7e, 0, 0x48}}, sep))
	// A mobility update naming a 5G-GUTI.
	f.Add([]byte{0x7e, 0, 0x41, 0x02, 0, 0x0b, 0xf2, 0, 0xf1, 0x10, 1, 0, 0x40, 1, 2, 3, 4, 0x2e, 2, 0xf0, 0xf0})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, r, stop := fuzzAMF(t, true)
		defer stop()
		ctx := context.Background()
		for i, nas := range bytes.SplitN(b, sep, 4) {
			if len(nas) == 0 {
				continue
			}
			if i == 0 {
				a.shards[0].post(ctx, initialUE{ran: r, msg: &n2.InitialUEMessage{RANUENGAPID: 1, NASPDU: nas, Location: fuzzLoc}})
			} else {
				raw, err := n2.UplinkNASTransport{AMFUENGAPID: 1, RANUENGAPID: 1, NASPDU: nas, Location: fuzzLoc}.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				pdu, err := n2.Decode(raw)
				if err != nil {
					t.Fatal(err)
				}
				a.shards[0].post(ctx, uePDU{ran: r, pdu: pdu})
			}
			drain(t, a)
		}
	})
}
