package n2

import (
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
)

// The PDU session lists of Initial Context Setup: the AMF re-activates
// the user plane of a UE coming back from CM-IDLE (Service Request) in the
// same message that sets up its AS context.
//
// Spec: TS 38.413 §9.2.2.1 (PDU Session Resource Setup Request List),
// §9.2.2.2 (Setup Response List, Failed to Setup List); TS 23.502
// §4.2.3.2 step 12

// maxPDUSessions is maxnoofPDUSessions. Spec: TS 38.413 §9.4.7
const maxPDUSessions = 256

func setupListCxtReq(l []SessionItem) (*ie.PDUSessionResourceSetupListCxtReq, error) {
	if len(l) == 0 {
		return nil, nil
	}
	if err := checkCount(len(l), 1, maxPDUSessions, "PDU sessions"); err != nil {
		return nil, err
	}
	x := &ie.PDUSessionResourceSetupListCxtReq{}
	for _, s := range l {
		if s.ID > 15 {
			return nil, fmt.Errorf("%w: PDU session ID %d", ErrSemantic, s.ID)
		}
		sn, err := snssaiIE(s.SNSSAI)
		if err != nil {
			return nil, err
		}
		tr := aper.OctetString(s.Transfer)
		it := ie.PDUSessionResourceSetupItemCxtReq{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)}, SNSSAI: sn,
			PDUSessionResourceSetupRequestTransfer: &tr}
		if s.NASPDU != nil {
			if it.NASPDU, err = nasPDUIE(s.NASPDU); err != nil {
				return nil, err
			}
		}
		x.List = append(x.List, it)
	}
	return x, nil
}

func setupListCxtReqFrom(x *ie.PDUSessionResourceSetupListCxtReq) ([]SessionItem, error) {
	if x == nil {
		return nil, nil
	}
	var out []SessionItem
	for _, it := range x.List {
		if it.PDUSessionID == nil || it.PDUSessionResourceSetupRequestTransfer == nil {
			return nil, fmt.Errorf("PDU session resource setup item: %w", errMissing)
		}
		id, err := psiFromIE(it.PDUSessionID)
		if err != nil {
			return nil, err
		}
		s := SessionItem{ID: id, Transfer: []byte(*it.PDUSessionResourceSetupRequestTransfer)}
		if s.SNSSAI, err = snssaiFromIE(it.SNSSAI); err != nil {
			return nil, fmt.Errorf("PDU session resource setup item: S-NSSAI: %w", err)
		}
		if it.NASPDU != nil {
			s.NASPDU = []byte(it.NASPDU.Value)
		}
		out = append(out, s)
	}
	return out, nil
}

func setupListsCxtRes(setup, failed []SessionItem) (*ie.PDUSessionResourceSetupListCxtRes, *ie.PDUSessionResourceFailedToSetupListCxtRes, error) {
	if len(setup) > maxPDUSessions || len(failed) > maxPDUSessions {
		return nil, nil, fmt.Errorf("%w: %d+%d PDU sessions", ErrSemantic, len(setup), len(failed))
	}
	var ok *ie.PDUSessionResourceSetupListCxtRes
	var bad *ie.PDUSessionResourceFailedToSetupListCxtRes
	if len(setup) > 0 {
		ok = &ie.PDUSessionResourceSetupListCxtRes{}
		for _, s := range setup {
			tr := aper.OctetString(s.Transfer)
			ok.List = append(ok.List, ie.PDUSessionResourceSetupItemCxtRes{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)},
				PDUSessionResourceSetupResponseTransfer: &tr})
		}
	}
	if len(failed) > 0 {
		bad = &ie.PDUSessionResourceFailedToSetupListCxtRes{}
		for _, s := range failed {
			tr := aper.OctetString(s.Transfer)
			bad.List = append(bad.List, ie.PDUSessionResourceFailedToSetupItemCxtRes{PDUSessionID: &ie.PDUSessionID{Value: int64(s.ID)},
				PDUSessionResourceSetupUnsuccessfulTransfer: &tr})
		}
	}
	return ok, bad, nil
}

func setupListsCxtResFrom(ok *ie.PDUSessionResourceSetupListCxtRes, bad *ie.PDUSessionResourceFailedToSetupListCxtRes) (setup, failed []SessionItem, err error) {
	if ok != nil {
		for _, it := range ok.List {
			if it.PDUSessionID == nil || it.PDUSessionResourceSetupResponseTransfer == nil {
				return nil, nil, fmt.Errorf("PDU session resource setup item: %w", errMissing)
			}
			id, err := psiFromIE(it.PDUSessionID)
			if err != nil {
				return nil, nil, err
			}
			setup = append(setup, SessionItem{ID: id, Transfer: []byte(*it.PDUSessionResourceSetupResponseTransfer)})
		}
	}
	if bad != nil {
		for _, it := range bad.List {
			if it.PDUSessionID == nil || it.PDUSessionResourceSetupUnsuccessfulTransfer == nil {
				return nil, nil, fmt.Errorf("PDU session resource failed to setup item: %w", errMissing)
			}
			id, err := psiFromIE(it.PDUSessionID)
			if err != nil {
				return nil, nil, err
			}
			failed = append(failed, SessionItem{ID: id, Transfer: []byte(*it.PDUSessionResourceSetupUnsuccessfulTransfer)})
		}
	}
	return setup, failed, nil
}

// psiFromIE checks a PDU Session ID (INTEGER (0..255)); the codec does not
// check ranges. Spec: TS 38.413 §9.3.1.50
func psiFromIE(x *ie.PDUSessionID) (uint8, error) {
	if x.Value < 0 || x.Value > 255 {
		return 0, fmt.Errorf("%w: PDU session ID %d", ErrSemantic, x.Value)
	}
	return uint8(x.Value), nil
}

// maxUEAMBR is the BitRate upper bound. Spec: TS 38.413 §9.3.1.4
const maxUEAMBR = 4000000000000

// ueAMBRIE is UE Aggregate Maximum Bit Rate. Spec: TS 38.413 §9.3.1.58
func ueAMBRIE(ul, dl uint64) (*ie.UEAggregateMaximumBitRate, error) {
	if ul > maxUEAMBR || dl > maxUEAMBR {
		return nil, fmt.Errorf("%w: UE-AMBR %d/%d bit/s", ErrSemantic, ul, dl)
	}
	return &ie.UEAggregateMaximumBitRate{UEAggregateMaximumBitRateDL: &ie.BitRate{Value: int64(dl)},
		UEAggregateMaximumBitRateUL: &ie.BitRate{Value: int64(ul)}}, nil
}

func ueAMBRFromIE(x *ie.UEAggregateMaximumBitRate) (ul, dl uint64, err error) {
	if x == nil || x.UEAggregateMaximumBitRateDL == nil || x.UEAggregateMaximumBitRateUL == nil {
		return 0, 0, errMissing
	}
	u, d := x.UEAggregateMaximumBitRateUL.Value, x.UEAggregateMaximumBitRateDL.Value
	if u < 0 || d < 0 || u > maxUEAMBR || d > maxUEAMBR {
		return 0, 0, fmt.Errorf("%w: UE-AMBR %d/%d bit/s", ErrSemantic, u, d)
	}
	return uint64(u), uint64(d), nil
}
