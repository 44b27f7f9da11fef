package n2

import (
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
	"github.com/free5gc/ngap/message"
)

// Paging asks the gNBs of a UE's registration area to page it: the UE is
// named by its 5G-S-TMSI and paged in the cells of the listed TAIs.
//
// Spec: TS 38.413 §9.2.4.1, §8.5.1
type Paging struct {
	STMSI FiveGSTMSI // UE Paging Identity (choice 5G-S-TMSI)
	TAIs  []TAI      // TAI List for Paging, 1..16
	// DRX is the UE's Paging DRX when HasDRX (absent: the cell default).
	DRX    PagingDRX
	HasDRX bool
}

// maxTAIsForPaging is maxnoofTAIforPaging. Spec: TS 38.413 §9.4.7
const maxTAIsForPaging = 16

// Marshal encodes the message.
func (m Paging) Marshal() ([]byte, error) {
	if err := checkCount(len(m.TAIs), 1, maxTAIsForPaging, "TAIs for paging"); err != nil {
		return nil, err
	}
	id, err := stmsiIE(m.STMSI)
	if err != nil {
		return nil, err
	}
	l := &ie.TAIListForPaging{}
	for _, t := range m.TAIs {
		x, err := taiIE(t)
		if err != nil {
			return nil, err
		}
		l.List = append(l.List, ie.TAIListForPagingItem{TAI: x})
	}
	x := &message.Paging{UEPagingIdentity: &ie.UEPagingIdentity{Choice: id}, TAIListForPaging: l}
	if m.HasDRX {
		if m.DRX > PagingDRX256 {
			return nil, fmt.Errorf("%w: paging DRX %d", ErrSemantic, m.DRX)
		}
		x.PagingDRX = &ie.PagingDRX{Value: aper.Enumerated(m.DRX)}
	}
	return marshal(x)
}

// ParsePaging extracts a Paging message from a decoded PDU.
func ParsePaging(p PDU) (*Paging, error) {
	x, ok := p.Msg.(*message.Paging)
	if !ok {
		return nil, wrongMessage(p, "Paging")
	}
	if x.UEPagingIdentity == nil || x.UEPagingIdentity.Choice == nil {
		return nil, fmt.Errorf("paging: UE paging identity: %w", errMissing)
	}
	var id FiveGSTMSI
	var err error
	switch c := x.UEPagingIdentity.Choice.(type) {
	case *ie.FiveGSTMSI:
		id, err = stmsiFromIE(c)
	default:
		err = fmt.Errorf("%w: UE paging identity %T", ErrUnsupported, c)
	}
	if err != nil {
		return nil, fmt.Errorf("paging: UE paging identity: %w", err)
	}
	m := &Paging{STMSI: id}
	if x.TAIListForPaging == nil || len(x.TAIListForPaging.List) == 0 {
		return nil, fmt.Errorf("paging: TAI list: %w", errMissing)
	}
	for _, it := range x.TAIListForPaging.List {
		t, err := taiFromIE(it.TAI)
		if err != nil {
			return nil, fmt.Errorf("paging: TAI: %w", err)
		}
		m.TAIs = append(m.TAIs, t)
	}
	if x.PagingDRX != nil {
		if x.PagingDRX.Value > aper.Enumerated(PagingDRX256) {
			return nil, fmt.Errorf("%w: paging: DRX %d", ErrUnsupported, x.PagingDRX.Value)
		}
		m.DRX, m.HasDRX = PagingDRX(x.PagingDRX.Value), true
	}
	return m, nil
}
