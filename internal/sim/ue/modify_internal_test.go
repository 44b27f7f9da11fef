package ue

import (
	"reflect"
	"testing"
)

// TestApplyQoS applies QoS rule and QoS flow description operations as a
// network sends them: create, modify (replace all packet filters) and
// delete; truncated or unknown operations are errors, not panics.
//
// Spec: TS 24.501 §9.11.4.12, §9.11.4.13
func TestApplyQoS(t *testing.T) {
	def := []byte{1, 0, 6, 0x31, 0x31, 1, 0x01, 255, 1}
	voice := []byte{2, 0, 12, 0x21, 0x31, 7, 0x30, 17, 0x41, 0x13, 0x88, 0x13, 0x92, 10, 2}
	l, err := applyQoSRules(nil, append(append([]byte{}, def...), voice...))
	if err != nil {
		t.Fatal(err)
	}
	want := []QoSRule{{ID: 1, QFI: 1, Precedence: 255, Default: true, Filters: []PacketFilter{{Direction: 3, ID: 1, Contents: []byte{1}}}},
		{ID: 2, QFI: 2, Precedence: 10, Filters: []PacketFilter{{Direction: 3, ID: 1, Contents: []byte{0x30, 17, 0x41, 0x13, 0x88, 0x13, 0x92}}}}}
	if !reflect.DeepEqual(l, want) {
		t.Fatalf("rules %+v, want %+v", l, want)
	}
	// Modify rule 2 (one DL filter, precedence 9), then delete it.
	l, err = applyQoSRules(l, []byte{2, 0, 6, 0x61, 0x11, 1, 0x01, 9, 2})
	if err != nil || l[1].Precedence != 9 || l[1].Filters[0].Direction != 1 {
		t.Fatalf("after modify %+v, %v", l, err)
	}
	if l, err = applyQoSRules(l, []byte{2, 0, 1, 0x40}); err != nil || len(l) != 1 {
		t.Fatalf("after delete %+v, %v", l, err)
	}
	for _, bad := range [][]byte{{1}, {1, 0, 9, 0x21}, {3, 0, 3, 0x61, 0x31, 9}, {3, 0, 2, 0xe0, 1}, {4, 0, 3, 0x21, 0x31, 200}} {
		if _, err := applyQoSRules(l, bad); err == nil {
			t.Errorf("rules %x accepted", bad)
		}
	}

	f, err := applyFlowDescriptions(nil, []byte{1, 0x20, 0x41, 1, 1, 9,
		2, 0x20, 0x45, 1, 1, 1, 2, 3, 1, 0x03, 0xe8, 3, 3, 1, 0x07, 0xd0, 4, 3, 1, 0x07, 0xd0, 5, 3, 1, 0x0f, 0xa0})
	if err != nil {
		t.Fatal(err)
	}
	if len(f) != 2 || f[1] != (QoSFlow{QFI: 2, FiveQI: 1, GFBRUplink: 1e6, GFBRDownlink: 2e6, MFBRUplink: 2e6, MFBRDownlink: 4e6}) {
		t.Fatalf("flows %+v", f)
	}
	if f, err = applyFlowDescriptions(f, []byte{2, 0x60, 0x41, 2, 3, 1, 0x05, 0xdc, 1, 0x40, 0}); err != nil ||
		len(f) != 1 || f[0].QFI != 2 || f[0].GFBRUplink != 1.5e6 {
		t.Fatalf("after modify and delete %+v, %v", f, err)
	}
	for _, bad := range [][]byte{{1}, {1, 0x20, 0x41, 1}, {1, 0x20, 0x41, 1, 9, 1}, {7, 0xe0, 0}} {
		if _, err := applyFlowDescriptions(f, bad); err == nil {
			t.Errorf("flow descriptions %x accepted", bad)
		}
	}
}

// FuzzApplyQoS: any octets are applied or refused, never a panic.
func FuzzApplyQoS(f *testing.F) {
	f.Add([]byte{2, 0, 12, 0x21, 0x31, 7, 0x30, 17, 0x41, 0x13, 0x88, 0x13, 0x92, 10, 2})
	f.Add([]byte{2, 0x20, 0x45, 1, 1, 1, 2, 3, 1, 0x03, 0xe8})
	f.Fuzz(func(t *testing.T, b []byte) {
		applyQoSRules(nil, b)
		applyFlowDescriptions(nil, b)
	})
}
