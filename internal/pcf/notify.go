package pcf

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/free5gc/openapi/models"
)

// Notifier receives Npcf_SMPolicyControl_UpdateNotify: the SMF of an
// association, called at the association's notification URI with the
// changed decision. A PCC rule mapped to nil is removed (TS 29.512
// §5.6.2.6: the null value of a map entry deletes it).
//
// Spec: TS 29.512 §4.2.3.1, §4.2.3.2 (PCF-initiated update)
type Notifier interface {
	SMPolicyUpdateNotify(ctx context.Context, notificationURI string, n models.Pcf_SMPolCtrl_SmPolicyNotification) error
}

// notifyTimeout bounds one notification.
const notifyTimeout = 10 * time.Second

// SetNotifier sets where policy changes of existing associations go (the
// SMF; set once the SMF exists). Without one, SetPolicies changes only
// future decisions and the associations' state.
func (p *PCF) SetNotifier(n Notifier) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notifier = n
}

// Policies returns a copy of the operator policies in force.
func (p *PCF) Policies() []Policy {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.policies)
}

// NotifyError reports the associations whose SMF could not be notified of
// a policy change. The policies were replaced all the same: the SMF's
// session keeps its old QoS until its next change.
type NotifyError struct {
	Failed map[string]error // by smPolicyId
}

func (e *NotifyError) Error() string {
	ids := make([]string, 0, len(e.Failed))
	for id := range e.Failed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	errs := make([]error, 0, len(ids))
	for _, id := range ids {
		errs = append(errs, fmt.Errorf("%s: %w", id, e.Failed[id]))
	}
	return fmt.Sprintf("pcf: policies replaced; %d SMF notification(s) failed: %v", len(ids), errors.Join(errs...))
}

// SetPolicies replaces the operator policies at runtime: it validates
// them as New does (nothing changes on error), swaps them in, decides
// every association again with them and notifies the SMF of each
// association whose decision changed (Npcf_SMPolicyControl_UpdateNotify,
// the changed session rule and PCC rules, removed PCC rules as nil). It
// returns once the notifications are answered; a failed one is reported
// in a *NotifyError.
//
// Spec: TS 29.512 §4.2.3.1 (the PCF provisions decisions without a
// request from the SMF, e.g. on an internal trigger), §4.2.3.2;
// TS 23.502 §4.16.5.2 (PCF initiated SM Policy Association Modification)
func (p *PCF) SetPolicies(ps []Policy) error {
	if err := (Config{Policies: ps}).Validate(); err != nil {
		return err
	}
	type note struct {
		id, uri string
		n       models.Pcf_SMPolCtrl_SmPolicyNotification
	}
	var notes []note
	p.mu.Lock()
	p.policies = slices.Clone(ps)
	for id, a := range p.assocs {
		req := a.req
		req.SubsSessAmbr, req.SubsDefQos = a.ctx.SubsSessAmbr, a.ctx.SubsDefQos
		pol := p.match(req)
		dec, err := decide(req, pol)
		if err != nil {
			// The subscription alone no longer yields a decision (the old
			// policy supplied what it lacks): keep the old one.
			continue
		}
		a.policy = pol
		if reflect.DeepEqual(dec, a.dec) {
			continue
		}
		change := changed(a.dec, dec)
		a.dec = dec
		if p.notifier != nil && a.req.NotificationUri != "" {
			notes = append(notes, note{id: id, uri: a.req.NotificationUri,
				n: models.Pcf_SMPolCtrl_SmPolicyNotification{ResourceUri: id, SmPolicyDecision: &change}})
		}
	}
	nt := p.notifier
	p.mu.Unlock()

	slices.SortFunc(notes, func(a, b note) int {
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	})
	var ne *NotifyError
	for _, x := range notes {
		ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
		err := nt.SMPolicyUpdateNotify(ctx, x.uri, x.n)
		cancel()
		if err != nil {
			if ne == nil {
				ne = &NotifyError{Failed: map[string]error{}}
			}
			ne.Failed[x.id] = err
		}
	}
	if ne != nil {
		return ne
	}
	return nil
}

// changed is the decision to notify: the session rules and the PCC rules
// (with their QoS data) of next, and nil for each PCC rule of prev that
// next no longer has.
//
// Spec: TS 29.512 §4.2.3.2, §5.6.2.6
func changed(prev, next models.Pcf_SMPolCtrl_SmPolicyDecision) models.Pcf_SMPolCtrl_SmPolicyDecision {
	d := models.Pcf_SMPolCtrl_SmPolicyDecision{SessRules: next.SessRules, QosDecs: next.QosDecs,
		PccRules: map[string]*models.Pcf_SMPolCtrl_PccRule{}}
	for id, r := range next.PccRules {
		d.PccRules[id] = r
	}
	for id := range prev.PccRules {
		if _, ok := next.PccRules[id]; !ok {
			d.PccRules[id] = nil
		}
	}
	return d
}

// matchedOn is the part of a request an association keeps to match the
// policies again: SUPI, PDU session id, DNN, slice, internal groups and
// the notification URI (copies: the caller may change its request).
func matchedOn(req models.Pcf_SMPolCtrl_SmPolicyContextData) models.Pcf_SMPolCtrl_SmPolicyContextData {
	m := models.Pcf_SMPolCtrl_SmPolicyContextData{Supi: req.Supi, PduSessionId: req.PduSessionId, Dnn: req.Dnn,
		InterGrpIds: slices.Clone(req.InterGrpIds), NotificationUri: req.NotificationUri}
	if req.SliceInfo != nil {
		s := *req.SliceInfo
		m.SliceInfo = &s
	}
	return m
}
