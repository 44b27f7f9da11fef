package upf

import (
	"net/netip"
	"sync"
	"sync/atomic"
)

// shards splits each lookup table so that a writer copies 1/shards of it.
const shards = 64

// table maps a fast-path key (TEID or UE address) to its session. Readers
// (the packet workers) take no lock: each shard is an immutable map behind
// an atomic pointer. A writer (the N4 handler) copies the shard under the
// shard's mutex, changes the copy and publishes it; readers in flight keep
// the old map, which the garbage collector frees after them (RCU by GC).
// Sharding bounds the copy: an update costs O(sessions/64), not O(sessions).
type table[K comparable] struct {
	hash   func(K) uint32
	shards [shards]struct {
		mu sync.Mutex
		m  atomic.Pointer[map[K]*Session]
	}
}

func (t *table[K]) get(k K) *Session {
	m := t.shards[t.hash(k)%shards].m.Load()
	if m == nil {
		return nil
	}
	return (*m)[k]
}

// set maps k to s (s == nil deletes k). It returns false, changing
// nothing, when k already maps to another session and s is not nil.
func (t *table[K]) set(k K, s *Session, replace bool) bool {
	sh := &t.shards[t.hash(k)%shards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old := sh.m.Load()
	var n map[K]*Session
	if old != nil {
		if cur, ok := (*old)[k]; ok && s != nil && cur != s && !replace {
			return false
		}
		n = make(map[K]*Session, len(*old)+1)
		for kk, v := range *old {
			n[kk] = v
		}
	} else {
		n = make(map[K]*Session, 1)
	}
	if s == nil {
		delete(n, k)
	} else {
		n[k] = s
	}
	sh.m.Store(&n)
	return true
}

// del removes k if it maps to s.
func (t *table[K]) del(k K, s *Session) {
	if t.get(k) == s {
		t.set(k, nil, true)
	}
}

func (t *table[K]) len() int {
	n := 0
	for i := range t.shards {
		if m := t.shards[i].m.Load(); m != nil {
			n += len(*m)
		}
	}
	return n
}

func hashTEID(k uint32) uint32 { return k * 2654435761 >> 7 }

func hashAddr(a netip.Addr) uint32 {
	if a.Is4() {
		b := a.As4()
		return uint32(b[3]) | uint32(b[2])<<8 // the host part varies most
	}
	b := a.As16()
	return uint32(b[7]) | uint32(b[6])<<8 // the /64 prefix is the key
}

// ueKey is the DL table key of a UE address: the address itself for IPv4,
// its /64 prefix for IPv6 (a UE gets a /64, TS 23.501 §5.8.2.2.3).
func ueKey(a netip.Addr) netip.Addr {
	if a.Is4() || !a.IsValid() {
		return a
	}
	b := a.As16()
	clear(b[8:])
	return netip.AddrFrom16(b)
}
