package udr

import (
	"context"
	"strings"

	"github.com/free5gc/openapi/models"

	"go5g/internal/problem"
)

// CreateAmfContext3gpp stores the AMF registration for 3GPP access of supi,
// replacing any earlier one, which it returns (ok false if there was none)
// so that the UDM can tell the old AMF without a second, racy read. The
// subscriber must exist. Kept in memory: see the package doc.
//
// Spec: TS 29.505 §5.2.6.3.1 (PUT Amf3GppAccessRegistration)
func (u *UDR) CreateAmfContext3gpp(ctx context.Context, supi string, reg models.Udm_UECM_Amf3GppAccessRegistration) (old models.Udm_UECM_Amf3GppAccessRegistration, ok bool, err error) {
	if _, err := u.subscriber(ctx, supi); err != nil {
		return old, false, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	old, ok = u.amf3gpp[supi]
	u.amf3gpp[supi] = reg
	return old, ok, nil
}

// QueryAmfContext3gpp returns the AMF registration for 3GPP access of supi,
// or 404 CONTEXT_NOT_FOUND.
//
// Spec: TS 29.505 §5.2.6.3 (GET Amf3GppAccessRegistration)
func (u *UDR) QueryAmfContext3gpp(_ context.Context, supi string) (models.Udm_UECM_Amf3GppAccessRegistration, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	reg, ok := u.amf3gpp[supi]
	if !ok {
		return reg, problem.Newf(problem.ContextNotFound, "no AMF registration for 3GPP access of %s", supi)
	}
	return reg, nil
}

// DeleteAmfContext3gpp removes the AMF registration for 3GPP access of supi
// if it was made by the AMF that guami names: 404 CONTEXT_NOT_FOUND if
// there is none, 403 INVALID_GUAMI if another AMF holds it, so a purge from
// an old AMF never removes the registration of the new one. TS 29.505 keeps
// a purged registration (PATCH purgeFlag); go5g removes it, which frees the
// memory and reads the same to every consumer.
//
// Spec: TS 29.505 §5.2.6.3 (PATCH Amf3GppAccessRegistration), TS 29.503
// §5.3.2.4.2
func (u *UDR) DeleteAmfContext3gpp(_ context.Context, supi string, guami models.Guami) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	reg, ok := u.amf3gpp[supi]
	if !ok {
		return problem.Newf(problem.ContextNotFound, "no AMF registration for 3GPP access of %s", supi)
	}
	if reg.Guami == nil || !SameGUAMI(*reg.Guami, guami) {
		return problem.Newf(problem.InvalidGUAMI, "the AMF registration of %s belongs to another GUAMI", supi)
	}
	delete(u.amf3gpp, supi)
	return nil
}

// SameGUAMI compares two GUAMIs: PLMN (and NID) and AMF identifier, the
// latter as hex in any letter case.
//
// Spec: TS 23.003 §2.10.1, TS 29.571 §5.4.4.3 (Guami)
func SameGUAMI(a, b models.Guami) bool {
	if (a.PlmnId == nil) != (b.PlmnId == nil) {
		return false
	}
	if a.PlmnId != nil && *a.PlmnId != *b.PlmnId {
		return false
	}
	return strings.EqualFold(a.AmfId, b.AmfId)
}
