package smf

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
)

// errExhausted is a pool with nothing left: 5GSM cause #26.
var errExhausted = errors.New("smf: address pool exhausted")

// pool hands out the addresses of one prefix (IPv4 hosts, or IPv6 /64
// prefixes of a shorter IPv6 prefix), each to one holder at a time. A
// released address goes to the back of the free list, so it is reused,
// but not at once (a late packet for the old session does not reach the
// new one). Offsets are counted from the prefix base; memory grows with the
// addresses in use and released, not with the pool size.
//
// It is not safe for concurrent use; the SMF holds its lock around it.
type pool struct {
	base   netip.Addr
	bits   int    // of the offset: 32-prefix length (IPv4) or 64-prefix length (IPv6 /64s)
	first  uint64 // first usable offset
	size   uint64 // offsets first..first+size-1
	next   uint64 // offsets below next were handed out at least once
	free   []uint64
	inUse  map[uint64]struct{}
	isIPv6 bool
}

// newIPv4Pool is every host address of p except the network address, the
// broadcast address and, when given, reserved ones (e.g. the N6 gateway).
func newIPv4Pool(p netip.Prefix) (*pool, error) {
	if !p.Addr().Is4() || p.Bits() > 30 {
		return nil, fmt.Errorf("smf: IPv4 pool %s: need an IPv4 prefix of /30 or shorter", p)
	}
	p = p.Masked()
	n := uint64(1) << (32 - p.Bits())
	return &pool{base: p.Addr(), bits: 32 - p.Bits(), first: 1, size: n - 2, inUse: map[uint64]struct{}{}}, nil
}

// newIPv6Pool is every /64 of p (TS 23.501 §5.8.2.2.3: a /64 prefix per
// PDU session), except the first.
func newIPv6Pool(p netip.Prefix) (*pool, error) {
	if !p.Addr().Is6() || p.Addr().Is4In6() || p.Bits() > 63 || p.Bits() < 16 {
		return nil, fmt.Errorf("smf: IPv6 pool %s: need an IPv6 prefix of /16 to /63", p)
	}
	p = p.Masked()
	bits := 64 - p.Bits()
	n := uint64(1) << bits
	return &pool{base: p.Addr(), bits: bits, first: 1, size: n - 1, inUse: map[uint64]struct{}{}, isIPv6: true}, nil
}

// get allocates an address (IPv4) or a /64 prefix (IPv6, as its first address).
func (p *pool) get() (netip.Addr, error) {
	var off uint64
	switch {
	case p.next < p.size:
		off = p.first + p.next
		p.next++
	case len(p.free) > 0:
		off = p.free[0]
		p.free = p.free[1:]
	default:
		return netip.Addr{}, errExhausted
	}
	p.inUse[off] = struct{}{}
	return p.addr(off), nil
}

// put returns an address; one not in use is ignored.
func (p *pool) put(a netip.Addr) {
	off, ok := p.offset(a)
	if !ok {
		return
	}
	if _, used := p.inUse[off]; !used {
		return
	}
	delete(p.inUse, off)
	p.free = append(p.free, off)
}

// inUseCount is the number of addresses handed out and not returned.
func (p *pool) inUseCount() int { return len(p.inUse) }

func (p *pool) addr(off uint64) netip.Addr {
	if !p.isIPv6 {
		b := p.base.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		v += uint32(off)
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	b := p.base.As16()
	hi := new(big.Int).SetBytes(b[:8])
	hi.Add(hi, new(big.Int).SetUint64(off))
	var out [16]byte
	hi.FillBytes(out[:8])
	return netip.AddrFrom16(out)
}

func (p *pool) offset(a netip.Addr) (uint64, bool) {
	if a.Is6() != p.isIPv6 {
		return 0, false
	}
	if !p.isIPv6 {
		x, b := a.As4(), p.base.As4()
		v := uint32(x[0])<<24 | uint32(x[1])<<16 | uint32(x[2])<<8 | uint32(x[3])
		w := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		off := uint64(v - w)
		return off, v >= w && off >= p.first && off < p.first+p.size
	}
	x, b := a.As16(), p.base.As16()
	d := new(big.Int).Sub(new(big.Int).SetBytes(x[:8]), new(big.Int).SetBytes(b[:8]))
	if d.Sign() < 0 || !d.IsUint64() {
		return 0, false
	}
	off := d.Uint64()
	return off, off >= p.first && off < p.first+p.size
}
