package pcapcheck

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// ProblemFilter selects the packets tshark finds wrong: malformed, or with an
// expert info of severity Warning or Error. tshark 4.0 does not flag a GTP-U
// length that disagrees with the UDP length by itself, hence the GTP term;
// the last term catches packets cut short by the capture's snap length,
// which would otherwise go unchecked.
const ProblemFilter = `_ws.malformed || _ws.expert.severity >= "Warning" || (gtp && gtp.length != udp.length - 16) || frame.cap_len < frame.len`

// Expert is one expert info tshark attached to a packet.
type Expert struct {
	Field    string // the expert's own field name, e.g. "_ws.malformed.expert"; stable across versions
	Severity string // "Warning" or "Error"
	Message  string // e.g. "Malformed Packet (Exception occurred)"
}

// Problem is one packet that matched ProblemFilter.
type Problem struct {
	Frame   int
	Info    string // tshark's Info column
	Experts []Expert
}

func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "frame %d: %s", p.Frame, p.Info)
	for _, e := range p.Experts {
		fmt.Fprintf(&b, "\n\t%s %s: %s", e.Severity, e.Field, e.Message)
	}
	return b.String()
}

// Expert severities as tshark prints them in PDML (epan/proto.h PI_WARN, PI_ERROR).
const (
	severityWarning = 0x00600000
	severityError   = 0x00800000
)

// tsharkArgs are the options every read uses: SCTP checksums are checked
// (tshark skips them otherwise), NAS ciphered with NEA0 is decoded (so a
// test run with NEA0 can read N1), plus one -d per decode-as rule such as
// "udp.port==9899,sctp" or "sctp.ppi==60,ngap".
func tsharkArgs(path string, decodeAs []string) []string {
	args := []string{"-n", "-o", "sctp.checksum:CRC-32C", "-o", "nas-5gs.null_decipher:TRUE"}
	for _, d := range decodeAs {
		args = append(args, "-d", d)
	}
	return append(args, "-r", path)
}

func tshark(args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("tshark", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pcapcheck: tshark %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// Fields runs tshark -T fields on the packets matching filter ("" for all)
// and returns one row per packet with one value per field; a field that
// occurs several times in a packet has its values joined by ','.
func Fields(path string, decodeAs []string, filter string, fields ...string) ([][]string, error) {
	args := tsharkArgs(path, decodeAs)
	if filter != "" {
		args = append(args, "-Y", filter)
	}
	args = append(args, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,")
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out, err := tshark(args...)
	if err != nil {
		return nil, err
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows, nil
}

// Check decodes the capture and returns the packets matching ProblemFilter.
// allowed names expert infos a test expects (by Field, or by a substring of
// Message); a packet whose every Warning-or-worse expert info is allowed is
// not a problem. Check fails only when tshark cannot run.
func Check(path string, decodeAs, allowed []string) ([]Problem, error) {
	args := append(tsharkArgs(path, decodeAs), "-Y", ProblemFilter)
	info, err := tshark(append(args, "-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info")...)
	if err != nil {
		return nil, err
	}
	infos := map[int]string{}
	for _, line := range strings.Split(string(info), "\n") {
		num, rest, _ := strings.Cut(line, "\t")
		if n, err := strconv.Atoi(num); err == nil {
			infos[n] = strings.TrimSpace(rest)
		}
	}
	if len(infos) == 0 {
		return nil, nil
	}
	pdml, err := tshark(append(args, "-T", "pdml")...)
	if err != nil {
		return nil, err
	}
	packets, err := parsePDML(pdml)
	if err != nil {
		return nil, err
	}
	var problems []Problem
	for _, p := range packets {
		p.Info = infos[p.Frame]
		if !allAllowed(p.Experts, allowed) {
			problems = append(problems, p)
		}
	}
	return problems, nil
}

func allAllowed(experts []Expert, allowed []string) bool {
	for _, e := range experts {
		ok := false
		for _, a := range allowed {
			if a != "" && (e.Field == a || strings.Contains(e.Message, a)) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// pdmlField is a <field> or <proto> element of tshark's PDML output.
type pdmlField struct {
	Name     string      `xml:"name,attr"`
	Show     string      `xml:"show,attr"`
	Showname string      `xml:"showname,attr"`
	Fields   []pdmlField `xml:"field"`
	Protos   []pdmlField `xml:"proto"`
}

type pdmlPacket struct {
	Protos []pdmlField `xml:"proto"`
}

func parsePDML(b []byte) ([]Problem, error) {
	var doc struct {
		Packets []pdmlPacket `xml:"packet"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("pcapcheck: tshark PDML: %w", err)
	}
	var out []Problem
	for _, pkt := range doc.Packets {
		var p Problem
		malformed := false
		udpLen, gtpLen := -1, -1
		frameLen, capLen := 0, 0
		var walk func(fs []pdmlField)
		walk = func(fs []pdmlField) {
			for _, f := range fs {
				switch f.Name {
				case "frame.number":
					p.Frame, _ = strconv.Atoi(f.Show)
				case "frame.len":
					frameLen, _ = strconv.Atoi(f.Show)
				case "frame.cap_len":
					capLen, _ = strconv.Atoi(f.Show)
				case "_ws.malformed":
					malformed = true
				case "udp.length":
					if udpLen < 0 { // the outer one; T-PDUs carry inner UDP
						udpLen, _ = strconv.Atoi(f.Show)
					}
				case "gtp.length":
					if gtpLen < 0 {
						gtpLen, _ = strconv.Atoi(f.Show)
					}
				case "_ws.expert":
					if e, ok := expertOf(f); ok {
						p.Experts = append(p.Experts, e)
					}
					continue
				}
				walk(f.Fields)
				walk(f.Protos)
			}
		}
		walk(pkt.Protos)
		if malformed && !hasField(p.Experts, "_ws.malformed.expert") {
			p.Experts = append(p.Experts, Expert{Field: "_ws.malformed", Severity: "Error", Message: "Malformed Packet"})
		}
		if capLen < frameLen {
			p.Experts = append(p.Experts, Expert{Field: "frame.cap_len", Severity: "Error",
				Message: fmt.Sprintf("only %d of %d bytes captured (snap length)", capLen, frameLen)})
		}
		if gtpLen >= 0 && udpLen >= 0 && gtpLen != udpLen-16 {
			// TS 29.281 §5.1: Length counts the octets after the mandatory
			// 8-octet GTP-U header; the UDP header adds 8 more.
			p.Experts = append(p.Experts, Expert{Field: "gtp.length", Severity: "Error",
				Message: fmt.Sprintf("GTP-U length %d is not the UDP length %d - 16", gtpLen, udpLen)})
		}
		out = append(out, p)
	}
	return out, nil
}

// expertOf reads one _ws.expert element; it reports only Warning and Error.
func expertOf(f pdmlField) (Expert, bool) {
	var e Expert
	sev := 0
	for _, c := range f.Fields {
		switch c.Name {
		case "_ws.expert.message":
			e.Message = c.Show
		case "_ws.expert.severity":
			sev, _ = strconv.Atoi(c.Show)
		case "_ws.expert.group":
		default:
			if e.Field == "" {
				e.Field = c.Name
			}
		}
	}
	switch {
	case sev >= severityError:
		e.Severity = "Error"
	case sev >= severityWarning:
		e.Severity = "Warning"
	default:
		return e, false
	}
	return e, true
}

func hasField(es []Expert, field string) bool {
	for _, e := range es {
		if e.Field == field {
			return true
		}
	}
	return false
}
