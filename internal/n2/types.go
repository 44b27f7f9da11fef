package n2

import (
	"errors"
	"fmt"

	"github.com/free5gc/ngap/aper"
	"github.com/free5gc/ngap/ie"
)

// PLMN is a PLMN identity: a 3-digit MCC and a 2- or 3-digit MNC, kept as decimal
// strings so that leading zeros and the MNC length (which are significant) survive.
//
// Spec: TS 23.003 §12.1
type PLMN struct {
	MCC string
	MNC string
}

func (p PLMN) String() string { return p.MCC + "-" + p.MNC }

func (p PLMN) validate() error {
	if len(p.MCC) != 3 || !allDigits(p.MCC) {
		return fmt.Errorf("n2: PLMN %q: MCC must be 3 decimal digits", p)
	}
	if (len(p.MNC) != 2 && len(p.MNC) != 3) || !allDigits(p.MNC) {
		return fmt.Errorf("n2: PLMN %q: MNC must be 2 or 3 decimal digits", p)
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NGAPBytes encodes p as the NGAP PLMN Identity. The digit order is MCC1..MCC3 then
// either a filler and MNC1 MNC2, or MNC1 MNC2 MNC3; two digits per octet, the odd one
// in bits 4..1. For a 3-digit MNC this differs from the NAS layout (see NASBytes): here
// MNC digit 1 sits in octet 2, in NAS MNC digit 3 does.
//
// Spec: TS 38.413 §9.3.3.5
func (p PLMN) NGAPBytes() ([3]byte, error) {
	if err := p.validate(); err != nil {
		return [3]byte{}, err
	}
	d := func(c byte) byte { return c - '0' }
	b := [3]byte{d(p.MCC[1])<<4 | d(p.MCC[0])}
	if len(p.MNC) == 2 {
		b[1] = 0xf0 | d(p.MCC[2])
		b[2] = d(p.MNC[1])<<4 | d(p.MNC[0])
	} else {
		b[1] = d(p.MNC[0])<<4 | d(p.MCC[2])
		b[2] = d(p.MNC[2])<<4 | d(p.MNC[1])
	}
	return b, nil
}

// PLMNFromNGAP decodes an NGAP PLMN Identity; any non-decimal digit other than the
// filler in its one allowed place is an error.
//
// Spec: TS 38.413 §9.3.3.5
func PLMNFromNGAP(b []byte) (PLMN, error) {
	if len(b) != 3 {
		return PLMN{}, fmt.Errorf("%w: PLMN identity of %d octets", ErrSemantic, len(b))
	}
	n := [6]byte{b[0] & 0xf, b[0] >> 4, b[1] & 0xf, b[1] >> 4, b[2] & 0xf, b[2] >> 4}
	if n[3] == 0xf {
		return plmnFromNibbles(b, n[0], n[1], n[2], n[4], n[5])
	}
	return plmnFromNibbles(b, n[0], n[1], n[2], n[3], n[4], n[5])
}

// NASBytes encodes p in the layout of TS 24.008 figure 10.5.13 used by NAS-5GS IEs
// (octet 2 holds MNC digit 3, or the filler for a 2-digit MNC). It is here only so
// that the two layouts live side by side; NGAP IEs use NGAPBytes.
//
// Spec: TS 24.008 §10.5.1.3, TS 24.501 §9.11.3.4
func (p PLMN) NASBytes() ([3]byte, error) {
	if err := p.validate(); err != nil {
		return [3]byte{}, err
	}
	d := func(c byte) byte { return c - '0' }
	mnc3 := byte(0xf)
	if len(p.MNC) == 3 {
		mnc3 = d(p.MNC[2])
	}
	return [3]byte{
		d(p.MCC[1])<<4 | d(p.MCC[0]),
		mnc3<<4 | d(p.MCC[2]),
		d(p.MNC[1])<<4 | d(p.MNC[0]),
	}, nil
}

// PLMNFromNAS decodes the TS 24.008 figure 10.5.13 layout.
//
// Spec: TS 24.008 §10.5.1.3
func PLMNFromNAS(b []byte) (PLMN, error) {
	if len(b) != 3 {
		return PLMN{}, fmt.Errorf("%w: PLMN identity of %d octets", ErrSemantic, len(b))
	}
	mcc1, mcc2, mcc3 := b[0]&0xf, b[0]>>4, b[1]&0xf
	mnc1, mnc2, mnc3 := b[2]&0xf, b[2]>>4, b[1]>>4
	if mnc3 == 0xf {
		return plmnFromNibbles(b, mcc1, mcc2, mcc3, mnc1, mnc2)
	}
	return plmnFromNibbles(b, mcc1, mcc2, mcc3, mnc1, mnc2, mnc3)
}

// plmnFromNibbles builds a PLMN from 3 MCC digits followed by the MNC digits.
func plmnFromNibbles(raw []byte, digits ...byte) (PLMN, error) {
	var s [6]byte
	for i, v := range digits {
		if v > 9 {
			return PLMN{}, fmt.Errorf("%w: PLMN identity %x: non-decimal digit", ErrSemantic, raw)
		}
		s[i] = '0' + v
	}
	return PLMN{MCC: string(s[:3]), MNC: string(s[3:len(digits)])}, nil
}

// TAI is a tracking area identity. TAC is 24 bits.
//
// Spec: TS 38.413 §9.3.3.11 (TAI), §9.3.3.10 (TAC: OCTET STRING (SIZE(3)))
type TAI struct {
	PLMN PLMN
	TAC  uint32
}

// NRCGI is an NR cell global identity. CellID is the 36-bit NR Cell Identity.
//
// Spec: TS 38.413 §9.3.1.7
type NRCGI struct {
	PLMN   PLMN
	CellID uint64
}

// UserLocation is User Location Information for NR access, the only alternative
// this package builds or parses.
//
// Spec: TS 38.413 §9.3.1.16 (User Location Information, choice NR)
type UserLocation struct {
	CGI NRCGI
	TAI TAI
}

// SNSSAI is a single network slice selection assistance information. SD is 24 bits
// and present only when HasSD is set (the struct stays comparable, usable as a map key).
//
// Spec: TS 38.413 §9.3.1.24, TS 23.003 §28.4.2
type SNSSAI struct {
	SST   uint8
	SD    uint32
	HasSD bool
}

// GUAMI is a globally unique AMF identifier: RegionID 8 bits, SetID 10 bits, Pointer 6 bits.
//
// Spec: TS 38.413 §9.3.3.3, TS 23.003 §2.10.1
type GUAMI struct {
	PLMN     PLMN
	RegionID uint8
	SetID    uint16
	Pointer  uint8
}

// FiveGSTMSI is the 5G-S-TMSI: AMF Set ID (10 bits), AMF Pointer (6 bits), 5G-TMSI.
//
// Spec: TS 38.413 §9.3.3.20, TS 23.003 §2.11
type FiveGSTMSI struct {
	SetID   uint16
	Pointer uint8
	TMSI    uint32
}

// UESecurityCapabilities holds the four 16-bit algorithm bitmaps; the most
// significant bit is the first bit of the BIT STRING (e.g. 0x8000 = 128-NEA1).
//
// Spec: TS 38.413 §9.3.1.86
type UESecurityCapabilities struct {
	NREncryption    uint16
	NRIntegrity     uint16
	EUTRAEncryption uint16
	EUTRAIntegrity  uint16
}

// GlobalGNBID identifies a gNB: ID is the gNB ID of IDLength (22..32) bits.
//
// Spec: TS 38.413 §9.3.1.6
type GlobalGNBID struct {
	PLMN     PLMN
	ID       uint32
	IDLength uint8
}

// PagingDRX is the default paging DRX cycle.
//
// Spec: TS 38.413 §9.3.1.90
type PagingDRX uint8

// Paging DRX values (radio frames).
const (
	PagingDRX32  PagingDRX = 0
	PagingDRX64  PagingDRX = 1
	PagingDRX128 PagingDRX = 2
	PagingDRX256 PagingDRX = 3
)

// UEIDs carries the UE NGAP ID pair of a UE-associated logical connection, each
// member optional.
//
// Spec: TS 38.413 §9.3.3.1 (AMF UE NGAP ID, 0..2^40-1), §9.3.3.2 (RAN UE NGAP ID, 0..2^32-1)
type UEIDs struct {
	AMF    uint64
	RAN    uint32
	HasAMF bool
	HasRAN bool
}

// maxAMFUENGAPID is the largest AMF UE NGAP ID (INTEGER (0..1099511627775)).
const maxAMFUENGAPID = 1<<40 - 1

// Conversions between our types and the codec's IEs. Every *FromIE function treats
// its argument as peer input: nil pointers and wrong sizes are errors, never panics.

var errMissing = fmt.Errorf("%w: missing field", ErrSemantic)

func plmnIE(p PLMN) (*ie.PLMNIdentity, error) {
	b, err := p.NGAPBytes()
	if err != nil {
		return nil, err
	}
	return &ie.PLMNIdentity{Value: aper.OctetString(b[:])}, nil
}

func plmnFromIE(x *ie.PLMNIdentity) (PLMN, error) {
	if x == nil {
		return PLMN{}, errMissing
	}
	return PLMNFromNGAP(x.Value)
}

func uint24(v uint32, what string) ([]byte, error) {
	if v >= 1<<24 {
		return nil, fmt.Errorf("n2: %s %#x exceeds 24 bits", what, v)
	}
	return []byte{byte(v >> 16), byte(v >> 8), byte(v)}, nil
}

func uint24From(b []byte, what string) (uint32, error) {
	if len(b) != 3 {
		return 0, fmt.Errorf("%w: %s of %d octets", ErrSemantic, what, len(b))
	}
	return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]), nil
}

// bits packs the low n bits of v into a BIT STRING, first bit = most significant.
func bits(v uint64, n int) aper.BitString {
	b := make([]byte, (n+7)/8)
	v <<= uint(len(b)*8 - n)
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return aper.BitString{Bytes: b, BitLength: uint64(n)}
}

func checkBits(v uint64, n int, what string) error {
	if n < 64 && v >= 1<<uint(n) {
		return fmt.Errorf("n2: %s %#x exceeds %d bits", what, v, n)
	}
	return nil
}

// bitsValue reads a BIT STRING of exactly n bits (n ≤ 64).
func bitsValue(s aper.BitString, n int, what string) (uint64, error) {
	if s.BitLength != uint64(n) || len(s.Bytes) < (n+7)/8 {
		return 0, fmt.Errorf("%w: %s of %d bits, want %d", ErrSemantic, what, s.BitLength, n)
	}
	var v uint64
	for _, c := range s.Bytes[:(n+7)/8] {
		v = v<<8 | uint64(c)
	}
	return v >> uint((n+7)/8*8-n), nil
}

func taiIE(t TAI) (*ie.TAI, error) {
	p, err := plmnIE(t.PLMN)
	if err != nil {
		return nil, err
	}
	tac, err := uint24(t.TAC, "TAC")
	if err != nil {
		return nil, err
	}
	return &ie.TAI{PLMNIdentity: p, TAC: &ie.TAC{Value: tac}}, nil
}

func taiFromIE(x *ie.TAI) (TAI, error) {
	if x == nil || x.TAC == nil {
		return TAI{}, errMissing
	}
	p, err := plmnFromIE(x.PLMNIdentity)
	if err != nil {
		return TAI{}, err
	}
	tac, err := uint24From(x.TAC.Value, "TAC")
	return TAI{PLMN: p, TAC: tac}, err
}

func userLocationIE(u UserLocation) (*ie.UserLocationInformation, error) {
	p, err := plmnIE(u.CGI.PLMN)
	if err != nil {
		return nil, err
	}
	if err := checkBits(u.CGI.CellID, 36, "NR cell identity"); err != nil {
		return nil, err
	}
	tai, err := taiIE(u.TAI)
	if err != nil {
		return nil, err
	}
	return &ie.UserLocationInformation{Choice: &ie.UserLocationInformationNR{
		NRCGI: &ie.NRCGI{PLMNIdentity: p, NRCellIdentity: &ie.NRCellIdentity{Value: bits(u.CGI.CellID, 36)}},
		TAI:   tai,
	}}, nil
}

func userLocationFromIE(x *ie.UserLocationInformation) (UserLocation, error) {
	if x == nil || x.Choice == nil {
		return UserLocation{}, errMissing
	}
	nr, ok := x.Choice.(*ie.UserLocationInformationNR)
	if !ok {
		return UserLocation{}, fmt.Errorf("%w: user location information %T", ErrUnsupported, x.Choice)
	}
	if nr == nil || nr.NRCGI == nil || nr.NRCGI.NRCellIdentity == nil {
		return UserLocation{}, errMissing
	}
	p, err := plmnFromIE(nr.NRCGI.PLMNIdentity)
	if err != nil {
		return UserLocation{}, err
	}
	cell, err := bitsValue(nr.NRCGI.NRCellIdentity.Value, 36, "NR cell identity")
	if err != nil {
		return UserLocation{}, err
	}
	tai, err := taiFromIE(nr.TAI)
	return UserLocation{CGI: NRCGI{PLMN: p, CellID: cell}, TAI: tai}, err
}

func snssaiIE(s SNSSAI) (*ie.SNSSAI, error) {
	x := &ie.SNSSAI{SST: &ie.SST{Value: aper.OctetString{s.SST}}}
	if s.HasSD {
		sd, err := uint24(s.SD, "SD")
		if err != nil {
			return nil, err
		}
		x.SD = &ie.SD{Value: sd}
	}
	return x, nil
}

func snssaiFromIE(x *ie.SNSSAI) (SNSSAI, error) {
	if x == nil || x.SST == nil {
		return SNSSAI{}, errMissing
	}
	if len(x.SST.Value) != 1 {
		return SNSSAI{}, fmt.Errorf("%w: SST of %d octets", ErrSemantic, len(x.SST.Value))
	}
	s := SNSSAI{SST: x.SST.Value[0]}
	if x.SD != nil {
		sd, err := uint24From(x.SD.Value, "SD")
		if err != nil {
			return SNSSAI{}, err
		}
		s.SD, s.HasSD = sd, true
	}
	return s, nil
}

func sliceSupportIE(slices []SNSSAI) (*ie.SliceSupportList, error) {
	if err := checkCount(len(slices), 1, maxSliceItems, "slices"); err != nil {
		return nil, err
	}
	l := &ie.SliceSupportList{List: make([]ie.SliceSupportItem, len(slices))}
	for i, s := range slices {
		x, err := snssaiIE(s)
		if err != nil {
			return nil, err
		}
		l.List[i].SNSSAI = x
	}
	return l, nil
}

func sliceSupportFromIE(x *ie.SliceSupportList) ([]SNSSAI, error) {
	if x == nil {
		return nil, errMissing
	}
	out := make([]SNSSAI, len(x.List))
	for i := range x.List {
		s, err := snssaiFromIE(x.List[i].SNSSAI)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func allowedNSSAIIE(slices []SNSSAI) (*ie.AllowedNSSAI, error) {
	if err := checkCount(len(slices), 1, maxAllowedNSSAI, "allowed S-NSSAIs"); err != nil {
		return nil, err
	}
	l := &ie.AllowedNSSAI{List: make([]ie.AllowedNSSAIItem, len(slices))}
	for i, s := range slices {
		x, err := snssaiIE(s)
		if err != nil {
			return nil, err
		}
		l.List[i].SNSSAI = x
	}
	return l, nil
}

func allowedNSSAIFromIE(x *ie.AllowedNSSAI) ([]SNSSAI, error) {
	if x == nil {
		return nil, errMissing
	}
	out := make([]SNSSAI, len(x.List))
	for i := range x.List {
		s, err := snssaiFromIE(x.List[i].SNSSAI)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func guamiIE(g GUAMI) (*ie.GUAMI, error) {
	p, err := plmnIE(g.PLMN)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(checkBits(uint64(g.SetID), 10, "AMF set ID"),
		checkBits(uint64(g.Pointer), 6, "AMF pointer")); err != nil {
		return nil, err
	}
	return &ie.GUAMI{
		PLMNIdentity: p,
		AMFRegionID:  &ie.AMFRegionID{Value: bits(uint64(g.RegionID), 8)},
		AMFSetID:     &ie.AMFSetID{Value: bits(uint64(g.SetID), 10)},
		AMFPointer:   &ie.AMFPointer{Value: bits(uint64(g.Pointer), 6)},
	}, nil
}

func guamiFromIE(x *ie.GUAMI) (GUAMI, error) {
	if x == nil || x.AMFRegionID == nil || x.AMFSetID == nil || x.AMFPointer == nil {
		return GUAMI{}, errMissing
	}
	p, err := plmnFromIE(x.PLMNIdentity)
	if err != nil {
		return GUAMI{}, err
	}
	region, err1 := bitsValue(x.AMFRegionID.Value, 8, "AMF region ID")
	set, err2 := bitsValue(x.AMFSetID.Value, 10, "AMF set ID")
	ptr, err3 := bitsValue(x.AMFPointer.Value, 6, "AMF pointer")
	if err := errors.Join(err1, err2, err3); err != nil {
		return GUAMI{}, err
	}
	return GUAMI{PLMN: p, RegionID: uint8(region), SetID: uint16(set), Pointer: uint8(ptr)}, nil
}

func stmsiIE(s FiveGSTMSI) (*ie.FiveGSTMSI, error) {
	if err := errors.Join(checkBits(uint64(s.SetID), 10, "AMF set ID"),
		checkBits(uint64(s.Pointer), 6, "AMF pointer")); err != nil {
		return nil, err
	}
	t := s.TMSI
	return &ie.FiveGSTMSI{
		AMFSetID:   &ie.AMFSetID{Value: bits(uint64(s.SetID), 10)},
		AMFPointer: &ie.AMFPointer{Value: bits(uint64(s.Pointer), 6)},
		FiveGTMSI:  &ie.FiveGTMSI{Value: aper.OctetString{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)}},
	}, nil
}

func stmsiFromIE(x *ie.FiveGSTMSI) (FiveGSTMSI, error) {
	if x == nil || x.AMFSetID == nil || x.AMFPointer == nil || x.FiveGTMSI == nil {
		return FiveGSTMSI{}, errMissing
	}
	set, err1 := bitsValue(x.AMFSetID.Value, 10, "AMF set ID")
	ptr, err2 := bitsValue(x.AMFPointer.Value, 6, "AMF pointer")
	if err := errors.Join(err1, err2); err != nil {
		return FiveGSTMSI{}, err
	}
	t := x.FiveGTMSI.Value
	if len(t) != 4 {
		return FiveGSTMSI{}, fmt.Errorf("%w: 5G-TMSI of %d octets", ErrSemantic, len(t))
	}
	return FiveGSTMSI{SetID: uint16(set), Pointer: uint8(ptr),
		TMSI: uint32(t[0])<<24 | uint32(t[1])<<16 | uint32(t[2])<<8 | uint32(t[3])}, nil
}

func secCapIE(c UESecurityCapabilities) *ie.UESecurityCapabilities {
	return &ie.UESecurityCapabilities{
		NRencryptionAlgorithms:             &ie.NRencryptionAlgorithms{Value: bits(uint64(c.NREncryption), 16)},
		NRintegrityProtectionAlgorithms:    &ie.NRintegrityProtectionAlgorithms{Value: bits(uint64(c.NRIntegrity), 16)},
		EUTRAencryptionAlgorithms:          &ie.EUTRAencryptionAlgorithms{Value: bits(uint64(c.EUTRAEncryption), 16)},
		EUTRAintegrityProtectionAlgorithms: &ie.EUTRAintegrityProtectionAlgorithms{Value: bits(uint64(c.EUTRAIntegrity), 16)},
	}
}

func secCapFromIE(x *ie.UESecurityCapabilities) (UESecurityCapabilities, error) {
	if x == nil || x.NRencryptionAlgorithms == nil || x.NRintegrityProtectionAlgorithms == nil ||
		x.EUTRAencryptionAlgorithms == nil || x.EUTRAintegrityProtectionAlgorithms == nil {
		return UESecurityCapabilities{}, errMissing
	}
	nea, err1 := bitsValue(x.NRencryptionAlgorithms.Value, 16, "NR encryption algorithms")
	nia, err2 := bitsValue(x.NRintegrityProtectionAlgorithms.Value, 16, "NR integrity algorithms")
	eea, err3 := bitsValue(x.EUTRAencryptionAlgorithms.Value, 16, "E-UTRA encryption algorithms")
	eia, err4 := bitsValue(x.EUTRAintegrityProtectionAlgorithms.Value, 16, "E-UTRA integrity algorithms")
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return UESecurityCapabilities{}, err
	}
	return UESecurityCapabilities{uint16(nea), uint16(nia), uint16(eea), uint16(eia)}, nil
}

func globalGNBIDIE(g GlobalGNBID) (*ie.GlobalRANNodeID, error) {
	p, err := plmnIE(g.PLMN)
	if err != nil {
		return nil, err
	}
	if g.IDLength < 22 || g.IDLength > 32 {
		return nil, fmt.Errorf("n2: gNB ID length %d outside 22..32", g.IDLength)
	}
	if err := checkBits(uint64(g.ID), int(g.IDLength), "gNB ID"); err != nil {
		return nil, err
	}
	return &ie.GlobalRANNodeID{Choice: &ie.GlobalGNBID{
		PLMNIdentity: p,
		GNBID:        &ie.GNBID{Choice: &ie.GNBIDForGNBID{Value: bits(uint64(g.ID), int(g.IDLength))}},
	}}, nil
}

func globalGNBIDFromIE(x *ie.GlobalRANNodeID) (GlobalGNBID, error) {
	if x == nil || x.Choice == nil {
		return GlobalGNBID{}, errMissing
	}
	g, ok := x.Choice.(*ie.GlobalGNBID)
	if !ok {
		return GlobalGNBID{}, fmt.Errorf("%w: global RAN node ID %T", ErrUnsupported, x.Choice)
	}
	if g == nil || g.GNBID == nil || g.GNBID.Choice == nil {
		return GlobalGNBID{}, errMissing
	}
	id, ok := g.GNBID.Choice.(*ie.GNBIDForGNBID)
	if !ok || id == nil {
		return GlobalGNBID{}, fmt.Errorf("%w: gNB ID %T", ErrUnsupported, g.GNBID.Choice)
	}
	p, err := plmnFromIE(g.PLMNIdentity)
	if err != nil {
		return GlobalGNBID{}, err
	}
	n := id.Value.BitLength
	if n < 22 || n > 32 {
		return GlobalGNBID{}, fmt.Errorf("%w: gNB ID of %d bits", ErrSemantic, n)
	}
	v, err := bitsValue(id.Value, int(n), "gNB ID")
	return GlobalGNBID{PLMN: p, ID: uint32(v), IDLength: uint8(n)}, err
}

func amfUEIDIE(v uint64) (*ie.AMFUENGAPID, error) {
	if v > maxAMFUENGAPID {
		return nil, fmt.Errorf("n2: AMF UE NGAP ID %d exceeds 2^40-1", v)
	}
	return &ie.AMFUENGAPID{Value: int64(v)}, nil
}

func amfUEIDFromIE(x *ie.AMFUENGAPID) (uint64, error) {
	if x == nil {
		return 0, errMissing
	}
	if x.Value < 0 || x.Value > maxAMFUENGAPID {
		return 0, fmt.Errorf("%w: AMF UE NGAP ID %d", ErrSemantic, x.Value)
	}
	return uint64(x.Value), nil
}

func ranUEIDFromIE(x *ie.RANUENGAPID) (uint32, error) {
	if x == nil {
		return 0, errMissing
	}
	if x.Value < 0 || x.Value > 1<<32-1 {
		return 0, fmt.Errorf("%w: RAN UE NGAP ID %d", ErrSemantic, x.Value)
	}
	return uint32(x.Value), nil
}

// uePairIEs converts the mandatory AMF/RAN UE NGAP ID pair of most UE-associated messages.
func uePairIEs(amf uint64, ran uint32) (*ie.AMFUENGAPID, *ie.RANUENGAPID, error) {
	a, err := amfUEIDIE(amf)
	return a, &ie.RANUENGAPID{Value: int64(ran)}, err
}

func uePairFromIEs(a *ie.AMFUENGAPID, r *ie.RANUENGAPID) (uint64, uint32, error) {
	amf, err1 := amfUEIDFromIE(a)
	ran, err2 := ranUEIDFromIE(r)
	return amf, ran, errors.Join(err1, err2)
}

func nasPDUIE(b []byte) (*ie.NASPDU, error) {
	if len(b) == 0 {
		return nil, errors.New("n2: empty NAS-PDU")
	}
	return &ie.NASPDU{Value: aper.OctetString(b)}, nil
}

func nasPDUFromIE(x *ie.NASPDU) ([]byte, error) {
	if x == nil {
		return nil, errMissing
	}
	return []byte(x.Value), nil
}

// List size limits. Spec: TS 38.413 §9.4.7 (maxnoof* constants)
const (
	maxTACs         = 256
	maxBPLMNs       = 12
	maxSliceItems   = 1024
	maxServedGUAMIs = 256
	maxPLMNs        = 12
	maxAllowedNSSAI = 8
	maxErrors       = 256
	// maxConnectionsToReset is 16383, not the spec's 65536: the codec cannot encode
	// a longer SEQUENCE OF (it would need X.691 fragmentation).
	maxConnectionsToReset = 16383
)

// checkCount enforces a SEQUENCE OF SIZE (lb..ub) before encoding: the codec writes
// a corrupt length for a list below its lower bound instead of failing.
func checkCount(n, lb, ub int, what string) error {
	if n < lb || n > ub {
		return fmt.Errorf("n2: %d %s, want %d..%d", n, what, lb, ub)
	}
	return nil
}

// printable checks the PrintableString alphabet (X.680 §41.4) for names we send.
func printable(s, what string) error {
	if len(s) < 1 || len(s) > 150 {
		return fmt.Errorf("n2: %s of %d characters, want 1..150", what, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		switch c {
		case ' ', '\'', '(', ')', '+', ',', '-', '.', '/', ':', '=', '?':
			ok = true
		}
		if !ok {
			return fmt.Errorf("n2: %s %q: %q is not a PrintableString character", what, s, c)
		}
	}
	return nil
}
