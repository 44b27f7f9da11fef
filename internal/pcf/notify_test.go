package pcf_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/free5gc/openapi/models"

	"go5g/internal/pcf"
)

type note struct {
	uri string
	n   models.Pcf_SMPolCtrl_SmPolicyNotification
}

type recorder struct {
	mu    sync.Mutex
	notes []note
	fail  error
}

func (r *recorder) SMPolicyUpdateNotify(ctx context.Context, uri string, n models.Pcf_SMPolCtrl_SmPolicyNotification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, note{uri, n})
	return r.fail
}

func (r *recorder) take() []note {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.notes
	r.notes = nil
	return n
}

// TestSetPolicies: a bad policy set changes nothing; a new one is decided
// for every association and the SMF of each changed association is
// notified at its notification URI with the new decision, a removed PCC
// rule as nil; an association the change does not touch is not notified;
// a failed notification is reported after the swap.
//
// Spec: TS 29.512 §4.2.3.1, §4.2.3.2, §5.6.2.6
func TestSetPolicies(t *testing.T) {
	ctx := context.Background()
	p, err := pcf.New(pcf.Config{Policies: []pcf.Policy{{Name: "v", DNN: "internet", PCCRules: []pcf.PCCRule{voice}}}}, pcf.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	p.SetNotifier(r)
	req := request()
	req.NotificationUri = "/smf/1"
	if _, dec, err := p.CreateSMPolicy(ctx, req); err != nil || dec.PccRules["voice"] == nil {
		t.Fatalf("create: %v %+v", err, dec)
	}
	other := request()
	other.Dnn, other.PduSessionId, other.NotificationUri = "ims", 6, "/smf/2"
	if _, _, err := p.CreateSMPolicy(ctx, other); err != nil {
		t.Fatal(err)
	}

	bad := []pcf.Policy{{Name: "x", PCCRules: []pcf.PCCRule{{ID: "x", FlowDescriptions: []string{"nonsense"}, QoS: pcf.QoS{FiveQI: 9}}}}}
	if err := p.SetPolicies(bad); err == nil {
		t.Fatal("invalid policies accepted")
	}
	if len(r.take()) != 0 || len(p.Policies()) != 1 || p.Policies()[0].Name != "v" {
		t.Fatalf("a rejected set changed something: %+v", p.Policies())
	}

	err = p.SetPolicies([]pcf.Policy{{Name: "a", DNN: "internet", SessionAMBR: &models.Ambr{Uplink: "1 Mbps", Downlink: "2 Mbps"}}})
	if err != nil {
		t.Fatal(err)
	}
	notes := r.take()
	if len(notes) != 1 || notes[0].uri != "/smf/1" || notes[0].n.ResourceUri != pcf.PolicyID(supi1, 5) {
		t.Fatalf("notifications %+v: want one for /smf/1", notes)
	}
	d := notes[0].n.SmPolicyDecision
	if rule, ok := d.PccRules["voice"]; !ok || rule != nil {
		t.Errorf("removed PCC rule %+v, want voice: nil", d.PccRules)
	}
	if a := d.SessRules[pcf.SessionRuleID].AuthSessAmbr; a.Uplink != "1 Mbps" || a.Downlink != "2 Mbps" {
		t.Errorf("session AMBR %+v", a)
	}
	// The same set again: nothing changes, nobody is told.
	if err := p.SetPolicies(p.Policies()); err != nil || len(r.take()) != 0 {
		t.Errorf("unchanged set: %v", err)
	}
	// New associations get the new policies.
	third := request()
	third.PduSessionId = 7
	if _, dec, err := p.CreateSMPolicy(ctx, third); err != nil || dec.SessRules[pcf.SessionRuleID].AuthSessAmbr.Uplink != "1 Mbps" {
		t.Errorf("new association %+v, %v", dec, err)
	}
	// Session 7 gave no notification URI: only session 5 is told.
	r.fail = errors.New("SMF gone")
	err = p.SetPolicies(nil)
	var ne *pcf.NotifyError
	if !errors.As(err, &ne) || len(ne.Failed) != 1 || len(p.Policies()) != 0 {
		t.Errorf("failed notifications: %v, policies %+v", err, p.Policies())
	}
}
