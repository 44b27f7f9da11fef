package amf

import (
	"bytes"
	"testing"

	"github.com/free5gc/openapi/models"
)

// TestServiceAcceptIEs: SERVICE ACCEPT with PDU session status and PDU
// session reactivation result, PSI bitmaps in both directions, and the
// subscribed UE-AMBR as the UDM writes it.
// Spec: TS 24.501 §8.2.17, §9.11.3.44, §9.11.3.42; TS 29.571 §5.5.2
func TestServiceAcceptIEs(t *testing.T) {
	for _, c := range []struct {
		status, result bool
		want           []byte
	}{
		{false, false, []byte{0x7e, 0x00, 0x4e}},
		{true, false, []byte{0x7e, 0x00, 0x4e, 0x50, 2, 0x22, 0x80}},
		{true, true, []byte{0x7e, 0x00, 0x4e, 0x50, 2, 0x22, 0x80, 0x26, 2, 0x20, 0x00}},
	} {
		// PSIs 1, 5 and 15 active; PSI 5 not re-established.
		if got := serviceAcceptIEs(c.status, 1<<1|1<<5|1<<15, c.result, 1<<5); !bytes.Equal(got, c.want) {
			t.Errorf("status %t result %t: % x, want % x", c.status, c.result, got, c.want)
		}
	}
	if got := psiBits([]byte{0x23, 0x80}); got != 1<<1|1<<5|1<<15 {
		t.Errorf("psiBits: %#x (PSI 0 is spare)", got)
	}
	if got := psiBits(nil); got != 0 {
		t.Errorf("psiBits(nil) = %#x", got)
	}
	for in, want := range map[string]uint64{"1 Gbps": 1e9, "2.5 Mbps": 2.5e6, "100 Kbps": 1e5, "7 bps": 7,
		"1Gbps": 0, "x Gbps": 0, "-1 Mbps": 0, "1 Pbps": 0, "5 Tbps": 0, "": 0} {
		if got := bitRate(in); got != want {
			t.Errorf("bitRate(%q) = %d, want %d", in, got, want)
		}
	}
	if ul, dl := ueAMBR(&models.AmbrRm{Uplink: "1 Gbps", Downlink: "2 Gbps"}); ul != 1e9 || dl != 2e9 {
		t.Errorf("ueAMBR: %d/%d", ul, dl)
	}
	if orMax(0) != maxUEAMBR || orMax(5) != 5 {
		t.Error("orMax")
	}
}
