package store_test

import (
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
