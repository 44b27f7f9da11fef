package upf

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParseFlowDescription(t *testing.T) {
	pfx := netip.MustParsePrefix
	tests := []struct {
		in   string
		want SDFFilter
		bad  bool
	}{
		{in: "permit out ip from any to assigned", want: SDFFilter{FromPort: anyPort, ToPort: anyPort}},
		{in: "permit out 17 from 8.8.8.8 53 to 10.45.0.0/16", want: SDFFilter{Proto: 17, From: pfx("8.8.8.8/32"), FromPort: [2]uint16{53, 53}, To: pfx("10.45.0.0/16"), ToPort: anyPort}},
		{in: "permit out tcp from 192.0.2.0/24 80-443 to assigned 1000-2000", want: SDFFilter{Proto: 6, From: pfx("192.0.2.0/24"), FromPort: [2]uint16{80, 443}, ToPort: [2]uint16{1000, 2000}}},
		{in: "permit out 58 from 2001:db8::/32 to assigned", want: SDFFilter{Proto: 58, From: pfx("2001:db8::/32"), FromPort: anyPort, ToPort: anyPort}},
		{in: "permit out ip from 10.0.0.1/8 to any", want: SDFFilter{From: pfx("10.0.0.0/8"), FromPort: anyPort, ToPort: anyPort}},
		{in: "deny out ip from any to any", bad: true},
		{in: "permit in ip from any to any", bad: true},
		{in: "permit out ip from any", bad: true},
		{in: "permit out foo from any to any", bad: true},
		{in: "permit out ip from 300.1.1.1 to any", bad: true},
		{in: "permit out ip from any 90-80 to any", bad: true},
		{in: "permit out ip from any to any frag", bad: true},
		{in: "", bad: true},
	}
	for _, tc := range tests {
		got, err := ParseFlowDescription(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: want error, got %+v", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%q:\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
}

func TestSDFMatch(t *testing.T) {
	dns, _ := ParseFlowDescription("permit out 17 from 8.8.8.8 53 to assigned")
	web, _ := ParseFlowDescription("permit out 6 from 192.0.2.0/24 443 to 10.45.0.0/16")
	dl := ipv4UDP(dnIP, ueIP, 53, 40000, 60, 0)
	ul := ipv4UDP(ueIP, dnIP, 40000, 53, 60, 0)
	ulOther := ipv4UDP(ueIP, dnIP, 40000, 54, 60, 0)
	tests := []struct {
		name string
		f    SDFFilter
		pkt  []byte
		ul   bool
		want bool
	}{
		{"dns downlink", dns, dl, false, true},
		{"dns uplink reversed", dns, ul, true, true},
		{"dns uplink other port", dns, ulOther, true, false},
		{"dns filter read forward on an uplink packet", dns, ul, false, false},
		{"tcp filter vs udp", web, dl, false, false},
	}
	for _, tc := range tests {
		f, ok := parseFlow(tc.pkt)
		if !ok {
			t.Fatalf("%s: parseFlow failed", tc.name)
		}
		if got := tc.f.match(&f, tc.ul); got != tc.want {
			t.Errorf("%s: match = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestPrecedence: the matching PDR with the lowest precedence value wins,
// whatever the order the SMF sent them in. Spec: TS 29.244 §5.2.1
func TestPrecedence(t *testing.T) {
	dns, _ := ParseFlowDescription("permit out 17 from any 53 to assigned")
	r := Rules{
		PDRs: []PDR{
			{ID: 1, Precedence: 255, SourceInterface: IfCore, UEIPv4: ueIP, FARID: 1},
			{ID: 2, Precedence: 10, SourceInterface: IfCore, UEIPv4: ueIP, FARID: 1, SDF: []SDFFilter{dns}},
			{ID: 3, Precedence: 20, SourceInterface: IfCore, UEIPv4: ueIP, FARID: 1},
			{ID: 4, Precedence: 5, SourceInterface: IfAccess, HasTEID: true, TEID: 7, QFI: 5, FARID: 1},
			{ID: 5, Precedence: 6, SourceInterface: IfAccess, HasTEID: true, TEID: 7, FARID: 1},
		},
		FARs: []FAR{{ID: 1, Action: ActForw}},
	}
	rs, err := compile(r, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ul   bool
		qfi  uint8
		pkt  []byte
		want uint16
	}{
		{"dns goes to the SDF PDR", false, 0, ipv4UDP(dnIP, ueIP, 53, 1000, 40, 0), 2},
		{"other traffic to precedence 20", false, 0, ipv4UDP(dnIP, ueIP, 80, 1000, 40, 0), 3},
		{"UL QFI 5 to PDR 4", true, 5, ipv4UDP(ueIP, dnIP, 1000, 80, 40, 0), 4},
		{"UL QFI 6 to PDR 5", true, 6, ipv4UDP(ueIP, dnIP, 1000, 80, 40, 0), 5},
	}
	for _, tc := range tests {
		f, _ := parseFlow(tc.pkt)
		list := rs.dl
		if tc.ul {
			list = rs.ul
		}
		p := match(list, 7, tc.qfi, &f, tc.ul)
		if p == nil || p.ID != tc.want {
			t.Errorf("%s: got %v, want PDR %d", tc.name, p, tc.want)
		}
	}
	f, _ := parseFlow(ipv4UDP(dnIP, netip.MustParseAddr("10.45.0.3"), 53, 1, 40, 0))
	if p := match(rs.dl, 0, 0, &f, false); p != nil {
		t.Errorf("another UE's packet matched PDR %d", p.ID)
	}
}

func TestCompileErrors(t *testing.T) {
	ok := func() Rules { r := basicRules(gnbN3); return r.Clone() }
	tests := []struct {
		name string
		mod  func(*Rules)
		kind string
		id   uint32
	}{
		{"missing FAR", func(r *Rules) { r.PDRs[0].FARID = 9 }, "PDR", 1},
		{"missing QER", func(r *Rules) { r.PDRs[1].QERIDs = []uint32{9} }, "PDR", 2},
		{"missing URR", func(r *Rules) { r.PDRs[1].URRIDs = []uint32{9} }, "PDR", 2},
		{"duplicate PDR", func(r *Rules) { r.PDRs[1].ID = 1 }, "PDR", 1},
		{"duplicate FAR", func(r *Rules) { r.FARs[1].ID = 1 }, "FAR", 1},
		{"no action", func(r *Rules) { r.FARs[0].Action = ActNocp }, "FAR", 1},
		{"access PDR without TEID", func(r *Rules) { r.PDRs[0].HasTEID = false }, "PDR", 1},
		{"core PDR without UE IP", func(r *Rules) { r.PDRs[1].UEIPv4 = netip.Addr{} }, "PDR", 2},
		{"duplicate QER", func(r *Rules) { r.QERs = append(r.QERs, QER{ID: 1}) }, "QER", 1},
	}
	for _, tc := range tests {
		u, _, _ := newTestUPF(t)
		r := ok()
		tc.mod(&r)
		_, _, err := u.Establish(1, r)
		var re *RuleError
		if !errors.As(err, &re) || re.Kind != tc.kind || re.ID != tc.id {
			t.Errorf("%s: got %v, want RuleError %s %d", tc.name, err, tc.kind, tc.id)
		}
		if u.Sessions() != 0 || u.ul.len() != 0 || u.dl.len() != 0 {
			t.Errorf("%s: failed establishment left state: %d sessions, %d TEIDs, %d UEs", tc.name, u.Sessions(), u.ul.len(), u.dl.len())
		}
	}
}

// TestChooseTEID: the UPF allocates TEIDs for CHOOSE, one per CHOOSE ID,
// keeps them across modifications and frees them on deletion.
// Spec: TS 29.244 §5.5.3
func TestChooseTEID(t *testing.T) {
	u, _, _ := newTestUPF(t)
	r := basicRules(gnbN3)
	r.PDRs[0].HasTEID, r.PDRs[0].Choose, r.PDRs[0].ChooseID = false, true, 1
	r.PDRs = append(r.PDRs, PDR{ID: 3, Precedence: 50, SourceInterface: IfAccess, Choose: true, ChooseID: 1, QFI: 5, FARID: 1})
	r.PDRs = append(r.PDRs, PDR{ID: 4, Precedence: 50, SourceInterface: IfAccess, Choose: true, ChooseID: 2, FARID: 1})
	s, got, err := u.Establish(1, r)
	if err != nil {
		t.Fatal(err)
	}
	t1, t3, t4 := got.PDRs[0].TEID, got.PDRs[2].TEID, got.PDRs[3].TEID
	if t1 == 0 || t1 != t3 || t4 == t1 || t4 == 0 {
		t.Fatalf("TEIDs %#x %#x %#x: want PDR 1 and 3 equal, PDR 4 different, none 0", t1, t3, t4)
	}
	if u.ul.get(t1) != s || u.ul.get(t4) != s {
		t.Fatal("allocated TEIDs not in the UL table")
	}
	again, err := s.Install(s.Rules())
	if err != nil {
		t.Fatal(err)
	}
	if again.PDRs[0].TEID != t1 || again.PDRs[3].TEID != t4 {
		t.Errorf("modification changed TEIDs")
	}
	// A second session cannot claim the first one's TEID.
	r2 := basicRules(gnbN3)
	r2.PDRs[0].TEID = t1
	r2.PDRs[1].UEIPv4 = netip.MustParseAddr("10.45.0.9")
	if _, _, err := u.Establish(2, r2); err == nil {
		t.Error("second session took a TEID in use")
	}
	u.Delete(s)
	if u.ul.len() != 0 || u.dl.len() != 0 || u.Sessions() != 0 {
		t.Errorf("after delete: %d TEIDs, %d UEs, %d sessions", u.ul.len(), u.dl.len(), u.Sessions())
	}
}
