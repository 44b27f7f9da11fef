package store_test

import (
	"path/filepath"
	"testing"

	"go5g/internal/pgtest"
	"go5g/internal/store"
	"go5g/internal/store/storetest"
)

func TestSQLiteAccounts(t *testing.T) { storetest.RunAccountsSuite(t, openTemp) }

func TestPostgresAccounts(t *testing.T) {
	server := pgtest.Start(t)
	storetest.RunAccountsSuite(t, func(t *testing.T) store.Store { return openPG(t, server) })
}

func TestSQLiteAudited(t *testing.T) {
	storetest.RunAuditedSuite(t, func(t *testing.T) (store.Store, string) {
		path := filepath.Join(t.TempDir(), "go5g.db")
		s, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, path
	})
}

func TestPostgresAudited(t *testing.T) {
	server := pgtest.Start(t)
	storetest.RunAuditedSuite(t, func(t *testing.T) (store.Store, string) {
		dsn := pgtest.NewDatabase(t, server)
		s, err := store.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, dsn
	})
}
