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

// StallWorkers stops every worker inside an event and fills its queue, so
// that nothing more can be queued, until release is called.
func StallWorkers(a *AMF) (release func()) {
	gate := make(chan struct{})
	for _, s := range a.shards {
		started := make(chan struct{})
		s.events <- inspect{f: func(*shard) { close(started); <-gate }, done: make(chan struct{})}
		<-started
		for s.tryPost(inspect{f: func(*shard) {}, done: make(chan struct{})}) {
		}
	}
	return func() { close(gate) }
}

// RegistrationRejectT3346 and ServiceRejectT3346 expose the #22 rejects.
func RegistrationRejectT3346(cause, t3346 byte) []byte { return registrationRejectT3346(cause, t3346) }
func ServiceRejectT3346(cause, t3346 byte) []byte      { return serviceRejectT3346(cause, t3346) }
