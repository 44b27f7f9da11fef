package smf

import (
	"cmp"
	"slices"
	"strings"
)

// Sessions lists every SM context, ordered by SUPI and PDU session ID,
// for operations (the REST API's live pages). Each context is read under
// its own lock, after the SMF's lock is let go, so a listing never holds
// up a procedure for longer than one copy.
func (s *SMF) Sessions() []SessionInfo {
	s.mu.Lock()
	cs := make([]*smContext, 0, len(s.contexts))
	for _, c := range s.contexts {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	out := make([]SessionInfo, 0, len(cs))
	for _, c := range cs {
		c.mu.Lock()
		out = append(out, c.info())
		c.mu.Unlock()
	}
	slices.SortFunc(out, func(x, y SessionInfo) int {
		if d := strings.Compare(x.SUPI, y.SUPI); d != 0 {
			return d
		}
		return cmp.Compare(x.PDUSessionID, y.PDUSessionID)
	})
	return out
}
