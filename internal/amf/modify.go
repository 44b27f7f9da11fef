package amf

import (
	"github.com/free5gc/openapi/models"

	"go5g/internal/n2"
)

// PDU Session Resource Modify for the SMF's PDU session modification: the
// SMF's N1N2MessageTransfer with N2 SM information of type
// PDU_RES_MOD_REQ becomes PDU SESSION RESOURCE MODIFY REQUEST with the
// PDU SESSION MODIFICATION COMMAND as the session's NAS PDU; the gNB's
// response goes back to the SMF per session (UpdateSMContext with
// PDU_RES_MOD_RSP or PDU_RES_MOD_FAIL). For a UE in CM-IDLE the gNB has
// nothing to modify: the AMF pages the UE, and at its Service Request the
// session is set up with the SMF's Setup Request Transfer, which carries
// the modified QoS, with the command as its NAS PDU (paging.go,
// reactivate.go).
//
// Spec: TS 23.502 §4.3.3.2 steps 3b-7a; TS 38.413 §8.2.3

// ngapModifyRequest is the NgapIeType (TS 29.518) of the SMF's Modify
// Request Transfer.
const ngapModifyRequest models.Amf_Comm_NgapIeType = "PDU_RES_MOD_REQ"

// modifyRequest builds PDU SESSION RESOURCE MODIFY REQUEST for one
// session of u, with nasPDU (the protected DL NAS TRANSPORT) if any.
// Spec: TS 38.413 §9.2.1.3
func modifyRequest(u *ue, psi uint8, nasPDU, transfer []byte) ([]byte, error) {
	return n2.PDUSessionResourceModifyRequest{AMFUENGAPID: u.conn.amfID, RANUENGAPID: u.conn.ranID,
		Sessions: []n2.SessionItem{{ID: psi, NASPDU: nasPDU, Transfer: transfer}}}.Marshal()
}

// onPDUSessionResourceModifyResponse passes each session's transfer to
// its SMF: modified, or failed to modify. A response the AMF cannot read
// gets an Error Indication.
//
// Spec: TS 38.413 §8.2.3.2; TS 23.502 §4.3.3.2 step 7a
func (s *shard) onPDUSessionResourceModifyResponse(u *ue, pdu n2.PDU) {
	m, err := n2.ParsePDUSessionResourceModifyResponse(pdu)
	if err != nil {
		s.ueErrorIndication(u, semanticCause(err))
		return
	}
	for _, it := range m.Modified {
		s.smN2(u, it, models.Smf_PDUSess_N2SmInfoType_PDU_RES_MOD_RSP)
	}
	for _, it := range m.Failed {
		s.smN2(u, it, models.Smf_PDUSess_N2SmInfoType_PDU_RES_MOD_FAIL)
	}
}
