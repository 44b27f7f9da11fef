package ue

import (
	"encoding/binary"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// The uplink 5GMM messages the UE sends, encoded from TS 24.501 §8.2.

func gmm(msgType byte, size int) []byte {
	b := make([]byte, 3, 3+size)
	b[0], b[2] = n1.EPD5GMM, msgType
	return b
}

func appendTLVE(b []byte, iei byte, v []byte) []byte {
	b = append(b, iei)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// registrationRequest builds REGISTRATION REQUEST: with full false only the
// cleartext IEs of §4.4.6 (registration type, ngKSI, mobile identity, UE
// security capability), with full true the requested NSSAI as well.
//
// Spec: TS 24.501 §8.2.6, §4.4.6
func registrationRequest(regType, ngKSI uint8, identity, caps []byte, requested []n2.SNSSAI, full bool) []byte {
	b := gmm(n1.MsgRegistrationRequest, 32+len(identity))
	b = append(b, ngKSI<<4|regType&0x0f)
	b = binary.BigEndian.AppendUint16(b, uint16(len(identity)))
	b = append(b, identity...)
	b = append(b, 0x2e, byte(len(caps)))
	b = append(b, caps...)
	if full && len(requested) > 0 {
		ns := nssai(requested)
		b = append(b, 0x2f, byte(len(ns)))
		b = append(b, ns...)
	}
	return b
}

// nssai encodes S-NSSAI values (length, SST[, SD]). Spec: TS 24.501 §9.11.2.8
func nssai(s []n2.SNSSAI) []byte {
	var b []byte
	for _, v := range s {
		if v.HasSD {
			b = append(b, 4, v.SST, byte(v.SD>>16), byte(v.SD>>8), byte(v.SD))
		} else {
			b = append(b, 1, v.SST)
		}
	}
	return b
}

// authenticationResponse builds AUTHENTICATION RESPONSE with RES* (5G-AKA)
// or an EAP message (EAP-AKA'). Spec: TS 24.501 §8.2.2
func authenticationResponse(resStar, eap []byte) []byte {
	b := gmm(n1.MsgAuthenticationResponse, 20)
	if resStar != nil {
		b = append(b, 0x2d, byte(len(resStar)))
		b = append(b, resStar...)
	}
	if eap != nil {
		b = appendTLVE(b, 0x78, eap)
	}
	return b
}

// authenticationFailure builds AUTHENTICATION FAILURE, with AUTS for #21.
// Spec: TS 24.501 §8.2.4
func authenticationFailure(cause uint8, auts []byte) []byte {
	b := append(gmm(n1.MsgAuthenticationFailure, 17), cause)
	if auts != nil {
		b = append(b, 0x30, byte(len(auts)))
		b = append(b, auts...)
	}
	return b
}

// securityModeComplete builds SECURITY MODE COMPLETE, with the complete
// initial NAS message when the AMF asked for it (RINMR).
// Spec: TS 24.501 §8.2.26
func securityModeComplete(container []byte) []byte {
	b := gmm(n1.MsgSecurityModeComplete, 3+len(container))
	if container != nil {
		b = appendTLVE(b, 0x71, container)
	}
	return b
}

// securityModeReject builds SECURITY MODE REJECT. Spec: TS 24.501 §8.2.27
func securityModeReject(cause uint8) []byte { return append(gmm(n1.MsgSecurityModeReject, 1), cause) }

// registrationComplete builds REGISTRATION COMPLETE. Spec: TS 24.501 §8.2.8
func registrationComplete() []byte { return gmm(n1.MsgRegistrationComplete, 0) }

// identityResponse builds IDENTITY RESPONSE. Spec: TS 24.501 §8.2.22
func identityResponse(identity []byte) []byte {
	b := gmm(n1.MsgIdentityResponse, 2+len(identity))
	b = binary.BigEndian.AppendUint16(b, uint16(len(identity)))
	return append(b, identity...)
}

// deregistrationRequest builds DEREGISTRATION REQUEST (UE originating) for
// 3GPP access. Spec: TS 24.501 §8.2.12, §9.11.3.20
func deregistrationRequest(ngKSI uint8, switchOff bool, identity []byte) []byte {
	b := gmm(n1.MsgDeregistrationRequestUE, 3+len(identity))
	t := byte(0x01) // 3GPP access
	if switchOff {
		t |= 0x08
	}
	b = append(b, ngKSI<<4|t)
	b = binary.BigEndian.AppendUint16(b, uint16(len(identity)))
	return append(b, identity...)
}

// serviceRequest builds SERVICE REQUEST: ngKSI (bits 1-4) and service type
// (bits 5-8) in one octet, then the 5G-S-TMSI as a 5GS mobile identity.
// Spec: TS 24.501 §8.2.16, §9.11.3.50, §9.11.3.4 (Figure 9.11.3.4.6)
func serviceRequest(ngKSI, serviceType uint8, s *n2.FiveGSTMSI) []byte {
	b := gmm(n1.MsgServiceRequest, 10)
	b = append(b, serviceType<<4|ngKSI&0x0f, 0, 7, 0xf4) // type 100: 5G-S-TMSI
	sp := s.SetID<<6 | uint16(s.Pointer&0x3f)
	b = binary.BigEndian.AppendUint16(b, sp)
	return binary.BigEndian.AppendUint32(b, s.TMSI)
}

// configurationUpdateComplete builds CONFIGURATION UPDATE COMPLETE.
// Spec: TS 24.501 §8.2.20
func configurationUpdateComplete() []byte { return gmm(n1.MsgConfigurationUpdateComplete, 0) }

// deregistrationAcceptNW builds DEREGISTRATION ACCEPT (UE terminated).
// Spec: TS 24.501 §8.2.15
func deregistrationAcceptNW() []byte { return gmm(n1.MsgDeregistrationAcceptNW, 0) }
