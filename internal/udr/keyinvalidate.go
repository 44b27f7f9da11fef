package udr

// InvalidateHomeNetworkKeys drops the cached home network keys, so the next
// SUCI reads them from the store: a key deleted through the REST API stops
// working at once instead of within Config.KeyCacheTTL. The API calls it
// (through its HomeKeyCache interface) after every change it makes to the
// keys; `go5g keys` in another process cannot, and relies on the TTL.
func (u *UDR) InvalidateHomeNetworkKeys() { u.keys.invalidate() }

// invalidate forgets the snapshot. It takes the reload lock, so a reload
// that read the store before the change finishes first and its stale
// snapshot is the one dropped; a reload after this reads the change.
func (c *keyCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap.Store(nil)
}
