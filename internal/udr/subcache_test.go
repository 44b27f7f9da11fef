package udr_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go5g/internal/store"
	"go5g/internal/store/storetest"
	"go5g/internal/udr"
)

// subReadCounter counts the subscriber reads that reach the store.
type subReadCounter struct {
	store.Store
	reads atomic.Int32
}

func (c *subReadCounter) GetSubscriber(ctx context.Context, supi string) (store.Subscriber, error) {
	c.reads.Add(1)
	return c.Store.GetSubscriber(ctx, supi)
}

// registration makes the UDR queries of one registration, in order.
func registration(t *testing.T, u *udr.UDR) []string {
	t.Helper()
	ctx := t.Context()
	if _, err := u.QueryAuthSubsData(ctx, supi1); err != nil {
		t.Fatal(err)
	}
	am, err := u.QueryAmData(ctx, supi1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.QuerySmfSelectData(ctx, supi1); err != nil {
		t.Fatal(err)
	}
	dnns := make([]string, len(am.SubscribedDnnList))
	for i, d := range am.SubscribedDnnList {
		dnns[i] = d.(string)
	}
	return dnns
}

// TestSubscriberCache: a registration reads its subscriber once; a change
// to the subscriber is seen by the next registration, and by the queries of
// one already authenticated once the TTL has passed or ForgetSubscriber
// was called.
func TestSubscriberCache(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "go5g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.AddSubscribers(t.Context(), storetest.Sample(supi1)); err != nil {
		t.Fatal(err)
	}
	cs := &subReadCounter{Store: st}
	now := time.Unix(1e9, 0)
	u, err := udr.New(udr.Config{}, udr.Deps{Store: cs, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	registration(t, u)
	if n := cs.reads.Load(); n != 1 {
		t.Errorf("one registration read the subscriber %d times, want 1", n)
	}

	s := storetest.Sample(supi1)
	s.DNNs = []string{"iot"}
	if err := st.UpdateSubscriber(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	if dnns := registration(t, u); len(dnns) != 1 || dnns[0] != "iot" {
		t.Errorf("a registration after the change got DNNs %v, want [iot]", dnns)
	}

	s.DNNs = []string{"internet"}
	if err := st.UpdateSubscriber(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	if am, _ := u.QueryAmData(t.Context(), supi1); am.SubscribedDnnList[0] != "iot" {
		t.Errorf("within the TTL got %v, want the row authentication read ([iot])", am.SubscribedDnnList)
	}
	now = now.Add(udr.DefaultSubscriberCacheTTL)
	if am, _ := u.QueryAmData(t.Context(), supi1); am.SubscribedDnnList[0] != "internet" {
		t.Errorf("after the TTL got %v, want [internet]", am.SubscribedDnnList)
	}

	u.QueryAuthSubsData(t.Context(), supi1)
	before := cs.reads.Load()
	u.ForgetSubscriber(supi1)
	u.QueryAmData(t.Context(), supi1)
	if cs.reads.Load() != before+1 {
		t.Error("ForgetSubscriber did not make the next query read the store")
	}

	off, err := udr.New(udr.Config{SubscriberCacheTTL: -1}, udr.Deps{Store: cs})
	if err != nil {
		t.Fatal(err)
	}
	before = cs.reads.Load()
	registration(t, off)
	if n := cs.reads.Load() - before; n != 3 {
		t.Errorf("with the cache off a registration read %d times, want 3", n)
	}
}
