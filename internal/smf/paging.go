package smf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/rules"
)

// Network triggered service request, the SMF's part. After AN release a
// session's DL FAR buffers and asks for notification (BUFF|NOCP, dlFAR);
// the UPF's Downlink Data Report on the first buffered packet makes the SMF
// send the PDU Session Resource Setup Request Transfer to the AMF
// (N1N2MessageTransfer), which pages the UE. One report pages once: later
// reports while the transfer is under way are acknowledged and dropped.
// The session becomes active again with the gNB's tunnel
// (PDU_RES_SETUP_RSP, update.go), which turns the FAR to forward and makes
// the UPF send the buffered packets, oldest first. If the AMF cannot reach
// the UE (N1N2TransferFailureNotification), the buffered packets are
// discarded and the next downlink packet reports again.
//
// Spec: TS 23.502 §4.2.3.3 steps 2a-3c, 4b, 6; TS 29.244 §5.2.3.1;
// TS 29.518 §5.2.2.3.1, §5.2.2.3.2

// dlDataSource is a UPF that reports downlink data for buffering
// sessions (PFCPUPF); New registers the SMF with each.
type dlDataSource interface {
	OnDownlinkData(f func(upSEID uint64))
}

// amfWithCause is an AMF whose N1N2MessageTransfer answers with its cause
// (200 N1_N2_TRANSFER_INITIATED or 202 ATTEMPTING_TO_REACH_UE).
type amfWithCause interface {
	N1N2MessageTransferCause(ctx context.Context, supi string, req models.Amf_Comm_N1N2MessageTransferReqData, n1SmMsg, n2SmInfo []byte) (models.Amf_Comm_N1N2MessageTransferCause, error)
}

// listenDownlinkData registers the SMF with every UPF that reports.
func (s *SMF) listenDownlinkData() {
	for name, u := range s.deps.UPFs {
		if src, ok := u.(dlDataSource); ok {
			src.OnDownlinkData(func(upSEID uint64) { s.DownlinkData(context.Background(), name, upSEID) })
		}
	}
}

// transferTimeout bounds the handling of one report (the AMF's answer,
// N4 modifications).
const transferTimeout = 10 * time.Second

// failureURIPrefix starts the n1n2FailureTxfNotifURI the SMF gives the
// AMF; the SM context reference follows.
const failureURIPrefix = "/nsmf-callback/v1/sm-contexts/"

// DownlinkData handles a Downlink Data Report for the session with
// upSEID at UPF upf: the SMF asks the AMF to page the UE, unless the
// session is active or a transfer for it is already under way.
//
// Spec: TS 23.502 §4.2.3.3 steps 2a-3a
func (s *SMF) DownlinkData(ctx context.Context, upf string, upSEID uint64) {
	c := s.bySEID(upf, upSEID)
	if c == nil {
		s.log.Info("downlink data report for no session", "upf", upf, "seid", upSEID)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, transferTimeout)
	defer cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	// A session still being established (no gNB tunnel yet) buffers too:
	// its setup is under way already.
	if c.gone || c.active || c.paging || c.releasing || !c.dl.Addr.IsValid() {
		return
	}
	n2b, err := c.setupRequestTransfer()
	if err != nil {
		s.log.Error("downlink data: setup request transfer", "supi", c.supi, "psi", c.psi, "err", err)
		return
	}
	c.paging = true
	s.stats.ddrPagings.Add(1)
	cause, err := s.transferWithCause(ctx, c, n2b)
	if err != nil {
		// Spec: TS 23.502 §4.2.3.3 step 3c: the UE cannot be reached:
		// the buffered data goes.
		c.paging = false
		s.log.Info("downlink data: AMF refused the transfer", "supi", c.supi, "psi", c.psi, "err", err)
		s.dropBuffered(ctx, c)
		return
	}
	s.log.Info("downlink data: AMF notified", "supi", c.supi, "psi", c.psi, "cause", cause)
}

// transferWithCause sends N2 setup content through the AMF, with the
// callback for a failed delivery. Caller holds c.mu.
func (s *SMF) transferWithCause(ctx context.Context, c *smContext, n2b []byte) (models.Amf_Comm_N1N2MessageTransferCause, error) {
	a, err := s.getAMF()
	if err != nil {
		return "", err
	}
	sn := snssaiModel(c.snssai)
	req := models.Amf_Comm_N1N2MessageTransferReqData{PduSessionId: int32(c.psi),
		N1n2FailureTxfNotifURI: failureURIPrefix + c.ref,
		N2InfoContainer: &models.Amf_Comm_N2InfoContainer{N2InformationClass: models.Amf_Comm_N2InformationClass_SM,
			SmInfo: &models.Amf_Comm_N2SmInformation{PduSessionId: int32(c.psi), SNssai: &sn,
				N2InfoContent: &models.Amf_Comm_N2InfoContent{NgapIeType: "PDU_RES_SETUP_REQ",
					NgapData: &models.RefToBinaryData{ContentId: "n2SmInfo"}}}}}
	if ac, ok := a.(amfWithCause); ok {
		return ac.N1N2MessageTransferCause(ctx, c.supi, req, nil, n2b)
	}
	return models.Amf_Comm_N1N2MessageTransferCause_N1_N2_TRANSFER_INITIATED, a.N1N2MessageTransfer(ctx, c.supi, req, nil, n2b)
}

// transferRelease sends PDU SESSION RELEASE COMMAND (and the N2 release,
// n2b, when the user plane is active). A network-requested release (pti
// 0) asks the AMF not to page a UE in CM-IDLE for it (skipInd); the AMF's
// N1_MSG_NOT_TRANSFERRED says the UE is idle, and skipped is true: the
// SMF releases the session without the UE, which learns it from the PDU
// session status in the network's next SERVICE ACCEPT or REGISTRATION
// ACCEPT and releases it locally. Caller holds c.mu.
//
// Spec: TS 23.502 §4.3.4.2 step 3b; TS 29.518 §5.2.2.3.1 (skipInd,
// N1_MSG_NOT_TRANSFERRED); TS 24.501 §5.6.1.4.1, §5.5.1.3.4
func (s *SMF) transferRelease(ctx context.Context, c *smContext, pti uint8, n1b, n2b []byte) (skipped bool, err error) {
	a, err := s.getAMF()
	if err != nil {
		return false, err
	}
	ac, ok := a.(amfWithCause)
	if pti != 0 || !ok {
		return false, s.transfer(ctx, c, n1b, n2b, "PDU_RES_REL_CMD")
	}
	req := models.Amf_Comm_N1N2MessageTransferReqData{PduSessionId: int32(c.psi), SkipInd: true,
		N1MessageContainer: &models.Amf_Comm_N1MessageContainer{N1MessageClass: models.Amf_Comm_N1MessageClass_SM,
			N1MessageContent: &models.RefToBinaryData{ContentId: "n1SmMsg"}}}
	if n2b != nil {
		sn := snssaiModel(c.snssai)
		req.N2InfoContainer = &models.Amf_Comm_N2InfoContainer{N2InformationClass: models.Amf_Comm_N2InformationClass_SM,
			SmInfo: &models.Amf_Comm_N2SmInformation{PduSessionId: int32(c.psi), SNssai: &sn,
				N2InfoContent: &models.Amf_Comm_N2InfoContent{NgapIeType: "PDU_RES_REL_CMD",
					NgapData: &models.RefToBinaryData{ContentId: "n2SmInfo"}}}}
	}
	cause, err := ac.N1N2MessageTransferCause(ctx, c.supi, req, n1b, n2b)
	if err != nil {
		return false, err
	}
	if cause == models.Amf_Comm_N1N2MessageTransferCause_N1_MSG_NOT_TRANSFERRED {
		s.stats.idleReleases.Add(1)
		s.log.Info("PDU session released without the UE in CM-IDLE (skipInd)", "supi", c.supi, "psi", c.psi)
		return true, nil
	}
	return false, nil
}

// N1N2TransferFailureNotification is the AMF telling the SMF that its
// transfer could not reach the UE (paging failed): the buffered data is
// discarded and a later downlink packet reports again.
//
// Spec: TS 29.518 §5.2.2.3.2; TS 23.502 §4.2.3.3 step 4b
func (s *SMF) N1N2TransferFailureNotification(ctx context.Context, uri string, n models.Amf_Comm_N1N2MsgTxfrFailureNotification) {
	ref, ok := strings.CutPrefix(uri, failureURIPrefix)
	if !ok {
		return
	}
	c, err := s.lookup(ref)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone || !c.paging {
		return
	}
	c.paging = false
	s.stats.ddrFailures.Add(1)
	s.log.Info("UE not reached for downlink data", "supi", c.supi, "psi", c.psi, "cause", n.Cause)
	if !c.active {
		s.dropBuffered(ctx, c)
	}
}

// dropBuffered discards what the UPF buffered for the session and re-arms
// its Downlink Data Report: the DL FAR drops (the UPF discards the
// buffer), then buffers and notifies again. Caller holds c.mu.
// Spec: TS 29.244 §5.2.3.1
func (s *SMF) dropBuffered(ctx context.Context, c *smContext) {
	if c.upSEID == 0 || c.active {
		return
	}
	drop := rules.FAR{ID: farDL, Action: rules.Drop}
	err := errors.Join(c.upf.ModifySession(ctx, c.upSEID, rules.Modification{UpdateFARs: []rules.FAR{drop}}),
		c.upf.ModifySession(ctx, c.upSEID, rules.Modification{UpdateFARs: []rules.FAR{c.dlFAR()}}))
	if err != nil {
		s.log.Warn("N4 modification (discard buffer)", "supi", c.supi, "psi", c.psi, "err", err)
	}
}

// activate answers user plane activation (UpdateSMContext with upCnxState
// ACTIVATING, a UE-triggered service request): the N2 SM information for
// the gNB. The session is active once the gNB's tunnel arrives
// (PDU_RES_SETUP_RSP); until then a Downlink Data Report (the UPF still
// buffers) must not set the session up a second time, so it counts as
// reaching the UE (c.paging). Caller holds c.mu.
// Spec: TS 29.502 §5.2.2.3.2.2; TS 23.502 §4.2.3.2 steps 4-11
func (s *SMF) activate(c *smContext) ([]byte, error) {
	if c.releasing {
		return nil, errors.New("PDU session is being released")
	}
	b, err := c.setupRequestTransfer()
	if err == nil && !c.active {
		c.paging = true
	}
	return b, err
}

// setupRequestTransfer is the PDU Session Resource Setup Request
// Transfer of the session as it stands: AMBR, the UPF's UL tunnel, the
// PDU session type and the QoS flows; for establishment and for each
// reactivation of the user plane.
// Spec: TS 38.413 §9.3.4.1
func (c *smContext) setupRequestTransfer() ([]byte, error) {
	t := n2.PDUSessionIPv4
	switch c.pduType {
	case n1.PDUSessionTypeIPv6:
		t = n2.PDUSessionIPv6
	case n1.PDUSessionTypeIPv4v6:
		t = n2.PDUSessionIPv4v6
	}
	flows := []n2.QosFlowRequest{{QFI: c.qfi, FiveQI: c.fiveQI, ARPPriority: c.arp, Preemptable: true}}
	for _, f := range c.flows {
		flows = append(flows, f.n2Flow()) // a GBR flow with its GBR QoS Flow Information
	}
	b, err := n2.SetupRequestTransfer{AMBRUplink: c.ambrUL, AMBRDownlink: c.ambrDL, UL: c.ul, PDUSessionType: uint8(t),
		Flows: flows}.Marshal()
	if err != nil {
		return nil, fmt.Errorf("setup request transfer: %w", err)
	}
	return b, nil
}

// upKey names a UPF's session: the UPF and the session's handle (its UP
// SEID at establishment, which restoration after a UPF restart keeps).
type upKey struct {
	upf  string
	seid uint64
}

// bySEID finds the context of a UPF's session in the SMF's index, kept at
// establishment (establish.go) and release (drop, update.go). A session
// being released (N4 session deleted: upSEID 0) or a handle the UPF gave
// again to a newer session finds nothing or the newer one: the context's
// own fields decide.
func (s *SMF) bySEID(upf string, upSEID uint64) *smContext {
	s.mu.Lock()
	c := s.byUPSEID[upKey{upf, upSEID}]
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	c.mu.Lock()
	ok := c.upfName == upf && c.upSEID == upSEID && !c.gone
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return c
}

// unindexUP removes c from the UP SEID index, unless a newer session has
// its key. Caller holds s.mu.
func (s *SMF) unindexUP(c *smContext) {
	if k := (upKey{c.upfName, c.upHandle}); s.byUPSEID[k] == c {
		delete(s.byUPSEID, k)
	}
}
