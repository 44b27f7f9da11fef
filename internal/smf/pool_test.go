package smf

import (
	"errors"
	"net/netip"
	"testing"
)

// TestIPv4PoolNoDuplicatesAndReuse fills a /28, checks it is exhausted,
// returns one address and gets that one back.
func TestIPv4PoolNoDuplicatesAndReuse(t *testing.T) {
	p, err := newIPv4Pool(netip.MustParsePrefix("10.45.0.0/28"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[netip.Addr]bool{}
	for i := 0; i < 14; i++ {
		a, err := p.get()
		if err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
		if seen[a] || a == netip.MustParseAddr("10.45.0.0") || a == netip.MustParseAddr("10.45.0.15") {
			t.Fatalf("address %s handed out twice or reserved", a)
		}
		seen[a] = true
	}
	if _, err := p.get(); !errors.Is(err, errExhausted) {
		t.Fatalf("15th get: %v, want exhausted", err)
	}
	back := netip.MustParseAddr("10.45.0.7")
	p.put(back)
	p.put(back) // twice: ignored
	p.put(netip.MustParseAddr("192.0.2.1"))
	if got, err := p.get(); err != nil || got != back {
		t.Fatalf("get after put: %s, %v; want %s", got, err, back)
	}
	if _, err := p.get(); !errors.Is(err, errExhausted) {
		t.Fatalf("double put gave a second address: %v", err)
	}
	if p.inUseCount() != 14 {
		t.Errorf("in use %d, want 14", p.inUseCount())
	}
}

// TestIPv6PoolPrefixes hands out distinct /64 prefixes of a /62.
func TestIPv6PoolPrefixes(t *testing.T) {
	p, err := newIPv6Pool(netip.MustParsePrefix("2001:db8:45::/62"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2001:db8:45:1::", "2001:db8:45:2::", "2001:db8:45:3::"}
	for _, w := range want {
		a, err := p.get()
		if err != nil || a != netip.MustParseAddr(w) {
			t.Fatalf("get: %s, %v; want %s", a, err, w)
		}
	}
	if _, err := p.get(); !errors.Is(err, errExhausted) {
		t.Fatalf("get from a full pool: %v", err)
	}
	p.put(netip.MustParseAddr("2001:db8:45:2::"))
	if a, _ := p.get(); a != netip.MustParseAddr("2001:db8:45:2::") {
		t.Fatalf("reuse: %s", a)
	}
}

func TestPoolRejectsBadPrefixes(t *testing.T) {
	for _, s := range []string{"10.0.0.0/31", "2001:db8::/64"} {
		if _, err := newIPv4Pool(netip.MustParsePrefix(s)); err == nil {
			t.Errorf("IPv4 pool %s accepted", s)
		}
	}
	if _, err := newIPv6Pool(netip.MustParsePrefix("2001:db8::/64")); err == nil {
		t.Error("IPv6 pool /64 accepted")
	}
}
