package amf

import "context"

// KnowsTMSI reports whether a 5G-TMSI names a UE context in the AMF.
func KnowsTMSI(ctx context.Context, a *AMF, tmsi uint32) bool {
	s := a.shards[tmsi%uint32(len(a.shards))]
	var ok bool
	done := make(chan struct{})
	if !s.post(ctx, inspect{f: func(s *shard) { _, ok = s.byTMSI[tmsi] }, done: done}) {
		return false
	}
	select {
	case <-done:
		return ok
	case <-ctx.Done():
		return false
	}
}
