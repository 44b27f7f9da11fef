package smf

import (
	"context"
	"errors"
	"fmt"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/rules"
)

// ErrNoContext is an SM context reference the SMF does not know
// (TS 29.502 §5.2.2.3.1: 404 CONTEXT_NOT_FOUND).
var ErrNoContext = errors.New("smf: SM context not found")

func (s *SMF) lookup(ref string) (*smContext, error) {
	s.mu.Lock()
	c := s.contexts[ref]
	s.mu.Unlock()
	if c == nil {
		return nil, ErrNoContext
	}
	return c, nil
}

// UpdateSMContext is Nsmf_PDUSession_UpdateSMContext: the AMF passes N2 SM
// information from the gNB (PDU Session Resource Setup/Release Response
// transfers), N1 SM messages from the UE (PDU SESSION RELEASE REQUEST and
// COMPLETE, MODIFICATION COMPLETE, 5GSM STATUS) and user plane connection
// deactivation (AN release). What the SMF sends back to the UE goes
// through N1N2MessageTransfer.
//
// Spec: TS 29.502 §5.2.2.3; TS 23.502 §4.3.2.2.1 steps 14-16, §4.3.4.2,
// §4.2.6 (AN release)
func (s *SMF) UpdateSMContext(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextUpdateData, n1SmMsg, n2SmInfo []byte) (models.Smf_PDUSess_SmContextUpdatedData, error) {
	out, _, err := s.UpdateSMContextN2(ctx, ref, data, n1SmMsg, n2SmInfo)
	return out, err
}

// UpdateSMContextN2 is UpdateSMContext with the N2 SM information of the
// answer (its n2SmInfo binary part): the PDU Session Resource Setup
// Request Transfer when the AMF activates the user plane (upCnxState
// ACTIVATING, Service Request; paging.go).
//
// Spec: TS 29.502 §5.2.2.3.2.2, §6.1.6.2.3; TS 23.502 §4.2.3.2 steps 4-11
func (s *SMF) UpdateSMContextN2(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextUpdateData, n1SmMsg, n2SmInfo []byte) (models.Smf_PDUSess_SmContextUpdatedData, []byte, error) {
	c, err := s.lookup(ref)
	if err != nil {
		return models.Smf_PDUSess_SmContextUpdatedData{}, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone {
		return models.Smf_PDUSess_SmContextUpdatedData{}, nil, ErrNoContext
	}
	var out models.Smf_PDUSess_SmContextUpdatedData
	if data.UpCnxState == models.Smf_PDUSess_UpCnxState_ACTIVATING {
		n2b, err := s.activate(c)
		if err != nil {
			return out, nil, fmt.Errorf("smf: %s PSI %d: %w", c.supi, c.psi, err)
		}
		out.UpCnxState, out.N2SmInfoType = models.Smf_PDUSess_UpCnxState_ACTIVATING, models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_REQ
		out.N2SmInfo = &models.RefToBinaryData{ContentId: "n2SmInfo"}
		return out, n2b, nil
	}
	if n2SmInfo != nil {
		if err := s.onN2(ctx, c, data.N2SmInfoType, n2SmInfo); err != nil {
			return out, nil, fmt.Errorf("smf: %s PSI %d: %w", c.supi, c.psi, err)
		}
	}
	if n1SmMsg != nil {
		if err := s.onN1(ctx, c, n1SmMsg); err != nil {
			return out, nil, fmt.Errorf("smf: %s PSI %d: %w", c.supi, c.psi, err)
		}
	}
	if data.UpCnxState == models.Smf_PDUSess_UpCnxState_DEACTIVATED {
		c.paging = false // the UE's connection is gone: a report pages again
	}
	if data.UpCnxState == models.Smf_PDUSess_UpCnxState_DEACTIVATED && c.active {
		// AN release: DL data is buffered at the UPF (and the SMF
		// notified) until the UE is reachable again.
		c.active = false
		if err := c.upf.ModifySession(ctx, c.upSEID, rules.Modification{UpdateFARs: []rules.FAR{c.dlFAR()}}); err != nil {
			return out, nil, fmt.Errorf("smf: N4 modification (deactivate): %w", err)
		}
	}
	out.UpCnxState = models.Smf_PDUSess_UpCnxState_DEACTIVATED
	if c.active {
		out.UpCnxState = models.Smf_PDUSess_UpCnxState_ACTIVATED
	}
	return out, nil, nil
}

// onN2 handles N2 SM information from the gNB. Caller holds c.mu.
func (s *SMF) onN2(ctx context.Context, c *smContext, t models.Smf_PDUSess_N2SmInfoType, b []byte) error {
	switch t {
	case models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_RSP:
		// The gNB's DL tunnel: forward DL traffic there.
		// Spec: TS 23.502 §4.3.2.2.1 steps 15-16a
		r, err := n2.ParseSetupResponseTransfer(b)
		if err != nil {
			return err
		}
		if !contains(r.QFIs, c.qfi) {
			return fmt.Errorf("gNB did not set up QFI %d", c.qfi)
		}
		c.dl, c.active, c.paging = r.DL, true, false
		return c.upf.ModifySession(ctx, c.upSEID, rules.Modification{UpdateFARs: []rules.FAR{c.dlFAR()}})
	case models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_FAIL:
		// The gNB could not set the session up: release it.
		// Spec: TS 23.502 §4.3.2.2.1 step 15 (failure), 17
		r, err := n2.ParseSetupUnsuccessfulTransfer(b)
		if err != nil {
			return err
		}
		s.log.Info("gNB failed PDU session setup", "supi", c.supi, "psi", c.psi, "cause", r.Cause)
		s.finish(ctx, c)
		return nil
	case models.Smf_PDUSess_N2SmInfoType_PDU_RES_REL_RSP:
		c.active = false
		return nil
	case models.Smf_PDUSess_N2SmInfoType_PDU_RES_MOD_RSP, models.Smf_PDUSess_N2SmInfoType_PDU_RES_MOD_FAIL:
		return s.onModifyResponse(ctx, c, t == models.Smf_PDUSess_N2SmInfoType_PDU_RES_MOD_RSP, b) // modify.go
	}
	return fmt.Errorf("N2 SM information type %q not handled", t)
}

// onN1 handles a 5GSM message from the UE. Caller holds c.mu.
func (s *SMF) onN1(ctx context.Context, c *smContext, b []byte) error {
	m, err := decodeGSM(b)
	if err != nil {
		var ge *errGSM
		if errors.As(err, &ge) && len(b) >= 3 {
			s.transfer(ctx, c, status5GSM(c.psi, b[2], ge.cause), nil, "")
		}
		return err
	}
	pti := b[2] // header: EPD, PDU session ID, PTI, type (§9.6)
	switch t := m.GsmHeader.GetMessageType(); t {
	case n1.MsgPDUSessionReleaseRequest:
		return s.startRelease(ctx, c, pti, n1.SMCauseRegularDeactivation)
	case n1.MsgPDUSessionReleaseComplete:
		// Spec: TS 23.502 §4.3.4.2 steps 8-11; TS 24.501 §6.3.3.3
		if !c.releasing {
			return errors.New("PDU SESSION RELEASE COMPLETE without a release")
		}
		s.finish(ctx, c)
		return nil
	case n1.MsgPDUSessionModificationComplete:
		return s.onModificationComplete(ctx, c, pti) // modify.go
	case n1.MsgPDUSessionModificationRequest:
		return s.onModificationRequest(ctx, c, pti, m)
	case msgModificationCommandReject:
		return s.onModificationCommandReject(ctx, c, pti, m)
	case n1.MsgStatus5GSM:
		s.log.Info("5GSM STATUS from UE", "supi", c.supi, "psi", c.psi)
		return nil
	default:
		// §7.4: a message not compatible with the protocol state.
		s.transfer(ctx, c, status5GSM(c.psi, pti, 98), nil, "")
		return fmt.Errorf("5GSM message type 0x%02x not handled", t)
	}
}

// startRelease deletes the N4 session and sends PDU SESSION RELEASE
// COMMAND with the N2 PDU Session Resource Release Command Transfer. pti is
// the UE's (UE-requested) or 0 (network-requested).
//
// Spec: TS 23.502 §4.3.4.2 steps 1-3; TS 24.501 §6.3.3.2, §6.4.3.2
func (s *SMF) startRelease(ctx context.Context, c *smContext, pti, cause uint8) error {
	if c.upSEID != 0 {
		if err := c.upf.DeleteSession(ctx, c.upSEID); err != nil {
			s.log.Warn("N4 session deletion", "supi", c.supi, "psi", c.psi, "err", err)
		}
		c.upSEID = 0
	}
	c.releasing, c.relPTI = true, pti
	var n2b []byte
	if c.active {
		var err error
		if n2b, err = (n2.ReleaseCommandTransfer{Cause: n2.MakeCause(n2.CauseNAS, 0)}).Marshal(); err != nil {
			return err
		}
	}
	n1b := releaseCommand(c.psi, pti, cause)
	skipped, err := s.transferRelease(ctx, c, pti, n1b, n2b) // paging.go
	if err != nil {
		return err
	}
	if skipped {
		s.finish(ctx, c) // the UE in CM-IDLE learns it at its next Service Request
		return nil
	}
	s.releaseCommandSent(c, n1b) // T3592, timers.go
	return nil
}

// Release is the network-requested PDU session release (e.g. by
// operation): the SMF sends PDU SESSION RELEASE COMMAND (PTI 0) and the N2
// release; the context ends with PDU SESSION RELEASE COMPLETE.
//
// Spec: TS 23.502 §4.3.4.2 (SMF-initiated); TS 24.501 §6.3.3
func (s *SMF) Release(ctx context.Context, supi string, psi uint8, cause uint8) error {
	s.mu.Lock()
	c := s.byUE[ueKey{supi, psi}]
	s.mu.Unlock()
	if c == nil {
		return ErrNoContext
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone || c.releasing {
		return nil
	}
	return s.startRelease(ctx, c, 0, cause)
}

// ReleaseSMContext is Nsmf_PDUSession_ReleaseSMContext: the AMF releases
// the context without NAS with the UE (deregistration, local release).
//
// Spec: TS 29.502 §5.2.2.4
func (s *SMF) ReleaseSMContext(ctx context.Context, ref string, data models.Smf_PDUSess_SmContextReleaseData) error {
	c, err := s.lookup(ref)
	if err != nil {
		return err
	}
	s.releaseLocal(ctx, c)
	return nil
}

// releaseLocal ends a context without signalling to the UE.
func (s *SMF) releaseLocal(ctx context.Context, c *smContext) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone {
		return
	}
	if c.upSEID != 0 {
		if err := c.upf.DeleteSession(ctx, c.upSEID); err != nil {
			s.log.Warn("N4 session deletion", "supi", c.supi, "psi", c.psi, "err", err)
		}
		c.upSEID = 0
	}
	s.drop(c)
}

// finish ends a context and tells the AMF (SM context status RELEASED).
// Caller holds c.mu.
func (s *SMF) finish(ctx context.Context, c *smContext) {
	if c.upSEID != 0 {
		if err := c.upf.DeleteSession(ctx, c.upSEID); err != nil {
			s.log.Warn("N4 session deletion", "supi", c.supi, "psi", c.psi, "err", err)
		}
		c.upSEID = 0
	}
	s.drop(c)
	if a, err := s.getAMF(); err == nil {
		a.SMContextStatusNotify(ctx, c.supi, int32(c.psi), models.Smf_PDUSess_SmContextStatusNotification{
			StatusInfo: &models.Smf_PDUSess_StatusInfo{ResourceStatus: models.Smf_PDUSess_ResourceStatus_RELEASED}})
	}
}

// drop forgets the context and frees its addresses. Caller holds c.mu.
func (s *SMF) drop(c *smContext) {
	c.gone = true
	c.stopTimers()    // timers.go
	s.deletePolicy(c) // policy.go
	s.free(c)
	s.mu.Lock()
	if s.contexts[c.ref] == c {
		delete(s.contexts, c.ref)
	}
	if k := (ueKey{c.supi, c.psi}); s.byUE[k] == c {
		delete(s.byUE, k)
	}
	s.unindexUP(c) // paging.go
	s.mu.Unlock()
	s.stats.released.Add(1)
}
