package upf

import (
	"errors"
	"testing"

	"github.com/wmnsk/go-pfcp/ie"
	"github.com/wmnsk/go-pfcp/message"
)

func marshal(t testing.TB, m message.Message) []byte {
	b := make([]byte, m.MarshalLen())
	if err := m.MarshalTo(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// parsePFCP decodes like the n4 node: go-pfcp indexes slices from peer
// input, so its panics become errors.
func parsePFCP(b []byte) (m message.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("go-pfcp panicked")
		}
	}()
	return message.Parse(b)
}

// FuzzN4 feeds arbitrary PFCP session requests through the N4
// translation into a UPF: nothing may panic, an accepted request installs
// rules that the UPF's tables agree with, and a rejected one leaves
// nothing behind.
func FuzzN4(f *testing.F) {
	f.Add(marshal(f, message.NewSessionEstablishmentRequest(0, 0, 0, 1, 0, establishmentIEs(9)...)))
	f.Add(marshal(f, message.NewSessionModificationRequest(0, 0, 1, 2, 0,
		ie.NewUpdateFAR(ie.NewFARID(2), ie.NewApplyAction(0x02),
			ie.NewUpdateForwardingParameters(ie.NewDestinationInterface(ie.DstInterfaceAccess),
				ie.NewOuterHeaderCreation(0x0100, 5, "192.0.2.9", "", 0, 0, 0))),
		ie.NewRemoveURR(ie.NewURRID(1)), ie.NewUpdatePDR(ie.NewPDRID(2), ie.NewURRID(1)),
		ie.NewCreateQER(ie.NewQERID(2), ie.NewGateStatus(0, 1), ie.NewMBR(1, 2)),
		ie.NewRemovePDR(ie.NewPDRID(1)))))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parsePFCP(b)
		if err != nil {
			return
		}
		u, _, _ := newTestUPF(t)
		switch req := m.(type) {
		case *message.SessionEstablishmentRequest:
			r, err := EstablishmentRules(req)
			if err != nil {
				checkPFCPError(t, err)
				return
			}
			s, got, err := u.Establish(1, r)
			if err != nil {
				if u.Sessions() != 0 || u.ul.len() != 0 || u.dl.len() != 0 {
					t.Fatalf("failed establishment left state: %v", err)
				}
				return
			}
			checkTables(t, u, s, got)
			u.Delete(s)
			if u.ul.len() != 0 || u.dl.len() != 0 {
				t.Fatal("deletion left table entries")
			}
		case *message.SessionModificationRequest:
			base, _ := EstablishmentRules(wire(t, message.NewSessionEstablishmentRequest(0, 0, 0, 1, 0, establishmentIEs(9)...)))
			s, _, err := u.Establish(1, base)
			if err != nil {
				t.Fatal(err)
			}
			r, _, err := ModifiedRules(s.Rules(), req)
			if err != nil {
				checkPFCPError(t, err)
				return
			}
			got, err := s.Install(r)
			if err != nil {
				got = s.Rules() // unchanged
			}
			checkTables(t, u, s, got)
		}
	})
}

func checkPFCPError(t *testing.T, err error) {
	var pe *PFCPError
	if !errors.As(err, &pe) || pe.Cause < 64 {
		t.Fatalf("translation error %v is not a PFCP rejection", err)
	}
}

// checkTables: every access PDR's TEID and core PDR's UE address leads
// to the session.
func checkTables(t *testing.T, u *UPF, s *Session, r Rules) {
	for _, p := range r.PDRs {
		switch p.SourceInterface {
		case IfAccess:
			if u.ul.get(p.TEID) != s {
				t.Fatalf("PDR %d TEID %#x not in the UL table", p.ID, p.TEID)
			}
		case IfCore:
			if p.UEIPv4.IsValid() && u.dl.get(ueKey(p.UEIPv4)) != s {
				t.Fatalf("PDR %d UE %v not in the DL table", p.ID, p.UEIPv4)
			}
		}
	}
}

// FuzzDatapath: arbitrary datagrams on N3 and packets on N6 never panic
// and never allocate a reply the size of the input (no amplification
// beyond the n3 responder's fixed answers).
func FuzzDatapath(f *testing.F) {
	f.Add(gpdu(f, ulTEID, 9, ipv4UDP(ueIP, dnIP, 1, 2, 60, 0)), ipv4UDP(dnIP, ueIP, 2, 1, 60, 0))
	f.Add([]byte{0x32, 1, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0}, []byte{0x60})
	f.Fuzz(func(t *testing.T, n3b, n6b []byte) {
		u, clk, _ := newTestUPF(t)
		r := basicRules(gnbN3)
		r.QERs[0].MBRUL = 1000
		if _, _, err := u.Establish(1, r); err != nil {
			t.Fatal(err)
		}
		w := u.NewWorker(nil, nil)
		inner, reply, _ := w.Uplink(n3b, gnbN3, clk.NS())
		if inner != nil && len(inner) >= len(n3b) {
			t.Fatalf("inner packet %d octets from a %d-octet datagram", len(inner), len(n3b))
		}
		if len(reply) > 64 {
			t.Fatalf("%d-octet reply", len(reply))
		}
		if len(n6b) > 2000 {
			return
		}
		buf, n := dlBuf(n6b)
		if out, _ := w.Downlink(buf, n, clk.NS()); out != nil && len(out) > n+Headroom {
			t.Fatalf("%d octets out for %d in", len(out), n)
		}
	})
}
