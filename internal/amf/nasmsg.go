package amf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// The downlink 5GMM messages the AMF sends, encoded here directly from the
// message tables of TS 24.501 §8.2; the UE side decodes them with the
// free5gc/nas library (n1.Decode), an independent reading of the same tables.

// gmm starts a plain 5GMM message: EPD, security header type 0, type.
// Spec: TS 24.501 §9.1.1
func gmm(msgType byte, size int) []byte {
	b := make([]byte, 3, 3+size)
	b[0], b[2] = n1.EPD5GMM, msgType
	return b
}

// authenticationRequest builds AUTHENTICATION REQUEST for 5G-AKA (RAND and
// AUTN) or EAP-AKA' (an EAP message).
// Spec: TS 24.501 §8.2.1
func authenticationRequest(ngKSI uint8, abba, rand, autn, eap []byte) []byte {
	b := gmm(n1.MsgAuthenticationRequest, 48)
	b = append(b, ngKSI&0x0f) // spare half octet | ngKSI
	b = append(b, byte(len(abba)))
	b = append(b, abba...)
	if rand != nil {
		b = append(b, 0x21)
		b = append(b, rand...)
	}
	if autn != nil {
		b = append(b, 0x20, byte(len(autn)))
		b = append(b, autn...)
	}
	if eap != nil {
		b = appendTLVE(b, 0x78, eap)
	}
	return b
}

// authenticationReject builds AUTHENTICATION REJECT. Spec: TS 24.501 §8.2.5
func authenticationReject(eap []byte) []byte {
	b := gmm(n1.MsgAuthenticationReject, 4)
	if eap != nil {
		b = appendTLVE(b, 0x78, eap)
	}
	return b
}

// securityModeCommand builds SECURITY MODE COMMAND. rinmr asks the UE to
// send its initial NAS message again in full (§4.4.6).
// Spec: TS 24.501 §8.2.25
func securityModeCommand(ea n1.CipherAlg, ia n1.IntegrityAlg, ngKSI uint8, caps []byte, rinmr bool, eap []byte) []byte {
	b := gmm(n1.MsgSecurityModeCommand, 16)
	b = append(b, byte(ea)<<4|byte(ia)&0x0f, ngKSI&0x0f, byte(len(caps)))
	b = append(b, caps...)
	if rinmr {
		b = append(b, 0x36, 1, 0x02) // Additional 5G security information: RINMR
	}
	if eap != nil {
		b = appendTLVE(b, 0x78, eap)
	}
	return b
}

// registrationReject builds REGISTRATION REJECT. Spec: TS 24.501 §8.2.9
func registrationReject(cause uint8) []byte {
	return append(gmm(n1.MsgRegistrationReject, 1), cause)
}

// registrationRejectT3346 builds REGISTRATION REJECT with the T3346 value
// IE (IEI 0x5F, GPRS timer 2, TLV), for #22 "congestion".
// Spec: TS 24.501 §8.2.9, §8.2.9.2; TS 24.008 §10.5.7.4
func registrationRejectT3346(cause, t3346 byte) []byte {
	return append(gmm(n1.MsgRegistrationReject, 4), cause, ieiT3346, 1, t3346)
}

// ieiT3346 is the IEI of the T3346 value IE in REGISTRATION REJECT and
// SERVICE REJECT. Spec: TS 24.501 Table 8.2.9.1.1, Table 8.2.18.1.1
const ieiT3346 = 0x5f

// registrationAccept holds the contents of REGISTRATION ACCEPT.
type registrationAccept struct {
	plmn    n2.PLMN
	guti    guti
	tacs    []uint32
	allowed []n2.SNSSAI
	t3512   time.Duration // negative: deactivated
}

// marshal builds REGISTRATION ACCEPT with the 5GS registration result
// (3GPP access), 5G-GUTI, TAI list, allowed NSSAI and T3512.
// Spec: TS 24.501 §8.2.7
func (r registrationAccept) marshal() ([]byte, error) {
	b := gmm(n1.MsgRegistrationAccept, 64)
	b = append(b, 1, 0x01) // 5GS registration result: 3GPP access (§9.11.3.6)
	g, err := r.guti.marshal()
	if err != nil {
		return nil, err
	}
	b = appendTLVE(b, 0x77, g)
	tai, err := taiList(r.plmn, r.tacs)
	if err != nil {
		return nil, err
	}
	b = append(b, 0x54, byte(len(tai)))
	b = append(b, tai...)
	if len(r.allowed) > 0 {
		ns := nssai(r.allowed)
		b = append(b, 0x15, byte(len(ns)))
		b = append(b, ns...)
	}
	b = append(b, 0x5e, 1, gprsTimer3(r.t3512))
	return b, nil
}

// deregistrationAccept builds DEREGISTRATION ACCEPT (UE originating).
// Spec: TS 24.501 §8.2.13
func deregistrationAccept() []byte { return gmm(n1.MsgDeregistrationAcceptUE, 0) }

// identityRequest builds IDENTITY REQUEST for an identity type (1 = SUCI).
// Spec: TS 24.501 §8.2.21
func identityRequest(typ uint8) []byte { return append(gmm(n1.MsgIdentityRequest, 1), typ&0x07) }

// status builds 5GMM STATUS. Spec: TS 24.501 §8.2.29
func status(cause uint8) []byte { return append(gmm(n1.MsgStatus, 1), cause) }

// serviceReject builds SERVICE REJECT. Spec: TS 24.501 §8.2.18
func serviceReject(cause uint8) []byte { return append(gmm(n1.MsgServiceReject, 1), cause) }

// serviceRejectT3346 builds SERVICE REJECT with the T3346 value IE (after
// the absent PDU session status IE), for #22 "congestion".
// Spec: TS 24.501 §8.2.18, §8.2.18.3
func serviceRejectT3346(cause, t3346 byte) []byte {
	return append(gmm(n1.MsgServiceReject, 4), cause, ieiT3346, 1, t3346)
}

// serviceAccept builds SERVICE ACCEPT, without optional IEs: this AMF has
// no PDU sessions to report yet. Spec: TS 24.501 §8.2.17
func serviceAccept() []byte { return gmm(n1.MsgServiceAccept, 0) }

// configurationUpdateCommand builds CONFIGURATION UPDATE COMMAND with a new
// 5G-GUTI, asking for an acknowledgement (Configuration update indication,
// IEI D, bit 1 "acknowledgement requested"), as §5.4.4.2 requires when a
// 5G-GUTI is included.
// Spec: TS 24.501 §8.2.19, §9.11.3.18
func configurationUpdateCommand(g guti) ([]byte, error) {
	id, err := g.marshal()
	if err != nil {
		return nil, err
	}
	b := gmm(n1.MsgConfigurationUpdateCommand, 4+len(id))
	b = append(b, 0xd0|0x01)
	return appendTLVE(b, 0x77, id), nil
}

// deregistrationRequestNW builds DEREGISTRATION REQUEST (UE terminated) for
// 3GPP access, with "re-registration required" (bit 3 of the
// de-registration type) and a 5GMM cause (TV, IEI 0x58) when cause is not 0.
// Spec: TS 24.501 §8.2.14, §9.11.3.20
func deregistrationRequestNW(reregister bool, cause uint8) []byte {
	b := gmm(n1.MsgDeregistrationRequestNW, 3)
	t := byte(0x01) // spare half octet | 3GPP access
	if reregister {
		t |= 0x04
	}
	b = append(b, t)
	if cause != 0 {
		b = append(b, 0x58, cause)
	}
	return b
}

func appendTLVE(b []byte, iei byte, v []byte) []byte {
	b = append(b, iei)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// guti is a 5G-GUTI: GUAMI and 5G-TMSI. Spec: TS 23.003 §2.10.1
type guti struct {
	plmn    n2.PLMN
	region  uint8
	set     uint16
	pointer uint8
	tmsi    uint32
}

// marshal encodes the 5GS mobile identity contents of a 5G-GUTI.
// Spec: TS 24.501 §9.11.3.4 (Figure 9.11.3.4.1)
func (g guti) marshal() ([]byte, error) {
	p, err := g.plmn.NASBytes()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 11)
	b[0] = 0xf0 | 0x02 // spare 1111, odd/even 0, type 010 (5G-GUTI)
	copy(b[1:4], p[:])
	b[4] = g.region
	binary.BigEndian.PutUint16(b[5:7], g.set<<6|uint16(g.pointer&0x3f))
	binary.BigEndian.PutUint32(b[7:11], g.tmsi)
	return b, nil
}

// parseGUTI decodes the 5GS mobile identity contents of a 5G-GUTI.
func parseGUTI(b []byte) (guti, error) {
	if len(b) != 11 || b[0]&0x07 != 0x02 {
		return guti{}, errors.New("not a 5G-GUTI of 11 octets")
	}
	p, err := n2.PLMNFromNAS(b[1:4])
	if err != nil {
		return guti{}, err
	}
	sp := binary.BigEndian.Uint16(b[5:7])
	return guti{plmn: p, region: b[4], set: sp >> 6, pointer: uint8(sp & 0x3f),
		tmsi: binary.BigEndian.Uint32(b[7:11])}, nil
}

// taiList encodes one partial tracking area identity list of type 00: TACs
// of one PLMN. Spec: TS 24.501 §9.11.3.9
func taiList(p n2.PLMN, tacs []uint32) ([]byte, error) {
	if len(tacs) < 1 || len(tacs) > 16 {
		return nil, fmt.Errorf("TAI list of %d TACs", len(tacs))
	}
	pb, err := p.NASBytes()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 4+3*len(tacs))
	b = append(b, byte(len(tacs)-1)) // type of list 00, number of elements - 1
	b = append(b, pb[:]...)
	for _, t := range tacs {
		b = append(b, byte(t>>16), byte(t>>8), byte(t))
	}
	return b, nil
}

// nssai encodes S-NSSAI values as in NSSAI IEs: each is a length, SST and,
// when present, SD. Spec: TS 24.501 §9.11.2.8, §9.11.3.37
func nssai(s []n2.SNSSAI) []byte {
	b := make([]byte, 0, 5*len(s))
	for _, v := range s {
		if v.HasSD {
			b = append(b, 4, v.SST, byte(v.SD>>16), byte(v.SD>>8), byte(v.SD))
		} else {
			b = append(b, 1, v.SST)
		}
	}
	return b
}

// parseNSSAI decodes the S-NSSAI values of an NSSAI IE. Mapped HPLMN values
// are accepted and ignored (the AMF serves its home PLMN only).
// Spec: TS 24.501 §9.11.2.8
func parseNSSAI(b []byte) ([]n2.SNSSAI, error) {
	var out []n2.SNSSAI
	for len(b) > 0 {
		n := int(b[0])
		if n < 1 || n > 8 || len(b) < 1+n {
			return nil, fmt.Errorf("S-NSSAI of length %d in %d octets", n, len(b)-1)
		}
		v := b[1 : 1+n]
		s := n2.SNSSAI{SST: v[0]}
		switch n {
		case 1, 2: // SST, or SST and mapped HPLMN SST
		case 4, 5, 8:
			s.SD, s.HasSD = uint32(v[1])<<16|uint32(v[2])<<8|uint32(v[3]), true
		default:
			return nil, fmt.Errorf("S-NSSAI of length %d", n)
		}
		if s.HasSD && s.SD == 0xffffff {
			s.SD, s.HasSD = 0, false // "no SD value associated" (TS 23.003 §28.4.2)
		}
		out = append(out, s)
		b = b[1+n:]
	}
	return out, nil
}

// gprsTimer3 encodes a duration as GPRS timer 3 with the finest unit that
// holds it (rounding up), or "deactivated" for a negative duration.
// Spec: TS 24.008 §10.5.7.4a
func gprsTimer3(d time.Duration) byte {
	if d < 0 {
		return 0xe0 // unit 111: deactivated
	}
	units := []struct {
		code byte
		step time.Duration
	}{
		{0x03, 2 * time.Second}, {0x04, 30 * time.Second}, {0x05, time.Minute},
		{0x00, 10 * time.Minute}, {0x01, time.Hour}, {0x02, 10 * time.Hour}, {0x06, 320 * time.Hour},
	}
	for _, u := range units {
		v := (d + u.step - 1) / u.step
		if v <= 31 {
			return u.code<<5 | byte(v)
		}
	}
	return 0x06<<5 | 31
}

// ueSecurityCapability is the UE security capability IE: 5G-EA and 5G-IA
// octets, and the EPS EEA/EIA octets when present.
// Spec: TS 24.501 §9.11.3.54
type ueSecurityCapability struct {
	raw []byte // the IE value as received, replayed in SECURITY MODE COMMAND
}

func parseUESecurityCapability(b []byte) (ueSecurityCapability, error) {
	if len(b) < 2 || len(b) > 8 {
		return ueSecurityCapability{}, fmt.Errorf("UE security capability of %d octets", len(b))
	}
	return ueSecurityCapability{raw: append([]byte(nil), b...)}, nil
}

func (c ueSecurityCapability) supportsEA(a n1.CipherAlg) bool {
	return len(c.raw) >= 1 && a <= 7 && c.raw[0]&(0x80>>a) != 0
}

func (c ueSecurityCapability) supportsIA(a n1.IntegrityAlg) bool {
	return len(c.raw) >= 2 && a <= 7 && c.raw[1]&(0x80>>a) != 0
}

// ngap maps the capability onto the NGAP UE Security Capabilities, whose
// bitmaps start at algorithm 1 (the null algorithm is implicit).
// Spec: TS 38.413 §9.3.1.86
func (c ueSecurityCapability) ngap() n2.UESecurityCapabilities {
	bitmap := func(i int) uint16 {
		if len(c.raw) <= i {
			return 0
		}
		return uint16(c.raw[i]&0x70) << 9
	}
	return n2.UESecurityCapabilities{NREncryption: bitmap(0), NRIntegrity: bitmap(1),
		EUTRAEncryption: bitmap(2), EUTRAIntegrity: bitmap(3)}
}
