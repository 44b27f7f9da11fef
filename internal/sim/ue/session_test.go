package ue

import (
	"bytes"
	"net/netip"
	"testing"

	"go5g/internal/n1"
	"go5g/internal/n2"
)

// TestULNASTransportGolden checks the UE's hand-encoded UL NAS TRANSPORT
// with PDU SESSION ESTABLISHMENT REQUEST byte by byte, and against the
// library decoder the network uses. Spec: TS 24.501 §8.2.10, §8.3.1
func TestULNASTransportGolden(t *testing.T) {
	sm := establishmentRequest(1, 7, n1.PDUSessionTypeIPv4v6)
	want := []byte{
		0x2e, 0x01, 0x07, 0xc1, // EPD 5GSM, PSI 1, PTI 7, establishment request
		0xff, 0xff, // integrity protection maximum data rate: full, full
		0x93,                                     // PDU session type IPv4v6
		0xa1,                                     // SSC mode 1
		0x7b, 0x00, 0x07, 0x80, 0x00, 0x0d, 0x00, // ePCO: DNS IPv4 request
		0x00, 0x03, 0x00, // DNS IPv6 request
	}
	if !bytes.Equal(sm, want) {
		t.Fatalf("establishment request % x\nwant % x", sm, want)
	}
	b := ulNASTransport(sm, 1, n1.RequestInitial, &n2.SNSSAI{SST: 1, SD: 0x010203, HasSD: true}, "ims.example")
	wantUL := append([]byte{0x7e, 0x00, 0x67, 0x01, 0x00, byte(len(sm))}, sm...)
	wantUL = append(wantUL, 0x12, 0x01, 0x81, 0x22, 0x04, 0x01, 0x01, 0x02, 0x03,
		0x25, 0x0c, 0x03, 'i', 'm', 's', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e')
	if !bytes.Equal(b, wantUL) {
		t.Fatalf("UL NAS transport % x\nwant % x", b, wantUL)
	}
	m, err := n1.Decode(b)
	if err != nil || m.ULNASTransport == nil {
		t.Fatalf("library decode: %v", err)
	}
	x := m.ULNASTransport
	if x.PduSessionID2Value.GetPduSessionID2Value() != 1 || x.RequestType.GetRequestTypeValue() != n1.RequestInitial ||
		x.SNSSAI.GetSST() != 1 || x.SNSSAI.GetSD() != [3]byte{1, 2, 3} || x.DNN.GetDNN() != "ims.example" ||
		!bytes.Equal(x.PayloadContainer.GetPayloadContainerContents(), sm) {
		t.Errorf("library read %+v", x)
	}
	r, err := n1.Decode(sm)
	if err != nil || r.PDUSessionEstablishmentRequest.PDUSessionType.GetPDUSessionTypeValue() != n1.PDUSessionTypeIPv4v6 {
		t.Errorf("library read of the 5GSM request: %v", err)
	}
}

// TestReadDNSAndAMBR covers the ePCO and Session-AMBR readers.
// Spec: TS 24.008 §10.5.6.3; TS 24.501 §9.11.4.14
func TestReadDNSAndAMBR(t *testing.T) {
	pco := []byte{0x80, 0x00, 0x0d, 4, 8, 8, 8, 8, 0x00, 0x03, 16, 0x20, 0x01, 0x48, 0x60, 0x48, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x88,
		0x00, 0x0d, 9} // truncated last container: ignored
	got := pcoDNSServers(pco)
	if len(got) != 2 || got[0] != netip.MustParseAddr("8.8.8.8") || got[1] != netip.MustParseAddr("2001:4860:4860::8888") {
		t.Errorf("DNS %v", got)
	}
	for _, c := range []struct {
		unit uint8
		v    uint16
		bps  uint64
	}{{1, 5, 5000}, {2, 25000, 100e6}, {3, 62500, 1e9}, {0, 1, 0}, {0x1a, 1, 0}} {
		if b := ambrBPS(c.unit, c.v); b != c.bps {
			t.Errorf("ambrBPS(%d, %d) = %d, want %d", c.unit, c.v, b, c.bps)
		}
	}
}
