package n2

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// golden pairs messages with their wire bytes, annotated field by field (ALIGNED
// PER, X.691). The tshark test below decodes the same bytes independently.
var golden = []struct {
	name   string
	msg    marshaler
	wire   string
	tshark map[string]string // tshark field → expected value for this packet
}{
	{
		name: "NGSetupRequest",
		msg:  sampleMsg("NGSetupRequest"),
		wire: "" +
			"00 15 00 38" + // initiatingMessage; procedureCode 21 (id-NGSetup); reject; 56 octets
			"00 0004" + // NGSetupRequest: extension bit 0; 4 protocol IEs
			"001b 00 08" + // id-GlobalRANNodeID (27), reject, 8 octets:
			"  00" + //       CHOICE globalGNB-ID (0 in 2 bits); ext 0; no iE-Extensions
			"  00f110" + //   PLMN Identity 001/01 (§9.3.3.5: MCC2|MCC1, filler|MCC3, MNC2|MNC1)
			"  00" + //       gNB-ID CHOICE 0 (1 bit); BIT STRING length 22 (22-22 = 0 in 4 bits)
			"  000004" + //   gNB ID 1 in 22 bits, first bit most significant
			"0052 40 0a" + // id-RANNodeName (82), ignore, 10 octets:
			"  0380" + //     ext 0; length 8 (8-1 = 7 in 8 bits), aligned
			"  676f35672d676e62" + // "go5g-gnb"
			"0066 00 12" + // id-SupportedTAList (102), reject, 18 octets:
			"  00" + //       1 TA (1-1 in 8 bits)
			"  00 000001" + // TA item: ext 0, no iE-Extensions; TAC 1
			"  00 00f110" + // 1 broadcast PLMN (4 bits), item ext/opt 0; PLMN 001/01
			"  0001" + //     2 slices (2-1 in 16 bits)
			"  0008 8040" + // slice 1: ext/opt 0, S-NSSAI without SD, SST 1; slice 2: SD present, SST 1 (26 bits)
			"  010203" + //   SD 0x010203
			"0015 40 01" + // id-DefaultPagingDRX (21), ignore, 1 octet:
			"  40", //        ext 0; v128 (2 in 2 bits)
		tshark: map[string]string{
			"ngap.procedureCode": "21", "ngap.gNB_ID": "000004", "ngap.RANNodeName": "go5g-gnb",
			"e212.mcc": "1,1", "e212.mnc": "1,1", "ngap.tAC": "1", "ngap.sST": "01,01", "ngap.sD": "010203",
			"ngap.PagingDRX": "2",
		},
	},
	{
		name: "InitialUEMessage",
		msg:  sampleMsg("InitialUEMessage"),
		wire: "" +
			"00 0f 40 42" + // initiatingMessage; procedureCode 15 (id-InitialUEMessage); ignore; 66 octets
			"00 0005" + // InitialUEMessage: ext 0; 5 protocol IEs
			"0055 00 02 0001" + // id-RAN-UE-NGAP-ID (85), reject: 1 (octets-1 = 0 in 2 bits, then 1 octet)
			"0026 00 18 17" + // id-NAS-PDU (38), reject, 24 octets: OCTET STRING of 23
			"  7e004179000d0100f1100000000000000000102e02f0f0" + // Registration Request
			"0079 00 0f" + // id-UserLocationInformation (121), reject, 15 octets:
			"  40" + //       CHOICE NR (1 in 2 bits); ext/opt bits 0; NR-CGI ext/opt bits 0
			"  00f110" + //   NR-CGI PLMN 001/01
			"  0000000100" + // NR Cell Identity 0x10 (36 bits); TAI ext/opt 0 in the spare bits
			"  00f110 000001" + // TAI: PLMN 001/01, TAC 1
			"005a 40 01 18" + // id-RRCEstablishmentCause (90), ignore: ext 0, mo-Signalling (3 in 4 bits)
			"0070 40 01 00", // id-UEContextRequest (112), ignore: ext 0, requested
		tshark: map[string]string{
			"ngap.procedureCode": "15", "ngap.RAN_UE_NGAP_ID": "1", "ngap.NRCellIdentity": "0x0000000000000010",
			"ngap.tAC": "1", "e212.nrcgi.mcc": "1", "e212.nrcgi.mnc": "1", "e212.5gstai.mcc": "1", "e212.5gstai.mnc": "1",
			"e212.mcc": "1", "e212.mnc": "1", // the SUCI inside the NAS PDU
			"ngap.RRCEstablishmentCause": "3",
			"ngap.UEContextRequest":      "0", "nas_5gs.mm.message_type": "0x41",
			"ngap.NAS_PDU": "7e004179000d0100f1100000000000000000102e02f0f0",
		},
	},
	{
		// 3-digit MNC: NGAP puts MNC digit 1 in octet 2 (13 40 01 for 310/410), where
		// NAS (TS 24.008) would put MNC digit 3 there (13 00 14).
		name: "NGSetupRequest/3-digit-MNC",
		msg:  sampleMsg("NGSetupRequest/3-digit-MNC"),
		wire: "0015003b000003001b00090013400150fffffffe006600220100abcdef1013400100000010" +
			"00f110000000080000020013400100001018ffffff0015400100",
		tshark: map[string]string{
			"e212.mcc": "310,310,1,310", "e212.mnc": "410,410,1,410", "ngap.gNB_ID": "fffffffe",
			"ngap.tAC": "11259375,2", "ngap.sD": "ffffff",
		},
	},
}

func TestGolden(t *testing.T) {
	for _, g := range golden {
		want := unhex(t, g.wire)
		got, err := g.msg.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", g.name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Marshal =\n%x\nwant\n%x", g.name, got, want)
		}
		p, err := Decode(want)
		if err != nil {
			t.Fatalf("%s: Decode: %v", g.name, err)
		}
		var parsed marshaler
		for _, s := range samples() {
			if s.name == g.name {
				parsed, err = s.parse(p)
			}
		}
		if err != nil || !reflect.DeepEqual(parsed, g.msg) {
			t.Errorf("%s: parsed %+v, %v; want %+v", g.name, parsed, err, g.msg)
		}
	}
}

// tshark runs tshark on a capture with the options DESIGN.md gives for NGAP over
// SCTP over UDP and returns its standard output.
func tshark(t *testing.T, pcap string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark is required in CI (Debian package tshark)")
		}
		t.Skip("tshark not installed: skipping the independent decoder check")
	}
	base := []string{"-n", "-o", "sctp.checksum:CRC-32C", "-d", "udp.port==9899,sctp",
		"-d", "sctp.ppi==60,ngap", "-r", pcap}
	cmd := exec.Command(path, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// tsharkProblems lists the frames tshark flags as malformed or with an expert
// warning or worse.
func tsharkProblems(t *testing.T, pcap string) string {
	return tshark(t, pcap, "-Y", `_ws.malformed || _ws.expert.severity >= "Warning"`,
		"-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info")
}

// TestTshark has tshark decode every sample: it must name each message as we do,
// find the same UE NGAP IDs, decode the golden fields to the values we meant, and
// report no malformed packet or warning.
func TestTshark(t *testing.T) {
	t.Parallel()
	all := samples()
	var pdus [][]byte
	for _, s := range all {
		pdus = append(pdus, mustMarshal(s.msg))
	}
	pcap := filepath.Join(t.TempDir(), "n2.pcap")
	if err := writePCAP(pcap, pdus); err != nil {
		t.Fatal(err)
	}
	fields := []string{"_ws.col.Info", "ngap.AMF_UE_NGAP_ID", "ngap.RAN_UE_NGAP_ID"}
	for _, g := range golden {
		for f := range g.tshark {
			fields = append(fields, f)
		}
	}
	args := []string{"-T", "fields", "-E", "separator=|", "-E", "occurrence=a"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	lines := strings.Split(strings.TrimRight(tshark(t, pcap, args...), "\n"), "\n")
	if len(lines) != len(all) {
		t.Fatalf("tshark printed %d packets, want %d:\n%s", len(lines), len(all), strings.Join(lines, "\n"))
	}
	for i, s := range all {
		got := map[string]string{}
		for j, v := range strings.Split(lines[i], "|") {
			if j < len(fields) {
				got[fields[j]] = v
			}
		}
		name, _, _ := strings.Cut(s.name, "/")
		if info := got["_ws.col.Info"]; info != name && !strings.HasPrefix(info, name+",") {
			t.Errorf("%s: tshark names it %q", s.name, info)
		}
		amf, ran := expectedIDFields(s)
		if got["ngap.AMF_UE_NGAP_ID"] != amf || got["ngap.RAN_UE_NGAP_ID"] != ran {
			t.Errorf("%s: tshark AMF/RAN UE NGAP IDs %q/%q, want %q/%q", s.name,
				got["ngap.AMF_UE_NGAP_ID"], got["ngap.RAN_UE_NGAP_ID"], amf, ran)
		}
		for _, g := range golden {
			if g.name != s.name {
				continue
			}
			if !bytes.Equal(pdus[i], unhex(t, g.wire)) {
				t.Errorf("%s: sample and golden bytes differ", s.name)
			}
			for f, want := range g.tshark {
				if got[f] != want {
					t.Errorf("%s: tshark %s = %q, want %q", s.name, f, got[f], want)
				}
			}
		}
	}
	if p := tsharkProblems(t, pcap); p != "" {
		t.Errorf("tshark reports problems:\n%s", p)
	}
}

// TestTsharkFlagsBadInput is the control for TestTshark: the same pipeline must
// flag a truncated NGAP PDU and a wrong SCTP checksum, or its silence means nothing.
func TestTsharkFlagsBadInput(t *testing.T) {
	t.Parallel()
	good := mustMarshal(sampleMsg("NGSetupRequest"))
	pcap := filepath.Join(t.TempDir(), "bad.pcap")
	if err := writePCAP(pcap, [][]byte{good, good[:len(good)-5], good}); err != nil {
		t.Fatal(err)
	}
	// Corrupt the SCTP checksum of frame 3: its offset in the file is the pcap global
	// header (24) + two earlier records + record header (16) + Ethernet, IPv4, UDP
	// headers (14+20+8) + 8 into the SCTP common header.
	b, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(payload int) int { return 16 + 14 + 20 + 8 + 12 + 16 + (payload+3)/4*4 }
	off := 24 + rec(len(good)) + rec(len(good)-5) + 16 + 14 + 20 + 8 + 8
	b[off] ^= 0xff
	if err := os.WriteFile(pcap, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var frames []string
	for _, l := range strings.Split(strings.TrimSpace(tsharkProblems(t, pcap)), "\n") {
		frames = append(frames, strings.Fields(l + " ")[0])
	}
	if fmt.Sprint(frames) != "[2 3]" {
		t.Errorf("tshark flagged frames %v, want [2 3]", frames)
	}
}

// expectedIDFields is what tshark should print for the UE NGAP IDs of a sample,
// all occurrences comma-separated.
func expectedIDFields(s sample) (amf, ran string) {
	list := s.info.IDs
	var part []UEIDs
	switch m := s.msg.(type) {
	case NGReset:
		part = m.Part
	case NGResetAcknowledge:
		part = m.Part
	default:
		part = []UEIDs{list}
	}
	var a, r []string
	for _, id := range part {
		if id.HasAMF {
			a = append(a, fmt.Sprint(id.AMF))
		}
		if id.HasRAN {
			r = append(r, fmt.Sprint(id.RAN))
		}
	}
	return strings.Join(a, ","), strings.Join(r, ",")
}

// TestGoldenDecodeErrors: the golden bytes, cut short anywhere, must fail to decode
// with ErrMalformed rather than decode into something else.
func TestGoldenDecodeErrors(t *testing.T) {
	for _, g := range golden {
		b := unhex(t, g.wire)
		for n := 0; n < len(b); n++ {
			if _, err := Decode(b[:n]); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s cut to %d octets: err = %v, want ErrMalformed", g.name, n, err)
			}
		}
	}
}
