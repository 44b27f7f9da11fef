package amf

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go5g/internal/n2"
)

// This file is the AMF's read-only view for operations (the REST API's
// live pages): the gNBs on N2 and the UE contexts. Every UE field is read
// by the UE's own worker (an inspect event), so a snapshot never races a
// procedure; gNB fields are read under the node's lock.

// GNBInfo describes one N2 association.
type GNBInfo struct {
	Name    string         // RAN Node Name, when the gNB sent one
	ID      n2.GlobalGNBID // Global RAN Node ID (TS 38.413 §9.3.1.5)
	Address string         // the association's remote address
	SetUp   bool           // NG Setup succeeded (TS 38.413 §8.7.1)
	// SetUpAt is when NG Setup last succeeded (a repeated NG Setup,
	// §8.7.1.2, moves it); zero until it has.
	SetUpAt time.Time
	TAs     []n2.SupportedTA
	UEs     int // UE-associated N2 connections on this association
}

// UEDetail describes one UE context known by its SUPI.
type UEDetail struct {
	SUPI    string
	GUTI    string // 5G-GUTI (TS 23.003 §2.10.1), when one is assigned
	State   string // 5GMM state (TS 24.501 §5.1.3.2.1)
	CM      string // CM-IDLE or CM-CONNECTED (TS 23.501 §5.3.3.2)
	GNBName string
	// GNBID is the Global RAN Node ID of the gNB serving the N2 connection.
	GNBID       n2.GlobalGNBID
	AMFUENGAPID uint64
	RANUENGAPID uint32
	Procedure   string
	// RegistrationStarted is when the last registration procedure (initial,
	// mobility or periodic) began.
	RegistrationStarted time.Time
	Slices              []n2.SNSSAI // allowed NSSAI
	PDUSessions         []uint8     // PDU session IDs the AMF routes to an SMF
}

// GUTIString formats a 5G-GUTI as MCC, MNC, AMF ID (region 8 bits, set 10
// bits, pointer 6 bits, in hex) and 5G-TMSI (hex), e.g.
// "001-01-cafe00-00000001".
//
// Spec: TS 23.003 §2.10.1
func GUTIString(g n2.GUAMI, tmsi uint32) string {
	amfID := uint32(g.RegionID)<<16 | uint32(g.SetID&0x3ff)<<6 | uint32(g.Pointer&0x3f)
	return fmt.Sprintf("%s-%s-%06x-%08x", g.PLMN.MCC, g.PLMN.MNC, amfID, tmsi)
}

// GNBs lists the N2 associations, ordered by address, with the number of
// UE-associated connections each carries.
func (a *AMF) GNBs(ctx context.Context) ([]GNBInfo, error) {
	perRAN := map[*ranNode]int{}
	err := a.eachShard(ctx, func(s *shard) any {
		m := map[*ranNode]int{}
		for _, u := range s.byID {
			if u.conn != nil {
				m[u.conn.ran]++
			}
		}
		return m
	}, func(v any) {
		for r, n := range v.(map[*ranNode]int) {
			perRAN[r] += n
		}
	})
	if err != nil {
		return nil, err
	}
	var out []GNBInfo
	a.rans.Range(func(k, _ any) bool {
		r := k.(*ranNode)
		g := GNBInfo{Address: r.conn.RemoteAddr().String(), SetUp: r.setUp.Load(), UEs: perRAN[r]}
		r.mu.Lock()
		g.Name, g.ID, g.TAs, g.SetUpAt = r.nodeName, r.id, slices.Clone(r.tas), r.setUpAt
		r.mu.Unlock()
		out = append(out, g)
		return true
	})
	slices.SortFunc(out, func(x, y GNBInfo) int { return strings.Compare(x.Address, y.Address) })
	return out, nil
}

// UEPage lists at most limit UE contexts with a SUPI greater than after,
// in SUPI order; more says whether others follow.
func (a *AMF) UEPage(ctx context.Context, limit int, after string) (ues []UEDetail, more bool, err error) {
	if limit < 1 {
		return nil, false, errors.New("amf: limit must be positive")
	}
	err = a.eachShard(ctx, func(s *shard) any {
		var keys []string
		for supi := range s.bySUPI {
			if supi > after {
				keys = append(keys, supi)
			}
		}
		// Only the limit+1 first of each shard can be among the page's.
		slices.Sort(keys)
		part := make([]UEDetail, 0, min(len(keys), limit+1))
		for _, supi := range keys[:min(len(keys), limit+1)] {
			part = append(part, s.detail(s.bySUPI[supi]))
		}
		return part
	}, func(v any) { ues = append(ues, v.([]UEDetail)...) })
	if err != nil {
		return nil, false, err
	}
	slices.SortFunc(ues, func(x, y UEDetail) int { return strings.Compare(x.SUPI, y.SUPI) })
	if len(ues) > limit {
		return ues[:limit], true, nil
	}
	return ues, false, nil
}

// UEDetail returns the context of supi; ok is false when there is none.
func (a *AMF) UEDetail(ctx context.Context, supi string) (d UEDetail, ok bool, err error) {
	v, found := a.supis.Load(supi)
	if !found {
		return UEDetail{}, false, nil
	}
	err = a.ask(ctx, v.(*shard), func(s *shard) any {
		if u := s.bySUPI[supi]; u != nil {
			return s.detail(u)
		}
		return nil
	}, func(v any) {
		if v != nil {
			d, ok = v.(UEDetail), true
		}
	})
	return d, ok, err
}

// detail snapshots u; only u's worker calls it.
func (s *shard) detail(u *ue) UEDetail {
	d := UEDetail{SUPI: u.sub.supi, State: u.state.String(), CM: "CM-IDLE", Procedure: u.proc.String(),
		RegistrationStarted: u.started, Slices: slices.Clone(u.sub.allowed)}
	if u.sub.hasGUTI {
		d.GUTI = GUTIString(s.a.cfg.guami(), u.sub.tmsi)
	}
	if u.conn != nil {
		d.CM = "CM-CONNECTED"
		d.AMFUENGAPID, d.RANUENGAPID = u.conn.amfID, u.conn.ranID
		u.conn.ran.mu.Lock()
		d.GNBName, d.GNBID = u.conn.ran.nodeName, u.conn.ran.id
		u.conn.ran.mu.Unlock()
	}
	for psi := range u.sessions {
		d.PDUSessions = append(d.PDUSessions, psi)
	}
	slices.Sort(d.PDUSessions)
	return d
}

// eachShard runs f in every worker, one after the other, and hands each
// result to merge in the caller's goroutine.
func (a *AMF) eachShard(ctx context.Context, f func(*shard) any, merge func(any)) error {
	for _, s := range a.shards {
		if err := a.ask(ctx, s, f, merge); err != nil {
			return err
		}
	}
	return nil
}

// ask runs f in s's worker and passes its result to merge. The result
// travels on a buffered channel, so a caller that gives up (ctx done)
// leaves nothing behind that the worker would race on.
func (a *AMF) ask(ctx context.Context, s *shard, f func(*shard) any, merge func(any)) error {
	res := make(chan any, 1)
	if !s.post(ctx, inspect{f: func(s *shard) { res <- f(s) }, done: make(chan struct{})}) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errors.New("amf: not running")
	}
	select {
	case v := <-res:
		merge(v)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.exited:
		return errors.New("amf: not running")
	}
}
