package amf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go5g/internal/n1"
	"slices"
	"time"

	"github.com/free5gc/nas/nasMessage"
	"github.com/free5gc/openapi/models"

	"go5g/internal/aka"
	"go5g/internal/n2"
	"go5g/internal/problem"
	"go5g/internal/suci"
)

// registrationRequest is what the AMF uses of a REGISTRATION REQUEST.
type registrationRequest struct {
	raw       []byte // the plain message, to recognise a retransmission
	regType   uint8  // 5GS registration type value (§9.11.3.7)
	ngKSI     uint8  // TSC and key set identifier as sent
	suci      string // "suci-..." when the identity is a SUCI
	guti      *guti  // when the identity is a 5G-GUTI
	caps      *ueSecurityCapability
	requested []n2.SNSSAI
	followOn  bool // follow-on request pending (FOR bit)
}

// 5GS registration type values. Spec: TS 24.501 §9.11.3.7
const (
	regInitial        = 1
	regMobilityUpdate = 2
	regPeriodic       = 3
	regEmergency      = 4
)

// Mobile identity types. Spec: TS 24.501 §9.11.3.4
const (
	idSUCI  = 1
	idGUTI  = 2
	idSTMSI = 4
)

// parseRegistrationRequest extracts the IEs the AMF acts on; a bad
// mandatory IE gives the 5GMM cause to reject with.
//
// Spec: TS 24.501 §8.2.6
func parseRegistrationRequest(m *nasMessage.RegistrationRequest, raw []byte) (*registrationRequest, uint8, error) {
	if m == nil {
		return nil, n1.CauseInvalidMandatoryInfo, errors.New("no message")
	}
	r := &registrationRequest{
		raw:     bytes.Clone(raw),
		regType: m.NgksiAndRegistrationType5GS.Octet & 0x07,
		ngKSI:   m.NgksiAndRegistrationType5GS.Octet >> 4,
		// Spec: TS 24.501 §9.11.3.7 (bit 4: follow-on request pending)
		followOn: m.NgksiAndRegistrationType5GS.Octet&0x08 != 0,
	}
	id := m.MobileIdentity5GS.Buffer
	if len(id) == 0 || int(m.MobileIdentity5GS.Len) != len(id) {
		return nil, n1.CauseInvalidMandatoryInfo, errors.New("empty 5GS mobile identity")
	}
	switch id[0] & 0x07 {
	case idSUCI:
		s, err := suci.ParseMobileIdentity(id)
		if err != nil {
			return nil, n1.CauseInvalidMandatoryInfo, fmt.Errorf("SUCI: %w", err)
		}
		if s.Format != suci.FormatIMSI {
			return nil, n1.CauseIllegalUE, errors.New("SUCI of a network specific identifier: not supported")
		}
		r.suci = s.String()
	case idGUTI:
		g, err := parseGUTI(id)
		if err != nil {
			return nil, n1.CauseInvalidMandatoryInfo, fmt.Errorf("5G-GUTI: %w", err)
		}
		r.guti = &g
	default:
		return nil, n1.CauseInvalidMandatoryInfo, fmt.Errorf("identity type %d", id[0]&0x07)
	}
	if c := m.UESecurityCapability; c != nil {
		caps, err := parseUESecurityCapability(c.Buffer)
		if err != nil {
			return nil, n1.CauseInvalidMandatoryInfo, err
		}
		r.caps = &caps
	}
	if n := m.RequestedNSSAI; n != nil {
		s, err := parseNSSAI(n.Buffer)
		if err != nil {
			return nil, n1.CauseInvalidMandatoryInfo, fmt.Errorf("requested NSSAI: %w", err)
		}
		r.requested = s
	}
	// A NAS message container is not read here: only the container of a
	// verified message is used, and that one is opened before parsing
	// (onRegistrationRequest, container.go).
	return r, 0, nil
}

// onRegistrationRequest starts (or restarts) a registration: identify the
// UE, authenticate it, take security into use, fetch its subscription and
// accept it. A copy of the request under way is ignored. A request verified
// with the UE's current context that carries a NAS message container is
// replaced by the complete request the container holds (container.go).
//
// Spec: TS 24.501 §5.5.1.2.2, §5.5.1.2.8 (d, e), §4.4.6
func (s *shard) onRegistrationRequest(u *ue, m *nasMessage.RegistrationRequest, raw []byte, verified bool) {
	if verified && m != nil {
		if c := m.NASMessageContainer; c != nil {
			full, plain, err := s.openInitialContainer(u, n1.MsgRegistrationRequest, c)
			if err != nil {
				s.rejectContainer(u, n1.MsgRegistrationRequest, err)
				return
			}
			m, raw = full.RegistrationRequest, plain
		} else {
			s.logCleartext(u, n1.MsgRegistrationRequest, registrationNonCleartext(m))
		}
	}
	req, cause, err := parseRegistrationRequest(m, raw)
	if err != nil {
		s.a.log.Info("bad REGISTRATION REQUEST", append(u.logAttrs(), "err", err)...)
		s.rejectRegistration(u, cause)
		return
	}
	if u.proc != procNone && u.regReq != nil && bytes.Equal(u.regReq.raw, req.raw) {
		if u.proc == procRegistrationComplete {
			// §5.5.1.2.8 d: the same request again: send the accept again.
			s.sendNAS(u, u.timer.msg)
		}
		return // §5.5.1.2.8 e: a copy of the request in progress
	}
	if req.regType == regEmergency {
		s.rejectRegistration(u, n1.CauseServicesNotAllowed)
		return
	}
	if req.regType == regMobilityUpdate || req.regType == regPeriodic {
		if verified && u.state == gmmRegistered {
			s.onRegistrationUpdate(u, req)
			return
		}
		// Not verified with a context of a registered UE: the update is
		// run as a registration with authentication below, in the new
		// context onInitialUE made, and takes over the UE's old context
		// only once authentication succeeds (claimSUPI).
		// Spec: TS 24.501 §4.4.4.3, §5.5.1.3.2
	}
	if req.caps == nil {
		// §5.5.1.2.2: the UE includes its security capability in an
		// initial registration; without it no security mode can be run.
		s.rejectRegistration(u, n1.CauseInvalidMandatoryInfo)
		return
	}
	u.timer.stop()
	u.regReq = req
	u.started = time.Now()
	s.setState(u, gmmCommonProcedureInitiated)
	u.sec.caps = *req.caps
	u.sec.secured = false
	if req.suci != "" {
		u.sub.suci = req.suci
		s.startAuthentication(u, req.suci, nil)
		return
	}
	// A 5G-GUTI: this AMF knows the UE if the GUTI is one of its own and
	// names a context of this worker (where the 5G-TMSI routes); it then
	// authenticates that SUPI without asking for the SUCI. Otherwise it
	// asks for the SUCI. Policy: an initial registration always runs
	// primary authentication, even when the message passed the integrity
	// check with the UE's current context, so every initial registration
	// starts from a fresh KAMF; only mobility and periodic updates reuse
	// the current context. An AUTHENTICATION FAILURE (MAC) then falls back
	// to identification (onAuthenticationFailure).
	// Spec: TS 24.501 §5.5.1.2.2, §5.4.3.2; TS 33.501 §6.1.1
	if supi := s.supiOfGUTI(*req.guti); supi != "" {
		s.startAuthentication(u, supi, nil)
		return
	}
	s.startIdentification(u)
}

// afterSecurityMode continues a registration once NAS security is in use:
// Nudm_UECM Registration, then Nudm_SDM Get of the access and mobility data.
//
// Spec: TS 23.502 §4.2.2.2.2 steps 14a-14b
func (s *shard) afterSecurityMode(u *ue) {
	u.proc = procSubscription
	supi, timeout := u.sub.supi, s.a.cfg.SBITimeout
	reg := models.Udm_UECM_Amf3GppAccessRegistration{
		AmfInstanceId:          s.a.cfg.InstanceID,
		InitialRegistrationInd: true,
		Guami:                  s.a.modelGUAMI(),
		RatType:                models.RatType_NR,
	}
	s.call(u, procSubscription, timeout, func(ctx context.Context) (any, error) {
		if err := s.a.deps.UDM.RegisterAMF(ctx, supi, reg); err != nil {
			return nil, fmt.Errorf("Nudm_UECM Registration: %w", err)
		}
		am, err := s.a.deps.UDM.GetAmData(ctx, supi)
		if err != nil {
			return nil, fmt.Errorf("Nudm_SDM Get am-data: %w", err)
		}
		return am, nil
	})
}

// onSubscription decides the allowed NSSAI and accepts the registration:
// REGISTRATION ACCEPT with a new 5G-GUTI, inside INITIAL CONTEXT SETUP
// REQUEST when the gNB has no context for the UE yet.
//
// The UE gives back its place in the home network part (leaveHome); a
// fetch that failed from overload turns it away with #22.
//
// Spec: TS 24.501 §5.5.1.2.4, §5.3.9; TS 23.502 §4.2.2.2.2 step 21; TS 23.501 §5.15.5.2.1
func (s *shard) onSubscription(u *ue, res any, err error) {
	s.leaveHome(u)
	if overloaded(err) {
		s.congestionReject(u, err)
		return
	}
	if err != nil {
		s.a.log.Warn("subscription", append(u.logAttrs(), "err", err)...)
		switch {
		case problem.Is(err, problem.UserNotFound), problem.Is(err, problem.DataNotFound):
			s.rejectRegistration(u, n1.CauseServicesNotAllowed)
		default:
			s.rejectRegistration(u, n1.CauseProtocolErrorUnspecified)
		}
		return
	}
	am := res.(models.Udm_SDM_AccessAndMobilitySubscriptionData)
	u.sub.allowed = s.allowedNSSAI(u.regReq.requested, am.Nssai)
	u.sub.defaultDNN = defaultDNN(am.SubscribedDnnList)
	u.sub.ambrUL, u.sub.ambrDL = ueAMBR(am.SubscribedUeAmbr) // reactivate.go
	if len(u.sub.allowed) == 0 {
		// §5.5.1.2.5: no S-NSSAI can be allowed.
		s.rejectRegistration(u, n1.CauseNoNetworkSlicesAvailable)
		return
	}
	if !u.sub.hasGUTI {
		u.sub.tmsi, u.sub.hasGUTI = s.newTMSI(), true
	}
	g := guti{plmn: s.a.cfg.PLMN, region: s.a.cfg.RegionID, set: s.a.cfg.SetID, pointer: s.a.cfg.Pointer, tmsi: u.sub.tmsi}
	accept, err := registrationAccept{plmn: s.a.cfg.PLMN, guti: g, tacs: s.a.cfg.TACs,
		allowed: u.sub.allowed, t3512: s.a.cfg.T3512}.marshal()
	if err != nil {
		s.a.log.Error("build REGISTRATION ACCEPT", append(u.logAttrs(), "err", err)...)
		s.abortRegistration(u, n2.CauseUnspecifiedNAS)
		return
	}
	s.byTMSI[u.sub.tmsi] = u
	u.proc = procRegistrationComplete
	if u.conn.contextSetUp {
		s.sendNAS(u, accept)
	} else if !s.initialContextSetup(u, accept) {
		return
	}
	s.startTimer(u, t3550, accept, false)
}

// allowedNSSAI is the requested S-NSSAIs that are subscribed and served
// here, or, without a usable request, the default subscribed ones served
// here.
//
// Spec: TS 23.501 §5.15.5.2.1; TS 24.501 §4.6.2.3
func (s *shard) allowedNSSAI(requested []n2.SNSSAI, sub *models.Udm_SDM_Nssai) []n2.SNSSAI {
	if sub == nil {
		return nil
	}
	served := func(list []models.Snssai, want []n2.SNSSAI) []n2.SNSSAI {
		var out []n2.SNSSAI
		for _, m := range list {
			v, ok := snssaiFromModel(m)
			if !ok || !slices.Contains(s.a.cfg.Slices, v) || slices.Contains(out, v) {
				continue
			}
			if want != nil && !slices.Contains(want, v) {
				continue
			}
			out = append(out, v)
		}
		return out
	}
	if len(requested) > 0 {
		if out := served(sub.SingleNssais, requested); len(out) > 0 {
			return out
		}
	}
	defaults := sub.DefaultSingleNssais
	if len(defaults) == 0 {
		defaults = sub.SingleNssais
	}
	return served(defaults, nil)
}

// onRegistrationComplete ends the registration. Spec: TS 24.501 §5.5.1.2.4
func (s *shard) onRegistrationComplete(u *ue) {
	if u.proc != procRegistrationComplete {
		s.sendNAS(u, status(n1.CauseMessageNotCompatible))
		return
	}
	s.registrationCompleted(u, true)
}

// registrationCompleted enters 5GMM-REGISTERED: on REGISTRATION COMPLETE,
// or when T3550 gives up (the new 5G-GUTI is then considered valid, §5.5.1.2.8 a).
func (s *shard) registrationCompleted(u *ue, confirmed bool) {
	u.timer.stop()
	u.proc = procNone
	s.setState(u, gmmRegistered)
	req := u.regReq
	u.regReq = nil
	if confirmed {
		s.a.stats.registrations.Add(1)
		if l := s.a.deps.Latency; l != nil {
			l.Observe("registration", time.Since(u.started).Seconds())
		}
		s.dropOldTMSI(u) // §5.5.1.3.4: the old 5G-GUTI is now invalid
	}
	s.a.log.Info("UE registered", append(u.logAttrs(), "tmsi", u.sub.tmsi, "confirmed", confirmed,
		"took", time.Since(u.started))...)
	if req != nil && isUpdate(req) {
		s.updateCompleted(u, req)
	}
}

// rejectRegistration sends REGISTRATION REJECT and releases the UE's N2
// connection; the AMF keeps no context of a UE it rejected.
//
// Spec: TS 24.501 §5.5.1.2.5
func (s *shard) rejectRegistration(u *ue, cause uint8) {
	s.a.stats.registrationRejects.Add(1)
	s.a.stats.rejectCauses[cause].Add(1)
	s.a.log.Info("registration rejected", append(u.logAttrs(), "cause", cause)...)
	s.sendNAS(u, registrationReject(cause))
	s.discard(u, n2.CauseUnspecifiedNAS)
}

// abortRegistration ends a registration the UE or network could not finish
// (timer expiry, lower layer failure) without a reject.
func (s *shard) abortRegistration(u *ue, cause n2.Cause) {
	if u.state == gmmRegistered {
		u.timer.stop()
		u.proc = procNone
		s.releaseConn(u, cause)
		return
	}
	s.discard(u, cause)
}

// modelGUAMI is the served GUAMI in the SBI data type. Spec: TS 29.571 §5.4.4.3
func (a *AMF) modelGUAMI() *models.Guami {
	return &models.Guami{
		PlmnId: &models.PlmnIdNid{Mcc: a.cfg.PLMN.MCC, Mnc: a.cfg.PLMN.MNC},
		AmfId:  fmt.Sprintf("%02x%04x", a.cfg.RegionID, uint32(a.cfg.SetID)<<6|uint32(a.cfg.Pointer)),
	}
}

// snssaiFromModel converts an SBI S-NSSAI (SD as 6 hex digits).
func snssaiFromModel(m models.Snssai) (n2.SNSSAI, bool) {
	if m.Sst < 0 || m.Sst > 255 {
		return n2.SNSSAI{}, false
	}
	v := n2.SNSSAI{SST: uint8(m.Sst)}
	if m.Sd != "" {
		var sd uint32
		if _, err := fmt.Sscanf(m.Sd, "%06x", &sd); err != nil || len(m.Sd) != 6 {
			return n2.SNSSAI{}, false
		}
		v.SD, v.HasSD = sd, true
	}
	return v, true
}

// kgNB derives KgNB for the gNB from KAMF and the uplink NAS COUNT of the
// last message received (SECURITY MODE COMPLETE in an initial registration).
//
// Spec: TS 33.501 §A.9, §6.8.1.2
func kgNB(u *ue) [32]byte {
	var k [32]byte
	count := u.sec.nas.ReceiveCount()
	if count > 0 {
		count--
	}
	copy(k[:], aka.KgNB(u.sec.kamf, count, aka.Access3GPP))
	return k
}
