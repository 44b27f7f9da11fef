package smf

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/free5gc/openapi/models"

	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/rules"
)

// smContext is one PDU session's SM context. mu serializes its procedures.
type smContext struct {
	mu sync.Mutex

	ref     string
	supi    string
	psi     uint8
	dnn     string
	snssai  n2.SNSSAI
	pduType uint8
	v4      netip.Addr
	v6      netip.Prefix
	iid     [8]byte

	qfi, fiveQI, arp uint8
	ambrUL, ambrDL   uint64

	upfName string
	upf     UPF
	cpSEID  uint64
	upSEID  uint64
	// upHandle is upSEID as indexed in SMF.byUPSEID (paging.go); upSEID
	// becomes 0 when the N4 session is deleted, upHandle stays the key.
	upHandle uint64
	ul, dl   n2.Tunnel
	active   bool

	releasing bool // release command sent
	relPTI    uint8
	gone      bool // released: stale handles find nothing to do
	paging    bool // DL data reported, the AMF is reaching the UE (paging.go)

	flows []*qosFlow // GBR QoS flows of PCC rules (qosflow.go)
	polID string     // SM policy association id, when the PCF gave one
	mod   *modProc   // PDU session modification under way (modify.go)
	// setupSent: the establishment's N2 setup request went to the gNB
	// (until its answer sets dl, a modification's N2 part follows it).
	setupSent bool
	t3592     *gsmTimer // release command retransmission (timers.go)
}

func (c *smContext) info() SessionInfo {
	return SessionInfo{Ref: c.ref, SUPI: c.supi, PDUSessionID: c.psi, DNN: c.dnn, PDUType: c.pduType,
		IPv4: c.v4, IPv6Prefix: c.v6, UPF: c.upfName, UPSEID: c.upSEID, UL: c.ul, DL: c.dl, Active: c.active,
		AMBRUplink: c.ambrUL, AMBRDownlink: c.ambrDL, FiveQI: c.fiveQI, QFI: c.qfi, QoSFlows: c.flowInfos()}
}

func (c *smContext) flowInfos() []QoSFlowInfo {
	var out []QoSFlowInfo
	for _, f := range c.flows {
		out = append(out, f.info())
	}
	return out
}

// Rule IDs of a session's default QoS flow.
const (
	pdrUL, pdrDL = 1, 2
	farUL, farDL = 1, 2
	qerSession   = 1
	urrSession   = 1
	defaultQFI   = 1
)

// CreateSMContext is Nsmf_PDUSession_CreateSMContext for a UE-requested
// PDU session establishment: data is the SmContextCreateData the AMF
// built from UL NAS TRANSPORT (SUPI, PDU session ID, selected DNN and
// S-NSSAI), n1SmMsg the PDU SESSION ESTABLISHMENT REQUEST. On success the
// SMF has the subscription, the policy, the UE's addresses and the N4
// session, has sent PDU SESSION ESTABLISHMENT ACCEPT and the PDU Session
// Resource Setup Request Transfer through the AMF (N1N2MessageTransfer,
// steps 11-12 of TS 23.502 §4.3.2.2.1), and returns the SM context
// reference. A rejected request returns an *SMError with PDU SESSION
// ESTABLISHMENT REJECT for the UE.
//
// Spec: TS 23.502 §4.3.2.2.1 steps 3-11; TS 29.502 §5.2.2.2.1; TS 24.501 §6.4.1.3
func (s *SMF) CreateSMContext(ctx context.Context, data models.Smf_PDUSess_SmContextCreateData, n1SmMsg []byte) (string, error) {
	req, err := parseEstablishmentRequest(n1SmMsg)
	if err != nil {
		var ge *errGSM
		cause := uint8(n1.SMCauseProtocolErrorUnspecified)
		if errors.As(err, &ge) {
			cause = ge.cause
		}
		return "", s.reject(req.psi, req.pti, n1SmMsg, cause, err)
	}
	if data.Supi == "" || int32(req.psi) != data.PduSessionId {
		return "", s.reject(req.psi, req.pti, n1SmMsg, n1.SMCauseInvalidPDUSessionIdentity,
			fmt.Errorf("PDU session ID %d in NAS, %d from the AMF", req.psi, data.PduSessionId))
	}
	sn := n2.SNSSAI{SST: 1}
	if data.SNssai != nil {
		if sn, err = snssaiFromModel(*data.SNssai); err != nil {
			return "", s.reject(req.psi, req.pti, n1SmMsg, n1.SMCauseSemanticallyIncorrect, err)
		}
	}
	d := s.dnns[data.Dnn]
	if d == nil {
		// §6.4.1.4.2: #27 "missing or unknown DNN".
		return "", s.reject(req.psi, req.pti, n1SmMsg, n1.SMCauseMissingOrUnknownDNN, fmt.Errorf("DNN %q not served", data.Dnn))
	}
	c := &smContext{supi: data.Supi, psi: req.psi, dnn: data.Dnn, snssai: sn, qfi: defaultQFI,
		fiveQI: s.cfg.DefaultFiveQI, arp: s.cfg.DefaultARP, ambrUL: s.cfg.DefaultAMBRUplink, ambrDL: s.cfg.DefaultAMBRDownlink}

	// Subscription: the DNN must be subscribed in the slice; its allowed
	// PDU session types, Session-AMBR and default QoS apply.
	allowed, subDefault, cause, err := s.subscription(ctx, c)
	if err != nil {
		return "", s.reject(req.psi, req.pti, n1SmMsg, cause, err)
	}
	typ, typeCause, err := selectPDUType(req.pduType, subDefault, allowed, d)
	if err != nil {
		return "", s.reject(req.psi, req.pti, n1SmMsg, typeCause, err)
	}
	c.pduType = typ
	if err := s.policy(ctx, c, typ); err != nil {
		return "", s.reject(req.psi, req.pti, n1SmMsg, n1.SMCauseNetworkFailure, err)
	}

	name, upf, ok := s.selectUPF(c.dnn, c.snssai)
	if !ok {
		return "", s.reject(req.psi, req.pti, n1SmMsg, n1.SMCauseInsufficientResources,
			fmt.Errorf("no UPF for DNN %q slice %v", c.dnn, c.snssai))
	}
	c.upfName, c.upf = name, upf

	// A new request for a PDU session ID in use replaces the old context
	// (TS 24.501 §6.4.1.2: the network releases it locally first).
	s.mu.Lock()
	old := s.byUE[ueKey{c.supi, c.psi}]
	s.mu.Unlock()
	if old != nil {
		s.releaseLocal(ctx, old)
	}

	s.mu.Lock()
	err = s.allocate(d, c)
	if err == nil {
		c.ref, c.cpSEID = s.newRef(), s.newSEID()
	}
	s.mu.Unlock()
	if err != nil {
		return "", s.reject(req.psi, req.pti, n1SmMsg, n1.SMCauseInsufficientResources, err)
	}

	est, err := upf.EstablishSession(ctx, c.establishment())
	if err != nil {
		s.free(c)
		// The N4 layer may say which 5GSM cause fits (PFCPUPF's errors);
		// otherwise #38. Spec: TS 24.501 §6.4.1.4.2
		cause := uint8(n1.SMCauseNetworkFailure)
		var gc interface{ GSMCause() uint8 }
		if errors.As(err, &gc) {
			cause = gc.GSMCause()
		}
		return "", s.reject(req.psi, req.pti, n1SmMsg, cause, fmt.Errorf("N4 establishment: %w", err))
	}
	c.upSEID = est.UPSEID
	for _, p := range est.Created {
		if p.ID == pdrUL {
			c.ul = n2.Tunnel{Addr: p.FTEID.IPv4, TEID: p.FTEID.TEID}
			if !c.ul.Addr.IsValid() {
				c.ul.Addr = p.FTEID.IPv6
			}
		}
	}
	if !c.ul.Addr.IsValid() {
		upf.DeleteSession(ctx, c.upSEID)
		s.free(c)
		return "", s.reject(req.psi, req.pti, n1SmMsg, n1.SMCauseNetworkFailure, errors.New("UPF chose no UL F-TEID"))
	}

	n1b, n2b, err := s.acceptMessages(c, req, typeCause, d)
	if err == nil {
		c.mu.Lock()
		s.mu.Lock()
		s.contexts[c.ref] = c
		s.byUE[ueKey{c.supi, c.psi}] = c
		c.upHandle = c.upSEID
		s.byUPSEID[upKey{c.upfName, c.upHandle}] = c
		s.mu.Unlock()
		// Counted before the accept leaves: the UE may see it first.
		s.stats.established.Add(1)
		if err = s.transfer(ctx, c, n1b, n2b, models.Amf_Comm_NgapIeType("PDU_RES_SETUP_REQ")); err != nil {
			s.stats.established.Add(^uint64(0))
		}
		c.setupSent = err == nil
		c.mu.Unlock()
	}
	if err != nil {
		s.releaseLocal(ctx, c)
		return "", fmt.Errorf("smf: establishment %s PSI %d: %w", c.supi, c.psi, err)
	}
	s.log.Debug("PDU session established", "supi", c.supi, "psi", c.psi, "dnn", c.dnn, "ipv4", c.v4, "ipv6", c.v6)
	return c.ref, nil
}

// reject counts and builds the reject for a request.
func (s *SMF) reject(psi, pti uint8, raw []byte, cause uint8, err error) error {
	if psi == 0 && len(raw) >= 3 {
		psi, pti = raw[1], raw[2]
	}
	s.stats.rejected.Add(1)
	s.log.Debug("PDU session establishment rejected", "psi", psi, "cause", cause, "err", err)
	status := 403
	if cause == n1.SMCauseInsufficientResources || cause == n1.SMCauseNetworkFailure {
		status = 500
	}
	return &SMError{Status: status, Cause: cause, N1: establishmentReject(psi, pti, cause), Err: err}
}

// subscription reads the SM subscription data of the context's SUPI, slice
// and DNN: allowed PDU session types, the default one, Session-AMBR and
// default QoS. An unsubscribed DNN gives #27.
//
// Spec: TS 23.502 §4.3.2.2.1 step 4; TS 29.503 §5.2.2.2.5
func (s *SMF) subscription(ctx context.Context, c *smContext) (allowed []uint8, def uint8, cause uint8, err error) {
	list, err := s.deps.UDM.GetSmData(ctx, c.supi, snssaiModel(c.snssai), c.dnn)
	if err != nil {
		return nil, 0, n1.SMCauseNetworkFailure, fmt.Errorf("UDM: %w", err)
	}
	for _, sm := range list {
		if sm.SingleNssai != nil {
			if sn, err := snssaiFromModel(*sm.SingleNssai); err != nil || sn != c.snssai {
				continue
			}
		}
		dc, ok := sm.DnnConfigurations[c.dnn]
		if !ok {
			continue
		}
		if t := dc.PduSessionTypes; t != nil {
			def = pduTypeFromModel(t.DefaultSessionType)
			for _, a := range t.AllowedSessionTypes {
				allowed = append(allowed, pduTypeFromModel(a))
			}
			if def != 0 {
				allowed = append(allowed, def)
			}
		}
		if a := dc.SessionAmbr; a != nil {
			if ul, err := parseBitRate(a.Uplink); err == nil {
				c.ambrUL = ul
			}
			if dl, err := parseBitRate(a.Downlink); err == nil {
				c.ambrDL = dl
			}
		}
		if q := dc.Var5gQosProfile; q != nil {
			if q.Var5qi > 0 && q.Var5qi < 256 {
				c.fiveQI = uint8(q.Var5qi)
			}
			if q.Arp != nil && q.Arp.PriorityLevel >= 1 && q.Arp.PriorityLevel <= 15 {
				c.arp = uint8(q.Arp.PriorityLevel)
			}
		}
		return allowed, def, 0, nil
	}
	return nil, 0, n1.SMCauseMissingOrUnknownDNN, fmt.Errorf("DNN %q not subscribed in slice %v", c.dnn, c.snssai)
}

// policy asks the PCF, if there is one, for the session's policy: its
// authorized Session-AMBR and default QoS replace the subscribed ones.
//
// Spec: TS 23.502 §4.3.2.2.1 step 7b; TS 29.512 §4.2.2.2
func (s *SMF) policy(ctx context.Context, c *smContext, typ uint8) error {
	if s.deps.PCF == nil {
		return nil
	}
	sn := snssaiModel(c.snssai)
	dec, err := s.createPolicy(ctx, c, models.Pcf_SMPolCtrl_SmPolicyContextData{
		Supi: c.supi, PduSessionId: int32(c.psi), Dnn: c.dnn, SliceInfo: &sn, NotificationUri: policyNotifyURI(c.supi, c.psi),
		PduSessionType: pduTypeModel(typ), AccessType: models.AccessType_3_GPP_ACCESS,
		SubsSessAmbr: &models.Ambr{Uplink: formatBitRate(c.ambrUL), Downlink: formatBitRate(c.ambrDL)},
		// Arp's three members are all required (TS 29.571 §5.5.4.1); the
		// pre-emption values are those the SMF gives the gNB (N2 QoS flow).
		SubsDefQos: &models.SubscribedDefaultQos{Var5qi: int32(c.fiveQI), Arp: &models.Arp{PriorityLevel: int32(c.arp),
			PreemptCap: models.PreemptionCapability_NOT_PREEMPT, PreemptVuln: models.PreemptionVulnerability_PREEMPTABLE}},
	})
	if err != nil {
		return fmt.Errorf("PCF: %w", err)
	}
	for _, r := range dec.SessRules {
		if r == nil {
			continue
		}
		if a := r.AuthSessAmbr; a != nil {
			if ul, err := parseBitRate(a.Uplink); err == nil {
				c.ambrUL = ul
			}
			if dl, err := parseBitRate(a.Downlink); err == nil {
				c.ambrDL = dl
			}
		}
		if q := r.AuthDefQos; q != nil {
			if q.Var5qi > 0 && q.Var5qi < 256 {
				c.fiveQI = uint8(q.Var5qi)
			}
			if q.Arp != nil && q.Arp.PriorityLevel >= 1 && q.Arp.PriorityLevel <= 15 {
				c.arp = uint8(q.Arp.PriorityLevel)
			}
		}
	}
	c.flows = s.flowsOf(c, dec, nil)
	return nil
}

// selectPDUType chooses the PDU session type from what the UE asked, what
// the subscription allows and what the DNN has pools for.
//
// Spec: TS 24.501 §6.4.1.3 (#50/#51 in the accept when IPv4v6 was asked
// and only one IP version is allowed), §6.4.1.4.2 (#28, #50, #51 reject)
func selectPDUType(requested, subDefault uint8, subAllowed []uint8, d *dnnState) (uint8, uint8, error) {
	ok := func(t uint8) bool {
		if len(subAllowed) > 0 && !contains(subAllowed, t) &&
			!(t != n1.PDUSessionTypeIPv4v6 && contains(subAllowed, uint8(n1.PDUSessionTypeIPv4v6))) {
			return false
		}
		switch t {
		case n1.PDUSessionTypeIPv4:
			return d.ipv4 != nil
		case n1.PDUSessionTypeIPv6:
			return d.ipv6 != nil
		case n1.PDUSessionTypeIPv4v6:
			return d.ipv4 != nil && d.ipv6 != nil
		}
		return false
	}
	v4, v6 := ok(n1.PDUSessionTypeIPv4), ok(n1.PDUSessionTypeIPv6)
	if requested == 0 {
		// No type asked: the subscription's default, else what there is.
		switch {
		case subDefault != 0 && ok(subDefault):
			return subDefault, 0, nil
		case v4:
			return n1.PDUSessionTypeIPv4, 0, nil
		case v6:
			return n1.PDUSessionTypeIPv6, 0, nil
		}
		return 0, n1.SMCauseUnknownPDUSessionType, errors.New("no IP PDU session type allowed")
	}
	switch requested {
	case n1.PDUSessionTypeIPv4v6:
		switch {
		case ok(n1.PDUSessionTypeIPv4v6):
			return requested, 0, nil
		case v4:
			return n1.PDUSessionTypeIPv4, n1.SMCauseIPv4OnlyAllowed, nil
		case v6:
			return n1.PDUSessionTypeIPv6, n1.SMCauseIPv6OnlyAllowed, nil
		}
	case n1.PDUSessionTypeIPv4:
		if v4 {
			return requested, 0, nil
		}
		if v6 {
			return 0, n1.SMCauseIPv6OnlyAllowed, errors.New("IPv4 asked, only IPv6 allowed")
		}
	case n1.PDUSessionTypeIPv6:
		if v6 {
			return requested, 0, nil
		}
		if v4 {
			return 0, n1.SMCauseIPv4OnlyAllowed, errors.New("IPv6 asked, only IPv4 allowed")
		}
	}
	return 0, n1.SMCauseUnknownPDUSessionType, fmt.Errorf("PDU session type %d not supported", requested)
}

// allocate takes the context's addresses from the DNN's pools (never one
// in use; exhaustion is #26). Caller holds s.mu.
//
// Spec: TS 23.501 §5.8.2.2
func (s *SMF) allocate(d *dnnState, c *smContext) error {
	if c.pduType == n1.PDUSessionTypeIPv4 || c.pduType == n1.PDUSessionTypeIPv4v6 {
		a, err := d.ipv4.get()
		if err != nil {
			return fmt.Errorf("DNN %q IPv4: %w", c.dnn, err)
		}
		c.v4 = a
	}
	if c.pduType == n1.PDUSessionTypeIPv6 || c.pduType == n1.PDUSessionTypeIPv4v6 {
		a, err := d.ipv6.get()
		if err != nil {
			if c.v4.IsValid() {
				d.ipv4.put(c.v4)
				c.v4 = netip.Addr{}
			}
			return fmt.Errorf("DNN %q IPv6: %w", c.dnn, err)
		}
		c.v6 = netip.PrefixFrom(a, 64)
		// The interface identifier the UE uses for its link-local address
		// (TS 23.501 §5.8.2.2.2); random, never all zero.
		rand.Read(c.iid[:])
		c.iid[7] |= 1
	}
	return nil
}

// free returns the context's addresses to their pools.
func (s *SMF) free(c *smContext) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dnns[c.dnn]
	if d == nil {
		return
	}
	if c.v4.IsValid() && d.ipv4 != nil {
		d.ipv4.put(c.v4)
	}
	if c.v6.IsValid() && d.ipv6 != nil {
		d.ipv6.put(c.v6.Addr())
	}
}

// establishment is the N4 session of the default QoS flow: UL traffic
// detected on N3 by the F-TEID the UPF chooses and the QFI, its GTP-U
// header removed and forwarded to N6; DL traffic detected on N6 by the UE
// address, buffered until the gNB's tunnel is known. One QER enforces the
// Session-AMBR and marks the QFI; one URR counts volume.
//
// Spec: TS 23.501 §5.8.2.11.3; TS 29.244 §5.2.1, §7.5.2
func (c *smContext) establishment() rules.Establishment {
	ueip := &rules.UEIP{IPv4: c.v4, IPv6Prefix: c.v6}
	dlip := &rules.UEIP{IPv4: c.v4, IPv6Prefix: c.v6, Destination: true}
	rm := rules.RemoveGTPUUDPIP
	ul := &rules.FTEID{Choose: true}
	if len(c.flows) > 0 {
		ul.ChooseID = chidSession // one N3 F-TEID for every flow
	}
	e := rules.Establishment{
		CPSEID: c.cpSEID,
		PDRs: []rules.PDR{
			{ID: pdrUL, Precedence: 255, PDI: rules.PDI{SourceInterface: rules.Access,
				FTEID: ul, NetworkInstance: c.dnn, UEIP: ueip, QFI: c.qfi},
				OuterHeaderRemoval: &rm, FARID: farUL, QERIDs: []uint32{qerSession}, URRIDs: []uint32{urrSession}},
			{ID: pdrDL, Precedence: 255, PDI: rules.PDI{SourceInterface: rules.Core, NetworkInstance: c.dnn, UEIP: dlip},
				FARID: farDL, QERIDs: []uint32{qerSession}, URRIDs: []uint32{urrSession}},
		},
		FARs: []rules.FAR{
			{ID: farUL, Action: rules.Forward, Forwarding: &rules.Forwarding{DestinationInterface: rules.Core, NetworkInstance: c.dnn}},
			{ID: farDL, Action: rules.Buffer | rules.NotifyCP},
		},
		QERs: []rules.QER{{ID: qerSession, MBRUplink: c.ambrUL, MBRDownlink: c.ambrDL, QFI: c.qfi}},
		URRs: []rules.URR{{ID: urrSession, Method: rules.MeasureVolume}},
	}
	for _, f := range c.flows {
		pdrs, q := f.n4(c, ul)
		e.PDRs = append(e.PDRs, pdrs...)
		e.QERs = append(e.QERs, q)
	}
	return e
}

// dlFAR is the DL FAR: forward to the gNB's tunnel when the user plane is
// active, else buffer and notify (TS 23.502 §4.2.6, §4.2.3.3).
func (c *smContext) dlFAR() rules.FAR {
	if c.active && c.dl.Addr.IsValid() {
		return rules.FAR{ID: farDL, Action: rules.Forward, Forwarding: &rules.Forwarding{
			DestinationInterface: rules.Access, NetworkInstance: c.dnn,
			OuterHeaderCreation: &rules.OuterHeaderCreation{TEID: c.dl.TEID, Addr: c.dl.Addr}}}
	}
	return rules.FAR{ID: farDL, Action: rules.Buffer | rules.NotifyCP}
}

// acceptMessages builds PDU SESSION ESTABLISHMENT ACCEPT and the PDU
// Session Resource Setup Request Transfer. DNS servers go only to a UE
// that asked, and only of the IP versions the session has.
func (s *SMF) acceptMessages(c *smContext, req request, cause uint8, d *dnnState) ([]byte, []byte, error) {
	ssc := req.sscMode
	if ssc == 0 {
		ssc = 1
	}
	n1b := establishmentAccept(acceptParams{psi: c.psi, pti: req.pti, pduType: c.pduType, sscMode: ssc,
		qfi: c.qfi, fiveQI: c.fiveQI, ambrUL: c.ambrUL, ambrDL: c.ambrDL, cause: cause, v4: c.v4, iid: c.iid, flows: c.flows,
		sst: c.snssai.SST, sd: c.snssai.SD, hasSD: c.snssai.HasSD, pco: pcoDNS(d.cfg.DNS, req.dnsV4 && c.v4.IsValid(), req.dnsV6 && c.v6.IsValid()), dnn: c.dnn})
	n2b, err := c.setupRequestTransfer()
	if err != nil {
		return nil, nil, err
	}
	return n1b, n2b, nil
}

// transfer sends N1 and/or N2 SM content to the UE through the AMF.
// Caller holds c.mu.
func (s *SMF) transfer(ctx context.Context, c *smContext, n1b, n2b []byte, ngap models.Amf_Comm_NgapIeType) error {
	a, err := s.getAMF()
	if err != nil {
		return err
	}
	sn := snssaiModel(c.snssai)
	req := models.Amf_Comm_N1N2MessageTransferReqData{PduSessionId: int32(c.psi)}
	if n1b != nil {
		req.N1MessageContainer = &models.Amf_Comm_N1MessageContainer{N1MessageClass: models.Amf_Comm_N1MessageClass_SM,
			N1MessageContent: &models.RefToBinaryData{ContentId: "n1SmMsg"}}
	}
	if n2b != nil {
		req.N2InfoContainer = &models.Amf_Comm_N2InfoContainer{N2InformationClass: models.Amf_Comm_N2InformationClass_SM,
			SmInfo: &models.Amf_Comm_N2SmInformation{PduSessionId: int32(c.psi), SNssai: &sn,
				N2InfoContent: &models.Amf_Comm_N2InfoContent{NgapIeType: ngap,
					NgapData: &models.RefToBinaryData{ContentId: "n2SmInfo"}}}}
	}
	return a.N1N2MessageTransfer(ctx, c.supi, req, n1b, n2b)
}

func snssaiModel(s n2.SNSSAI) models.Snssai {
	m := models.Snssai{Sst: int32(s.SST)}
	if s.HasSD {
		m.Sd = fmt.Sprintf("%06x", s.SD)
	}
	return m
}

func snssaiFromModel(m models.Snssai) (n2.SNSSAI, error) {
	if m.Sst < 0 || m.Sst > 255 {
		return n2.SNSSAI{}, fmt.Errorf("SST %d", m.Sst)
	}
	s := n2.SNSSAI{SST: uint8(m.Sst)}
	if m.Sd != "" {
		v, err := strconv.ParseUint(m.Sd, 16, 24)
		if err != nil || len(m.Sd) != 6 {
			return n2.SNSSAI{}, fmt.Errorf("SD %q", m.Sd)
		}
		s.SD, s.HasSD = uint32(v), true
	}
	return s, nil
}

func pduTypeFromModel(t models.PduSessionType) uint8 {
	switch t {
	case models.PduSessionType_IPV4:
		return n1.PDUSessionTypeIPv4
	case models.PduSessionType_IPV6:
		return n1.PDUSessionTypeIPv6
	case models.PduSessionType_IPV4_V6:
		return n1.PDUSessionTypeIPv4v6
	}
	return 0
}

func pduTypeModel(t uint8) models.PduSessionType {
	switch t {
	case n1.PDUSessionTypeIPv6:
		return models.PduSessionType_IPV6
	case n1.PDUSessionTypeIPv4v6:
		return models.PduSessionType_IPV4_V6
	}
	return models.PduSessionType_IPV4
}

// parseBitRate reads a TS 29.571 BitRate string ("1 Gbps", "2.5 Mbps").
// Spec: TS 29.571 §5.5.2
func parseBitRate(s string) (uint64, error) {
	num, unit, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return 0, fmt.Errorf("bit rate %q", s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bit rate %q", s)
	}
	mult := map[string]float64{"bps": 1, "Kbps": 1e3, "Mbps": 1e6, "Gbps": 1e9, "Tbps": 1e12}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("bit rate unit %q", unit)
	}
	return uint64(v * mult), nil
}

func formatBitRate(bps uint64) string {
	for _, u := range []struct {
		n string
		m uint64
	}{{"Tbps", 1e12}, {"Gbps", 1e9}, {"Mbps", 1e6}, {"Kbps", 1e3}} {
		if bps >= u.m && bps%u.m == 0 {
			return strconv.FormatUint(bps/u.m, 10) + " " + u.n
		}
	}
	return strconv.FormatUint(bps, 10) + " bps"
}
