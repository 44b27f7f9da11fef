package ue

import (
	"encoding/binary"
	"errors"

	"github.com/free5gc/nas/nasMessage"

	"go5g/internal/n1"
)

// ErrDeregisteredByNetwork ends a procedure cut short by the network's
// DEREGISTRATION REQUEST.
var ErrDeregisteredByNetwork = errors.New("ue: deregistered by the network")

// onConfigurationUpdateCommand takes a new 5G-GUTI into use and confirms
// it when the network asks (§5.4.4.3: acknowledgement requested).
//
// Spec: TS 24.501 §5.4.4.3
func (u *UE) onConfigurationUpdateCommand(m *nasMessage.ConfigurationUpdateCommand) error {
	if m == nil {
		return nil
	}
	if g := m.GUTI5G; g != nil && g.Len == 11 {
		u.guti = append([]byte(nil), g.Octet[:]...)
		u.tmsi = binary.BigEndian.Uint32(g.Octet[7:11])
		u.res.GUTI, u.res.TMSI = u.guti, u.tmsi
	}
	if i := m.ConfigurationUpdateIndication; i != nil && i.GetACK() == 1 {
		return u.sendProtected(configurationUpdateComplete(), n1.HeaderIntegrityCiphered)
	}
	return nil
}

// onNetworkDeregistration accepts the network's deregistration: the UE
// answers DEREGISTRATION ACCEPT and is deregistered; the network then
// releases the connection. With "re-registration required" the UE should
// register again: the caller decides when (Register).
//
// Spec: TS 24.501 §5.5.2.3.2
func (u *UE) onNetworkDeregistration(m *nasMessage.DeregistrationRequestUETerminatedDeregistration) error {
	if m == nil {
		return nil
	}
	u.res.ReregistrationRequired = m.GetReRegistrationRequired() == 1
	u.registered, u.res.Registered = false, false
	if err := u.sendProtected(deregistrationAcceptNW(), n1.HeaderIntegrityCiphered); err != nil {
		return err
	}
	if p := u.pending; p != nil && p.kind != procDeregister {
		return ErrDeregisteredByNetwork
	}
	return nil
}
