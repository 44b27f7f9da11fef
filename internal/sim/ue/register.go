package ue

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/free5gc/nas/nasMessage"

	"go5g/internal/aka"
	"go5g/internal/n1"
	"go5g/internal/n2"
	"go5g/internal/sim/gnb"
)

// Register performs an initial registration through g and returns when the
// UE is registered (REGISTRATION COMPLETE sent), was rejected
// (*RejectError), or T3510 expired (ErrTimeout). The UE identifies itself
// with the 5G-GUTI it was last given, if any (also in RRC setup, as
// 5G-S-TMSI), else with a SUCI. It claims no NAS security context (ngKSI
// 7), so the network authenticates it.
//
// Spec: TS 24.501 §5.5.1.2.2
func (u *UE) Register(ctx context.Context, g *gnb.GNB) (Result, error) {
	err := u.run(ctx, procRegister, func(p *pending) error {
		u.res = Result{}
		u.registered, u.secured, u.sec, u.kamf, u.ngKSI = false, false, nil, nil, 7
		id, opt := u.guti, gnb.AttachOptions{Cause: n2.RRCMOSignalling, STMSI: u.stmsi()}
		if id == nil {
			var err error
			if id, err = u.suciIdentity(); err != nil {
				return err
			}
		}
		const initial = 0x01 // 5GS registration type: initial registration
		first := registrationRequest(initial, u.ngKSI, id, u.caps, nil, false)
		u.fullReq = registrationRequest(initial, u.ngKSI, id, u.caps, u.cfg.RequestedNSSAI, true)
		u.attach(g, opt)
		if err := u.link.UplinkNAS(ctx, first); err != nil {
			return err
		}
		u.armTimer(p, u.cfg.T3510)
		return nil
	})
	var res Result
	u.do(func() { res = u.res })
	return res, err
}

// handle is every event, on the UE's goroutine.
func (u *UE) handle(ev event) {
	p := u.pending
	if ev.timer != 0 {
		if p != nil && p.timer != nil && p.seq == ev.timer {
			p.timer = nil
			u.onTimer(p)
		}
		return
	}
	if ev.paged || ev.ulData {
		u.onIdleEvent(ev) // idle.go
		return
	}
	if ev.gen != u.gen {
		return // from an RRC connection the UE has left
	}
	switch {
	case ev.kgNB != nil:
		if u.sec == nil || *ev.kgNB != u.kgNB {
			u.log.Warn("the gNB's KgNB differs from the UE's: AS security fails")
			if p != nil && p.kind != procDeregister {
				u.finish(errors.New("ue: the gNB's KgNB differs from the UE's: AS security would fail"))
			}
		} else {
			u.res.ASSecurityActivations++
		}
	case ev.released:
		u.link = nil
		u.enterIdle() // idle.go
		if p != nil && (p.kind == procRegister && !u.registered || p.kind == procUpdate || p.kind == procService) {
			u.finish(errors.New("ue: RRC connection released before the procedure completed"))
		} else if p != nil && p.kind == procDeregister {
			u.finish(nil) // released by the network: deregistered locally
		}
	case ev.sessionsUp:
		u.rebindTUNs() // idle.go
	default:
		if err := u.onDownlink(ev.nas); err != nil && p != nil {
			u.finish(err)
		}
	}
}

// onTimer handles the expiry of the procedure's guard timer.
// Spec: TS 24.501 §5.5.1.2.7 (T3510), §5.5.2.2.6 (T3521)
func (u *UE) onTimer(p *pending) {
	switch p.kind {
	case procRegister, procUpdate:
		u.finish(fmt.Errorf("%w: T3510 expired", ErrTimeout))
	case procService:
		u.finish(fmt.Errorf("%w: T3517 expired", ErrTimeout))
	case procDeregister:
		if p.tries >= 5 {
			u.finish(fmt.Errorf("%w: T3521 expired 5 times", ErrTimeout))
			return
		}
		p.tries++
		if err := u.sendProtected(p.msg, n1.HeaderIntegrityCiphered); err != nil {
			u.finish(err)
			return
		}
		u.armTimer(p, u.cfg.T3521)
	}
}

// onDownlink checks and handles one downlink NAS message. An error ends
// the procedure under way.
//
// Spec: TS 24.501 §4.4.4.2
func (u *UE) onDownlink(b []byte) error {
	if len(b) < 3 || b[0] != n1.EPD5GMM {
		return nil
	}
	var plain []byte
	protected := true
	switch h := n1.HeaderType(b[1] & 0x0f); {
	case h == n1.HeaderPlain:
		if u.secured && !plainAllowed(b[2]) {
			u.log.Info("unprotected NAS message discarded", "type", b[2])
			return nil
		}
		plain, protected = b, false
	case h == n1.HeaderIntegrityNewContext && len(b) > 9 && b[9] == n1.MsgSecurityModeCommand:
		return u.onSecurityModeCommand(b)
	default:
		if u.sec == nil {
			return nil
		}
		inner, _, err := u.sec.Unprotect(b)
		if err != nil {
			u.log.Info("downlink NAS message failed its check: discarded", "err", err)
			return nil
		}
		plain = inner
	}
	m, err := n1.Decode(plain)
	if err != nil || m.GmmMessage == nil {
		u.log.Info("undecodable downlink NAS message", "err", err)
		return nil
	}
	t := m.GmmHeader.GetMessageType()
	switch t {
	case n1.MsgAuthenticationRequest:
		u.res.AuthenticationRequests++
	case n1.MsgRegistrationAccept:
		u.res.RegistrationAccepts++
	case n1.MsgDeregistrationAcceptUE:
		u.res.DeregistrationAccepts++
	case n1.MsgIdentityRequest:
		u.res.IdentityRequests++
	case n1.MsgConfigurationUpdateCommand:
		u.res.ConfigurationUpdates++
	case n1.MsgDeregistrationRequestNW:
		u.res.NetworkDeregistrations++
	}
	if u.cfg.Faults.Ignore != 0 && t == u.cfg.Faults.Ignore {
		return nil
	}
	p := u.pending
	switch t {
	case n1.MsgAuthenticationRequest:
		return u.onAuthenticationRequest(m.AuthenticationRequest)
	case n1.MsgAuthenticationReject:
		// §5.4.1.3.5: the UE deletes its security context and is
		// deregistered.
		u.registered, u.sec, u.secured, u.kamf, u.guti = false, nil, false, nil, nil
		return &RejectError{Authentication: true}
	case n1.MsgRegistrationReject:
		// §5.5.1.2.5, §5.5.1.3.5: for the causes handled here the UE
		// deletes its 5G-GUTI (and, with #9 or #10, its security context).
		u.registered, u.guti = false, nil
		u.sec, u.secured, u.kamf, u.ngKSI = nil, false, nil, 7
		rej := &RejectError{Cause: m.RegistrationReject.Cause5GMM.GetCauseValue()}
		if isCongestion(rej.Cause) {
			rej.BackOff = backOff(m.RegistrationReject.T3346Value, protected)
		}
		return rej
	case n1.MsgRegistrationAccept:
		if err := u.onRegistrationAccept(m.RegistrationAccept); err != nil {
			return err
		}
		if p != nil && (p.kind == procRegister || p.kind == procUpdate) {
			u.finish(nil)
		}
	case n1.MsgServiceAccept:
		if p != nil && p.kind == procService {
			u.res.ServiceAccepts++
			if st := m.ServiceAccept.PDUSessionStatus; st != nil {
				u.releaseInactive(st.Buffer)
			}
			u.rebindTUNs() // idle.go
			u.finish(nil)
		}
	case n1.MsgServiceReject:
		return u.onServiceReject(m.ServiceReject.Cause5GMM.GetCauseValue(), m.ServiceReject.T3346Value, protected)
	case n1.MsgConfigurationUpdateCommand:
		if protected {
			return u.onConfigurationUpdateCommand(m.ConfigurationUpdateCommand)
		}
	case n1.MsgDeregistrationRequestNW:
		if protected {
			return u.onNetworkDeregistration(m.DeregistrationRequestUETerminatedDeregistration)
		}
	case n1.MsgDeregistrationAcceptUE:
		if p != nil && p.kind == procDeregister {
			u.finish(nil)
		}
	case n1.MsgIdentityRequest:
		return u.onIdentityRequest(m.IdentityRequest)
	case n1.MsgStatus:
		u.log.Info("5GMM STATUS from the network", "cause", m.Status5GMM.GetCauseValue())
	case n1.MsgDLNASTransport:
		if protected {
			u.onDLNASTransport(m.DLNASTransport)
		}
	}
	return nil
}

// plainAllowed lists the messages a UE processes without integrity
// protection. Spec: TS 24.501 §4.4.4.2
func plainAllowed(t uint8) bool {
	switch t {
	case n1.MsgIdentityRequest, n1.MsgAuthenticationRequest, n1.MsgAuthenticationReject, n1.MsgRegistrationReject,
		n1.MsgDeregistrationAcceptUE, n1.MsgServiceReject:
		return true
	}
	return false
}

// sqnCheck accepts a sequence number above the highest one accepted and
// records it. Spec: TS 33.102 §6.3.3 (simplified: no IND array)
func (u *UE) sqnCheck(sqn uint64) (bool, uint64) {
	if sqn <= u.sqnMS {
		return false, u.sqnMS
	}
	u.sqnMS = sqn
	return true, u.sqnMS
}

// onAuthenticationRequest runs the USIM on the challenge and answers: RES*
// on success, AUTHENTICATION FAILURE with #20, #21 (and AUTS) or #26.
//
// Spec: TS 24.501 §5.4.1.3.3, §5.4.1.3.6; TS 33.501 §6.1.3.2.0 step 7
func (u *UE) onAuthenticationRequest(m *nasMessage.AuthenticationRequest) error {
	ksi := m.SpareHalfOctetAndNgksi.Octet & 0x0f
	if m.EAPMessage != nil {
		return u.onEAPRequest(ksi, m.EAPMessage.Buffer)
	}
	if m.AuthenticationParameterRAND == nil || m.AuthenticationParameterAUTN == nil || m.AuthenticationParameterAUTN.Len != 16 {
		return u.sendPlain(authenticationFailure(n1.CauseMACFailure, nil))
	}
	rand := m.AuthenticationParameterRAND.Octet[:]
	autn := m.AuthenticationParameterAUTN.Octet[:]
	snn := u.snn()
	resStar, kausf, err := aka.UEResponse(u.cfg.K[:], u.cfg.OPc[:], rand, autn, snn, u.sqnCheck)
	var sf *aka.SyncFailureError
	switch {
	case errors.As(err, &sf):
		return u.sendPlain(authenticationFailure(n1.CauseSynchFailure, sf.AUTS))
	case errors.Is(err, aka.ErrNon5GAuth):
		return u.sendPlain(authenticationFailure(n1.CauseNon5GAuthUnacceptable, nil))
	case err != nil:
		return u.sendPlain(authenticationFailure(n1.CauseMACFailure, nil))
	}
	abba := []byte{0, 0}
	if m.ABBA.Len > 0 {
		abba = m.ABBA.Buffer
	}
	if err := u.deriveKAMF(aka.KSEAF(kausf, snn), abba, ksi); err != nil {
		return err
	}
	if u.cfg.Faults.CorruptRES {
		resStar[15] ^= 0x01
	}
	return u.sendPlain(authenticationResponse(resStar, nil))
}

// deriveKAMF keeps KAMF of the new native security context and its ngKSI.
// Spec: TS 33.501 §A.7
func (u *UE) deriveKAMF(kseaf, abba []byte, ksi uint8) error {
	kamf, err := aka.KAMF(kseaf, u.supi, abba)
	if err != nil {
		return fmt.Errorf("ue: KAMF: %w", err)
	}
	u.kamf, u.ngKSI = kamf, ksi&0x07
	return nil
}

// snn is the serving network name of the PLMN the UE camps on.
func (u *UE) snn() string {
	p := u.g.AMF().PLMNSupport
	mcc, mnc := u.cfg.SUPI.MCC, u.cfg.SUPI.MNC
	if len(p) > 0 {
		mcc, mnc = p[0].PLMN.MCC, p[0].PLMN.MNC
	}
	s, _ := aka.ServingNetworkName(mcc, mnc)
	return s
}

// onSecurityModeCommand checks the command (replayed capabilities, ngKSI,
// algorithms, then its MAC with the new context), takes the new 5G NAS
// security context into use and answers SECURITY MODE COMPLETE, integrity
// protected and ciphered, carrying the complete REGISTRATION REQUEST when
// the AMF asks for it.
//
// Spec: TS 24.501 §5.4.2.3, §5.4.2.5, §4.4.6; TS 33.501 §6.7.2
func (u *UE) onSecurityModeCommand(b []byte) error {
	u.res.SecurityModeCommands++
	m, err := n1.Decode(b[7:])
	if err != nil || m.GmmMessage == nil || m.SecurityModeCommand == nil {
		return nil
	}
	if u.cfg.Faults.Ignore == n1.MsgSecurityModeCommand {
		return nil
	}
	smc := m.SecurityModeCommand
	ea := n1.CipherAlg(smc.SelectedNASSecurityAlgorithms.Octet >> 4)
	ia := n1.IntegrityAlg(smc.SelectedNASSecurityAlgorithms.Octet & 0x0f)
	switch {
	case u.kamf == nil || smc.SpareHalfOctetAndNgksi.Octet&0x07 != u.ngKSI:
		return u.sendPlain(securityModeReject(n1.CauseSecurityModeRejected))
	case !bytes.Equal(smc.ReplayedUESecurityCapabilities.Buffer, u.caps):
		// A bidding-down attempt, or a broken AMF.
		return u.sendPlain(securityModeReject(n1.CauseSecurityCapsMismatch))
	case ia == n1.NIA0 || ia > n1.NIA3 || ea > n1.NEA3:
		return u.sendPlain(securityModeReject(n1.CauseSecurityModeRejected))
	}
	var kenc, kint n1.Key
	copy(kenc[:], aka.AlgorithmKey(u.kamf, aka.NASEnc, uint8(ea)))
	copy(kint[:], aka.AlgorithmKey(u.kamf, aka.NASInt, uint8(ia)))
	sec, err := n1.NewSecurityContext(n1.SecurityConfig{Send: n1.Uplink, Access: n1.Access3GPP,
		Cipher: ea, Integrity: ia, KNASenc: kenc, KNASint: kint})
	if err != nil {
		return u.sendPlain(securityModeReject(n1.CauseSecurityModeRejected))
	}
	if _, _, err := sec.Unprotect(b); err != nil {
		return u.sendPlain(securityModeReject(n1.CauseSecurityModeRejected))
	}
	u.sec, u.secured = sec, true
	u.res.Cipher, u.res.Integrity = ea, ia
	var container []byte
	if x := smc.Additional5GSecurityInformation; x != nil && x.GetRINMR() == 1 {
		container = u.fullReq
	}
	if err := u.sendProtected(securityModeComplete(container), n1.HeaderIntegrityCipheredNewContext); err != nil {
		return err
	}
	// KgNB is derived with the uplink NAS COUNT of SECURITY MODE COMPLETE.
	copy(u.kgNB[:], aka.KgNB(u.kamf, u.sec.SendCount()-1, aka.Access3GPP))
	return nil
}

// onRegistrationAccept stores the 5G-GUTI, TAI list, allowed NSSAI and
// T3512, and answers REGISTRATION COMPLETE (a 5G-GUTI was assigned).
//
// Spec: TS 24.501 §5.5.1.2.4
func (u *UE) onRegistrationAccept(m *nasMessage.RegistrationAccept) error {
	if g := m.GUTI5G; g != nil {
		u.guti = append([]byte(nil), g.Octet[:]...)
		u.tmsi = binary.BigEndian.Uint32(g.Octet[7:11])
		u.res.GUTI, u.res.TMSI = u.guti, u.tmsi
	}
	if n := m.AllowedNSSAI; n != nil {
		u.res.Allowed = parseNSSAI(n.Buffer)
	}
	if t := m.T3512Value; t != nil {
		u.res.T3512 = gprsTimer3(t.Octet)
	}
	u.registered = true
	if m.GUTI5G == nil {
		return nil // §5.5.1.3.4: nothing to confirm
	}
	return u.sendProtected(registrationComplete(), n1.HeaderIntegrityCiphered)
}

// onIdentityRequest answers with a freshly concealed SUCI.
// Spec: TS 24.501 §5.4.3.3
func (u *UE) onIdentityRequest(m *nasMessage.IdentityRequest) error {
	if m.SpareHalfOctetAndIdentityType.Octet&0x07 != 0x01 {
		return nil
	}
	id, err := u.suciIdentity()
	if err != nil {
		return err
	}
	if u.secured {
		return u.sendProtected(identityResponse(id), n1.HeaderIntegrityCiphered)
	}
	return u.sendPlain(identityResponse(id))
}

func (u *UE) sendPlain(msg []byte) error {
	if u.link == nil {
		return gnb.ErrReleased
	}
	return u.link.UplinkNAS(context.Background(), msg)
}

// sendProtected protects msg with the current context (and corrupts its
// MAC if the Faults say so) and sends it.
func (u *UE) sendProtected(msg []byte, h n1.HeaderType) error {
	return u.sendProtectedTampered(msg, h, false)
}

// sendProtectedTampered is sendProtected that, with tamperTail, flips a bit
// of the last octet after protection (Faults.TamperContainer).
func (u *UE) sendProtectedTampered(msg []byte, h n1.HeaderType, tamperTail bool) error {
	b, err := u.sec.Protect(msg, h)
	if err != nil {
		return fmt.Errorf("ue: protect: %w", err)
	}
	if tamperTail {
		b[len(b)-1] ^= 0x01
	} else if f := u.cfg.Faults.CorruptMAC; f != 0 && f == msg[2] && !u.faultsUsed {
		u.faultsUsed = true
		b[2] ^= 0x01
	} else {
		u.lastUL = b
	}
	if u.link == nil {
		return gnb.ErrReleased
	}
	return u.link.UplinkNAS(context.Background(), b)
}

// ResendLastUplink sends again, unchanged, the last protected uplink NAS
// message: a replay the network must drop.
func (u *UE) ResendLastUplink(ctx context.Context) error {
	var err error
	if cerr := u.do(func() {
		if u.lastUL == nil || u.link == nil {
			err = errors.New("ue: nothing to replay on a live connection")
			return
		}
		err = u.link.UplinkNAS(ctx, u.lastUL)
	}); cerr != nil {
		return cerr
	}
	return err
}

// parseNSSAI reads S-NSSAI values of an NSSAI IE (skipping malformed ones).
func parseNSSAI(b []byte) []n2.SNSSAI {
	var out []n2.SNSSAI
	for len(b) > 1 {
		n := int(b[0])
		if n < 1 || len(b) < 1+n {
			break
		}
		s := n2.SNSSAI{SST: b[1]}
		if n >= 4 {
			s.SD, s.HasSD = uint32(b[2])<<16|uint32(b[3])<<8|uint32(b[4]), true
		}
		out = append(out, s)
		b = b[1+n:]
	}
	return out
}

// gprsTimer3 decodes a GPRS timer 3 value; deactivated is -1.
// Spec: TS 24.008 §10.5.7.4a
func gprsTimer3(v uint8) time.Duration {
	n := time.Duration(v & 0x1f)
	switch v >> 5 {
	case 0:
		return n * 10 * time.Minute
	case 1:
		return n * time.Hour
	case 2:
		return n * 10 * time.Hour
	case 3:
		return n * 2 * time.Second
	case 4:
		return n * 30 * time.Second
	case 5:
		return n * time.Minute
	case 6:
		return n * 320 * time.Hour
	}
	return -1
}
