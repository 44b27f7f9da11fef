package smf

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/free5gc/nas"
	"github.com/free5gc/openapi/models"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/rules"
)

// PDU session modification: network-requested (a new PCF decision,
// SMPolicyUpdateNotify) and UE-requested (PDU SESSION MODIFICATION
// REQUEST). The SMF sends PDU SESSION MODIFICATION COMMAND with the new
// Session-AMBR, QoS rules and QoS flow descriptions and, when the user
// plane is active, the N2 PDU Session Resource Modify Request Transfer;
// it changes the UPF's rules once the gNB answered (or, without N2, once
// the UE completed), and T3591 retransmits the command. For a session
// whose user plane is deactivated (UE in CM-IDLE) only the command goes:
// the AMF pages the UE and delivers it after the Service Request, and the
// modified QoS reaches the gNB in the Setup Request Transfer when the user
// plane comes back (paging.go). Should the N2 part find the UE idle (its
// AN release still on its way here), the AMF asks for that transfer at
// the Service Request instead.
//
// Spec: TS 23.502 §4.3.3.2; TS 24.501 §6.3.2 (network-requested), §6.4.2
// (UE-requested)

// Message types the n1 package does not name. Spec: TS 24.501 Table 9.7.2
const msgModificationCommandReject = 0xcd

// modProc is a modification under way: the PTI (0 when the network
// started it), the command for T3591 and the N4 changes not yet made.
type modProc struct {
	gsmTimer
	pti       uint8
	n4        rules.Modification
	n4Pending bool
	n2Sent    bool
}

// SMPolicyUpdateNotify is Npcf_SMPolicyControl_UpdateNotify as the SMF
// receives it: the PCF's new decision for the session of notificationURI
// (the URI the SMF gave at Create). Changed Session-AMBR, default QoS or
// PCC rules start a network-requested PDU session modification.
//
// Spec: TS 29.512 §4.2.3.1, §4.2.3.2; TS 23.502 §4.3.3.2 step 1b
func (s *SMF) SMPolicyUpdateNotify(ctx context.Context, notificationURI string, n models.Pcf_SMPolCtrl_SmPolicyNotification) error {
	supi, psi, ok := parsePolicyNotifyURI(notificationURI)
	if !ok {
		return errNotifyTarget
	}
	s.mu.Lock()
	c := s.byUE[ueKey{supi, psi}]
	s.mu.Unlock()
	if c == nil {
		return ErrNoContext
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone || c.releasing {
		return ErrNoContext
	}
	if n.SmPolicyDecision == nil {
		return nil
	}
	if err := s.modify(ctx, c, 0, *n.SmPolicyDecision); err != nil {
		return fmt.Errorf("smf: modification %s PSI %d: %w", c.supi, c.psi, err)
	}
	return nil
}

// modify applies a decision to the session and, when something changed or
// the UE asked (pti != 0), starts the modification. Caller holds c.mu.
//
// Spec: TS 23.502 §4.3.3.2 steps 3b-4 (N1N2MessageTransfer with the
// command and the N2 SM information); TS 24.501 §6.3.2.2 ("start timer
// T3591")
func (s *SMF) modify(ctx context.Context, c *smContext, pti uint8, dec models.Pcf_SMPolCtrl_SmPolicyDecision) error {
	ul, dl, fiveQI, arp := c.ambrUL, c.ambrDL, c.fiveQI, c.arp
	for _, r := range dec.SessRules {
		if r == nil {
			continue
		}
		if a := r.AuthSessAmbr; a != nil {
			if v, err := parseBitRate(a.Uplink); err == nil {
				ul = v
			}
			if v, err := parseBitRate(a.Downlink); err == nil {
				dl = v
			}
		}
		if q := r.AuthDefQos; q != nil {
			if q.Var5qi > 0 && q.Var5qi < 256 {
				fiveQI = uint8(q.Var5qi)
			}
			if q.Arp != nil && q.Arp.PriorityLevel >= 1 && q.Arp.PriorityLevel <= 15 {
				arp = uint8(q.Arp.PriorityLevel)
			}
		}
	}
	flows := s.flowsOf(c, dec, c.flows)
	var added, changed, removed []*qosFlow
	for _, f := range flows {
		i := slices.IndexFunc(c.flows, func(o *qosFlow) bool { return o.rule == f.rule })
		switch {
		case i < 0:
			added = append(added, f)
		case !sameFlow(c.flows[i], f):
			changed = append(changed, f)
		}
	}
	for _, o := range c.flows {
		if !slices.ContainsFunc(flows, func(f *qosFlow) bool { return f.rule == o.rule }) {
			removed = append(removed, o)
		}
	}
	ambrChanged := ul != c.ambrUL || dl != c.ambrDL
	defChanged := fiveQI != c.fiveQI || arp != c.arp
	if pti == 0 && !ambrChanged && !defChanged && len(added)+len(changed)+len(removed) == 0 {
		return nil // the decision changes nothing for this session
	}

	// N4: the session QER carries the Session-AMBR; each flow its PDRs
	// and QER. Spec: TS 29.244 §7.5.4
	var m rules.Modification
	if ambrChanged {
		m.UpdateQERs = append(m.UpdateQERs, rules.QER{ID: qerSession, MBRUplink: ul, MBRDownlink: dl, QFI: c.qfi})
	}
	c.ambrUL, c.ambrDL, c.fiveQI, c.arp = ul, dl, fiveQI, arp
	ulTEID := &rules.FTEID{TEID: c.ul.TEID}
	if c.ul.Addr.Is4() {
		ulTEID.IPv4 = c.ul.Addr
	} else {
		ulTEID.IPv6 = c.ul.Addr
	}
	for _, f := range added {
		pdrs, q := f.n4(c, ulTEID)
		m.CreatePDRs = append(m.CreatePDRs, pdrs...)
		m.CreateQERs = append(m.CreateQERs, q)
	}
	for _, f := range changed {
		pdrs, q := f.n4(c, ulTEID)
		m.UpdatePDRs = append(m.UpdatePDRs, pdrs...)
		m.UpdateQERs = append(m.UpdateQERs, q)
	}
	for _, f := range removed {
		m.RemovePDRs = append(m.RemovePDRs, flowPDRUL(f.qfi), flowPDRDL(f.qfi))
		m.RemoveQERs = append(m.RemoveQERs, flowQER(f.qfi))
	}
	c.flows = flows

	// N1: the command. Spec: TS 24.501 §8.3.9, §6.3.2.2
	var qr, fd []byte
	for _, f := range added {
		qr = append(qr, f.qosRule(qosRuleCreate)...)
		fd = append(fd, f.flowDescription(qosFlowCreate)...)
	}
	for _, f := range changed {
		qr = append(qr, f.qosRule(qosRuleModifyReplaceAll)...)
		fd = append(fd, f.flowDescription(qosFlowModify)...)
	}
	for _, f := range removed {
		qr = append(qr, f.qosRule(qosRuleDelete)...)
		fd = append(fd, f.flowDescription(qosFlowDelete)...)
	}
	if defChanged {
		fd = append(fd, defaultFlowModify(c.qfi, c.fiveQI)...)
	}
	withAMBR := ambrChanged || pti != 0
	n1b := modificationCommandQoS(c.psi, pti, withAMBR, c.ambrUL, c.ambrDL, qr, fd)

	// N2, for a session with an active user plane, or whose setup request
	// is still on its way to the gNB (NGAP keeps a UE's messages in order,
	// so the modify request finds the session set up).
	// Spec: TS 38.413 §9.3.4.3; TS 23.502 §4.3.3.2 step 3b
	var n2b []byte
	up := c.active || (c.setupSent && !c.dl.Addr.IsValid())
	if up && (ambrChanged || defChanged || len(added)+len(changed)+len(removed) > 0) {
		t := n2.ModifyRequestTransfer{}
		if ambrChanged {
			t.AMBRUplink, t.AMBRDownlink = c.ambrUL, c.ambrDL
		}
		if defChanged {
			t.AddOrModify = append(t.AddOrModify, n2.QosFlowRequest{QFI: c.qfi, FiveQI: c.fiveQI, ARPPriority: c.arp, Preemptable: true})
		}
		for _, f := range append(slices.Clone(added), changed...) {
			t.AddOrModify = append(t.AddOrModify, f.n2Flow())
		}
		for _, f := range removed {
			t.Release = append(t.Release, n2.QosFlowCause{QFI: f.qfi, Cause: n2.MakeCause(n2.CauseNAS, 0)})
		}
		var err error
		if n2b, err = t.Marshal(); err != nil {
			return fmt.Errorf("modify request transfer: %w", err)
		}
	}

	if old := c.mod; old != nil {
		// A new decision supersedes the modification under way; its UPF
		// changes are made now so that the new ones apply on top.
		old.stop()
		if old.n4Pending {
			s.applyN4(ctx, c, old)
		}
	}
	p := &modProc{gsmTimer: gsmTimer{n1: n1b}, pti: pti, n4: m, n2Sent: n2b != nil}
	p.n4Pending = len(m.CreatePDRs)+len(m.UpdatePDRs)+len(m.RemovePDRs)+len(m.UpdateQERs)+len(m.CreateQERs)+len(m.RemoveQERs) > 0
	c.mod = p
	if err := s.transfer(ctx, c, n1b, n2b, "PDU_RES_MOD_REQ"); err != nil {
		s.log.Info("modification command not sent (T3591 retries)", "supi", c.supi, "psi", c.psi, "err", err)
	}
	s.arm(c, &p.gsmTimer, s.cfg.T3591, func() bool { return c.mod == p }, func() {
		if !s.retransmit(c, &p.gsmTimer, s.cfg.T3591, "T3591") {
			// The network's rules stand even though the UE did not confirm.
			c.mod = nil
			if p.n4Pending {
				s.applyN4(context.Background(), c, p)
			}
		}
	})
	return nil
}

// applyN4 makes a modification's UPF changes. Caller holds c.mu.
// Spec: TS 23.502 §4.3.3.2 steps 8, 12
func (s *SMF) applyN4(ctx context.Context, c *smContext, p *modProc) {
	p.n4Pending = false
	if c.upSEID == 0 {
		return
	}
	if err := c.upf.ModifySession(ctx, c.upSEID, p.n4); err != nil {
		s.log.Warn("N4 modification for PDU session modification", "supi", c.supi, "psi", c.psi, "err", err)
	}
}

// onModifyResponse takes the gNB's PDU Session Resource Modify Response
// Transfer (PDU_RES_MOD_RSP) or Unsuccessful Transfer (PDU_RES_MOD_FAIL).
// Caller holds c.mu.
//
// Spec: TS 23.502 §4.3.3.2 steps 6-8; TS 38.413 §8.2.3.2, §8.2.3.3
func (s *SMF) onModifyResponse(ctx context.Context, c *smContext, ok bool, b []byte) error {
	if !ok {
		t, err := n2.ParseModifyUnsuccessfulTransfer(b)
		if err != nil {
			return err
		}
		s.log.Info("gNB failed PDU session modification", "supi", c.supi, "psi", c.psi, "cause", t.Cause)
		return nil
	}
	t, err := n2.ParseModifyResponseTransfer(b)
	if err != nil {
		return err
	}
	for _, f := range t.Failed {
		s.log.Info("gNB failed to add or modify QoS flow", "supi", c.supi, "psi", c.psi, "qfi", f.QFI, "cause", f.Cause)
	}
	p := c.mod
	if p == nil || !p.n2Sent {
		return errors.New("PDU Session Resource Modify Response without a modification")
	}
	if p.n4Pending {
		s.applyN4(ctx, c, p)
	}
	return nil
}

// onModificationComplete ends the modification of the PTI. Caller holds c.mu.
//
// Spec: TS 24.501 §6.3.2.3 (COMPLETE stops T3591); §7.3.1 (a PTI that
// matches no procedure: 5GSM STATUS #47 "PTI mismatch")
func (s *SMF) onModificationComplete(ctx context.Context, c *smContext, pti uint8) error {
	p := c.mod
	if p == nil || p.pti != pti {
		s.transfer(ctx, c, status5GSM(c.psi, pti, n1.SMCausePTIMismatch), nil, "")
		return fmt.Errorf("PDU SESSION MODIFICATION COMPLETE with PTI %d matches no modification", pti)
	}
	p.stop()
	c.mod = nil
	if p.n4Pending {
		s.applyN4(ctx, c, p)
	}
	return nil
}

// onModificationCommandReject ends the modification the UE refused.
// Caller holds c.mu.
//
// Spec: TS 24.501 §6.3.2.4 (COMMAND REJECT stops T3591)
func (s *SMF) onModificationCommandReject(ctx context.Context, c *smContext, pti uint8, m *nas.Message) error {
	p := c.mod
	if p == nil || p.pti != pti {
		s.transfer(ctx, c, status5GSM(c.psi, pti, n1.SMCausePTIMismatch), nil, "")
		return fmt.Errorf("PDU SESSION MODIFICATION COMMAND REJECT with PTI %d matches no modification", pti)
	}
	p.stop()
	c.mod = nil
	cause := uint8(0)
	if r := m.PDUSessionModificationCommandReject; r != nil {
		cause = r.Cause5GSM.GetCauseValue()
	}
	s.log.Info("UE rejected PDU SESSION MODIFICATION COMMAND", "supi", c.supi, "psi", c.psi, "cause", cause)
	return nil
}

// Causes of PDU SESSION MODIFICATION REJECT. Spec: TS 24.501 Table 9.11.4.2.1
const (
	smCauseQoSNotAccepted = 37 // 5GS QoS not accepted
)

// onModificationRequest handles PDU SESSION MODIFICATION REQUEST: with a
// valid PTI and no modification under way, the SMF answers PDU SESSION
// MODIFICATION COMMAND with the UE's PTI and the session's authorized
// Session-AMBR (and any change of policy); QoS the UE asks for itself
// (requested QoS rules or flow descriptions) needs a PCF decision on
// UE-initiated resources, which the PCF does not make: #37.
//
// Spec: TS 24.501 §6.4.2.3 (accepted: COMMAND with the PTI of the
// request), §6.4.2.4 (REJECT), §7.3.1 (PTI reserved or unassigned: #81);
// TS 23.502 §4.3.3.2 step 1a
func (s *SMF) onModificationRequest(ctx context.Context, c *smContext, pti uint8, m *nas.Message) error {
	reject := func(cause uint8, err error) error {
		s.transfer(ctx, c, modificationReject(c.psi, pti, cause), nil, "")
		return err
	}
	r := m.PDUSessionModificationRequest
	switch {
	case r == nil:
		return reject(n1.SMCauseInvalidMandatoryInfo, errors.New("PDU SESSION MODIFICATION REQUEST not decoded"))
	case pti == 0 || pti == 0xff:
		return reject(n1.SMCauseInvalidPTI, fmt.Errorf("PDU SESSION MODIFICATION REQUEST with PTI %d", pti))
	case c.releasing:
		return reject(n1.SMCauseRequestRejectedUnspecified, errors.New("PDU SESSION MODIFICATION REQUEST during release"))
	case c.mod != nil && c.mod.pti == pti:
		// A retransmitted request: the command goes again.
		s.transfer(ctx, c, c.mod.n1, nil, "")
		return nil
	case c.mod != nil:
		// One modification at a time (the network's under way wins).
		return reject(n1.SMCauseRequestRejectedUnspecified, errors.New("PDU SESSION MODIFICATION REQUEST during a modification"))
	case r.RequestedQosRules != nil || r.RequestedQosFlowDescriptions != nil:
		return reject(smCauseQoSNotAccepted, errors.New("UE-requested QoS not authorized"))
	}
	return s.modify(ctx, c, pti, models.Pcf_SMPolCtrl_SmPolicyDecision{})
}

// modificationCommandQoS builds PDU SESSION MODIFICATION COMMAND with the
// Session-AMBR (when withAMBR), Authorized QoS rules and Authorized QoS
// flow descriptions (when not empty).
//
// Spec: TS 24.501 §8.3.9 (IEIs 2A Session-AMBR, 7A Authorized QoS rules,
// 79 Authorized QoS flow descriptions, in this order)
func modificationCommandQoS(psi, pti uint8, withAMBR bool, ambrUL, ambrDL uint64, qosRules, flowDescs []byte) []byte {
	b := gsm(psi, pti, n1.MsgPDUSessionModificationCommand, 16+len(qosRules)+len(flowDescs))
	if withAMBR {
		b = appendTLV(b, 0x2a, sessionAMBR(ambrUL, ambrDL))
	}
	if len(qosRules) > 0 {
		b = appendTLVE(b, 0x7a, qosRules)
	}
	if len(flowDescs) > 0 {
		b = appendTLVE(b, 0x79, flowDescs)
	}
	return b
}

// defaultFlowModify describes the default QoS flow's new 5QI.
// Spec: TS 24.501 §9.11.4.12 (operation code 011 "modify existing QoS flow description")
func defaultFlowModify(qfi, fiveQI uint8) []byte {
	return []byte{qfi & 0x3f, qosFlowModify << 5, 0x40 | 1, qfdParam5QI, 1, fiveQI}
}

// modificationReject builds PDU SESSION MODIFICATION REJECT.
// Spec: TS 24.501 §8.3.8
func modificationReject(psi, pti, cause uint8) []byte {
	return append(gsm(psi, pti, n1.MsgPDUSessionModificationReject, 1), cause)
}
