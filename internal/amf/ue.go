package amf

import (
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// ue is one UE's context in the AMF. Only its shard's worker touches it. It
// is split as the spec splits it: the N2 connection, security, subscription
// and location, plus the state of the 5GMM procedure under way.
type ue struct {
	conn *ueConn // nil in CM-IDLE (TS 23.501 §5.3.3.2)

	sec ueSecurity
	sub ueSubscription
	loc ueLocation

	state gmmState
	proc  procedure // what the AMF waits for from the UE
	timer nasTimer  // the one NAS retransmission timer running, if any
	calls uint64    // home network calls made; only the latest one's answer counts
	// admitted: the UE holds a place in the home network part of a
	// registration (overload.go admit), given back by leaveHome.
	admitted bool

	// regReq is the last accepted REGISTRATION REQUEST (the full one from
	// the NAS message container of SECURITY MODE COMPLETE when there was
	// one), kept until the registration ends.
	regReq *registrationRequest
	// started is when the current registration began, for logs.
	started time.Time

	// sessions are the UE's PDU session routing contexts by PDU session
	// ID (session.go); smGen numbers them.
	sessions map[uint8]*smSession
	smGen    uint64
	// paging is the paging under way of the UE in CM-IDLE (paging.go),
	// svc the Service Request waiting for its SMFs (service.go).
	paging *pagingState
	svc    *serviceState

	trace traceLog // recent N1/N2 signalling, for operations (trace.go)
}

// ueConn is the UE-associated logical NG connection (TS 38.413 §3.1).
type ueConn struct {
	ran   *ranNode
	amfID uint64 // AMF UE NGAP ID
	ranID uint32 // RAN UE NGAP ID
	// contextSetUp: Initial Context Setup succeeded, so NAS goes in
	// DOWNLINK NAS TRANSPORT and the gNB holds KgNB.
	contextSetUp bool
	// releasing: UE CONTEXT RELEASE COMMAND sent, awaiting COMPLETE.
	releasing bool
	guard     *time.Timer
	timer     connTimer // the procedure being timed (latency.go)
}

// stream is the SCTP stream of the UE's UE-associated signalling: one of
// streams 1..n-1, stable for the connection, so that its messages stay in
// order. Spec: TS 38.412 §7.
func (c *ueConn) stream() uint16 {
	n := c.ran.conn.Streams()
	if n <= 1 {
		return 0
	}
	return uint16(1 + c.amfID%uint64(n-1))
}

func (c *ueConn) ids() n2.UEIDs {
	return n2.UEIDs{AMF: c.amfID, RAN: c.ranID, HasAMF: true, HasRAN: true}
}

// ueSecurity is the UE's security context: the 5G NAS security context
// (ngKSI, KAMF, algorithms, COUNTs) and the primary authentication under
// way. Key material never leaves this struct except into n1 and KgNB.
//
// Spec: TS 33.501 §6.1, §6.7; TS 24.501 §4.4.2
type ueSecurity struct {
	caps ueSecurityCapability // as the UE sent them, replayed in SMC

	ngKSI uint8 // 0..6; 7 = no key
	kamf  []byte
	nas   *n1.SecurityContext
	// secured: SECURITY MODE COMPLETE verified, so the secure exchange of
	// NAS messages is established (TS 24.501 §4.4.4.3).
	secured bool

	auth authState
}

// authState is a 5G-AKA run in progress. Spec: TS 33.501 §6.1.3.2
type authState struct {
	ctxID     string // the AUSF's authCtxId
	rand      []byte
	autn      []byte
	hxresStar []byte
	eap       bool // EAP-AKA' rather than 5G-AKA
	// resyncs counts synch failures in this registration: one
	// re-synchronisation is tried, a second failure rejects.
	resyncs int
}

// ueSubscription is what identifies the UE and what it may use.
type ueSubscription struct {
	supi    string // "imsi-..." once authenticated
	suci    string // as received, for the AUSF
	tmsi    uint32 // 5G-TMSI of the 5G-GUTI assigned, when hasGUTI
	hasGUTI bool
	// oldTMSI is the previous 5G-TMSI while a new 5G-GUTI is being
	// reallocated: both stay valid until the UE confirms the new one
	// (TS 24.501 §5.4.4.2, §5.5.1.3.4).
	oldTMSI    uint32
	hasOldTMSI bool
	allowed    []n2.SNSSAI // allowed NSSAI
	defaultDNN string      // the subscription's default DNN
	// ambrUL and ambrDL are the subscribed UE-AMBR in bit/s (0: none).
	ambrUL, ambrDL uint64
}

// ueLocation is where the UE was last seen.
type ueLocation struct {
	tai  n2.TAI
	cgi  n2.NRCGI
	seen time.Time
}

// setState moves u to st, keeping the count of registered UEs.
func (s *shard) setState(u *ue, st gmmState) {
	if (u.state == gmmRegistered) != (st == gmmRegistered) {
		if st == gmmRegistered {
			s.a.stats.registered.Add(1)
		} else {
			s.a.stats.registered.Add(-1)
		}
	}
	u.state = st
}

// gmmState is the AMF's 5GMM state of the UE. Spec: TS 24.501 §5.1.3.4
type gmmState uint8

const (
	gmmDeregistered gmmState = iota
	gmmCommonProcedureInitiated
	gmmRegistered
	gmmDeregisteredInitiated
)

func (s gmmState) String() string {
	return [...]string{"5GMM-DEREGISTERED", "5GMM-COMMON-PROCEDURE-INITIATED",
		"5GMM-REGISTERED", "5GMM-DEREGISTERED-INITIATED"}[s]
}

// procedure is the step of the 5GMM procedure under way at which the AMF
// waits for something: a message from the UE or a home network answer.
type procedure uint8

const (
	procNone                 procedure = iota
	procAuthVector                     // waiting for the AUSF's challenge
	procAuthResponse                   // AUTHENTICATION REQUEST sent (T3560)
	procAuthConfirm                    // waiting for the AUSF's confirmation
	procSecurityMode                   // SECURITY MODE COMMAND sent (T3560)
	procSubscription                   // waiting for the UDM
	procRegistrationComplete           // REGISTRATION ACCEPT sent (T3550)
	procIdentity                       // IDENTITY REQUEST sent (T3570)
	procConfigUpdate                   // CONFIGURATION UPDATE COMMAND sent (T3555)
	procDeregistration                 // DEREGISTRATION REQUEST sent to the UE (T3522)
)

func (p procedure) String() string {
	return [...]string{"none", "auth-vector", "auth-response", "auth-confirm", "security-mode",
		"subscription", "registration-complete", "identity", "configuration-update", "deregistration"}[p]
}

// logAttrs are the fields every log line about this UE carries.
func (u *ue) logAttrs() []any {
	attrs := make([]any, 0, 6)
	if u.sub.supi != "" {
		attrs = append(attrs, "supi", u.sub.supi)
	}
	if u.conn != nil {
		attrs = append(attrs, "amf_ue_ngap_id", u.conn.amfID, "ran_ue_ngap_id", u.conn.ranID)
	}
	return attrs
}
