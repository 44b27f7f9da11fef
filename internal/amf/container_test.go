package amf_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/amf"
	"go5g/internal/n1"
	"go5g/internal/pcapcheck"
	"go5g/internal/sim/gnb"
	"go5g/internal/sim/ue"
	"go5g/internal/store"
	"go5g/internal/suci"
	"go5g/internal/testenv"
)

// activationSMF is an SMF that creates SM contexts without answering the
// UE and re-activates their user plane when asked (UpdateSMContextN2 with
// upCnxState ACTIVATING), with setupTransfer as the N2 SM information.
type activationSMF struct {
	transfer []byte

	mu         sync.Mutex
	activating []string // SM context refs asked to activate
	setups     int      // PDU_RES_SETUP_RSP received
}

func (f *activationSMF) CreateSMContext(ctx context.Context, data models.Smf_PDUSess_SmContextCreateData, n1SmMsg []byte) (string, error) {
	return "ref-1", nil
}

func (f *activationSMF) UpdateSMContext(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextUpdateData, n1SmMsg, n2SmInfo []byte) (models.Smf_PDUSess_SmContextUpdatedData, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if data.N2SmInfoType == models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_RSP && n2SmInfo != nil {
		f.setups++
	}
	return models.Smf_PDUSess_SmContextUpdatedData{}, nil
}

func (f *activationSMF) UpdateSMContextN2(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextUpdateData, n1SmMsg, n2SmInfo []byte) (models.Smf_PDUSess_SmContextUpdatedData, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if data.UpCnxState != models.Smf_PDUSess_UpCnxState_ACTIVATING {
		return models.Smf_PDUSess_SmContextUpdatedData{}, nil, nil
	}
	f.activating = append(f.activating, ref)
	return models.Smf_PDUSess_SmContextUpdatedData{UpCnxState: models.Smf_PDUSess_UpCnxState_ACTIVATING}, f.transfer, nil
}

func (f *activationSMF) ReleaseSMContext(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextReleaseData) error {
	return nil
}

func (f *activationSMF) counts() (activations, setups int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.activating), f.setups
}

// idleWithSession registers a UE of a network whose NAS ciphering is ea,
// gives it PDU session 1 in the AMF (the SMF never answers the UE, so the
// UE reports no PDU session status that would release it) and releases it
// to CM-IDLE.
func idleWithSession(t *testing.T, ea n1.CipherAlg, edit func(*ue.Config)) (*testNet, *activationSMF, *gnb.GNB, *ue.UE) {
	t.Helper()
	sm := &activationSMF{transfer: setupTransfer(t)}
	n := newNetSMF(t, func(c *amf.Config) { c.Ciphering = []n1.CipherAlg{ea} }, nil, sm)
	g := n.connect(t, "gnb-1", 1)
	n.provision(t, 1, 1, store.AuthMethod5GAKA)
	u := n.newUE(t, 1, suci.NullScheme, edit)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := u.Register(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cipher != ea {
		t.Fatalf("NAS ciphering %v, want %v", res.Cipher, ea)
	}
	sctx, scancel := context.WithTimeout(ctx, 300*time.Millisecond)
	u.EstablishPDUSession(sctx, g, "internet", nil, n1.PDUSessionTypeIPv4) // the fake SMF never accepts
	scancel()
	n.goIdle(t, u)
	return n, sm, g, u
}

// TestServiceRequestContainer: a UE in CM-IDLE with uplink data for PDU
// session 1 sends SERVICE REQUEST with only ngKSI, service type and
// 5G-S-TMSI in the clear and the complete request, Uplink data status
// included, in a NAS message container ciphered with NEA2. The AMF
// deciphers it and re-activates the session: the SMF is asked (ACTIVATING),
// the gNB gets the session in INITIAL CONTEXT SETUP and its answer reaches
// the SMF. The outer message carries no Uplink data status, so an AMF that
// ignored the container would activate nothing.
//
// Spec: TS 24.501 §4.4.6, §5.6.1.4.1; TS 33.501 §6.4.6; TS 23.502 §4.2.3.2
func TestServiceRequestContainer(t *testing.T) {
	n, sm, g, u := idleWithSession(t, n1.NEA2, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 2 {
		if err := u.ServiceRequestData(ctx, g, 1); err != nil {
			t.Fatalf("service request %d: %v", i+1, err)
		}
		eventually(t, 10*time.Second, "the session's user plane re-activated", func() bool {
			a, s := sm.counts()
			return a == i+1 && s == i+1
		})
		found := false
		for _, s := range g.Sessions() {
			found = found || s.ID == 1 && s.UL.TEID == 7
		}
		if !found {
			t.Fatalf("gNB sessions %+v, want PDU session 1 to the UPF's TEID 7", g.Sessions())
		}
		n.goIdle(t, u)
	}
	if s := n.amf.Stats(); s.ServiceAccepts != 2 || s.ServiceRejects != 0 {
		t.Errorf("stats: %d SERVICE ACCEPTs, %d rejects; want 2 and 0", s.ServiceAccepts, s.ServiceRejects)
	}
	// A request with nothing but cleartext IEs has no container and is
	// served as it is.
	if err := u.ServiceRequest(ctx, g); err != nil {
		t.Fatalf("service request without container: %v", err)
	}
	if a, _ := sm.counts(); a != 2 {
		t.Errorf("%d activations after a signalling-only request, want still 2", a)
	}
}

// TestNoContainer: a UE that sends its SERVICE REQUEST integrity protected
// with Uplink data status in the clear, not in a NAS message container,
// breaks its own confidentiality, not the message's integrity: the AMF
// serves it and re-activates the session.
//
// Spec: TS 24.501 §4.4.6, §5.6.1.4.1
func TestNoContainer(t *testing.T) {
	n, sm, g, u := idleWithSession(t, n1.NEA2, func(c *ue.Config) { c.Faults.NoContainer = n1.MsgServiceRequest })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := u.ServiceRequestData(ctx, g, 1); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the session's user plane re-activated", func() bool {
		a, s := sm.counts()
		return a == 1 && s == 1
	})
	if s := n.amf.Stats(); s.ServiceAccepts != 1 || s.ServiceRejects != 0 {
		t.Errorf("stats: %d SERVICE ACCEPTs, %d rejects; want 1 and 0", s.ServiceAccepts, s.ServiceRejects)
	}
}

// TestTamperedContainer: a SERVICE REQUEST whose ciphered container was
// changed on the way fails the integrity check: the AMF neither deciphers
// nor uses the container (no session is re-activated), answers SERVICE
// REJECT #9 and leaves the UE's context as it was. A registration update
// with a tampered container likewise fails the check and is served only
// after authentication and security mode control, from the complete
// request of SECURITY MODE COMPLETE.
//
// Spec: TS 24.501 §4.4.6, §4.4.4.3, §5.6.1.5, §5.5.1.3.2
func TestTamperedContainer(t *testing.T) {
	n, sm, g, u := idleWithSession(t, n1.NEA2, func(c *ue.Config) {
		c.Faults.TamperContainer = n1.MsgServiceRequest
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	before, _ := n.ueState(t, u.SUPI())
	err := u.ServiceRequestData(ctx, g, 1)
	var rej *ue.ServiceRejectError
	if !errors.As(err, &rej) || rej.Cause != n1.CauseUEIdentityNotDerived {
		t.Fatalf("ServiceRequestData: %v, want SERVICE REJECT #9", err)
	}
	if after, ok := n.ueState(t, u.SUPI()); !ok || after != before {
		t.Errorf("AMF context %+v (known %t), want unchanged %+v", after, ok, before)
	}
	if a, s := sm.counts(); a != 0 || s != 0 {
		t.Errorf("%d activations, %d setups from a tampered container; want none", a, s)
	}

	u2 := n.newUE(t, 1, suci.NullScheme, func(c *ue.Config) { c.Faults.TamperContainer = n1.MsgRegistrationRequest })
	if _, err := u2.Register(ctx, g); err != nil {
		t.Fatal(err)
	}
	n.goIdle(t, u2)
	res, err := u2.UpdateRegistration(ctx, g, false)
	if err != nil {
		t.Fatalf("UpdateRegistration: %v", err)
	}
	if res.AuthenticationRequests != 1 || res.SecurityModeCommands != 1 {
		t.Errorf("update with a tampered container: %+v; want authentication and security mode control", res)
	}
}

// TestForeignContainer: a verified SERVICE REQUEST whose container holds a
// REGISTRATION REQUEST, and a verified registration update whose container
// holds a SERVICE REQUEST, have semantically incorrect contents: SERVICE
// REJECT and REGISTRATION REJECT #95, no session re-activated; the UE
// stays registered in the AMF, its connection released.
//
// Spec: TS 24.501 §4.4.6, §7.8, §5.6.1.5, §5.5.1.3.5
func TestForeignContainer(t *testing.T) {
	for _, c := range []struct {
		name string
		t    uint8
	}{
		{"service request", n1.MsgServiceRequest},
		{"registration update", n1.MsgRegistrationRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, sm, g, u := idleWithSession(t, n1.NEA2, func(cfg *ue.Config) { cfg.Faults.ForeignContainer = c.t })
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var cause uint8
			if c.t == n1.MsgServiceRequest {
				var rej *ue.ServiceRejectError
				if err := u.ServiceRequestData(ctx, g, 1); !errors.As(err, &rej) {
					t.Fatalf("ServiceRequestData: %v, want SERVICE REJECT", err)
				} else {
					cause = rej.Cause
				}
			} else {
				var rej *ue.RejectError
				if _, err := u.UpdateRegistration(ctx, g, true); !errors.As(err, &rej) {
					t.Fatalf("UpdateRegistration: %v, want REGISTRATION REJECT", err)
				} else {
					cause = rej.Cause
				}
			}
			if cause != n1.CauseSemanticallyIncorrect {
				t.Errorf("cause #%d, want #95", cause)
			}
			eventually(t, 5*time.Second, "the AMF to release the connection and keep the UE registered", func() bool {
				info, ok := n.ueState(t, u.SUPI())
				return ok && info.Registered && !info.Connected
			})
			if a, s := sm.counts(); a != 0 || s != 0 {
				t.Errorf("%d activations, %d setups; want none", a, s)
			}
		})
	}
}

// TestContainerTshark: tshark, an independent decoder, reads the initial
// messages of a UE with a NAS security context (NEA0, so that tshark's
// null deciphering opens the container): a SERVICE REQUEST and a mobility
// registration update, each integrity protected and not ciphered, with
// only cleartext IEs outside and the complete message, of the same type,
// in the NAS message container (the Uplink data status for PSI 1, the
// requested NSSAI); nothing malformed.
//
// Spec: TS 24.501 §4.4.6, §8.2.6, §8.2.16, §9.11.3.33
func TestContainerTshark(t *testing.T) {
	if err := pcapcheck.Available(); err != nil {
		testenv.Skip(t, err.Error())
	}
	n, sm, g, u := idleWithSession(t, n1.NEA0, nil)
	path := filepath.Join(t.TempDir(), "n2.pcap")
	capture, err := pcapcheck.Start("lo", fmt.Sprintf("udp port %d", n.udpPort), path)
	if err != nil {
		t.Fatal(err)
	}
	defer capture.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := u.ServiceRequestData(ctx, g, 1); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the session re-activated", func() bool { a, s := sm.counts(); return a == 1 && s == 1 })
	n.goIdle(t, u)
	if _, err := u.UpdateRegistration(ctx, g, false); err != nil {
		t.Fatal(err)
	}
	if err := capture.Stop(); err != nil {
		t.Fatal(err)
	}
	decode := []string{fmt.Sprintf("udp.port==%d,sctp", n.udpPort), "sctp.ppi==60,ngap"}
	problems, err := pcapcheck.Check(path, decode, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("tshark: %v", p)
	}
	rows, err := pcapcheck.Fields(path, decode, "ngap.procedureCode == 15", // INITIAL UE MESSAGE
		"nas_5gs.security_header_type", "nas_5gs.mm.message_type", "nas_5gs.ul_data_sts_psi_1_b1", "nas_5gs.mm.sst")
	if err != nil {
		t.Fatal(err)
	}
	// Per message: the outer header (integrity protected), the plain
	// message's and the container's (plain); the message type outside and
	// in the container; each non-cleartext IE once (in the container).
	want := [][]string{
		{"1,0,0", "0x4c,0x4c", "1", ""},
		{"1,0,0", "0x41,0x41", "", "1"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("INITIAL UE MESSAGEs (header types, message types, PSI 1 uplink data, SST):\n got %q\nwant %q", rows, want)
	}
}
