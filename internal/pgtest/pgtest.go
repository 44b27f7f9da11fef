// Package pgtest gives tests a real, throwaway PostgreSQL database.
//
// Start runs a private server from the Debian binaries (initdb and postgres
// from `pg_config --bindir` or /usr/lib/postgresql/*/bin) in a temporary
// directory, listening on a unix socket only (no TCP port, so parallel test
// binaries never collide), and stops it when the test ends. As root it runs
// them as the `postgres` system user, since PostgreSQL refuses to run as
// root. With GO5G_TEST_POSTGRES set to a connection URL, tests use that
// server instead and each Start gets a fresh database there, dropped again
// at cleanup.
//
// Without PostgreSQL installed the tests skip locally and fail under CI,
// where .ci/run installs Debian's `postgresql` package.
//
// The throwaway server runs with fsync off: its data dies with the test, and
// the tests measure go5g's SQL, not the disk.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"go5g/internal/testenv"
)

// EnvDSN names the environment variable that points the tests at an
// existing server instead of a throwaway one.
const EnvDSN = "GO5G_TEST_POSTGRES"

// Time limits for the throwaway server.
const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 15 * time.Second
	// port only names the socket file (.s.PGSQL.<port>); no TCP listener.
	port = 5432
)

// Start returns a postgres:// URL of a new, empty database that lives until
// the test ends.
func Start(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return NewDatabase(t, dsn)
	}
	bin := binDir(t)
	srv := startServer(t, bin)
	return NewDatabase(t, srv)
}

// NewDatabase creates a fresh database on the server of dsn (whose own
// database is used only to run CREATE DATABASE) and returns dsn pointing at
// it. The database is dropped at cleanup. Tests that want many empty
// databases cheaply call Start once and NewDatabase per subtest.
func NewDatabase(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("pgtest: %s is not a postgres:// URL", EnvDSN)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", u.Redacted(), err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	rand.Read(b[:])
	name := "go5g_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return // the server is gone: nothing left to drop
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// binDir finds the directory holding initdb and postgres.
func binDir(t testing.TB) string {
	t.Helper()
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	// Debian installs versions side by side; prefer the newest.
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(found, func(i, j int) bool { return pgVersion(found[i]) > pgVersion(found[j]) })
	dirs = append(dirs, found...)
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d
		}
	}
	testenv.Skip(t, "PostgreSQL is not installed (no initdb/postgres in `pg_config --bindir` or /usr/lib/postgresql/*/bin; Debian package postgresql), and "+EnvDSN+" is not set")
	return ""
}

// pgVersion reads the major version from /usr/lib/postgresql/<v>/bin.
func pgVersion(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// server is one running throwaway cluster.
type server struct {
	cmd  *exec.Cmd
	data string // data directory
	sock string // socket directory
	log  string // server log file
	cred *syscall.Credential
	done chan struct{} // closed when the process has exited
	werr error         // its exit status, once done is closed
}

// startServer creates a cluster and starts postgres on it; it returns the
// URL of the cluster's "postgres" database.
func startServer(t testing.TB, bin string) string {
	t.Helper()
	s := &server{}
	base := t.TempDir()
	if os.Geteuid() == 0 {
		s.cred = postgresUser(t)
		// t.TempDir makes its directories 0700; the postgres user needs to
		// pass through them to reach its own data directory.
		for _, d := range []string{base, filepath.Dir(base)} {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatalf("pgtest: %v", err)
			}
		}
	}
	s.data = filepath.Join(base, "data")
	s.log = filepath.Join(base, "postgres.log")
	// A unix socket path is at most 107 bytes, and test names make
	// t.TempDir long: the socket gets a short directory of its own.
	sock, err := os.MkdirTemp("", "go5g-pg")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	s.sock = sock
	t.Cleanup(func() { os.RemoveAll(sock) })
	for _, d := range []string{s.data, s.sock} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		s.chown(t, d)
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer logf.Close()
	s.chown(t, s.log)

	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", s.data, "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Stdout, initdb.Stderr = logf, logf
	initdb.SysProcAttr = s.attr()
	if err := initdb.Run(); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, s.tail())
	}

	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", s.data, "-k", s.sock,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "full_page_writes=off",
		"-c", "max_connections=100")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = s.attr()
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("pgtest: start postgres: %v", err)
	}
	s.done = make(chan struct{})
	go func() { s.werr = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.stop(t) })

	dsn := (&url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Path:     "/postgres",
		RawQuery: url.Values{"host": {s.sock}, "port": {strconv.Itoa(port)}, "sslmode": {"disable"}}.Encode(),
	}).String()
	if err := s.waitReady(dsn); err != nil {
		t.Fatalf("pgtest: postgres did not start: %v\n%s", err, s.tail())
	}
	return dsn
}

// postgresUser returns the credentials of the postgres system user, which
// Debian's postgresql-common package creates.
func postgresUser(t testing.TB) *syscall.Credential {
	t.Helper()
	u, err := user.Lookup("postgres")
	if err != nil {
		testenv.Skip(t, "running as root and there is no `postgres` system user to run PostgreSQL as (Debian package postgresql creates it)")
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		t.Fatalf("pgtest: postgres user has uid %q gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

func (s *server) attr() *syscall.SysProcAttr {
	// Setpgid keeps a terminal's ^C from reaching the server before the
	// test's cleanup stops it.
	return &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
}

func (s *server) chown(t testing.TB, p string) {
	t.Helper()
	if s.cred == nil {
		return
	}
	if err := os.Chown(p, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// tail returns the end of the server log for a failure message.
func (s *server) tail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// waitReady polls until the server accepts a connection, it exits, or the
// time is up.
func (s *server) waitReady(dsn string) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, dsn)
		cancel()
		if err == nil {
			c.Close(context.Background())
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited: %v", s.werr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", readyTimeout, err)
		}
	}
}

// stop shuts the server down (SIGINT is PostgreSQL's fast shutdown), and
// kills it if it does not go in time. Only the process Start began is
// signalled.
func (s *server) stop(t testing.TB) {
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("pgtest: stop postgres: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.cmd.Process.Kill()
		<-s.done
		t.Errorf("pgtest: postgres did not stop within %v; killed\n%s", stopTimeout, s.tail())
	}
}
