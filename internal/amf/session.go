package amf

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/free5gc/nas/nasMessage"
	"github.com/free5gc/openapi/models"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// SMF is what the AMF uses of Nsmf_PDUSession. The N1 SM message and the
// N2 SM information travel beside the JSON data as the binary parts of the
// multipart bodies of TS 29.502 §6.1.2.4. What the SMF sends to the UE
// comes back through N1N2MessageTransfer; an error that implements
// N1SmMsg() []byte carries the 5GSM reject to send the UE.
//
// Spec: TS 29.502 §5.2.2.2 (Create), §5.2.2.3 (Update), §5.2.2.4 (Release)
type SMF interface {
	CreateSMContext(ctx context.Context, data models.Smf_PDUSess_SmContextCreateData, n1SmMsg []byte) (smContextRef string, err error)
	UpdateSMContext(ctx context.Context, smContextRef string, data models.Smf_PDUSess_SmContextUpdateData, n1SmMsg, n2SmInfo []byte) (models.Smf_PDUSess_SmContextUpdatedData, error)
	ReleaseSMContext(ctx context.Context, smContextRef string, data models.Smf_PDUSess_SmContextReleaseData) error
}

// smRejection is an SMF error with a 5GSM message for the UE.
type smRejection interface {
	error
	N1SmMsg() []byte
}

// smSession is the AMF's PDU session routing context: which SM context of
// the SMF a PDU session ID of the UE belongs to. Calls to the SMF about one
// session run one at a time, in order, off the worker (queue).
//
// Spec: TS 23.502 §4.3.2.2.1; TS 24.501 §5.4.5.2.2
type smSession struct {
	id     uint8
	ref    string // SM context reference, once the SMF answered
	dnn    string
	snssai n2.SNSSAI
	gen    uint64 // distinguishes a new session with the same ID
	// request is the PDU SESSION ESTABLISHMENT REQUEST until the SMF
	// answers, to send back if it cannot be forwarded.
	request []byte
	started time.Time // PDU SESSION ESTABLISHMENT REQUEST received, until set up (latency.go)

	queue []smCall
	busy  bool
	// released: the SMF said the SM context is gone; the routing context
	// goes once its queued calls have run.
	released bool
	// pending is the SMF's N1N2 content kept while the UE in CM-IDLE is
	// paged (paging.go).
	pending *pendingTransfer
}

type smCall struct {
	create bool
	run    func(ctx context.Context, ref string) (string, error)
}

// Events about PDU sessions, keyed by SUPI (the UE's N2 connection may
// change while the SMF works).
type (
	smDone struct {
		supi   string
		psi    uint8
		gen    uint64
		create bool
		ref    string
		err    error
	}
	n1n2Transfer struct {
		supi     string
		psi      uint8
		ngapType models.Amf_Comm_NgapIeType
		snssai   *models.Snssai
		n1, n2   []byte
		notify   string            // n1n2FailureTxfNotifURI
		reply    chan<- n1n2Answer // nil: nobody waits for the answer
		skip     bool              // skipInd: no paging for the N1 content (paging.go)
	}
	smStatus struct {
		supi string
		psi  uint8
	}
)

// onULNASTransport routes the 5GSM message of UL NAS TRANSPORT to the SMF
// of its PDU session: a new SM context for an initial request, the
// existing one otherwise. What cannot be forwarded goes back to the UE in
// DL NAS TRANSPORT with 5GMM cause #90.
//
// Spec: TS 24.501 §5.4.5.2.2, §5.4.5.2.5; TS 23.502 §4.3.2.2.1 steps 1-3
func (s *shard) onULNASTransport(u *ue, m *nasMessage.ULNASTransport) {
	if u.state != gmmRegistered || m == nil {
		return
	}
	if m.SpareHalfOctetAndPayloadContainerType.GetPayloadContainerType() != n1.PayloadN1SMInformation {
		s.a.log.Info("UL NAS TRANSPORT payload type not supported: dropped", u.logAttrs()...)
		return
	}
	payload := m.PayloadContainer.GetPayloadContainerContents()
	if m.PduSessionID2Value == nil {
		// §5.4.5.2.5 a: N1 SM information without a PDU session ID.
		s.a.log.Info("UL NAS TRANSPORT without PDU session ID: dropped", u.logAttrs()...)
		return
	}
	psi := m.PduSessionID2Value.GetPduSessionID2Value()
	reqType := uint8(0)
	if m.RequestType != nil {
		reqType = m.RequestType.GetRequestTypeValue()
	}
	if s.a.deps.SMF == nil {
		s.sendDLNASTransport(u, psi, payload, n1.CausePayloadNotForwarded)
		return
	}
	if u.sessions == nil {
		u.sessions = map[uint8]*smSession{}
	}
	ss := u.sessions[psi]
	if reqType != n1.RequestInitial {
		if ss == nil {
			// §5.4.5.2.5: no routing context for the PDU session ID.
			s.sendDLNASTransport(u, psi, payload, n1.CausePayloadNotForwarded)
			return
		}
		s.smEnqueue(u, ss, smCall{run: func(ctx context.Context, ref string) (string, error) {
			_, err := s.a.deps.SMF.UpdateSMContext(ctx, ref, models.Smf_PDUSess_SmContextUpdateData{}, payload, nil)
			return "", err
		}})
		return
	}
	// Initial request: S-NSSAI and DNN as the UE gave them, else defaults:
	// the first allowed S-NSSAI and the subscription's default DNN.
	// Spec: TS 23.502 §4.3.2.2.1 step 2
	sn, ok := n2.SNSSAI{}, false
	if m.SNSSAI != nil {
		sn = n2.SNSSAI{SST: m.SNSSAI.GetSST()}
		if m.SNSSAI.GetLen() >= 4 {
			sd := m.SNSSAI.GetSD()
			sn.SD, sn.HasSD = uint32(sd[0])<<16|uint32(sd[1])<<8|uint32(sd[2]), true
		}
		for _, a := range u.sub.allowed {
			ok = ok || a == sn
		}
	} else if len(u.sub.allowed) > 0 {
		sn, ok = u.sub.allowed[0], true
	}
	if !ok {
		// §5.4.5.2.5: the S-NSSAI is not in the allowed NSSAI.
		s.sendDLNASTransport(u, psi, payload, n1.CausePayloadNotForwarded)
		return
	}
	dnn := ""
	if m.DNN != nil {
		dnn = m.DNN.GetDNN()
	}
	if dnn == "" {
		dnn = s.a.cfg.DefaultDNN
		if u.sub.defaultDNN != "" {
			dnn = u.sub.defaultDNN
		}
	}
	if ss != nil && ss.ref != "" {
		// §5.4.5.2.5: an initial request for a PDU session ID in use: the
		// old SM context is released locally first.
		ref := ss.ref
		s.smEnqueue(u, ss, smCall{run: func(ctx context.Context, _ string) (string, error) {
			return "", s.a.deps.SMF.ReleaseSMContext(ctx, ref, models.Smf_PDUSess_SmContextReleaseData{})
		}})
	}
	u.smGen++
	ns := &smSession{id: psi, dnn: dnn, snssai: sn, gen: u.smGen, request: payload}
	ns.started = time.Now()
	if ss != nil {
		ns.queue, ns.busy = ss.queue, ss.busy
	}
	u.sessions[psi] = ns
	data := models.Smf_PDUSess_SmContextCreateData{Supi: u.sub.supi, PduSessionId: int32(psi), Dnn: dnn,
		SelectedDnn: dnn, SNssai: &models.Snssai{Sst: int32(sn.SST)}, ServingNfId: s.a.cfg.InstanceID,
		Guami: s.a.modelGUAMI(), RequestType: models.Smf_PDUSess_RequestType_INITIAL_REQUEST,
		AnType: models.AccessType_3_GPP_ACCESS, RatType: models.RatType_NR}
	if sn.HasSD {
		data.SNssai.Sd = fmt.Sprintf("%06x", sn.SD)
	}
	s.smEnqueue(u, ns, smCall{create: true, run: func(ctx context.Context, _ string) (string, error) {
		return s.a.deps.SMF.CreateSMContext(ctx, data, payload)
	}})
}

// smEnqueue queues a call to the SMF for the session.
func (s *shard) smEnqueue(u *ue, ss *smSession, c smCall) {
	ss.queue = append(ss.queue, c)
	if !ss.busy {
		s.smNext(u, ss)
	}
}

// smNext starts the session's next call in its own goroutine.
func (s *shard) smNext(u *ue, ss *smSession) {
	if len(ss.queue) == 0 {
		ss.busy = false
		return
	}
	c := ss.queue[0]
	ss.queue = ss.queue[1:]
	ss.busy = true
	run, supi, psi, gen, ref := s.a.runCtx, u.sub.supi, ss.id, ss.gen, ss.ref
	go func() {
		ctx, cancel := context.WithTimeout(run, s.a.cfg.SBITimeout)
		res, err := c.run(ctx, ref)
		cancel()
		s.post(run, smDone{supi: supi, psi: psi, gen: gen, create: c.create, ref: res, err: err})
	}()
}

// onSMDone takes the SMF's answer and starts the session's next call.
func (s *shard) onSMDone(ev smDone) {
	u := s.bySUPI[ev.supi]
	if u == nil {
		return
	}
	ss := u.sessions[ev.psi]
	if ss == nil {
		return
	}
	if ss.gen != ev.gen {
		// A call of the session this one replaced: its queue moved here.
		s.smNext(u, ss)
		return
	}
	if ev.create {
		req := ss.request
		ss.request = nil
		if ev.err != nil {
			delete(u.sessions, ev.psi)
			s.onSMCreateError(u, ev.psi, req, ev.err)
			if len(ss.queue) > 0 {
				u.sessions[ev.psi] = ss // later calls still run, then fail
			}
		} else {
			ss.ref = ev.ref
		}
	} else if ev.err != nil {
		s.a.log.Info("SMF update", append(u.logAttrs(), "psi", ev.psi, "err", ev.err)...)
	}
	if ss.released && len(ss.queue) == 0 {
		ss.busy = false
		if u.sessions[ev.psi] == ss {
			delete(u.sessions, ev.psi)
		}
		return
	}
	s.smNext(u, ss)
}

// onSMCreateError answers a failed CreateSMContext: the SMF's 5GSM reject
// if it gave one, else the request back with 5GMM cause #90.
// Spec: TS 24.501 §5.4.5.2.5
func (s *shard) onSMCreateError(u *ue, psi uint8, request []byte, err error) {
	var rej smRejection
	if errors.As(err, &rej) && rej.N1SmMsg() != nil {
		s.sendDLNASTransport(u, psi, rej.N1SmMsg(), 0)
		return
	}
	s.a.log.Info("SM context not created", append(u.logAttrs(), "psi", psi, "err", err)...)
	s.sendDLNASTransport(u, psi, request, n1.CausePayloadNotForwarded)
}

// N1N2MessageTransfer is Namf_Communication_N1N2MessageTransfer for SM:
// the SMF's 5GSM message and/or N2 SM information for a UE's PDU session.
// It only queues the transfer for the UE's worker.
//
// Spec: TS 29.518 §5.2.2.3.1; TS 23.502 §4.3.2.2.1 step 11
func (a *AMF) N1N2MessageTransfer(ctx context.Context, supi string, req models.Amf_Comm_N1N2MessageTransferReqData, n1SmMsg, n2SmInfo []byte) error {
	return a.n1n2Post(ctx, supi, req, n1SmMsg, n2SmInfo, nil)
}

// n1n2Post queues a transfer for the UE's worker, which answers on reply
// if it is not nil.
func (a *AMF) n1n2Post(ctx context.Context, supi string, req models.Amf_Comm_N1N2MessageTransferReqData, n1SmMsg, n2SmInfo []byte, reply chan<- n1n2Answer) error {
	v, ok := a.supis.Load(supi)
	if !ok {
		return fmt.Errorf("amf: no UE context for %s", supi)
	}
	if req.PduSessionId < 1 || req.PduSessionId > 15 {
		return fmt.Errorf("amf: PDU session ID %d", req.PduSessionId)
	}
	ev := n1n2Transfer{supi: supi, psi: uint8(req.PduSessionId), n1: n1SmMsg, n2: n2SmInfo,
		notify: req.N1n2FailureTxfNotifURI, reply: reply, skip: req.SkipInd}
	if c := req.N2InfoContainer; c != nil && c.SmInfo != nil {
		ev.snssai = c.SmInfo.SNssai
		if c.SmInfo.N2InfoContent != nil {
			ev.ngapType = c.SmInfo.N2InfoContent.NgapIeType
		}
	}
	if !v.(*shard).post(ctx, ev) {
		return errors.New("amf: not running")
	}
	return nil
}

// SMContextStatusNotify is the SMF telling the AMF that an SM context is
// released: the AMF forgets the PDU session.
//
// Spec: TS 29.502 §5.2.2.5.2
func (a *AMF) SMContextStatusNotify(ctx context.Context, supi string, pduSessionID int32, n models.Smf_PDUSess_SmContextStatusNotification) {
	if n.StatusInfo == nil || n.StatusInfo.ResourceStatus != models.Smf_PDUSess_ResourceStatus_RELEASED {
		return
	}
	if v, ok := a.supis.Load(supi); ok && pduSessionID >= 0 && pduSessionID < 256 {
		v.(*shard).post(ctx, smStatus{supi: supi, psi: uint8(pduSessionID)})
	}
}

// onN1N2Transfer sends the SMF's content: N2 setup or release with the
// 5GSM message inside as the NAS PDU, or the 5GSM message alone in DL NAS
// TRANSPORT. For a UE in CM-IDLE (or whose connection is being released)
// the content waits while the UE is paged (paging.go).
//
// Spec: TS 38.413 §8.2.1.2, §8.2.2.2; TS 24.501 §5.4.5.3; TS 29.518 §5.2.2.3.1
func (s *shard) onN1N2Transfer(ev n1n2Transfer) {
	answer := func(a n1n2Answer) {
		if ev.reply != nil {
			ev.reply <- a
		}
	}
	u := s.bySUPI[ev.supi]
	if u == nil {
		answer(n1n2Answer{err: fmt.Errorf("amf: no UE context for %s", ev.supi)})
		return
	}
	if u.conn == nil || u.conn.releasing || u.paging != nil {
		a := s.onN1N2Idle(u, ev)
		if a.err != nil {
			s.a.log.Info("N1N2 transfer for a UE in CM-IDLE refused", "supi", ev.supi, "psi", ev.psi, "err", a.err)
		}
		answer(a)
		return
	}
	answer(n1n2Answer{cause: models.Amf_Comm_N1N2MessageTransferCause_N1_N2_TRANSFER_INITIATED})
	var nasPDU []byte
	if ev.n1 != nil {
		plain := dlNASTransport(ev.psi, ev.n1, 0)
		b, err := s.protect(u, plain, n1.HeaderIntegrityCiphered)
		if err != nil {
			s.a.log.Error("protect NAS", append(u.logAttrs(), "err", err)...)
			return
		}
		nasPDU = b
	}
	var pdu []byte
	var err error
	switch {
	case ev.n2 != nil && ev.ngapType == "PDU_RES_SETUP_REQ":
		sn := n2.SNSSAI{SST: 1}
		if ss := u.sessions[ev.psi]; ss != nil {
			sn = ss.snssai
		}
		pdu, err = n2.PDUSessionResourceSetupRequest{AMFUENGAPID: u.conn.amfID, RANUENGAPID: u.conn.ranID,
			Sessions: []n2.SessionItem{{ID: ev.psi, NASPDU: nasPDU, SNSSAI: sn, Transfer: ev.n2}}}.Marshal()
	case ev.n2 != nil && ev.ngapType == "PDU_RES_REL_CMD":
		pdu, err = n2.PDUSessionResourceReleaseCommand{AMFUENGAPID: u.conn.amfID, RANUENGAPID: u.conn.ranID,
			NASPDU: nasPDU, Sessions: []n2.SessionItem{{ID: ev.psi, Transfer: ev.n2}}}.Marshal()
	case ev.n2 != nil && ev.ngapType == ngapModifyRequest:
		pdu, err = modifyRequest(u, ev.psi, nasPDU, ev.n2) // modify.go
	case nasPDU != nil:
		s.sendDownlinkNAS(u, nasPDU)
		return
	default:
		s.a.log.Info("N2 SM information not handled", append(u.logAttrs(), "type", ev.ngapType)...)
		return
	}
	if err != nil {
		s.a.log.Error("build PDU session resource message", append(u.logAttrs(), "err", err)...)
		return
	}
	s.sendNGAP(u, pdu)
}

// onSMStatus forgets a PDU session the SMF released.
func (s *shard) onSMStatus(ev smStatus) {
	if u := s.bySUPI[ev.supi]; u != nil {
		if ss := u.sessions[ev.psi]; ss != nil && len(ss.queue) == 0 && !ss.busy {
			delete(u.sessions, ev.psi)
		} else if ss != nil {
			ss.ref, ss.released = "", true // later calls find no context
		}
	}
}

// onPDUSessionResourceSetupResponse passes each session's transfer to its
// SMF: set up (DL tunnel) or failed.
// Spec: TS 38.413 §8.2.1.2; TS 23.502 §4.3.2.2.1 steps 14-15
func (s *shard) onPDUSessionResourceSetupResponse(u *ue, pdu n2.PDU) {
	m, err := n2.ParsePDUSessionResourceSetupResponse(pdu)
	if err != nil {
		s.ueErrorIndication(u, semanticCause(err))
		return
	}
	for _, it := range m.Setup {
		s.sessionSetUpTimed(u, it.ID)
		s.smN2(u, it, models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_RSP)
	}
	for _, it := range m.Failed {
		s.smN2(u, it, models.Smf_PDUSess_N2SmInfoType_PDU_RES_SETUP_FAIL)
	}
}

// onPDUSessionResourceReleaseResponse passes the release to the SMFs.
// Spec: TS 38.413 §8.2.2.2; TS 23.502 §4.3.4.2 step 5
func (s *shard) onPDUSessionResourceReleaseResponse(u *ue, pdu n2.PDU) {
	m, err := n2.ParsePDUSessionResourceReleaseResponse(pdu)
	if err != nil {
		s.ueErrorIndication(u, semanticCause(err))
		return
	}
	for _, it := range m.Released {
		s.smN2(u, it, models.Smf_PDUSess_N2SmInfoType_PDU_RES_REL_RSP)
	}
}

func (s *shard) smN2(u *ue, it n2.SessionItem, t models.Smf_PDUSess_N2SmInfoType) {
	ss := u.sessions[it.ID]
	if ss == nil || s.a.deps.SMF == nil {
		return
	}
	transfer := it.Transfer
	s.smEnqueue(u, ss, smCall{run: func(ctx context.Context, ref string) (string, error) {
		if ref == "" {
			return "", errors.New("no SM context")
		}
		_, err := s.a.deps.SMF.UpdateSMContext(ctx, ref, models.Smf_PDUSess_SmContextUpdateData{N2SmInfoType: t}, nil, transfer)
		return "", err
	}})
}

// smConnReleased tells the SMFs that the UE's user plane connections are
// deactivated (AN release): DL data is buffered at the UPF.
// Spec: TS 23.502 §4.2.6 step 5
func (s *shard) smConnReleased(u *ue) {
	for _, ss := range u.sessions {
		s.smEnqueue(u, ss, smCall{run: func(ctx context.Context, ref string) (string, error) {
			if ref == "" {
				return "", nil
			}
			_, err := s.a.deps.SMF.UpdateSMContext(ctx, ref,
				models.Smf_PDUSess_SmContextUpdateData{UpCnxState: models.Smf_PDUSess_UpCnxState_DEACTIVATED}, nil, nil)
			return "", err
		}})
	}
}

// smForget releases every SM context of a UE whose context the AMF drops
// (deregistration): Nsmf_PDUSession_ReleaseSMContext, nothing waits.
// Spec: TS 23.502 §4.2.2.3.2 step 2
func (s *shard) smForget(u *ue) {
	if s.a.deps.SMF == nil {
		return
	}
	run := s.a.runCtx
	for psi, ss := range u.sessions {
		if ss.ref == "" {
			continue
		}
		ref := ss.ref
		go func() {
			ctx, cancel := context.WithTimeout(run, s.a.cfg.SBITimeout)
			defer cancel()
			if err := s.a.deps.SMF.ReleaseSMContext(ctx, ref, models.Smf_PDUSess_SmContextReleaseData{}); err != nil {
				s.a.log.Debug("release SM context", "psi", psi, "err", err)
			}
		}()
	}
	u.sessions = nil
}

// sendDLNASTransport sends a 5GSM message to the UE in DL NAS TRANSPORT,
// with a 5GMM cause when it is one the AMF could not forward.
func (s *shard) sendDLNASTransport(u *ue, psi uint8, payload []byte, cause uint8) {
	s.sendNAS(u, dlNASTransport(psi, payload, cause))
}

// dlNASTransport builds DL NAS TRANSPORT with N1 SM information.
// Spec: TS 24.501 §8.2.11
func dlNASTransport(psi uint8, payload []byte, cause uint8) []byte {
	b := gmm(n1.MsgDLNASTransport, 8+len(payload))
	b = append(b, n1.PayloadN1SMInformation) // spare half octet | payload container type
	b = append(b, byte(len(payload)>>8), byte(len(payload)))
	b = append(b, payload...)
	b = append(b, n1.IEIPDUSessionID, psi)
	if cause != 0 {
		b = append(b, n1.IEI5GMMCause, cause)
	}
	return b
}

// defaultDNN is the first DNN of the access and mobility subscription (the
// UDR lists the default one first); "" if there is none.
func defaultDNN(l []interface{}) string {
	for _, v := range l {
		switch d := v.(type) {
		case string:
			return d
		case map[string]interface{}:
			if s, ok := d["dnn"].(string); ok {
				return s
			}
		}
	}
	return ""
}
